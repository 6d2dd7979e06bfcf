// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {AxonUpgradeable} from "../common/AxonUpgradeable.sol";
import {IModelRegistry, IModelTermsListener, ModelRegistryModes} from "../models/interfaces/IModelRegistry.sol";
import {IOperatorStatusListener} from "../staking/interfaces/IOperatorStaking.sol";
import {IAIOracle, AIOracleCodes, AIOracleRequests} from "./interfaces/IAIOracle.sol";
import {AIOracleStorage} from "./libraries/AIOracleStorage.sol";
import {AIOracleCore} from "./libraries/AIOracleCore.sol";
import {AIOracleLogic} from "./libraries/AIOracleLogic.sol";

/// @title AIOracle
/// @notice Requests, fees, assignment, fulfilment (single and batch), verification modes, callbacks and refunds of
/// the Axon AI oracle. See IAIOracle for the settlement rules.
/// @dev A request's slot packs [184-bit truncated commitment | 8-bit state | 24-bit ring lap | 40-bit deadline], in the
/// commitment ring while its ring slot is free, else in `commitments` (AIOracleCore). The Quorum and Optimistic state
/// machines live in the linked library AIOracleLogic (size limit).
/// @custom:oz-upgrades-unsafe-allow external-library-linking
contract AIOracle is AxonUpgradeable, AIOracleStorage, IAIOracle {
    using AIOracleRequests for Request;
    /// @notice May resolve challenges of Optimistic results.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @notice The smallest allowed `maxInputBytes` and `maxOutputBytes`.
    uint32 public constant MIN_IO_BYTES = AIOracleCore.MIN_IO_BYTES;
    /// @notice The largest allowed protocol fee.
    uint16 public constant MAX_PROTOCOL_FEE_BPS = AIOracleCore.MAX_PROTOCOL_FEE_BPS;
    /// @notice The oracle service id in OperatorStaking.
    bytes32 public constant ORACLE_SERVICE = AIOracleCore.ORACLE_SERVICE;

    /// @param admin Initial default admin (also pauser, upgrader and arbiter).
    /// @param adminDelaySeconds Delay before a default-admin transfer can be accepted.
    /// @param registry_ The ModelRegistry; its OperatorStaking is the oracle's.
    /// @param treasury_ Receiver of protocol fees.
    /// @param feeConfig_ Initial fee parameters.
    /// @param config_ Initial limits and timings.
    function initialize(
        address admin,
        uint48 adminDelaySeconds,
        address registry_,
        address treasury_,
        FeeConfig calldata feeConfig_,
        Config calldata config_
    ) external initializer {
        __AxonUpgradeable_init(admin, adminDelaySeconds);
        _grantRole(ARBITER_ROLE, admin);
        if (registry_ == address(0)) revert AIOracleZeroAddress("registry");
        Layout storage $ = _s();
        $.registry = registry_;
        $.staking = IModelRegistry(registry_).staking();
        $.hot = AIOracleCore.READY;
        AIOracleLogic.setTreasury(treasury_);
        AIOracleLogic.setFeeConfig(feeConfig_);
        AIOracleLogic.setConfig(config_);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Requests
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IAIOracle
    function request(
        uint256 modelId,
        bytes calldata input,
        address callback,
        uint32 callbackGasLimit,
        bytes calldata callbackData
    ) external payable whenNotPaused nonReentrant returns (uint256 requestId) {
        return _request(modelId, input, callback, callbackGasLimit, callbackData, bytes2(0));
    }

    /// @inheritdoc IAIOracle
    function requestInRegion(
        uint256 modelId,
        bytes calldata input,
        address callback,
        uint32 callbackGasLimit,
        bytes calldata callbackData,
        bytes2 region
    ) external payable whenNotPaused nonReentrant returns (uint256 requestId) {
        return _request(modelId, input, callback, callbackGasLimit, callbackData, region);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Fulfilment
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IAIOracle
    function fulfil(
        uint256 requestId,
        Request calldata req,
        bytes calldata output,
        uint8 errorCode
    ) external whenNotPaused nonReentrant {
        (uint256 packed, bytes memory err) = _checkFulfil(requestId, req, output.length, errorCode, msg.sender);
        if (err.length == 0) err = _execute(requestId, req, output, errorCode, packed);
        if (err.length != 0) _revertWith(err);
    }

    /// @inheritdoc IAIOracle
    function fulfilBatch(
        uint256[] calldata requestIds,
        Request[] calldata requests,
        bytes[] calldata outputs,
        uint8[] calldata errorCodes
    ) external whenNotPaused nonReentrant {
        uint256 count = requestIds.length;
        if (requests.length != count || outputs.length != count || errorCodes.length != count) {
            revert AIOracleLengthMismatch(count, requests.length, outputs.length, errorCodes.length);
        }
        for (uint256 i = 0; i < count; ++i) {
            (uint256 packed, bytes memory err) = _checkFulfil(
                requestIds[i],
                requests[i],
                outputs[i].length,
                errorCodes[i],
                msg.sender
            );
            if (err.length == 0) err = _execute(requestIds[i], requests[i], outputs[i], errorCodes[i], packed);
            if (err.length != 0) emit FulfilmentSkipped(requestIds[i], msg.sender, bytes4(err));
        }
    }

    /// @inheritdoc IAIOracle
    function fulfilProof(
        uint256 requestId,
        Request calldata req,
        bytes calldata input,
        bytes calldata output,
        bytes calldata proof
    ) external whenNotPaused nonReentrant {
        AIOracleLogic.fulfilProof(requestId, req, input, output, proof);
    }

    /// @inheritdoc IAIOracle
    function fulfilProofBatch(bytes[] calldata calls) external whenNotPaused nonReentrant {
        for (uint256 i = 0; i < calls.length; ++i) {
            bytes calldata c = calls[i];
            if (c.length < 36 || bytes4(c) != IAIOracle.fulfilProof.selector) {
                revert AIOracleNotProofCall(i, bytes4(c));
            }
            // The library's fulfilProof in this contract's context (msg.sender kept): a revert undoes only this item.
            // Assembly keeps the oracle under the 24 KB limit: the item's arguments are copied as they are, after the
            // library's selector, and only the first 4 bytes of a revert are read.
            address logic = address(AIOracleLogic);
            bytes4 selector = AIOracleLogic.fulfilProof.selector;
            bool ok;
            bytes4 reason;
            uint256 requestId;
            assembly ("memory-safe") {
                let p := mload(0x40)
                mstore(p, selector)
                calldatacopy(add(p, 4), add(c.offset, 4), sub(c.length, 4))
                ok := delegatecall(gas(), logic, p, c.length, 0, 0)
                if and(iszero(ok), gt(returndatasize(), 3)) {
                    returndatacopy(0, 0, 4)
                    reason := and(mload(0), shl(224, 0xffffffff))
                }
                requestId := calldataload(add(c.offset, 4))
            }
            if (!ok) emit FulfilmentSkipped(requestId, msg.sender, reason);
        }
    }

    /// @inheritdoc IAIOracle
    function finalize(uint256, Request calldata, bytes calldata, uint8) external nonReentrant {
        _delegate(AIOracleLogic.finalize.selector);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Challenges (Optimistic mode)
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IAIOracle
    /// @dev Not pausable: a pause must never let a wrong result through its challenge window unchallenged.
    function challenge(uint256 requestId, Request calldata req) external payable nonReentrant {
        AIOracleLogic.challenge(requestId, req, msg.value);
    }

    /// @inheritdoc IAIOracle
    function voteChallenge(uint256, Request calldata, bool) external nonReentrant {
        _delegate(AIOracleLogic.voteChallenge.selector);
    }

    /// @inheritdoc IAIOracle
    function resolveChallenge(uint256, Request calldata, bool) external onlyRole(ARBITER_ROLE) nonReentrant {
        _delegate(AIOracleLogic.resolveChallenge.selector);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Refunds and payouts
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IAIOracle
    function refund(uint256, Request calldata) external nonReentrant {
        _delegate(AIOracleLogic.refund.selector);
    }

    /// @inheritdoc IAIOracle
    function withdrawCredit() external nonReentrant {
        AIOracleLogic.payCredit(msg.sender);
    }

    /// @inheritdoc IAIOracle
    function pushCredit(address account) external nonReentrant {
        AIOracleLogic.payCredit(account);
    }

    /// @inheritdoc IAIOracle
    function sweepProtocolFees() external nonReentrant {
        AIOracleLogic.sweepProtocolFees();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IAIOracle
    function setFeeConfig(FeeConfig calldata feeConfig_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        AIOracleLogic.setFeeConfig(feeConfig_);
    }

    /// @inheritdoc IAIOracle
    function setConfig(Config calldata config_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        AIOracleLogic.setConfig(config_);
    }

    /// @inheritdoc IAIOracle
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        AIOracleLogic.setTreasury(treasury_);
    }

    /// @inheritdoc IAIOracle
    function migrateHotSlot() external {
        AIOracleLogic.migrateHotSlot();
    }

    /// @inheritdoc IAIOracle
    function warmCommitmentRing(uint256, uint256) external {
        _delegate(AIOracleLogic.warmCommitmentRing.selector);
    }

    /// @notice Whether `request` and fulfilment are stopped (PAUSER_ROLE), or the oracle awaits `migrateHotSlot`.
    /// @dev The flag lives in the hot slot, which every request and fulfilment reads anyway.
    function paused() public view override returns (bool) {
        uint256 hot = _s().hot;
        return hot & AIOracleCore.PAUSED != 0 || hot & AIOracleCore.READY == 0;
    }

    function _pause() internal override whenNotPaused {
        _s().hot |= AIOracleCore.PAUSED;
        emit Paused(_msgSender());
    }

    function _unpause() internal override whenPaused {
        Layout storage $ = _s();
        if ($.hot & AIOracleCore.READY == 0) revert AIOracleNotMigrated();
        $.hot &= ~AIOracleCore.PAUSED;
        emit Unpaused(_msgSender());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Hot-path cache (pushed by the registry and the staking contract)
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IModelTermsListener
    function onModelTerms(
        uint256 modelId,
        address revenueReceiver,
        uint96 feeWei,
        IModelRegistry.Verification calldata verification,
        bool active
    ) external {
        AIOracleLogic.onModelTerms(modelId, revenueReceiver, feeWei, verification, active);
    }

    /// @inheritdoc IModelTermsListener
    function onModelNodes(uint256 modelId, address[] calldata nodes) external {
        AIOracleLogic.onModelNodes(modelId, nodes);
    }

    /// @inheritdoc IModelTermsListener
    function onTermsListening(bool listening) external {
        AIOracleLogic.onTermsListening(listening);
    }

    /// @inheritdoc IOperatorStatusListener
    function onOperatorStatus(bytes32 service, address operator, uint256 activeWei, uint64 jailedUntil) external {
        AIOracleLogic.onOperatorStatus(service, operator, activeWei, jailedUntil);
    }

    /// @inheritdoc IOperatorStatusListener
    function onServiceStatus(bytes32 service, bool enabled, uint256 minStakeWei, bool listening) external {
        AIOracleLogic.onServiceStatus(service, enabled, minStakeWei, listening);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IAIOracle
    function quote(uint256 modelId, uint32 callbackGasLimit) external view returns (uint256 feeWei) {
        return AIOracleLogic.quote(modelId, callbackGasLimit);
    }

    /// @inheritdoc IAIOracle
    function requestState(uint256 requestId) external view returns (uint8 state, uint64 deadline) {
        uint256 packed = AIOracleCore.slotOf(requestId);
        if (packed == 0 && requestId != 0 && requestId <= _s().hot & AIOracleCore.COUNT_MASK)
            return (AIOracleCodes.STATE_FULFILLED, 0);
        state = AIOracleCore.stateOf(packed);
        if (state != AIOracleCodes.STATE_FULFILLED) deadline = AIOracleCore.deadlineOf(packed);
    }

    /// @inheritdoc IAIOracle
    function canFulfil(uint256 requestId, Request calldata req, address node) external view returns (bool) {
        (, bytes memory err) = _checkFulfil(requestId, req, 0, 0, node);
        return err.length == 0;
    }

    /// @inheritdoc IAIOracle
    function hashRequest(Request calldata req) external pure returns (bytes32) {
        return AIOracleCore.hashRequest(req);
    }

    /// @inheritdoc IAIOracle
    function servedCount(address node) external view returns (uint256) {
        return uint32(_s().credits[node] >> AIOracleCore.SERVED_SHIFT);
    }

    /// @inheritdoc IAIOracle
    function maxInputBytes() external view returns (uint256) {
        return _s().config.maxInputBytes;
    }

    /// @inheritdoc IAIOracle
    function maxOutputBytes() external view returns (uint256) {
        return uint32(_s().hot >> AIOracleCore.MAX_OUTPUT_SHIFT);
    }

    /// @inheritdoc IAIOracle
    function creditOf(address account) external view returns (uint256) {
        return _s().credits[account] & AIOracleCore.CREDIT_MASK;
    }

    /// @inheritdoc IAIOracle
    function protocolFeesWei() external view returns (uint256) {
        return _s().protocolFeesWei;
    }

    /// @inheritdoc IAIOracle
    function nextRequestId() external view returns (uint256) {
        return (_s().hot & AIOracleCore.COUNT_MASK) + 1;
    }

    /// @inheritdoc IAIOracle
    function latenessOf(address node) external view returns (uint256) {
        return _s().lateness[node];
    }

    /// @inheritdoc IAIOracle
    function voteOf(uint256 requestId, address node) external view returns (bytes32) {
        return _s().votes[requestId][node];
    }

    /// @inheritdoc IAIOracle
    function proposalOf(uint256 requestId) external view returns (Proposal memory) {
        return _s().proposals[requestId];
    }

    /// @inheritdoc IAIOracle
    function feeConfig() external view returns (FeeConfig memory) {
        return _s().feeConfig;
    }

    /// @inheritdoc IAIOracle
    function config() external view returns (Config memory) {
        return _s().config;
    }

    /// @inheritdoc IAIOracle
    function registry() external view returns (address) {
        return _s().registry;
    }

    /// @inheritdoc IAIOracle
    function staking() external view returns (address) {
        return _s().staking;
    }

    /// @inheritdoc IAIOracle
    function treasury() external view returns (address) {
        return _s().treasury;
    }

    /// @inheritdoc IAIOracle
    function slashingHorizonSeconds() external view returns (uint256) {
        return AIOracleCore.slashingHorizon(_s().config);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal: requests
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Creates a request assigned from `requestId`'s position in the model's node set, or from the position of
    /// the first node of `region` when one is found (`region` zero: a plain request).
    function _request(
        uint256 modelId,
        bytes calldata input,
        address callback,
        uint32 callbackGasLimit,
        bytes calldata callbackData,
        bytes2 region
    ) private returns (uint256 requestId) {
        {
            Config storage cfg = _s().config;
            if (input.length > cfg.maxInputBytes) revert AIOracleInputTooLarge(input.length, cfg.maxInputBytes);
            // Nodes pay calldata for the callback data at fulfilment, so it is bounded like the input.
            if (callbackData.length > cfg.maxInputBytes) {
                revert AIOracleInputTooLarge(callbackData.length, cfg.maxInputBytes);
            }
            if (callback == address(0)) revert AIOracleZeroCallback();
            if (callbackGasLimit > cfg.maxCallbackGasLimit) {
                revert AIOracleCallbackGasTooHigh(callbackGasLimit, cfg.maxCallbackGasLimit);
            }
        }
        {
            // The count is the hot slot's low 64 bits (2^64 requests are out of reach: it never carries over).
            Layout storage $ = _s();
            uint256 hot = $.hot;
            requestId = (hot & AIOracleCore.COUNT_MASK) + 1;
            $.hot = hot + 1;
        }
        (Request memory req, uint256 totalWei) = _newRequest(
            region == bytes2(0) ? requestId : _route(modelId, region, requestId),
            modelId,
            callbackGasLimit
        );
        if (msg.value < totalWei) revert AIOracleInsufficientFee(msg.value, totalWei);
        req.callback = callback;
        _create(input, callbackData, requestId, req);
        if (msg.value > totalWei) Address.sendValue(payable(msg.sender), msg.value - totalWei);
    }

    /// @dev Stores the request's slot (commitment, pending, deadline) and emits `RequestCreated`.
    function _create(bytes calldata input, bytes calldata callbackData, uint256 requestId, Request memory req) private {
        AIOracleCore.create(
            requestId,
            AIOracleCore.pack(
                _commitAndEmit(requestId, req, callbackData, input),
                AIOracleCodes.STATE_PENDING,
                req.timing >> AIOracleRequests.DEADLINE_SHIFT,
                requestId
            )
        );
    }

    /// @dev Emits `RequestCreated(requestId, modelId, msg.sender, request, input)` and returns the request's
    /// commitment (`AIOracleCore.hashRequest` of the same request), both from one copy of the request in memory: the
    /// event's data is `abi.encode(request, input)` with `request` = `req` (requester, callback, model, terms and
    /// nodes) with `keccak256(input)` and `callbackData`; the commitment hashes the tuple's seven static words with
    /// the hashes of the callback data and of the node words (written where the offsets go, then replaced by them).
    function _commitAndEmit(
        uint256 requestId,
        Request memory req,
        bytes calldata callbackData,
        bytes calldata input
    ) private returns (bytes32 commitment) {
        bytes32 topic = RequestCreated.selector;
        // Memory from the free pointer p: [offset of the tuple, offset of the input | tuple head (p + 0x40, 9 words) |
        // callback data (p + 0x160) | nodes | input]; nothing is allocated (all of it is read before this returns).
        assembly ("memory-safe") {
            let p := mload(0x40)
            let nodes := add(p, add(0x180, and(add(callbackData.length, 31), not(31))))
            let reqNodes := mload(add(req, 0x100))
            let size := shl(5, mload(reqNodes))
            let tail := add(nodes, add(0x20, size))
            mcopy(nodes, reqNodes, add(0x20, size))
            mstore(add(p, 0x140), keccak256(add(nodes, 0x20), size))
            mstore(p, 0x40)
            mstore(add(p, 0x20), sub(tail, p))
            mstore(tail, input.length)
            size := and(add(input.length, 31), not(31))
            if size {
                mstore(add(tail, size), 0)
            }
            calldatacopy(add(tail, 0x20), input.offset, input.length)
            let end := add(tail, add(0x20, size))
            mcopy(add(p, 0x40), req, 0x60)
            mstore(add(p, 0xa0), keccak256(add(tail, 0x20), input.length))
            mcopy(add(p, 0xc0), add(req, 0x80), 0x60)
            mstore(add(p, 0x160), callbackData.length)
            size := and(add(callbackData.length, 31), not(31))
            if size {
                mstore(add(add(p, 0x160), size), 0)
            }
            calldatacopy(add(p, 0x180), callbackData.offset, callbackData.length)
            mstore(add(p, 0x120), keccak256(add(p, 0x180), callbackData.length))
            commitment := keccak256(add(p, 0x40), 0x120)
            mstore(add(p, 0x120), 0x120)
            mstore(add(p, 0x140), sub(nodes, add(p, 0x40)))
            log4(p, sub(end, p), topic, requestId, mload(add(req, 0x40)), mload(req))
        }
    }

    /// @dev The assignment seed of a request routed to `region` (the registry's `regionSeed`); records the outcome.
    function _route(uint256 modelId, bytes2 region, uint256 requestId) private returns (uint256 seed) {
        bool matched;
        (seed, matched) = IModelRegistry(_s().registry).regionSeed(modelId, region, requestId);
        emit RequestRouted(requestId, region, matched);
    }

    /// @dev Builds the request with its terms (fee snapshot, verification, assigned nodes) read in one registry call,
    /// packed as `AIOracleRequests` lays them out, and the whole fee it must pay.
    function _newRequest(
        uint256 seed,
        uint256 modelId,
        uint32 callbackGasLimit
    ) private view returns (Request memory req, uint256 totalWei) {
        Layout storage $ = _s();
        IModelRegistry.RequestTerms memory terms = AIOracleCore.requestTerms(modelId, seed);
        (uint96 nodeFeeWei, uint96 gasFeeWei, uint16 bps) = AIOracleCore.fees(terms.nodes.length, callbackGasLimit);
        totalWei = AIOracleCore.totalFee(terms.feeWei, nodeFeeWei, gasFeeWei, bps);
        req.requester = msg.sender;
        req.modelId = modelId;
        req.receiverFee =
            uint256(uint160(terms.revenueReceiver)) | (uint256(terms.feeWei) << AIOracleRequests.FEE_SHIFT);
        IModelRegistry.Verification memory v = terms.verification;
        req.fees =
            uint256(nodeFeeWei) |
            (uint256(gasFeeWei) << AIOracleRequests.GAS_FEE_SHIFT) |
            (uint256(bps) << AIOracleRequests.BPS_SHIFT) |
            (uint256(callbackGasLimit) << AIOracleRequests.CALLBACK_GAS_SHIFT) |
            (uint256(v.mode) << AIOracleRequests.MODE_SHIFT) |
            (uint256(v.quorumK) << AIOracleRequests.QUORUM_K_SHIFT);
        Config storage cfg = $.config;
        req.timing =
            (block.timestamp + cfg.gracePeriodSeconds) |
            ((block.timestamp + cfg.requestTimeoutSeconds) << AIOracleRequests.DEADLINE_SHIFT) |
            (uint256(v.challengeWindowSeconds) << AIOracleRequests.WINDOW_SHIFT) |
            (uint256(v.bondWei) << AIOracleRequests.BOND_SHIFT);
        req.nodes = terms.nodes;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal: fulfilment
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Everything `fulfil` checks before acting, returned as the encoded custom error (empty when valid) so a
    /// batch can skip an invalid item instead of reverting.
    function _checkFulfil(
        uint256 requestId,
        Request calldata req,
        uint256 outputLength,
        uint8 errorCode,
        address node
    ) private view returns (uint256 packed, bytes memory err) {
        Layout storage $ = _s();
        packed = AIOracleCore.slotOf(requestId);
        if (!AIOracleCore.matches(packed, req)) return (packed, AIOracleCore.mismatchError(requestId, packed));
        uint8 state = AIOracleCore.stateOf(packed);
        bool quorum = req.mode() == ModelRegistryModes.MODE_QUORUM;
        if (state != AIOracleCodes.STATE_PENDING && !(quorum && state == AIOracleCodes.STATE_PROVISIONAL)) {
            return (packed, abi.encodeWithSelector(AIOracleInvalidState.selector, requestId, state));
        }
        uint64 deadline = AIOracleCore.deadlineOf(packed);
        if (block.timestamp > deadline) {
            return (packed, abi.encodeWithSelector(AIOracleRequestExpired.selector, requestId, deadline));
        }
        if (errorCode > AIOracleCodes.MAX_ERROR_CODE) {
            return (packed, abi.encodeWithSelector(AIOracleUnknownErrorCode.selector, errorCode));
        }
        uint256 hot = $.hot;
        uint256 maxOutput = uint32(hot >> AIOracleCore.MAX_OUTPUT_SHIFT);
        if (outputLength > maxOutput) {
            return (packed, abi.encodeWithSelector(AIOracleOutputTooLarge.selector, outputLength, maxOutput));
        }
        if (_isAssigned(req.nodes, node)) {
            if (quorum && $.votes[requestId][node] != bytes32(0)) {
                return (packed, abi.encodeWithSelector(AIOracleAlreadyVoted.selector, requestId, node));
            }
            // An assigned node that unbonded or was jailed since the request may no longer answer (or earn).
            if (!AIOracleCore.isActive($.credits[node], hot, node)) {
                return (packed, abi.encodeWithSelector(AIOracleNotActiveOperator.selector, requestId, node));
            }
        } else if (
            // Quorum votes come from the assigned nodes only; otherwise any serving node may step in after the grace.
            quorum || block.timestamp < req.exclusiveUntil() || !IModelRegistry($.registry).isServing(req.modelId, node)
        ) {
            return (packed, abi.encodeWithSelector(AIOracleNotAssigned.selector, requestId, node));
        }
    }

    /// @dev Acts on a checked submission according to the request's verification mode.
    function _execute(
        uint256 requestId,
        Request calldata req,
        bytes calldata output,
        uint8 errorCode,
        uint256 packed
    ) private returns (bytes memory err) {
        uint8 mode = req.mode();
        if (mode == ModelRegistryModes.MODE_NONE) {
            AIOracleCore.complete(requestId);
            AIOracleCore.settle(req, errorCode, msg.sender, req.nodeFeeWei(), msg.sender);
            bool ok = AIOracleCore.callback(requestId, req, output, errorCode);
            emit RequestFulfilled(requestId, msg.sender, mode, true, ok, errorCode, keccak256(output));
        } else if (mode == ModelRegistryModes.MODE_QUORUM) {
            AIOracleLogic.vote(requestId, req, output, errorCode, packed);
        } else {
            err = AIOracleLogic.propose(requestId, req, output, errorCode, packed);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal: money
    // ---------------------------------------------------------------------------------------------------------------

    // ---------------------------------------------------------------------------------------------------------------
    // Internal: configuration and helpers
    // ---------------------------------------------------------------------------------------------------------------

    function _isAssigned(address[] calldata nodes, address node) private pure returns (bool) {
        // Bounded by the registry's MAX_QUORUM_N.
        for (uint256 i = 0; i < nodes.length; ++i) {
            if (nodes[i] == node) return true;
        }
        return false;
    }

    /// @dev Runs the AIOracleLogic function `selector`, whose parameters are this call's (same ABI), on this call's
    /// arguments as they are, in this contract's context, bubbling its revert: the Request is not decoded and encoded
    /// again on the way (code size; the library decodes and checks it).
    function _delegate(bytes4 selector) private {
        address logic = address(AIOracleLogic);
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, selector)
            calldatacopy(add(p, 4), 4, sub(calldatasize(), 4))
            if iszero(delegatecall(gas(), logic, p, calldatasize(), 0, 0)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
        }
    }

    function _revertWith(bytes memory err) private pure {
        assembly ("memory-safe") {
            revert(add(err, 0x20), mload(err))
        }
    }

    function _s() private pure returns (Layout storage) {
        return AIOracleCore.layout();
    }
}
