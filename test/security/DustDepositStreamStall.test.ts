import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployLiveModelToken, ETH, REDEEM_BPS, SCALE, STREAM_PERIOD } from "../imo/fixtures";

/**
 * Attack (issue 12, item 5): anyone can push 1 wei of revenue into a ModelToken. Under the old merge rule every deposit
 * re-spread what was still streaming over a fresh period, so a 1-wei deposit every hour turned the linear release into
 * exponential decay: after one period only 1 − (1 − 1/168)^168 ≈ 63% of a deposit had reached the holders, and the
 * stream never ended while the griefer kept paying ~168 wei a week plus gas.
 *
 * Defence: a deposit adds its own rate (amount / period) and the merged stream runs until the merged total is out, so
 * the dust stream finishes when the original deposit would have, with everything released.
 */
const E = ethers.parseEther;
const HOUR = 3600;
const P = BigInt(STREAM_PERIOD);
const holderShare = (amount: bigint) => amount - (amount * BigInt(REDEEM_BPS)) / 10_000n;

describe("security: dust deposits stall ModelToken payouts", function () {
  async function streaming() {
    const base = await deployLiveModelToken([E("300"), E("100")]);
    const [depositor, griefer] = base.signers;
    await depositor.sendTransaction({ to: await base.token.getAddress(), value: E("70") });
    return { ...base, griefer, start: BigInt(await time.latest()) };
  }

  async function released(token: Awaited<ReturnType<typeof streaming>>["token"], holders: { address: string }[]) {
    let sum = 0n;
    for (const h of holders) sum += await token.claimableOf(ETH, h.address);
    return sum;
  }

  it("a 1-wei deposit every hour neither moves the finish nor slows the release", async function () {
    const { token, holders, griefer, start } = await loadFixture(streaming);
    const addr = await token.getAddress();
    const finish = (await token.streamOf(ETH)).periodFinish;
    expect(finish).to.equal(start + P);
    const steps = STREAM_PERIOD / HOUR;
    let halfway = 0n;
    const finishes: bigint[] = [];
    for (let i = 1; i < steps; i++) {
      await time.setNextBlockTimestamp(start + BigInt(i * HOUR));
      await griefer.sendTransaction({ to: addr, value: 1n });
      finishes.push((await token.streamOf(ETH)).periodFinish);
      if (i === steps / 2) halfway = await released(token, holders);
    }
    await time.increaseTo(finish);
    // Everything deposited (70 ETH and the dust) reached the holders by the original finish, less < 1 wei of
    // rounding per deposit per holder. (The old merge rule released 63.4% here: 1 − (1 − 1/168)^168.)
    const all = holderShare(E("70")) + BigInt(steps - 1);
    const got = await released(token, holders);
    expect(Number((got * 10_000n) / all) / 100, "% of the holder share released after one period").to.be.gte(99.99);
    expect(got).to.be.lte(all);
    expect(got).to.be.gte(all - BigInt(2 * steps));
    const [toHolders, toPool] = await token.unreleasedOf(ETH);
    expect(toHolders).to.equal(0n);
    expect(toPool).to.equal(0n);
    // Halfway through, half of the holder share had been released, as with no dust at all (linear, not decay).
    expect(halfway).to.be.closeTo(holderShare(E("70")) / 2n, E("0.000001"));
    // The finish never moved: each dust deposit's own rate runs it out within the original window.
    expect(finishes).to.deep.equal(Array(steps - 1).fill(finish));
  });

  it("keeps what was streaming at its own rate when a large deposit lands mid-stream", async function () {
    const { token, signers, holders, start } = await loadFixture(streaming);
    const before = await token.streamOf(ETH);
    await time.setNextBlockTimestamp(start + P / 2n);
    await signers[0].sendTransaction({ to: await token.getAddress(), value: E("700") });
    const after = await token.streamOf(ETH);
    // The rate grows by at least the new deposit's own rate: the old remainder is not re-spread.
    const ownRate = (holderShare(E("700")) * SCALE) / P;
    expect(after.holderRateScaled).to.be.gte(before.holderRateScaled + ownRate);
    // And the finish is at most a full period after the new deposit.
    expect(after.periodFinish).to.be.lte(start + P / 2n + P);
    // At the old finish, at least the whole first deposit and half a period of the second are out.
    await time.increaseTo(start + P);
    const floor = holderShare(E("70")) + holderShare(E("700")) / 2n;
    expect(await released(token, holders)).to.be.gte(floor - 10n);
  });
});
