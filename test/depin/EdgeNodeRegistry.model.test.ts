import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { UptimeTree } from "../../tasks/edgeTree";
import { CONFIG, DE, SLOTS, edgeFixture, toEpoch } from "./fixture";

const DEEP = Boolean(process.env.DEEP);
const NODES = 3;

async function modelFixture() {
  const f = await edgeFixture();
  const nodes = [f.nodeA, f.nodeB, f.reporter];
  for (const n of nodes.slice(0, 2)) await f.registry.connect(n).register(n.address, DE, 1, [], "");
  await f.registry.connect(f.reporter).register(f.reporter.address, DE, 1, [], "");
  return { ...f, nodes };
}

/** One epoch as generated: funding before it, each node's count, how the total is stated, and who claims. */
const epochArb = fc.record({
  fundWei: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 2n * CONFIG.epochRewardWei })),
  uptimes: fc.array(fc.integer({ min: 0, max: SLOTS }), { minLength: NODES, maxLength: NODES }),
  // Added to the true sum (may be negative: an understated total), floored at 1.
  totalSkew: fc.integer({ min: -4, max: 4 }),
  claims: fc.array(fc.integer({ min: 0, max: NODES - 1 }), { maxLength: 5 }),
});

describe("EdgeNodeRegistry epoch accounting (model)", function () {
  it("pays every claim what the model says, never past an epoch's budget nor the pool", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(epochArb, { minLength: 1, maxLength: DEEP ? 6 : 3 }), async (epochs) => {
        const { registry, reporter, sponsor, nodes } = await loadFixture(modelFixture);
        let funded = 0n;
        let allocated = 0n;
        let paid = 0n;
        for (const [i, e] of epochs.entries()) {
          const epoch = i;
          if (e.fundWei > 0n) {
            await registry.connect(sponsor).fund(e.fundWei, { value: e.fundWei });
            funded += e.fundWei;
          }
          await toEpoch(registry, epoch + 1, 1);
          const tree = new UptimeTree(
            epoch,
            nodes.map((n, k) => ({ node: n.address, uptime: e.uptimes[k] })),
          );
          const total = Math.max(1, tree.total + e.totalSkew);
          await registry.connect(reporter).postReport(epoch, tree.root, total);
          await time.increase(CONFIG.challengeWindowSeconds + 1);
          await registry.finalizeEpoch(epoch);
          const budget = CONFIG.epochRewardWei < funded - allocated ? CONFIG.epochRewardWei : funded - allocated;
          allocated += budget;
          expect((await registry.reportOf(epoch)).budgetWei).to.equal(budget);
          let epochPaid = 0n;
          const claimed = new Set<number>();
          for (const k of e.claims) {
            const { uptime, proof } = tree.proofOf(nodes[k].address);
            const tx = registry.connect(nodes[k]).claimUptime(epoch, uptime, proof);
            const owed = (budget * BigInt(uptime)) / BigInt(total);
            const amount = owed < budget - epochPaid ? owed : budget - epochPaid;
            if (claimed.has(k)) {
              await expect(tx).to.be.revertedWithCustomError(registry, "EdgeAlreadyClaimed");
            } else if (budget === 0n) {
              await expect(tx).to.be.revertedWithCustomError(registry, "EdgeEpochUnfunded");
            } else if (amount === 0n) {
              await expect(tx).to.be.revertedWithCustomError(registry, "EdgeNothingToClaim");
            } else {
              await expect(tx).to.changeEtherBalance(nodes[k], amount);
              claimed.add(k);
              epochPaid += amount;
              paid += amount;
            }
          }
          expect(epochPaid).to.be.lte(budget);
        }
        const pool = await registry.pool();
        expect([pool.funded, pool.allocated, pool.paid]).to.deep.equal([funded, allocated, paid]);
        expect(await ethers.provider.getBalance(await registry.getAddress())).to.equal(funded - paid);
      }),
      { numRuns: DEEP ? 60 : 6, seed: 16 },
    );
  });
});
