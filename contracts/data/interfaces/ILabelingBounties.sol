// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ILabelingBounties
/// @notice Funded labelling tasks with commit-reveal labels. A requester escrows `itemCount * labelsPerItem` rewards
/// (ETH only) for items committed as a Merkle root. Each item has `labelsPerItem` numbered slots; a labeller takes a
/// free slot by committing keccak256(abi.encode(taskId, itemIndex, labeller, label, salt)) with a Merkle proof of the
/// item, then reveals during the reveal window. After the reveal deadline anyone finalises an item (the label with
/// the strictly largest tally wins if its share of the revealed labels reaches the task threshold) and settles each
/// revealed slot: agreeing labels are credited the reward, disagreeing ones count as rejected in the labeller's
/// reputation. Finalising an item credits the requester every slot of it that will not be paid: unfilled,
/// unrevealed, minority, or all of them if the item is unresolved (a tie, a share below the threshold, no reveal).
/// An unrevealed commitment earns nothing and, since only its hash is stored, touches no reputation.
/// Every call is O(1) in the number of items and labellers (finalising is O(label options), at most 15); no call
/// loops over items, so the requester finalises each item, labelled or not, to recover its escrow. Payouts are
/// pull credits. A reveal writes only its item's word: the slot's revealed flag and the tally share that word.
/// A finished task is listed on the DataMarket in one call to the LabelingBountiesExporter (kept apart so that this
/// contract stays under the EIP-170 size limit), which records the export here; the task's LabelingRoyaltySink is
/// the labellers' contributor entry and splits what it collects by `acceptedLabelsOf` in O(1) per labeller.
/// Sybil resistance: a labeller holds at most one slot of an item, and each commit posts the task's bond (ETH, at
/// least the reward per label). The bond is returned with the reward for an agreeing label, returned alone for a
/// revealed label of an unresolved item, and forfeited for an unrevealed or rejected label; forfeited bonds are
/// swept to the protocol Treasury, so neither the requester (who chooses the reference answers) nor other labellers
/// profit from a miss. A requester may commit reference (gold) items as `goldRoot`, a Merkle root of salted
/// (itemIndex, goldLabel, salt) leaves that labellers cannot tell apart from nothing; after the reveal deadline the
/// requester finalises a reference item with its opening, which fixes the item's label to the reference answer
/// (threshold and tallies aside), so a miss is a rejection, a gold miss in the labeller's reputation, and a lost bond.
/// The rewards of a reference item's revealed misses also go to the Treasury, not back to the requester, so a false
/// reference answer costs its requester what honest answers would have: it cannot buy labels for free that way.
/// For a task with a goldRoot only the requester may finalise during the day after the reveal deadline.
/// Accounting invariant: balance = total credits + total escrow (unpaid rewards and held bonds) + forfeited bonds.
interface ILabelingBounties {
    /// @notice What a requester supplies to fund a task.
    /// @param merkleRoot Root of the tree whose leaves are keccak256(bytes.concat(keccak256(abi.encode(itemIndex,
    /// itemHash)))) (OpenZeppelin StandardMerkleTree leaf encoding of (uint256, bytes32)).
    /// @param itemCount Number of items (leaf indices 0 .. itemCount - 1).
    /// @param labelsPerItem Labels wanted per item, i.e. slots per item, 1 to 64.
    /// @param optionCount Number of label options (labels 0 .. optionCount - 1), 2 to 15.
    /// @param thresholdBps Minimum share of the revealed labels the winning label needs, 1 to 10000.
    /// @param commitDeadline Last second at which commits are accepted.
    /// @param revealDeadline Last second at which reveals are accepted; after it items are finalised.
    /// @param rewardWei Reward per accepted label; msg.value must be itemCount * labelsPerItem * rewardWei.
    /// @param bondWei ETH bond each commit posts, at least rewardWei.
    /// @param goldRoot Root of the reference items' tree (leaves keccak256(bytes.concat(keccak256(abi.encode(
    /// itemIndex, goldLabel, salt))))), or zero for a task without reference items.
    struct TaskParams {
        bytes32 merkleRoot;
        uint32 itemCount;
        uint16 labelsPerItem;
        uint8 optionCount;
        uint16 thresholdBps;
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint96 rewardWei;
        uint96 bondWei;
        bytes32 goldRoot;
    }

    /// @notice A task as stored (packed into six slots; `bondWei` and `goldRoot` were appended).
    struct Task {
        bytes32 merkleRoot;
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint32 itemCount;
        uint16 labelsPerItem;
        uint8 optionCount;
        uint16 thresholdBps;
        address requester;
        uint96 rewardWei;
        uint128 escrowedWei;
        uint32 finalizedItems;
        uint64 acceptedLabels;
        bool exported;
        uint96 bondWei;
        bytes32 goldRoot;
    }

    /// @notice The outcome of an item: `Open` until finalised, then `Resolved` (majority label fixed) or
    /// `Unresolved` (tie or share below threshold: nobody is paid for the item).
    enum ItemStatus {
        Open,
        Resolved,
        Unresolved
    }

    /// @notice A slot's state: `Empty`, `Committed` (commitment stored), `Revealed` (label counted in the item's
    /// tally; labeller and label are in `LabelRevealed`) or `Settled` (paid or rejected by `claim`).
    enum SlotState {
        Empty,
        Committed,
        Revealed,
        Settled
    }

    /// @notice A labeller's all-time record of settled labels; `goldMisses` counts the rejections on reference items.
    struct Reputation {
        uint64 accepted;
        uint64 rejected;
        uint64 goldMisses;
    }

    /// @notice A task was created and funded.
    event TaskCreated(uint256 indexed taskId, address indexed requester, TaskParams params, uint256 fundedWei);
    /// @notice `labeller` took `slot` of an item with a commitment.
    event LabelCommitted(uint256 indexed taskId, uint256 indexed itemIndex, address indexed labeller, uint256 slot);
    /// @notice `labeller` revealed `label` for `slot` of an item.
    event LabelRevealed(
        uint256 indexed taskId,
        uint256 indexed itemIndex,
        address indexed labeller,
        uint256 slot,
        uint8 label
    );
    /// @notice An item's outcome was fixed; `refundWei` of its escrow was credited to the requester.
    event ItemFinalized(
        uint256 indexed taskId,
        uint256 indexed itemIndex,
        ItemStatus status,
        uint8 majorityLabel,
        uint256 acceptedLabels,
        uint256 refundWei
    );
    /// @notice A revealed slot was settled: `rewardWei` credited to the labeller if `accepted`, and `bondWei` returned
    /// if accepted or the item is unresolved.
    event LabelSettled(
        uint256 indexed taskId,
        uint256 indexed itemIndex,
        address indexed labeller,
        uint256 slot,
        bool accepted,
        uint256 rewardWei,
        uint256 bondWei
    );
    /// @notice Finalising an item forfeited `amountWei` to the Treasury: the bonds of its unrevealed and rejected
    /// labels and, on a reference item, the rewards of its revealed misses.
    event BondsForfeited(uint256 indexed taskId, uint256 indexed itemIndex, uint256 amountWei);
    /// @notice The forfeited bonds were paid to the Treasury.
    event ForfeitedBondsSwept(address indexed treasury, uint256 amountWei);
    /// @notice The Treasury that receives forfeited bonds was set.
    event TreasurySet(address indexed treasury);
    /// @notice A pull credit was paid out.
    event CreditWithdrawn(address indexed account, uint256 amountWei);
    /// @notice The exporter allowed to record exports was set.
    event ExporterSet(address indexed exporter);
    /// @notice A finished task was exported through `exporter`; its accepted-label counts are final.
    event ExportRecorded(uint256 indexed taskId, address indexed exporter);

    /// @notice A task parameter is out of range; `what` names it.
    error LabelingBountiesInvalidParam(string what);
    /// @notice msg.value does not equal the task's full escrow.
    error LabelingBountiesWrongFunding(uint256 expectedWei, uint256 sentWei);
    /// @notice No task has this id.
    error LabelingBountiesUnknownTask(uint256 taskId);
    /// @notice The item index is not below the task's item count.
    error LabelingBountiesItemOutOfRange(uint256 taskId, uint256 itemIndex, uint256 itemCount);
    /// @notice The slot index is not below the task's labels per item.
    error LabelingBountiesSlotOutOfRange(uint256 taskId, uint256 slot, uint256 labelsPerItem);
    /// @notice The Merkle proof does not prove (itemIndex, itemHash) under the task's root.
    error LabelingBountiesInvalidProof(uint256 taskId, uint256 itemIndex, bytes32 itemHash);
    /// @notice Commits are accepted only until `commitDeadline` (inclusive).
    error LabelingBountiesCommitClosed(uint256 taskId, uint64 commitDeadline);
    /// @notice Reveals are accepted only after `commitDeadline` and until `revealDeadline` (inclusive).
    error LabelingBountiesNotInRevealWindow(uint256 taskId, uint64 commitDeadline, uint64 revealDeadline);
    /// @notice Settlement starts only after `revealDeadline`.
    error LabelingBountiesRevealNotOver(uint256 taskId, uint64 revealDeadline);
    /// @notice A zero commitment (after clearing its top byte) cannot be stored.
    error LabelingBountiesZeroCommitment();
    /// @notice The slot is not in the state the call needs.
    error LabelingBountiesWrongSlotState(uint256 taskId, uint256 itemIndex, uint256 slot, SlotState state);
    /// @notice (label, salt) does not hash, with the labeller's address, to the slot's commitment.
    error LabelingBountiesCommitmentMismatch(uint256 taskId, uint256 itemIndex, uint256 slot, address labeller);
    /// @notice The label is not below the task's option count.
    error LabelingBountiesInvalidLabel(uint256 taskId, uint8 label, uint8 optionCount);
    /// @notice The item is already finalised.
    error LabelingBountiesItemFinalized(uint256 taskId, uint256 itemIndex);
    /// @notice The item is not finalised yet.
    error LabelingBountiesItemNotFinalized(uint256 taskId, uint256 itemIndex);
    /// @notice There is no credit to withdraw.
    error LabelingBountiesNothingToWithdraw(address account);
    /// @notice A zero address was given where one is required (`what` names the parameter).
    error LabelingBountiesZeroAddress(string what);
    /// @notice Only the task's requester may do this.
    error LabelingBountiesNotRequester(uint256 taskId, address caller);
    /// @notice The task still has items to finalise.
    error LabelingBountiesTaskNotFinished(uint256 taskId, uint256 finalizedItems, uint256 itemCount);
    /// @notice The task was already exported.
    error LabelingBountiesAlreadyExported(uint256 taskId);
    /// @notice A task without accepted labels has no labellers to pay royalties to.
    error LabelingBountiesNoAcceptedLabels(uint256 taskId);
    /// @notice Only the configured exporter may record exports.
    error LabelingBountiesNotExporter(address caller);
    /// @notice msg.value of a commit does not equal the task's bond.
    error LabelingBountiesWrongBond(uint256 taskId, uint256 expectedWei, uint256 sentWei);
    /// @notice The labeller already holds a slot of this item.
    error LabelingBountiesSlotHeld(uint256 taskId, uint256 itemIndex, address labeller);
    /// @notice The proof does not prove (itemIndex, goldLabel, salt) under the task's goldRoot.
    error LabelingBountiesInvalidGoldProof(uint256 taskId, uint256 itemIndex, uint8 goldLabel);
    /// @notice Until `openAt`, only the requester may finalise items of a task with reference items.
    error LabelingBountiesGoldWindowOpen(uint256 taskId, uint256 openAt);

    /// @notice Creates a task and escrows its full reward budget.
    /// @param params The task parameters; msg.value must equal itemCount * labelsPerItem * rewardWei.
    /// @return taskId The new task's id (sequential from 1).
    function createTask(TaskParams calldata params) external payable returns (uint256 taskId);

    /// @notice Takes a free slot of an item with a commitment, posting the task's bond as msg.value, until the commit
    /// deadline (inclusive). Slots are first come, first served; an address holds at most one slot of an item. The
    /// cap alone does not stop a Sybil (addresses are free): the bond does, since every slot a Sybil fills and does
    /// not reveal in agreement costs it the bond, at least the reward the slot could earn.
    /// @param taskId The task.
    /// @param itemIndex The item's leaf index.
    /// @param slot A free slot of the item, below labelsPerItem (see `slotState`).
    /// @param itemHash The item's content hash, the leaf's second field.
    /// @param proof Merkle proof of the leaf (itemIndex, itemHash) under the task's root.
    /// @param commitment keccak256(abi.encode(taskId, itemIndex, msg.sender, label, salt)); its top byte is ignored.
    function commit(
        uint256 taskId,
        uint256 itemIndex,
        uint256 slot,
        bytes32 itemHash,
        bytes32[] calldata proof,
        bytes32 commitment
    ) external payable;

    /// @notice Opens the caller's commitment in `slot` after the commit deadline and until the reveal deadline.
    /// @param taskId The task.
    /// @param itemIndex The item.
    /// @param slot The slot the caller committed to.
    /// @param label The label, below optionCount.
    /// @param salt The salt of the commitment.
    function reveal(uint256 taskId, uint256 itemIndex, uint256 slot, uint8 label, bytes32 salt) external;

    /// @notice Fixes an item's outcome after the reveal deadline, credits the requester the escrow of its slots
    /// that will not be paid (all of them for an item without reveals) and forfeits the bonds of unrevealed and
    /// rejected labels. Callable by anyone once per item; for a task with a goldRoot, by the requester only until a
    /// day after the reveal deadline.
    /// @param taskId The task.
    /// @param itemIndex The item.
    function finalizeItem(uint256 taskId, uint256 itemIndex) external;

    /// @notice Finalises a reference item with its opening under the task's goldRoot: the item is Resolved to
    /// `goldLabel` whatever the tallies, so only labels equal to it are paid; the requester is refunded only the
    /// rewards of unfilled and unrevealed slots (the rewards and bonds of revealed misses go to the Treasury).
    /// Callable by anyone holding the opening (the requester) after the reveal deadline, once per item.
    /// @param taskId The task.
    /// @param itemIndex The item.
    /// @param goldLabel The reference answer, below optionCount.
    /// @param salt The leaf's salt.
    /// @param proof Merkle proof of the leaf under goldRoot.
    function finalizeGoldItem(
        uint256 taskId,
        uint256 itemIndex,
        uint8 goldLabel,
        bytes32 salt,
        bytes32[] calldata proof
    ) external;

    /// @notice Settles a revealed slot of a finalised item: credits its labeller the reward and the bond if the label
    /// is the item's majority label (reputation accepted + 1), else, if the item was resolved, records a rejection
    /// (and a gold miss on a reference item; the bond was forfeited at finalisation); a label of an unresolved item
    /// gets its bond back and changes no reputation. Callable by anyone (the opening is public in `LabelRevealed`),
    /// once per slot.
    /// @param taskId The task.
    /// @param itemIndex The item.
    /// @param slot The revealed slot.
    /// @param labeller The labeller who revealed the slot.
    /// @param label The revealed label.
    /// @param salt The revealed salt.
    function claim(
        uint256 taskId,
        uint256 itemIndex,
        uint256 slot,
        address labeller,
        uint8 label,
        bytes32 salt
    ) external;

    /// @notice Pays out the caller's whole pull credit.
    function withdraw() external;

    /// @notice Pays every forfeited bond to the Treasury; callable by anyone.
    function sweepForfeitedBonds() external;

    /// @notice Sets the Treasury that receives forfeited bonds; admin only.
    function setTreasury(address treasury) external;

    /// @notice Sets the LabelingBountiesExporter allowed to record exports; admin only.
    function setExporter(address exporter) external;

    /// @notice Marks a finished task exported; exporter only, once per task, when not paused.
    /// @param taskId The task: every item finalised, at least one accepted label.
    /// @param requester The account exporting, which must be the task's requester.
    /// @return acceptedLabels The task's (final) number of accepted labels, the royalty split's denominator.
    function recordExport(uint256 taskId, address requester) external returns (uint256 acceptedLabels);

    /// @notice The task `taskId` (all zero if unknown).
    function getTask(uint256 taskId) external view returns (Task memory);

    /// @notice Whether every item of the task is finalised (its accepted-label count is then final).
    function isTaskFinished(uint256 taskId) external view returns (bool);

    /// @notice An item's outcome and its revealed-label tally per option (index = label).
    /// @return status Open, Resolved or Unresolved.
    /// @return majorityLabel The winning label (meaningful when Resolved).
    /// @return tallies Revealed labels per option; length optionCount.
    function itemState(
        uint256 taskId,
        uint256 itemIndex
    ) external view returns (ItemStatus status, uint8 majorityLabel, uint16[] memory tallies);

    /// @notice A slot's state.
    function slotState(uint256 taskId, uint256 itemIndex, uint256 slot) external view returns (SlotState);

    /// @notice The commitment a labeller must submit for (taskId, itemIndex, label, salt).
    function commitmentOf(
        uint256 taskId,
        uint256 itemIndex,
        address labeller,
        uint8 label,
        bytes32 salt
    ) external pure returns (bytes32);

    /// @notice A labeller's all-time accepted and rejected label counts.
    function reputationOf(address labeller) external view returns (Reputation memory);

    /// @notice Accepted labels of `labeller` settled so far in `taskId`.
    function acceptedLabelsOf(uint256 taskId, address labeller) external view returns (uint256);

    /// @notice The pull credit of `account` in wei.
    function creditOf(address account) external view returns (uint256);

    /// @notice Sum of every account's pull credit.
    function totalCredits() external view returns (uint256);

    /// @notice Sum of the escrow still held by tasks (unpaid rewards of unsettled slots).
    function totalEscrowed() external view returns (uint256);

    /// @notice Id of the most recently created task (0 if none).
    function lastTaskId() external view returns (uint256);

    /// @notice The exporter allowed to record exports.
    function exporter() external view returns (address);

    /// @notice The Treasury that receives forfeited bonds.
    function treasury() external view returns (address);

    /// @notice Forfeited bonds not yet swept to the Treasury, in wei.
    function forfeitedBonds() external view returns (uint256);

    /// @notice Whether `labeller` holds a slot of the item.
    function holdsSlot(uint256 taskId, uint256 itemIndex, address labeller) external view returns (bool);
}
