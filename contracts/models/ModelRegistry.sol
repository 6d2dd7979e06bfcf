// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AxonUpgradeable} from "../common/AxonUpgradeable.sol";
import {IOperatorStaking} from "../staking/interfaces/IOperatorStaking.sol";
import {IProofVerifier} from "../oracle/interfaces/IProofVerifier.sol";
import {IEdgeNodeRegistry} from "../depin/interfaces/IEdgeNodeRegistry.sol";
import {IModelRegistry, IModelTermsListener, ModelRegistryModes} from "./interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice Models served by the Axon oracle, their owners, fees, verification modes, revenue receivers and nodes.
contract ModelRegistry is AxonUpgradeable, IModelRegistry {
    /// @notice May set and lock a model's revenue receiver (granted to the IMO's ModelOffering).
    bytes32 public constant REVENUE_MANAGER_ROLE = keccak256("REVENUE_MANAGER_ROLE");
    /// @notice The oracle service id in OperatorStaking.
    bytes32 public constant ORACLE_SERVICE = keccak256("axon.service.oracle");
    /// @notice The largest node set of one model (keeps `nodesOf` bounded).
    uint256 public constant MAX_NODES = 64;
    /// @notice The largest quorum size.
    uint8 public constant MAX_QUORUM_N = 16;
    /// @notice The longest optimistic challenge window. The AIOracle adds it to its slashing horizon, which the oracle
    /// service's unbonding delay must exceed (see `AIOracle.slashingHorizonSeconds`), so it is kept short.
    uint32 public constant MAX_CHALLENGE_WINDOW_SECONDS = 3 days;

    /// @custom:storage-location erc7201:axon.storage.ModelRegistry
    struct ModelRegistryStorage {
        address staking;
        uint256 modelCount;
        mapping(uint256 modelId => Model) models;
        mapping(uint256 modelId => string) metadataURIs;
        mapping(uint256 modelId => address[]) nodes;
        // Position + 1 of each node in `nodes[modelId]`; 0 means absent.
        mapping(uint256 modelId => mapping(address node => uint256)) nodeSlots;
        // Appended (issue 13): the oracle told of every change of a model's terms and node set.
        address oracle;
        // Appended (issue 15): the IProofVerifier of each Proof-mode model.
        mapping(uint256 modelId => address) proofVerifiers;
        // Appended (issue 16): the DePIN edge registry whose devices' regions route requests.
        address edgeRegistry;
    }

    // keccak256(abi.encode(uint256(keccak256("axon.storage.ModelRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x489aa765e5a40b3c9d15a70ed67d71479efb2a902620593ee32f973822e44800;

    modifier onlyModelOwner(uint256 modelId) {
        _checkModelOwner(modelId);
        _;
    }

    /// @param admin Initial default admin (also pauser and upgrader).
    /// @param adminDelaySeconds Delay before a default-admin transfer can be accepted.
    /// @param staking_ OperatorStaking, where nodes must be active operators of the oracle service.
    function initialize(address admin, uint48 adminDelaySeconds, address staking_) external initializer {
        __AxonUpgradeable_init(admin, adminDelaySeconds);
        if (staking_ == address(0)) revert ModelRegistryZeroAddress("staking");
        _s().staking = staking_;
        emit StakingSet(staking_);
    }

    /// @inheritdoc IModelRegistry
    function registerModel(
        bytes32 weightsHash,
        string calldata metadataURI,
        uint96 feeWei,
        Verification calldata verification
    ) external whenNotPaused returns (uint256 modelId) {
        if (verification.mode == ModelRegistryModes.MODE_PROOF) {
            revert ModelRegistryProofVerifierMissing(_s().modelCount + 1);
        }
        modelId = _register(weightsHash, metadataURI, feeWei, verification);
        _pushTerms(modelId);
    }

    /// @inheritdoc IModelRegistry
    function registerProofModel(
        bytes32 weightsHash,
        string calldata metadataURI,
        uint96 feeWei,
        address verifier,
        bytes32 vkHash
    ) external whenNotPaused returns (uint256 modelId) {
        if (verifier == address(0)) revert ModelRegistryZeroAddress("verifier");
        bytes32 actual = IProofVerifier(verifier).vkHash();
        if (actual != vkHash || vkHash == bytes32(0)) revert ModelRegistryVkHashMismatch(verifier, vkHash, actual);
        modelId = _register(
            weightsHash,
            metadataURI,
            feeWei,
            Verification({
                mode: ModelRegistryModes.MODE_PROOF,
                quorumK: 0,
                quorumN: 0,
                challengeWindowSeconds: 0,
                bondWei: 0
            })
        );
        _s().proofVerifiers[modelId] = verifier;
        emit ProofVerifierSet(modelId, verifier, vkHash);
        _pushTerms(modelId);
    }

    /// @inheritdoc IModelRegistry
    function setFee(uint256 modelId, uint96 feeWei) external onlyModelOwner(modelId) {
        _s().models[modelId].feeWei = feeWei;
        emit FeeSet(modelId, feeWei);
        _pushTerms(modelId);
    }

    /// @inheritdoc IModelRegistry
    function setMetadataURI(uint256 modelId, string calldata metadataURI) external onlyModelOwner(modelId) {
        ModelRegistryStorage storage $ = _s();
        $.models[modelId].metadataHash = keccak256(bytes(metadataURI));
        $.metadataURIs[modelId] = metadataURI;
        emit MetadataURISet(modelId, metadataURI);
    }

    /// @inheritdoc IModelRegistry
    function setWeightsHash(uint256 modelId, bytes32 weightsHash) external onlyModelOwner(modelId) {
        if (weightsHash == bytes32(0)) revert ModelRegistryZeroWeightsHash();
        _s().models[modelId].weightsHash = weightsHash;
        emit WeightsHashSet(modelId, weightsHash);
    }

    /// @inheritdoc IModelRegistry
    function setVerification(uint256 modelId, Verification calldata verification) external onlyModelOwner(modelId) {
        _checkVerification(verification);
        if (verification.mode == ModelRegistryModes.MODE_PROOF && _s().proofVerifiers[modelId] == address(0)) {
            revert ModelRegistryProofVerifierMissing(modelId);
        }
        _s().models[modelId].verification = verification;
        emit VerificationSet(modelId, verification);
        _pushTerms(modelId);
    }

    /// @inheritdoc IModelRegistry
    function setRevenueReceiver(uint256 modelId, address receiver) external onlyModelOwner(modelId) {
        if (receiver == address(0)) revert ModelRegistryZeroAddress("receiver");
        Model storage m = _s().models[modelId];
        if (m.revenueLocked) revert ModelRegistryRevenueReceiverLocked(modelId, m.revenueReceiver);
        m.revenueReceiver = receiver;
        emit RevenueReceiverSet(modelId, receiver);
        _pushTerms(modelId);
    }

    /// @inheritdoc IModelRegistry
    function lockRevenueReceiver(uint256 modelId, address receiver) external onlyRole(REVENUE_MANAGER_ROLE) {
        if (receiver == address(0)) revert ModelRegistryZeroAddress("receiver");
        Model storage m = _existing(modelId);
        if (m.revenueLocked) revert ModelRegistryRevenueReceiverLocked(modelId, m.revenueReceiver);
        m.revenueReceiver = receiver;
        m.revenueLocked = true;
        emit RevenueReceiverLocked(modelId, receiver, msg.sender);
        _pushTerms(modelId);
    }

    /// @inheritdoc IModelRegistry
    function setModelActive(uint256 modelId, bool active) external {
        Model storage m = _existing(modelId);
        if (msg.sender != m.owner && !hasRole(PAUSER_ROLE, msg.sender)) {
            revert ModelRegistryNotOwnerOrPauser(modelId, msg.sender);
        }
        m.active = active;
        emit ModelActiveSet(modelId, active, msg.sender);
        _pushTerms(modelId);
    }

    /// @inheritdoc IModelRegistry
    function transferModelOwnership(uint256 modelId, address newOwner) external onlyModelOwner(modelId) {
        if (newOwner == address(0)) revert ModelRegistryZeroAddress("newOwner");
        Model storage m = _s().models[modelId];
        emit ModelOwnershipTransferred(modelId, m.owner, newOwner);
        m.owner = newOwner;
    }

    /// @inheritdoc IModelRegistry
    function addNode(uint256 modelId, address node) external onlyModelOwner(modelId) whenNotPaused {
        ModelRegistryStorage storage $ = _s();
        if (!IOperatorStaking($.staking).isActiveOperator(node, ORACLE_SERVICE)) {
            revert ModelRegistryNodeNotStaked(modelId, node);
        }
        if ($.nodeSlots[modelId][node] != 0) revert ModelRegistryNodeAlreadyServing(modelId, node);
        address[] storage set = $.nodes[modelId];
        if (set.length == MAX_NODES) revert ModelRegistryTooManyNodes(modelId, MAX_NODES);
        set.push(node);
        $.nodeSlots[modelId][node] = set.length;
        emit NodeAdded(modelId, node);
        _pushNodes(modelId);
    }

    /// @inheritdoc IModelRegistry
    function removeNode(uint256 modelId, address node) external {
        if (msg.sender != node && msg.sender != _existing(modelId).owner) {
            revert ModelRegistryNotOwnerOrNode(modelId, msg.sender);
        }
        _removeNode(modelId, node);
    }

    /// @inheritdoc IModelRegistry
    function pruneNode(uint256 modelId, address node) external {
        if (IOperatorStaking(_s().staking).isActiveOperator(node, ORACLE_SERVICE)) {
            revert ModelRegistryNodeStillActive(modelId, node);
        }
        _removeNode(modelId, node);
    }

    /// @inheritdoc IModelRegistry
    function setOracle(address oracle_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        ModelRegistryStorage storage $ = _s();
        address previous = $.oracle;
        $.oracle = oracle_;
        emit OracleSet(oracle_);
        if (previous != address(0)) IModelTermsListener(previous).onTermsListening(false);
        if (oracle_ != address(0)) IModelTermsListener(oracle_).onTermsListening(true);
    }

    /// @inheritdoc IModelRegistry
    function setEdgeRegistry(address edgeRegistry_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _s().edgeRegistry = edgeRegistry_;
        emit EdgeRegistrySet(edgeRegistry_);
    }

    /// @inheritdoc IModelRegistry
    function pushModel(uint256 modelId) external {
        _existing(modelId);
        _pushTerms(modelId);
        _pushNodes(modelId);
    }

    /// @inheritdoc IModelRegistry
    function oracle() external view returns (address) {
        return _s().oracle;
    }

    /// @inheritdoc IModelRegistry
    function modelOf(uint256 modelId) external view returns (Model memory) {
        return _existing(modelId);
    }

    /// @inheritdoc IModelRegistry
    function ownerOf(uint256 modelId) external view returns (address) {
        return _existing(modelId).owner;
    }

    /// @inheritdoc IModelRegistry
    function weightsHashOf(uint256 modelId) external view returns (bytes32) {
        return _existing(modelId).weightsHash;
    }

    /// @inheritdoc IModelRegistry
    function revenueReceiverOf(uint256 modelId) external view returns (address) {
        return _existing(modelId).revenueReceiver;
    }

    /// @inheritdoc IModelRegistry
    function isRevenueLocked(uint256 modelId) external view returns (bool) {
        return _existing(modelId).revenueLocked;
    }

    /// @inheritdoc IModelRegistry
    function metadataURIOf(uint256 modelId) external view returns (string memory) {
        _existing(modelId);
        return _s().metadataURIs[modelId];
    }

    /// @inheritdoc IModelRegistry
    function nodesOf(uint256 modelId) external view returns (address[] memory) {
        return _s().nodes[modelId];
    }

    /// @inheritdoc IModelRegistry
    function isServing(uint256 modelId, address node) external view returns (bool) {
        ModelRegistryStorage storage $ = _s();
        return $.nodeSlots[modelId][node] != 0 && IOperatorStaking($.staking).isActiveOperator(node, ORACLE_SERVICE);
    }

    /// @inheritdoc IModelRegistry
    function requestTerms(uint256 modelId, uint256 seed) external view returns (RequestTerms memory terms) {
        ModelRegistryStorage storage $ = _s();
        Model storage m = $.models[modelId];
        if (m.owner == address(0)) revert ModelRegistryUnknownModel(modelId);
        if (!m.active) revert ModelRegistryModelInactive(modelId);
        terms.revenueReceiver = m.revenueReceiver;
        terms.feeWei = m.feeWei;
        terms.verification = m.verification;
        uint256 needed = terms.verification.mode == ModelRegistryModes.MODE_QUORUM ? terms.verification.quorumN : 1;
        address[] storage set = $.nodes[modelId];
        uint256 available = set.length;
        if (available < needed) revert ModelRegistryNotEnoughNodes(modelId, available, needed);
        terms.nodes = new address[](needed);
        IOperatorStaking staking_ = IOperatorStaking($.staking);
        uint256 start = seed % available;
        uint256 found;
        // Walks the set from the seed's position, skipping nodes that are no longer active staked operators (bounded
        // by MAX_NODES): a node that unbonded or was jailed is never assigned, even before someone prunes it.
        for (uint256 i = 0; i < available && found < needed; ++i) {
            address node = set[(start + i) % available];
            if (staking_.isActiveOperator(node, ORACLE_SERVICE)) terms.nodes[found++] = node;
        }
        if (found < needed) revert ModelRegistryNotEnoughActiveNodes(modelId, found, needed);
    }

    /// @inheritdoc IModelRegistry
    function regionSeed(
        uint256 modelId,
        bytes2 region,
        uint256 seed
    ) external view returns (uint256 routedSeed, bool matched) {
        ModelRegistryStorage storage $ = _s();
        IEdgeNodeRegistry edge = IEdgeNodeRegistry($.edgeRegistry);
        address[] storage set = $.nodes[modelId];
        uint256 available = set.length;
        if (region == bytes2(0) || address(edge) == address(0) || available == 0) return (seed, false);
        IOperatorStaking staking_ = IOperatorStaking($.staking);
        uint256 start = seed % available;
        // The same walk as `requestTerms`; the first match's position is a seed that makes it the first assigned.
        for (uint256 i = 0; i < available; ++i) {
            uint256 position = (start + i) % available;
            address node = set[position];
            IEdgeNodeRegistry.Node memory device = edge.nodeOf(node);
            if (device.active && device.region == region && staking_.isActiveOperator(node, ORACLE_SERVICE)) {
                return (position, true);
            }
        }
        return (seed, false);
    }

    /// @inheritdoc IModelRegistry
    function edgeRegistry() external view returns (address) {
        return _s().edgeRegistry;
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint256) {
        return _s().modelCount;
    }

    /// @inheritdoc IModelRegistry
    function proofVerifierOf(uint256 modelId) external view returns (address) {
        return _s().proofVerifiers[modelId];
    }

    /// @inheritdoc IModelRegistry
    function staking() external view returns (address) {
        return _s().staking;
    }

    function _register(
        bytes32 weightsHash,
        string calldata metadataURI,
        uint96 feeWei,
        Verification memory verification
    ) private returns (uint256 modelId) {
        if (weightsHash == bytes32(0)) revert ModelRegistryZeroWeightsHash();
        _checkVerification(verification);
        ModelRegistryStorage storage $ = _s();
        modelId = ++$.modelCount;
        $.models[modelId] = Model({
            owner: msg.sender,
            active: true,
            revenueLocked: false,
            revenueReceiver: msg.sender,
            feeWei: feeWei,
            weightsHash: weightsHash,
            metadataHash: keccak256(bytes(metadataURI)),
            verification: verification
        });
        $.metadataURIs[modelId] = metadataURI;
        emit ModelRegistered(modelId, msg.sender, weightsHash, metadataURI, feeWei, verification);
    }

    function _removeNode(uint256 modelId, address node) private {
        ModelRegistryStorage storage $ = _s();
        uint256 slot = $.nodeSlots[modelId][node];
        if (slot == 0) revert ModelRegistryNodeNotServing(modelId, node);
        address[] storage set = $.nodes[modelId];
        address last = set[set.length - 1];
        // Swap-and-pop: the last node takes the removed node's position.
        set[slot - 1] = last;
        $.nodeSlots[modelId][last] = slot;
        set.pop();
        delete $.nodeSlots[modelId][node];
        emit NodeRemoved(modelId, node, msg.sender);
        _pushNodes(modelId);
    }

    /// @dev Tells the oracle (if any) the model's request terms.
    function _pushTerms(uint256 modelId) private {
        ModelRegistryStorage storage $ = _s();
        address oracle_ = $.oracle;
        if (oracle_ == address(0)) return;
        Model storage m = $.models[modelId];
        IModelTermsListener(oracle_).onModelTerms(modelId, m.revenueReceiver, m.feeWei, m.verification, m.active);
    }

    /// @dev Tells the oracle (if any) the model's node set (bounded by MAX_NODES).
    function _pushNodes(uint256 modelId) private {
        ModelRegistryStorage storage $ = _s();
        address oracle_ = $.oracle;
        if (oracle_ != address(0)) IModelTermsListener(oracle_).onModelNodes(modelId, $.nodes[modelId]);
    }

    function _checkModelOwner(uint256 modelId) private view {
        if (_existing(modelId).owner != msg.sender) revert ModelRegistryNotOwner(modelId, msg.sender);
    }

    function _existing(uint256 modelId) private view returns (Model storage m) {
        m = _s().models[modelId];
        if (m.owner == address(0)) revert ModelRegistryUnknownModel(modelId);
    }

    function _checkVerification(Verification memory v) private pure {
        bool valid;
        if (v.mode == ModelRegistryModes.MODE_NONE || v.mode == ModelRegistryModes.MODE_PROOF) {
            valid = v.quorumK == 0 && v.quorumN == 0 && v.challengeWindowSeconds == 0 && v.bondWei == 0;
        } else if (v.mode == ModelRegistryModes.MODE_QUORUM) {
            valid =
                v.quorumK != 0 &&
                v.quorumK <= v.quorumN &&
                v.quorumN <= MAX_QUORUM_N &&
                v.challengeWindowSeconds == 0 &&
                v.bondWei == 0;
        } else if (v.mode == ModelRegistryModes.MODE_OPTIMISTIC) {
            valid =
                v.quorumN == 0 &&
                v.quorumK <= MAX_QUORUM_N &&
                v.challengeWindowSeconds != 0 &&
                v.challengeWindowSeconds <= MAX_CHALLENGE_WINDOW_SECONDS &&
                v.bondWei != 0;
        }
        if (!valid) {
            revert ModelRegistryInvalidVerification(v.mode, v.quorumK, v.quorumN, v.challengeWindowSeconds, v.bondWei);
        }
    }

    function _s() private pure returns (ModelRegistryStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
