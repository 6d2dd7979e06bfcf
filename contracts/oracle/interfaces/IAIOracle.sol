// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IModelTermsListener} from "../../models/interfaces/IModelRegistry.sol";
import {IOperatorStatusListener} from "../../staking/interfaces/IOperatorStaking.sol";

/// @title IAIOracle
/// @notice The Axon AI oracle: contracts pay for an inference of a registered model; staked nodes run it off-chain
/// and deliver the result through a callback. One storage slot per request holds a truncated hash of the `Request`
/// (the commitment), its state and its deadline; the caller of every later entry point supplies the `Request` tuple
/// exactly as emitted in `RequestCreated`, and the oracle re-hashes it (`hashRequest`). The prompt lives only in that
/// event. The `Request` is compact: seven words plus the callback data and the assigned node(s); the snapshotted
/// terms are packed into three words whose bit layout `AIOracleRequests` defines (and decodes).
/// @dev Fees (all snapshotted into the request, so later fee changes never touch it):
///  - success (errorCode 0): model share credited to the model's revenue receiver, node share and gas share to the
///    fulfilling node(s), protocol share accrued for the Treasury (`sweepProtocolFees`);
///  - error result (errorCode != 0): the node(s) are paid for their work (node share and gas share, since the
///    consumer's `_onError` hook still runs), the model share is credited back to the requester, the protocol share
///    is kept;
///  - refund (deadline passed without a final result, or an optimistic result proven wrong by the arbiter or by
///    `quorumK` bonded votes): the whole fee is credited back to the requester. A challenge nobody upholds never
///    refunds: it is settled in the proposer's favour (`finalize`), and the challenger forfeits its bond.
/// The protocol share is `mulDiv(modelFee + nodeFee + gasFee, protocolFeeBps, 10_000)` with the bps snapshotted in
/// the request (so `quote` and settlement agree to the wei).
/// Every payout is a pull credit (`withdrawCredit`, or `pushCredit` which sends it to the account as plain ETH with
/// no calldata, so a ModelToken's `receive()` can account it as revenue). A node's credit slot also counts the
/// results it served (`servedCount`).
/// Hot-path cache: the registry pushes each model's terms and node set (`IModelTermsListener`) and OperatorStaking
/// pushes each oracle node's stake and jail time (`IOperatorStatusListener`), so `request` and `fulfil` price, assign
/// and check active operators from the oracle's own storage. A model or node never pushed (or pushed while the source
/// no longer listened) is read from the registry / staking contract as before, so the cache can only be missing,
/// never stale.
interface IAIOracle is IModelTermsListener, IOperatorStatusListener {
    /// @notice The commitment preimage of a request, emitted in `RequestCreated` and passed back verbatim by nodes.
    /// @param requester Who paid (and who is refunded).
    /// @param callback The consumer receiving `IAIOracleCallback.onAIOracleResult`.
    /// @param modelId The model to run.
    /// @param inputHash keccak256 of the input bytes (the input itself is in `RequestCreated`).
    /// @param receiverFee `revenueReceiver` (bits 0-159, the model's revenue receiver at request time) and
    /// `modelFeeWei` (bits 160-255, the model share of the fee). See `AIOracleRequests`.
    /// @param fees `nodeFeeWei` (bits 0-95; in Quorum mode split among the agreeing nodes), `gasFeeWei` (96-191:
    /// callback gas prepaid at the bounded gas price, to the node that runs the callback), `protocolFeeBps` (192-207),
    /// `callbackGasLimit` (208-239: exact gas given to the callback), `mode` (240-247: `ModelRegistryModes`) and
    /// `quorumK` (248-255: Quorum: agreeing votes needed; Optimistic: node votes that resolve a challenge, 0: arbiter).
    /// @param timing `exclusiveUntil` (bits 0-39: until then only the assigned nodes may fulfil, in None and Optimistic
    /// modes; after it any serving node may), `deadline` (40-79: after it the request can be refunded unless a result
    /// is final or provisional), `challengeWindowSeconds` (80-111, Optimistic) and `bondWei` (112-239, Optimistic:
    /// stake locked from the proposing node, and ETH bond a challenger posts).
    /// @param callbackData Forwarded to the consumer unchanged.
    /// @param nodes The assigned node(s), picked deterministically from the model's active serving nodes by request id:
    /// one in None and Optimistic modes, `quorumN` in Quorum mode.
    struct Request {
        address requester;
        address callback;
        uint256 modelId;
        bytes32 inputHash;
        uint256 receiverFee;
        uint256 fees;
        uint256 timing;
        bytes callbackData;
        address[] nodes;
    }

    /// @notice Fee parameters set by the admin.
    /// @param nodeFeeWei Node fee per assigned node.
    /// @param protocolFeeBps Protocol share in basis points of (model fee + node fee + gas fee), at most 2000.
    /// @param minGasPriceWei Lower bound of the gas price used to prepay the callback gas.
    /// @param maxGasPriceWei Upper bound of that gas price (the price is `block.basefee` clamped to the bounds).
    struct FeeConfig {
        uint96 nodeFeeWei;
        uint16 protocolFeeBps;
        uint64 minGasPriceWei;
        uint64 maxGasPriceWei;
    }

    /// @notice Limits and timings set by the admin.
    /// @param maxInputBytes Largest accepted input (at least 16 KiB).
    /// @param maxOutputBytes Largest accepted output (at least 16 KiB).
    /// @param maxCallbackGasLimit Largest callback gas limit a request may ask for.
    /// @param requestTimeoutSeconds Deadline of a request after its creation.
    /// @param gracePeriodSeconds Exclusive time of the assigned node(s) after creation.
    /// @param challengeResolutionSeconds Time allowed to resolve a challenge before it can be refunded.
    /// @param dissentSlashWei Stake slashed from a quorum node whose vote disagrees with the final result.
    struct Config {
        uint32 maxInputBytes;
        uint32 maxOutputBytes;
        uint32 maxCallbackGasLimit;
        uint32 requestTimeoutSeconds;
        uint32 gracePeriodSeconds;
        uint32 challengeResolutionSeconds;
        uint128 dissentSlashWei;
    }

    /// @notice The provisional result of an Optimistic request and its challenge, if any.
    struct Proposal {
        address node;
        uint64 challengeDeadline;
        bool resolved;
        bytes32 resultHash;
        address challenger;
        uint64 resolveBy;
        uint8 votesValid;
        uint8 votesInvalid;
    }

    /// @notice A request was created. A runner passes `request` back verbatim; `input` exists only here (its
    /// keccak256 is `request.inputHash`). The deadline and the terms are in `request`'s packed words.
    event RequestCreated(
        uint256 indexed requestId,
        uint256 indexed modelId,
        address indexed requester,
        Request request,
        bytes input
    );
    /// @notice A request asked for `region` (`requestInRegion`): `matched` true means its first assigned node is an
    /// edge device of that region; false means none was available and it was assigned as a plain request. Emitted
    /// just before the request's `RequestCreated`.
    event RequestRouted(uint256 indexed requestId, bytes2 region, bool matched);
    /// @notice A node submitted a result. `mode` is the request's verification mode; `isFinal` false means a
    /// provisional (optimistic) result or a quorum vote that did not complete the quorum. `callbackSucceeded` is
    /// meaningful only when `isFinal`. `outputHash` is keccak256 of the output bytes.
    event RequestFulfilled(
        uint256 indexed requestId,
        address indexed node,
        uint8 mode,
        bool isFinal,
        bool callbackSucceeded,
        uint8 errorCode,
        bytes32 outputHash
    );
    /// @notice An item of `fulfilBatch` was invalid and skipped; `reason` is the selector of the error `fulfil`
    /// would have reverted with.
    event FulfilmentSkipped(uint256 indexed requestId, address indexed node, bytes4 reason);
    /// @notice An Optimistic result was posted; it can be challenged until `challengeDeadline` and finalized after.
    event ResultProposed(
        uint256 indexed requestId,
        address indexed node,
        uint64 challengeDeadline,
        uint8 errorCode,
        bytes output
    );
    /// @notice A provisional result was challenged with an ETH bond.
    event ResultChallenged(uint256 indexed requestId, address indexed challenger, uint256 bondWei, uint64 resolveBy);
    /// @notice A serving node voted on a challenge.
    event ChallengeVoted(uint256 indexed requestId, address indexed node, bool resultValid);
    /// @notice A challenge was resolved: `resultValid` true means the proposer won.
    event ChallengeResolved(uint256 indexed requestId, bool resultValid, address indexed resolver);
    /// @notice The request was refunded: `amountWei` credited to the requester.
    event RequestRefunded(uint256 indexed requestId, address indexed requester, uint256 amountWei);
    /// @notice An assigned node let a request expire; `lateCount` is its running total.
    event NodeLate(address indexed node, uint256 indexed requestId, uint256 lateCount);
    /// @notice A node's stake was slashed for a wrong result.
    event NodeSlashed(address indexed node, uint256 indexed requestId, uint256 amountWei);
    /// @notice A pull credit was paid out to `account` (by `account` itself or pushed by `by`).
    event CreditWithdrawn(address indexed account, address indexed by, uint256 amountWei);
    /// @notice Accrued protocol fees were sent to the Treasury.
    event ProtocolFeesSwept(address indexed treasury, uint256 amountWei);
    /// @notice The fee parameters changed.
    event FeeConfigSet(FeeConfig feeConfig);
    /// @notice The limits and timings changed.
    event ConfigSet(Config config);
    /// @notice The Treasury changed.
    event TreasurySet(address indexed treasury);
    /// @notice An oracle upgraded from the layout before the hot slot copied its request count, pause flag, output
    /// limit and cache flags into it (`migrateHotSlot`) and serves again.
    event HotSlotMigrated(uint256 requestCount, bool paused);
    /// @notice `warmed` of the commitment ring's slots `fromIndex` .. `fromIndex + count - 1` were empty and are now
    /// marked free, so the first request of each pays a reused slot's price (`warmCommitmentRing`).
    event CommitmentRingWarmed(uint256 fromIndex, uint256 count, uint256 warmed);

    /// @notice The supplied request does not hash to the stored commitment (or the id is unknown).
    error AIOracleRequestMismatch(uint256 requestId);
    /// @notice The request is not in a state that allows this operation.
    error AIOracleInvalidState(uint256 requestId, uint8 state);
    /// @notice The request's deadline has passed.
    error AIOracleRequestExpired(uint256 requestId, uint64 deadline);
    /// @notice The request's deadline has not passed yet.
    error AIOracleRequestNotExpired(uint256 requestId, uint64 deadline);
    /// @notice The caller may not fulfil this request (not assigned, or not serving after the grace period).
    error AIOracleNotAssigned(uint256 requestId, address node);
    /// @notice The node already voted on this request or challenge.
    error AIOracleAlreadyVoted(uint256 requestId, address node);
    /// @notice The node left too little gas to run the callback with its full gas limit.
    error AIOracleInsufficientGas(uint256 requestId, uint256 gasLeft, uint32 callbackGasLimit);
    /// @notice The payment is below the quote.
    error AIOracleInsufficientFee(uint256 paidWei, uint256 quoteWei);
    /// @notice The input exceeds `maxInputBytes`.
    error AIOracleInputTooLarge(uint256 sizeBytes, uint256 maxBytes);
    /// @notice The output exceeds `maxOutputBytes`.
    error AIOracleOutputTooLarge(uint256 sizeBytes, uint256 maxBytes);
    /// @notice The callback gas limit exceeds `maxCallbackGasLimit`.
    error AIOracleCallbackGasTooHigh(uint32 callbackGasLimit, uint32 maxCallbackGasLimit);
    /// @notice The callback is the zero address.
    error AIOracleZeroCallback();
    /// @notice The error code is not one of the defined codes.
    error AIOracleUnknownErrorCode(uint8 errorCode);
    /// @notice Item `index` of `fulfilProofBatch` is not `fulfilProof` calldata (`selector` is its first 4 bytes).
    error AIOracleNotProofCall(uint256 index, bytes4 selector);
    /// @notice Batch arrays differ in length.
    error AIOracleLengthMismatch(uint256 ids, uint256 requests, uint256 outputs, uint256 errorCodes);
    /// @notice The challenge window of the provisional result is closed (for `challenge`) or still open (for
    /// `finalize`).
    error AIOracleChallengeWindow(uint256 requestId, uint64 challengeDeadline);
    /// @notice The supplied result does not match the provisional one.
    error AIOracleResultMismatch(uint256 requestId, bytes32 resultHash);
    /// @notice The challenger's ETH bond must equal the request's bond.
    error AIOracleWrongBond(uint256 paidWei, uint256 bondWei);
    /// @notice This operation applies only to requests of another verification mode.
    error AIOracleWrongMode(uint256 requestId, uint8 mode);
    /// @notice The caller may not vote on this challenge.
    error AIOracleNotEligibleVoter(uint256 requestId, address node);
    /// @notice The challenge's resolution period is over (it can only be refunded now).
    error AIOracleResolutionExpired(uint256 requestId, uint64 resolveBy);
    /// @notice The node's free stake could not be locked as the Optimistic bond (or as a challenge vote's bond).
    error AIOracleBondUnavailable(uint256 requestId, address node, uint256 bondWei);
    /// @notice The proposer of a result cannot challenge it.
    error AIOracleProposerCannotChallenge(uint256 requestId, address node);
    /// @notice The node is assigned but no longer an active staked operator of the oracle service.
    error AIOracleNotActiveOperator(uint256 requestId, address node);
    /// @notice The challenge can be settled only after its resolution time.
    error AIOracleChallengePending(uint256 requestId, uint64 resolveBy);
    /// @notice The challenge was upheld by `quorumK` bonded votes: the request can only be refunded.
    error AIOracleChallengeUpheld(uint256 requestId);
    /// @notice The challenge was not upheld: it settles in the proposer's favour through `finalize`, never a refund.
    error AIOracleChallengeNotUpheld(uint256 requestId);
    /// @notice `quorumK` votes already decided the challenge (`resultValid` is their verdict); only the arbiter may
    /// still rule before the resolution time.
    error AIOracleChallengeDecided(uint256 requestId, bool resultValid);
    /// @notice The oracle's slashing horizon must stay below the oracle service's unbonding delay.
    error AIOracleHorizonNotBelowUnbonding(uint256 horizonSeconds, uint64 unbondingDelaySeconds);
    /// @notice A configuration value is out of its allowed range.
    error AIOracleInvalidConfig(string what);
    /// @notice A zero address was given for `what`.
    error AIOracleZeroAddress(string what);
    /// @notice Only the registry (model terms) or the staking contract (operator statuses) may push into the cache.
    error AIOracleUnauthorizedPush(address caller);
    /// @notice There is nothing to pay out.
    error AIOracleNothingToWithdraw(address account);
    /// @notice Proof mode: keccak256 of the supplied input is not the request's `inputHash`.
    error AIOracleInputMismatch(uint256 requestId, bytes32 inputHash, bytes32 suppliedHash);
    /// @notice Proof mode: the model's verifier answered false (a proof for another input or output, or tampered).
    error AIOracleProofRejected(uint256 requestId);
    /// @notice Proof mode: the model's verifier reverted (a malformed proof; `reason` is its revert data, e.g.
    /// `IProofVerifier.ProofVerifierProofLength`) or ran out of its `PROOF_VERIFY_GAS`.
    error AIOracleProofVerifierFailed(uint256 requestId, address verifier, bytes reason);
    /// @notice `migrateHotSlot` ran before, or the oracle was initialized with the hot slot (nothing to migrate).
    error AIOracleAlreadyMigrated();
    /// @notice Upgraded from the layout before the hot slot and not migrated yet: it reads as paused until anyone
    /// calls `migrateHotSlot`, and cannot be unpaused before.
    error AIOracleNotMigrated();
    /// @notice `warmCommitmentRing(fromIndex, count)` reaches past the ring's `ringSize` slots.
    error AIOracleRingRange(uint256 fromIndex, uint256 count, uint256 ringSize);

    /// @notice Requests an inference of `modelId` on `input`; `msg.value` must cover `quote(modelId,
    /// callbackGasLimit)` and any excess is sent back at once.
    /// @param input The prompt or model input (at most `maxInputBytes`); emitted in `RequestCreated`, never stored.
    /// @param callback The consumer to call with the result (must have code by fulfilment time, or the callback is
    /// recorded as failed).
    /// @param callbackGasLimit Exact gas for the callback (at most `maxCallbackGasLimit`).
    /// @param callbackData Passed back to the consumer with the result (at most `maxInputBytes`).
    /// @return requestId A sequential id (the first request is 1).
    function request(
        uint256 modelId,
        bytes calldata input,
        address callback,
        uint32 callbackGasLimit,
        bytes calldata callbackData
    ) external payable returns (uint256 requestId);

    /// @notice `request`, routed to `region` (ISO-3166-1 alpha-2 as two ASCII bytes, e.g. "DE" = 0x4445; zero =
    /// any): the first assigned node is the first candidate of the model's node set, in the plain assignment's order,
    /// that is an active staked operator and an active edge device of that region (`IModelRegistry.regionSeed`). When
    /// none exists the request is assigned as a plain one. Either way `RequestRouted` records the outcome; the fee is
    /// the same as `request`'s, and the request follows every rule of a plain one (grace, deadline, refund).
    function requestInRegion(
        uint256 modelId,
        bytes calldata input,
        address callback,
        uint32 callbackGasLimit,
        bytes calldata callbackData,
        bytes2 region
    ) external payable returns (uint256 requestId);

    /// @notice Submits a node's result: in None mode it is final and delivered; in Quorum mode it is the node's vote
    /// (delivered when `quorumK` votes agree; disagreeing voters are slashed); in Optimistic mode it is a provisional
    /// result bonded with `bondWei` of the node's stake. Reverts if the request, state, deadline, assignment or output
    /// size is wrong, or if the caller left too little gas for the callback.
    /// @param errorCode 0 for a result, or one of `AIOracleCodes.ERROR_*`.
    function fulfil(uint256 requestId, Request calldata request, bytes calldata output, uint8 errorCode) external;

    /// @notice Proof mode: delivers `output` with a proof that the model computed it from the request's input. Anyone
    /// may call it (no stake, no assignment: the proof is the guarantee); the caller is paid the node and gas shares
    /// and counted in `servedCount`. The result is final at once and the callback runs with exactly its gas. Plain
    /// `fulfil` refuses Proof requests (`AIOracleWrongMode`). A rejected proof writes nothing: the request stays
    /// open and refundable after its deadline.
    /// @param input The request's input (its keccak256 must be the request's `inputHash`).
    /// @param output The proven output (at most `maxOutputBytes`).
    /// @param proof The proof, encoded as the model's `IProofVerifier` expects.
    function fulfilProof(
        uint256 requestId,
        Request calldata request,
        bytes calldata input,
        bytes calldata output,
        bytes calldata proof
    ) external;

    /// @notice Proof mode, many results in one transaction: each item is the complete calldata of a `fulfilProof`
    /// call (`abi.encodeCall(IAIOracle.fulfilProof, (...))`), run as that call would run. An item that would revert
    /// (a rejected proof, a request no longer open, ...) writes nothing and is skipped with `FulfilmentSkipped`
    /// (its error's selector), so the other items still settle; the request stays open and refundable.
    /// @param calls `fulfilProof` calldata, one per request.
    function fulfilProofBatch(bytes[] calldata calls) external;

    /// @notice `fulfil` for many requests in one transaction: an invalid item is skipped with `FulfilmentSkipped`
    /// and never reverts the others (only too little gas for a callback reverts the whole batch).
    function fulfilBatch(
        uint256[] calldata requestIds,
        Request[] calldata requests,
        bytes[] calldata outputs,
        uint8[] calldata errorCodes
    ) external;

    /// @notice Makes an Optimistic result final and delivers it; anyone. Allowed after its challenge window when it
    /// was never challenged, at once when a challenge was rejected, and after the resolution time of a challenge that
    /// was neither ruled on by the arbiter nor upheld by `quorumK` bonded votes: that challenge is first settled in
    /// the proposer's favour (`ChallengeResolved(valid)`; the challenger forfeits its bond, half to the proposer, half
    /// to the Treasury; vote bonds released, votes against the result slashed). The node share goes to the proposer,
    /// the gas share to the caller (who runs the callback).
    /// @param output The output exactly as in `ResultProposed`.
    function finalize(uint256 requestId, Request calldata request, bytes calldata output, uint8 errorCode) external;

    /// @notice Challenges a provisional Optimistic result within its window by posting an ETH bond equal to the
    /// request's `bondWei`; anyone but the proposer. The bond is lost unless the challenge is upheld (by the arbiter,
    /// or by `quorumK` bonded votes that the arbiter does not overrule before `resolveBy`).
    function challenge(uint256 requestId, Request calldata request) external payable;

    /// @notice A serving node of the model (an active staked operator, neither the proposer, the challenger nor the
    /// requester) votes on a challenge before `resolveBy`, bonding `bondWei` of its free stake. `quorumK` matching
    /// votes decide the challenge (no more votes are taken); it is settled after `resolveBy` (`finalize` when the
    /// result was found valid, `refund` when invalid) unless the arbiter rules first. Voters on the losing side are
    /// slashed their bond, the others get it back.
    function voteChallenge(uint256 requestId, Request calldata request, bool resultValid) external;

    /// @notice Resolves a challenge before `resolveBy`, overruling any votes; ARBITER_ROLE only. If the result is
    /// valid the challenger's bond is forfeited (half to the proposer, half to the Treasury) and the result can be
    /// finalized; otherwise the proposer's bond is slashed (half to the challenger), the challenger's bond is returned
    /// and the requester refunded. Voters on the losing side are slashed their vote bond.
    function resolveChallenge(uint256 requestId, Request calldata request, bool resultValid) external;

    /// @notice Refunds a request that can no longer complete; anyone. Allowed when it is pending (or a quorum is still
    /// incomplete) past its deadline, or past the resolution time of a challenge upheld by `quorumK` bonded votes
    /// (settled as an upheld challenge). The whole fee is credited to the requester; assigned nodes that did not
    /// answer are recorded as late.
    function refund(uint256 requestId, Request calldata request) external;

    /// @notice Pays the caller's pull credit to the caller.
    function withdrawCredit() external;

    /// @notice Pays `account`'s pull credit to `account` as plain ETH with no calldata; anyone. Lets a ModelToken
    /// receive its revenue through `receive()`. Reverts if the transfer fails (the credit then stays).
    function pushCredit(address account) external;

    /// @notice Sends all accrued protocol fees to the Treasury in one call; anyone.
    function sweepProtocolFees() external;

    /// @notice Sets the fee parameters; admin only.
    function setFeeConfig(FeeConfig calldata feeConfig) external;

    /// @notice Sets limits and timings; admin only.
    function setConfig(Config calldata config) external;

    /// @notice Sets the Treasury; admin only.
    function setTreasury(address treasury) external;

    /// @notice The fee a request must pay now: model fee + node fee x assigned nodes + callback gas at the bounded
    /// gas price + protocol fee.
    function quote(uint256 modelId, uint32 callbackGasLimit) external view returns (uint256 feeWei);

    /// @notice The state (`AIOracleCodes.STATE_*`) and deadline of a request. A fulfilled request reports deadline 0
    /// (its slot is cleared, or marked fulfilled for reuse by a later request).
    function requestState(uint256 requestId) external view returns (uint8 state, uint64 deadline);

    /// @notice Whether `node` may call `fulfil` for this request now.
    function canFulfil(uint256 requestId, Request calldata request, address node) external view returns (bool);

    /// @notice The commitment hash of a request: keccak256(abi.encode(requester, callback, modelId, inputHash,
    /// receiverFee, fees, timing, keccak256(callbackData), keccak256(abi.encodePacked(nodes)))); its top 184 bits are
    /// stored.
    function hashRequest(Request calldata request) external pure returns (bytes32);

    /// @notice How many results `node` delivered that became final and were paid: None mode at fulfilment, Quorum
    /// each agreeing node when the quorum completes, Optimistic the proposer when its result is finalized (after its
    /// window or an upheld result). Kept in the node's credit slot, so counting costs no extra storage write.
    function servedCount(address node) external view returns (uint256);

    /// @notice Largest accepted input in bytes.
    function maxInputBytes() external view returns (uint256);

    /// @notice Largest accepted output in bytes.
    function maxOutputBytes() external view returns (uint256);

    /// @notice Pull credit of `account`.
    function creditOf(address account) external view returns (uint256);

    /// @notice Protocol fees accrued and not yet swept.
    function protocolFeesWei() external view returns (uint256);

    /// @notice The id the next request will get.
    function nextRequestId() external view returns (uint256);

    /// @notice After an upgrade from the layout before the hot slot (issue 13): copies the request count, the pause
    /// flag, `maxOutputBytes` and the cache's source flags into the one slot the hot path reads, once (anyone may
    /// call it; pass it to `upgradeToAndCall`). Until then the oracle reads as paused. Emits `HotSlotMigrated`.
    function migrateHotSlot() external;

    /// @notice Pays the first write of the commitment ring's empty slots `fromIndex` .. `fromIndex + count - 1`
    /// (4,096 slots; 22.1k gas each, about 1,300 per 30M-gas block), so that requests get a reused slot's price from
    /// the start instead of after the first 4,096 requests. Anyone may call it; slots in use are left as they are.
    /// Emits `CommitmentRingWarmed`.
    function warmCommitmentRing(uint256 fromIndex, uint256 count) external;

    /// @notice How many requests assigned to `node` expired unanswered.
    function latenessOf(address node) external view returns (uint256);

    /// @notice The Quorum vote of `node` (keccak256(abi.encode(errorCode, keccak256(output))), zero if none).
    function voteOf(uint256 requestId, address node) external view returns (bytes32);

    /// @notice The provisional Optimistic result of a request.
    function proposalOf(uint256 requestId) external view returns (Proposal memory);

    /// @notice The fee parameters.
    function feeConfig() external view returns (FeeConfig memory);

    /// @notice The limits and timings.
    function config() external view returns (Config memory);

    /// @notice The ModelRegistry.
    function registry() external view returns (address);

    /// @notice The OperatorStaking contract (oracle service).
    function staking() external view returns (address);

    /// @notice The Treasury receiving protocol fees.
    function treasury() external view returns (address);

    /// @notice `IStakingModule`: request timeout + the registry's longest challenge window + challenge resolution
    /// time. OperatorStaking keeps the oracle service's unbonding delay strictly longer, and `setConfig` refuses a
    /// config whose horizon reaches it, so a node's stake stays slashable for everything it answered.
    function slashingHorizonSeconds() external view returns (uint256);
}

/// @notice Request states and result error codes of the AI oracle.
library AIOracleCodes {
    /// @notice Unknown request id.
    uint8 internal constant STATE_NONE = 0;
    /// @notice Paid, waiting for a result.
    uint8 internal constant STATE_PENDING = 1;
    /// @notice Quorum: votes being collected; Optimistic: result posted, in its challenge window.
    uint8 internal constant STATE_PROVISIONAL = 2;
    /// @notice Final result delivered and settled.
    uint8 internal constant STATE_FULFILLED = 3;
    /// @notice Refunded to the requester.
    uint8 internal constant STATE_REFUNDED = 4;
    /// @notice Optimistic result under challenge.
    uint8 internal constant STATE_CHALLENGED = 5;

    /// @notice The input could not be decoded by the model.
    uint8 internal constant ERROR_MALFORMED_INPUT = 1;
    /// @notice The input exceeds what the node's model accepts.
    uint8 internal constant ERROR_INPUT_TOO_LARGE = 2;
    /// @notice The node does not know or serve the model.
    uint8 internal constant ERROR_UNKNOWN_MODEL = 3;
    /// @notice The inference failed.
    uint8 internal constant ERROR_INFERENCE_FAILED = 4;
    /// @notice The largest defined error code.
    uint8 internal constant MAX_ERROR_CODE = 4;

    /// @notice Gas a node must leave on top of `callbackGasLimit` for the exact-gas check and the call itself.
    uint256 internal constant GAS_FOR_CALL_EXACT_CHECK = 5_000;
    /// @notice The most gas a Proof-mode verifier may use (a Groth16 check with 8 public inputs uses ~255k).
    uint256 internal constant PROOF_VERIFY_GAS = 400_000;
}

/// @notice The bit layout of the packed words of `IAIOracle.Request` (see its NatSpec), and their decoding.
library AIOracleRequests {
    uint256 internal constant FEE_SHIFT = 160;
    uint256 internal constant GAS_FEE_SHIFT = 96;
    uint256 internal constant BPS_SHIFT = 192;
    uint256 internal constant CALLBACK_GAS_SHIFT = 208;
    uint256 internal constant MODE_SHIFT = 240;
    uint256 internal constant QUORUM_K_SHIFT = 248;
    uint256 internal constant DEADLINE_SHIFT = 40;
    uint256 internal constant WINDOW_SHIFT = 80;
    uint256 internal constant BOND_SHIFT = 112;

    /// @notice The model's revenue receiver at request time.
    function revenueReceiver(IAIOracle.Request calldata r) internal pure returns (address) {
        return address(uint160(r.receiverFee));
    }

    /// @notice The model share of the fee.
    function modelFeeWei(IAIOracle.Request calldata r) internal pure returns (uint256) {
        return r.receiverFee >> FEE_SHIFT;
    }

    /// @notice The node share of the fee.
    function nodeFeeWei(IAIOracle.Request calldata r) internal pure returns (uint256) {
        return uint96(r.fees);
    }

    /// @notice The prepaid callback gas.
    function gasFeeWei(IAIOracle.Request calldata r) internal pure returns (uint256) {
        return uint96(r.fees >> GAS_FEE_SHIFT);
    }

    /// @notice The protocol share: `protocolFeeBps` of the three other shares.
    function protocolFeeWei(IAIOracle.Request calldata r) internal pure returns (uint256) {
        uint256 f = r.fees;
        return
            (((r.receiverFee >> FEE_SHIFT) + uint96(f) + uint96(f >> GAS_FEE_SHIFT)) * uint16(f >> BPS_SHIFT)) / 10_000;
    }

    /// @notice The exact gas given to the callback.
    function callbackGasLimit(IAIOracle.Request calldata r) internal pure returns (uint32) {
        return uint32(r.fees >> CALLBACK_GAS_SHIFT);
    }

    /// @notice The verification mode (`ModelRegistryModes`).
    function mode(IAIOracle.Request calldata r) internal pure returns (uint8) {
        return uint8(r.fees >> MODE_SHIFT);
    }

    /// @notice Quorum: agreeing votes needed; Optimistic: node votes that resolve a challenge.
    function quorumK(IAIOracle.Request calldata r) internal pure returns (uint8) {
        return uint8(r.fees >> QUORUM_K_SHIFT);
    }

    /// @notice Until this time only the assigned node(s) may fulfil.
    function exclusiveUntil(IAIOracle.Request calldata r) internal pure returns (uint64) {
        return uint64(uint40(r.timing));
    }

    /// @notice The deadline.
    function deadline(IAIOracle.Request calldata r) internal pure returns (uint64) {
        return uint64(uint40(r.timing >> DEADLINE_SHIFT));
    }

    /// @notice Optimistic: the challenge window.
    function challengeWindowSeconds(IAIOracle.Request calldata r) internal pure returns (uint32) {
        return uint32(r.timing >> WINDOW_SHIFT);
    }

    /// @notice Optimistic: the bond.
    function bondWei(IAIOracle.Request calldata r) internal pure returns (uint128) {
        return uint128(r.timing >> BOND_SHIFT);
    }
}
