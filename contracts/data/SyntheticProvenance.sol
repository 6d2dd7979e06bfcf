// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {FHE} from "@fhevm/solidity/lib/FHE.sol";
import {ZamaEthereumConfig} from "@fhevm/solidity/config/ZamaConfig.sol";
import {euint256, externalEuint256} from "encrypted-types/EncryptedTypes.sol";
import {ITreasury} from "../common/interfaces/ITreasury.sol";
import {IModelRegistry} from "../models/interfaces/IModelRegistry.sol";
import {IAIOracle} from "../oracle/interfaces/IAIOracle.sol";
import {AIOracleConsumer} from "../oracle/AIOracleConsumer.sol";
import {IDataMarket} from "./interfaces/IDataMarket.sol";
import {ISyntheticProvenance} from "./interfaces/ISyntheticProvenance.sol";
import {ModelRoyaltyForwarder} from "./ModelRoyaltyForwarder.sol";

/// @title SyntheticProvenance
/// @notice Makes the oracle requests of synthesis runs, records one word per final result, and lists synthetic
/// datasets on the DataMarket with a Merkle root over recorded leaves that anyone can spot-check in O(1).
/// @dev Depends only on the oracle's stable surface (`request`, `quote`, the consumer callback), never on its storage
/// or events. A plain contract (like LabelingBountiesExporter): it holds no funds beyond oracle refunds in transit.
contract SyntheticProvenance is ISyntheticProvenance, AIOracleConsumer, ZamaEthereumConfig, ReentrancyGuardTransient {
    using SafeCast for uint256;

    /// @inheritdoc ISyntheticProvenance
    uint16 public constant MIN_MODEL_ROYALTY_BPS = 500;

    // Recorded words: 0 unknown, 1..255 an error code, PENDING a request in flight, anything else a leaf (a keccak
    // digest below 2^9 is out of reach).
    bytes32 private constant PENDING = bytes32(uint256(256));

    /// @notice The ModelRegistry (models, weights hashes, revenue receivers).
    IModelRegistry public immutable registry;
    /// @notice The DataMarket listing the datasets (this contract needs its LISTER_ROLE).
    IDataMarket public immutable market;
    /// @notice The Treasury receiving swept oracle refunds.
    ITreasury public immutable treasury;
    /// @notice The implementation every model's royalty forwarder clones.
    address public immutable forwarderImplementation;

    uint256 private _runCount;
    mapping(uint256 runId => Run) private _runs;
    mapping(uint256 requestId => bytes32 word) private _records;
    mapping(uint256 datasetId => DatasetProvenance) private _datasets;

    /// @param oracle_ The AIOracle proxy.
    /// @param registry_ The ModelRegistry proxy.
    /// @param market_ The DataMarket proxy.
    /// @param treasury_ The Treasury proxy.
    constructor(
        IAIOracle oracle_,
        IModelRegistry registry_,
        IDataMarket market_,
        ITreasury treasury_
    ) AIOracleConsumer(oracle_) {
        registry = registry_;
        market = market_;
        treasury = treasury_;
        forwarderImplementation = address(new ModelRoyaltyForwarder(address(registry_), address(market_)));
    }

    /// @notice Accepts the oracle's refunds when `sweepOracleRefunds` pulls them.
    receive() external payable {}

    /// @inheritdoc ISyntheticProvenance
    function openRun(uint256 modelId, uint32 callbackGasLimit) external returns (uint256 runId) {
        if (!registry.modelOf(modelId).active) revert SyntheticProvenanceModelUnavailable(modelId);
        runId = ++_runCount;
        _runs[runId] = Run({
            owner: msg.sender,
            callbackGasLimit: callbackGasLimit,
            requested: 0,
            succeeded: 0,
            modelId: modelId
        });
        emit RunOpened(runId, msg.sender, modelId, callbackGasLimit);
    }

    /// @inheritdoc ISyntheticProvenance
    function requestGenerations(
        uint256 runId,
        bytes[] calldata inputs
    ) external payable nonReentrant returns (uint256 firstRequestId) {
        Run storage run = _existingRun(runId);
        uint256 n = inputs.length;
        if (n == 0) revert SyntheticProvenanceNoInputs(runId);
        uint256 modelId = run.modelId;
        uint32 gasLimit = run.callbackGasLimit;
        uint256 feeWei = _quote(modelId, gasLimit);
        if (msg.value != feeWei * n) revert SyntheticProvenanceWrongPayment(runId, feeWei * n, msg.value);
        for (uint256 i; i < n; ++i) {
            bytes32 inputHash = keccak256(inputs[i]);
            uint256 requestId = _request(modelId, inputs[i], gasLimit, abi.encode(runId, inputHash), feeWei);
            _records[requestId] = PENDING;
            if (i == 0) firstRequestId = requestId;
            emit GenerationRequested(runId, requestId, msg.sender, inputHash, feeWei);
        }
        run.requested += n.toUint32();
    }

    /// @inheritdoc ISyntheticProvenance
    function listDataset(
        uint256 runId,
        bytes32 root,
        uint32 leafCount,
        IDataMarket.ListingParams calldata params,
        externalEuint256 encryptedKey,
        bytes calldata inputProof
    ) external nonReentrant returns (uint256 datasetId) {
        (uint256 modelId, address forwarder) = _checkListing(runId, root, leafCount, params);
        datasetId = _listOnMarket(params, encryptedKey, inputProof);
        _datasets[datasetId] = DatasetProvenance({
            root: root,
            modelId: modelId.toUint128(),
            runId: runId.toUint64(),
            leafCount: leafCount
        });
        emit SyntheticDatasetListed(
            datasetId,
            runId,
            modelId,
            registry.weightsHashOf(modelId),
            root,
            leafCount,
            forwarder
        );
    }

    /// @inheritdoc ISyntheticProvenance
    function deployRoyaltyForwarder(uint256 modelId) external returns (address forwarder) {
        return _ensureForwarder(modelId);
    }

    /// @inheritdoc ISyntheticProvenance
    function sweepOracleRefunds() external nonReentrant {
        if (oracle.creditOf(address(this)) != 0) _withdrawOracleCredit();
        uint256 amountWei = address(this).balance;
        if (amountWei == 0) revert SyntheticProvenanceNothingToSweep();
        emit OracleRefundsSwept(address(treasury), amountWei);
        treasury.depositETH{value: amountWei}();
    }

    /// @inheritdoc ISyntheticProvenance
    function verifyLeaf(
        uint256 datasetId,
        uint256 requestId,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        DatasetProvenance storage d = _datasets[datasetId];
        if (d.leafCount == 0) return false;
        bytes32 leaf = leafOf(requestId, d.modelId, inputHash, outputHash);
        return _records[requestId] == leaf && MerkleProof.verifyCalldata(proof, d.root, leaf);
    }

    /// @inheritdoc ISyntheticProvenance
    function leafOf(
        uint256 requestId,
        uint256 modelId,
        bytes32 inputHash,
        bytes32 outputHash
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(requestId, modelId, inputHash, outputHash));
    }

    /// @inheritdoc ISyntheticProvenance
    function recordOf(uint256 requestId) external view returns (RecordStatus status, bytes32 word) {
        word = _records[requestId];
        if (word == bytes32(0)) status = RecordStatus.Unknown;
        else if (word == PENDING) status = RecordStatus.Pending;
        else if (uint256(word) < uint256(PENDING)) status = RecordStatus.Errored;
        else status = RecordStatus.Fulfilled;
    }

    /// @inheritdoc ISyntheticProvenance
    function getRun(uint256 runId) external view returns (Run memory) {
        return _runs[runId];
    }

    /// @inheritdoc ISyntheticProvenance
    function provenanceOf(uint256 datasetId) external view returns (DatasetProvenance memory) {
        return _datasets[datasetId];
    }

    /// @inheritdoc ISyntheticProvenance
    function royaltyForwarderOf(uint256 modelId) public view returns (address) {
        return
            Clones.predictDeterministicAddressWithImmutableArgs(
                forwarderImplementation,
                abi.encode(modelId),
                bytes32(modelId)
            );
    }

    /// @inheritdoc ISyntheticProvenance
    function runCount() external view returns (uint256) {
        return _runCount;
    }

    /// @dev Records a success: the leaf binds the request to the run's model, its input and its output.
    function _onResult(uint256 requestId, bytes calldata output, bytes calldata callbackData) internal override {
        uint256 runId = _takePending(requestId, callbackData);
        (, bytes32 inputHash) = abi.decode(callbackData, (uint256, bytes32));
        Run storage run = _runs[runId];
        bytes32 leaf = leafOf(requestId, run.modelId, inputHash, keccak256(output));
        _records[requestId] = leaf;
        ++run.succeeded;
        emit GenerationRecorded(runId, requestId, leaf, output);
    }

    /// @dev Records an error: the error code (1..255) can never equal a leaf.
    function _onError(uint256 requestId, uint8 errorCode, bytes calldata callbackData) internal override {
        uint256 runId = _takePending(requestId, callbackData);
        _records[requestId] = bytes32(uint256(errorCode));
        emit GenerationErrored(runId, requestId, errorCode);
    }

    /// @dev Only a request this contract made and that is still in flight may be recorded (a request made by anyone
    /// else naming this contract as callback has no PENDING word); returns its run.
    function _takePending(uint256 requestId, bytes calldata callbackData) private view returns (uint256 runId) {
        if (_records[requestId] != PENDING) revert SyntheticProvenanceUnexpectedResult(requestId);
        runId = abi.decode(callbackData, (uint256));
    }

    /// @dev Checks a listing of the run and returns the run's model and its royalty forwarder (deployed if needed).
    function _checkListing(
        uint256 runId,
        bytes32 root,
        uint32 leafCount,
        IDataMarket.ListingParams calldata params
    ) private returns (uint256 modelId, address forwarder) {
        Run storage run = _existingRun(runId);
        if (run.owner != msg.sender) revert SyntheticProvenanceNotRunOwner(runId, msg.sender);
        if (root == bytes32(0)) revert SyntheticProvenanceZeroRoot();
        uint256 succeeded = run.succeeded;
        if (leafCount == 0 || leafCount > succeeded) {
            revert SyntheticProvenanceInvalidLeafCount(runId, leafCount, succeeded);
        }
        if (params.paymentAsset != address(0)) revert SyntheticProvenanceUnsupportedPaymentAsset(params.paymentAsset);
        modelId = run.modelId;
        if (params.provenance.generatorModelId != modelId) {
            revert SyntheticProvenanceModelMismatch(modelId, params.provenance.generatorModelId);
        }
        forwarder = _ensureForwarder(modelId);
        uint256 n = params.contributors.length;
        // Mismatched lengths leave the last pair undefined: that counts as a missing model royalty.
        if (
            n == 0 ||
            params.contributorBps.length != n ||
            params.contributors[n - 1] != forwarder ||
            params.contributorBps[n - 1] < MIN_MODEL_ROYALTY_BPS
        ) revert SyntheticProvenanceModelRoyaltyMissing(forwarder, MIN_MODEL_ROYALTY_BPS);
    }

    /// @dev Imports the key (bound to this contract and the caller) and lists for the caller.
    function _listOnMarket(
        IDataMarket.ListingParams calldata params,
        externalEuint256 encryptedKey,
        bytes calldata inputProof
    ) private returns (uint256 datasetId) {
        euint256 key = FHE.fromExternal(encryptedKey, inputProof);
        FHE.allowTransient(key, address(market));
        datasetId = market.listFor(msg.sender, params, key);
    }

    function _ensureForwarder(uint256 modelId) private returns (address forwarder) {
        forwarder = royaltyForwarderOf(modelId);
        if (forwarder.code.length == 0) {
            Clones.cloneDeterministicWithImmutableArgs(forwarderImplementation, abi.encode(modelId), bytes32(modelId));
            emit RoyaltyForwarderDeployed(modelId, forwarder);
        }
    }

    function _existingRun(uint256 runId) private view returns (Run storage run) {
        run = _runs[runId];
        if (run.owner == address(0)) revert SyntheticProvenanceUnknownRun(runId);
    }
}
