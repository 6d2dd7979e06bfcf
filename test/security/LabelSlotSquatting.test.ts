import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ItemTree, commitLabel, createTask, deployBounties, taskParams } from "../data/helpers/labeling";

// Issue 12, item 4: one address fills every slot of every item and never reveals, so honest labellers cannot take a
// slot and the task ends without a single label.
describe("Security: label slot squatting (LabelingBounties)", function () {
  async function fixture() {
    const base = await deployBounties();
    const tree = ItemTree.random(2);
    const params = await taskParams(tree);
    const taskId = await createTask(base.bounties, base.requester, params);
    return { ...base, tree, params, taskId };
  }

  it("a squatter blocks every slot at no cost (exploit, current code)", async function () {
    const { bounties, tree, params, taskId, labellers } = await loadFixture(fixture);
    const [squatter, honest] = labellers;
    const before = await ethers.provider.getBalance(squatter.address);
    for (let i = 0; i < params.itemCount; i++) {
      for (let s = 0; s < params.labelsPerItem; s++) await commitLabel(bounties, tree, taskId, squatter, i, s, 0);
    }
    await expect(commitLabel(bounties, tree, taskId, honest, 0, 0, 2))
      .to.be.revertedWithCustomError(bounties, "LabelingBountiesWrongSlotState")
      .withArgs(taskId, 0, 0, 1);
    await time.increaseTo(params.revealDeadline + 1);
    for (let i = 0; i < params.itemCount; i++) await bounties.finalizeItem(taskId, i);
    expect((await bounties.getTask(taskId)).acceptedLabels).to.equal(0n);
    // The squatter paid gas only: nothing of its was escrowed or lost.
    const spent = before - (await ethers.provider.getBalance(squatter.address));
    expect(spent).to.be.lessThan(ethers.parseEther("0.01"));
  });
});
