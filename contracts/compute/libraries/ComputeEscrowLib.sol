// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IOperatorStaking} from "../../staking/interfaces/IOperatorStaking.sol";
import {IComputeEscrow} from "../interfaces/IComputeEscrow.sol";
import {ComputeEscrowState} from "../ComputeEscrowState.sol";

/// @title ComputeEscrowLib
/// @notice ComputeEscrow's logic on its own storage. Internal functions (payment, refund, bond release) are inlined
/// into the escrow's hot paths; external ones (expiry, disputes, redundancy majority, slashing, feed pricing, admin
/// and offer bookkeeping) run by delegatecall from the escrow, so they act on the escrow's storage and emit its events.
/// @dev Loops are bounded: by MAX_REDUNDANCY replicas, by a caller's batch of at most MAX_BATCH ids, by SCAN_LIMIT ids
/// in `checkUpkeep`, or by CURSOR_STEPS cursor moves.
library ComputeEscrowLib {
    /// @dev The OperatorStaking service whose operators are compute providers.
    bytes32 internal constant COMPUTE_SERVICE = keccak256("axon.service.compute");
    uint256 internal constant BPS = 10_000;
    uint16 internal constant MAX_FEE_BPS = 1_000;
    uint8 internal constant MAX_REDUNDANCY = 5;
    uint32 internal constant MAX_DURATION_SECONDS = 30 days;
    uint32 internal constant MAX_START_WINDOW_SECONDS = 30 days;
    uint32 internal constant MAX_WINDOW_SECONDS = 30 days;
    uint256 internal constant MAX_BATCH = 50;
    uint256 internal constant SCAN_LIMIT = 200;
    uint256 internal constant CURSOR_STEPS = 100;

    // ---------------------------------------------------------------- admin and offers

    /// @notice Validates and stores the protocol parameters.
    function setSettings(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        IComputeEscrow.Settings calldata settings
    ) external {
        if (settings.protocolFeeBps > MAX_FEE_BPS) {
            revert IComputeEscrow.ComputeEscrowBpsTooHigh(settings.protocolFeeBps, MAX_FEE_BPS);
        }
        if (settings.slashBeneficiaryBps > BPS) {
            revert IComputeEscrow.ComputeEscrowBpsTooHigh(settings.slashBeneficiaryBps, BPS);
        }
        _checkWindow(settings.challengeWindowSeconds);
        _checkWindow(settings.arbitrationWindowSeconds);
        $.settings = settings;
        emit IComputeEscrow.SettingsSet(
            settings.protocolFeeBps,
            settings.slashBeneficiaryBps,
            settings.challengeWindowSeconds,
            settings.arbitrationWindowSeconds,
            settings.minBondWei
        );
    }

    /// @notice Validates and stores the feed configuration, caching the feed's decimals.
    function setFeed(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        address feed,
        uint32 maxStalenessSeconds,
        int256 minAnswer,
        int256 maxAnswer
    ) external {
        if (feed == address(0)) revert IComputeEscrow.ComputeEscrowZeroAddress("feed");
        if (minAnswer <= 0 || maxAnswer < minAnswer || maxStalenessSeconds == 0) {
            revert IComputeEscrow.ComputeEscrowInvalidFeedConfig(minAnswer, maxAnswer, maxStalenessSeconds);
        }
        $.feed = IComputeEscrow.FeedConfig({
            feed: feed,
            maxStalenessSeconds: maxStalenessSeconds,
            decimals: AggregatorV3Interface(feed).decimals(),
            minAnswer: minAnswer,
            maxAnswer: maxAnswer
        });
        emit IComputeEscrow.FeedSet(feed, maxStalenessSeconds, minAnswer, maxAnswer);
    }

    /// @notice Allows or disallows a payment token, assigning its asset id on first use.
    function setTokenAllowed(ComputeEscrowState.ComputeEscrowStorage storage $, address token, bool allowed) external {
        if (token == address(0)) revert IComputeEscrow.ComputeEscrowZeroAddress("token");
        ComputeEscrowState.TokenInfo storage info = $.tokens[token];
        uint8 assetId = info.assetId;
        if (assetId == 0) {
            if ($.tokenCount == type(uint8).max) revert IComputeEscrow.ComputeEscrowTooManyTokens();
            assetId = ++$.tokenCount;
            info.assetId = assetId;
            $.assetTokens[assetId] = token;
        }
        info.allowed = allowed;
        emit IComputeEscrow.TokenAllowedSet(token, assetId, allowed);
    }

    /// @notice Publishes the caller's offer; the caller must be an active compute operator.
    function setOffer(ComputeEscrowState.ComputeEscrowStorage storage $, IComputeEscrow.Offer calldata offer) external {
        if (offer.gpuCount == 0 || offer.pricePerGpuHour == 0) revert IComputeEscrow.ComputeEscrowInvalidOffer();
        if (!$.staking.isActiveOperator(msg.sender, COMPUTE_SERVICE)) {
            revert IComputeEscrow.ComputeEscrowInactiveProvider(msg.sender);
        }
        $.offers[msg.sender] = offer;
        emit IComputeEscrow.OfferSet(
            msg.sender,
            offer.gpuModel,
            offer.gpuCount,
            offer.memoryGiB,
            offer.unit,
            offer.pricePerGpuHour
        );
    }

    // ---------------------------------------------------------------- cold lifecycle paths

    /// @notice Posts an ETH job priced in USD cents at the feed's checked price; the excess value is credited back.
    function postJobUsd(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        IComputeEscrow.JobRequest calldata request,
        uint256 usdCents
    ) external returns (uint256 jobId) {
        validate(request);
        (uint256 amountWei, int256 answer) = usdCentsToWei($, usdCents);
        if (msg.value < amountWei) revert IComputeEscrow.ComputeEscrowWrongValue(msg.value, amountWei);
        jobId = post($, request, 0, address(0), amountWei);
        uint256 excessWei = msg.value - amountWei;
        if (excessWei != 0) $.credits[msg.sender][address(0)] += excessWei;
        emit IComputeEscrow.JobPricedInUsd(jobId, usdCents, answer, amountWei);
    }

    /// @notice Adds the caller as a replica of a redundancy-mode job; the last replica starts the run.
    function joinReplicas(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        uint256 jobId,
        ComputeEscrowState.JobRecord storage job
    ) external {
        ComputeEscrowState.ReplicaSet storage set = $.replicaSets[jobId];
        if (set.positionOf[msg.sender] != 0) revert IComputeEscrow.ComputeEscrowAlreadyClaimed(jobId, msg.sender);
        uint8 index = set.claimed;
        // index < redundancy <= MAX_REDUNDANCY: the job leaves Open when its last replica claims.
        set.claimed = index + 1;
        set.positionOf[msg.sender] = index + 1;
        set.replicas[index].provider = msg.sender;
        emit IComputeEscrow.JobClaimed(jobId, msg.sender, job.bondWei);
        if (index + 1 == job.redundancy) run(jobId, job);
    }

    /// @notice Records the caller's result as one replica of a redundancy-mode job.
    function submitReplica(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        uint256 jobId,
        bytes32 resultHash
    ) external {
        ComputeEscrowState.ReplicaSet storage set = $.replicaSets[jobId];
        uint8 position = set.positionOf[msg.sender];
        if (position == 0) revert IComputeEscrow.ComputeEscrowNotProvider(jobId, msg.sender);
        IComputeEscrow.Replica storage replica = set.replicas[position - 1];
        if (replica.submitted) revert IComputeEscrow.ComputeEscrowAlreadySubmitted(jobId, msg.sender);
        replica.submitted = true;
        replica.resultHash = resultHash;
        ++set.submitted;
    }

    // ---------------------------------------------------------------- settlement

    /// @notice Cancels an unclaimed job for its requester and refunds it in full.
    function cancel(ComputeEscrowState.ComputeEscrowStorage storage $, uint256 jobId) external {
        ComputeEscrowState.JobRecord storage job = $.jobs[jobId];
        if (job.status != IComputeEscrow.JobStatus.Open) {
            revert IComputeEscrow.ComputeEscrowWrongStatus(jobId, job.status);
        }
        if (msg.sender != job.requester) revert IComputeEscrow.ComputeEscrowNotRequester(jobId, msg.sender);
        if (job.mode == IComputeEscrow.VerificationMode.Redundancy) {
            ComputeEscrowState.ReplicaSet storage set = $.replicaSets[jobId];
            if (set.claimed != 0) revert IComputeEscrow.ComputeEscrowAlreadyClaimed(jobId, set.replicas[0].provider);
        }
        emit IComputeEscrow.JobCancelled(jobId);
        refund($, jobId, job);
    }

    /// @notice Rules on a disputed job: pays the provider, or refunds the requester and slashes the provider.
    function resolveDispute(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        uint256 jobId,
        bool providerWins
    ) external {
        ComputeEscrowState.JobRecord storage job = $.jobs[jobId];
        if (job.status != IComputeEscrow.JobStatus.Disputed) {
            revert IComputeEscrow.ComputeEscrowWrongStatus(jobId, job.status);
        }
        // After the deadline only `finalize` settles: a late ruling would race it (LateRulingRacesDisputeExpiry).
        uint32 deadline = job.deadline;
        if (block.timestamp > deadline) revert IComputeEscrow.ComputeEscrowDeadlinePassed(jobId, deadline);
        emit IComputeEscrow.DisputeResolved(jobId, providerWins, msg.sender);
        if (providerWins) {
            pay($, jobId, job);
        } else {
            refund($, jobId, job);
            _slash($, jobId, job.provider, job.bondWei, job.requester, IComputeEscrow.Fault.LostDispute);
        }
    }

    /// @notice Finalizes one due job, reverting if nothing is due.
    function finalize(ComputeEscrowState.ComputeEscrowStorage storage $, uint256 jobId) external {
        ComputeEscrowState.JobRecord storage job = $.jobs[jobId];
        if (!_isDue($, jobId, job)) revert IComputeEscrow.ComputeEscrowNotDue(jobId, job.status, job.deadline);
        _finalizeDue($, jobId, job);
    }

    /// @notice Finalizes the due ids of a bounded batch, skips the others, and advances the expiry cursor.
    function processExpired(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        uint256[] memory jobIds
    ) external returns (uint256 processed) {
        if (jobIds.length > MAX_BATCH) revert IComputeEscrow.ComputeEscrowBatchTooLarge(jobIds.length, MAX_BATCH);
        for (uint256 i; i < jobIds.length; ++i) {
            ComputeEscrowState.JobRecord storage job = $.jobs[jobIds[i]];
            // Ids that are not (or no longer) due are skipped, so racing keepers never revert each other.
            if (_isDue($, jobIds[i], job)) {
                _finalizeDue($, jobIds[i], job);
                ++processed;
            }
        }
        uint256 cursor = $.expiryCursor;
        uint256 end = Math.min($.nextJobId, cursor + CURSOR_STEPS);
        uint256 moved = cursor;
        while (moved < end && isFinal($.jobs[moved].status)) ++moved;
        if (moved != cursor) {
            // moved < nextJobId, a uint64.
            $.expiryCursor = uint64(moved);
            emit IComputeEscrow.ExpiryCursorAdvanced(uint64(moved));
        }
    }

    // ---------------------------------------------------------------- views

    /// @notice Up to MAX_BATCH due ids among SCAN_LIMIT ids from the cursor (or from the id in `checkData`).
    function checkUpkeep(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        bytes calldata checkData
    ) external view returns (bool upkeepNeeded, bytes memory performData) {
        uint256 cursor = $.expiryCursor;
        uint256 from = cursor;
        if (checkData.length >= 32) from = Math.max(from, abi.decode(checkData, (uint256)));
        uint256 end = Math.min($.nextJobId, from + SCAN_LIMIT);
        uint256[] memory due = new uint256[](MAX_BATCH);
        uint256 count;
        for (uint256 id = from; id < end && count < MAX_BATCH; ++id) {
            if (_isDue($, id, $.jobs[id])) due[count++] = id;
        }
        // Shrink the array to the ids found; count <= MAX_BATCH, the allocated length.
        assembly ("memory-safe") {
            mstore(due, count)
        }
        upkeepNeeded = count != 0 || (cursor < $.nextJobId && isFinal($.jobs[cursor].status));
        performData = abi.encode(due);
    }

    /// @notice Whether `finalize(jobId)` would do something now.
    function isDue(ComputeEscrowState.ComputeEscrowStorage storage $, uint256 jobId) external view returns (bool) {
        return _isDue($, jobId, $.jobs[jobId]);
    }

    /// @notice The price of `durationSeconds` on the provider's offer, in wei.
    function quoteWei(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        address provider,
        uint32 durationSeconds
    ) external view returns (uint256) {
        IComputeEscrow.Offer memory offer = $.offers[provider];
        if (offer.gpuCount == 0) revert IComputeEscrow.ComputeEscrowNoOffer(provider);
        uint256 price = Math.mulDiv(
            uint256(offer.pricePerGpuHour) * offer.gpuCount,
            durationSeconds,
            1 hours,
            Math.Rounding.Ceil
        );
        if (offer.unit == IComputeEscrow.PriceUnit.Wei) return price;
        (uint256 amountWei, ) = usdCentsToWei($, price);
        return amountWei;
    }

    /// @notice `usdCents` in wei at the feed's checked price, rounded up (against the requester).
    function usdCentsToWei(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        uint256 usdCents
    ) public view returns (uint256 amountWei, int256 answer) {
        IComputeEscrow.FeedConfig memory cfg = $.feed;
        if (cfg.feed == address(0)) revert IComputeEscrow.ComputeEscrowFeedNotSet();
        uint80 roundId;
        uint256 updatedAt;
        uint80 answeredInRound;
        (roundId, answer, , updatedAt, answeredInRound) = AggregatorV3Interface(cfg.feed).latestRoundData();
        if (answer <= 0) revert IComputeEscrow.ComputeEscrowFeedAnswerNotPositive(answer);
        if (updatedAt == 0 || answeredInRound < roundId || updatedAt > block.timestamp) {
            revert IComputeEscrow.ComputeEscrowFeedRoundIncomplete(roundId, answeredInRound, updatedAt);
        }
        if (block.timestamp - updatedAt > cfg.maxStalenessSeconds) {
            revert IComputeEscrow.ComputeEscrowFeedStale(updatedAt, cfg.maxStalenessSeconds, block.timestamp);
        }
        if (answer < cfg.minAnswer || answer > cfg.maxAnswer) {
            revert IComputeEscrow.ComputeEscrowFeedAnswerOutOfBounds(answer, cfg.minAnswer, cfg.maxAnswer);
        }
        // 1 cent is 1e16 wei-dollars: wei = cents * 10^(16 + decimals) / answer.
        amountWei = Math.mulDiv(usdCents, 10 ** (16 + uint256(cfg.decimals)), uint256(answer), Math.Rounding.Ceil);
    }

    // ---------------------------------------------------------------- internal (inlined into the escrow)

    /// @dev Checks a job request's shape and deadlines.
    function validate(IComputeEscrow.JobRequest calldata request) internal view {
        if (request.gpuCount == 0) revert IComputeEscrow.ComputeEscrowInvalidGpuCount(request.gpuCount);
        if (request.maxDurationSeconds == 0 || request.maxDurationSeconds > MAX_DURATION_SECONDS) {
            revert IComputeEscrow.ComputeEscrowInvalidDuration(request.maxDurationSeconds);
        }
        if (
            request.startDeadline <= block.timestamp ||
            request.startDeadline > block.timestamp + MAX_START_WINDOW_SECONDS
        ) revert IComputeEscrow.ComputeEscrowInvalidStartDeadline(request.startDeadline, block.timestamp);
        if (request.mode == IComputeEscrow.VerificationMode.Redundancy) {
            if (request.redundancy < 2 || request.redundancy > MAX_REDUNDANCY || request.provider != address(0)) {
                revert IComputeEscrow.ComputeEscrowInvalidRedundancy(request.mode, request.redundancy);
            }
        } else if (request.redundancy > 1) {
            revert IComputeEscrow.ComputeEscrowInvalidRedundancy(request.mode, request.redundancy);
        }
    }

    /// @dev Stores a validated job escrowing `amount` and emits JobPosted.
    function post(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        IComputeEscrow.JobRequest calldata request,
        uint8 assetId,
        address token,
        uint256 amount
    ) internal returns (uint256 jobId) {
        if (amount == 0) revert IComputeEscrow.ComputeEscrowZeroPayment();
        if (amount > type(uint128).max) revert IComputeEscrow.ComputeEscrowAmountOverflow(amount);
        IComputeEscrow.Settings memory cfg = $.settings;
        if (request.bondWei == 0 || request.bondWei < cfg.minBondWei) {
            revert IComputeEscrow.ComputeEscrowBondTooLow(request.bondWei, cfg.minBondWei);
        }
        jobId = $.nextJobId;
        // A uint64 job counter cannot be exhausted.
        unchecked {
            $.nextJobId = uint64(jobId + 1);
        }
        $.jobs[jobId] = ComputeEscrowState.JobRecord({
            requester: msg.sender,
            status: IComputeEscrow.JobStatus.Open,
            mode: request.mode,
            redundancy: request.mode == IComputeEscrow.VerificationMode.Redundancy ? request.redundancy : 1,
            assetId: assetId,
            deadline: request.startDeadline,
            maxDurationSeconds: request.maxDurationSeconds,
            provider: request.provider,
            gpuModel: request.gpuModel,
            gpuCount: request.gpuCount,
            memoryGiB: request.memoryGiB,
            feeBps: cfg.protocolFeeBps,
            bondWei: request.bondWei,
            // Checked above against type(uint128).max.
            amount: uint128(amount)
        });
        emit IComputeEscrow.JobPosted(
            jobId,
            msg.sender,
            request.provider,
            token,
            amount,
            request.specHash,
            request.specURI,
            request.inputURI
        );
    }

    /// @dev Moves a job to Running with its result due `maxDurationSeconds` from now.
    function run(uint256 jobId, ComputeEscrowState.JobRecord storage job) internal {
        job.status = IComputeEscrow.JobStatus.Running;
        uint32 dueBy = deadlineIn(job.maxDurationSeconds);
        job.deadline = dueBy;
        emit IComputeEscrow.JobStarted(jobId, dueBy);
    }

    /// @dev Now plus `secondsFromNow` as a uint32 timestamp (valid until 2106; every window is capped at 30 days).
    function deadlineIn(uint256 secondsFromNow) internal view returns (uint32) {
        return uint32(block.timestamp + secondsFromNow);
    }

    /// @dev Marks the job paid, credits the provider its amount less the fee, accrues the fee, releases the bond.
    function pay(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        uint256 jobId,
        ComputeEscrowState.JobRecord storage job
    ) internal {
        job.status = IComputeEscrow.JobStatus.Paid;
        address provider = job.provider;
        address token = tokenOf($, job.assetId);
        uint256 amount = job.amount;
        // amount < 2^128 and feeBps < 2^16, so the product cannot overflow; the fee rounds down.
        uint256 feeAmount = (amount * job.feeBps) / BPS;
        uint256 paid = amount - feeAmount;
        $.fees[token] += feeAmount;
        $.credits[provider][token] += paid;
        emit IComputeEscrow.JobPaid(jobId, provider, paid, feeAmount);
        $.staking.unlock(provider, COMPUTE_SERVICE, job.bondWei);
    }

    /// @dev Marks the job refunded and credits the requester the whole amount.
    function refund(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        uint256 jobId,
        ComputeEscrowState.JobRecord storage job
    ) internal {
        job.status = IComputeEscrow.JobStatus.Refunded;
        address requester = job.requester;
        uint256 amount = job.amount;
        $.credits[requester][tokenOf($, job.assetId)] += amount;
        emit IComputeEscrow.JobRefunded(jobId, requester, amount);
    }

    function tokenOf(ComputeEscrowState.ComputeEscrowStorage storage $, uint8 assetId) internal view returns (address) {
        return assetId == 0 ? address(0) : $.assetTokens[assetId];
    }

    function isFinal(IComputeEscrow.JobStatus status) internal pure returns (bool) {
        return status == IComputeEscrow.JobStatus.Paid || status == IComputeEscrow.JobStatus.Refunded;
    }

    // ---------------------------------------------------------------- private

    function _finalizeDue(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        uint256 jobId,
        ComputeEscrowState.JobRecord storage job
    ) private {
        IComputeEscrow.JobStatus status = job.status;
        if (job.mode == IComputeEscrow.VerificationMode.Redundancy) {
            if (status == IComputeEscrow.JobStatus.Open) _expireReplicas($, jobId, job);
            else _resolveMajority($, jobId, job);
        } else if (status == IComputeEscrow.JobStatus.Open) {
            refund($, jobId, job);
        } else if (status == IComputeEscrow.JobStatus.Submitted || status == IComputeEscrow.JobStatus.Disputed) {
            // Disputed: the arbiter did not rule in time, so no fault is proven. The requester already holds the
            // result, so refunding it would let a requester dispute an honest result and get the work for free: the
            // provider is paid and its bond released (test/security/DisputeHonestResultWithoutArbiter.test.ts).
            pay($, jobId, job);
        } else {
            refund($, jobId, job);
            _slash(
                $,
                jobId,
                job.provider,
                job.bondWei,
                job.requester,
                status == IComputeEscrow.JobStatus.Claimed
                    ? IComputeEscrow.Fault.MissedStart
                    : IComputeEscrow.Fault.MissedSubmission
            );
        }
    }

    function _expireReplicas(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        uint256 jobId,
        ComputeEscrowState.JobRecord storage job
    ) private {
        refund($, jobId, job);
        ComputeEscrowState.ReplicaSet storage set = $.replicaSets[jobId];
        uint256 claimed = set.claimed;
        uint256 bondWei = job.bondWei;
        // The job never filled its k replicas, which is no replica's fault: every bond is released.
        for (uint256 i; i < claimed; ++i) $.staking.unlock(set.replicas[i].provider, COMPUTE_SERVICE, bondWei);
    }

    function _resolveMajority(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        uint256 jobId,
        ComputeEscrowState.JobRecord storage job
    ) private {
        ComputeEscrowState.ReplicaSet storage set = $.replicaSets[jobId];
        uint256 k = set.claimed;
        IComputeEscrow.Replica[] memory replicas = new IComputeEscrow.Replica[](k);
        for (uint256 i; i < k; ++i) replicas[i] = set.replicas[i];

        bytes32 majorityHash;
        uint256 agreeing;
        for (uint256 i; i < k && agreeing == 0; ++i) {
            if (!replicas[i].submitted) continue;
            uint256 count;
            for (uint256 j; j < k; ++j) {
                if (replicas[j].submitted && replicas[j].resultHash == replicas[i].resultHash) ++count;
            }
            if (count * 2 > k) {
                majorityHash = replicas[i].resultHash;
                agreeing = count;
            }
        }
        // k <= MAX_REDUNDANCY, so the count fits a byte.
        emit IComputeEscrow.MajorityResolved(jobId, majorityHash, uint8(agreeing), set.submitted);

        if (agreeing == 0) refund($, jobId, job);
        else _payReplicas($, jobId, job, replicas, majorityHash, agreeing);

        address requester = job.requester;
        uint256 bondWei = job.bondWei;
        for (uint256 i; i < k; ++i) {
            address provider = replicas[i].provider;
            if (!replicas[i].submitted) {
                _slash($, jobId, provider, bondWei, requester, IComputeEscrow.Fault.MissedSubmission);
            } else if (agreeing != 0 && replicas[i].resultHash != majorityHash) {
                _slash($, jobId, provider, bondWei, requester, IComputeEscrow.Fault.MinorityResult);
            } else {
                $.staking.unlock(provider, COMPUTE_SERVICE, bondWei);
            }
        }
    }

    function _payReplicas(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        uint256 jobId,
        ComputeEscrowState.JobRecord storage job,
        IComputeEscrow.Replica[] memory replicas,
        bytes32 majorityHash,
        uint256 agreeing
    ) private {
        job.status = IComputeEscrow.JobStatus.Paid;
        address token = tokenOf($, job.assetId);
        uint256 amount = job.amount;
        uint256 feeAmount = Math.mulDiv(amount, job.feeBps, BPS);
        $.fees[token] += feeAmount;
        uint256 net = amount - feeAmount;
        uint256 share = net / agreeing;
        // The first agreeing replica also takes the rounding remainder, so nothing is left behind.
        uint256 firstShare = net - share * (agreeing - 1);
        bool first = true;
        for (uint256 i; i < replicas.length; ++i) {
            if (!replicas[i].submitted || replicas[i].resultHash != majorityHash) continue;
            uint256 credited = first ? firstShare : share;
            $.credits[replicas[i].provider][token] += credited;
            emit IComputeEscrow.JobPaid(jobId, replicas[i].provider, credited, first ? feeAmount : 0);
            first = false;
        }
    }

    function _slash(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        uint256 jobId,
        address provider,
        uint256 bondWei,
        address requester,
        IComputeEscrow.Fault fault
    ) private {
        IOperatorStaking staking = $.staking;
        // Release the bond first, then slash it: another job's lock on the same stake is never consumed.
        staking.unlock(provider, COMPUTE_SERVICE, bondWei);
        IOperatorStaking.Stake memory st = staking.stakeOf(provider, COMPUTE_SERVICE);
        // Unbonding stake is slashable too; a stake already slashed elsewhere may cover less than the bond.
        uint256 slashable = Math.min(bondWei, uint256(st.activeWei) + st.unbondingWei);
        // A minority result costs the requester nothing (it is paid the majority's answer), and a requester whose
        // sybil replicas form the majority must not profit from slashing the honest one: all of it to the Treasury.
        uint256 share =
            fault == IComputeEscrow.Fault.MinorityResult
                ? 0
                : Math.mulDiv(slashable, $.settings.slashBeneficiaryBps, BPS);
        bytes32 evidence = keccak256(abi.encode(jobId, fault, provider));
        uint256 slashedWei = staking.slash(provider, COMPUTE_SERVICE, slashable, requester, share, evidence);
        emit IComputeEscrow.ProviderSlashed(jobId, provider, fault, slashedWei);
    }

    function _isDue(
        ComputeEscrowState.ComputeEscrowStorage storage $,
        uint256 jobId,
        ComputeEscrowState.JobRecord storage job
    ) private view returns (bool) {
        IComputeEscrow.JobStatus status = job.status;
        if (status == IComputeEscrow.JobStatus.None || isFinal(status)) return false;
        if (block.timestamp > job.deadline) return true;
        if (job.mode == IComputeEscrow.VerificationMode.Redundancy && status == IComputeEscrow.JobStatus.Running) {
            return $.replicaSets[jobId].submitted == job.redundancy;
        }
        return false;
    }

    function _checkWindow(uint32 windowSeconds) private pure {
        if (windowSeconds == 0 || windowSeconds > MAX_WINDOW_SECONDS) {
            revert IComputeEscrow.ComputeEscrowInvalidWindow(windowSeconds);
        }
    }
}
