// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {AxonUpgradeable} from "../common/AxonUpgradeable.sol";
import {IOperatorStaking} from "../staking/interfaces/IOperatorStaking.sol";
import {IEdgeNodeRegistry} from "./interfaces/IEdgeNodeRegistry.sol";
import {IServedCounter} from "./interfaces/IServedCounter.sol";

/// @title EdgeNodeRegistry
/// @notice DePIN edge nodes: registry, epoch uptime reports with challenges, and the reward pool (see the interface).
/// @dev A slashing module of OperatorStaking for its service: reporters' bonds are locked there and slashed from there.
contract EdgeNodeRegistry is AxonUpgradeable, IEdgeNodeRegistry {
    using SafeERC20 for IERC20;

    /// @notice Type hash of the heartbeat a device signs once per slot.
    bytes32 public constant HEARTBEAT_TYPEHASH = keccak256("Heartbeat(address node,uint64 epoch,uint32 slot)");
    // The EIP-712 domain is computed, not stored: OZ's EIP712 (with ERC-5267) would not fit EIP-170 next to the rest.
    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 private constant NAME_HASH = keccak256("Axon EdgeNodeRegistry");
    bytes32 private constant VERSION_HASH = keccak256("1");
    uint256 private constant MAX_MODELS = 32;
    uint256 private constant MAX_SLOTS = 256;

    /// @custom:storage-location erc7201:axon.storage.EdgeNodeRegistry
    struct EdgeNodeRegistryStorage {
        IOperatorStaking staking;
        bytes32 service;
        address rewardToken;
        address servedSource;
        uint64 genesis;
        Config config;
        uint256 totalFunded;
        uint256 totalAllocated;
        uint256 totalPaid;
        uint256 totalCredits;
        mapping(address node => Node) nodes;
        mapping(address node => bytes32[]) models;
        mapping(address node => string) metadata;
        mapping(address node => uint256) servedCheckpoint;
        mapping(address node => uint256) servedOwedUnits;
        mapping(uint64 epoch => Report) reports;
        mapping(uint64 epoch => mapping(address node => Challenge)) challenges;
        // One bit per epoch, 256 epochs a word: a node's claims after its first in a word cost a warm-slot update.
        mapping(address node => mapping(uint256 word => uint256)) claimedBits;
        mapping(address account => uint256) credits;
    }

    // keccak256(abi.encode(uint256(keccak256("axon.storage.EdgeNodeRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x7fce8a60b0ee2e5c4f2a50957c051b20cf1b68d04f156867413f131e73ea3500;

    /// @param admin Holder of every role.
    /// @param adminDelaySeconds Delay before a default-admin transfer can be accepted.
    /// @param staking_ OperatorStaking, where this contract must be a module of `service_`.
    /// @param service_ Service id whose operators may register and report (e.g. keccak256("axon.service.edge")).
    /// @param rewardToken_ Reward asset: address(0) for ETH, else an ERC-20.
    /// @param config_ Timing, bonds and rates; the epoch and slot lengths are fixed from here on.
    function initialize(
        address admin,
        uint48 adminDelaySeconds,
        address staking_,
        bytes32 service_,
        address rewardToken_,
        Config calldata config_
    ) external initializer {
        if (staking_ == address(0)) revert EdgeZeroAddress("staking");
        __AxonUpgradeable_init(admin, adminDelaySeconds);
        EdgeNodeRegistryStorage storage $ = _s();
        $.staking = IOperatorStaking(staking_);
        $.service = service_;
        $.rewardToken = rewardToken_;
        $.genesis = uint64(block.timestamp);
        _checkTiming(config_);
        $.config = config_;
        emit ConfigSet(config_);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IEdgeNodeRegistry
    function setConfig(Config calldata config_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Config storage current = _s().config;
        // Moving epoch boundaries would re-map every posted report and heartbeat.
        if (config_.epochSeconds != current.epochSeconds || config_.slotSeconds != current.slotSeconds) {
            revert EdgeBadConfig("timing is fixed");
        }
        _checkTiming(config_);
        _s().config = config_;
        emit ConfigSet(config_);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function setServedSource(address source) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _s().servedSource = source;
        emit ServedSourceSet(source);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Nodes
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IEdgeNodeRegistry
    function register(
        address signer,
        bytes2 region,
        uint8 hardwareClass,
        bytes32[] calldata models,
        string calldata metadataURI
    ) external whenNotPaused {
        EdgeNodeRegistryStorage storage $ = _s();
        if (!$.staking.isActiveOperator(msg.sender, $.service)) revert EdgeNotStaked(msg.sender);
        if (signer == address(0)) revert EdgeZeroAddress("signer");
        if (models.length > MAX_MODELS) revert EdgeTooManyModels(models.length, MAX_MODELS);
        Node storage node = $.nodes[msg.sender];
        if (node.active) revert EdgeAlreadyRegistered(msg.sender);
        if (node.deregisteredAt != 0) {
            // Reports of the epochs the last registration covered must be settled first: a node's window is one span.
            uint256 availableAt =
                uint256(node.deregisteredAt) +
                    $.config.epochSeconds +
                    $.config.reportDeadlineSeconds +
                    $.config.challengeWindowSeconds;
            if (block.timestamp < availableAt) revert EdgeReregisterTooSoon(msg.sender, availableAt);
        }
        node.signer = signer;
        node.registeredAt = uint64(block.timestamp);
        node.region = region;
        node.hardwareClass = hardwareClass;
        node.active = true;
        $.models[msg.sender] = models;
        $.metadata[msg.sender] = metadataURI;
        $.servedCheckpoint[msg.sender] = _servedCount(msg.sender);
        emit NodeRegistered(msg.sender, signer, region, hardwareClass, models, metadataURI);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function update(
        bytes2 region,
        uint8 hardwareClass,
        bytes32[] calldata models,
        string calldata metadataURI
    ) external whenNotPaused {
        EdgeNodeRegistryStorage storage $ = _s();
        Node storage node = $.nodes[msg.sender];
        if (!node.active) revert EdgeNotRegistered(msg.sender);
        if (models.length > MAX_MODELS) revert EdgeTooManyModels(models.length, MAX_MODELS);
        node.region = region;
        node.hardwareClass = hardwareClass;
        $.models[msg.sender] = models;
        $.metadata[msg.sender] = metadataURI;
        emit NodeUpdated(msg.sender, region, hardwareClass, models, metadataURI);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function deregister() external {
        EdgeNodeRegistryStorage storage $ = _s();
        Node storage node = $.nodes[msg.sender];
        if (!node.active) revert EdgeNotRegistered(msg.sender);
        uint256 owed = $.servedOwedUnits[msg.sender] + _servedSinceCheckpoint(msg.sender);
        $.servedOwedUnits[msg.sender] = owed;
        $.servedCheckpoint[msg.sender] = 0;
        node.active = false;
        node.deregisteredAt = uint64(block.timestamp);
        emit NodeDeregistered(msg.sender, owed);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Pool
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IEdgeNodeRegistry
    function fund(uint256 amount) external payable nonReentrant whenNotPaused {
        EdgeNodeRegistryStorage storage $ = _s();
        uint256 received;
        if ($.rewardToken == address(0)) {
            if (msg.value != amount) revert EdgeFundingMismatch(amount, msg.value);
            received = amount;
        } else {
            if (msg.value != 0) revert EdgeFundingMismatch(amount, msg.value);
            IERC20 token = IERC20($.rewardToken);
            uint256 before = token.balanceOf(address(this));
            token.safeTransferFrom(msg.sender, address(this), amount);
            // Fee-on-transfer tokens: only what arrived counts.
            received = token.balanceOf(address(this)) - before;
        }
        if (received == 0) revert EdgeZeroAmount();
        $.totalFunded += received;
        emit PoolFunded(msg.sender, received, $.totalFunded);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reports and challenges
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IEdgeNodeRegistry
    function postReport(uint64 epoch, bytes32 root, uint32 totalUptime) external whenNotPaused {
        EdgeNodeRegistryStorage storage $ = _s();
        uint64 current = _currentEpoch();
        if (epoch >= current) revert EdgeEpochNotEnded(epoch, current);
        uint256 deadline = _epochStart(epoch + 1) + $.config.reportDeadlineSeconds;
        if (block.timestamp > deadline) revert EdgeReportDeadlinePassed(epoch, deadline);
        Report storage report = $.reports[epoch];
        if (report.status != ReportStatus.None) revert EdgeReportExists(epoch, report.status);
        if (totalUptime == 0) revert EdgeZeroAmount();
        if (!$.staking.isActiveOperator(msg.sender, $.service)) revert EdgeNotStaked(msg.sender);
        report.root = root;
        report.reporter = msg.sender;
        report.postedAt = uint40(block.timestamp);
        report.totalUptime = totalUptime;
        report.status = ReportStatus.Posted;
        emit ReportPosted(epoch, msg.sender, root, totalUptime);
        uint256 bond = $.config.reporterBondWei;
        if (bond != 0) $.staking.lock(msg.sender, $.service, bond);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function challengeUptime(
        uint64 epoch,
        address node,
        uint32 uptime,
        bytes32[] calldata proof
    ) external payable nonReentrant whenNotPaused {
        EdgeNodeRegistryStorage storage $ = _s();
        Report storage report = $.reports[epoch];
        if (report.status != ReportStatus.Posted) revert EdgeBadReportStatus(epoch, report.status);
        uint256 closesAt = uint256(report.postedAt) + $.config.challengeWindowSeconds;
        if (block.timestamp > closesAt) revert EdgeChallengeWindowClosed(epoch, closesAt);
        if (!MerkleProof.verifyCalldata(proof, report.root, _leaf(node, epoch, uptime))) {
            revert EdgeInvalidProof(epoch, node, uptime);
        }
        if (uptime > _possibleUptime(node, epoch)) {
            // Provably impossible on chain: no answer to wait for, and no bond to risk.
            if (msg.value != 0) _credit(msg.sender, msg.value);
            _void(epoch, node, msg.sender);
            return;
        }
        if (msg.value != $.config.challengeBondWei) revert EdgeBadChallengeBond(msg.value, $.config.challengeBondWei);
        Challenge storage challenge = $.challenges[epoch][node];
        if (challenge.challenger != address(0)) revert EdgeChallengeExists(epoch, node);
        uint64 deadline = uint64(block.timestamp) + $.config.answerWindowSeconds;
        challenge.challenger = msg.sender;
        challenge.deadline = deadline;
        challenge.uptime = uptime;
        ++report.openChallenges;
        emit UptimeChallenged(epoch, node, msg.sender, uptime, deadline);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function answerChallenge(
        uint64 epoch,
        address node,
        uint32[] calldata slots,
        bytes[] calldata signatures
    ) external nonReentrant whenNotPaused {
        EdgeNodeRegistryStorage storage $ = _s();
        Report storage report = $.reports[epoch];
        if (report.status != ReportStatus.Posted) revert EdgeBadReportStatus(epoch, report.status);
        Challenge memory challenge = $.challenges[epoch][node];
        if (challenge.challenger == address(0)) revert EdgeNoChallenge(epoch, node);
        if (block.timestamp > challenge.deadline) revert EdgeAnswerWindowClosed(epoch, node, challenge.deadline);
        if (slots.length != challenge.uptime || signatures.length != challenge.uptime) {
            revert EdgeHeartbeatCount(
                slots.length < signatures.length ? slots.length : signatures.length,
                challenge.uptime
            );
        }
        _checkHeartbeats(epoch, node, slots, signatures);
        delete $.challenges[epoch][node];
        --report.openChallenges;
        // The challenger was wrong: its bond pays the reporter for the answer.
        _credit(report.reporter, $.config.challengeBondWei);
        emit ChallengeAnswered(epoch, node, msg.sender);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function resolveChallenge(uint64 epoch, address node) external nonReentrant {
        EdgeNodeRegistryStorage storage $ = _s();
        Challenge memory challenge = $.challenges[epoch][node];
        if (challenge.challenger == address(0)) revert EdgeNoChallenge(epoch, node);
        Report storage report = $.reports[epoch];
        delete $.challenges[epoch][node];
        --report.openChallenges;
        _credit(challenge.challenger, $.config.challengeBondWei);
        // Another challenge already voided the report: this one only gets its bond back.
        if (report.status == ReportStatus.Voided) return;
        if (block.timestamp <= challenge.deadline) revert EdgeAnswerWindowOpen(epoch, node, challenge.deadline);
        _void(epoch, node, challenge.challenger);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function finalizeEpoch(uint64 epoch) external whenNotPaused {
        EdgeNodeRegistryStorage storage $ = _s();
        Report storage report = $.reports[epoch];
        if (report.status != ReportStatus.Posted) revert EdgeBadReportStatus(epoch, report.status);
        uint256 closesAt = uint256(report.postedAt) + $.config.challengeWindowSeconds;
        if (block.timestamp <= closesAt) revert EdgeChallengeWindowOpen(epoch, closesAt);
        if (report.openChallenges != 0) revert EdgeChallengesOpen(epoch, report.openChallenges);
        uint256 budget = Math.min($.config.epochRewardWei, $.totalFunded - $.totalAllocated);
        report.status = ReportStatus.Finalized;
        // budget <= epochRewardWei < 2^128.
        report.budgetWei = uint128(budget);
        $.totalAllocated += budget;
        emit EpochFinalized(epoch, budget);
        uint256 bond = $.config.reporterBondWei;
        if (bond != 0) $.staking.unlock(report.reporter, $.service, bond);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Claims
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IEdgeNodeRegistry
    function claimUptime(uint64 epoch, uint32 uptime, bytes32[] calldata proof) external nonReentrant whenNotPaused {
        EdgeNodeRegistryStorage storage $ = _s();
        Report storage report = $.reports[epoch];
        if (report.status != ReportStatus.Finalized) revert EdgeBadReportStatus(epoch, report.status);
        uint256 bit = 1 << (epoch & 255);
        uint256 bits = $.claimedBits[msg.sender][epoch >> 8];
        if (bits & bit != 0) revert EdgeAlreadyClaimed(epoch, msg.sender);
        if (!MerkleProof.verifyCalldata(proof, report.root, _leaf(msg.sender, epoch, uptime))) {
            revert EdgeInvalidProof(epoch, msg.sender, uptime);
        }
        uint256 budget = report.budgetWei;
        if (budget == 0) revert EdgeEpochUnfunded(epoch);
        // A report whose counts sum above its total cannot pay more than the budget: the last claims are cut.
        uint256 amount = Math.min(Math.mulDiv(budget, uptime, report.totalUptime), budget - report.paidWei);
        if (amount == 0) revert EdgeNothingToClaim(msg.sender);
        $.claimedBits[msg.sender][epoch >> 8] = bits | bit;
        // amount <= budget - paidWei, so paidWei stays <= budget < 2^128.
        report.paidWei += uint128(amount);
        $.totalPaid += amount;
        emit UptimeClaimed(epoch, msg.sender, uptime, amount);
        _pay(msg.sender, amount);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function claimServed() external nonReentrant whenNotPaused {
        EdgeNodeRegistryStorage storage $ = _s();
        if ($.servedSource == address(0)) revert EdgeNoServedSource();
        uint256 owedFromExit = $.servedOwedUnits[msg.sender];
        uint256 units = owedFromExit + _servedSinceCheckpoint(msg.sender);
        uint256 rate = $.config.servedRewardWei;
        if (units == 0 || rate == 0) revert EdgeNothingToClaim(msg.sender);
        uint256 available = $.totalFunded - $.totalAllocated;
        uint256 payUnits = Math.min(units, available / rate);
        if (payUnits == 0) revert EdgePoolEmpty(available, units * rate);
        // Units paid come first from those owed at deregistration, then advance the live checkpoint.
        uint256 fromExit = Math.min(payUnits, owedFromExit);
        $.servedOwedUnits[msg.sender] = owedFromExit - fromExit;
        if (payUnits > fromExit) $.servedCheckpoint[msg.sender] += payUnits - fromExit;
        uint256 amount = payUnits * rate;
        $.totalAllocated += amount;
        $.totalPaid += amount;
        emit ServedClaimed(msg.sender, payUnits, amount);
        _pay(msg.sender, amount);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function withdrawCredit() external nonReentrant {
        EdgeNodeRegistryStorage storage $ = _s();
        uint256 amount = $.credits[msg.sender];
        if (amount == 0) revert EdgeNoCredit(msg.sender);
        $.credits[msg.sender] = 0;
        $.totalCredits -= amount;
        emit CreditWithdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IEdgeNodeRegistry
    function heartbeatDigest(address node, uint64 epoch, uint32 slot) public view returns (bytes32) {
        bytes32 domain = keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
        return MessageHashUtils.toTypedDataHash(domain, keccak256(abi.encode(HEARTBEAT_TYPEHASH, node, epoch, slot)));
    }

    /// @inheritdoc IEdgeNodeRegistry
    function possibleUptime(address node, uint64 epoch) external view returns (uint32) {
        return _possibleUptime(node, epoch);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function currentEpoch() external view returns (uint64) {
        return _currentEpoch();
    }

    /// @inheritdoc IEdgeNodeRegistry
    function epochStart(uint64 epoch) external view returns (uint256) {
        return _epochStart(epoch);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function config() external view returns (Config memory) {
        return _s().config;
    }

    /// @inheritdoc IEdgeNodeRegistry
    function nodeOf(address node) external view returns (Node memory) {
        return _s().nodes[node];
    }

    /// @inheritdoc IEdgeNodeRegistry
    function modelsOf(address node) external view returns (bytes32[] memory) {
        return _s().models[node];
    }

    /// @inheritdoc IEdgeNodeRegistry
    function metadataOf(address node) external view returns (string memory) {
        return _s().metadata[node];
    }

    /// @inheritdoc IEdgeNodeRegistry
    function reportOf(uint64 epoch) external view returns (Report memory) {
        return _s().reports[epoch];
    }

    /// @inheritdoc IEdgeNodeRegistry
    function challengeOf(uint64 epoch, address node) external view returns (Challenge memory) {
        return _s().challenges[epoch][node];
    }

    /// @inheritdoc IEdgeNodeRegistry
    function claimed(uint64 epoch, address node) external view returns (bool) {
        return _s().claimedBits[node][epoch >> 8] & (1 << (epoch & 255)) != 0;
    }

    /// @inheritdoc IEdgeNodeRegistry
    function servedOwed(address node) external view returns (uint256 units) {
        return _s().servedOwedUnits[node] + _servedSinceCheckpoint(node);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function creditOf(address account) external view returns (uint256) {
        return _s().credits[account];
    }

    /// @inheritdoc IEdgeNodeRegistry
    function pool() external view returns (uint256 funded, uint256 allocated, uint256 paid) {
        EdgeNodeRegistryStorage storage $ = _s();
        return ($.totalFunded, $.totalAllocated, $.totalPaid);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function wiring()
        external
        view
        returns (address staking, bytes32 service, address rewardToken, address servedSource)
    {
        EdgeNodeRegistryStorage storage $ = _s();
        return (address($.staking), $.service, $.rewardToken, $.servedSource);
    }

    /// @inheritdoc IEdgeNodeRegistry
    function slashingHorizonSeconds() external view returns (uint256) {
        Config storage c = _s().config;
        return uint256(c.challengeWindowSeconds) + c.answerWindowSeconds;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Voids `epoch`'s report and slashes its reporter's bond once; the challenger gets half the slash.
    function _void(uint64 epoch, address node, address challenger) private {
        Report storage report = _s().reports[epoch];
        report.status = ReportStatus.Voided;
        uint256 slashed = _slashReporter(
            report.reporter,
            challenger,
            keccak256(abi.encode("axon.edge.report", epoch, report.root))
        );
        emit ReportVoided(epoch, node, challenger, slashed);
    }

    function _slashReporter(address reporter, address challenger, bytes32 evidence) private returns (uint256) {
        EdgeNodeRegistryStorage storage $ = _s();
        uint256 bond = $.config.reporterBondWei;
        if (bond == 0) return 0;
        // Release this report's lock first, so slashing cannot eat into another report's lock accounting.
        $.staking.unlock(reporter, $.service, bond);
        IOperatorStaking.Stake memory st = $.staking.stakeOf(reporter, $.service);
        uint256 amount = Math.min(bond, uint256(st.activeWei) + st.unbondingWei);
        if (amount == 0) return 0;
        return $.staking.slash(reporter, $.service, amount, challenger, amount / 2, evidence);
    }

    function _checkHeartbeats(
        uint64 epoch,
        address node,
        uint32[] calldata slots,
        bytes[] calldata signatures
    ) private view {
        address signer = _s().nodes[node].signer;
        uint256 maxSlots = _slotsPerEpoch();
        uint256 next;
        for (uint256 i; i < slots.length; ++i) {
            // Strictly increasing slots: a replayed heartbeat cannot count twice.
            if (slots[i] < next || slots[i] >= maxSlots) revert EdgeHeartbeatSlot(i, slots[i]);
            next = uint256(slots[i]) + 1;
            (address recovered, , ) = ECDSA.tryRecover(heartbeatDigest(node, epoch, slots[i]), signatures[i]);
            if (recovered != signer || recovered == address(0)) revert EdgeHeartbeatSigner(i, recovered, signer);
        }
    }

    function _possibleUptime(address node, uint64 epoch) private view returns (uint32) {
        EdgeNodeRegistryStorage storage $ = _s();
        Node storage n = $.nodes[node];
        if (n.registeredAt == 0) return 0;
        uint256 start = _epochStart(epoch);
        uint256 end = start + $.config.epochSeconds;
        uint256 from = Math.max(start, n.registeredAt);
        uint256 to = n.active ? end : Math.min(end, n.deregisteredAt);
        if (to <= from) return 0;
        uint256 slot = $.config.slotSeconds;
        // Every slot the registration overlaps, partly or wholly.
        // slots <= MAX_SLOTS, so the result fits.
        return uint32(Math.ceilDiv(to - start, slot) - (from - start) / slot);
    }

    function _servedSinceCheckpoint(address node) private view returns (uint256) {
        if (!_s().nodes[node].active) return 0;
        uint256 count = _servedCount(node);
        uint256 checkpoint = _s().servedCheckpoint[node];
        return count > checkpoint ? count - checkpoint : 0;
    }

    function _servedCount(address node) private view returns (uint256) {
        address source = _s().servedSource;
        return source == address(0) ? 0 : IServedCounter(source).servedCount(node);
    }

    function _pay(address to, uint256 amount) private {
        address token = _s().rewardToken;
        if (token == address(0)) Address.sendValue(payable(to), amount);
        else IERC20(token).safeTransfer(to, amount);
    }

    function _credit(address account, uint256 amountWei) private {
        if (amountWei == 0) return;
        EdgeNodeRegistryStorage storage $ = _s();
        $.credits[account] += amountWei;
        $.totalCredits += amountWei;
    }

    function _leaf(address node, uint64 epoch, uint32 uptime) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(node, epoch, uptime))));
    }

    function _currentEpoch() private view returns (uint64) {
        EdgeNodeRegistryStorage storage $ = _s();
        return uint64((block.timestamp - $.genesis) / $.config.epochSeconds);
    }

    function _epochStart(uint64 epoch) private view returns (uint256) {
        EdgeNodeRegistryStorage storage $ = _s();
        return uint256($.genesis) + uint256(epoch) * $.config.epochSeconds;
    }

    function _slotsPerEpoch() private view returns (uint256) {
        Config storage c = _s().config;
        return c.epochSeconds / c.slotSeconds;
    }

    function _checkTiming(Config calldata c) private pure {
        if (c.slotSeconds == 0 || c.epochSeconds == 0 || c.epochSeconds % c.slotSeconds != 0) {
            revert EdgeBadConfig("slot timing");
        }
        if (c.epochSeconds / c.slotSeconds > MAX_SLOTS) revert EdgeBadConfig("over 256 slots");
        if (c.challengeWindowSeconds == 0 || c.answerWindowSeconds == 0) revert EdgeBadConfig("zero window");
    }

    function _s() private pure returns (EdgeNodeRegistryStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
