// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {externalEuint256} from "encrypted-types/EncryptedTypes.sol";
import {IDataMarket} from "./IDataMarket.sol";

/// @title ISyntheticProvenance
/// @notice Synthetic datasets whose provenance a buyer verifies from the chain alone. A synthesis run asks the AI
/// oracle for generations of one model through this contract, which records one word per request when the oracle
/// delivers its final result: the leaf `keccak256(abi.encode(requestId, modelId, inputHash, outputHash))` for a
/// success, the error code for an error. The run's owner lists a dataset on the DataMarket with a Merkle root
/// (OpenZeppelin MerkleProof, sorted pairs) over leaves of that model; anyone then spot-checks a sampled leaf in O(1):
/// one stored word and one proof. The model's royalty forwarder is a mandatory royalty contributor of every listing, so
/// the model's revenue receiver (its IMO token holders) earns on every sale. Trust assumption: a leaf proves that the
/// AI oracle delivered that output as the final result of that request to this contract; it says nothing about results
/// made outside this recorder, and inherits the oracle's verification mode (None, Quorum, Optimistic) of the model.
interface ISyntheticProvenance {
    /// @notice A synthesis run: generations of `modelId`, each given `callbackGasLimit` for the recording callback.
    /// `requested` counts its oracle requests, `succeeded` its successful final results recorded so far.
    struct Run {
        address owner;
        uint32 callbackGasLimit;
        uint32 requested;
        uint32 succeeded;
        uint256 modelId;
    }

    /// @notice A listed synthetic dataset's provenance (`leafCount == 0`: not a synthetic dataset of this contract).
    /// Two slots: the root, then the generator model (also the run's), the run and the leaf count.
    struct DatasetProvenance {
        bytes32 root;
        uint128 modelId;
        uint64 runId;
        uint32 leafCount;
    }

    /// @notice What is recorded for an oracle request.
    enum RecordStatus {
        Unknown,
        Pending,
        Fulfilled,
        Errored
    }

    /// @notice `owner` opened run `runId` generating with `modelId`.
    event RunOpened(uint256 indexed runId, address indexed owner, uint256 indexed modelId, uint32 callbackGasLimit);
    /// @notice `payer` paid `feeWei` for oracle request `requestId` of run `runId` on the input hashing to `inputHash`.
    event GenerationRequested(
        uint256 indexed runId,
        uint256 indexed requestId,
        address indexed payer,
        bytes32 inputHash,
        uint256 feeWei
    );
    /// @notice The oracle delivered `output` as the final result of `requestId`; `leaf` is now recorded.
    event GenerationRecorded(uint256 indexed runId, uint256 indexed requestId, bytes32 leaf, bytes output);
    /// @notice The oracle delivered error `errorCode` for `requestId`; it can never be a leaf.
    event GenerationErrored(uint256 indexed runId, uint256 indexed requestId, uint8 errorCode);
    /// @notice Dataset `datasetId` was listed on the DataMarket with this provenance; `weightsHash` is the model's
    /// weights hash in the ModelRegistry at listing, `forwarder` its royalty contributor.
    event SyntheticDatasetListed(
        uint256 indexed datasetId,
        uint256 indexed runId,
        uint256 indexed modelId,
        bytes32 weightsHash,
        bytes32 root,
        uint32 leafCount,
        address forwarder
    );
    /// @notice The model's royalty forwarder was deployed.
    event RoyaltyForwarderDeployed(uint256 indexed modelId, address forwarder);
    /// @notice Oracle refunds (of errored or expired requests) were pulled and deposited into the Treasury.
    event OracleRefundsSwept(address indexed treasury, uint256 amountWei);

    /// @notice No run has this id.
    error SyntheticProvenanceUnknownRun(uint256 runId);
    /// @notice Only the run's owner may do this.
    error SyntheticProvenanceNotRunOwner(uint256 runId, address caller);
    /// @notice The model is not registered or not active in the ModelRegistry.
    error SyntheticProvenanceModelUnavailable(uint256 modelId);
    /// @notice A request batch must hold at least one input.
    error SyntheticProvenanceNoInputs(uint256 runId);
    /// @notice The ETH sent is not the oracle's quote times the number of inputs.
    error SyntheticProvenanceWrongPayment(uint256 runId, uint256 expectedWei, uint256 sentWei);
    /// @notice The oracle delivered a result for a request this contract did not make, or with other callback data.
    error SyntheticProvenanceUnexpectedResult(uint256 requestId);
    /// @notice The listing's root is zero.
    error SyntheticProvenanceZeroRoot();
    /// @notice The listing claims no leaves, or more than the run has successful results.
    error SyntheticProvenanceInvalidLeafCount(uint256 runId, uint256 leafCount, uint256 succeeded);
    /// @notice Only ETH-priced synthetic datasets are supported (the model's royalty is forwarded as ETH).
    error SyntheticProvenanceUnsupportedPaymentAsset(address asset);
    /// @notice The listing's `provenance.generatorModelId` is not the run's model.
    error SyntheticProvenanceModelMismatch(uint256 runModelId, uint256 listedModelId);
    /// @notice The last contributor must be the model's royalty forwarder with at least `minBps`.
    error SyntheticProvenanceModelRoyaltyMissing(address forwarder, uint256 minBps);
    /// @notice No oracle refund is waiting to be swept.
    error SyntheticProvenanceNothingToSweep();

    /// @notice Opens a synthesis run of `modelId` owned by the caller.
    /// @param modelId A registered, active model.
    /// @param callbackGasLimit Gas the oracle gives the recording callback of each request (covers the output's
    /// hashing and one event; 100k suffices for outputs of a few KiB).
    /// @return runId The new run's id (sequential from 1).
    function openRun(uint256 modelId, uint32 callbackGasLimit) external returns (uint256 runId);

    /// @notice Requests one generation per input from the run's model through the oracle; anyone may pay.
    /// @param runId The run.
    /// @param inputs The model inputs; each becomes one oracle request.
    /// @return firstRequestId The oracle request id of `inputs[0]` (the others follow; see `GenerationRequested`).
    function requestGenerations(
        uint256 runId,
        bytes[] calldata inputs
    ) external payable returns (uint256 firstRequestId);

    /// @notice Lists a synthetic dataset of the run on the DataMarket (seller: the caller, the run's owner) and
    /// records its provenance. ETH only; `params.provenance.generatorModelId` must be the run's model and the last
    /// contributor must be `royaltyForwarderOf(modelId)` with at least `MIN_MODEL_ROYALTY_BPS` (deployed here if
    /// needed). The key input is bound to (this contract, caller).
    /// @param runId The run whose results the dataset holds.
    /// @param root Merkle root (sorted pairs) over the dataset's leaves.
    /// @param leafCount Number of leaves, at most the run's successful results.
    /// @param params The DataMarket listing.
    /// @param encryptedKey The dataset key, encrypted.
    /// @param inputProof The proof of `encryptedKey`.
    /// @return datasetId The DataMarket dataset id.
    function listDataset(
        uint256 runId,
        bytes32 root,
        uint32 leafCount,
        IDataMarket.ListingParams calldata params,
        externalEuint256 encryptedKey,
        bytes calldata inputProof
    ) external returns (uint256 datasetId);

    /// @notice Deploys the model's royalty forwarder if it does not exist yet; callable by anyone.
    /// @return forwarder Its address.
    function deployRoyaltyForwarder(uint256 modelId) external returns (address forwarder);

    /// @notice Pulls this contract's oracle credit (refunds of errored or expired generations) and deposits it into
    /// the Treasury; callable by anyone.
    function sweepOracleRefunds() external;

    /// @notice Whether a leaf belongs to the dataset: the request's recorded word equals the leaf of (requestId,
    /// dataset model, inputHash, outputHash) and `proof` proves that leaf against the dataset's root. Three storage
    /// reads, whatever the dataset's size.
    function verifyLeaf(
        uint256 datasetId,
        uint256 requestId,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice The leaf of a result: `keccak256(abi.encode(requestId, modelId, inputHash, outputHash))`.
    function leafOf(
        uint256 requestId,
        uint256 modelId,
        bytes32 inputHash,
        bytes32 outputHash
    ) external pure returns (bytes32);

    /// @notice What is recorded for `requestId`, and the recorded word (the leaf when fulfilled, the error code
    /// when errored).
    function recordOf(uint256 requestId) external view returns (RecordStatus status, bytes32 word);

    /// @notice The run `runId` (all zero if unknown).
    function getRun(uint256 runId) external view returns (Run memory);

    /// @notice The provenance of DataMarket dataset `datasetId` (all zero if it was not listed here).
    function provenanceOf(uint256 datasetId) external view returns (DatasetProvenance memory);

    /// @notice The address of `modelId`'s royalty forwarder (deployed or not).
    function royaltyForwarderOf(uint256 modelId) external view returns (address);

    /// @notice Number of runs opened so far (the last id).
    function runCount() external view returns (uint256);

    /// @notice Least royalty share (basis points) of every sale going to the model.
    function MIN_MODEL_ROYALTY_BPS() external view returns (uint16);
}
