// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {AxonUpgradeable} from "../common/AxonUpgradeable.sol";
import {ITreasury} from "../common/interfaces/ITreasury.sol";
import {ILabelingBounties} from "./interfaces/ILabelingBounties.sol";

/// @title LabelingBounties
/// @notice Commit-reveal labelling bounties paid in ETH for labels that agree with each item's majority.
/// @dev Commit and reveal are deliberately not pausable: a pause cannot move their deadlines, so pausing them would
/// make honest labellers forfeit their rewards. Pausing stops new tasks only; settlement and withdrawals never stop.
/// Each labeller holds at most one slot of an item and posts the task's bond (ETH) with each commit: it is returned
/// with an agreeing label (or any revealed label of an unresolved item) and forfeited to the Treasury otherwise.
contract LabelingBounties is AxonUpgradeable, ILabelingBounties {
    using SafeCast for uint256;

    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_OPTIONS = 15;
    uint256 private constant MAX_LABELS_PER_ITEM = 64;
    uint256 private constant MAX_WINDOW_SECONDS = 365 days;
    /// @dev After the reveal deadline of a task with reference items, only its requester may finalise (and open the
    /// reference answers) for this long; then anyone may finalise, without reference answers.
    uint256 private constant GOLD_WINDOW_SECONDS = 1 days;

    // A slot word: 0 = empty, else the commitment's low 248 bits; the top byte becomes SETTLED_TAG when settled.
    // Whether a slot is revealed lives in its item word, so a reveal writes one word only.
    uint256 private constant SETTLED_SHIFT = 248;
    uint256 private constant SETTLED_TAG = uint256(1) << SETTLED_SHIFT;
    uint256 private constant COMMITMENT_MASK = SETTLED_TAG - 1;

    // An item word: bits 0..63 flag the revealed slots; 8-bit lanes from bit 64 tally revealed labels per option
    // (at most 64 each); bits 184..191 count the commits, bit 192 flags a reference (gold) item once finalised,
    // bits 240..247 hold the ItemStatus and bits 248..255 the majority (or reference) label once finalised.
    uint256 private constant TALLY_SHIFT = 64;
    uint256 private constant LANE_BITS = 8;
    uint256 private constant LANE_MASK = 0xff;
    uint256 private constant STATUS_SHIFT = 240;
    uint256 private constant MAJORITY_SHIFT = 248;
    uint256 private constant INDEX_BITS = 64;
    uint256 private constant COMMITS_SHIFT = 184;
    uint256 private constant GOLD_FLAG = uint256(1) << 192;
    /// @dev The `goldLabel` of an item finalised without a reference answer (labels are below 16).
    uint256 private constant NO_GOLD = type(uint256).max;

    /// @custom:storage-location erc7201:axon.storage.LabelingBounties
    struct LabelingBountiesStorage {
        uint256 lastTaskId;
        uint256 totalEscrowedWei;
        uint256 totalCreditsWei;
        mapping(uint256 taskId => Task) tasks;
        mapping(uint256 taskId => mapping(uint256 itemIndex => uint256 word)) items;
        mapping(uint256 taskId => mapping(uint256 slotKey => uint256 word)) slots;
        mapping(uint256 taskId => mapping(address labeller => uint256)) acceptedOf;
        mapping(address labeller => Reputation) reputations;
        mapping(address account => uint256) credits;
        address exporter;
        address treasury;
        uint256 forfeitedBondsWei;
        mapping(uint256 taskId => mapping(uint256 itemIndex => mapping(address labeller => bool))) holdsSlot;
    }

    // keccak256(abi.encode(uint256(keccak256("axon.storage.LabelingBounties")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xf3caa24e233f74bd110c303855582967356c3cdf29c21920007f67f322ac9200;

    /// @param admin Initial default admin (also pauser and upgrader).
    /// @param adminDelaySeconds Delay before a default-admin transfer can be accepted.
    function initialize(address admin, uint48 adminDelaySeconds) external initializer {
        __AxonUpgradeable_init(admin, adminDelaySeconds);
    }

    /// @inheritdoc ILabelingBounties
    function createTask(TaskParams calldata p) external payable whenNotPaused returns (uint256 taskId) {
        _checkParams(p);
        // itemCount < 2^32, labelsPerItem < 2^16, rewardWei < 2^96: the product fits in 144 bits.
        uint256 fundedWei = uint256(p.itemCount) * p.labelsPerItem * p.rewardWei;
        if (msg.value != fundedWei) revert LabelingBountiesWrongFunding(fundedWei, msg.value);
        LabelingBountiesStorage storage $ = _s();
        taskId = ++$.lastTaskId;
        $.tasks[taskId] = Task({
            merkleRoot: p.merkleRoot,
            commitDeadline: p.commitDeadline,
            revealDeadline: p.revealDeadline,
            itemCount: p.itemCount,
            labelsPerItem: p.labelsPerItem,
            optionCount: p.optionCount,
            thresholdBps: p.thresholdBps,
            requester: msg.sender,
            rewardWei: p.rewardWei,
            escrowedWei: fundedWei.toUint128(),
            finalizedItems: 0,
            acceptedLabels: 0,
            exported: false,
            bondWei: p.bondWei,
            goldRoot: p.goldRoot
        });
        $.totalEscrowedWei += fundedWei;
        emit TaskCreated(taskId, msg.sender, p, fundedWei);
    }

    /// @inheritdoc ILabelingBounties
    function commit(
        uint256 taskId,
        uint256 itemIndex,
        uint256 slot,
        bytes32 itemHash,
        bytes32[] calldata proof,
        bytes32 commitment
    ) external payable {
        LabelingBountiesStorage storage $ = _s();
        Task storage t = $.tasks[taskId];
        _checkCommitWindow(t, taskId, itemIndex, slot);
        if (msg.value != t.bondWei) revert LabelingBountiesWrongBond(taskId, t.bondWei, msg.value);
        uint256 word = uint256(commitment) & COMMITMENT_MASK;
        if (word == 0) revert LabelingBountiesZeroCommitment();
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(itemIndex, itemHash))));
        if (!MerkleProof.verifyCalldata(proof, t.merkleRoot, leaf)) {
            revert LabelingBountiesInvalidProof(taskId, itemIndex, itemHash);
        }
        uint256 key = _slotKey(itemIndex, slot);
        uint256 current = $.slots[taskId][key];
        if (current != 0) revert LabelingBountiesWrongSlotState(taskId, itemIndex, slot, SlotState.Committed);
        if ($.holdsSlot[taskId][itemIndex][msg.sender]) revert LabelingBountiesSlotHeld(taskId, itemIndex, msg.sender);
        $.holdsSlot[taskId][itemIndex][msg.sender] = true;
        $.slots[taskId][key] = word;
        // At most labelsPerItem <= 64 commits per item: the count stays inside its 8-bit lane.
        $.items[taskId][itemIndex] += uint256(1) << COMMITS_SHIFT;
        // The bond joins the task's escrow until the slot is settled or forfeited.
        t.escrowedWei += uint128(msg.value);
        $.totalEscrowedWei += msg.value;
        emit LabelCommitted(taskId, itemIndex, msg.sender, slot);
    }

    /// @inheritdoc ILabelingBounties
    function reveal(uint256 taskId, uint256 itemIndex, uint256 slot, uint8 label, bytes32 salt) external {
        LabelingBountiesStorage storage $ = _s();
        Task storage t = $.tasks[taskId];
        uint64 commitDeadline = t.commitDeadline;
        uint64 revealDeadline = t.revealDeadline;
        uint8 optionCount = t.optionCount;
        if (block.timestamp <= commitDeadline || block.timestamp > revealDeadline) {
            revert LabelingBountiesNotInRevealWindow(taskId, commitDeadline, revealDeadline);
        }
        _checkIndices(taskId, itemIndex, slot, t.itemCount, t.labelsPerItem);
        if (label >= optionCount) revert LabelingBountiesInvalidLabel(taskId, label, optionCount);
        uint256 item = $.items[taskId][itemIndex];
        uint256 revealedFlag = uint256(1) << slot;
        if (item & revealedFlag != 0)
            revert LabelingBountiesWrongSlotState(taskId, itemIndex, slot, SlotState.Revealed);
        uint256 word = $.slots[taskId][_slotKey(itemIndex, slot)];
        if (word == 0) revert LabelingBountiesWrongSlotState(taskId, itemIndex, slot, SlotState.Empty);
        if (word != uint256(_commitment(taskId, itemIndex, msg.sender, label, salt)) & COMMITMENT_MASK) {
            revert LabelingBountiesCommitmentMismatch(taskId, itemIndex, slot, msg.sender);
        }
        // A tally never exceeds labelsPerItem <= 64, so the increment stays inside its 8-bit lane.
        $.items[taskId][itemIndex] = (item | revealedFlag) + (uint256(1) << (TALLY_SHIFT + uint256(label) * LANE_BITS));
        emit LabelRevealed(taskId, itemIndex, msg.sender, slot, label);
    }

    /// @inheritdoc ILabelingBounties
    function finalizeItem(uint256 taskId, uint256 itemIndex) external {
        Task storage t = _settlingTask(taskId);
        if (t.goldRoot != bytes32(0) && msg.sender != t.requester) {
            uint256 openAt = uint256(t.revealDeadline) + GOLD_WINDOW_SECONDS;
            if (block.timestamp <= openAt) revert LabelingBountiesGoldWindowOpen(taskId, openAt);
        }
        _finalize(t, taskId, itemIndex, NO_GOLD);
    }

    /// @inheritdoc ILabelingBounties
    function finalizeGoldItem(
        uint256 taskId,
        uint256 itemIndex,
        uint8 goldLabel,
        bytes32 salt,
        bytes32[] calldata proof
    ) external {
        Task storage t = _settlingTask(taskId);
        if (goldLabel >= t.optionCount) revert LabelingBountiesInvalidLabel(taskId, goldLabel, t.optionCount);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(itemIndex, goldLabel, salt))));
        if (!MerkleProof.verifyCalldata(proof, t.goldRoot, leaf)) {
            revert LabelingBountiesInvalidGoldProof(taskId, itemIndex, goldLabel);
        }
        _finalize(t, taskId, itemIndex, goldLabel);
    }

    /// @inheritdoc ILabelingBounties
    function claim(
        uint256 taskId,
        uint256 itemIndex,
        uint256 slot,
        address labeller,
        uint8 label,
        bytes32 salt
    ) external {
        uint256 item = _settleSlot(taskId, itemIndex, slot, labeller, label, salt);
        bool resolved = ItemStatus((item >> STATUS_SHIFT) & 0xff) == ItemStatus.Resolved;
        bool accepted = resolved && label == item >> MAJORITY_SHIFT;
        (uint256 rewardWei, uint256 bondWei) = _recordOutcome(
            taskId,
            labeller,
            resolved,
            accepted,
            item & GOLD_FLAG != 0
        );
        emit LabelSettled(taskId, itemIndex, labeller, slot, accepted, rewardWei, bondWei);
    }

    /// @inheritdoc ILabelingBounties
    function withdraw() external nonReentrant {
        LabelingBountiesStorage storage $ = _s();
        uint256 amountWei = $.credits[msg.sender];
        if (amountWei == 0) revert LabelingBountiesNothingToWithdraw(msg.sender);
        $.credits[msg.sender] = 0;
        $.totalCreditsWei -= amountWei;
        emit CreditWithdrawn(msg.sender, amountWei);
        Address.sendValue(payable(msg.sender), amountWei);
    }

    /// @inheritdoc ILabelingBounties
    function sweepForfeitedBonds() external nonReentrant {
        LabelingBountiesStorage storage $ = _s();
        address treasury_ = $.treasury;
        if (treasury_ == address(0)) revert LabelingBountiesZeroAddress("treasury");
        uint256 amountWei = $.forfeitedBondsWei;
        if (amountWei == 0) revert LabelingBountiesNothingToWithdraw(treasury_);
        $.forfeitedBondsWei = 0;
        emit ForfeitedBondsSwept(treasury_, amountWei);
        ITreasury(treasury_).depositETH{value: amountWei}();
    }

    /// @inheritdoc ILabelingBounties
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert LabelingBountiesZeroAddress("treasury");
        _s().treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    /// @inheritdoc ILabelingBounties
    function setExporter(address exporter_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (exporter_ == address(0)) revert LabelingBountiesZeroAddress("exporter");
        _s().exporter = exporter_;
        emit ExporterSet(exporter_);
    }

    /// @inheritdoc ILabelingBounties
    function recordExport(uint256 taskId, address requester) external whenNotPaused returns (uint256 acceptedLabels) {
        LabelingBountiesStorage storage $ = _s();
        if (msg.sender != $.exporter) revert LabelingBountiesNotExporter(msg.sender);
        Task storage t = $.tasks[taskId];
        if (requester != t.requester) revert LabelingBountiesNotRequester(taskId, requester);
        if (t.finalizedItems != t.itemCount) {
            revert LabelingBountiesTaskNotFinished(taskId, t.finalizedItems, t.itemCount);
        }
        if (t.exported) revert LabelingBountiesAlreadyExported(taskId);
        acceptedLabels = t.acceptedLabels;
        if (acceptedLabels == 0) revert LabelingBountiesNoAcceptedLabels(taskId);
        t.exported = true;
        emit ExportRecorded(taskId, msg.sender);
    }

    /// @inheritdoc ILabelingBounties
    function exporter() external view returns (address) {
        return _s().exporter;
    }

    /// @inheritdoc ILabelingBounties
    function treasury() external view returns (address) {
        return _s().treasury;
    }

    /// @inheritdoc ILabelingBounties
    function forfeitedBonds() external view returns (uint256) {
        return _s().forfeitedBondsWei;
    }

    /// @inheritdoc ILabelingBounties
    function holdsSlot(uint256 taskId, uint256 itemIndex, address labeller) external view returns (bool) {
        return _s().holdsSlot[taskId][itemIndex][labeller];
    }

    /// @inheritdoc ILabelingBounties
    function getTask(uint256 taskId) external view returns (Task memory) {
        return _s().tasks[taskId];
    }

    /// @inheritdoc ILabelingBounties
    function isTaskFinished(uint256 taskId) public view returns (bool) {
        Task storage t = _s().tasks[taskId];
        return t.itemCount != 0 && t.finalizedItems == t.itemCount;
    }

    /// @inheritdoc ILabelingBounties
    function itemState(
        uint256 taskId,
        uint256 itemIndex
    ) external view returns (ItemStatus status, uint8 majorityLabel, uint16[] memory tallies) {
        LabelingBountiesStorage storage $ = _s();
        uint256 item = $.items[taskId][itemIndex];
        status = ItemStatus((item >> STATUS_SHIFT) & 0xff);
        majorityLabel = uint8(item >> MAJORITY_SHIFT);
        uint256 options = $.tasks[taskId].optionCount;
        tallies = new uint16[](options);
        for (uint256 i; i < options; ++i) {
            tallies[i] = uint16((item >> (TALLY_SHIFT + i * LANE_BITS)) & LANE_MASK);
        }
    }

    /// @inheritdoc ILabelingBounties
    function slotState(uint256 taskId, uint256 itemIndex, uint256 slot) external view returns (SlotState) {
        if (slot >= MAX_LABELS_PER_ITEM) return SlotState.Empty;
        LabelingBountiesStorage storage $ = _s();
        return _stateOf($.slots[taskId][_slotKey(itemIndex, slot)], $.items[taskId][itemIndex], slot);
    }

    /// @inheritdoc ILabelingBounties
    function commitmentOf(
        uint256 taskId,
        uint256 itemIndex,
        address labeller,
        uint8 label,
        bytes32 salt
    ) external pure returns (bytes32) {
        return _commitment(taskId, itemIndex, labeller, label, salt);
    }

    /// @inheritdoc ILabelingBounties
    function reputationOf(address labeller) external view returns (Reputation memory) {
        return _s().reputations[labeller];
    }

    /// @inheritdoc ILabelingBounties
    function acceptedLabelsOf(uint256 taskId, address labeller) external view returns (uint256) {
        return _s().acceptedOf[taskId][labeller];
    }

    /// @inheritdoc ILabelingBounties
    function creditOf(address account) external view returns (uint256) {
        return _s().credits[account];
    }

    /// @inheritdoc ILabelingBounties
    function totalCredits() external view returns (uint256) {
        return _s().totalCreditsWei;
    }

    /// @inheritdoc ILabelingBounties
    function totalEscrowed() external view returns (uint256) {
        return _s().totalEscrowedWei;
    }

    /// @inheritdoc ILabelingBounties
    function lastTaskId() external view returns (uint256) {
        return _s().lastTaskId;
    }

    /// @dev Checks that `slot` holds a revealed opening of (labeller, label, salt) on a finalised item, marks it
    /// settled and returns the item word.
    function _settleSlot(
        uint256 taskId,
        uint256 itemIndex,
        uint256 slot,
        address labeller,
        uint8 label,
        bytes32 salt
    ) private returns (uint256 item) {
        LabelingBountiesStorage storage $ = _s();
        Task storage t = $.tasks[taskId];
        _checkIndices(taskId, itemIndex, slot, t.itemCount, t.labelsPerItem);
        item = $.items[taskId][itemIndex];
        if (item >> STATUS_SHIFT == 0) revert LabelingBountiesItemNotFinalized(taskId, itemIndex);
        uint256 key = _slotKey(itemIndex, slot);
        uint256 word = $.slots[taskId][key];
        SlotState state = _stateOf(word, item, slot);
        if (state != SlotState.Revealed) revert LabelingBountiesWrongSlotState(taskId, itemIndex, slot, state);
        if (word != uint256(_commitment(taskId, itemIndex, labeller, label, salt)) & COMMITMENT_MASK) {
            revert LabelingBountiesCommitmentMismatch(taskId, itemIndex, slot, labeller);
        }
        $.slots[taskId][key] = word | SETTLED_TAG;
    }

    /// @dev Fixes an item's outcome (`goldLabel` for a reference item, else the thresholded majority), credits the
    /// requester the rewards that will not be paid and forfeits the bonds that will not be returned.
    function _finalize(Task storage t, uint256 taskId, uint256 itemIndex, uint256 goldLabel) private {
        LabelingBountiesStorage storage $ = _s();
        if (itemIndex >= t.itemCount) revert LabelingBountiesItemOutOfRange(taskId, itemIndex, t.itemCount);
        uint256 item = $.items[taskId][itemIndex];
        if (item >> STATUS_SHIFT != 0) revert LabelingBountiesItemFinalized(taskId, itemIndex);
        (uint256 word, uint256 top, uint256 kept, uint256 returned) = _outcome(
            item,
            t.optionCount,
            t.thresholdBps,
            goldLabel
        );
        $.items[taskId][itemIndex] = word;
        // kept <= labelsPerItem (one reveal per slot), so the refund is at most this item's share of the escrow.
        uint256 refundWei = (uint256(t.labelsPerItem) - kept) * t.rewardWei;
        // Bonds come back to agreeing labels (every revealed label if unresolved); the rest are forfeited, with the
        // rewards of a reference item's revealed misses.
        uint256 forfeitWei =
            (((item >> COMMITS_SHIFT) & LANE_MASK) - returned) * t.bondWei + (kept - top) * t.rewardWei;
        ++t.finalizedItems;
        t.acceptedLabels += uint64(top);
        _release(t, refundWei + forfeitWei);
        _credit(t.requester, refundWei);
        $.forfeitedBondsWei += forfeitWei;
        emit ItemFinalized(
            taskId,
            itemIndex,
            ItemStatus((word >> STATUS_SHIFT) & 0xff),
            uint8(word >> MAJORITY_SHIFT),
            top,
            refundWei
        );
        if (forfeitWei != 0) emit BondsForfeited(taskId, itemIndex, forfeitWei);
    }

    /// @dev An item's outcome: its finalised word, its accepted labels (`top`), the slots whose reward the requester
    /// does not get back (`kept`: accepted ones, or every revealed one of a reference item, whose misses' rewards are
    /// forfeited) and the bonds to return (`returned`: accepted labels, or every revealed one if unresolved).
    function _outcome(
        uint256 item,
        uint256 options,
        uint256 thresholdBps,
        uint256 goldLabel
    ) private pure returns (uint256 word, uint256 top, uint256 kept, uint256 returned) {
        uint256 majority;
        uint256 revealed;
        bool tie;
        (majority, top, revealed, tie) = _tally(item, options);
        bool gold = goldLabel != NO_GOLD;
        bool resolved = gold || (!tie && top * BPS >= thresholdBps * revealed);
        if (gold) {
            (majority, top) = (goldLabel, (item >> (TALLY_SHIFT + goldLabel * LANE_BITS)) & LANE_MASK);
            item |= GOLD_FLAG;
        } else if (!resolved) {
            (majority, top) = (0, 0);
        }
        word =
            item |
            (uint256(resolved ? ItemStatus.Resolved : ItemStatus.Unresolved) << STATUS_SHIFT) |
            (majority << MAJORITY_SHIFT);
        kept = gold ? revealed : top;
        returned = resolved ? top : revealed;
    }

    /// @dev Pays an accepted label its reward and bond, returns the bond of a label of an unresolved item, and
    /// records the outcome in the labeller's reputation (a missed reference item also counts as a gold miss).
    function _recordOutcome(
        uint256 taskId,
        address labeller,
        bool resolved,
        bool accepted,
        bool gold
    ) private returns (uint256 rewardWei, uint256 bondWei) {
        LabelingBountiesStorage storage $ = _s();
        Reputation storage rep = $.reputations[labeller];
        Task storage t = $.tasks[taskId];
        if (accepted) {
            rewardWei = t.rewardWei;
            bondWei = t.bondWei;
            ++rep.accepted;
            ++$.acceptedOf[taskId][labeller];
        } else if (resolved) {
            ++rep.rejected;
            if (gold) ++rep.goldMisses;
        } else {
            bondWei = t.bondWei;
        }
        _release(t, rewardWei + bondWei);
        _credit(labeller, rewardWei + bondWei);
    }

    function _checkParams(TaskParams calldata p) private view {
        if (p.merkleRoot == bytes32(0)) revert LabelingBountiesInvalidParam("merkleRoot");
        if (p.itemCount == 0) revert LabelingBountiesInvalidParam("itemCount");
        if (p.labelsPerItem == 0 || p.labelsPerItem > MAX_LABELS_PER_ITEM)
            revert LabelingBountiesInvalidParam("labelsPerItem");
        if (p.optionCount < 2 || p.optionCount > MAX_OPTIONS) revert LabelingBountiesInvalidParam("optionCount");
        if (p.thresholdBps == 0 || p.thresholdBps > BPS) revert LabelingBountiesInvalidParam("thresholdBps");
        if (p.rewardWei == 0) revert LabelingBountiesInvalidParam("rewardWei");
        // A bond of at least the reward makes a squatted slot cost its squatter more than the escrow it blocks.
        if (p.bondWei < p.rewardWei) revert LabelingBountiesInvalidParam("bondWei");
        if (p.commitDeadline <= block.timestamp || p.commitDeadline > block.timestamp + MAX_WINDOW_SECONDS) {
            revert LabelingBountiesInvalidParam("commitDeadline");
        }
        if (p.revealDeadline <= p.commitDeadline || p.revealDeadline > p.commitDeadline + MAX_WINDOW_SECONDS) {
            revert LabelingBountiesInvalidParam("revealDeadline");
        }
    }

    /// @dev The task, once its reveal window is over (settlement phase).
    function _settlingTask(uint256 taskId) private view returns (Task storage t) {
        t = _s().tasks[taskId];
        if (t.itemCount == 0) revert LabelingBountiesUnknownTask(taskId);
        if (block.timestamp <= t.revealDeadline) revert LabelingBountiesRevealNotOver(taskId, t.revealDeadline);
    }

    function _checkCommitWindow(Task storage t, uint256 taskId, uint256 itemIndex, uint256 slot) private view {
        uint64 commitDeadline = t.commitDeadline;
        uint32 itemCount = t.itemCount;
        if (itemCount == 0) revert LabelingBountiesUnknownTask(taskId);
        if (block.timestamp > commitDeadline) revert LabelingBountiesCommitClosed(taskId, commitDeadline);
        _checkIndices(taskId, itemIndex, slot, itemCount, t.labelsPerItem);
    }

    function _checkIndices(
        uint256 taskId,
        uint256 itemIndex,
        uint256 slot,
        uint256 itemCount,
        uint256 labelsPerItem
    ) private pure {
        if (itemIndex >= itemCount) revert LabelingBountiesItemOutOfRange(taskId, itemIndex, itemCount);
        if (slot >= labelsPerItem) revert LabelingBountiesSlotOutOfRange(taskId, slot, labelsPerItem);
    }

    function _release(Task storage t, uint256 amountWei) private {
        // Every release is a share of the task's own escrow, sized from its parameters, so it never underflows.
        t.escrowedWei -= uint128(amountWei);
        _s().totalEscrowedWei -= amountWei;
    }

    function _credit(address account, uint256 amountWei) private {
        if (amountWei == 0) return;
        LabelingBountiesStorage storage $ = _s();
        $.credits[account] += amountWei;
        $.totalCreditsWei += amountWei;
    }

    function _tally(
        uint256 item,
        uint256 options
    ) private pure returns (uint256 majority, uint256 top, uint256 revealed, bool tie) {
        for (uint256 i; i < options; ++i) {
            uint256 count = (item >> (TALLY_SHIFT + i * LANE_BITS)) & LANE_MASK;
            revealed += count;
            if (count > top) {
                (majority, top, tie) = (i, count, false);
            } else if (count == top) {
                tie = true;
            }
        }
    }

    function _commitment(
        uint256 taskId,
        uint256 itemIndex,
        address labeller,
        uint8 label,
        bytes32 salt
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(taskId, itemIndex, labeller, label, salt));
    }

    function _stateOf(uint256 word, uint256 item, uint256 slot) private pure returns (SlotState) {
        if (word == 0) return SlotState.Empty;
        if (word & SETTLED_TAG != 0) return SlotState.Settled;
        return item & (uint256(1) << slot) != 0 ? SlotState.Revealed : SlotState.Committed;
    }

    function _slotKey(uint256 itemIndex, uint256 slot) private pure returns (uint256) {
        // Callers check itemIndex < 2^32 and slot < 64 first, so distinct (item, slot) pairs never share a key.
        return (itemIndex << INDEX_BITS) | slot;
    }

    function _s() private pure returns (LabelingBountiesStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
