// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable-next-line max-line-length
import {AutomationCompatibleInterface} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";

/// @title IComputeEscrow
/// @notice Escrow for off-chain GPU jobs. Staked compute providers publish offers; requesters post jobs whose payment
/// (ETH, ETH priced in USD through a Chainlink feed, or an allow-listed ERC-20) is escrowed; a provider claims a job by
/// bonding part of its OperatorStaking stake, starts it, submits a result hash, and is paid after the requester
/// accepts or the challenge window passes. Disputes go to an arbiter; in redundancy mode k providers run the job and
/// the majority result wins. Providers are slashed only for provable faults: missing a deadline after claiming,
/// losing a dispute, or submitting a minority result. Every payout is a pull credit, and for every job
/// paid + refunded + fees = escrowed, with each job either paid or refunded, never both.
/// @dev Deadlines are inclusive: an action due by `deadline` is allowed while `block.timestamp <= deadline`, and the
/// job becomes processable by anyone (or Chainlink Automation) once `block.timestamp > deadline`.
interface IComputeEscrow is AutomationCompatibleInterface {
    /// @notice Where a job is in its lifecycle. `Paid` and `Refunded` are final.
    enum JobStatus {
        None,
        Open,
        Claimed,
        Running,
        Submitted,
        Disputed,
        Paid,
        Refunded
    }

    /// @notice How a result is verified: by the requester (with auto-accept after the challenge window), or by
    /// comparing the result hashes of k independent providers.
    enum VerificationMode {
        Acceptance,
        Redundancy
    }

    /// @notice The unit of an offer's price per GPU-hour.
    enum PriceUnit {
        Wei,
        UsdCents
    }

    /// @notice The provable faults that slash a provider's bond.
    enum Fault {
        MissedStart,
        MissedSubmission,
        LostDispute,
        MinorityResult
    }

    /// @notice A provider's published offer.
    /// @param gpuModel Short ASCII model code, right-padded with zeros (e.g. "H100SXM").
    /// @param gpuCount GPUs available per job.
    /// @param memoryGiB GPU memory per GPU, in GiB.
    /// @param unit Unit of `pricePerGpuHour`.
    /// @param pricePerGpuHour Price of one GPU for one hour, in wei or USD cents.
    struct Offer {
        bytes8 gpuModel;
        uint16 gpuCount;
        uint16 memoryGiB;
        PriceUnit unit;
        uint128 pricePerGpuHour;
    }

    /// @notice What a requester posts; the payment is passed separately.
    /// @param specHash Hash of the full job specification (container image digest, command, input data).
    /// @param specURI Where the specification (e.g. the container image reference) can be fetched.
    /// @param inputURI Where the input data can be fetched.
    /// @param gpuModel Required GPU model code, or zero for any model.
    /// @param gpuCount Minimum number of GPUs (at least 1).
    /// @param memoryGiB Minimum GPU memory per GPU, in GiB.
    /// @param maxDurationSeconds Time the provider has from start to submission.
    /// @param startDeadline Last second at which the job can be claimed and started.
    /// @param provider The only provider allowed to claim, or zero for any (acceptance mode only).
    /// @param mode How the result is verified.
    /// @param redundancy Number of providers in redundancy mode (2..MAX_REDUNDANCY); ignored in acceptance mode.
    /// @param bondWei Stake each provider bonds on claim and loses on a provable fault.
    struct JobRequest {
        bytes32 specHash;
        string specURI;
        string inputURI;
        bytes8 gpuModel;
        uint16 gpuCount;
        uint16 memoryGiB;
        uint32 maxDurationSeconds;
        uint32 startDeadline;
        address provider;
        VerificationMode mode;
        uint8 redundancy;
        uint112 bondWei;
    }

    /// @notice The stored part of a job (three slots written on post, one more on submit).
    /// @param deadline The current phase's deadline: start by (Open, Claimed), submit by (Running), challenge by
    /// (Submitted), arbitrate by (Disputed).
    /// @param provider The chosen or claiming provider (acceptance mode); zero in redundancy mode.
    /// @param feeBps Protocol fee snapshotted at post, taken from the payment if the job is paid.
    /// @param amount Escrowed payment, in wei or token units.
    /// @param resultHash The submitted result (acceptance mode).
    struct Job {
        address requester;
        JobStatus status;
        VerificationMode mode;
        uint8 redundancy;
        uint8 assetId;
        uint32 deadline;
        uint32 maxDurationSeconds;
        address provider;
        bytes8 gpuModel;
        uint16 gpuCount;
        uint16 memoryGiB;
        uint16 feeBps;
        uint112 bondWei;
        uint128 amount;
        bytes32 resultHash;
    }

    /// @notice One provider of a redundancy-mode job.
    struct Replica {
        address provider;
        bool submitted;
        bytes32 resultHash;
    }

    /// @notice Protocol parameters set by the admin.
    /// @param protocolFeeBps Share of a paid job's amount accrued for the Treasury.
    /// @param slashBeneficiaryBps Share of a slashed bond credited to the wronged requester (the rest, and all of a
    /// MinorityResult slash, to the Treasury).
    /// @param challengeWindowSeconds Time the requester has to dispute a submitted result.
    /// @param arbitrationWindowSeconds Time the arbiter has to resolve a dispute; unresolved, the provider is paid.
    /// @param minBondWei Smallest bond a job may ask for.
    struct Settings {
        uint16 protocolFeeBps;
        uint16 slashBeneficiaryBps;
        uint32 challengeWindowSeconds;
        uint32 arbitrationWindowSeconds;
        uint128 minBondWei;
    }

    /// @notice The ETH/USD Chainlink feed and the checks applied to its answers.
    struct FeedConfig {
        address feed;
        uint32 maxStalenessSeconds;
        uint8 decimals;
        int256 minAnswer;
        int256 maxAnswer;
    }

    /// @notice The settings were changed.
    event SettingsSet(
        uint16 protocolFeeBps,
        uint16 slashBeneficiaryBps,
        uint32 challengeWindowSeconds,
        uint32 arbitrationWindowSeconds,
        uint128 minBondWei
    );
    /// @notice The price feed configuration was changed.
    event FeedSet(address indexed feed, uint32 maxStalenessSeconds, int256 minAnswer, int256 maxAnswer);
    /// @notice An ERC-20 was allowed or disallowed as payment for new jobs.
    event TokenAllowedSet(address indexed token, uint8 assetId, bool allowed);
    /// @notice A provider published or replaced its offer.
    event OfferSet(
        address indexed provider,
        bytes8 gpuModel,
        uint16 gpuCount,
        uint16 memoryGiB,
        PriceUnit unit,
        uint128 pricePerGpuHour
    );
    /// @notice A provider withdrew its offer.
    event OfferRemoved(address indexed provider);
    /// @notice A job was posted with `amount` of `token` (address(0) for ETH) escrowed; its requirements, bond and
    /// deadlines are readable with `jobOf`.
    event JobPosted(
        uint256 indexed jobId,
        address indexed requester,
        address indexed provider,
        address token,
        uint256 amount,
        bytes32 specHash,
        string specURI,
        string inputURI
    );
    /// @notice A USD-priced job was converted to `amountWei` at `answer` (the feed's ETH/USD price).
    event JobPricedInUsd(uint256 indexed jobId, uint256 usdCents, int256 answer, uint256 amountWei);
    /// @notice The requester cancelled an unclaimed job and was refunded in full.
    event JobCancelled(uint256 indexed jobId);
    /// @notice `provider` claimed the job and bonded `bondWei`.
    event JobClaimed(uint256 indexed jobId, address indexed provider, uint256 bondWei);
    /// @notice The job is running; the result is due by `deadline`.
    event JobStarted(uint256 indexed jobId, uint32 deadline);
    /// @notice `provider` submitted a result.
    event ResultSubmitted(uint256 indexed jobId, address indexed provider, bytes32 resultHash, string resultURI);
    /// @notice The requester disputed the result; the arbiter has until `deadline`.
    event JobDisputed(uint256 indexed jobId, bytes32 reasonHash, uint32 deadline);
    /// @notice The arbiter ruled on a dispute.
    event DisputeResolved(uint256 indexed jobId, bool providerWins, address indexed arbiter);
    /// @notice `provider` was credited `amount` for the job (after a fee of `feeAmount`).
    event JobPaid(uint256 indexed jobId, address indexed provider, uint256 amount, uint256 feeAmount);
    /// @notice The requester was credited the job's whole `amount`.
    event JobRefunded(uint256 indexed jobId, address indexed requester, uint256 amount);
    /// @notice A redundancy-mode job was decided; `majorityHash` is zero when no result had a strict majority.
    event MajorityResolved(uint256 indexed jobId, bytes32 majorityHash, uint8 agreeing, uint8 submitted);
    /// @notice A provider was slashed for `fault`; `slashedWei` left its stake.
    event ProviderSlashed(uint256 indexed jobId, address indexed provider, Fault fault, uint256 slashedWei);
    /// @notice `account` withdrew `amount` of its credit in `token`.
    event CreditWithdrawn(address indexed account, address indexed token, uint256 amount);
    /// @notice Accrued protocol fees in `token` were sent to the Treasury.
    event FeesSwept(address indexed token, uint256 amount);
    /// @notice The expiry cursor moved to `cursor` (every job below it is final).
    event ExpiryCursorAdvanced(uint64 cursor);

    /// @notice A zero address was given for `what`.
    error ComputeEscrowZeroAddress(string what);
    /// @notice A basis-point value exceeds its cap.
    error ComputeEscrowBpsTooHigh(uint256 bps, uint256 maxBps);
    /// @notice A window exceeds MAX_WINDOW_SECONDS or is zero.
    error ComputeEscrowInvalidWindow(uint256 windowSeconds);
    /// @notice The feed bounds are empty or non-positive, or the staleness limit is zero.
    error ComputeEscrowInvalidFeedConfig(int256 minAnswer, int256 maxAnswer, uint32 maxStalenessSeconds);
    /// @notice No price feed is configured.
    error ComputeEscrowFeedNotSet();
    /// @notice The feed's answer is zero or negative.
    error ComputeEscrowFeedAnswerNotPositive(int256 answer);
    /// @notice The feed's latest round is incomplete or carried over from an earlier round.
    error ComputeEscrowFeedRoundIncomplete(uint80 roundId, uint80 answeredInRound, uint256 updatedAt);
    /// @notice The feed's answer is older than the staleness limit.
    error ComputeEscrowFeedStale(uint256 updatedAt, uint256 maxStalenessSeconds, uint256 nowSeconds);
    /// @notice The feed's answer lies outside the admin-set bounds.
    error ComputeEscrowFeedAnswerOutOfBounds(int256 answer, int256 minAnswer, int256 maxAnswer);
    /// @notice The token is not allowed as payment.
    error ComputeEscrowTokenNotAllowed(address token);
    /// @notice No more payment tokens can be registered.
    error ComputeEscrowTooManyTokens();
    /// @notice The payment is zero.
    error ComputeEscrowZeroPayment();
    /// @notice The ETH sent does not match the payment (or ETH was sent with a token payment).
    error ComputeEscrowWrongValue(uint256 sentWei, uint256 expectedWei);
    /// @notice An amount does not fit 128 bits.
    error ComputeEscrowAmountOverflow(uint256 amount);
    /// @notice The job's GPU count is zero.
    error ComputeEscrowInvalidGpuCount(uint16 gpuCount);
    /// @notice The maximum duration is zero or above MAX_DURATION_SECONDS.
    error ComputeEscrowInvalidDuration(uint32 maxDurationSeconds);
    /// @notice The start deadline is not in the future or too far in it.
    error ComputeEscrowInvalidStartDeadline(uint32 startDeadline, uint256 nowSeconds);
    /// @notice The redundancy is out of range for the mode, or a provider was chosen in redundancy mode.
    error ComputeEscrowInvalidRedundancy(VerificationMode mode, uint8 redundancy);
    /// @notice The bond asked for is below the minimum.
    error ComputeEscrowBondTooLow(uint256 bondWei, uint256 minBondWei);
    /// @notice The job is in `status`, which does not allow this action (`None` for an id never posted).
    error ComputeEscrowWrongStatus(uint256 jobId, JobStatus status);
    /// @notice The caller is not the job's requester.
    error ComputeEscrowNotRequester(uint256 jobId, address caller);
    /// @notice The caller is not the job's provider (or not one of its replicas).
    error ComputeEscrowNotProvider(uint256 jobId, address caller);
    /// @notice The job was reserved for another provider.
    error ComputeEscrowProviderNotChosen(uint256 jobId, address chosen, address caller);
    /// @notice The caller is not an active compute operator in OperatorStaking.
    error ComputeEscrowInactiveProvider(address provider);
    /// @notice The provider has no offer or its offer does not meet the job's requirements.
    error ComputeEscrowRequirementsNotMet(uint256 jobId, address provider);
    /// @notice The provider already claimed this redundancy-mode job.
    error ComputeEscrowAlreadyClaimed(uint256 jobId, address provider);
    /// @notice The provider already submitted a result for this job.
    error ComputeEscrowAlreadySubmitted(uint256 jobId, address provider);
    /// @notice The deadline of the current phase has passed.
    error ComputeEscrowDeadlinePassed(uint256 jobId, uint32 deadline);
    /// @notice Nothing is due on the job yet.
    error ComputeEscrowNotDue(uint256 jobId, JobStatus status, uint32 deadline);
    /// @notice A zero result hash was submitted.
    error ComputeEscrowZeroResultHash();
    /// @notice An offer with zero GPUs or zero price was given.
    error ComputeEscrowInvalidOffer();
    /// @notice The caller has no offer to remove.
    error ComputeEscrowNoOffer(address provider);
    /// @notice A batch is longer than MAX_BATCH.
    error ComputeEscrowBatchTooLarge(uint256 length, uint256 maxLength);
    /// @notice There is nothing to withdraw or sweep.
    error ComputeEscrowNothingToWithdraw(address account, address token);

    /// @notice Sets the protocol parameters; admin only.
    function setSettings(Settings calldata settings) external;

    /// @notice Sets the ETH/USD feed and its checks; admin only.
    /// @param feed A Chainlink `AggregatorV3Interface` answering the price of 1 ETH in USD.
    /// @param maxStalenessSeconds Oldest acceptable `updatedAt`, relative to now.
    /// @param minAnswer Smallest acceptable answer (in the feed's decimals), positive.
    /// @param maxAnswer Largest acceptable answer, at least `minAnswer`.
    function setFeed(address feed, uint32 maxStalenessSeconds, int256 minAnswer, int256 maxAnswer) external;

    /// @notice Allows or disallows an ERC-20 as payment for new jobs; existing jobs settle either way. Admin only.
    /// @dev Each token gets a one-byte asset id on first use, so a job stores its asset in its first slot.
    function setTokenAllowed(address token, bool allowed) external;

    /// @notice Publishes or replaces the caller's offer; active compute operators only.
    function setOffer(Offer calldata offer) external;

    /// @notice Withdraws the caller's offer; it can no longer claim jobs.
    function removeOffer() external;

    /// @notice Posts a job paying `amount` of `token` (address(0) for ETH, sent as `msg.value`).
    /// @dev Tokens are pulled with SafeERC20 and the escrow records the balance increase, so a fee-on-transfer token
    /// escrows what actually arrived.
    /// @return jobId The sequential id of the new job.
    function postJob(
        JobRequest calldata request,
        address token,
        uint256 amount
    ) external payable returns (uint256 jobId);

    /// @notice Posts an ETH job priced in USD cents: converted at the feed's current price (rounded up), escrowed in
    /// wei; any excess `msg.value` is credited back to the caller.
    /// @return jobId The sequential id of the new job.
    function postJobUsd(JobRequest calldata request, uint256 usdCents) external payable returns (uint256 jobId);

    /// @notice Cancels an unclaimed job and credits the requester the whole amount; requester only.
    function cancel(uint256 jobId) external;

    /// @notice Claims a job: the caller must be an active compute operator whose offer meets the requirements, and
    /// `bondWei` of its free stake is locked until the job settles.
    function claim(uint256 jobId) external;

    /// @notice Starts a claimed acceptance-mode job; the result is then due within `maxDurationSeconds`.
    function start(uint256 jobId) external;

    /// @notice Submits the result hash (and where to fetch the result) before the running deadline.
    function submitResult(uint256 jobId, bytes32 resultHash, string calldata resultURI) external;

    /// @notice Accepts the submitted result and pays the provider; requester only.
    function accept(uint256 jobId) external;

    /// @notice Disputes the submitted result within the challenge window; requester only.
    /// @param reasonHash Hash of the requester's evidence, published for the arbiter.
    function dispute(uint256 jobId, bytes32 reasonHash) external;

    /// @notice Rules on a dispute until its arbitration deadline: the winner is paid or refunded; a losing provider
    /// is slashed. ARBITER_ROLE only.
    function resolveDispute(uint256 jobId, bool providerWins) external;

    /// @notice Settles a job whose phase deadline has passed (or a redundancy job whose replicas all submitted):
    /// expired open jobs are refunded, late providers slashed, unchallenged results auto-accepted, unresolved
    /// disputes refunded, redundancy results decided by majority. Anyone may call.
    function finalize(uint256 jobId) external;

    /// @notice Finalizes every id in `jobIds` that is due and skips the rest, then advances the expiry cursor past
    /// final jobs (bounded). Anyone may call.
    /// @return processed How many jobs were finalized.
    function processExpired(uint256[] calldata jobIds) external returns (uint256 processed);

    /// @notice Pays out the caller's credit in `token` (address(0) for ETH).
    function withdraw(address token) external;

    /// @notice Sends the protocol fees accrued in `token` to the Treasury in one transfer. Anyone may call.
    function sweepFees(address token) external;

    /// @notice Scans at most SCAN_LIMIT job ids from the expiry cursor (or from the id in `checkData`, if later)
    /// and returns up to MAX_BATCH that are due, encoded as `abi.encode(uint256[])` for `performUpkeep`.
    function checkUpkeep(
        bytes calldata checkData
    ) external view override returns (bool upkeepNeeded, bytes memory performData);

    /// @notice Chainlink Automation entry point: `processExpired(abi.decode(performData, (uint256[])))`.
    function performUpkeep(bytes calldata performData) external override;

    /// @notice The job `jobId`.
    function jobOf(uint256 jobId) external view returns (Job memory);

    /// @notice Replica `index` of a redundancy-mode job.
    function replicaOf(uint256 jobId, uint256 index) external view returns (Replica memory);

    /// @notice How many providers claimed and submitted a redundancy-mode job.
    function replicaCounts(uint256 jobId) external view returns (uint8 claimed, uint8 submitted);

    /// @notice Whether `finalize(jobId)` would do something now.
    function isDue(uint256 jobId) external view returns (bool);

    /// @notice The provider's offer (zero GPUs if none).
    function offerOf(address provider) external view returns (Offer memory);

    /// @notice The price of running `durationSeconds` on the provider's offer, in wei (USD offers converted now).
    function quoteWei(address provider, uint32 durationSeconds) external view returns (uint256);

    /// @notice `usdCents` in wei at the feed's current, checked price, rounded up.
    function usdCentsToWei(uint256 usdCents) external view returns (uint256 amountWei, int256 answer);

    /// @notice Pull credit of `account` in `token` (address(0) for ETH).
    function creditOf(address account, address token) external view returns (uint256);

    /// @notice Protocol fees accrued in `token` and not yet swept.
    function feesAccrued(address token) external view returns (uint256);

    /// @notice Whether `token` is allowed as payment for new jobs.
    function isTokenAllowed(address token) external view returns (bool);

    /// @notice The protocol parameters.
    function settings() external view returns (Settings memory);

    /// @notice The price feed configuration.
    function feedConfig() external view returns (FeedConfig memory);

    /// @notice The id the next job will get (ids start at 1).
    function nextJobId() external view returns (uint256);

    /// @notice Every job below this id is final.
    function expiryCursor() external view returns (uint256);

    /// @notice The OperatorStaking contract holding provider bonds.
    function staking() external view returns (address);

    /// @notice The Treasury receiving protocol fees.
    function treasury() external view returns (address);
}
