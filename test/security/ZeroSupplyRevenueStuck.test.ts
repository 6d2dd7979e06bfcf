import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { DAY, deployLiveModelToken, ETH, REDEEM_BPS, STREAM_PERIOD } from "../imo/fixtures";

/**
 * Finding (issue 12, item 5): revenue released while a live token has no holders (everyone redeemed, before the
 * creator's vesting mints) had no owner and stayed in the contract forever. The oracle keeps pushing model fees in, so
 * the loss grows with time.
 *
 * Defence: while the supply is zero the holder stream pauses (its finish moves on), so the held revenue streams to the
 * first holders over the time it had left; the redeem-pool share keeps accruing in the pool for their redemptions.
 */
const E = ethers.parseEther;
const P = BigInt(STREAM_PERIOD);
const holderShare = (amount: bigint) => amount - (amount * BigInt(REDEEM_BPS)) / 10_000n;

describe("security: revenue stuck while nobody holds the ModelToken", function () {
  async function everyoneRedeemed() {
    const base = await deployLiveModelToken([E("100")]);
    const [depositor] = base.signers;
    const [holder] = base.holders;
    await base.token.connect(holder).redeem(E("100"));
    expect(await base.token.totalSupply()).to.equal(0n);
    return { ...base, depositor, holder, newcomer: base.signers[5] };
  }

  it("holds revenue pushed at zero supply and streams all of it to the first holder", async function () {
    const { token, offering, depositor, newcomer } = await loadFixture(everyoneRedeemed);
    await depositor.sendTransaction({ to: await token.getAddress(), value: E("7") });
    const depositedAt = BigInt(await time.latest());
    await time.increase(3 * DAY);
    // Nothing was released to nobody: the whole holder share is still unreleased, the stream paused.
    const [held] = await token.unreleasedOf(ETH);
    expect(held).to.be.closeTo(holderShare(E("7")), 1n);
    await token.connect(offering).mint(newcomer.address, E("1"));
    const mintedAt = BigInt(await time.latest());
    const stream = await token.streamOf(ETH);
    expect(stream.periodFinish).to.equal(depositedAt + P + (mintedAt - depositedAt));
    // Released linearly from the mint: nothing at once (no flash capture of what was held).
    expect(await token.claimableOf(ETH, newcomer.address)).to.equal(0n);
    await time.increaseTo(stream.periodFinish);
    const due = await token.claimableOf(ETH, newcomer.address);
    expect(due).to.be.lte(holderShare(E("7")));
    expect(due).to.be.gte(holderShare(E("7")) - 2n);
    await expect(token.connect(newcomer).claim(ETH)).to.changeEtherBalance(newcomer, due);
  });

  it("pauses a stream that was running when the last holder left and resumes it for the next", async function () {
    const base = await deployLiveModelToken([E("100")]);
    const { token, offering, holders, signers } = base;
    await signers[0].sendTransaction({ to: await token.getAddress(), value: E("14") });
    const t0 = BigInt(await time.latest());
    await time.setNextBlockTimestamp(t0 + P / 2n);
    await token.connect(holders[0]).redeem(E("100"));
    const [heldAtExit] = await token.unreleasedOf(ETH);
    await time.increase(10 * DAY);
    const [heldLater] = await token.unreleasedOf(ETH);
    expect(heldLater).to.equal(heldAtExit);
    expect(heldAtExit).to.be.closeTo(holderShare(E("14")) / 2n, 1n);
    await token.connect(offering).mint(signers[6].address, E("5"));
    await time.increase(STREAM_PERIOD);
    const due = await token.claimableOf(ETH, signers[6].address);
    expect(due).to.be.closeTo(heldAtExit, 2n);
    expect((await token.unreleasedOf(ETH))[0]).to.equal(0n);
  });
});
