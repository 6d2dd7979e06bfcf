// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {externalEuint256} from "encrypted-types/EncryptedTypes.sol";
import {IDataMarket} from "./IDataMarket.sol";

/// @title ILabelingBounties
/// @notice Funded labelling tasks with commit-reveal labels. A requester escrows `itemCount * labelsPerItem` rewards
/// (ETH only) for items committed as a Merkle root. Each item has `labelsPerItem` numbered slots; a labeller takes a
/// free slot by committing keccak256(abi.encode(taskId, itemIndex, labeller, label, salt)) with a Merkle proof of the
/// item, then reveals during the reveal window. After the reveal deadline anyone finalises an item (the label with
/// the strictly largest tally wins if its share of the revealed labels reaches the task threshold) and settles each
/// revealed slot: agreeing labels are credited the reward, disagreeing ones count as rejected in the labeller's
/// reputation. Finalising an item credits the requester every slot of it that will not be paid: unfilled,
/// unrevealed, minority, or all of them if the item is unresolved (a tie, a share below the threshold, no reveal).
/// Every call is O(1) in the number of items and labellers (finalising is O(label options), at most 15); no call
/// loops over items, so the requester finalises each item, labelled or not, to recover its escrow. Payouts are
/// pull credits. A reveal writes only its item's word: the slot's revealed flag and the tally share that word.
/// A finished task can be listed on the DataMarket in one call (`exportToMarket`); a per-task royalty sink is its
/// labellers' contributor entry, and the royalties it collects are split by accepted labels through an O(1)
/// accumulator (`pullRoyalties`, then each labeller's `claimRoyalty`).
/// Accounting invariant: balance = total credits + total escrow + royalties held for labellers.
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
    struct TaskParams {
        bytes32 merkleRoot;
        uint32 itemCount;
        uint16 labelsPerItem;
        uint8 optionCount;
        uint16 thresholdBps;
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint96 rewardWei;
    }

    /// @notice A task as stored (packed into four slots).
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

    /// @notice A task's DataMarket listing and its royalty accumulator.
    /// @param datasetId The DataMarket dataset id.
    /// @param sink The task's royalty contributor on the DataMarket.
    /// @param royaltyPerLabel Royalties received per accepted label, scaled by 1e18.
    /// @param receivedWei Royalties received so far.
    struct Export {
        uint256 datasetId;
        address sink;
        uint256 royaltyPerLabel;
        uint256 receivedWei;
    }

    /// @notice A labeller's all-time record of settled labels.
    struct Reputation {
        uint64 accepted;
        uint64 rejected;
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
    /// @notice A revealed slot was settled: `rewardWei` credited to the labeller if `accepted`.
    event LabelSettled(
        uint256 indexed taskId,
        uint256 indexed itemIndex,
        address indexed labeller,
        uint256 slot,
        bool accepted,
        uint256 rewardWei
    );
    /// @notice A pull credit was paid out.
    event CreditWithdrawn(address indexed account, uint256 amountWei);
    /// @notice The DataMarket used by `exportToMarket` was set.
    event DataMarketSet(address indexed dataMarket);
    /// @notice A finished task was listed on the DataMarket with `sink` as its labellers' royalty contributor.
    event TaskExported(uint256 indexed taskId, uint256 indexed datasetId, address sink, uint16 labellerRoyaltyBps);
    /// @notice Royalties collected by the task's sink arrived; `royaltyPerLabel` is the new accumulator value.
    event RoyaltiesPulled(uint256 indexed taskId, uint256 amountWei, uint256 royaltyPerLabel);
    /// @notice A labeller's royalty share of a task was credited.
    event RoyaltyClaimed(uint256 indexed taskId, address indexed labeller, uint256 amountWei);

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
    /// @notice The task was not exported.
    error LabelingBountiesNotExported(uint256 taskId);
    /// @notice A task without accepted labels has no labellers to pay royalties to.
    error LabelingBountiesNoAcceptedLabels(uint256 taskId);
    /// @notice Exported datasets must be priced in ETH (royalties are accounted in ETH).
    error LabelingBountiesUnsupportedPaymentAsset(address asset);
    /// @notice No DataMarket is configured.
    error LabelingBountiesDataMarketNotSet();
    /// @notice ETH arrived from an address that is not a royalty sink of this contract.
    error LabelingBountiesUnexpectedEth(address sender);
    /// @notice The task's sink had no royalties to forward.
    error LabelingBountiesNoRoyalties(uint256 taskId);
    /// @notice The labeller has no unclaimed royalty share in this task.
    error LabelingBountiesNothingToClaim(uint256 taskId, address labeller);

    /// @notice Creates a task and escrows its full reward budget.
    /// @param params The task parameters; msg.value must equal itemCount * labelsPerItem * rewardWei.
    /// @return taskId The new task's id (sequential from 1).
    function createTask(TaskParams calldata params) external payable returns (uint256 taskId);

    /// @notice Takes a free slot of an item with a commitment, until the commit deadline (inclusive).
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
    ) external;

    /// @notice Opens the caller's commitment in `slot` after the commit deadline and until the reveal deadline.
    /// @param taskId The task.
    /// @param itemIndex The item.
    /// @param slot The slot the caller committed to.
    /// @param label The label, below optionCount.
    /// @param salt The salt of the commitment.
    function reveal(uint256 taskId, uint256 itemIndex, uint256 slot, uint8 label, bytes32 salt) external;

    /// @notice Fixes an item's outcome after the reveal deadline and credits the requester the escrow of its slots
    /// that will not be paid (all of them for an item without reveals). Callable by anyone, once per item.
    /// @param taskId The task.
    /// @param itemIndex The item.
    function finalizeItem(uint256 taskId, uint256 itemIndex) external;

    /// @notice Settles a revealed slot of a finalised item: credits its labeller the reward if the label is the
    /// item's majority label (reputation accepted + 1), else, if the item was resolved, records a rejection; a label
    /// of an unresolved item changes no reputation. Callable by anyone (the opening is public in `LabelRevealed`),
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

    /// @notice Sets the DataMarket that `exportToMarket` lists on; admin only. The DataMarket must grant this
    /// contract its LISTER_ROLE.
    function setDataMarket(address dataMarket) external;

    /// @notice Lists a finished task's labelled set on the DataMarket in one call, with the requester as seller and
    /// a new per-task royalty sink as the labellers' contributor at `labellerRoyaltyBps` (appended to the requester's
    /// own contributors). The dataset key arrives as an encrypted input created for (this contract, requester); this
    /// contract verifies it and hands it to the DataMarket. Requester only, once per task, when not paused.
    /// @param taskId The finished task (every item finalised, at least one accepted label).
    /// @param params The listing; `paymentAsset` must be ETH (`address(0)`).
    /// @param labellerRoyaltyBps The labellers' share of every sale, split by accepted labels.
    /// @param encryptedKey The dataset's decryption key, encrypted.
    /// @param inputProof The proof of `encryptedKey`.
    /// @return datasetId The DataMarket dataset id.
    function exportToMarket(
        uint256 taskId,
        IDataMarket.ListingParams calldata params,
        uint16 labellerRoyaltyBps,
        externalEuint256 encryptedKey,
        bytes calldata inputProof
    ) external returns (uint256 datasetId);

    /// @notice Collects the royalties credited to an exported task's sink on the DataMarket and adds them to the
    /// task's per-accepted-label accumulator. Callable by anyone.
    /// @param taskId The exported task.
    function pullRoyalties(uint256 taskId) external;

    /// @notice Credits `labeller` its share of an exported task's royalties: accepted labels in the task times the
    /// accumulator, less what it was already credited. Labels accepted by a later `claim` earn the full history.
    /// Callable by anyone.
    /// @param taskId The exported task.
    /// @param labeller The labeller.
    function claimRoyalty(uint256 taskId, address labeller) external;

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

    /// @notice The DataMarket listing of a task (all zero if not exported).
    function exportOf(uint256 taskId) external view returns (Export memory);

    /// @notice The royalty share `labeller` could claim now in `taskId`.
    function royaltyOwed(uint256 taskId, address labeller) external view returns (uint256);

    /// @notice Royalties received and not yet credited to labellers (including rounding dust).
    function totalRoyaltyHeld() external view returns (uint256);

    /// @notice The DataMarket used by `exportToMarket`.
    function dataMarket() external view returns (address);
}
