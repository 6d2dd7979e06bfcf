import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { deployLiveModelToken, ETH, SCALE, STREAM_PERIOD, REDEEM_BPS } from "./fixtures";

/**
 * Model test: random transfers, mints, redemptions, deposits in three assets (ETH, a plain ERC-20 and a 1%
 * fee-on-transfer ERC-20), claims and time jumps, checked after every step against a reference written with exact
 * rational streaming (fixed point at 1e50, independent of the contract's 1e27 scale and rate rounding). The reference
 * streams each deposit at its own rate (amount / period) added to what is still streaming, run until the merged total
 * is out (the dust-deposit fix), pauses the holder stream while the supply is zero, and every deposit is checked not
 * to delay what was already streaming.
 */
const E = ethers.parseEther;
const R = 10n ** 50n;
// The reference floors its own rates at 1e-50 wei; this slack (1e-38 wei) keeps those floors from costing it a wei.
const SLACK = 10n ** 12n;
const HOLDERS = 4;
const FEE_BPS = 100n;

type Cmd =
  | { kind: "transfer"; from: number; to: number; bps: number; dt: number }
  | { kind: "mint"; to: number; amount: bigint; dt: number }
  | { kind: "redeem"; who: number; bps: number; dt: number }
  | { kind: "deposit"; asset: number; amount: bigint; dt: number }
  | { kind: "claim"; who: number; asset: number; dt: number }
  | { kind: "wait"; dt: number };

interface AssetModel {
  rateH: bigint; // R-scaled wei per second to holders
  rateP: bigint; // R-scaled wei per second to the pool
  finishH: bigint; // end of the holder stream (moves on while the supply is zero)
  finishP: bigint; // end of the pool stream
  last: bigint;
  pool: bigint; // R-scaled
  accrued: bigint[]; // R-scaled, includes redeem credits
  claimed: bigint[]; // wei
  released: bigint; // R-scaled: released to holders + redeem credits
}

class Reference {
  balances: bigint[] = Array(HOLDERS).fill(0n);
  assets: AssetModel[];
  constructor(start: bigint, n: number) {
    this.assets = Array.from({ length: n }, () => ({
      rateH: 0n,
      rateP: 0n,
      finishH: start,
      finishP: start,
      last: start,
      pool: 0n,
      accrued: Array(HOLDERS).fill(0n),
      claimed: Array(HOLDERS).fill(0n),
      released: 0n,
    }));
  }
  supply() {
    return this.balances.reduce((a, b) => a + b, 0n);
  }
  advance(t: bigint) {
    const supply = this.supply();
    for (const a of this.assets) {
      if (t <= a.last) continue;
      if (a.finishH > a.last) {
        if (supply > 0n) {
          const dt = (t < a.finishH ? t : a.finishH) - a.last;
          for (let h = 0; h < HOLDERS; h++) a.accrued[h] += (a.rateH * dt * this.balances[h]) / supply;
          a.released += a.rateH * dt;
        } else {
          // Nobody to release to: the holder stream pauses and ends that much later.
          a.finishH += t - a.last;
        }
      }
      if (a.finishP > a.last) a.pool += a.rateP * ((t < a.finishP ? t : a.finishP) - a.last);
      a.last = t;
    }
  }
  /** Adds `added` (R-scaled) as its own linear stream over the period, kept as one stream at the summed rate. */
  static merge(rate: bigint, finish: bigint, added: bigint, t: bigint): [bigint, bigint] {
    if (added === 0n) return [rate, finish];
    const live = t < finish ? rate : 0n;
    const total = added + (t < finish ? (finish - t) * rate : 0n);
    const duration = total / (live + added / BigInt(STREAM_PERIOD));
    return [total / duration, t + duration];
  }
  deposit(i: number, amount: bigint, t: bigint) {
    this.advance(t);
    const a = this.assets[i];
    const toPool = (amount * BigInt(REDEEM_BPS)) / 10_000n;
    [a.rateH, a.finishH] = Reference.merge(a.rateH, a.finishH, (amount - toPool) * R, t);
    [a.rateP, a.finishP] = Reference.merge(a.rateP, a.finishP, toPool * R, t);
  }
  claimable(i: number, h: number) {
    return (this.assets[i].accrued[h] + SLACK) / R - this.assets[i].claimed[h];
  }
}

describe("ModelToken model test", function () {
  async function modelFixture() {
    const base = await deployLiveModelToken([E("1000"), E("500"), E("250"), 0n]);
    const [depositor] = base.signers;
    const plain = await (await ethers.getContractFactory("MintableTestToken")).deploy();
    const fot = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy(FEE_BPS);
    for (const t of [plain, fot]) {
      await t.mint(depositor.address, E("1000000"));
      await t.connect(depositor).approve(await base.token.getAddress(), ethers.MaxUint256);
      await base.token.connect(base.offering).setRevenueAsset(await t.getAddress(), true);
    }
    return { ...base, depositor, plain, fot, start: BigInt(await time.latest()) };
  }

  const dt = fc.integer({ min: 1, max: 3 * 24 * 3600 });
  const holder = fc.integer({ min: 0, max: HOLDERS - 1 });
  const asset = fc.integer({ min: 0, max: 2 });
  const bps = fc.integer({ min: 1, max: 10_000 });
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    fc.record({ kind: fc.constant("transfer" as const), from: holder, to: holder, bps, dt }),
    fc.record({ kind: fc.constant("mint" as const), to: holder, amount: fc.bigInt({ min: 1n, max: E("2000") }), dt }),
    fc.record({ kind: fc.constant("redeem" as const), who: holder, bps, dt }),
    fc.record({ kind: fc.constant("deposit" as const), asset, amount: fc.bigInt({ min: 1n, max: E("50") }), dt }),
    fc.record({ kind: fc.constant("deposit" as const), asset, amount: fc.bigInt({ min: 1n, max: 10n ** 9n }), dt }),
    fc.record({ kind: fc.constant("claim" as const), who: holder, asset, dt }),
    fc.record({ kind: fc.constant("wait" as const), dt: fc.integer({ min: 1, max: 10 * 24 * 3600 }) }),
  );

  it("matches the reference within 1 wei and never owes more than was released", async function () {
    const runs = process.env.DEEP ? 200 : 15;
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 5, maxLength: 30 }), async (cmds) => {
        const { token, offering, depositor, holders, plain, fot, start } = await loadFixture(modelFixture);
        const assetAddrs = [ETH, await plain.getAddress(), await fot.getAddress()];
        const assetContracts = [null, plain, fot];
        const ref = new Reference(start, 3);
        ref.balances = [E("1000"), E("500"), E("250"), 0n];
        for (let i = 0; i < 3; i++) {
          // Streams start empty, ended at their listing time (before `start`).
          const s = await token.streamOf(assetAddrs[i]);
          ref.assets[i].finishH = s.periodFinish;
          ref.assets[i].finishP = s.poolPeriodFinish;
        }
        let now = start;
        const at = async (step: number) => {
          now += BigInt(step);
          await time.setNextBlockTimestamp(now);
        };
        const eventArgs = async (tx: ContractTransactionResponse, name: string) => {
          const receipt = await tx.wait();
          return receipt!.logs
            .map((l) => {
              try {
                return token.interface.parseLog(l);
              } catch {
                return null;
              }
            })
            .filter((e) => e?.name === name)
            .map((e) => e!.args);
        };

        for (const c of cmds) {
          if (c.kind === "wait") {
            now += BigInt(c.dt);
            await time.increaseTo(now);
            ref.advance(now);
          } else if (c.kind === "transfer") {
            const amount = (ref.balances[c.from] * BigInt(c.bps)) / 10_000n;
            await at(c.dt);
            await token.connect(holders[c.from]).transfer(holders[c.to].address, amount);
            ref.advance(now);
            ref.balances[c.from] -= amount;
            ref.balances[c.to] += amount;
          } else if (c.kind === "mint") {
            await at(c.dt);
            await token.connect(offering).mint(holders[c.to].address, c.amount);
            ref.advance(now);
            ref.balances[c.to] += c.amount;
          } else if (c.kind === "redeem") {
            const amount = (ref.balances[c.who] * BigInt(c.bps)) / 10_000n;
            if (amount === 0n) continue;
            await at(c.dt);
            const tx = await token.connect(holders[c.who]).redeem(amount);
            ref.advance(now);
            const supply = ref.supply();
            const credited = new Map<string, bigint>();
            for (const args of await eventArgs(tx, "RedeemCredited")) credited.set(args[0], args[2]);
            ref.assets.forEach((a, i) => {
              const expected = (a.pool * amount) / supply / R;
              const actual = credited.get(assetAddrs[i]) ?? 0n;
              expect(actual, "redeem credit").to.be.closeTo(expected, 1n);
              a.pool -= actual * R;
              a.accrued[c.who] += actual * R;
              a.released += actual * R;
            });
            ref.balances[c.who] -= amount;
          } else if (c.kind === "deposit") {
            const before = await token.streamOf(assetAddrs[c.asset]);
            await at(c.dt);
            let received = c.amount;
            if (c.asset === 0) {
              await depositor.sendTransaction({ to: await token.getAddress(), value: c.amount });
            } else {
              const tx = await token.connect(depositor).depositRevenue(assetAddrs[c.asset], c.amount);
              const [args] = await eventArgs(tx, "RevenueDeposited");
              received = args[2];
              if (c.asset === 2) expect(received).to.equal(c.amount - (c.amount * FEE_BPS) / 10_000n);
              else expect(received).to.equal(c.amount);
            }
            ref.deposit(c.asset, received, now);
            // Nothing already streaming is delayed: the rate only grows (by at least the deposit's own rate), and
            // the finish is at most a period after the deposit or the old finish, whichever is later.
            const after = await token.streamOf(assetAddrs[c.asset]);
            const ownRate = ((received - (received * BigInt(REDEEM_BPS)) / 10_000n) * SCALE) / BigInt(STREAM_PERIOD);
            const oldRate = before.periodFinish > now ? before.holderRateScaled : 0n;
            expect(after.holderRateScaled, "holder rate never drops").to.be.gte(oldRate + ownRate);
            const latest =
              before.periodFinish > now + BigInt(STREAM_PERIOD) ? before.periodFinish : now + BigInt(STREAM_PERIOD);
            expect(after.periodFinish, "finish within max(old finish, now + period)").to.be.lte(latest);
            expect(after.periodFinish).to.equal(ref.assets[c.asset].finishH);
            expect(after.poolPeriodFinish).to.equal(ref.assets[c.asset].finishP);
          } else if (c.kind === "claim") {
            const before = await token.claimableOf(assetAddrs[c.asset], holders[c.who].address);
            if (before === 0n) continue;
            await at(c.dt);
            const tx = await token.connect(holders[c.who]).claim(assetAddrs[c.asset]);
            ref.advance(now);
            const [args] = await eventArgs(tx, "RevenueClaimed");
            expect(args[2], "claim amount").to.be.closeTo(ref.claimable(c.asset, c.who), 1n);
            ref.assets[c.asset].claimed[c.who] += args[2];
          }

          // Invariants after every step, at the step's block time.
          for (let i = 0; i < 3; i++) {
            const a = ref.assets[i];
            let owed = 0n;
            let claimedTotal = 0n;
            for (let h = 0; h < HOLDERS; h++) {
              const onChain = await token.claimableOf(assetAddrs[i], holders[h].address);
              expect(onChain, `claimable asset ${i} holder ${h}`).to.be.closeTo(ref.claimable(i, h), 1n);
              owed += onChain;
              claimedTotal += a.claimed[h];
            }
            expect(claimedTotal + owed, "claimed + claimable <= released").to.be.lte((a.released + SLACK) / R);
            const [unH, unP] = await token.unreleasedOf(assetAddrs[i]);
            const held =
              i === 0
                ? await ethers.provider.getBalance(await token.getAddress())
                : await assetContracts[i]!.balanceOf(await token.getAddress());
            expect(held, "balance covers everything owed").to.be.gte(
              owed + unH + unP + (await token.redeemPoolOf(assetAddrs[i])),
            );
          }
          expect(await token.totalSupply()).to.equal(ref.supply());
        }
      }),
      { numRuns: runs, seed: 424242 },
    );
  });
});
