import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Treasury } from "../../typechain-types";
import { deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS, DEFAULT_ADMIN_ROLE } from "../helpers/constants";
import {
  BOND_WEI,
  GoldTree,
  ItemTree,
  REWARD_WEI,
  commitLabel,
  commitmentOf,
  createTask,
  deployBounties,
  fundingOf,
  saltOf,
  taskParams,
} from "./helpers/labeling";

const RESOLVED = 1n;
const DAY = 24 * 3600;

describe("LabelingBounties bonds and reference items", function () {
  // Items 1 (answer 2) and 3 (answer 0) are reference items.
  const gold = new GoldTree([
    { item: 1, label: 2 },
    { item: 3, label: 0 },
  ]);

  async function goldFixture() {
    const base = await deployBounties();
    const treasury = await deployProxy<Treasury>("Treasury", [base.admin.address, ADMIN_DELAY_SECONDS]);
    const tree = ItemTree.random(4, "gold");
    const params = await taskParams(tree, { goldRoot: gold.root });
    const taskId = await createTask(base.bounties, base.requester, params);
    return { ...base, treasury, tree, params, taskId };
  }

  /** Item 1: labellers 0 and 1 reveal the reference answer 2, labeller 2 reveals 1. */
  async function revealedFixture() {
    const f = await goldFixture();
    const { bounties, tree, taskId, labellers, params } = f;
    const labels = [2, 2, 1];
    for (let s = 0; s < 3; s++) await commitLabel(bounties, tree, taskId, labellers[s], 1, s, labels[s]);
    await time.increaseTo(params.commitDeadline + 1);
    for (let s = 0; s < 3; s++) {
      await bounties.connect(labellers[s]).reveal(taskId, 1, s, labels[s], saltOf(labellers[s].address, 1, s));
    }
    await time.increaseTo(params.revealDeadline + 1);
    return f;
  }

  describe("createTask", function () {
    it("refuses a bond below the reward", async function () {
      const { bounties, requester } = await loadFixture(deployBounties);
      const p = await taskParams(ItemTree.random(2), { bondWei: REWARD_WEI - 1n });
      await expect(bounties.connect(requester).createTask(p, { value: fundingOf(p) }))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesInvalidParam")
        .withArgs("bondWei");
    });

    it("stores the bond and the reference root", async function () {
      const { bounties, taskId } = await loadFixture(goldFixture);
      const t = await bounties.getTask(taskId);
      expect(t.bondWei).to.equal(BOND_WEI);
      expect(t.goldRoot).to.equal(gold.root);
    });
  });

  describe("commit", function () {
    it("refuses a commit without the exact bond", async function () {
      const { bounties, tree, taskId, labellers } = await loadFixture(goldFixture);
      const l = labellers[0];
      const c = commitmentOf(taskId, 0, l.address, 1, saltOf(l.address, 0, 0));
      for (const value of [0n, BOND_WEI - 1n, BOND_WEI + 1n]) {
        await expect(bounties.connect(l).commit(taskId, 0, 0, tree.itemHashes[0], tree.proof(0), c, { value }))
          .to.be.revertedWithCustomError(bounties, "LabelingBountiesWrongBond")
          .withArgs(taskId, BOND_WEI, value);
      }
    });

    it("escrows the bond and marks the labeller's slot", async function () {
      const { bounties, tree, taskId, labellers } = await loadFixture(goldFixture);
      const before = await bounties.totalEscrowed();
      const { tx } = await commitLabel(bounties, tree, taskId, labellers[0], 0, 0, 1);
      await expect(tx).to.changeEtherBalances([labellers[0], bounties], [-BOND_WEI, BOND_WEI]);
      expect(await bounties.totalEscrowed()).to.equal(before + BOND_WEI);
      expect(await bounties.holdsSlot(taskId, 0, labellers[0].address)).to.equal(true);
    });
  });

  describe("finalizeGoldItem", function () {
    it("resolves a reference item to its answer, pays agreeing labels and forfeits the others' bonds", async function () {
      const { bounties, taskId, labellers, requester } = await loadFixture(revealedFixture);
      const o = gold.opening(1);
      const tx = bounties.connect(requester).finalizeGoldItem(taskId, 1, o.label, o.salt, o.proof);
      await expect(tx).to.emit(bounties, "ItemFinalized").withArgs(taskId, 1n, RESOLVED, 2n, 2n, 0n);
      // The miss loses its bond, and its reward goes to the Treasury rather than back to the requester.
      await expect(tx)
        .to.emit(bounties, "BondsForfeited")
        .withArgs(taskId, 1n, BOND_WEI + REWARD_WEI);
      const [a, , c] = labellers;
      await expect(bounties.claim(taskId, 1, 0, a.address, 2, saltOf(a.address, 1, 0)))
        .to.emit(bounties, "LabelSettled")
        .withArgs(taskId, 1n, a.address, 0n, true, REWARD_WEI, BOND_WEI);
      await expect(bounties.claim(taskId, 1, 2, c.address, 1, saltOf(c.address, 1, 2)))
        .to.emit(bounties, "LabelSettled")
        .withArgs(taskId, 1n, c.address, 2n, false, 0n, 0n);
      expect(await bounties.reputationOf(c.address)).to.deep.equal([0n, 1n, 1n]);
      expect(await bounties.reputationOf(a.address)).to.deep.equal([1n, 0n, 0n]);
    });

    it("overrides the majority: a unanimous wrong answer on a reference item is rejected", async function () {
      const { bounties, tree, taskId, labellers, params, requester } = await loadFixture(goldFixture);
      for (let s = 0; s < 3; s++) await commitLabel(bounties, tree, taskId, labellers[s], 3, s, 1);
      await time.increaseTo(params.commitDeadline + 1);
      for (let s = 0; s < 3; s++) {
        await bounties.connect(labellers[s]).reveal(taskId, 3, s, 1, saltOf(labellers[s].address, 3, s));
      }
      await time.increaseTo(params.revealDeadline + 1);
      const o = gold.opening(3);
      await expect(bounties.connect(requester).finalizeGoldItem(taskId, 3, o.label, o.salt, o.proof))
        .to.emit(bounties, "ItemFinalized")
        .withArgs(taskId, 3n, RESOLVED, 0n, 0n, 0n);
      // A false reference answer would not refund the requester: every revealed miss's reward goes to the Treasury.
      expect(await bounties.forfeitedBonds()).to.equal(3n * (BOND_WEI + REWARD_WEI));
    });

    it("refuses a wrong opening, a label out of range and a second finalisation", async function () {
      const { bounties, taskId, requester } = await loadFixture(revealedFixture);
      const o = gold.opening(1);
      await expect(bounties.connect(requester).finalizeGoldItem(taskId, 1, 1, o.salt, o.proof))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesInvalidGoldProof")
        .withArgs(taskId, 1n, 1n);
      await expect(bounties.connect(requester).finalizeGoldItem(taskId, 0, o.label, o.salt, o.proof))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesInvalidGoldProof")
        .withArgs(taskId, 0n, 2n);
      await expect(bounties.connect(requester).finalizeGoldItem(taskId, 1, 4, o.salt, o.proof))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesInvalidLabel")
        .withArgs(taskId, 4n, 4n);
      await bounties.connect(requester).finalizeGoldItem(taskId, 1, o.label, o.salt, o.proof);
      await expect(bounties.connect(requester).finalizeGoldItem(taskId, 1, o.label, o.salt, o.proof))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesItemFinalized")
        .withArgs(taskId, 1n);
    });

    it("refuses before the reveal deadline and on a task without reference items", async function () {
      const { bounties, tree, requester } = await loadFixture(goldFixture);
      const o = gold.opening(1);
      const p = await taskParams(tree);
      const plainId = await createTask(bounties, requester, p);
      await expect(bounties.connect(requester).finalizeGoldItem(plainId, 1, o.label, o.salt, o.proof))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesRevealNotOver")
        .withArgs(plainId, p.revealDeadline);
      await time.increaseTo(p.revealDeadline + 1);
      await expect(bounties.connect(requester).finalizeGoldItem(plainId, 1, o.label, o.salt, o.proof))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesInvalidGoldProof")
        .withArgs(plainId, 1n, 2n);
    });
  });

  describe("finalizeItem on a task with reference items", function () {
    it("is the requester's alone for a day after the reveal deadline, then anyone's", async function () {
      const { bounties, taskId, labellers, params, requester } = await loadFixture(revealedFixture);
      const openAt = BigInt(params.revealDeadline + DAY);
      await expect(bounties.connect(labellers[5]).finalizeItem(taskId, 1))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesGoldWindowOpen")
        .withArgs(taskId, openAt);
      await bounties.connect(requester).finalizeItem(taskId, 0);
      await time.increaseTo(openAt + 1n);
      // Finalised without its opening, the reference item falls back to the majority rule.
      await expect(bounties.connect(labellers[5]).finalizeItem(taskId, 1))
        .to.emit(bounties, "ItemFinalized")
        .withArgs(taskId, 1n, RESOLVED, 2n, 2n, REWARD_WEI);
    });

    it("forfeits no bond and emits no BondsForfeited for an item without commits", async function () {
      const { bounties, taskId, requester } = await loadFixture(revealedFixture);
      await expect(bounties.connect(requester).finalizeItem(taskId, 0)).to.not.emit(bounties, "BondsForfeited");
      expect(await bounties.forfeitedBonds()).to.equal(0n);
    });
  });

  describe("Treasury and sweeping", function () {
    it("sets the Treasury (admin only, not zero) and emits TreasurySet", async function () {
      const { bounties, treasury, labellers } = await loadFixture(goldFixture);
      const addr = await treasury.getAddress();
      await expect(bounties.setTreasury(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesZeroAddress")
        .withArgs("treasury");
      await expect(bounties.connect(labellers[0]).setTreasury(addr))
        .to.be.revertedWithCustomError(bounties, "AccessControlUnauthorizedAccount")
        .withArgs(labellers[0].address, DEFAULT_ADMIN_ROLE);
      await expect(bounties.setTreasury(addr)).to.emit(bounties, "TreasurySet").withArgs(addr);
      expect(await bounties.treasury()).to.equal(addr);
    });

    it("keeps forfeited bonds until a Treasury is set, then sweeps them once", async function () {
      const { bounties, treasury, taskId, requester } = await loadFixture(revealedFixture);
      const o = gold.opening(1);
      await bounties.connect(requester).finalizeGoldItem(taskId, 1, o.label, o.salt, o.proof);
      await expect(bounties.sweepForfeitedBonds())
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesZeroAddress")
        .withArgs("treasury");
      const addr = await treasury.getAddress();
      await bounties.setTreasury(addr);
      const swept = BOND_WEI + REWARD_WEI;
      await expect(bounties.sweepForfeitedBonds()).to.changeEtherBalances([bounties, treasury], [-swept, swept]);
      expect(await bounties.forfeitedBonds()).to.equal(0n);
      await expect(bounties.sweepForfeitedBonds())
        .to.be.revertedWithCustomError(bounties, "LabelingBountiesNothingToWithdraw")
        .withArgs(addr);
    });
  });
});
