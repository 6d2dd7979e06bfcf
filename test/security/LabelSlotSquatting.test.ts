import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Treasury } from "../../typechain-types";
import { deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS } from "../helpers/constants";
import { ItemTree, commitLabel, createTask, deployBounties, saltOf, taskParams } from "../data/helpers/labeling";

// Issue 12, item 4: one address filled every slot of every item and never revealed, so honest labellers could not
// take a slot and the task ended without a label, at no cost to the squatter. Regression: one slot per address per
// item leaves the other slots to honest labellers, and a Sybil squatter pays a bond per slot (at least the slot's
// reward) that it loses to the Treasury, while the requester gets every blocked reward back.
describe("Security: label slot squatting (LabelingBounties)", function () {
  async function fixture() {
    const base = await deployBounties();
    const treasury = await deployProxy<Treasury>("Treasury", [base.admin.address, ADMIN_DELAY_SECONDS]);
    await base.bounties.setTreasury(await treasury.getAddress());
    const tree = ItemTree.random(2);
    const params = await taskParams(tree);
    const taskId = await createTask(base.bounties, base.requester, params);
    return { ...base, treasury, tree, params, taskId };
  }

  it("one address squats one slot per item at most; honest labellers fill and get paid for the rest", async function () {
    const { bounties, tree, params, taskId, labellers } = await loadFixture(fixture);
    const [squatter, h1, h2] = labellers;
    await commitLabel(bounties, tree, taskId, squatter, 0, 0, 0);
    await expect(commitLabel(bounties, tree, taskId, squatter, 0, 1, 0))
      .to.be.revertedWithCustomError(bounties, "LabelingBountiesSlotHeld")
      .withArgs(taskId, 0n, squatter.address);
    await commitLabel(bounties, tree, taskId, h1, 0, 1, 2);
    await commitLabel(bounties, tree, taskId, h2, 0, 2, 2);
    await time.increaseTo(params.commitDeadline + 1);
    await bounties.connect(h1).reveal(taskId, 0, 1, 2, saltOf(h1.address, 0, 1));
    await bounties.connect(h2).reveal(taskId, 0, 2, 2, saltOf(h2.address, 0, 2));
    await time.increaseTo(params.revealDeadline + 1);
    await expect(bounties.finalizeItem(taskId, 0))
      .to.emit(bounties, "BondsForfeited")
      .withArgs(taskId, 0n, params.bondWei);
    await bounties.claim(taskId, 0, 1, h1.address, 2, saltOf(h1.address, 0, 1));
    await bounties.claim(taskId, 0, 2, h2.address, 2, saltOf(h2.address, 0, 2));
    expect((await bounties.getTask(taskId)).acceptedLabels).to.equal(2n);
    expect(await bounties.creditOf(h1.address)).to.equal(params.rewardWei + params.bondWei);
    expect(await bounties.creditOf(squatter.address)).to.equal(0n);
  });

  it("a Sybil squatter filling every slot pays at least the escrow it blocks, and the requester loses nothing", async function () {
    const { bounties, tree, params, taskId, labellers, requester, treasury } = await loadFixture(fixture);
    const sybils = labellers.slice(0, params.labelsPerItem);
    const squatterStart = await Promise.all(sybils.map((s) => ethers.provider.getBalance(s.address)));
    for (let i = 0; i < params.itemCount; i++) {
      for (let s = 0; s < params.labelsPerItem; s++) await commitLabel(bounties, tree, taskId, sybils[s], i, s, 0);
    }
    await expect(commitLabel(bounties, tree, taskId, labellers[5], 0, 0, 2))
      .to.be.revertedWithCustomError(bounties, "LabelingBountiesWrongSlotState")
      .withArgs(taskId, 0n, 0n, 1n);
    await time.increaseTo(params.revealDeadline + 1);
    for (let i = 0; i < params.itemCount; i++) await bounties.finalizeItem(taskId, i);
    const slots = BigInt(params.itemCount * params.labelsPerItem);
    const blocked = slots * params.rewardWei;
    // The requester is credited every reward the squatter blocked.
    expect(await bounties.creditOf(requester.address)).to.equal(blocked);
    // Every bond is lost to the Treasury: the squat cost slots x bond >= slots x reward = the escrow it blocked.
    expect(await bounties.forfeitedBonds()).to.equal(slots * params.bondWei);
    await expect(bounties.sweepForfeitedBonds())
      .to.emit(bounties, "ForfeitedBondsSwept")
      .withArgs(await treasury.getAddress(), slots * params.bondWei);
    let spent = 0n;
    for (let s = 0; s < sybils.length; s++)
      spent += squatterStart[s] - (await ethers.provider.getBalance(sybils[s].address));
    expect(spent).to.be.gte(blocked);
    expect(await bounties.totalEscrowed()).to.equal(0n);
  });
});
