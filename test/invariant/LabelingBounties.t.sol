// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {Treasury} from "../../contracts/common/Treasury.sol";
import {LabelingBounties} from "../../contracts/data/LabelingBounties.sol";
import {ILabelingBounties} from "../../contracts/data/interfaces/ILabelingBounties.sol";
import {StdInvariant} from "./StdInvariant.sol";
import {VmBase} from "./Vm.sol";

/// @notice Drives LabelingBounties as two requesters and four labellers over many two-item tasks: creation,
/// commits (each posting the task's bond), slot squatting attempts, reveals, time, finalisation, claims, withdrawals
/// and bond sweeps, each bounded to a valid call (fail_on_revert holds) and keeping ghost sums of every wei in and
/// out. The DataMarket export path (fhevm) is not exercised here.
contract LabelingBountiesHandler is VmBase {
    uint256 public constant REQUESTERS = 2;
    uint256 public constant LABELLERS = 4;
    uint256 public constant ITEMS = 2;
    uint256 public constant MAX_TASKS = 8;
    uint256 private constant WINDOW = 1 hours;

    enum Phase {
        Commit,
        Reveal,
        Settle
    }

    enum SlotPick {
        Empty,
        Committed,
        Claimable
    }

    struct Vote {
        address labeller;
        uint8 label;
        bool revealed;
        bool settled;
    }

    LabelingBounties public immutable bounties;
    address[REQUESTERS] public requesters;
    address[LABELLERS] public labellers;
    bytes32[ITEMS] public itemHashes;
    bytes32 public immutable root;

    uint256[] public taskIds;
    mapping(uint256 taskId => mapping(uint256 item => mapping(uint256 slot => Vote))) public votes;
    mapping(uint256 taskId => mapping(uint256 item => bool)) public finalized;
    mapping(uint256 taskId => uint256) public ghostFundedOf;
    uint256 public ghostFundedWei;
    uint256 public ghostWithdrawnWei;
    uint256 public ghostOverpaid;
    uint256 public ghostClaims;
    uint256 public ghostBondsWei;
    uint256 public ghostSweptWei;
    /// @notice Issue 12 item 4: second slots one labeller obtained on an item (must stay zero), and per labeller the
    /// rewards paid (bonds aside) against its revealed agreeing slots x reward.
    uint256 public ghostSquattedSlots;
    uint256 public ghostClaimMismatches;
    mapping(address labeller => uint256) public ghostRewardOf;
    mapping(address labeller => uint256) public ghostAgreeingCapOf;

    constructor(LabelingBounties bounties_) {
        bounties = bounties_;
        for (uint256 i; i < REQUESTERS; ++i) requesters[i] = vm.addr(0xC000 + i);
        for (uint256 i; i < LABELLERS; ++i) labellers[i] = vm.addr(0xD000 + i);
        for (uint256 i; i < ITEMS; ++i) itemHashes[i] = keccak256(abi.encode("item", i));
        root = Hashes.commutativeKeccak256(_leaf(0), _leaf(1));
    }

    function createTask(
        uint256 requesterSeed,
        uint256 labelsSeed,
        uint256 optionsSeed,
        uint256 thresholdSeed,
        uint96 reward,
        uint96 bond
    ) external {
        if (taskIds.length == MAX_TASKS) return;
        address requester = requesters[requesterSeed % REQUESTERS];
        ILabelingBounties.TaskParams memory p = ILabelingBounties.TaskParams({
            merkleRoot: root,
            itemCount: uint32(ITEMS),
            labelsPerItem: uint16(bound(labelsSeed, 1, 4)),
            optionCount: uint8(bound(optionsSeed, 2, 4)),
            thresholdBps: uint16(bound(thresholdSeed, 1, 10_000)),
            commitDeadline: uint64(block.timestamp + WINDOW),
            revealDeadline: uint64(block.timestamp + 2 * WINDOW),
            rewardWei: uint96(bound(reward, 1, 1e15)),
            bondWei: 0,
            goldRoot: bytes32(0)
        });
        p.bondWei = uint96(bound(bond, p.rewardWei, 2 * uint256(p.rewardWei)));
        uint256 funded = ITEMS * p.labelsPerItem * p.rewardWei;
        vm.deal(requester, funded);
        vm.prank(requester);
        uint256 taskId = bounties.createTask{value: funded}(p);
        taskIds.push(taskId);
        ghostFundedOf[taskId] = funded;
        ghostFundedWei += funded;
    }

    function commit(uint256 taskSeed, uint256 pickSeed, uint256 labellerSeed, uint256 labelSeed) external {
        (bool ok, uint256 taskId, ILabelingBounties.Task memory t) = _taskIn(taskSeed, Phase.Commit);
        if (!ok) return;
        (bool found, uint256 item, uint256 slot) = _pickSlot(taskId, t, pickSeed, SlotPick.Empty);
        if (!found) return;
        // One slot per labeller per item: the first labeller from the seed without a slot of this item.
        address labeller;
        for (uint256 k; k < LABELLERS && labeller == address(0); ++k) {
            address candidate = labellers[(labellerSeed % LABELLERS + k) % LABELLERS];
            if (!bounties.holdsSlot(taskId, item, candidate)) labeller = candidate;
        }
        if (labeller == address(0)) return;
        uint8 label = uint8(labelSeed % t.optionCount);
        vm.deal(labeller, t.bondWei);
        vm.prank(labeller);
        bounties.commit{value: t.bondWei}(
            taskId,
            item,
            slot,
            itemHashes[item],
            _proof(item),
            _commitment(taskId, item, slot, labeller, label)
        );
        ghostBondsWei += t.bondWei;
        votes[taskId][item][slot] = Vote({labeller: labeller, label: label, revealed: false, settled: false});
    }

    /// @notice Slot squatting: a labeller holding a slot of an item tries to take another free slot of it.
    function squat(uint256 taskSeed, uint256 pickSeed) external {
        (bool ok, uint256 taskId, ILabelingBounties.Task memory t) = _taskIn(taskSeed, Phase.Commit);
        if (!ok) return;
        (bool found, uint256 item, uint256 slot) = _pickSlot(taskId, t, pickSeed, SlotPick.Empty);
        if (!found) return;
        address squatter;
        for (uint256 s; s < t.labelsPerItem && squatter == address(0); ++s) squatter = votes[taskId][item][s].labeller;
        if (squatter == address(0)) return;
        vm.deal(squatter, t.bondWei);
        vm.prank(squatter);
        try
            bounties.commit{value: t.bondWei}(
                taskId,
                item,
                slot,
                itemHashes[item],
                _proof(item),
                _commitment(taskId, item, slot, squatter, 0)
            )
        {
            ++ghostSquattedSlots;
            ghostBondsWei += t.bondWei;
            votes[taskId][item][slot] = Vote({labeller: squatter, label: 0, revealed: false, settled: false});
        } catch (bytes memory reason) {
            if (bytes4(reason) != ILabelingBounties.LabelingBountiesSlotHeld.selector) ++ghostClaimMismatches;
        }
    }

    /// @notice Anyone sweeps the forfeited bonds to the Treasury.
    function sweep() external {
        uint256 amountWei = bounties.forfeitedBonds();
        if (amountWei == 0) return;
        bounties.sweepForfeitedBonds();
        ghostSweptWei += amountWei;
    }

    function reveal(uint256 taskSeed, uint256 pickSeed) external {
        (bool ok, uint256 taskId, ILabelingBounties.Task memory t) = _taskIn(taskSeed, Phase.Reveal);
        if (!ok) return;
        (bool found, uint256 item, uint256 slot) = _pickSlot(taskId, t, pickSeed, SlotPick.Committed);
        if (!found) return;
        Vote storage v = votes[taskId][item][slot];
        vm.prank(v.labeller);
        bounties.reveal(taskId, item, slot, v.label, _salt(taskId, item, slot));
        v.revealed = true;
    }

    function finalizeItem(uint256 taskSeed, uint256 itemSeed) external {
        (bool ok, uint256 taskId, ) = _taskIn(taskSeed, Phase.Settle);
        if (!ok) return;
        for (uint256 k; k < ITEMS; ++k) {
            uint256 item = ((itemSeed % ITEMS) + k) % ITEMS;
            if (finalized[taskId][item]) continue;
            bounties.finalizeItem(taskId, item);
            finalized[taskId][item] = true;
            return;
        }
    }

    function claim(uint256 taskSeed, uint256 pickSeed) external {
        (bool ok, uint256 taskId, ILabelingBounties.Task memory t) = _taskIn(taskSeed, Phase.Settle);
        if (!ok) return;
        (bool found, uint256 item, uint256 slot) = _pickSlot(taskId, t, pickSeed, SlotPick.Claimable);
        if (!found) return;
        _claimSlot(taskId, t.rewardWei, t.bondWei, item, slot);
        ++ghostClaims;
    }

    function withdraw(uint256 accountSeed) external {
        uint256 i = accountSeed % (REQUESTERS + LABELLERS);
        address who = i < REQUESTERS ? requesters[i] : labellers[i - REQUESTERS];
        uint256 credit = bounties.creditOf(who);
        if (credit == 0) return;
        uint256 before = who.balance;
        vm.prank(who);
        bounties.withdraw();
        if (who.balance - before != credit) ++ghostOverpaid;
        ghostWithdrawnWei += credit;
    }

    function warp(uint256 bySeconds) external {
        vm.warp(block.timestamp + bound(bySeconds, 1, WINDOW / 2));
    }

    /// @notice How many (task, item) pairs have a labeller in two slots (must be zero).
    function duplicateSlotHolders() external view returns (uint256 duplicates) {
        for (uint256 i; i < taskIds.length; ++i) {
            uint256 taskId = taskIds[i];
            uint256 slots = bounties.getTask(taskId).labelsPerItem;
            for (uint256 item; item < ITEMS; ++item) {
                for (uint256 a; a < slots; ++a) {
                    address holder = votes[taskId][item][a].labeller;
                    for (uint256 b = a + 1; holder != address(0) && b < slots; ++b) {
                        if (votes[taskId][item][b].labeller == holder) ++duplicates;
                    }
                }
            }
        }
    }

    function taskCount() external view returns (uint256) {
        return taskIds.length;
    }

    function account(uint256 i) external view returns (address) {
        return i < REQUESTERS ? requesters[i] : labellers[i - REQUESTERS];
    }

    /// @dev The first task from `seed` on (cyclically) that is in `phase`.
    function _taskIn(
        uint256 seed,
        Phase phase
    ) private view returns (bool ok, uint256 taskId, ILabelingBounties.Task memory t) {
        uint256 n = taskIds.length;
        for (uint256 k; k < n; ++k) {
            taskId = taskIds[((seed % n) + k) % n];
            t = bounties.getTask(taskId);
            Phase current =
                block.timestamp <= t.commitDeadline
                    ? Phase.Commit
                    : (block.timestamp <= t.revealDeadline ? Phase.Reveal : Phase.Settle);
            if (current == phase) return (true, taskId, t);
        }
    }

    /// @dev The first (item, slot) from `seed` on whose ghost state matches `pick`.
    function _pickSlot(
        uint256 taskId,
        ILabelingBounties.Task memory t,
        uint256 seed,
        SlotPick pick
    ) private view returns (bool found, uint256 item, uint256 slot) {
        uint256 n = ITEMS * t.labelsPerItem;
        for (uint256 k; k < n; ++k) {
            uint256 idx = ((seed % n) + k) % n;
            (item, slot) = (idx / t.labelsPerItem, idx % t.labelsPerItem);
            Vote storage v = votes[taskId][item][slot];
            bool matches =
                pick == SlotPick.Empty
                    ? v.labeller == address(0)
                    : pick == SlotPick.Committed
                        ? v.labeller != address(0) && !v.revealed
                        : v.revealed && !v.settled && finalized[taskId][item];
            if (matches) return (true, item, slot);
        }
    }

    function _leaf(uint256 item) private view returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(item, itemHashes[item]))));
    }

    function _proof(uint256 item) private view returns (bytes32[] memory proof) {
        proof = new bytes32[](1);
        proof[0] = _leaf(1 - item);
    }

    function _commitment(
        uint256 taskId,
        uint256 item,
        uint256 slot,
        address labeller,
        uint8 label
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(taskId, item, labeller, label, _salt(taskId, item, slot)));
    }

    /// @dev Claims a revealed slot and books the reward it paid (bonds aside) against the labeller's agreeing cap.
    function _claimSlot(uint256 taskId, uint256 rewardWei, uint256 bondWei, uint256 item, uint256 slot) private {
        Vote storage v = votes[taskId][item][slot];
        (bool agreeing, uint256 bondBack) = _expectedOutcome(taskId, item, v.label, bondWei);
        uint256 paid = _claimAndMeasure(taskId, item, slot, v);
        if (paid < bondBack) ++ghostClaimMismatches;
        else ghostRewardOf[v.labeller] += paid - bondBack;
        if (agreeing) ghostAgreeingCapOf[v.labeller] += rewardWei;
        v.settled = true;
    }

    /// @dev Whether `label` agrees with the finalised item, and the bond its claim must return.
    function _expectedOutcome(
        uint256 taskId,
        uint256 item,
        uint8 label,
        uint256 bondWei
    ) private view returns (bool agreeing, uint256 bondBack) {
        (ILabelingBounties.ItemStatus status, uint8 majority, ) = bounties.itemState(taskId, item);
        agreeing = status == ILabelingBounties.ItemStatus.Resolved && label == majority;
        bondBack = agreeing || status == ILabelingBounties.ItemStatus.Unresolved ? bondWei : 0;
    }

    /// @dev Claims the slot and returns what it credited the labeller.
    function _claimAndMeasure(uint256 taskId, uint256 item, uint256 slot, Vote storage v) private returns (uint256) {
        address labeller = v.labeller;
        uint256 before = bounties.creditOf(labeller);
        bounties.claim(taskId, item, slot, labeller, v.label, _salt(taskId, item, slot));
        return bounties.creditOf(labeller) - before;
    }

    function _salt(uint256 taskId, uint256 item, uint256 slot) private pure returns (bytes32) {
        return keccak256(abi.encode("salt", taskId, item, slot));
    }
}

/// @notice Every wei is accounted: balance = credits + escrow = funded - withdrawn, per task and in total.
contract LabelingBountiesInvariants is StdInvariant {
    LabelingBounties internal bounties;
    LabelingBountiesHandler internal handler;

    function setUp() public {
        LabelingBounties impl = new LabelingBounties();
        bounties = LabelingBounties(
            payable(
                new ERC1967Proxy(address(impl), abi.encodeCall(LabelingBounties.initialize, (address(this), 2 days)))
            )
        );
        Treasury treasury = Treasury(
            payable(
                new ERC1967Proxy(address(new Treasury()), abi.encodeCall(Treasury.initialize, (address(this), 2 days)))
            )
        );
        bounties.setTreasury(address(treasury));
        handler = new LabelingBountiesHandler(bounties);
        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = LabelingBountiesHandler.createTask.selector;
        selectors[1] = LabelingBountiesHandler.commit.selector;
        selectors[2] = LabelingBountiesHandler.reveal.selector;
        selectors[3] = LabelingBountiesHandler.finalizeItem.selector;
        selectors[4] = LabelingBountiesHandler.claim.selector;
        selectors[5] = LabelingBountiesHandler.withdraw.selector;
        selectors[6] = LabelingBountiesHandler.warp.selector;
        selectors[7] = LabelingBountiesHandler.squat.selector;
        selectors[8] = LabelingBountiesHandler.sweep.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: deep.invariant.fail-on-revert = true
    function invariant_balanceEqualsCreditsPlusEscrow() public view {
        vm.assertEq(
            address(bounties).balance,
            bounties.totalCredits() + bounties.totalEscrowed() + bounties.forfeitedBonds(),
            "balance = totalCredits + totalEscrowed + forfeitedBonds"
        );
        vm.assertEq(
            address(bounties).balance,
            handler.ghostFundedWei() + handler.ghostBondsWei() - handler.ghostWithdrawnWei() - handler.ghostSweptWei(),
            "balance = funded + bonds - withdrawn - swept"
        );
        vm.assertEq(handler.ghostOverpaid(), 0, "withdraw pays exactly the credit");
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: deep.invariant.fail-on-revert = true
    function invariant_escrowAndCreditsSumUp() public view {
        uint256 escrow;
        for (uint256 i; i < handler.taskCount(); ++i) {
            uint256 taskId = handler.taskIds(i);
            ILabelingBounties.Task memory t = bounties.getTask(taskId);
            // A task holds at most its funding plus one bond per slot.
            vm.assertLe(
                t.escrowedWei,
                handler.ghostFundedOf(taskId) + uint256(t.itemCount) * t.labelsPerItem * t.bondWei,
                "a task never holds more than its funding and bonds"
            );
            vm.assertLe(t.acceptedLabels, uint256(t.itemCount) * t.labelsPerItem, "accepted labels fit the slots");
            escrow += t.escrowedWei;
        }
        vm.assertEq(escrow, bounties.totalEscrowed(), "totalEscrowed = sum of task escrows");
        uint256 credits;
        for (uint256 i; i < handler.REQUESTERS() + handler.LABELLERS(); ++i) {
            credits += bounties.creditOf(handler.account(i));
        }
        vm.assertEq(credits, bounties.totalCredits(), "totalCredits = sum of credits");
    }

    /// @notice Issue 12 item 4: no labeller holds two slots of one item, and the rewards paid to each labeller never
    /// exceed its revealed agreeing slots x reward.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: deep.invariant.fail-on-revert = true
    function invariant_oneSlotPerLabellerAndRewardsWithinAgreeingSlots() public view {
        vm.assertEq(handler.ghostSquattedSlots(), 0, "no second slot of an item for one labeller");
        vm.assertEq(handler.duplicateSlotHolders(), 0, "no labeller holds two slots of one item");
        vm.assertEq(handler.ghostClaimMismatches(), 0, "claims pay reward + bond exactly as the outcome says");
        for (uint256 i; i < handler.LABELLERS(); ++i) {
            address l = handler.labellers(i);
            vm.assertLe(handler.ghostRewardOf(l), handler.ghostAgreeingCapOf(l), "rewards <= agreeing slots x reward");
        }
    }
}
