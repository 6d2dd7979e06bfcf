// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {AxonUpgradeable} from "../common/AxonUpgradeable.sol";
import {ITreasury} from "../common/interfaces/ITreasury.sol";
import {IOperatorStaking} from "../staking/interfaces/IOperatorStaking.sol";
import {IComputeEscrow} from "./interfaces/IComputeEscrow.sol";
import {ComputeEscrowState} from "./ComputeEscrowState.sol";
import {ComputeEscrowLib} from "./libraries/ComputeEscrowLib.sol";

/// @title ComputeEscrow
/// @notice Escrowed GPU jobs between requesters and staked compute providers; see IComputeEscrow.
/// @dev Every operation is O(1) in the number of jobs, providers and requesters: a job is three storage slots written
/// on post (plus the result hash on submit), ids are sequential, and housekeeping walks a bounded window from a cursor.
/// The hot path (post, claim, start, submit, accept, withdraw) lives here; settlement by deadline, disputes, the
/// redundancy majority, slashing, pricing and admin bookkeeping run in the linked ComputeEscrowLib.
contract ComputeEscrow is AxonUpgradeable, ComputeEscrowState, IComputeEscrow {
    using SafeERC20 for IERC20;

    /// @notice May rule on disputes.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @notice The OperatorStaking service whose operators are compute providers.
    bytes32 public constant COMPUTE_SERVICE = ComputeEscrowLib.COMPUTE_SERVICE;
    /// @notice Cap on the protocol fee.
    uint16 public constant MAX_FEE_BPS = ComputeEscrowLib.MAX_FEE_BPS;
    /// @notice Largest k in redundancy mode.
    uint8 public constant MAX_REDUNDANCY = ComputeEscrowLib.MAX_REDUNDANCY;
    /// @notice Longest running time a job may ask for.
    uint32 public constant MAX_DURATION_SECONDS = ComputeEscrowLib.MAX_DURATION_SECONDS;
    /// @notice Furthest start deadline a job may set, from its posting.
    uint32 public constant MAX_START_WINDOW_SECONDS = ComputeEscrowLib.MAX_START_WINDOW_SECONDS;
    /// @notice Longest challenge or arbitration window.
    uint32 public constant MAX_WINDOW_SECONDS = ComputeEscrowLib.MAX_WINDOW_SECONDS;
    /// @notice Most job ids processed in one `processExpired` or `performUpkeep` call.
    uint256 public constant MAX_BATCH = ComputeEscrowLib.MAX_BATCH;
    /// @notice Most job ids `checkUpkeep` inspects per call.
    uint256 public constant SCAN_LIMIT = ComputeEscrowLib.SCAN_LIMIT;
    /// @notice Most final jobs the expiry cursor skips per call.
    uint256 public constant CURSOR_STEPS = ComputeEscrowLib.CURSOR_STEPS;

    /// @param admin Initial default admin (also pauser and upgrader).
    /// @param adminDelaySeconds Delay before a default-admin transfer can be accepted.
    /// @param staking_ OperatorStaking, where this escrow must be a module of the compute service.
    /// @param treasury_ Receiver of protocol fees.
    /// @param settings_ Initial protocol parameters.
    function initialize(
        address admin,
        uint48 adminDelaySeconds,
        IOperatorStaking staking_,
        address treasury_,
        Settings calldata settings_
    ) external initializer {
        __AxonUpgradeable_init(admin, adminDelaySeconds);
        if (address(staking_) == address(0)) revert ComputeEscrowZeroAddress("staking");
        if (treasury_ == address(0)) revert ComputeEscrowZeroAddress("treasury");
        ComputeEscrowStorage storage $ = _s();
        $.staking = staking_;
        $.treasury = treasury_;
        $.nextJobId = 1;
        $.expiryCursor = 1;
        ComputeEscrowLib.setSettings($, settings_);
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc IComputeEscrow
    function setSettings(Settings calldata settings_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        ComputeEscrowLib.setSettings(_s(), settings_);
    }

    /// @inheritdoc IComputeEscrow
    function setFeed(
        address feed,
        uint32 maxStalenessSeconds,
        int256 minAnswer,
        int256 maxAnswer
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        ComputeEscrowLib.setFeed(_s(), feed, maxStalenessSeconds, minAnswer, maxAnswer);
    }

    /// @inheritdoc IComputeEscrow
    function setTokenAllowed(address token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        ComputeEscrowLib.setTokenAllowed(_s(), token, allowed);
    }

    // ---------------------------------------------------------------- providers

    /// @inheritdoc IComputeEscrow
    function setOffer(Offer calldata offer) external whenNotPaused {
        ComputeEscrowLib.setOffer(_s(), offer);
    }

    /// @inheritdoc IComputeEscrow
    function removeOffer() external {
        ComputeEscrowStorage storage $ = _s();
        if ($.offers[msg.sender].gpuCount == 0) revert ComputeEscrowNoOffer(msg.sender);
        delete $.offers[msg.sender];
        emit OfferRemoved(msg.sender);
    }

    // ---------------------------------------------------------------- requesters

    /// @inheritdoc IComputeEscrow
    function postJob(
        JobRequest calldata request,
        address token,
        uint256 amount
    ) external payable whenNotPaused nonReentrant returns (uint256 jobId) {
        ComputeEscrowLib.validate(request);
        uint8 assetId;
        if (token == address(0)) {
            if (msg.value != amount) revert ComputeEscrowWrongValue(msg.value, amount);
        } else {
            if (msg.value != 0) revert ComputeEscrowWrongValue(msg.value, 0);
            TokenInfo memory info = _s().tokens[token];
            if (!info.allowed) revert ComputeEscrowTokenNotAllowed(token);
            assetId = info.assetId;
            uint256 balanceBefore = IERC20(token).balanceOf(address(this));
            IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
            // Escrow what arrived, so a fee-on-transfer token cannot inflate the job.
            amount = IERC20(token).balanceOf(address(this)) - balanceBefore;
        }
        jobId = ComputeEscrowLib.post(_s(), request, assetId, token, amount);
    }

    /// @inheritdoc IComputeEscrow
    function postJobUsd(
        JobRequest calldata request,
        uint256 usdCents
    ) external payable whenNotPaused nonReentrant returns (uint256 jobId) {
        return ComputeEscrowLib.postJobUsd(_s(), request, usdCents);
    }

    /// @inheritdoc IComputeEscrow
    function cancel(uint256 jobId) external {
        ComputeEscrowLib.cancel(_s(), jobId);
    }

    /// @inheritdoc IComputeEscrow
    function claim(uint256 jobId) external whenNotPaused {
        ComputeEscrowStorage storage $ = _s();
        JobRecord storage job = $.jobs[jobId];
        if (job.status != JobStatus.Open) revert ComputeEscrowWrongStatus(jobId, job.status);
        uint32 deadline = job.deadline;
        if (block.timestamp > deadline) revert ComputeEscrowDeadlinePassed(jobId, deadline);
        IOperatorStaking staking_ = $.staking;
        if (!staking_.isActiveOperator(msg.sender, COMPUTE_SERVICE)) revert ComputeEscrowInactiveProvider(msg.sender);
        Offer memory offer = $.offers[msg.sender];
        bytes8 gpuModel = job.gpuModel;
        if (
            offer.gpuCount < job.gpuCount ||
            offer.memoryGiB < job.memoryGiB ||
            (gpuModel != bytes8(0) && gpuModel != offer.gpuModel)
        ) revert ComputeEscrowRequirementsNotMet(jobId, msg.sender);

        if (job.mode == VerificationMode.Acceptance) {
            address chosen = job.provider;
            if (chosen != address(0) && chosen != msg.sender) {
                revert ComputeEscrowProviderNotChosen(jobId, chosen, msg.sender);
            }
            job.status = JobStatus.Claimed;
            job.provider = msg.sender;
            emit JobClaimed(jobId, msg.sender, job.bondWei);
        } else {
            ComputeEscrowLib.joinReplicas($, jobId, job);
        }
        staking_.lock(msg.sender, COMPUTE_SERVICE, job.bondWei);
    }

    /// @inheritdoc IComputeEscrow
    function start(uint256 jobId) external {
        JobRecord storage job = _s().jobs[jobId];
        if (job.status != JobStatus.Claimed) revert ComputeEscrowWrongStatus(jobId, job.status);
        if (msg.sender != job.provider) revert ComputeEscrowNotProvider(jobId, msg.sender);
        uint32 deadline = job.deadline;
        if (block.timestamp > deadline) revert ComputeEscrowDeadlinePassed(jobId, deadline);
        ComputeEscrowLib.run(jobId, job);
    }

    /// @inheritdoc IComputeEscrow
    function submitResult(uint256 jobId, bytes32 resultHash, string calldata resultURI) external {
        ComputeEscrowStorage storage $ = _s();
        JobRecord storage job = $.jobs[jobId];
        if (job.status != JobStatus.Running) revert ComputeEscrowWrongStatus(jobId, job.status);
        if (resultHash == bytes32(0)) revert ComputeEscrowZeroResultHash();
        uint32 deadline = job.deadline;
        if (block.timestamp > deadline) revert ComputeEscrowDeadlinePassed(jobId, deadline);
        if (job.mode == VerificationMode.Acceptance) {
            if (msg.sender != job.provider) revert ComputeEscrowNotProvider(jobId, msg.sender);
            job.status = JobStatus.Submitted;
            job.deadline = ComputeEscrowLib.deadlineIn($.settings.challengeWindowSeconds);
            $.results[jobId] = resultHash;
        } else {
            ComputeEscrowLib.submitReplica($, jobId, resultHash);
        }
        emit ResultSubmitted(jobId, msg.sender, resultHash, resultURI);
    }

    /// @inheritdoc IComputeEscrow
    function accept(uint256 jobId) external {
        ComputeEscrowStorage storage $ = _s();
        JobRecord storage job = $.jobs[jobId];
        if (job.status != JobStatus.Submitted) revert ComputeEscrowWrongStatus(jobId, job.status);
        if (msg.sender != job.requester) revert ComputeEscrowNotRequester(jobId, msg.sender);
        ComputeEscrowLib.pay($, jobId, job);
    }

    /// @inheritdoc IComputeEscrow
    function dispute(uint256 jobId, bytes32 reasonHash) external {
        ComputeEscrowStorage storage $ = _s();
        JobRecord storage job = $.jobs[jobId];
        if (job.status != JobStatus.Submitted) revert ComputeEscrowWrongStatus(jobId, job.status);
        if (msg.sender != job.requester) revert ComputeEscrowNotRequester(jobId, msg.sender);
        uint32 deadline = job.deadline;
        if (block.timestamp > deadline) revert ComputeEscrowDeadlinePassed(jobId, deadline);
        job.status = JobStatus.Disputed;
        uint32 arbitrateBy = ComputeEscrowLib.deadlineIn($.settings.arbitrationWindowSeconds);
        job.deadline = arbitrateBy;
        emit JobDisputed(jobId, reasonHash, arbitrateBy);
    }

    /// @inheritdoc IComputeEscrow
    function resolveDispute(uint256 jobId, bool providerWins) external onlyRole(ARBITER_ROLE) {
        ComputeEscrowLib.resolveDispute(_s(), jobId, providerWins);
    }

    // ---------------------------------------------------------------- housekeeping

    /// @inheritdoc IComputeEscrow
    function finalize(uint256 jobId) external {
        ComputeEscrowLib.finalize(_s(), jobId);
    }

    /// @inheritdoc IComputeEscrow
    function processExpired(uint256[] calldata jobIds) external returns (uint256 processed) {
        return ComputeEscrowLib.processExpired(_s(), jobIds);
    }

    /// @inheritdoc IComputeEscrow
    function performUpkeep(bytes calldata performData) external override {
        ComputeEscrowLib.processExpired(_s(), abi.decode(performData, (uint256[])));
    }

    /// @inheritdoc IComputeEscrow
    function checkUpkeep(
        bytes calldata checkData
    ) external view override returns (bool upkeepNeeded, bytes memory performData) {
        return ComputeEscrowLib.checkUpkeep(_s(), checkData);
    }

    // ---------------------------------------------------------------- withdrawals

    /// @inheritdoc IComputeEscrow
    function withdraw(address token) external nonReentrant {
        ComputeEscrowStorage storage $ = _s();
        uint256 amount = $.credits[msg.sender][token];
        if (amount == 0) revert ComputeEscrowNothingToWithdraw(msg.sender, token);
        $.credits[msg.sender][token] = 0;
        emit CreditWithdrawn(msg.sender, token, amount);
        if (token == address(0)) Address.sendValue(payable(msg.sender), amount);
        else IERC20(token).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IComputeEscrow
    function sweepFees(address token) external nonReentrant {
        ComputeEscrowStorage storage $ = _s();
        uint256 amount = $.fees[token];
        if (amount == 0) revert ComputeEscrowNothingToWithdraw(address(this), token);
        $.fees[token] = 0;
        emit FeesSwept(token, amount);
        address treasury_ = $.treasury;
        if (token == address(0)) {
            ITreasury(treasury_).depositETH{value: amount}();
        } else {
            IERC20(token).forceApprove(treasury_, amount);
            ITreasury(treasury_).depositToken(token, amount);
        }
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IComputeEscrow
    function jobOf(uint256 jobId) external view returns (Job memory) {
        ComputeEscrowStorage storage $ = _s();
        JobRecord memory r = $.jobs[jobId];
        return
            Job({
                requester: r.requester,
                status: r.status,
                mode: r.mode,
                redundancy: r.redundancy,
                assetId: r.assetId,
                deadline: r.deadline,
                maxDurationSeconds: r.maxDurationSeconds,
                provider: r.provider,
                gpuModel: r.gpuModel,
                gpuCount: r.gpuCount,
                memoryGiB: r.memoryGiB,
                feeBps: r.feeBps,
                bondWei: r.bondWei,
                amount: r.amount,
                resultHash: $.results[jobId]
            });
    }

    /// @inheritdoc IComputeEscrow
    function replicaOf(uint256 jobId, uint256 index) external view returns (Replica memory) {
        return _s().replicaSets[jobId].replicas[index];
    }

    /// @inheritdoc IComputeEscrow
    function replicaCounts(uint256 jobId) external view returns (uint8 claimed, uint8 submitted) {
        ReplicaSet storage set = _s().replicaSets[jobId];
        return (set.claimed, set.submitted);
    }

    /// @inheritdoc IComputeEscrow
    function isDue(uint256 jobId) external view returns (bool) {
        return ComputeEscrowLib.isDue(_s(), jobId);
    }

    /// @inheritdoc IComputeEscrow
    function offerOf(address provider) external view returns (Offer memory) {
        return _s().offers[provider];
    }

    /// @inheritdoc IComputeEscrow
    function quoteWei(address provider, uint32 durationSeconds) external view returns (uint256) {
        return ComputeEscrowLib.quoteWei(_s(), provider, durationSeconds);
    }

    /// @inheritdoc IComputeEscrow
    function usdCentsToWei(uint256 usdCents) external view returns (uint256 amountWei, int256 answer) {
        return ComputeEscrowLib.usdCentsToWei(_s(), usdCents);
    }

    /// @inheritdoc IComputeEscrow
    function creditOf(address account, address token) external view returns (uint256) {
        return _s().credits[account][token];
    }

    /// @inheritdoc IComputeEscrow
    function feesAccrued(address token) external view returns (uint256) {
        return _s().fees[token];
    }

    /// @inheritdoc IComputeEscrow
    function isTokenAllowed(address token) external view returns (bool) {
        return _s().tokens[token].allowed;
    }

    /// @inheritdoc IComputeEscrow
    function settings() external view returns (Settings memory) {
        return _s().settings;
    }

    /// @inheritdoc IComputeEscrow
    function feedConfig() external view returns (FeedConfig memory) {
        return _s().feed;
    }

    /// @inheritdoc IComputeEscrow
    function nextJobId() external view returns (uint256) {
        return _s().nextJobId;
    }

    /// @inheritdoc IComputeEscrow
    function expiryCursor() external view returns (uint256) {
        return _s().expiryCursor;
    }

    /// @inheritdoc IComputeEscrow
    function staking() external view returns (address) {
        return address(_s().staking);
    }

    /// @inheritdoc IComputeEscrow
    function treasury() external view returns (address) {
        return _s().treasury;
    }
}
