import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  ItemTree,
  REWARD_WEI,
  commitLabel,
  createTask,
  deployBounties,
  saltOf,
  taskParams,
} from "../data/helpers/labeling";

// Issue 12, item 4: one address fills every slot of an item, reveals them all, reaches 100% agreement and claims
// every reward of the item.
describe("Security: single-labeller reward capture (LabelingBounties)", function () {
  async function fixture() {
    const base = await deployBounties();
    const tree = ItemTree.random(2);
    const params = await taskParams(tree);
    const taskId = await createTask(base.bounties, base.requester, params);
    return { ...base, tree, params, taskId };
  }

  it("one address takes every slot of an item and every reward (exploit, current code)", async function () {
    const { bounties, tree, params, taskId, labellers } = await loadFixture(fixture);
    const attacker = labellers[0];
    for (let s = 0; s < params.labelsPerItem; s++) await commitLabel(bounties, tree, taskId, attacker, 0, s, 1);
    await time.increaseTo(params.commitDeadline + 1);
    for (let s = 0; s < params.labelsPerItem; s++) {
      await bounties.connect(attacker).reveal(taskId, 0, s, 1, saltOf(attacker.address, 0, s));
    }
    await time.increaseTo(params.revealDeadline + 1);
    await bounties.finalizeItem(taskId, 0);
    for (let s = 0; s < params.labelsPerItem; s++) {
      await bounties.claim(taskId, 0, s, attacker.address, 1, saltOf(attacker.address, 0, s));
    }
    expect(await bounties.creditOf(attacker.address)).to.equal(BigInt(params.labelsPerItem) * REWARD_WEI);
    expect(await bounties.acceptedLabelsOf(taskId, attacker.address)).to.equal(BigInt(params.labelsPerItem));
  });
});
