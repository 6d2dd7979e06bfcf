// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IEdgeNodeRegistry
/// @notice DePIN edge nodes: a staked operator registers one device (models served, hardware class, region, endpoint
/// metadata). The device signs EIP-712 heartbeats off chain, one per slot of an epoch; a staked reporter posts one
/// Merkle root of per-node uptime counts per epoch (one transaction, flat in nodes and heartbeats) with its bond
/// locked in OperatorStaking. During the challenge window anyone may dispute a node's count: a count above the slots
/// the node was registered for is void at once; otherwise the reporter must answer with that many distinct signed
/// heartbeats or be slashed. Finalized epochs pay a reward budget by uptime; oracle requests served are paid at a
/// fixed rate from the oracle's own `servedCount`. All payouts are pull claims; Σ paid never exceeds Σ funded.
interface IEdgeNodeRegistry {
    /// @notice Timing, bonds and reward rates.
    struct Config {
        /// @dev Length of an epoch; a multiple of `slotSeconds`.
        uint32 epochSeconds;
        /// @dev One heartbeat per slot: an epoch has `epochSeconds / slotSeconds` slots (at most 256).
        uint32 slotSeconds;
        /// @dev Time after an epoch ends during which its report may be posted.
        uint32 reportDeadlineSeconds;
        /// @dev Time after a report is posted during which its counts may be challenged.
        uint32 challengeWindowSeconds;
        /// @dev Time a reporter has to answer a challenge with signed heartbeats.
        uint32 answerWindowSeconds;
        /// @dev Reporter stake locked per report, slashed when the report is proven wrong.
        uint128 reporterBondWei;
        /// @dev ETH a challenger posts with an open challenge; paid to the reporter when the challenge is answered.
        uint128 challengeBondWei;
        /// @dev Reward budget of one finalized epoch, split by uptime (capped by what the pool holds).
        uint128 epochRewardWei;
        /// @dev Reward per oracle request served (in the reward asset).
        uint128 servedRewardWei;
    }

    /// @notice One registered device; keyed by its operator's address.
    struct Node {
        /// @dev Key the device signs heartbeats with (not the staked key).
        address signer;
        /// @dev Start of the current registration.
        uint64 registeredAt;
        /// @dev End of the last registration (0 while registered and never deregistered).
        uint64 deregisteredAt;
        /// @dev ISO-3166-1 alpha-2 code as two ASCII bytes, e.g. 0x4445 = "DE".
        bytes2 region;
        /// @dev Hardware class, e.g. 1 = CPU arm64, 2 = CPU x64, 3 = GPU, 4 = NPU.
        uint8 hardwareClass;
        bool active;
    }

    /// @notice One epoch's posted uptime report.
    /// @dev Packed so a report is three slots, posting writes two and a claim updates one already written.
    struct Report {
        bytes32 root;
        address reporter;
        uint40 postedAt;
        uint32 totalUptime;
        uint16 openChallenges;
        ReportStatus status;
        uint128 budgetWei;
        uint128 paidWei;
    }

    /// @notice An open dispute of one node's count in one epoch's report.
    struct Challenge {
        address challenger;
        uint64 deadline;
        uint32 uptime;
    }

    enum ReportStatus {
        None,
        Posted,
        Finalized,
        Voided
    }

    event ConfigSet(Config config);
    event ServedSourceSet(address indexed source);
    event NodeRegistered(
        address indexed node,
        address signer,
        bytes2 region,
        uint8 hardwareClass,
        bytes32[] models,
        string metadataURI
    );
    event NodeUpdated(address indexed node, bytes2 region, uint8 hardwareClass, bytes32[] models, string metadataURI);
    event NodeDeregistered(address indexed node, uint256 servedOwed);
    event PoolFunded(address indexed sponsor, uint256 amount, uint256 totalFunded);
    event ReportPosted(uint64 indexed epoch, address indexed reporter, bytes32 root, uint32 totalUptime);
    event UptimeChallenged(
        uint64 indexed epoch,
        address indexed node,
        address indexed challenger,
        uint32 uptime,
        uint64 deadline
    );
    event ChallengeAnswered(uint64 indexed epoch, address indexed node, address indexed answeredBy);
    event ReportVoided(uint64 indexed epoch, address indexed node, address indexed challenger, uint256 slashedWei);
    event EpochFinalized(uint64 indexed epoch, uint256 budget);
    event UptimeClaimed(uint64 indexed epoch, address indexed node, uint32 uptime, uint256 amount);
    event ServedClaimed(address indexed node, uint256 units, uint256 amount);
    event CreditWithdrawn(address indexed account, uint256 amountWei);

    error EdgeZeroAddress(string what);
    error EdgeBadConfig(string what);
    error EdgeNotStaked(address operator);
    error EdgeAlreadyRegistered(address node);
    error EdgeReregisterTooSoon(address node, uint256 availableAt);
    error EdgeNotRegistered(address node);
    error EdgeTooManyModels(uint256 count, uint256 max);
    error EdgeFundingMismatch(uint256 amount, uint256 msgValue);
    error EdgeZeroAmount();
    error EdgeEpochNotEnded(uint64 epoch, uint64 current);
    error EdgeReportDeadlinePassed(uint64 epoch, uint256 deadline);
    error EdgeReportExists(uint64 epoch, ReportStatus status);
    error EdgeBadReportStatus(uint64 epoch, ReportStatus status);
    error EdgeChallengeWindowClosed(uint64 epoch, uint256 closedAt);
    error EdgeChallengeWindowOpen(uint64 epoch, uint256 closesAt);
    error EdgeChallengesOpen(uint64 epoch, uint16 open);
    error EdgeChallengeExists(uint64 epoch, address node);
    error EdgeNoChallenge(uint64 epoch, address node);
    error EdgeAnswerWindowClosed(uint64 epoch, address node, uint64 deadline);
    error EdgeAnswerWindowOpen(uint64 epoch, address node, uint64 deadline);
    error EdgeBadChallengeBond(uint256 sent, uint256 required);
    error EdgeInvalidProof(uint64 epoch, address node, uint32 uptime);
    error EdgeHeartbeatCount(uint256 given, uint32 claimed);
    error EdgeHeartbeatSlot(uint256 index, uint32 slot);
    error EdgeHeartbeatSigner(uint256 index, address recovered, address signer);
    error EdgeAlreadyClaimed(uint64 epoch, address node);
    error EdgeEpochUnfunded(uint64 epoch);
    error EdgeNothingToClaim(address node);
    error EdgePoolEmpty(uint256 available, uint256 owed);
    error EdgeNoServedSource();
    error EdgeNoCredit(address account);

    /// @notice Sets timing, bonds and reward rates (admin). Reports already posted keep the windows they started with
    /// only as far as the new values allow, so change windows between epochs.
    function setConfig(Config calldata config) external;

    /// @notice Sets the contract whose `servedCount` measures oracle work (admin; the AIOracle once it has one).
    function setServedSource(address source) external;

    /// @notice Registers the caller's device. The caller must be an active operator of the edge service.
    /// @param signer Device key that signs heartbeats.
    /// @param region ISO-3166-1 alpha-2 region code ("DE" = 0x4445).
    /// @param hardwareClass Hardware class (see `Node.hardwareClass`).
    /// @param models Model ids the device serves (at most 32).
    /// @param metadataURI Endpoint metadata (URL of the node's descriptor).
    function register(
        address signer,
        bytes2 region,
        uint8 hardwareClass,
        bytes32[] calldata models,
        string calldata metadataURI
    ) external;

    /// @notice Updates the caller's capabilities (the heartbeat key stays: heartbeats of open epochs stay valid).
    function update(
        bytes2 region,
        uint8 hardwareClass,
        bytes32[] calldata models,
        string calldata metadataURI
    ) external;

    /// @notice Ends the caller's registration; uptime already earned and requests already served stay claimable.
    function deregister() external;

    /// @notice Adds `amount` of the reward asset to the pool (ETH: send it as value; ERC-20: approve first).
    function fund(uint256 amount) external payable;

    /// @notice Posts the uptime root of an ended epoch; locks `reporterBondWei` of the caller's edge stake.
    /// @param root Merkle root of leaves `keccak256(bytes.concat(keccak256(abi.encode(node, epoch, uptime))))`.
    /// @param totalUptime Sum of the leaves' uptime counts (the denominator of the epoch's split).
    function postReport(uint64 epoch, bytes32 root, uint32 totalUptime) external;

    /// @notice Disputes `node`'s count in `epoch`'s report. A count above the slots the node was registered for is
    /// proven wrong at once (the reporter is slashed, no bond needed); otherwise this opens a challenge with
    /// `challengeBondWei` sent as value, which the reporter must answer with signed heartbeats.
    function challengeUptime(uint64 epoch, address node, uint32 uptime, bytes32[] calldata proof) external payable;

    /// @notice Answers an open challenge with `uptime` heartbeats of distinct, increasing slots signed by the node.
    function answerChallenge(uint64 epoch, address node, uint32[] calldata slots, bytes[] calldata signatures) external;

    /// @notice After an unanswered challenge's deadline: voids the report and slashes the reporter (the challenger
    /// gets its bond back and a share of the slash).
    function resolveChallenge(uint64 epoch, address node) external;

    /// @notice Closes an epoch whose challenge window passed without a standing challenge: allocates its budget from
    /// the pool and unlocks the reporter's bond.
    function finalizeEpoch(uint64 epoch) external;

    /// @notice Pays the caller its share of a finalized epoch's budget: `budget * uptime / totalUptime`.
    function claimUptime(uint64 epoch, uint32 uptime, bytes32[] calldata proof) external;

    /// @notice Pays the caller for the oracle requests it served since its last claim (as far as the pool allows).
    function claimServed() external;

    /// @notice Withdraws ETH credited to the caller (answered challengers' bonds, refunds).
    function withdrawCredit() external;

    /// @notice Digest a device signs for the heartbeat of `slot` in `epoch`.
    function heartbeatDigest(address node, uint64 epoch, uint32 slot) external view returns (bytes32);

    /// @notice Slots the node's registration covered in `epoch`: the most uptime a report may credit it with.
    function possibleUptime(address node, uint64 epoch) external view returns (uint32);

    /// @notice The epoch containing the current block.
    function currentEpoch() external view returns (uint64);

    /// @notice Start time of `epoch`.
    function epochStart(uint64 epoch) external view returns (uint256);

    function config() external view returns (Config memory);

    function nodeOf(address node) external view returns (Node memory);

    function modelsOf(address node) external view returns (bytes32[] memory);

    function metadataOf(address node) external view returns (string memory);

    function reportOf(uint64 epoch) external view returns (Report memory);

    function challengeOf(uint64 epoch, address node) external view returns (Challenge memory);

    function claimed(uint64 epoch, address node) external view returns (bool);

    /// @notice Requests served and not yet paid.
    function servedOwed(address node) external view returns (uint256 units);

    /// @notice ETH credited to `account` (withdraw with `withdrawCredit`).
    function creditOf(address account) external view returns (uint256);

    /// @notice The reward pool: everything funded, what finalized epochs and served claims set aside, and what was
    /// paid out. `paid <= allocated <= funded` always.
    function pool() external view returns (uint256 funded, uint256 allocated, uint256 paid);

    /// @notice OperatorStaking, the service id, the reward asset (address(0) = ETH) and the served-count source.
    function wiring()
        external
        view
        returns (address staking, bytes32 service, address rewardToken, address servedSource);

    /// @notice Longest time between a report and its slash: the challenge window plus the answer window.
    function slashingHorizonSeconds() external view returns (uint256);
}
