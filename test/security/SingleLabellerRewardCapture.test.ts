import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Treasury } from "../../typechain-types";
import { deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS } from "../helpers/constants";
import {
  GoldTree,
  ItemTree,
  REWARD_WEI,
  commitLabel,
  createTask,
  deployBounties,
  saltOf,
  taskParams,
} from "../data/helpers/labeling";

// Issue 12, item 4: one address filled every slot of an item, revealed them all, reached 100% agreement and claimed
// every reward of the item. Regression: one slot per labeller per item, and a Sybil ring that answers without doing
// the work loses its bonds (and gold-miss reputation) on reference items it cannot tell apart.
describe("Security: single-labeller reward capture (LabelingBounties)", function () {
  // Item 1 is a reference item whose answer is 2; labellers cannot tell it from item 0.
  const gold = new GoldTree([{ item: 1, label: 2 }]);

  async function fixture() {
    const base = await deployBounties();
    const treasury = await deployProxy<Treasury>("Treasury", [base.admin.address, ADMIN_DELAY_SECONDS]);
    await base.bounties.setTreasury(await treasury.getAddress());
    const tree = ItemTree.random(2);
    const params = await taskParams(tree, { bondWei: 2n * REWARD_WEI, goldRoot: gold.root });
    const taskId = await createTask(base.bounties, base.requester, params);
    return { ...base, treasury, tree, params, taskId };
  }

  it("refuses a second slot of the same item to one address", async function () {
    const { bounties, tree, taskId, labellers } = await loadFixture(fixture);
    const attacker = labellers[0];
    await commitLabel(bounties, tree, taskId, attacker, 0, 0, 1);
    await expect(commitLabel(bounties, tree, taskId, attacker, 0, 1, 1))
      .to.be.revertedWithCustomError(bounties, "LabelingBountiesSlotHeld")
      .withArgs(taskId, 0n, attacker.address);
    expect(await bounties.holdsSlot(taskId, 0, attacker.address)).to.equal(true);
    expect(await bounties.holdsSlot(taskId, 1, attacker.address)).to.equal(false);
  });

  it("makes a Sybil ring that labels without looking lose more on a reference item than it takes", async function () {
    const { bounties, tree, params, taskId, labellers, requester, treasury } = await loadFixture(fixture);
    const ring = labellers.slice(0, params.labelsPerItem);
    // The ring fills every slot of both items with the same label, so it agrees with itself everywhere.
    for (let s = 0; s < ring.length; s++) {
      for (const item of [0, 1]) await commitLabel(bounties, tree, taskId, ring[s], item, s, 0);
    }
    await time.increaseTo(params.commitDeadline + 1);
    for (let s = 0; s < ring.length; s++) {
      for (const item of [0, 1]) {
        await bounties.connect(ring[s]).reveal(taskId, item, s, 0, saltOf(ring[s].address, item, s));
      }
    }
    await time.increaseTo(params.revealDeadline + 1);
    await bounties.connect(requester).finalizeItem(taskId, 0);
    const o = gold.opening(1);
    // The ring's bonds and the rewards of its misses on the reference item go to the Treasury.
    const forfeited = BigInt(ring.length) * (params.bondWei + REWARD_WEI);
    await expect(bounties.connect(requester).finalizeGoldItem(taskId, 1, o.label, o.salt, o.proof))
      .to.emit(bounties, "BondsForfeited")
      .withArgs(taskId, 1n, forfeited);
    for (let s = 0; s < ring.length; s++) {
      for (const item of [0, 1]) {
        await bounties.claim(taskId, item, s, ring[s].address, 0, saltOf(ring[s].address, item, s));
      }
    }
    let ringCredits = 0n;
    for (const l of ring) {
      ringCredits += await bounties.creditOf(l.address);
      // Σ rewards of one labeller <= its revealed agreeing slots x reward: one agreeing slot each (item 0).
      expect(await bounties.acceptedLabelsOf(taskId, l.address)).to.equal(1n);
      expect(await bounties.reputationOf(l.address)).to.deep.equal([1n, 1n, 1n]);
    }
    const posted = 2n * BigInt(ring.length) * params.bondWei;
    // It got back its item-0 bonds and rewards only: net loss = bonds lost - rewards taken.
    expect(ringCredits).to.equal(BigInt(ring.length) * (REWARD_WEI + params.bondWei));
    expect(ringCredits - posted).to.equal(BigInt(ring.length) * (REWARD_WEI - params.bondWei));
    expect(ringCredits).to.be.lessThan(posted);
    // The lost bonds go to the Treasury, not to the requester who chose the reference answer.
    await expect(bounties.sweepForfeitedBonds()).to.changeEtherBalances([bounties, treasury], [-forfeited, forfeited]);
  });
});
