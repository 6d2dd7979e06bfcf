// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IModelRegistry
/// @notice Registry of AI models served by the Axon oracle: owner, weights hash, metadata, fee per request,
/// verification mode, revenue receiver, status, and the set of staked nodes serving each model.
/// @dev Model ids are sequential and start at 1. Every operation is O(1): the node set is an array plus an index map
/// (swap-and-pop). Fee changes apply to future requests only: the oracle snapshots the fee into each request.
interface IModelRegistry {
    /// @notice How results of a model are verified. `mode` is one of MODE_NONE (0), MODE_QUORUM (1),
    /// MODE_OPTIMISTIC (2), MODE_PROOF (3) of `ModelRegistryModes`.
    /// @dev Quorum: `quorumN` nodes are assigned to each request and the result is final when `quorumK` of them agree
    /// (1 <= k <= n <= 16). Optimistic: one node posts a result bonded with `bondWei` of its stake; anyone may
    /// challenge it within `challengeWindowSeconds`; `quorumK` is the number of other serving nodes whose votes
    /// resolve a challenge (0: only the oracle's arbiter resolves). None and Proof: every other field is zero; a Proof
    /// model names its verifier at registration (`registerProofModel`) and anyone may fulfil its requests with a proof.
    struct Verification {
        uint8 mode;
        uint8 quorumK;
        uint8 quorumN;
        uint32 challengeWindowSeconds;
        uint128 bondWei;
    }

    /// @notice A registered model. `metadataHash` is keccak256 of the metadata URI (the URI itself is in
    /// `metadataURIOf` and in the events).
    struct Model {
        address owner;
        bool active;
        bool revenueLocked;
        address revenueReceiver;
        uint96 feeWei;
        bytes32 weightsHash;
        bytes32 metadataHash;
        Verification verification;
    }

    /// @notice What the oracle needs to price and assign one request, read in a single call.
    /// @param nodes The nodes assigned to the request: 1 node (None, Optimistic) or `quorumN` nodes (Quorum),
    /// taken consecutively (wrapping) from the model's node set starting at `seed % nodeCount`.
    struct RequestTerms {
        address revenueReceiver;
        uint96 feeWei;
        Verification verification;
        address[] nodes;
    }

    /// @notice A model was registered by `owner`.
    event ModelRegistered(
        uint256 indexed modelId,
        address indexed owner,
        bytes32 weightsHash,
        string metadataURI,
        uint96 feeWei,
        Verification verification
    );
    /// @notice The fee per request changed (future requests only).
    event FeeSet(uint256 indexed modelId, uint96 feeWei);
    /// @notice The metadata URI changed.
    event MetadataURISet(uint256 indexed modelId, string metadataURI);
    /// @notice The weights hash changed (a new model version).
    event WeightsHashSet(uint256 indexed modelId, bytes32 weightsHash);
    /// @notice The verification mode changed (future requests only).
    event VerificationSet(uint256 indexed modelId, Verification verification);
    /// @notice The owner set the revenue receiver.
    event RevenueReceiverSet(uint256 indexed modelId, address indexed receiver);
    /// @notice The revenue manager set and locked the revenue receiver; the owner can no longer change it.
    event RevenueReceiverLocked(uint256 indexed modelId, address indexed receiver, address indexed by);
    /// @notice The model was activated or paused (by its owner or a pauser).
    event ModelActiveSet(uint256 indexed modelId, bool active, address indexed by);
    /// @notice Ownership of the model moved to `newOwner`.
    event ModelOwnershipTransferred(uint256 indexed modelId, address indexed previousOwner, address indexed newOwner);
    /// @notice `node` now serves the model.
    event NodeAdded(uint256 indexed modelId, address indexed node);
    /// @notice `node` no longer serves the model (removed by the owner, by itself, or pruned as inactive by `by`).
    event NodeRemoved(uint256 indexed modelId, address indexed node, address indexed by);
    /// @notice The OperatorStaking contract used to check nodes was set.
    event StakingSet(address indexed staking);
    /// @notice The model's results are proven to `verifier` (an `IProofVerifier`) whose verification key hash is
    /// `vkHash` (Proof mode).
    event ProofVerifierSet(uint256 indexed modelId, address indexed verifier, bytes32 vkHash);
    /// @notice `oracle` now receives every change of the models' request terms and node sets (zero: none).
    event OracleSet(address indexed oracle);
    /// @notice Region routing reads devices' regions from `edgeRegistry` (an `IEdgeNodeRegistry`; zero: no routing).
    event EdgeRegistrySet(address indexed edgeRegistry);

    /// @notice No model has this id.
    error ModelRegistryUnknownModel(uint256 modelId);
    /// @notice The caller is not the owner of the model.
    error ModelRegistryNotOwner(uint256 modelId, address caller);
    /// @notice The caller is neither the owner of the model nor a pauser.
    error ModelRegistryNotOwnerOrPauser(uint256 modelId, address caller);
    /// @notice The caller is neither the owner of the model nor the node being removed.
    error ModelRegistryNotOwnerOrNode(uint256 modelId, address caller);
    /// @notice A zero address was given for `what`.
    error ModelRegistryZeroAddress(string what);
    /// @notice The weights hash must be non-zero.
    error ModelRegistryZeroWeightsHash();
    /// @notice The verification parameters are inconsistent for their mode.
    error ModelRegistryInvalidVerification(
        uint8 mode,
        uint8 quorumK,
        uint8 quorumN,
        uint32 windowSeconds,
        uint128 bondWei
    );
    /// @notice The revenue receiver was locked by the revenue manager.
    error ModelRegistryRevenueReceiverLocked(uint256 modelId, address receiver);
    /// @notice The node is not an active staked operator of the oracle service.
    error ModelRegistryNodeNotStaked(uint256 modelId, address node);
    /// @notice The node already serves the model.
    error ModelRegistryNodeAlreadyServing(uint256 modelId, address node);
    /// @notice The node does not serve the model.
    error ModelRegistryNodeNotServing(uint256 modelId, address node);
    /// @notice The node set is full.
    error ModelRegistryTooManyNodes(uint256 modelId, uint256 maxNodes);
    /// @notice A node can be pruned only once it is no longer an active staked operator.
    error ModelRegistryNodeStillActive(uint256 modelId, address node);
    /// @notice The model is paused.
    error ModelRegistryModelInactive(uint256 modelId);
    /// @notice Proof mode needs the model's verifier: register it with `registerProofModel`.
    error ModelRegistryProofVerifierMissing(uint256 modelId);
    /// @notice The verifier's `vkHash()` is not the verification key hash the registration named.
    error ModelRegistryVkHashMismatch(address verifier, bytes32 expectedVkHash, bytes32 actualVkHash);
    /// @notice The model has fewer serving nodes than a request needs.
    error ModelRegistryNotEnoughNodes(uint256 modelId, uint256 available, uint256 needed);
    /// @notice Fewer of the model's nodes than the request needs are active staked operators of the oracle service
    /// (inactive ones are never assigned).
    error ModelRegistryNotEnoughActiveNodes(uint256 modelId, uint256 active, uint256 needed);

    /// @notice Registers a model owned by the caller, who is also its initial revenue receiver; active at once.
    /// @param weightsHash keccak256 (or sha256) of the model file; runners check their copy against it.
    /// @param metadataURI Where the model card lives (IPFS, HTTPS).
    /// @param feeWei Fee per request paid to the revenue receiver.
    /// @param verification How results are verified (see `Verification`).
    /// @return modelId The new sequential id (the first model is 1).
    function registerModel(
        bytes32 weightsHash,
        string calldata metadataURI,
        uint96 feeWei,
        Verification calldata verification
    ) external returns (uint256 modelId);

    /// @notice Registers a Proof-mode model (like `registerModel`): results are accepted only with a proof that
    /// `verifier` accepts for the request's input and the output.
    /// @param verifier An `IProofVerifier` (immutable for the model: a new circuit or key is a new registration).
    /// @param vkHash The verification key hash the owner audited; must equal `IProofVerifier(verifier).vkHash()`.
    /// @return modelId The new sequential id.
    function registerProofModel(
        bytes32 weightsHash,
        string calldata metadataURI,
        uint96 feeWei,
        address verifier,
        bytes32 vkHash
    ) external returns (uint256 modelId);

    /// @notice The proof verifier of a Proof-mode model (zero for a model registered without one).
    function proofVerifierOf(uint256 modelId) external view returns (address);

    /// @notice Sets the fee per request; owner only. Requests already paid keep their snapshotted fee.
    function setFee(uint256 modelId, uint96 feeWei) external;

    /// @notice Sets the metadata URI; owner only.
    function setMetadataURI(uint256 modelId, string calldata metadataURI) external;

    /// @notice Sets the weights hash of a new model version; owner only.
    function setWeightsHash(uint256 modelId, bytes32 weightsHash) external;

    /// @notice Sets the verification mode for future requests; owner only.
    function setVerification(uint256 modelId, Verification calldata verification) external;

    /// @notice Sets the revenue receiver; owner only, and only while it is not locked.
    function setRevenueReceiver(uint256 modelId, address receiver) external;

    /// @notice Sets the revenue receiver (e.g. the model's IMO token) and locks it forever; REVENUE_MANAGER_ROLE only.
    function lockRevenueReceiver(uint256 modelId, address receiver) external;

    /// @notice Activates or pauses the model for new requests; owner or PAUSER_ROLE.
    function setModelActive(uint256 modelId, bool active) external;

    /// @notice Transfers ownership of the model; owner only.
    function transferModelOwnership(uint256 modelId, address newOwner) external;

    /// @notice Adds `node` to the model's node set; owner only. The node must be an active staked oracle operator.
    function addNode(uint256 modelId, address node) external;

    /// @notice Removes `node` from the model's node set; the owner or the node itself.
    function removeNode(uint256 modelId, address node) external;

    /// @notice Removes a node that is no longer an active staked operator (unstaked or jailed); anyone.
    function pruneNode(uint256 modelId, address node) external;

    /// @notice Makes `oracle` receive every change of a model's request terms (`onModelTerms`: fee, revenue
    /// receiver, verification, active) and node set (`onModelNodes`); admin only, zero to stop. The previous oracle is
    /// told it no longer listens; models registered before are pushed one by one with `pushModel`.
    function setOracle(address oracle) external;

    /// @notice Pushes the model's current terms and node set to the oracle; anyone (a no-op without an oracle).
    function pushModel(uint256 modelId) external;

    /// @notice The oracle receiving the models' terms (zero if none).
    function oracle() external view returns (address);

    /// @notice The full model record.
    function modelOf(uint256 modelId) external view returns (Model memory);

    /// @notice The owner of the model.
    function ownerOf(uint256 modelId) external view returns (address);

    /// @notice The weights hash of the model.
    function weightsHashOf(uint256 modelId) external view returns (bytes32);

    /// @notice The address that receives the model share of every fee.
    function revenueReceiverOf(uint256 modelId) external view returns (address);

    /// @notice Whether the revenue receiver is locked.
    function isRevenueLocked(uint256 modelId) external view returns (bool);

    /// @notice The metadata URI of the model.
    function metadataURIOf(uint256 modelId) external view returns (string memory);

    /// @notice The nodes serving the model (bounded by `MAX_NODES`).
    function nodesOf(uint256 modelId) external view returns (address[] memory);

    /// @notice Whether `node` is in the model's node set and is an active staked oracle operator now.
    function isServing(uint256 modelId, address node) external view returns (bool);

    /// @notice Fee, revenue receiver, verification and assigned nodes for a new request; reverts if the model is
    /// unknown, paused, or has too few nodes. Only active staked operators of the oracle service are assigned: from
    /// the seed's position in the node set, inactive nodes are skipped (`ModelRegistryNotEnoughActiveNodes` when too
    /// few are active).
    function requestTerms(uint256 modelId, uint256 seed) external view returns (RequestTerms memory);

    /// @notice Region routing: the seed that makes `requestTerms(modelId, seed)` assign first the first candidate in
    /// the model's node set, walked from `seed`'s position exactly as `requestTerms` walks it, that is an active
    /// staked oracle operator and an active edge device registered in `region` (ISO-3166-1 alpha-2, e.g. "DE" =
    /// 0x4445) in `edgeRegistry`. When none is (or `region` is zero, or no edge registry is set) it returns `seed`
    /// unchanged and `matched` false: the request falls back to the plain assignment. Bounded by `MAX_NODES`.
    /// @return routedSeed The seed to assign with.
    /// @return matched Whether a node of `region` leads the assignment.
    function regionSeed(
        uint256 modelId,
        bytes2 region,
        uint256 seed
    ) external view returns (uint256 routedSeed, bool matched);

    /// @notice Sets the EdgeNodeRegistry whose devices' regions `regionSeed` reads (zero turns routing off); admin.
    function setEdgeRegistry(address edgeRegistry) external;

    /// @notice The EdgeNodeRegistry read for region routing (zero if none).
    function edgeRegistry() external view returns (address);

    /// @notice The number of models registered so far (the last id).
    function modelCount() external view returns (uint256);

    /// @notice The OperatorStaking contract checked for node stakes.
    function staking() external view returns (address);
}

/// @title IModelTermsListener
/// @notice Receives ModelRegistry's pushes of what `requestTerms` reads, so the oracle prices and assigns a request
/// from its own storage (the node statuses come from `IOperatorStatusListener`).
interface IModelTermsListener {
    /// @notice The model's fee, revenue receiver, verification or active flag changed (or was pushed).
    function onModelTerms(
        uint256 modelId,
        address revenueReceiver,
        uint96 feeWei,
        IModelRegistry.Verification calldata verification,
        bool active
    ) external;

    /// @notice The model's node set changed (or was pushed): the whole set, in the registry's order.
    function onModelNodes(uint256 modelId, address[] calldata nodes) external;

    /// @notice This contract started (`listening` true) or stopped (false) receiving the registry's pushes; one that
    /// stops must stop trusting the terms it cached.
    function onTermsListening(bool listening) external;
}

/// @notice Verification mode constants of `IModelRegistry.Verification.mode`.
library ModelRegistryModes {
    uint8 internal constant MODE_NONE = 0;
    uint8 internal constant MODE_QUORUM = 1;
    uint8 internal constant MODE_OPTIMISTIC = 2;
    /// @notice Proof: anyone may fulfil with a zero-knowledge proof that the model's verifier accepts.
    uint8 internal constant MODE_PROOF = 3;
}
