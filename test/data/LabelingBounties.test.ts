import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { LabelingBounties, LabelingBountiesActor } from "../../typechain-types";
import {
  ItemTree,
  BOND_WEI,
  REWARD_WEI,
  commitLabel,
  commitmentOf,
  createTask,
  deployBounties,
  fundingOf,
  saltOf,
  taskParams,
  type TaskParamsIn,
} from "./helpers/labeling";
import { PAUSER_ROLE } from "../helpers/constants";

// ItemStatus and SlotState enum values.
const OPEN = 0n;
const RESOLVED = 1n;
const UNRESOLVED = 2n;
const EMPTY = 0n;
const COMMITTED = 1n;
const REVEALED = 2n;
const SETTLED = 3n;

type Signer = Awaited<ReturnType<typeof ethers.getSigners>>[number];

describe("LabelingBounties", function () {
  async function taskFixture() {
    const base = await deployBounties();
    const tree = ItemTree.random(8);
    const params = await taskParams(tree);
    const taskId = await createTask(base.bounties, base.requester, params);
    return { ...base, tree, params, taskId };
  }

  /** Commits `labels[s]` into slot s of `item` for labeller s, then (optionally) moves into the reveal window. */
  async function commitAll(
    bounties: LabelingBounties,
    tree: ItemTree,
    taskId: bigint,
    labellers: Signer[],
    item: number,
    labels: number[],
  ) {
    for (let s = 0; s < labels.length; s++) await commitLabel(bounties, tree, taskId, labellers[s], item, s, labels[s]);
  }

  async function revealAll(
    bounties: LabelingBounties,
    taskId: bigint,
    labellers: Signer[],
    item: number,
    labels: number[],
  ) {
    for (let s = 0; s < labels.length; s++) {
      await bounties.connect(labellers[s]).reveal(taskId, item, s, labels[s], saltOf(labellers[s].address, item, s));
    }
  }

  /** Item 0 labelled [1, 1, 2] (resolved to 1), item 1 labelled [0, 3] with slot 2 empty (tie), item 2 untouched. */
  async function settlementFixture() {
    const f = await taskFixture();
    const { bounties, tree, taskId, labellers, params } = f;
    await commitAll(bounties, tree, taskId, labellers, 0, [1, 1, 2]);
    await commitAll(bounties, tree, taskId, labellers, 1, [0, 3]);
    await time.increaseTo(params.commitDeadline + 1);
    await revealAll(bounties, taskId, labellers, 0, [1, 1, 2]);
    await revealAll(bounties, taskId, labellers, 1, [0, 3]);
    await time.increaseTo(params.revealDeadline + 1);
    return f;
  }

  describe("createTask", function () {
    it("escrows itemCount * labelsPerItem * rewardWei and emits TaskCreated", async function () {
      const { bounties, requester } = await loadFixture(deployBounties);
      const tree = ItemTree.random(5);
      const p = await taskParams(tree, { labelsPerItem: 3 });
      const funded = 5n * 3n * REWARD_WEI;
      const tx = bounties.connect(requester).createTask(p, { value: funded });
      await expect(tx).to.emit(bounties, "TaskCreated").withArgs(1n, requester.address, Object.values(p), funded);
      await expect(tx).to.changeEtherBalances([requester, bounties], [-funded, funded]);
      const t = await bounties.getTask(1n);
      expect(t.requester).to.equal(requester.address);
      expect(t.escrowedWei).to.equal(funded);
      expect(t.merkleRoot).to.equal(tree.root);
      expect(await bounties.totalEscrowed()).to.equal(funded);
      expect(await bounties.lastTaskId()).to.equal(1n);
    });

    it("numbers tasks sequentially", async function () {
      const { bounties, requester } = await loadFixture(deployBounties);
      const p = await taskParams(ItemTree.random(2));
      await bounties.connect(requester).createTask(p, { value: fundingOf(p) });
      await bounties.connect(requester).createTask(p, { value: fundingOf(p) });
      expect(await bounties.lastTaskId()).to.equal(2n);
    });

    it("rejects a payment that differs from the full escrow", async function () {
      const { bounties, requester } = await loadFixture(deployBounties);
      const p = await taskParams(ItemTree.random(2));
      const funded = fundingOf(p);
      for (const sent of [funded - 1n, funded + 1n, 0n]) {
        await expect(bounties.connect(requester).createTask(p, { value: sent }))
          .to.be.revertedWithCustomError(bounties, "LabelingBountiesWrongFunding")
          .withArgs(funded, sent);
      }
    });

    it("rejects each out-of-range parameter by name", async function () {
      const { bounties, requester } = await loadFixture(deployBounties);
      const tree = ItemTree.random(2);
      const year = 365 * 24 * 3600;
      // Each attempt runs in a block stamped `now`, so the deadline bounds are exact.
      const cases: [string, (now: number) => Partial<TaskParamsIn>][] = [
        ["merkleRoot", () => ({ merkleRoot: ethers.ZeroHash })],
        ["itemCount", () => ({ itemCount: 0 })],
        ["labelsPerItem", () => ({ labelsPerItem: 0 })],
        ["labelsPerItem", () => ({ labelsPerItem: 65 })],
        ["optionCount", () => ({ optionCount: 1 })],
        ["optionCount", () => ({ optionCount: 16 })],
        ["thresholdBps", () => ({ thresholdBps: 0 })],
        ["thresholdBps", () => ({ thresholdBps: 10_001 })],
        ["rewardWei", () => ({ rewardWei: 0n })],
        ["commitDeadline", (now) => ({ commitDeadline: now })],
        ["commitDeadline", (now) => ({ commitDeadline: now + 1 + year, revealDeadline: now + 2 + year })],
        ["revealDeadline", (now) => ({ commitDeadline: now + 100, revealDeadline: now + 100 })],
        ["revealDeadline", (now) => ({ commitDeadline: now + 100, revealDeadline: now + 101 + year })],
      ];
      for (const [what, over] of cases) {
        const now = (await time.latest()) + 10;
        const p = { ...(await taskParams(tree)), ...over(now) };
        await time.setNextBlockTimestamp(now);
        await expect(bounties.connect(requester).createTask(p, { value: fundingOf(p) }), what)
          .to.be.revertedWithCustomError(bounties, "LabelingBountiesInvalidParam")
          .withArgs(what);
      }
    });

    it("accepts the boundary values of every parameter", async function () {
      const { bounties, requester } = await loadFixture(deployBounties);
      const tree = ItemTree.random(1);
      const now = (await time.latest()) + 100;
      const year = 365 * 24 * 3600;
      await time.setNextBlockTimestamp(now);
      const p = await taskParams(tree, {
        labelsPerItem: 64,
        optionCount: 15,
        thresholdBps: 10_000,
        rewardWei: 1n,
        commitDeadline: now + year,
        revealDeadline: now + 2 * year,
      });
      await expect(bounties.connect(requester).createTask(p, { value: fundingOf(p) })).to.emit(bounties, "TaskCreated");
    });

    it("refuses new tasks while paused and accepts them after unpause", async function () {
      const { bounties, requester, admin } = await loadFixture(deployBounties);
      const p = await taskParams(ItemTree.random(2));
      await bounties.connect(admin).pause();
      await expect(bounties.connect(requester).createTask(p, { value: fundingOf(p) })).to.be.revertedWithCustomError(
        bounties,
        "EnforcedPause",
      );
      await bounties.connect(admin).unpause();
      await expect(bounties.connect(requester).createTask(p, { value: fundingOf(p) })).to.emit(bounties, "TaskCreated");
      expect(await bounties.hasRole(PAUSER_ROLE, admin.address)).to.equal(true);
    });
  });

  describe("commit", function () {
    it("stores the commitment in a free slot and emits LabelCommitted", async function () {
      const { bounties, tree, taskId, labellers } = await loadFixture(taskFixture);
      const [l] = labellers;
      const c = commitmentOf(taskId, 3, l.address, 2, saltOf(l.address, 3, 1));
      await expect(bounties.connect(l).commit(taskId, 3, 1, tree.itemHashes[3], tree.proof(3), c, { value: BOND_WEI }))
        .to.emit(bounties, "LabelCommitted")
        .withArgs(taskId, 3n, l.address, 1n);
      expect(await bounties.slotState(taskId, 3, 1)).to.equal(COMMITTED);
      expect(await bounties.slotState(taskId, 3, 0)).to.equal(EMPTY);
      expect(await bounties.commitmentOf(taskId, 3, l.address, 2, saltOf(l.address, 3, 1))).to.equal(c);
    });

    it("refuses a taken slot", async function () {
      const { bounties, tree, taskId, labellers } = await loadFixture(taskFixture);
      await commitLabel(bounties, tree, taskId, labellers[0], 3, 1, 2);
      await expect(commitLabel(bounties, tree, taskId, labellers[1], 3, 1, 0))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesWrongSlotState")
        .withArgs(taskId, 3n, 1n, COMMITTED);
    });

    it("refuses an item or slot index out of range", async function () {
      const { bounties, tree, taskId, labellers } = await loadFixture(taskFixture);
      const c = ethers.id("c");
      await expect(bounties.connect(labellers[0]).commit(taskId, 8, 0, tree.itemHashes[0], tree.proof(0), c))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesItemOutOfRange")
        .withArgs(taskId, 8n, 8n);
      await expect(bounties.connect(labellers[0]).commit(taskId, 0, 3, tree.itemHashes[0], tree.proof(0), c))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesSlotOutOfRange")
        .withArgs(taskId, 3n, 3n);
    });

    it("refuses an unknown task", async function () {
      const { bounties, tree, labellers } = await loadFixture(taskFixture);
      await expect(bounties.connect(labellers[0]).commit(9, 0, 0, tree.itemHashes[0], tree.proof(0), ethers.id("c")))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesUnknownTask")
        .withArgs(9n);
    });

    it("refuses a commitment that is zero once its top byte is cleared", async function () {
      const { bounties, tree, taskId, labellers } = await loadFixture(taskFixture);
      for (const c of [ethers.ZeroHash, "0xff" + "00".repeat(31)]) {
        await expect(
          bounties
            .connect(labellers[0])
            .commit(taskId, 0, 0, tree.itemHashes[0], tree.proof(0), c, { value: BOND_WEI }),
        ).to.be.revertedWithCustomError(bounties, "LabelingBountiesZeroCommitment");
      }
    });

    describe("Merkle proof", function () {
      it("refuses a proof for another item index or another item hash", async function () {
        const { bounties, tree, taskId, labellers } = await loadFixture(taskFixture);
        const c = ethers.id("c");
        await expect(
          bounties
            .connect(labellers[0])
            .commit(taskId, 2, 0, tree.itemHashes[3], tree.proof(3), c, { value: BOND_WEI }),
        )
          .to.be.revertedWithCustomError(bounties, "LabelingBountiesInvalidProof")
          .withArgs(taskId, 2n, tree.itemHashes[3]);
        await expect(
          bounties
            .connect(labellers[0])
            .commit(taskId, 3, 0, ethers.id("forged"), tree.proof(3), c, { value: BOND_WEI }),
        )
          .to.be.revertedWithCustomError(bounties, "LabelingBountiesInvalidProof")
          .withArgs(taskId, 3n, ethers.id("forged"));
      });

      it("refuses a valid proof of another task's tree", async function () {
        const { bounties, taskId, requester, labellers } = await loadFixture(taskFixture);
        const other = ItemTree.random(8, "other task");
        const otherId = await createTask(bounties, requester, await taskParams(other));
        const c = ethers.id("c");
        await expect(
          bounties
            .connect(labellers[0])
            .commit(taskId, 4, 0, other.itemHashes[4], other.proof(4), c, { value: BOND_WEI }),
        )
          .to.be.revertedWithCustomError(bounties, "LabelingBountiesInvalidProof")
          .withArgs(taskId, 4n, other.itemHashes[4]);
        await expect(
          bounties
            .connect(labellers[0])
            .commit(otherId, 4, 0, other.itemHashes[4], other.proof(4), c, { value: BOND_WEI }),
        ).to.emit(bounties, "LabelCommitted");
      });

      it("refuses an internal node passed off as a leaf", async function () {
        const { bounties, tree, taskId, labellers } = await loadFixture(taskFixture);
        // The parent of leaves 0 and 1 with the rest of leaf 0's path is a valid 2-level proof of an inner node.
        const proof = tree.proof(0);
        const c = ethers.id("c");
        await expect(
          bounties.connect(labellers[0]).commit(taskId, 0, 0, proof[0], proof.slice(1), c, { value: BOND_WEI }),
        ).to.be.revertedWithCustomError(bounties, "LabelingBountiesInvalidProof");
      });

      it("accepts every leaf of an odd-sized tree", async function () {
        const { bounties, requester, labellers } = await loadFixture(deployBounties);
        const tree = ItemTree.random(5, "odd");
        const id = await createTask(bounties, requester, await taskParams(tree, { labelsPerItem: 1 }));
        for (let i = 0; i < 5; i++) await commitLabel(bounties, tree, id, labellers[0], i, 0, 1);
        for (let i = 0; i < 5; i++) expect(await bounties.slotState(id, i, 0)).to.equal(COMMITTED);
      });
    });

    describe("commit deadline", function () {
      for (const [offset, ok] of [
        [-1, true],
        [0, true],
        [1, false],
      ] as const) {
        it(`${ok ? "accepts" : "refuses"} a commit at commitDeadline ${offset >= 0 ? "+" : ""}${offset}`, async function () {
          const { bounties, tree, taskId, labellers, params } = await loadFixture(taskFixture);
          await time.setNextBlockTimestamp(params.commitDeadline + offset);
          const tx = commitLabel(bounties, tree, taskId, labellers[0], 0, 0, 1);
          if (ok) await expect(tx).to.not.be.reverted;
          else
            await expect(tx)
              .to.be.revertedWithCustomError(bounties, "LabelingBountiesCommitClosed")
              .withArgs(taskId, params.commitDeadline);
        });
      }
    });

    it("stays open while the contract is paused", async function () {
      const { bounties, tree, taskId, labellers, admin } = await loadFixture(taskFixture);
      await bounties.connect(admin).pause();
      await expect(commitLabel(bounties, tree, taskId, labellers[0], 0, 0, 1)).to.not.be.reverted;
    });
  });

  describe("reveal", function () {
    async function committedFixture() {
      const f = await taskFixture();
      await commitAll(f.bounties, f.tree, f.taskId, f.labellers, 0, [1, 2]);
      return f;
    }

    it("counts the label in the item tally and emits LabelRevealed", async function () {
      const { bounties, taskId, labellers, params } = await loadFixture(committedFixture);
      await time.increaseTo(params.commitDeadline + 1);
      const [a, b] = labellers;
      await expect(bounties.connect(a).reveal(taskId, 0, 0, 1, saltOf(a.address, 0, 0)))
        .to.emit(bounties, "LabelRevealed")
        .withArgs(taskId, 0n, a.address, 0n, 1n);
      await bounties.connect(b).reveal(taskId, 0, 1, 2, saltOf(b.address, 0, 1));
      const [status, , tallies] = await bounties.itemState(taskId, 0);
      expect(status).to.equal(OPEN);
      expect(tallies).to.deep.equal([0n, 1n, 1n, 0n]);
      expect(await bounties.slotState(taskId, 0, 0)).to.equal(REVEALED);
    });

    it("refuses a wrong salt, a wrong label and another account's opening", async function () {
      const { bounties, taskId, labellers, params } = await loadFixture(committedFixture);
      await time.increaseTo(params.commitDeadline + 1);
      const [a, , stranger] = labellers;
      const salt = saltOf(a.address, 0, 0);
      for (const [who, label, s] of [
        [a, 1, ethers.id("wrong salt")],
        [a, 3, salt],
        [stranger, 1, salt],
      ] as const) {
        await expect(bounties.connect(who).reveal(taskId, 0, 0, label, s))
          .to.be.revertedWithCustomError(bounties, "LabelingBountiesCommitmentMismatch")
          .withArgs(taskId, 0n, 0n, who.address);
      }
    });

    it("refuses a copied commitment at reveal: the opening is bound to the committer", async function () {
      const { bounties, tree, taskId, labellers, params } = await loadFixture(taskFixture);
      const [honest, copier] = labellers;
      const { salt } = await commitLabel(bounties, tree, taskId, honest, 0, 0, 2);
      const copied = commitmentOf(taskId, 0, honest.address, 2, salt);
      await bounties
        .connect(copier)
        .commit(taskId, 0, 1, tree.itemHashes[0], tree.proof(0), copied, { value: BOND_WEI });
      await time.increaseTo(params.commitDeadline + 1);
      await bounties.connect(honest).reveal(taskId, 0, 0, 2, salt);
      await expect(bounties.connect(copier).reveal(taskId, 0, 1, 2, salt))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesCommitmentMismatch")
        .withArgs(taskId, 0n, 1n, copier.address);
    });

    it("refuses copying a revealed label too late: commits are closed once reveals start", async function () {
      const { bounties, tree, taskId, labellers, params } = await loadFixture(committedFixture);
      await time.increaseTo(params.commitDeadline + 1);
      const [a, , copier] = labellers;
      await bounties.connect(a).reveal(taskId, 0, 0, 1, saltOf(a.address, 0, 0));
      await expect(commitLabel(bounties, tree, taskId, copier, 0, 2, 1))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesCommitClosed")
        .withArgs(taskId, params.commitDeadline);
    });

    it("refuses a second reveal of the same slot", async function () {
      const { bounties, taskId, labellers, params } = await loadFixture(committedFixture);
      await time.increaseTo(params.commitDeadline + 1);
      const [a] = labellers;
      await bounties.connect(a).reveal(taskId, 0, 0, 1, saltOf(a.address, 0, 0));
      await expect(bounties.connect(a).reveal(taskId, 0, 0, 1, saltOf(a.address, 0, 0)))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesWrongSlotState")
        .withArgs(taskId, 0n, 0n, REVEALED);
    });

    it("refuses an empty slot, a label out of range and indices out of range", async function () {
      const { bounties, taskId, labellers, params } = await loadFixture(committedFixture);
      await time.increaseTo(params.commitDeadline + 1);
      const [a] = labellers;
      await expect(bounties.connect(a).reveal(taskId, 0, 2, 1, ethers.ZeroHash))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesWrongSlotState")
        .withArgs(taskId, 0n, 2n, EMPTY);
      await expect(bounties.connect(a).reveal(taskId, 0, 0, 4, ethers.ZeroHash))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesInvalidLabel")
        .withArgs(taskId, 4n, 4n);
      await expect(bounties.connect(a).reveal(taskId, 8, 0, 1, ethers.ZeroHash))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesItemOutOfRange")
        .withArgs(taskId, 8n, 8n);
      // A slot index that would alias item 1's slot 0 without the range check.
      await expect(bounties.connect(a).reveal(taskId, 0, 1n << 64n, 1, ethers.ZeroHash))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesSlotOutOfRange")
        .withArgs(taskId, 1n << 64n, 3n);
    });

    describe("reveal window", function () {
      for (const [name, at, ok] of [
        ["commitDeadline - 1", (p: TaskParamsIn) => p.commitDeadline - 1, false],
        ["commitDeadline", (p: TaskParamsIn) => p.commitDeadline, false],
        ["commitDeadline + 1", (p: TaskParamsIn) => p.commitDeadline + 1, true],
        ["revealDeadline - 1", (p: TaskParamsIn) => p.revealDeadline - 1, true],
        ["revealDeadline", (p: TaskParamsIn) => p.revealDeadline, true],
        ["revealDeadline + 1", (p: TaskParamsIn) => p.revealDeadline + 1, false],
      ] as const) {
        it(`${ok ? "accepts" : "refuses"} a reveal at ${name}`, async function () {
          const { bounties, taskId, labellers, params } = await loadFixture(committedFixture);
          await time.setNextBlockTimestamp(at(params));
          const tx = bounties.connect(labellers[0]).reveal(taskId, 0, 0, 1, saltOf(labellers[0].address, 0, 0));
          if (ok) await expect(tx).to.emit(bounties, "LabelRevealed");
          else
            await expect(tx)
              .to.be.revertedWithCustomError(bounties, "LabelingBountiesNotInRevealWindow")
              .withArgs(taskId, params.commitDeadline, params.revealDeadline);
        });
      }
    });
  });

  describe("finalizeItem", function () {
    describe("settlement start", function () {
      for (const [offset, ok] of [
        [-1, false],
        [0, false],
        [1, true],
      ] as const) {
        it(`${ok ? "accepts" : "refuses"} finalisation at revealDeadline ${offset >= 0 ? "+" : ""}${offset}`, async function () {
          const { bounties, taskId, params } = await loadFixture(taskFixture);
          await time.setNextBlockTimestamp(params.revealDeadline + offset);
          const tx = bounties.finalizeItem(taskId, 0);
          if (ok) await expect(tx).to.emit(bounties, "ItemFinalized");
          else
            await expect(tx)
              .to.be.revertedWithCustomError(bounties, "LabelingBountiesRevealNotOver")
              .withArgs(taskId, params.revealDeadline);
        });
      }
    });

    it("resolves a majority item and refunds its unpaid slots to the requester", async function () {
      const { bounties, taskId, requester } = await loadFixture(settlementFixture);
      // [1, 1, 2]: label 1 has 2/3 >= 50.01 %: two labels accepted, one slot's reward refunded.
      await expect(bounties.finalizeItem(taskId, 0))
        .to.emit(bounties, "ItemFinalized")
        .withArgs(taskId, 0n, RESOLVED, 1n, 2n, REWARD_WEI);
      expect(await bounties.creditOf(requester.address)).to.equal(REWARD_WEI);
      const [status, majority, tallies] = await bounties.itemState(taskId, 0);
      expect([status, majority]).to.deep.equal([RESOLVED, 1n]);
      expect(tallies).to.deep.equal([0n, 2n, 1n, 0n]);
      const t = await bounties.getTask(taskId);
      expect(t.acceptedLabels).to.equal(2n);
      expect(t.finalizedItems).to.equal(1n);
    });

    it("leaves a tied item unresolved and refunds all of its slots", async function () {
      const { bounties, taskId, requester } = await loadFixture(settlementFixture);
      await expect(bounties.finalizeItem(taskId, 1))
        .to.emit(bounties, "ItemFinalized")
        .withArgs(taskId, 1n, UNRESOLVED, 0n, 0n, 3n * REWARD_WEI);
      expect(await bounties.creditOf(requester.address)).to.equal(3n * REWARD_WEI);
    });

    it("refunds every slot of an item that received no reveal", async function () {
      const { bounties, taskId } = await loadFixture(settlementFixture);
      await expect(bounties.finalizeItem(taskId, 2))
        .to.emit(bounties, "ItemFinalized")
        .withArgs(taskId, 2n, UNRESOLVED, 0n, 0n, 3n * REWARD_WEI);
    });

    it("leaves an item unresolved when the top share is below the threshold", async function () {
      const { bounties, requester, labellers } = await loadFixture(deployBounties);
      const tree = ItemTree.random(1);
      const p = await taskParams(tree, { labelsPerItem: 5, thresholdBps: 6000 });
      const id = await createTask(bounties, requester, p);
      // [0, 0, 1, 2, 3]: label 0 leads with 2/5 = 40 % < 60 %.
      await commitAll(bounties, tree, id, labellers, 0, [0, 0, 1, 2, 3]);
      await time.increaseTo(p.commitDeadline + 1);
      await revealAll(bounties, id, labellers, 0, [0, 0, 1, 2, 3]);
      await time.increaseTo(p.revealDeadline + 1);
      await expect(bounties.finalizeItem(id, 0))
        .to.emit(bounties, "ItemFinalized")
        .withArgs(id, 0n, UNRESOLVED, 0n, 0n, 5n * REWARD_WEI);
    });

    it("resolves at exactly the threshold share", async function () {
      const { bounties, requester, labellers } = await loadFixture(deployBounties);
      const tree = ItemTree.random(1);
      const p = await taskParams(tree, { labelsPerItem: 5, thresholdBps: 6000 });
      const id = await createTask(bounties, requester, p);
      await commitAll(bounties, tree, id, labellers, 0, [3, 3, 3, 1, 2]);
      await time.increaseTo(p.commitDeadline + 1);
      await revealAll(bounties, id, labellers, 0, [3, 3, 3, 1, 2]);
      await time.increaseTo(p.revealDeadline + 1);
      await expect(bounties.finalizeItem(id, 0))
        .to.emit(bounties, "ItemFinalized")
        .withArgs(id, 0n, RESOLVED, 3n, 3n, 2n * REWARD_WEI);
    });

    it("measures the share against revealed labels only: unrevealed commits do not dilute it", async function () {
      const { bounties, requester, labellers } = await loadFixture(deployBounties);
      const tree = ItemTree.random(1);
      const p = await taskParams(tree, { labelsPerItem: 4, thresholdBps: 10_000 });
      const id = await createTask(bounties, requester, p);
      await commitAll(bounties, tree, id, labellers, 0, [2, 2, 1]);
      await time.increaseTo(p.commitDeadline + 1);
      await revealAll(bounties, id, labellers, 0, [2, 2]);
      await time.increaseTo(p.revealDeadline + 1);
      await expect(bounties.finalizeItem(id, 0))
        .to.emit(bounties, "ItemFinalized")
        .withArgs(id, 0n, RESOLVED, 2n, 2n, 2n * REWARD_WEI);
    });

    it("refuses a second finalisation, an item out of range and an unknown task", async function () {
      const { bounties, taskId } = await loadFixture(settlementFixture);
      await bounties.finalizeItem(taskId, 0);
      await expect(bounties.finalizeItem(taskId, 0))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesItemFinalized")
        .withArgs(taskId, 0n);
      await expect(bounties.finalizeItem(taskId, 8))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesItemOutOfRange")
        .withArgs(taskId, 8n, 8n);
      await expect(bounties.finalizeItem(77, 0))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesUnknownTask")
        .withArgs(77n);
    });

    it("marks the task finished once every item is finalised", async function () {
      const { bounties, taskId } = await loadFixture(settlementFixture);
      for (let i = 0; i < 7; i++) await bounties.finalizeItem(taskId, i);
      expect(await bounties.isTaskFinished(taskId)).to.equal(false);
      await bounties.finalizeItem(taskId, 7);
      expect(await bounties.isTaskFinished(taskId)).to.equal(true);
      expect(await bounties.isTaskFinished(99)).to.equal(false);
    });
  });

  describe("claim", function () {
    async function finalizedFixture() {
      const f = await settlementFixture();
      await f.bounties.finalizeItem(f.taskId, 0);
      await f.bounties.finalizeItem(f.taskId, 1);
      return f;
    }
    const claimOf = (b: LabelingBounties, taskId: bigint, item: number, slot: number, who: Signer, label: number) =>
      b.claim(taskId, item, slot, who.address, label, saltOf(who.address, item, slot));

    it("credits an agreeing label, counts it accepted and emits LabelSettled", async function () {
      const { bounties, taskId, labellers } = await loadFixture(finalizedFixture);
      const [a] = labellers;
      await expect(claimOf(bounties, taskId, 0, 0, a, 1))
        .to.emit(bounties, "LabelSettled")
        .withArgs(taskId, 0n, a.address, 0n, true, REWARD_WEI, BOND_WEI);
      expect(await bounties.creditOf(a.address)).to.equal(REWARD_WEI + BOND_WEI);
      expect(await bounties.reputationOf(a.address)).to.deep.equal([1n, 0n, 0n]);
      expect(await bounties.acceptedLabelsOf(taskId, a.address)).to.equal(1n);
      expect(await bounties.slotState(taskId, 0, 0)).to.equal(SETTLED);
    });

    it("pays a minority label nothing and counts it rejected", async function () {
      const { bounties, taskId, labellers } = await loadFixture(finalizedFixture);
      const c = labellers[2];
      await expect(claimOf(bounties, taskId, 0, 2, c, 2))
        .to.emit(bounties, "LabelSettled")
        .withArgs(taskId, 0n, c.address, 2n, false, 0n, 0n);
      expect(await bounties.creditOf(c.address)).to.equal(0n);
      expect(await bounties.reputationOf(c.address)).to.deep.equal([0n, 1n, 0n]);
    });

    it("settles a label of an unresolved item with its bond back, no reward and no reputation change", async function () {
      const { bounties, taskId, labellers } = await loadFixture(finalizedFixture);
      const a = labellers[0];
      await expect(claimOf(bounties, taskId, 1, 0, a, 0))
        .to.emit(bounties, "LabelSettled")
        .withArgs(taskId, 1n, a.address, 0n, false, 0n, BOND_WEI);
      expect(await bounties.creditOf(a.address)).to.equal(BOND_WEI);
      expect(await bounties.reputationOf(a.address)).to.deep.equal([0n, 0n, 0n]);
    });

    it("can be called by anyone on the labeller's behalf", async function () {
      const { bounties, taskId, labellers, requester } = await loadFixture(finalizedFixture);
      const b = labellers[1];
      await expect(bounties.connect(requester).claim(taskId, 0, 1, b.address, 1, saltOf(b.address, 0, 1)))
        .to.emit(bounties, "LabelSettled")
        .withArgs(taskId, 0n, b.address, 1n, true, REWARD_WEI, BOND_WEI);
      expect(await bounties.creditOf(b.address)).to.equal(REWARD_WEI + BOND_WEI);
    });

    it("refuses a second claim of the same slot", async function () {
      const { bounties, taskId, labellers } = await loadFixture(finalizedFixture);
      await claimOf(bounties, taskId, 0, 0, labellers[0], 1);
      await expect(claimOf(bounties, taskId, 0, 0, labellers[0], 1))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesWrongSlotState")
        .withArgs(taskId, 0n, 0n, SETTLED);
    });

    it("refuses an opening that differs from the revealed one", async function () {
      const { bounties, taskId, labellers } = await loadFixture(finalizedFixture);
      const [a, b] = labellers;
      await expect(bounties.claim(taskId, 0, 0, b.address, 1, saltOf(a.address, 0, 0)))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesCommitmentMismatch")
        .withArgs(taskId, 0n, 0n, b.address);
      await expect(bounties.claim(taskId, 0, 2, labellers[2].address, 1, saltOf(labellers[2].address, 0, 2)))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesCommitmentMismatch")
        .withArgs(taskId, 0n, 2n, labellers[2].address);
    });

    it("refuses a slot of an item that is not finalised, and an unrevealed or empty slot", async function () {
      const { bounties, requester, labellers } = await loadFixture(deployBounties);
      const tree = ItemTree.random(8);
      const p = await taskParams(tree);
      const id = await createTask(bounties, requester, p);
      await commitAll(bounties, tree, id, labellers, 0, [1, 1]);
      await time.increaseTo(p.commitDeadline + 1);
      await revealAll(bounties, id, labellers, 0, [1]);
      await time.increaseTo(p.revealDeadline + 1);
      const a = labellers[0];
      await expect(claimOf(bounties, id, 0, 0, a, 1))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesItemNotFinalized")
        .withArgs(id, 0n);
      await bounties.finalizeItem(id, 0);
      await expect(claimOf(bounties, id, 0, 1, labellers[1], 1))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesWrongSlotState")
        .withArgs(id, 0n, 1n, COMMITTED);
      await expect(claimOf(bounties, id, 0, 2, labellers[2], 1))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesWrongSlotState")
        .withArgs(id, 0n, 2n, EMPTY);
    });
  });

  describe("withdraw", function () {
    it("pays the whole credit once and emits CreditWithdrawn", async function () {
      const { bounties, taskId, requester } = await loadFixture(settlementFixture);
      await bounties.finalizeItem(taskId, 2);
      const credit = 3n * REWARD_WEI;
      const tx = bounties.connect(requester).withdraw();
      await expect(tx).to.emit(bounties, "CreditWithdrawn").withArgs(requester.address, credit);
      await expect(tx).to.changeEtherBalances([requester, bounties], [credit, -credit]);
      expect(await bounties.totalCredits()).to.equal(0n);
      await expect(bounties.connect(requester).withdraw())
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesNothingToWithdraw")
        .withArgs(requester.address);
    });

    describe("with a contract requester", function () {
      async function actorFixture() {
        const base = await deployBounties();
        const actor = (await (
          await ethers.getContractFactory("LabelingBountiesActor")
        ).deploy(await base.bounties.getAddress())) as unknown as LabelingBountiesActor;
        const tree = ItemTree.random(2);
        const p = await taskParams(tree);
        const data = base.bounties.interface.encodeFunctionData("createTask", [p]);
        await actor.exec(data, { value: fundingOf(p) });
        await time.increaseTo(p.revealDeadline + 1);
        await base.bounties.finalizeItem(1n, 0);
        return { ...base, actor };
      }
      const withdrawData = (b: LabelingBounties) => b.interface.encodeFunctionData("withdraw");

      it("blocks a re-entrant withdraw and pays exactly once", async function () {
        const { bounties, actor } = await loadFixture(actorFixture);
        await actor.setMode(2);
        const credit = 3n * REWARD_WEI;
        await expect(actor.exec(withdrawData(bounties))).to.changeEtherBalances([actor, bounties], [credit, -credit]);
        expect(await actor.reentryBlocked()).to.equal(true);
        expect(await bounties.creditOf(await actor.getAddress())).to.equal(0n);
      });

      it("keeps the credit when the receiver reverts, so it can withdraw later", async function () {
        const { bounties, actor } = await loadFixture(actorFixture);
        await actor.setMode(1);
        await expect(actor.exec(withdrawData(bounties))).to.be.revertedWithCustomError(
          actor,
          "LabelingBountiesActorRejected",
        );
        expect(await bounties.creditOf(await actor.getAddress())).to.equal(3n * REWARD_WEI);
        await actor.setMode(0);
        await expect(actor.exec(withdrawData(bounties))).to.emit(bounties, "CreditWithdrawn");
      });
    });
  });

  describe("end to end", function () {
    it("pays every agreeing label, refunds the rest, and empties the escrow exactly", async function () {
      const { bounties, taskId, labellers, requester } = await loadFixture(settlementFixture);
      for (let i = 0; i < 8; i++) await bounties.finalizeItem(taskId, i);
      await bounties.claim(taskId, 0, 0, labellers[0].address, 1, saltOf(labellers[0].address, 0, 0));
      await bounties.claim(taskId, 0, 1, labellers[1].address, 1, saltOf(labellers[1].address, 0, 1));
      await bounties.claim(taskId, 0, 2, labellers[2].address, 2, saltOf(labellers[2].address, 0, 2));
      // Item 1 tied: both revealed labels get their bonds back.
      await bounties.claim(taskId, 1, 0, labellers[0].address, 0, saltOf(labellers[0].address, 1, 0));
      await bounties.claim(taskId, 1, 1, labellers[1].address, 3, saltOf(labellers[1].address, 1, 1));
      const funded = 8n * 3n * REWARD_WEI;
      expect(await bounties.creditOf(requester.address)).to.equal(funded - 2n * REWARD_WEI);
      expect(await bounties.creditOf(labellers[0].address)).to.equal(REWARD_WEI + 2n * BOND_WEI);
      expect(await bounties.creditOf(labellers[2].address)).to.equal(0n);
      // The minority label of item 0 forfeited its bond.
      expect(await bounties.forfeitedBonds()).to.equal(BOND_WEI);
      expect(await bounties.totalEscrowed()).to.equal(0n);
      expect((await bounties.getTask(taskId)).escrowedWei).to.equal(0n);
      expect(await ethers.provider.getBalance(await bounties.getAddress())).to.equal(
        (await bounties.totalCredits()) + BOND_WEI,
      );
    });
  });

  describe("state x action x caller", function () {
    // Phases of a task with one committed (slot 0, labeller 0) and, from Reveal on, revealed slot of item 0.
    type Phase = "Commit" | "Reveal" | "Settle" | "Finalized";
    const phases: Phase[] = ["Commit", "Reveal", "Settle", "Finalized"];
    const callers = ["requester", "labeller", "stranger"] as const;
    type Caller = (typeof callers)[number];
    type Action = "commit" | "reveal" | "finalizeItem" | "claim";

    // Expected custom error (or "ok") for each action in each phase; the caller column differs only for reveal,
    // where only the committer's own opening matches.
    const table: Record<Action, Record<Phase, string | ((c: Caller) => string)>> = {
      commit: {
        // labellers[0] already holds slot 0 of item 0: one slot per labeller per item.
        Commit: (c) => (c === "labeller" ? "LabelingBountiesSlotHeld" : "ok"),
        Reveal: "LabelingBountiesCommitClosed",
        Settle: "LabelingBountiesCommitClosed",
        Finalized: "LabelingBountiesCommitClosed",
      },
      reveal: {
        Commit: "LabelingBountiesNotInRevealWindow",
        Reveal: (c) => (c === "labeller" ? "ok" : "LabelingBountiesCommitmentMismatch"),
        Settle: "LabelingBountiesNotInRevealWindow",
        Finalized: "LabelingBountiesNotInRevealWindow",
      },
      finalizeItem: {
        Commit: "LabelingBountiesRevealNotOver",
        Reveal: "LabelingBountiesRevealNotOver",
        Settle: "ok",
        Finalized: "LabelingBountiesItemFinalized",
      },
      claim: {
        Commit: "LabelingBountiesItemNotFinalized",
        Reveal: "LabelingBountiesItemNotFinalized",
        Settle: "LabelingBountiesItemNotFinalized",
        Finalized: "ok",
      },
    };

    async function phaseFixture(phase: Phase) {
      const f = await taskFixture();
      const { bounties, tree, taskId, labellers, params } = f;
      await commitLabel(bounties, tree, taskId, labellers[0], 0, 0, 1);
      if (phase === "Commit") return f;
      await time.increaseTo(params.commitDeadline + 1);
      if (phase === "Reveal") return f;
      await bounties.connect(labellers[0]).reveal(taskId, 0, 0, 1, saltOf(labellers[0].address, 0, 0));
      await time.increaseTo(params.revealDeadline + 1);
      if (phase === "Finalized") await bounties.finalizeItem(taskId, 0);
      return f;
    }
    const fixtures: Record<Phase, () => ReturnType<typeof taskFixture>> = {
      Commit: () => phaseFixture("Commit"),
      Reveal: () => phaseFixture("Reveal"),
      Settle: () => phaseFixture("Settle"),
      Finalized: () => phaseFixture("Finalized"),
    };

    for (const phase of phases) {
      for (const action of Object.keys(table) as Action[]) {
        for (const caller of callers) {
          const cell = table[action][phase];
          const expected = typeof cell === "function" ? cell(caller) : cell;
          it(`${phase}: ${action} by the ${caller} -> ${expected}`, async function () {
            const { bounties, tree, taskId, labellers, requester } = await loadFixture(fixtures[phase]);
            const who = { requester, labeller: labellers[0], stranger: labellers[5] }[caller];
            const l0 = labellers[0];
            const calls: Record<Action, () => Promise<unknown>> = {
              commit: () => commitLabel(bounties, tree, taskId, who, 0, 1, 1).then((r) => r.tx),
              reveal: () => bounties.connect(who).reveal(taskId, 0, 0, 1, saltOf(l0.address, 0, 0)),
              finalizeItem: () => bounties.connect(who).finalizeItem(taskId, 0),
              claim: () => bounties.connect(who).claim(taskId, 0, 0, l0.address, 1, saltOf(l0.address, 0, 0)),
            };
            if (expected === "ok") await expect(calls[action]()).to.not.be.reverted;
            else await expect(calls[action]()).to.be.revertedWithCustomError(bounties, expected);
          });
        }
      }
    }
  });
});
