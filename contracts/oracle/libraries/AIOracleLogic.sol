// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ITreasury} from "../../common/interfaces/ITreasury.sol";
import {IOperatorStaking} from "../../staking/interfaces/IOperatorStaking.sol";
import {IModelRegistry, ModelRegistryModes} from "../../models/interfaces/IModelRegistry.sol";
import {IAIOracle, AIOracleCodes, AIOracleRequests} from "../interfaces/IAIOracle.sol";
import {AIOracleStorage} from "./AIOracleStorage.sol";
import {AIOracleCore} from "./AIOracleCore.sol";
import {IProofVerifier} from "../interfaces/IProofVerifier.sol";

/// @title AIOracleLogic
/// @notice The cold paths of the AIOracle: the Quorum and Optimistic state machines, refunds, payouts and
/// configuration. A linked library (run by DELEGATECALL in the oracle's storage) so the oracle stays under the
/// contract size limit; every function is reached only through the oracle's own guarded entry points.
library AIOracleLogic {
    using AIOracleRequests for IAIOracle.Request;

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
        if (agreeing < req.quorumK()) {
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
        // `fulfil` routes every mode but None and Quorum here: a Proof request needs `fulfilProof`.
        if (req.mode() != ModelRegistryModes.MODE_OPTIMISTIC) {
            return abi.encodeWithSelector(IAIOracle.AIOracleWrongMode.selector, requestId, req.mode());
        }
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        try IOperatorStaking($.staking).lock(msg.sender, AIOracleCore.ORACLE_SERVICE, req.bondWei()) {} catch {
            return
                abi.encodeWithSelector(
                    IAIOracle.AIOracleBondUnavailable.selector,
                    requestId,
                    msg.sender,
                    req.bondWei()
                );
        }
        uint64 challengeDeadline = uint64(block.timestamp) + req.challengeWindowSeconds();
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

    /// @notice See `IAIOracle.fulfilProof`: checks the request, its mode, state and deadline, the input against its
    /// hash, the proof with the model's verifier (bounded gas; a false answer or a revert rejects it, writing
    /// nothing), then settles to the caller and runs the callback like a None-mode result.
    function fulfilProof(
        uint256 requestId,
        IAIOracle.Request calldata req,
        bytes calldata input,
        bytes calldata output,
        bytes calldata proof
    ) external {
        _checkProofRequest(requestId, req, input, output.length);
        address verifier = _proofVerifier(req.modelId);
        _verifyProof(requestId, verifier, input, output, proof);
        AIOracleCore.complete(requestId);
        AIOracleCore.settle(req, 0, msg.sender, req.nodeFeeWei(), msg.sender);
        bool ok = AIOracleCore.callback(requestId, req, output, 0);
        emit IAIOracle.RequestFulfilled(
            requestId,
            msg.sender,
            ModelRegistryModes.MODE_PROOF,
            true,
            ok,
            0,
            keccak256(output)
        );
    }

    /// @notice See `IAIOracle.finalize`. A challenge still open past its resolution time that was not upheld by
    /// `quorumK` bonded votes is settled here in the proposer's favour first.
    function finalize(
        uint256 requestId,
        IAIOracle.Request calldata req,
        bytes calldata output,
        uint8 errorCode
    ) external {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        uint256 packed = AIOracleCore.load(requestId, req);
        if (req.mode() != ModelRegistryModes.MODE_OPTIMISTIC) revert IAIOracle.AIOracleWrongMode(requestId, req.mode());
        IAIOracle.Proposal storage p = $.proposals[requestId];
        uint8 state = AIOracleCore.stateOf(packed);
        if (state == AIOracleCodes.STATE_CHALLENGED) {
            if (block.timestamp <= p.resolveBy) revert IAIOracle.AIOracleChallengePending(requestId, p.resolveBy);
            if (_upheldByVotes(req, p)) revert IAIOracle.AIOracleChallengeUpheld(requestId);
            _resolve(requestId, req, packed, p, true);
        } else if (state != AIOracleCodes.STATE_PROVISIONAL) {
            revert IAIOracle.AIOracleInvalidState(requestId, state);
        } else if (!p.resolved && block.timestamp <= p.challengeDeadline) {
            revert IAIOracle.AIOracleChallengeWindow(requestId, p.challengeDeadline);
        }
        bytes32 outputHash = keccak256(output);
        if (keccak256(abi.encode(errorCode, outputHash)) != p.resultHash) {
            revert IAIOracle.AIOracleResultMismatch(requestId, p.resultHash);
        }
        address node = p.node;
        AIOracleCore.complete(requestId);
        IOperatorStaking($.staking).unlock(node, AIOracleCore.ORACLE_SERVICE, req.bondWei());
        AIOracleCore.settle(req, errorCode, node, req.nodeFeeWei(), msg.sender);
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
        if (paidWei != req.bondWei()) revert IAIOracle.AIOracleWrongBond(paidWei, req.bondWei());
        uint64 resolveBy = uint64(block.timestamp) + $.config.challengeResolutionSeconds;
        p.challenger = msg.sender;
        p.resolveBy = resolveBy;
        AIOracleCore.setState(requestId, packed, AIOracleCodes.STATE_CHALLENGED);
        emit IAIOracle.ResultChallenged(requestId, msg.sender, paidWei, resolveBy);
    }

    /// @notice See `IAIOracle.voteChallenge`: the vote bonds `bondWei` of the voter's free stake until the challenge
    /// is settled; `quorumK` matching votes decide the challenge unless the arbiter rules before `resolveBy`.
    function voteChallenge(uint256 requestId, IAIOracle.Request calldata req, bool resultValid) external {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        AIOracleCore.loadOptimistic(requestId, req, AIOracleCodes.STATE_CHALLENGED);
        IAIOracle.Proposal storage p = $.proposals[requestId];
        if (block.timestamp > p.resolveBy) revert IAIOracle.AIOracleResolutionExpired(requestId, p.resolveBy);
        if (
            req.quorumK() == 0 ||
            msg.sender == p.node ||
            msg.sender == p.challenger ||
            msg.sender == req.requester ||
            !IModelRegistry($.registry).isServing(req.modelId, msg.sender)
        ) revert IAIOracle.AIOracleNotEligibleVoter(requestId, msg.sender);
        if ($.challengeVoted[requestId][msg.sender]) revert IAIOracle.AIOracleAlreadyVoted(requestId, msg.sender);
        if (p.votesValid >= req.quorumK() || p.votesInvalid >= req.quorumK()) {
            revert IAIOracle.AIOracleChallengeDecided(requestId, p.votesValid >= req.quorumK());
        }
        try IOperatorStaking($.staking).lock(msg.sender, AIOracleCore.ORACLE_SERVICE, req.bondWei()) {} catch {
            revert IAIOracle.AIOracleBondUnavailable(requestId, msg.sender, req.bondWei());
        }
        $.challengeVoted[requestId][msg.sender] = true;
        $.challengeVoters[requestId][resultValid].push(msg.sender);
        if (resultValid) ++p.votesValid;
        else ++p.votesInvalid;
        emit IAIOracle.ChallengeVoted(requestId, msg.sender, resultValid);
    }

    /// @notice See `IAIOracle.resolveChallenge` (the oracle checks ARBITER_ROLE): final, whatever the votes say.
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
            (state == AIOracleCodes.STATE_PROVISIONAL && req.mode() == ModelRegistryModes.MODE_QUORUM)
        ) {
            uint64 deadline = AIOracleCore.deadlineOf(packed);
            if (block.timestamp <= deadline) revert IAIOracle.AIOracleRequestNotExpired(requestId, deadline);
            _markLate(requestId, req);
        } else if (state == AIOracleCodes.STATE_CHALLENGED) {
            IAIOracle.Proposal storage p = $.proposals[requestId];
            if (block.timestamp <= p.resolveBy) revert IAIOracle.AIOracleRequestNotExpired(requestId, p.resolveBy);
            // Only a challenge upheld by `quorumK` bonded votes refunds; any other open challenge settles in the
            // proposer's favour through `finalize`, so reading the result and then challenging it gains nothing.
            if (!_upheldByVotes(req, p)) revert IAIOracle.AIOracleChallengeNotUpheld(requestId);
            _resolve(requestId, req, packed, p, false);
            return;
        } else {
            revert IAIOracle.AIOracleInvalidState(requestId, state);
        }
        AIOracleCore.setState(requestId, packed, AIOracleCodes.STATE_REFUNDED);
        AIOracleCore.refundRequester(requestId, req);
    }

    /// @notice Pays `account`'s whole pull credit to it as plain ETH with no calldata.
    function payCredit(address account) external {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        uint256 slot = $.credits[account];
        uint256 amountWei = slot & AIOracleCore.CREDIT_MASK;
        if (amountWei == 0) revert IAIOracle.AIOracleNothingToWithdraw(account);
        $.credits[account] = slot - amountWei;
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
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        IOperatorStaking staking = IOperatorStaking($.staking);
        // Once the oracle can lock and slash, a node's stake must not be able to leave before its answers can no
        // longer be slashed (OperatorStaking checks the other direction: delay changes and adding the module).
        if (staking.isModule(AIOracleCore.ORACLE_SERVICE, address(this))) {
            uint256 horizon = AIOracleCore.slashingHorizon(c);
            uint64 delay = staking.serviceConfig(AIOracleCore.ORACLE_SERVICE).unbondingDelaySeconds;
            if (delay <= horizon) revert IAIOracle.AIOracleHorizonNotBelowUnbonding(horizon, delay);
        }
        $.config = c;
        AIOracleCore.setMaxOutput(c.maxOutputBytes);
        emit IAIOracle.ConfigSet(c);
    }

    /// @notice Validates and stores the Treasury.
    function setTreasury(address treasury) external {
        if (treasury == address(0)) revert IAIOracle.AIOracleZeroAddress("treasury");
        AIOracleCore.layout().treasury = treasury;
        emit IAIOracle.TreasurySet(treasury);
    }

    /// @notice See `IModelTermsListener.onModelTerms` (registry only).
    function onModelTerms(
        uint256 modelId,
        address revenueReceiver,
        uint96 feeWei,
        IModelRegistry.Verification calldata verification,
        bool active
    ) external {
        _onlyRegistry();
        AIOracleCore.cacheTerms(modelId, revenueReceiver, feeWei, verification, active);
    }

    /// @notice See `IModelTermsListener.onModelNodes` (registry only).
    function onModelNodes(uint256 modelId, address[] calldata nodes) external {
        _onlyRegistry();
        AIOracleCore.cacheNodes(modelId, nodes);
    }

    /// @notice See `IModelTermsListener.onTermsListening` (registry only).
    function onTermsListening(bool listening) external {
        _onlyRegistry();
        AIOracleCore.cacheTermsListening(listening);
    }

    /// @notice See `IOperatorStatusListener.onOperatorStatus` (staking only, oracle service only).
    function onOperatorStatus(bytes32 service, address operator, uint256 activeWei, uint64 jailedUntil) external {
        _onlyOracleService(service);
        AIOracleCore.cacheStatus(operator, activeWei, jailedUntil);
    }

    /// @notice See `IOperatorStatusListener.onServiceStatus` (staking only, oracle service only).
    function onServiceStatus(bytes32 service, bool enabled, uint256 minStakeWei, bool listening) external {
        _onlyOracleService(service);
        AIOracleCore.cacheService(enabled, minStakeWei, listening);
    }

    /// @notice See `IAIOracle.warmCommitmentRing`.
    function warmCommitmentRing(uint256 fromIndex, uint256 count) external {
        emit IAIOracle.CommitmentRingWarmed(fromIndex, count, AIOracleCore.warmRing(fromIndex, count));
    }

    /// @notice See `IAIOracle.migrateHotSlot`.
    function migrateHotSlot() external {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        if ($.hot & AIOracleCore.READY != 0) revert IAIOracle.AIOracleAlreadyMigrated();
        // OpenZeppelin PausableUpgradeable's flag (its ERC-7201 slot), the pause state before the hot slot.
        bool pausedBefore;
        assembly ("memory-safe") {
            pausedBefore := and(sload(0xcd5ed15c6e187e77e9aee88184c21f4f2182ab5827cb3b7e07fbedcd63f03300), 0xff)
        }
        uint256 hot = AIOracleCore.hotFromLegacy(pausedBefore);
        $.hot = hot;
        emit IAIOracle.HotSlotMigrated(hot & AIOracleCore.COUNT_MASK, pausedBefore);
    }

    /// @notice See `IAIOracle.quote`.
    function quote(uint256 modelId, uint32 callbackGasLimit) external view returns (uint256) {
        IModelRegistry.RequestTerms memory terms = AIOracleCore.requestTerms(modelId, 0);
        (uint96 nodeFeeWei, uint96 gasFeeWei, uint16 protocolFeeBps) = AIOracleCore.fees(
            terms.nodes.length,
            callbackGasLimit
        );
        return AIOracleCore.totalFee(terms.feeWei, nodeFeeWei, gasFeeWei, protocolFeeBps);
    }

    function _checkProofRequest(
        uint256 requestId,
        IAIOracle.Request calldata req,
        bytes calldata input,
        uint256 outputLength
    ) private view {
        uint256 packed = AIOracleCore.load(requestId, req);
        if (req.mode() != ModelRegistryModes.MODE_PROOF) revert IAIOracle.AIOracleWrongMode(requestId, req.mode());
        uint8 state = AIOracleCore.stateOf(packed);
        if (state != AIOracleCodes.STATE_PENDING) revert IAIOracle.AIOracleInvalidState(requestId, state);
        uint64 deadline = AIOracleCore.deadlineOf(packed);
        if (block.timestamp > deadline) revert IAIOracle.AIOracleRequestExpired(requestId, deadline);
        uint256 maxOutput = uint32(AIOracleCore.layout().hot >> AIOracleCore.MAX_OUTPUT_SHIFT);
        if (outputLength > maxOutput) revert IAIOracle.AIOracleOutputTooLarge(outputLength, maxOutput);
        bytes32 suppliedHash = keccak256(input);
        if (suppliedHash != req.inputHash) {
            revert IAIOracle.AIOracleInputMismatch(requestId, req.inputHash, suppliedHash);
        }
    }

    /// @dev The model's verifier: registered once with the model and never changed, so reading it now is reading it
    /// at request time. The first proven fulfilment of a model copies it from the registry (a call into the registry
    /// proxy, ~10k gas) into an oracle slot (2.1k to read), in a namespace of its own (ERC-7201
    /// `axon.storage.AIOracle.proofVerifiers`: a `mapping(uint256 modelId => address)` at this slot), outside
    /// `AIOracleStorage.Layout`. A memo of the registry's immutable value, so no event of its own (the registry's
    /// `ProofVerifierSet` names it); a rejected proof reverts the write with everything else.
    function _proofVerifier(uint256 modelId) private returns (address verifier) {
        uint256 slot;
        assembly ("memory-safe") {
            mstore(0, modelId)
            mstore(32, 0x06568448ef0bbf56ed799fc4450c95a111523fbe8f5c2e2f7f75646e4ea37100)
            slot := keccak256(0, 64)
            verifier := sload(slot)
        }
        if (verifier == address(0)) {
            verifier = IModelRegistry(AIOracleCore.layout().registry).proofVerifierOf(modelId);
            assembly ("memory-safe") {
                sstore(slot, verifier)
            }
        }
    }

    /// @dev A false answer and a revert (or running out of the bounded gas) both reject the proof.
    function _verifyProof(
        uint256 requestId,
        address verifier,
        bytes calldata input,
        bytes calldata output,
        bytes calldata proof
    ) private view {
        try IProofVerifier(verifier).verify{gas: AIOracleCodes.PROOF_VERIFY_GAS}(input, output, proof) returns (
            bool valid
        ) {
            if (!valid) revert IAIOracle.AIOracleProofRejected(requestId);
        } catch (bytes memory reason) {
            revert IAIOracle.AIOracleProofVerifierFailed(requestId, verifier, reason);
        }
    }

    function _onlyRegistry() private view {
        if (msg.sender != AIOracleCore.layout().registry) revert IAIOracle.AIOracleUnauthorizedPush(msg.sender);
    }

    function _onlyOracleService(bytes32 service) private view {
        if (msg.sender != AIOracleCore.layout().staking || service != AIOracleCore.ORACLE_SERVICE) {
            revert IAIOracle.AIOracleUnauthorizedPush(msg.sender);
        }
    }

    /// @dev Records every assigned node that did not answer (in Quorum: did not vote) as late.
    function _markLate(uint256 requestId, IAIOracle.Request calldata req) private {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        bool quorum = req.mode() == ModelRegistryModes.MODE_QUORUM;
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
        uint256 shareWei = req.nodeFeeWei() / agreeing;
        uint256 dissentSlashWei = $.config.dissentSlashWei;
        // Bounded by the registry's MAX_QUORUM_N.
        for (uint256 i = 0; i < req.nodes.length; ++i) {
            address node = req.nodes[i];
            if (node == msg.sender) continue;
            bytes32 nodeVote = $.votes[requestId][node];
            if (nodeVote == result) AIOracleCore.creditServed(node, shareWei);
            else if (nodeVote != bytes32(0)) AIOracleCore.slash(requestId, node, dissentSlashWei, address(0), 0);
        }
        AIOracleCore.settle(req, errorCode, msg.sender, req.nodeFeeWei() - shareWei * (agreeing - 1), msg.sender);
    }

    /// @dev Whether `quorumK` bonded votes found the proposed result invalid.
    function _upheldByVotes(IAIOracle.Request calldata req, IAIOracle.Proposal storage p) private view returns (bool) {
        return req.quorumK() != 0 && p.votesInvalid >= req.quorumK();
    }

    /// @dev Settles a challenge. Voters on the losing side are slashed their vote bond (to the Treasury), the others
    /// get theirs back. Valid: half of the challenger's forfeited bond goes to the proposer, the rest to the Treasury,
    /// and the result can be finalized at once. Invalid (upheld): the proposer's bond is slashed (half to the
    /// challenger), the challenger's bond is returned and the requester refunded.
    function _resolve(
        uint256 requestId,
        IAIOracle.Request calldata req,
        uint256 packed,
        IAIOracle.Proposal storage p,
        bool resultValid
    ) private {
        AIOracleStorage.Layout storage $ = AIOracleCore.layout();
        p.resolved = true;
        emit IAIOracle.ChallengeResolved(requestId, resultValid, msg.sender);
        _settleVoters(requestId, req.bondWei(), $.challengeVoters[requestId][resultValid], false);
        _settleVoters(requestId, req.bondWei(), $.challengeVoters[requestId][!resultValid], true);
        if (resultValid) {
            AIOracleCore.setState(requestId, packed, AIOracleCodes.STATE_PROVISIONAL);
            uint256 toNodeWei = req.bondWei() / 2;
            AIOracleCore.credit(p.node, toNodeWei);
            $.protocolFeesWei += req.bondWei() - toNodeWei;
            return;
        }
        AIOracleCore.setState(requestId, packed, AIOracleCodes.STATE_REFUNDED);
        AIOracleCore.credit(p.challenger, req.bondWei());
        IOperatorStaking($.staking).unlock(p.node, AIOracleCore.ORACLE_SERVICE, req.bondWei());
        AIOracleCore.slash(requestId, p.node, req.bondWei(), p.challenger, req.bondWei() / 2);
        AIOracleCore.refundRequester(requestId, req);
    }

    /// @dev Releases the vote bonds of `voters` and, when they voted on the losing side, slashes them (bounded by
    /// 2 x MAX_QUORUM_N - 1 votes per challenge).
    function _settleVoters(uint256 requestId, uint256 bondWei, address[] storage voters, bool lost) private {
        IOperatorStaking staking = IOperatorStaking(AIOracleCore.layout().staking);
        for (uint256 i = 0; i < voters.length; ++i) {
            address voter = voters[i];
            staking.unlock(voter, AIOracleCore.ORACLE_SERVICE, bondWei);
            if (lost) AIOracleCore.slash(requestId, voter, bondWei, address(0), 0);
        }
    }
}
