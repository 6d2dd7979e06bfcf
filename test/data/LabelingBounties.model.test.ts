import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { LabelingBounties } from "../../typechain-types";
import { ItemTree, commitLabel, deployBounties, fundingOf, saltOf, taskParams } from "./helpers/labeling";

const RUNS = process.env.DEEP ? 500 : 40;
const LABELLERS = 5;

interface Vote {
  item: number;
  slot: number;
  labeller: number;
  label: number;
  reveals: boolean;
}

interface Scenario {
  itemCount: number;
  labelsPerItem: number;
  optionCount: number;
  thresholdBps: number;
  rewardWei: bigint;
  bondWei: bigint;
  votes: Vote[];
  settleOrder: number[];
  withdrawEvery: number;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    itemCount: fc.integer({ min: 1, max: 4 }),
    labelsPerItem: fc.integer({ min: 1, max: 4 }),
    optionCount: fc.integer({ min: 2, max: 4 }),
    thresholdBps: fc.oneof(fc.constant(5001), fc.integer({ min: 1, max: 10_000 })),
    rewardWei: fc.bigInt({ min: 1n, max: 10n ** 16n }),
    extraBondWei: fc.bigInt({ min: 0n, max: 10n ** 16n }),
    withdrawEvery: fc.integer({ min: 1, max: 4 }),
    seed: fc.array(
      fc.record({
        labeller: fc.nat(LABELLERS - 1),
        label: fc.nat(15),
        reveals: fc.boolean(),
        fill: fc.boolean(),
      }),
      { minLength: 16, maxLength: 16 },
    ),
    order: fc.array(fc.nat(1000), { minLength: 4, maxLength: 4 }),
  })
  .map(({ seed, order, extraBondWei, ...p }) => {
    const votes: Vote[] = [];
    for (let item = 0; item < p.itemCount; item++) {
      for (let slot = 0; slot < p.labelsPerItem; slot++) {
        const s = seed[item * 4 + slot];
        // One slot per labeller per item: a second commit by the same labeller is refused (tested elsewhere).
        const holds = votes.some((v) => v.item === item && v.labeller === s.labeller);
        if (s.fill && !holds)
          votes.push({ item, slot, labeller: s.labeller, label: s.label % p.optionCount, reveals: s.reveals });
      }
    }
    const settleOrder = Array.from({ length: p.itemCount }, (_, i) => i).sort((a, b) => order[a] - order[b] || a - b);
    return { ...p, bondWei: p.rewardWei + extraBondWei, votes, settleOrder };
  });

/** The expected outcome of an item: majority label and accepted count, or unresolved. */
function outcome(s: Scenario, item: number) {
  const tallies = Array(s.optionCount).fill(0);
  for (const v of s.votes) if (v.item === item && v.reveals) tallies[v.label]++;
  const revealed = tallies.reduce((a, b) => a + b, 0);
  const top = Math.max(...tallies);
  const tie = tallies.filter((t) => t === top).length > 1;
  const resolved = !tie && top * 10_000 >= s.thresholdBps * revealed;
  return { resolved, majority: resolved ? tallies.indexOf(top) : 0, accepted: resolved ? top : 0 };
}

describe("LabelingBounties escrow model (fast-check)", function () {
  async function modelFixture() {
    const base = await deployBounties();
    return base;
  }

  async function assertBalanced(bounties: LabelingBounties) {
    const balance = await ethers.provider.getBalance(await bounties.getAddress());
    expect(balance, "balance = credits + escrow + forfeited bonds").to.equal(
      (await bounties.totalCredits()) + (await bounties.totalEscrowed()) + (await bounties.forfeitedBonds()),
    );
  }

  it("keeps balance = credits + open escrow at every step and pays exactly the model's amounts", async function () {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const { bounties, requester, labellers } = await loadFixture(modelFixture);
        const tree = ItemTree.random(s.itemCount, "model");
        const p = await taskParams(tree, {
          labelsPerItem: s.labelsPerItem,
          optionCount: s.optionCount,
          thresholdBps: s.thresholdBps,
          rewardWei: s.rewardWei,
          bondWei: s.bondWei,
        });
        const funded = fundingOf(p);
        await bounties.connect(requester).createTask(p, { value: funded });
        const taskId = await bounties.lastTaskId();
        await assertBalanced(bounties);

        for (const v of s.votes)
          await commitLabel(bounties, tree, taskId, labellers[v.labeller], v.item, v.slot, v.label);
        const bonds = BigInt(s.votes.length) * s.bondWei;
        await time.increaseTo(p.commitDeadline + 1);
        for (const v of s.votes.filter((x) => x.reveals)) {
          const l = labellers[v.labeller];
          await bounties.connect(l).reveal(taskId, v.item, v.slot, v.label, saltOf(l.address, v.item, v.slot));
        }
        await time.increaseTo(p.revealDeadline + 1);

        const credits = new Map<string, bigint>();
        const paidOut = new Map<string, bigint>();
        const add = (m: Map<string, bigint>, a: string, x: bigint) => m.set(a, (m.get(a) ?? 0n) + x);
        let escrow = funded + bonds;
        let forfeited = 0n;
        let steps = 0;
        const maybeWithdraw = async (who: (typeof labellers)[number]) => {
          if (++steps % s.withdrawEvery !== 0 || (credits.get(who.address) ?? 0n) === 0n) return;
          await bounties.connect(who).withdraw();
          add(paidOut, who.address, credits.get(who.address)!);
          credits.set(who.address, 0n);
        };

        for (const item of s.settleOrder) {
          const o = outcome(s, item);
          await bounties.finalizeItem(taskId, item);
          const refund = BigInt(s.labelsPerItem - o.accepted) * s.rewardWei;
          add(credits, requester.address, refund);
          const committed = s.votes.filter((x) => x.item === item).length;
          const revealed = s.votes.filter((x) => x.item === item && x.reveals).length;
          const forfeit = BigInt(committed - (o.resolved ? o.accepted : revealed)) * s.bondWei;
          forfeited += forfeit;
          escrow -= refund + forfeit;
          expect(await bounties.forfeitedBonds(), "unrevealed and rejected bonds are forfeited").to.equal(forfeited);
          const [status, majority] = await bounties.itemState(taskId, item);
          expect(status).to.equal(o.resolved ? 1n : 2n);
          expect(majority).to.equal(BigInt(o.majority));
          await assertBalanced(bounties);
          await maybeWithdraw(requester);
          for (const v of s.votes.filter((x) => x.item === item && x.reveals)) {
            const l = labellers[v.labeller];
            await bounties.claim(taskId, item, v.slot, l.address, v.label, saltOf(l.address, item, v.slot));
            if (o.resolved && v.label === o.majority) {
              add(credits, l.address, s.rewardWei + s.bondWei);
              escrow -= s.rewardWei + s.bondWei;
            } else if (!o.resolved) {
              add(credits, l.address, s.bondWei);
              escrow -= s.bondWei;
            }
            expect(await bounties.totalEscrowed()).to.equal(escrow);
            await assertBalanced(bounties);
            await maybeWithdraw(l);
          }
        }

        expect(escrow, "every slot is paid or refunded").to.equal(0n);
        expect(await bounties.isTaskFinished(taskId)).to.equal(true);
        const accounts = [requester, ...labellers.slice(0, LABELLERS)];
        let total = 0n;
        for (const a of accounts) {
          expect(await bounties.creditOf(a.address), "credit of " + a.address).to.equal(credits.get(a.address) ?? 0n);
          total += (credits.get(a.address) ?? 0n) + (paidOut.get(a.address) ?? 0n);
        }
        expect(total + forfeited, "paid + owed + forfeited = funded + bonds").to.equal(funded + bonds);
        for (let i = 0; i < LABELLERS; i++) {
          // Σ rewards of one labeller <= its revealed agreeing slots x reward (bonds aside).
          const agreeing = s.votes.filter((v) => {
            const o = outcome(s, v.item);
            return v.labeller === i && v.reveals && o.resolved && v.label === o.majority;
          }).length;
          const accepted = await bounties.acceptedLabelsOf(taskId, labellers[i].address);
          expect(accepted * s.rewardWei, "rewards of labeller " + i).to.be.lte(BigInt(agreeing) * s.rewardWei);
        }
        const accepted = s.settleOrder.reduce((n, i) => n + outcome(s, i).accepted, 0);
        expect((await bounties.getTask(taskId)).acceptedLabels).to.equal(BigInt(accepted));
      }),
      { numRuns: RUNS, seed: 0x1abe1 },
    );
  });
});
