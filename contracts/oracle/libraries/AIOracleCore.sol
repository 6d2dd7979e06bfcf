// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IOperatorStaking} from "../../staking/interfaces/IOperatorStaking.sol";
import {ModelRegistryModes} from "../../models/interfaces/IModelRegistry.sol";
import {IAIOracle, AIOracleCodes, AIOracleRequests} from "../interfaces/IAIOracle.sol";
import {IAIOracleCallback} from "../interfaces/IAIOracleCallback.sol";
import {AIOracleStorage} from "./AIOracleStorage.sol";

/// @title AIOracleCore
/// @notice Internal helpers shared by the AIOracle and its verification library: storage access, commitments,
/// the exact-gas callback, credits, settlement and slashing.
library AIOracleCore {
    using SafeCast for uint256;
    using AIOracleRequests for IAIOracle.Request;

    /// @notice The oracle service id in OperatorStaking.
    bytes32 internal constant ORACLE_SERVICE = keccak256("axon.service.oracle");
    /// @notice The smallest allowed `maxInputBytes` and `maxOutputBytes`.
    uint32 internal constant MIN_IO_BYTES = 16 * 1024;
    /// @notice The largest allowed protocol fee.
    uint16 internal constant MAX_PROTOCOL_FEE_BPS = 2_000;
    /// @notice ModelRegistry's MAX_CHALLENGE_WINDOW_SECONDS (the longest challenge window a request can carry).
    uint256 internal constant MAX_CHALLENGE_WINDOW_SECONDS = 3 days;

    // keccak256(abi.encode(uint256(keccak256("axon.storage.AIOracle")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x644d4b16682ca8ec79740f08bf7a056ce84d41a9a4f9d2dbabd06963a33ee900;
    uint256 private constant BPS = 10_000;
    uint256 private constant HASH_MASK = ~uint256(type(uint72).max);
    uint256 private constant STATE_MASK = uint256(type(uint8).max) << 64;
    /// @dev A `credits` slot packs [128-bit served count | 128-bit credit in wei] (credits never approach 2^128 wei).
    uint256 internal constant CREDIT_MASK = type(uint128).max;
    uint256 internal constant SERVED_ONE = 1 << 128;

    /// @dev The longest time from a node's answer to the last moment it can be slashed for it: an Optimistic result
    /// posted at the deadline, challenged at the end of the longest window, resolved at the end of the resolution time
    /// (a Quorum dissent is slashed before the deadline, a challenge voter before the resolution time).
    function slashingHorizon(IAIOracle.Config memory c) internal pure returns (uint256) {
        return uint256(c.requestTimeoutSeconds) + MAX_CHALLENGE_WINDOW_SECONDS + c.challengeResolutionSeconds;
    }

    function layout() internal pure returns (AIOracleStorage.Layout storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Commitments
    // ------------------------------------------------------------------------------------------------------------

    function pack(bytes32 commitment, uint8 state, uint64 deadline) internal pure returns (uint256) {
        return (uint256(commitment) & HASH_MASK) | (uint256(state) << 64) | deadline;
    }

    function withState(uint256 packed, uint8 state) internal pure returns (uint256) {
        return (packed & ~STATE_MASK) | (uint256(state) << 64);
    }

    function stateOf(uint256 packed) internal pure returns (uint8) {
        return uint8(packed >> 64);
    }

    function matches(uint256 packed, IAIOracle.Request calldata req) internal pure returns (bool) {
        return packed != 0 && (packed ^ uint256(hashRequest(req))) & HASH_MASK == 0;
    }

    /// @dev The commitment of a request (see `IAIOracle.hashRequest`): the seven static words, then the hashes of the
    /// two dynamic fields.
    function hashRequest(IAIOracle.Request calldata req) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    req.requester,
                    req.callback,
                    req.modelId,
                    req.inputHash,
                    req.receiverFee,
                    req.fees,
                    req.timing,
                    keccak256(req.callbackData),
                    keccak256(abi.encodePacked(req.nodes))
                )
            );
    }

    /// @dev The packed slot of a request whose supplied fields hash to its commitment.
    function load(uint256 requestId, IAIOracle.Request calldata req) internal view returns (uint256 packed) {
        packed = layout().commitments[requestId];
        if (!matches(packed, req)) {
            bytes memory err = mismatchError(requestId, packed);
            assembly ("memory-safe") {
                revert(add(err, 0x20), mload(err))
            }
        }
    }

    /// @dev The error for a request whose supplied fields do not match its slot: a fulfilled request's slot is
    /// cleared, so an id that was issued but has no slot is reported as fulfilled.
    function mismatchError(uint256 requestId, uint256 packed) internal view returns (bytes memory) {
        if (packed == 0 && requestId != 0 && requestId <= layout().requestCount) {
            return
                abi.encodeWithSelector(
                    IAIOracle.AIOracleInvalidState.selector,
                    requestId,
                    AIOracleCodes.STATE_FULFILLED
                );
        }
        return abi.encodeWithSelector(IAIOracle.AIOracleRequestMismatch.selector, requestId);
    }

    /// @dev A final result clears the request's slot (a gas refund); `requestState` reports it as fulfilled.
    function complete(uint256 requestId) internal {
        delete layout().commitments[requestId];
    }

    /// @dev `load` for an Optimistic request in `expectedState`.
    function loadOptimistic(
        uint256 requestId,
        IAIOracle.Request calldata req,
        uint8 expectedState
    ) internal view returns (uint256 packed) {
        packed = load(requestId, req);
        if (req.mode() != ModelRegistryModes.MODE_OPTIMISTIC) {
            revert IAIOracle.AIOracleWrongMode(requestId, req.mode());
        }
        uint8 state = stateOf(packed);
        if (state != expectedState) revert IAIOracle.AIOracleInvalidState(requestId, state);
    }

    function setState(uint256 requestId, uint256 packed, uint8 state) internal {
        layout().commitments[requestId] = withState(packed, state);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Callback
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Calls the consumer with exactly `callbackGasLimit` gas (Chainlink's exact-gas pattern). Reverts only when
    /// the caller left too little gas; a callback without code counts as failed; return data is never copied, so its
    /// size cannot cost the oracle anything.
    function callback(
        uint256 requestId,
        IAIOracle.Request calldata req,
        bytes calldata output,
        uint8 errorCode
    ) internal returns (bool ok) {
        bytes memory data = abi.encodeCall(
            IAIOracleCallback.onAIOracleResult,
            (requestId, errorCode, output, req.callbackData)
        );
        address target = req.callback;
        uint256 gasLimit = req.callbackGasLimit();
        uint256 reserve = AIOracleCodes.GAS_FOR_CALL_EXACT_CHECK;
        uint256 gasLeft = gasleft();
        if (gasLeft < reserve || gasLeft - reserve - (gasLeft - reserve) / 64 <= gasLimit) {
            revert IAIOracle.AIOracleInsufficientGas(requestId, gasLeft, uint32(gasLimit));
        }
        if (target.code.length == 0) return false;
        assembly ("memory-safe") {
            ok := call(gasLimit, target, 0, add(data, 0x20), mload(data), 0, 0)
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Money
    // ------------------------------------------------------------------------------------------------------------

    /// @dev The single settlement path of a delivered result (an ERC-20 fee asset would branch here). Success: model
    /// share to the revenue receiver; error result: model share back to the requester. Node and gas shares to the
    /// node(s), protocol share accrued for the Treasury. `node` is counted as having served the request.
    function settle(
        IAIOracle.Request calldata req,
        uint8 errorCode,
        address node,
        uint256 nodeShareWei,
        address gasPayee
    ) internal {
        credit(errorCode == 0 ? req.revenueReceiver() : req.requester, req.modelFeeWei());
        if (node == gasPayee) {
            creditServed(node, nodeShareWei + req.gasFeeWei());
        } else {
            creditServed(node, nodeShareWei);
            credit(gasPayee, req.gasFeeWei());
        }
        uint256 protocolWei = req.protocolFeeWei();
        if (protocolWei != 0) layout().protocolFeesWei += protocolWei;
    }

    /// @dev Node fee per assigned node, callback gas at `block.basefee` clamped to the admin bounds (so no node can
    /// move other users' quotes), and the protocol bps (the share itself is `AIOracleRequests.protocolFeeWei`).
    function fees(
        uint256 nodeCount,
        uint32 callbackGasLimit
    ) internal view returns (uint96 nodeFeeWei, uint96 gasFeeWei, uint16 protocolFeeBps) {
        IAIOracle.FeeConfig memory f = layout().feeConfig;
        uint256 gasPriceWei = Math.min(Math.max(block.basefee, f.minGasPriceWei), f.maxGasPriceWei);
        nodeFeeWei = (uint256(f.nodeFeeWei) * nodeCount).toUint96();
        gasFeeWei = (uint256(callbackGasLimit) * gasPriceWei).toUint96();
        protocolFeeBps = f.protocolFeeBps;
    }

    /// @dev The whole fee of a request: its three shares plus the protocol share of them.
    function totalFee(
        uint256 modelFeeWei,
        uint256 nodeFeeWei,
        uint256 gasFeeWei,
        uint256 protocolFeeBps
    ) internal pure returns (uint256) {
        uint256 sharesWei = modelFeeWei + nodeFeeWei + gasFeeWei;
        return sharesWei + (sharesWei * protocolFeeBps) / BPS;
    }

    /// @dev The whole fee a request paid (what a refund returns).
    function paidWei(IAIOracle.Request calldata req) internal pure returns (uint256) {
        return req.modelFeeWei() + req.nodeFeeWei() + req.gasFeeWei() + req.protocolFeeWei();
    }

    function refundRequester(uint256 requestId, IAIOracle.Request calldata req) internal {
        uint256 amountWei = paidWei(req);
        credit(req.requester, amountWei);
        emit IAIOracle.RequestRefunded(requestId, req.requester, amountWei);
    }

    function credit(address account, uint256 amountWei) internal {
        if (amountWei != 0) layout().credits[account] += amountWei;
    }

    /// @dev Credits a node for a result that became final and counts it in `servedCount` (same slot, one write).
    function creditServed(address node, uint256 amountWei) internal {
        layout().credits[node] += amountWei + SERVED_ONE;
    }

    /// @dev Slashes through OperatorStaking; a failing slash (e.g. the stake is already gone) never blocks settlement
    /// and is reported as a zero slash.
    function slash(
        uint256 requestId,
        address node,
        uint256 amountWei,
        address beneficiary,
        uint256 beneficiaryWei
    ) internal {
        if (amountWei == 0) return;
        bytes32 evidence = keccak256(abi.encode(address(this), requestId, node));
        uint256 slashedWei;
        try
            IOperatorStaking(layout().staking).slash(
                node,
                ORACLE_SERVICE,
                amountWei,
                beneficiary,
                beneficiaryWei,
                evidence
            )
        returns (uint256 taken) {
            slashedWei = taken;
        } catch {
            slashedWei = 0;
        }
        emit IAIOracle.NodeSlashed(node, requestId, slashedWei);
    }
}
