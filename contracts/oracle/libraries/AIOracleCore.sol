// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IOperatorStaking} from "../../staking/interfaces/IOperatorStaking.sol";
import {IModelRegistry, ModelRegistryModes} from "../../models/interfaces/IModelRegistry.sol";
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
    /// @dev A commitment slot packs [184-bit truncated commitment | 8-bit state (64-71) | 24-bit lap (40-63) | 40-bit
    /// deadline]. Request `id` lives in `commitmentRing[id % RING_SIZE]`, tagged with its lap `id / RING_SIZE`, when
    /// that slot is free at creation (empty, warmed, or holding a fulfilled or refunded request of an earlier lap), and
    /// in `commitments[id]` otherwise (the ring slot still holds an open request, or the id is past the ring's last
    /// lap). A reused ring slot is written from nonzero to nonzero (5k gas with its read instead of a fresh slot's
    /// 22.1k) and a final result marks it fulfilled instead of clearing it.
    uint256 internal constant RING_BITS = 12;
    uint256 internal constant RING_SIZE = 4096;
    uint256 private constant RING_INDEX_MASK = 0xfff;
    uint256 private constant LAP_SHIFT = 40;
    uint256 private constant DEADLINE_MASK = type(uint40).max;
    /// @dev The lap a warmed, never used ring slot carries; no request id has it.
    uint256 private constant WARM_LAP = 0xffffff;
    /// @dev A `credits` slot packs [16-bit status epoch | 80-bit active stake | 32-bit jailed-until | 32-bit served
    /// count | 96-bit credit in wei] (the credit is bounded by the ETH supply; a stake above 2^80 wei, 1.2M ETH, is
    /// cached as 2^80 - 1, a jail past 2106 as 2^32 - 1). The status fields are the node's OperatorStaking record as
    /// last pushed; trusted only while `hot` says staking listens and the epochs match.
    uint256 internal constant CREDIT_MASK = type(uint96).max;
    uint256 internal constant SERVED_ONE = 1 << 96;
    uint256 internal constant SERVED_SHIFT = 96;
    uint256 private constant JAILED_SHIFT = 128;
    uint256 private constant STAKE_SHIFT = 160;
    uint256 private constant NODE_EPOCH_SHIFT = 240;
    uint256 private constant BALANCE_MASK = type(uint128).max;
    /// @dev `hot`, the one slot every request and fulfilment reads first: [oracle service minimum stake, 96-bit
    /// saturating (133-228) | maxOutputBytes (101-132) | terms epoch (85-100) | terms listening (84) | status epoch
    /// (68-83) | status listening (67) | service enabled (66) | paused (65) | ready (64) | request count (0-63)].
    /// Epochs are 16-bit. `ready` is set by `initialize`, or by `migrateHotSlot` after an upgrade from the layout
    /// before the hot slot; until then the oracle reads as paused.
    uint256 internal constant COUNT_MASK = type(uint64).max;
    uint256 internal constant READY = 1 << 64;
    uint256 internal constant PAUSED = 1 << 65;
    uint256 private constant ENABLED_BIT = 66;
    uint256 private constant STATUS_LISTENING_BIT = 67;
    uint256 private constant STATUS_EPOCH_SHIFT = 68;
    uint256 private constant TERMS_LISTENING_BIT = 84;
    uint256 private constant TERMS_EPOCH_SHIFT = 85;
    uint256 internal constant MAX_OUTPUT_SHIFT = 101;
    uint256 private constant MIN_STAKE_SHIFT = 133;
    /// @dev The status fields of `hot` (enabled, listening, epoch, minimum stake) and its terms fields.
    uint256 private constant STATUS_FIELDS =
        (uint256(1) << ENABLED_BIT) |
            (uint256(1) << STATUS_LISTENING_BIT) |
            (uint256(0xffff) << STATUS_EPOCH_SHIFT) |
            (uint256(type(uint96).max) << MIN_STAKE_SHIFT);
    uint256 private constant TERMS_FIELDS =
        (uint256(1) << TERMS_LISTENING_BIT) | (uint256(0xffff) << TERMS_EPOCH_SHIFT);
    /// @dev `modelVerification`: [node count (224-231) | nodes epoch (208-223) | terms epoch (192-207) | active (bit
    /// 184) | bondWei (56-183) | challengeWindowSeconds (24-55) | quorumN (16-23) | quorumK (8-15) | mode (0-7)];
    /// `modelTerms`: [96-bit fee | 160-bit revenue receiver].
    uint256 private constant ACTIVE_BIT = 184;
    uint256 private constant MODEL_EPOCH_SHIFT = 192;
    uint256 private constant NODES_EPOCH_SHIFT = 208;
    uint256 private constant NODE_COUNT_SHIFT = 224;

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

    function pack(
        bytes32 commitment,
        uint8 state,
        uint256 deadline,
        uint256 requestId
    ) internal pure returns (uint256) {
        return
            (uint256(commitment) & HASH_MASK) |
            (uint256(state) << 64) |
            (((requestId >> RING_BITS) & WARM_LAP) << LAP_SHIFT) |
            (deadline & DEADLINE_MASK);
    }

    function withState(uint256 packed, uint8 state) internal pure returns (uint256) {
        return (packed & ~STATE_MASK) | (uint256(state) << 64);
    }

    function stateOf(uint256 packed) internal pure returns (uint8) {
        return uint8(packed >> 64);
    }

    function deadlineOf(uint256 packed) internal pure returns (uint64) {
        return uint64(packed & DEADLINE_MASK);
    }

    /// @dev A fulfilled or refunded request's ring slot, or an empty or warmed one, takes a new request.
    function _ringFree(uint256 packed) private pure returns (bool) {
        uint8 state = stateOf(packed);
        return packed == 0 || state == AIOracleCodes.STATE_FULFILLED || state == AIOracleCodes.STATE_REFUNDED;
    }

    /// @dev The slot word of `requestId` (zero: never created, or fulfilled and cleared or its ring slot reused).
    function slotOf(uint256 requestId) internal view returns (uint256 packed) {
        (, packed, ) = _locate(requestId);
    }

    /// @dev The storage slot holding `requestId`'s word (its ring slot when tagged with its lap, else its
    /// `commitments` entry), the word, and whether it is the ring slot.
    function _locate(uint256 requestId) private view returns (uint256 ref, uint256 packed, bool inRing) {
        AIOracleStorage.Layout storage $ = layout();
        uint256[RING_SIZE] storage ring = $.commitmentRing;
        mapping(uint256 => uint256) storage overflow = $.commitments;
        assembly ("memory-safe") {
            ref := add(ring.slot, and(requestId, RING_INDEX_MASK))
            packed := sload(ref)
            let lap := shr(RING_BITS, requestId)
            inRing := and(
                and(iszero(iszero(packed)), lt(lap, WARM_LAP)),
                eq(and(shr(LAP_SHIFT, packed), WARM_LAP), lap)
            )
            if iszero(inRing) {
                mstore(0, requestId)
                mstore(0x20, overflow.slot)
                ref := keccak256(0, 0x40)
                packed := sload(ref)
            }
        }
    }

    function _store(uint256 ref, uint256 word) private {
        assembly ("memory-safe") {
            sstore(ref, word)
        }
    }

    /// @dev Stores a new request's slot word: in its ring slot when free, else in `commitments`.
    function create(uint256 requestId, uint256 packed) internal {
        AIOracleStorage.Layout storage $ = layout();
        uint256 index = requestId & RING_INDEX_MASK;
        if (requestId >> RING_BITS < WARM_LAP && _ringFree($.commitmentRing[index])) {
            $.commitmentRing[index] = packed;
        } else {
            $.commitments[requestId] = packed;
        }
    }

    /// @dev Marks up to `count` empty ring slots from `fromIndex` as free (paying their first write now); returns how
    /// many were empty.
    function warmRing(uint256 fromIndex, uint256 count) internal returns (uint256 warmed) {
        if (fromIndex >= RING_SIZE || count > RING_SIZE - fromIndex) {
            revert IAIOracle.AIOracleRingRange(fromIndex, count, RING_SIZE);
        }
        uint256[RING_SIZE] storage ring = layout().commitmentRing;
        uint256 marker = (uint256(AIOracleCodes.STATE_FULFILLED) << 64) | (WARM_LAP << LAP_SHIFT);
        for (uint256 i = fromIndex; i < fromIndex + count; ++i) {
            if (ring[i] == 0) {
                ring[i] = marker;
                ++warmed;
            }
        }
    }

    function matches(uint256 packed, IAIOracle.Request calldata req) internal pure returns (bool) {
        return packed != 0 && (packed ^ uint256(hashRequest(req))) & HASH_MASK == 0;
    }

    /// @dev The commitment of a request (see `IAIOracle.hashRequest`): `keccak256(abi.encode(` the seven static words,
    /// `keccak256(callbackData), keccak256(abi.encodePacked(nodes))))`, built straight from calldata (an address array
    /// packs to its 32-byte ABI words, so its hash is the hash of the array's calldata body). A request whose fields do
    /// not decode (dirty address bits, offsets or lengths out of range) hashes to something no commitment matches.
    function hashRequest(IAIOracle.Request calldata req) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, req, 0xe0)
            let scratch := add(p, 0x120)
            let data := add(req, calldataload(add(req, 0xe0)))
            let size := calldataload(data)
            calldatacopy(scratch, add(data, 0x20), size)
            mstore(add(p, 0xe0), keccak256(scratch, size))
            data := add(req, calldataload(add(req, 0x100)))
            size := shl(5, calldataload(data))
            calldatacopy(scratch, add(data, 0x20), size)
            mstore(add(p, 0x100), keccak256(scratch, size))
            h := keccak256(p, 0x120)
        }
    }

    /// @dev The packed slot of a request whose supplied fields hash to its commitment.
    function load(uint256 requestId, IAIOracle.Request calldata req) internal view returns (uint256 packed) {
        packed = slotOf(requestId);
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
        if (packed == 0 && requestId != 0 && requestId <= layout().hot & COUNT_MASK) {
            return
                abi.encodeWithSelector(
                    IAIOracle.AIOracleInvalidState.selector,
                    requestId,
                    AIOracleCodes.STATE_FULFILLED
                );
        }
        return abi.encodeWithSelector(IAIOracle.AIOracleRequestMismatch.selector, requestId);
    }

    /// @dev A final result marks the request's ring slot fulfilled (free for a later lap) or clears its `commitments`
    /// entry (a gas refund); `requestState` reports either as fulfilled.
    function complete(uint256 requestId) internal {
        (uint256 ref, uint256 packed, bool inRing) = _locate(requestId);
        _store(ref, inRing ? withState(packed, AIOracleCodes.STATE_FULFILLED) : 0);
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

    /// @dev A refunded request in the ring is also recorded in `commitments`, so it still reads as refunded once a
    /// later lap reuses its ring slot.
    function setState(uint256 requestId, uint256 packed, uint8 state) internal {
        packed = withState(packed, state);
        (uint256 ref, , bool inRing) = _locate(requestId);
        _store(ref, packed);
        if (inRing && state == AIOracleCodes.STATE_REFUNDED) layout().commitments[requestId] = packed;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Hot-path cache
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Whether `node` (whose `credits` slot is `creditSlot`; `src` is `hot`) is an active staked operator of the
    /// oracle service: from the cache when staking listens and the node was pushed in the current epoch, else from
    /// OperatorStaking.
    function isActive(uint256 creditSlot, uint256 src, address node) internal view returns (bool) {
        if (
            (src >> STATUS_LISTENING_BIT) & 1 == 1 &&
            uint16(creditSlot >> NODE_EPOCH_SHIFT) == uint16(src >> STATUS_EPOCH_SHIFT)
        ) {
            uint256 stakeWei = uint80(creditSlot >> STAKE_SHIFT);
            return
                (src >> ENABLED_BIT) & 1 == 1 &&
                stakeWei != 0 &&
                stakeWei >= uint96(src >> MIN_STAKE_SHIFT) &&
                uint32(creditSlot >> JAILED_SHIFT) <= block.timestamp;
        }
        return IOperatorStaking(layout().staking).isActiveOperator(node, ORACLE_SERVICE);
    }

    /// @dev `IModelRegistry.requestTerms` from the cache when the registry listens and pushed the model's terms and
    /// nodes in the current epoch (same checks, same errors), else from the registry.
    function requestTerms(uint256 modelId, uint256 seed) internal view returns (IModelRegistry.RequestTerms memory t) {
        AIOracleStorage.Layout storage $ = layout();
        uint256 src = $.hot;
        uint256 v = $.modelVerification[modelId];
        uint16 epoch = uint16(src >> TERMS_EPOCH_SHIFT);
        if (
            (src >> TERMS_LISTENING_BIT) & 1 == 0 ||
            uint16(v >> MODEL_EPOCH_SHIFT) != epoch ||
            uint16(v >> NODES_EPOCH_SHIFT) != epoch
        ) return IModelRegistry($.registry).requestTerms(modelId, seed);
        if ((v >> ACTIVE_BIT) & 1 == 0) revert IModelRegistry.ModelRegistryModelInactive(modelId);
        uint256 terms = $.modelTerms[modelId];
        t.revenueReceiver = address(uint160(terms));
        t.feeWei = uint96(terms >> 160);
        t.verification = IModelRegistry.Verification({
            mode: uint8(v),
            quorumK: uint8(v >> 8),
            quorumN: uint8(v >> 16),
            challengeWindowSeconds: uint32(v >> 24),
            bondWei: uint128(v >> 56)
        });
        uint256 needed = t.verification.mode == ModelRegistryModes.MODE_QUORUM ? t.verification.quorumN : 1;
        address[] storage set = $.modelNodes[modelId];
        // The set's length, cached with the terms (saves reading the array's length slot).
        uint256 available = uint8(v >> NODE_COUNT_SHIFT);
        if (available < needed) revert IModelRegistry.ModelRegistryNotEnoughNodes(modelId, available, needed);
        t.nodes = new address[](needed);
        uint256 start = seed % available;
        uint256 found;
        // Walks the set from the seed's position like the registry, skipping inactive nodes (bounded by MAX_NODES).
        uint256 first;
        assembly ("memory-safe") {
            mstore(0, set.slot)
            first := keccak256(0, 0x20)
        }
        for (uint256 i = 0; i < available && found < needed; ++i) {
            // `set[j]` without the bounds check's read of the length slot: j < available = the cached length.
            address node;
            uint256 j = (start + i) % available;
            assembly ("memory-safe") {
                node := sload(add(first, j))
            }
            if (isActive($.credits[node], src, node)) t.nodes[found++] = node;
        }
        if (found < needed) revert IModelRegistry.ModelRegistryNotEnoughActiveNodes(modelId, found, needed);
    }

    /// @dev Caches a model's terms (registry push).
    function cacheTerms(
        uint256 modelId,
        address revenueReceiver,
        uint96 feeWei,
        IModelRegistry.Verification calldata v,
        bool active
    ) internal {
        AIOracleStorage.Layout storage $ = layout();
        $.modelTerms[modelId] = uint256(uint160(revenueReceiver)) | (uint256(feeWei) << 160);
        uint256 old = $.modelVerification[modelId];
        $.modelVerification[modelId] =
            uint256(v.mode) |
            (uint256(v.quorumK) << 8) |
            (uint256(v.quorumN) << 16) |
            (uint256(v.challengeWindowSeconds) << 24) |
            (uint256(v.bondWei) << 56) |
            ((active ? uint256(1) : 0) << ACTIVE_BIT) |
            (uint256(uint16($.hot >> TERMS_EPOCH_SHIFT)) << MODEL_EPOCH_SHIFT) |
            (uint256(uint16(old >> NODES_EPOCH_SHIFT)) << NODES_EPOCH_SHIFT) |
            (uint256(uint8(old >> NODE_COUNT_SHIFT)) << NODE_COUNT_SHIFT);
    }

    /// @dev Caches a model's node set (registry push).
    function cacheNodes(uint256 modelId, address[] calldata nodes) internal {
        AIOracleStorage.Layout storage $ = layout();
        $.modelNodes[modelId] = nodes;
        uint256 v = $.modelVerification[modelId];
        uint256 epoch = uint16($.hot >> TERMS_EPOCH_SHIFT);
        // The registry bounds a node set by MAX_NODES (64), so its length fits 8 bits.
        $.modelVerification[modelId] =
            (v & ~(uint256(0xffffff) << NODES_EPOCH_SHIFT)) |
            (epoch << NODES_EPOCH_SHIFT) |
            (nodes.length << NODE_COUNT_SHIFT);
    }

    /// @dev Caches a node's stake and jail time (staking push), keeping its credit and served count.
    function cacheStatus(address node, uint256 activeWei, uint64 jailedUntil) internal {
        AIOracleStorage.Layout storage $ = layout();
        uint256 epoch = uint16($.hot >> STATUS_EPOCH_SHIFT);
        uint256 stakeWei = activeWei > type(uint80).max ? type(uint80).max : activeWei;
        uint256 jailed = jailedUntil > type(uint32).max ? type(uint32).max : jailedUntil;
        $.credits[node] =
            ($.credits[node] & BALANCE_MASK) |
            (jailed << JAILED_SHIFT) |
            (stakeWei << STAKE_SHIFT) |
            (epoch << NODE_EPOCH_SHIFT);
    }

    /// @dev Caches the oracle service's configuration and whether staking listens (staking push). Stopping bumps the
    /// epoch, so every node status cached before is ignored until pushed again.
    function cacheService(bool enabled, uint256 minStakeWei, bool listening) internal {
        AIOracleStorage.Layout storage $ = layout();
        uint256 src = $.hot;
        uint256 epoch = _nextEpoch(
            uint16(src >> STATUS_EPOCH_SHIFT),
            (src >> STATUS_LISTENING_BIT) & 1 == 1,
            listening
        );
        uint256 minStake = minStakeWei > type(uint96).max ? type(uint96).max : minStakeWei;
        $.hot =
            (src & ~STATUS_FIELDS) |
            ((listening ? uint256(1) : 0) << STATUS_LISTENING_BIT) |
            (epoch << STATUS_EPOCH_SHIFT) |
            (minStake << MIN_STAKE_SHIFT) |
            ((enabled ? uint256(1) : 0) << ENABLED_BIT);
    }

    /// @dev Whether the registry listens (registry push); stopping bumps the terms epoch.
    function cacheTermsListening(bool listening) internal {
        AIOracleStorage.Layout storage $ = layout();
        uint256 src = $.hot;
        uint256 epoch = _nextEpoch(uint16(src >> TERMS_EPOCH_SHIFT), (src >> TERMS_LISTENING_BIT) & 1 == 1, listening);
        $.hot =
            (src & ~TERMS_FIELDS) |
            (epoch << TERMS_EPOCH_SHIFT) |
            ((listening ? uint256(1) : 0) << TERMS_LISTENING_BIT);
    }

    /// @dev `hot` built from the layout before it (the request count, the `sources` word, OpenZeppelin's pause flag
    /// and `config.maxOutputBytes`), marked ready: what `migrateHotSlot` stores once after an upgrade.
    function hotFromLegacy(bool pausedBefore) internal view returns (uint256) {
        AIOracleStorage.Layout storage $ = layout();
        // `sources` was [terms listening (176) | terms epoch (160-175) | status listening (152) | status epoch
        // (136-151) | minimum stake (8-135) | enabled (0)].
        uint256 src = $.sources;
        uint256 minStake = uint128(src >> 8);
        if (minStake > type(uint96).max) minStake = type(uint96).max;
        return
            uint256($.requestCount) |
            READY |
            (pausedBefore ? PAUSED : 0) |
            ((src & 1) << ENABLED_BIT) |
            (((src >> 152) & 1) << STATUS_LISTENING_BIT) |
            (uint256(uint16(src >> 136)) << STATUS_EPOCH_SHIFT) |
            (((src >> 176) & 1) << TERMS_LISTENING_BIT) |
            (uint256(uint16(src >> 160)) << TERMS_EPOCH_SHIFT) |
            (uint256($.config.maxOutputBytes) << MAX_OUTPUT_SHIFT) |
            (minStake << MIN_STAKE_SHIFT);
    }

    /// @dev Stores `maxOutputBytes` in `hot` (kept equal to `config.maxOutputBytes`).
    function setMaxOutput(uint32 maxOutputBytes) internal {
        AIOracleStorage.Layout storage $ = layout();
        $.hot =
            ($.hot & ~(uint256(type(uint32).max) << MAX_OUTPUT_SHIFT)) | (uint256(maxOutputBytes) << MAX_OUTPUT_SHIFT);
    }

    /// @dev Epochs run 1..65535 (0 is never current, so a never-pushed entry is never trusted); each stop moves on.
    /// Reusing an epoch would take 65,535 admin stop/start cycles.
    function _nextEpoch(uint16 epoch, bool wasListening, bool listening) private pure returns (uint256) {
        if (epoch == 0 || (wasListening && !listening)) return epoch == type(uint16).max ? 1 : uint256(epoch) + 1;
        return epoch;
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
        address target = req.callback;
        uint256 gasLimit = req.callbackGasLimit();
        uint256 reserve = AIOracleCodes.GAS_FOR_CALL_EXACT_CHECK;
        uint256 gasLeft = gasleft();
        if (gasLeft < reserve || gasLeft - reserve - (gasLeft - reserve) / 64 <= gasLimit) {
            revert IAIOracle.AIOracleInsufficientGas(requestId, gasLeft, uint32(gasLimit));
        }
        if (target.code.length == 0) return false;
        bytes4 selector = IAIOracleCallback.onAIOracleResult.selector;
        // abi.encodeCall(onAIOracleResult, (requestId, errorCode, output, req.callbackData)), written in place: the
        // head, then each byte string with its length, zero-padded to whole words.
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, selector)
            mstore(add(p, 0x04), requestId)
            mstore(add(p, 0x24), errorCode)
            mstore(add(p, 0x44), 0x80)
            let body := add(p, 0x84)
            let padded := and(add(output.length, 31), not(31))
            mstore(add(p, 0x64), add(0xa0, padded))
            mstore(body, output.length)
            if padded {
                mstore(add(body, padded), 0)
            }
            calldatacopy(add(body, 0x20), output.offset, output.length)
            body := add(body, add(0x20, padded))
            let data := add(req, calldataload(add(req, 0xe0)))
            let size := calldataload(data)
            padded := and(add(size, 31), not(31))
            mstore(body, size)
            if padded {
                mstore(add(body, padded), 0)
            }
            calldatacopy(add(body, 0x20), add(data, 0x20), size)
            ok := call(gasLimit, target, 0, p, sub(add(body, add(0x20, padded)), p), 0, 0)
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
