// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ITreasury} from "../../common/interfaces/ITreasury.sol";
import {IOperatorStaking} from "../../staking/interfaces/IOperatorStaking.sol";
import {IModelRegistry, ModelRegistryModes} from "../../models/interfaces/IModelRegistry.sol";
import {IAIOracle, AIOracleCodes} from "../interfaces/IAIOracle.sol";
import {AIOracleStorage} from "./AIOracleStorage.sol";
import {AIOracleCore} from "./AIOracleCore.sol";

/// @title AIOracleLogic
/// @notice The cold paths of the AIOracle: the Quorum and Optimistic state machines, refunds, payouts and
/// configuration. A linked library (run by DELEGATECALL in the oracle's storage) so the oracle stays under the
/// contract size limit; every function is reached only through the oracle's own guarded entry points.
library AIOracleLogic {
    /// @notice A quorum vote; the vote that brings a result to `quorumK` makes it final, pays the agreeing nodes,
    /// slashes the nodes that voted otherwise and delivers the result.
    function vote(
        uint256 requestId,
        IAIOracle.Request calldata req,
        bytes calldata output,
        uint8 errorCode,
        uint256 packed
    ) external {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        bytes32 outputHash = keccak256(output);
        bytes32 result = keccak256(abi.encode(errorCode, outputHash));
        $.votes[requestId][msg.sender] = result;
        uint256 agreeing = ++$.voteCounts[requestId][result];
        if (agreeing < req.quorumK) {
            if (AIOracleCore.stateOf(packed) == AIOracleCodes.STATE_PENDING) {
                AIOracleCore.setState(requestId, packed, AIOracleCodes.STATE_PROVISIONAL);
            }
            emit IAIOracle.RequestFulfilled(
                requestId,
                msg.sender,
                ModelRegistryModes.MODE_QUORUM,
                false,
                false,
                errorCode,
                outputHash
            );
            return;
        }
        AIOracleCore.complete(requestId);
        _settleQuorum(requestId, req, errorCode, result, agreeing);
        bool ok = AIOracleCore.callback(requestId, req, output, errorCode);
        emit IAIOracle.RequestFulfilled(
            requestId,
            msg.sender,
            ModelRegistryModes.MODE_QUORUM,
            true,
            ok,
            errorCode,
            outputHash
        );
    }

    /// @notice An Optimistic result: locks the node's bond and opens the challenge window.
    /// @return err The encoded `AIOracleBondUnavailable` error when the bond cannot be locked, else empty.
    function propose(
        uint256 requestId,
        IAIOracle.Request calldata req,
        bytes calldata output,
        uint8 errorCode,
        uint256 packed
    ) external returns (bytes memory err) {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        try IOperatorStaking($.staking).lock(msg.sender, AIOracleCore.ORACLE_SERVICE, req.bondWei) {} catch {
            return
                abi.encodeWithSelector(IAIOracle.AIOracleBondUnavailable.selector, requestId, msg.sender, req.bondWei);
        }
        uint64 challengeDeadline = uint64(block.timestamp) + req.challengeWindowSeconds;
        bytes32 outputHash = keccak256(output);
        $.proposals[requestId] = IAIOracle.Proposal({
            node: msg.sender,
            challengeDeadline: challengeDeadline,
            resolved: false,
            resultHash: keccak256(abi.encode(errorCode, outputHash)),
            challenger: address(0),
            resolveBy: 0,
            votesValid: 0,
            votesInvalid: 0
        });
        AIOracleCore.setState(requestId, packed, AIOracleCodes.STATE_PROVISIONAL);
        emit IAIOracle.ResultProposed(requestId, msg.sender, challengeDeadline, errorCode, output);
        emit IAIOracle.RequestFulfilled(
            requestId,
            msg.sender,
            ModelRegistryModes.MODE_OPTIMISTIC,
            false,
            false,
            errorCode,
            outputHash
        );
    }

    /// @notice See `IAIOracle.finalize`.
    function finalize(
        uint256 requestId,
        IAIOracle.Request calldata req,
        bytes calldata output,
        uint8 errorCode
    ) external {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        AIOracleCore.loadOptimistic(requestId, req, AIOracleCodes.STATE_PROVISIONAL);
        IAIOracle.Proposal storage p = $.proposals[requestId];
        if (!p.resolved && block.timestamp <= p.challengeDeadline) {
            revert IAIOracle.AIOracleChallengeWindow(requestId, p.challengeDeadline);
        }
        bytes32 outputHash = keccak256(output);
        if (keccak256(abi.encode(errorCode, outputHash)) != p.resultHash) {
            revert IAIOracle.AIOracleResultMismatch(requestId, p.resultHash);
        }
        address node = p.node;
        AIOracleCore.complete(requestId);
        IOperatorStaking($.staking).unlock(node, AIOracleCore.ORACLE_SERVICE, req.bondWei);
        AIOracleCore.settle(req, errorCode, node, req.nodeFeeWei, msg.sender);
        bool ok = AIOracleCore.callback(requestId, req, output, errorCode);
        emit IAIOracle.RequestFulfilled(
            requestId,
            node,
            ModelRegistryModes.MODE_OPTIMISTIC,
            true,
            ok,
            errorCode,
            outputHash
        );
    }

    /// @notice See `IAIOracle.challenge`; `paidWei` is the oracle call's `msg.value`.
    function challenge(uint256 requestId, IAIOracle.Request calldata req, uint256 paidWei) external {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        uint256 packed = AIOracleCore.loadOptimistic(requestId, req, AIOracleCodes.STATE_PROVISIONAL);
        IAIOracle.Proposal storage p = $.proposals[requestId];
        if (p.resolved || block.timestamp > p.challengeDeadline) {
            revert IAIOracle.AIOracleChallengeWindow(requestId, p.challengeDeadline);
        }
        if (msg.sender == p.node) revert IAIOracle.AIOracleProposerCannotChallenge(requestId, msg.sender);
        if (paidWei != req.bondWei) revert IAIOracle.AIOracleWrongBond(paidWei, req.bondWei);
        uint64 resolveBy = uint64(block.timestamp) + $.config.challengeResolutionSeconds;
        p.challenger = msg.sender;
        p.resolveBy = resolveBy;
        AIOracleCore.setState(requestId, packed, AIOracleCodes.STATE_CHALLENGED);
        emit IAIOracle.ResultChallenged(requestId, msg.sender, paidWei, resolveBy);
    }

    /// @notice See `IAIOracle.voteChallenge`.
    function voteChallenge(uint256 requestId, IAIOracle.Request calldata req, bool resultValid) external {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        uint256 packed = AIOracleCore.loadOptimistic(requestId, req, AIOracleCodes.STATE_CHALLENGED);
        IAIOracle.Proposal storage p = $.proposals[requestId];
        if (block.timestamp > p.resolveBy) revert IAIOracle.AIOracleResolutionExpired(requestId, p.resolveBy);
        if (
            req.quorumK == 0 ||
            msg.sender == p.node ||
            msg.sender == p.challenger ||
            !IModelRegistry($.registry).isServing(req.modelId, msg.sender)
        ) revert IAIOracle.AIOracleNotEligibleVoter(requestId, msg.sender);
        if ($.challengeVoted[requestId][msg.sender]) revert IAIOracle.AIOracleAlreadyVoted(requestId, msg.sender);
        $.challengeVoted[requestId][msg.sender] = true;
        uint8 votes = resultValid ? ++p.votesValid : ++p.votesInvalid;
        emit IAIOracle.ChallengeVoted(requestId, msg.sender, resultValid);
        if (votes >= req.quorumK) _resolve(requestId, req, packed, p, resultValid);
    }

    /// @notice See `IAIOracle.resolveChallenge` (the oracle checks ARBITER_ROLE).
    function resolveChallenge(uint256 requestId, IAIOracle.Request calldata req, bool resultValid) external {
        uint256 packed = AIOracleCore.loadOptimistic(requestId, req, AIOracleCodes.STATE_CHALLENGED);
        IAIOracle.Proposal storage p = AIOracleCore.layout().proposals[requestId];
        if (block.timestamp > p.resolveBy) revert IAIOracle.AIOracleResolutionExpired(requestId, p.resolveBy);
        _resolve(requestId, req, packed, p, resultValid);
    }

    /// @notice See `IAIOracle.refund`.
    function refund(uint256 requestId, IAIOracle.Request calldata req) external {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        uint256 packed = AIOracleCore.load(requestId, req);
        uint8 state = AIOracleCore.stateOf(packed);
        if (
            state == AIOracleCodes.STATE_PENDING ||
            (state == AIOracleCodes.STATE_PROVISIONAL && req.mode == ModelRegistryModes.MODE_QUORUM)
        ) {
            uint64 deadline = uint64(packed);
            if (block.timestamp <= deadline) revert IAIOracle.AIOracleRequestNotExpired(requestId, deadline);
            _markLate(requestId, req);
        } else if (state == AIOracleCodes.STATE_CHALLENGED) {
            IAIOracle.Proposal storage p = $.proposals[requestId];
            if (block.timestamp <= p.resolveBy) revert IAIOracle.AIOracleRequestNotExpired(requestId, p.resolveBy);
            // Nobody resolved the challenge in time: both bonds go back, nobody is slashed.
            p.resolved = true;
            IOperatorStaking($.staking).unlock(p.node, AIOracleCore.ORACLE_SERVICE, req.bondWei);
            AIOracleCore.credit(p.challenger, req.bondWei);
        } else {
            revert IAIOracle.AIOracleInvalidState(requestId, state);
        }
        AIOracleCore.setState(requestId, packed, AIOracleCodes.STATE_REFUNDED);
        AIOracleCore.refundRequester(requestId, req);
    }

    /// @notice Pays `account`'s whole pull credit to it as plain ETH with no calldata.
    function payCredit(address account) external {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        uint256 amountWei = $.credits[account];
        if (amountWei == 0) revert IAIOracle.AIOracleNothingToWithdraw(account);
        $.credits[account] = 0;
        emit IAIOracle.CreditWithdrawn(account, msg.sender, amountWei);
        Address.sendValue(payable(account), amountWei);
    }

    /// @notice See `IAIOracle.sweepProtocolFees`.
    function sweepProtocolFees() external {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        uint256 amountWei = $.protocolFeesWei;
        address treasury = $.treasury;
        if (amountWei == 0) revert IAIOracle.AIOracleNothingToWithdraw(treasury);
        $.protocolFeesWei = 0;
        emit IAIOracle.ProtocolFeesSwept(treasury, amountWei);
        ITreasury(treasury).depositETH{value: amountWei}();
    }

    /// @notice Validates and stores the fee parameters.
    function setFeeConfig(IAIOracle.FeeConfig calldata f) external {
        if (f.protocolFeeBps > AIOracleCore.MAX_PROTOCOL_FEE_BPS)
            revert IAIOracle.AIOracleInvalidConfig("protocolFeeBps");
        if (f.minGasPriceWei > f.maxGasPriceWei) revert IAIOracle.AIOracleInvalidConfig("gasPriceBounds");
        AIOracleCore.layout().feeConfig = f;
        emit IAIOracle.FeeConfigSet(f);
    }

    /// @notice Validates and stores the limits and timings.
    function setConfig(IAIOracle.Config calldata c) external {
        if (c.maxInputBytes < AIOracleCore.MIN_IO_BYTES) revert IAIOracle.AIOracleInvalidConfig("maxInputBytes");
        if (c.maxOutputBytes < AIOracleCore.MIN_IO_BYTES) revert IAIOracle.AIOracleInvalidConfig("maxOutputBytes");
        if (c.maxCallbackGasLimit == 0) revert IAIOracle.AIOracleInvalidConfig("maxCallbackGasLimit");
        if (c.requestTimeoutSeconds == 0) revert IAIOracle.AIOracleInvalidConfig("requestTimeoutSeconds");
        if (c.gracePeriodSeconds > c.requestTimeoutSeconds) {
            revert IAIOracle.AIOracleInvalidConfig("gracePeriodSeconds");
        }
        if (c.challengeResolutionSeconds == 0) revert IAIOracle.AIOracleInvalidConfig("challengeResolutionSeconds");
        AIOracleCore.layout().config = c;
        emit IAIOracle.ConfigSet(c);
    }

    /// @notice Validates and stores the Treasury.
    function setTreasury(address treasury) external {
        if (treasury == address(0)) revert IAIOracle.AIOracleZeroAddress("treasury");
        AIOracleCore.layout().treasury = treasury;
        emit IAIOracle.TreasurySet(treasury);
    }

    /// @notice See `IAIOracle.quote`.
    function quote(uint256 modelId, uint32 callbackGasLimit) external view returns (uint256) {
        IModelRegistry.RequestTerms memory terms = IModelRegistry(AIOracleCore.layout().registry).requestTerms(
            modelId,
            0
        );
        (uint96 nodeFeeWei, uint96 gasFeeWei, uint96 protocolFeeWei) = AIOracleCore.fees(
            terms.feeWei,
            terms.nodes.length,
            callbackGasLimit
        );
        return AIOracleCore.totalFee(terms.feeWei, nodeFeeWei, gasFeeWei, protocolFeeWei);
    }

    /// @dev Records every assigned node that did not answer (in Quorum: did not vote) as late.
    function _markLate(uint256 requestId, IAIOracle.Request calldata req) private {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        bool quorum = req.mode == ModelRegistryModes.MODE_QUORUM;
        // Bounded by the registry's MAX_QUORUM_N.
        for (uint256 i = 0; i < req.nodes.length; ++i) {
            address node = req.nodes[i];
            if (quorum && $.votes[requestId][node] != bytes32(0)) continue;
            uint256 lateCount = ++$.lateness[node];
            emit IAIOracle.NodeLate(node, requestId, lateCount);
        }
    }

    /// @dev Splits the node share among the `agreeing` voters of the final `result` and slashes the dissenters. The
    /// last agreeing voter also gets the rounding remainder and the gas share (it runs the callback).
    function _settleQuorum(
        uint256 requestId,
        IAIOracle.Request calldata req,
        uint8 errorCode,
        bytes32 result,
        uint256 agreeing
    ) private {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        uint256 shareWei = req.nodeFeeWei / agreeing;
        uint256 dissentSlashWei = $.config.dissentSlashWei;
        // Bounded by the registry's MAX_QUORUM_N.
        for (uint256 i = 0; i < req.nodes.length; ++i) {
            address node = req.nodes[i];
            if (node == msg.sender) continue;
            bytes32 nodeVote = $.votes[requestId][node];
            if (nodeVote == result) AIOracleCore.credit(node, shareWei);
            else if (nodeVote != bytes32(0)) AIOracleCore.slash(requestId, node, dissentSlashWei, address(0), 0);
        }
        AIOracleCore.settle(req, errorCode, msg.sender, req.nodeFeeWei - shareWei * (agreeing - 1), msg.sender);
    }

    /// @dev Valid: the challenger's bond goes to the proposer and the result can be finalized at once. Invalid: the
    /// proposer's bond is slashed (half to the challenger), the challenger's bond is returned and the requester
    /// refunded.
    function _resolve(
        uint256 requestId,
        IAIOracle.Request calldata req,
        uint256 packed,
        IAIOracle.Proposal storage p,
        bool resultValid
    ) private {
        p.resolved = true;
        emit IAIOracle.ChallengeResolved(requestId, resultValid, msg.sender);
        if (resultValid) {
            AIOracleCore.setState(requestId, packed, AIOracleCodes.STATE_PROVISIONAL);
            AIOracleCore.credit(p.node, req.bondWei);
            return;
        }
        AIOracleCore.setState(requestId, packed, AIOracleCodes.STATE_REFUNDED);
        AIOracleCore.credit(p.challenger, req.bondWei);
        IOperatorStaking(AIOracleCore.layout().staking).unlock(p.node, AIOracleCore.ORACLE_SERVICE, req.bondWei);
        AIOracleCore.slash(requestId, p.node, req.bondWei, p.challenger, req.bondWei / 2);
        AIOracleCore.refundRequester(requestId, req);
    }
}
