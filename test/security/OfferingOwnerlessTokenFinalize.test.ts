import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ModelToken } from "../../typechain-types";
import { DAY, defaultParams, deployOffering, E, MODEL_ID } from "../imo/offeringFixtures";

/**
 * Attack: a creator (or anyone who owns a model) launches with a zero soft cap and no creator allocation, sells nothing
 * and finalizes after the deadline. Before the fix the offering "succeeded": the token went live with a zero supply
 * that nobody could ever change (the sale is closed, there is no allocation to vest), and the model's revenue receiver
 * was locked to it for good — every fee the oracle pushed in afterwards had no possible owner.
 *
 * Defence: past the deadline an offering that sold nothing and has no creator allocation is Failed, not finalizable,
 * so the revenue receiver is never locked to an ownerless token.
 */
describe("security: finalizing an offering into a token nobody can hold", function () {
  async function emptySale() {
    const base = await deployOffering();
    const params = await defaultParams({ softCapTokens: 0n, creatorAllocation: 0n });
    await base.offering.connect(base.creator).launch(MODEL_ID, params);
    await time.increaseTo(params.deadline as number);
    await time.increase(1);
    return { ...base, params };
  }

  it("reports the empty sale as failed and refuses to finalize it", async function () {
    const { offering, registry } = await loadFixture(emptySale);
    expect(await offering.statusOf(MODEL_ID)).to.equal(2n); // Failed
    await expect(offering.finalize(MODEL_ID))
      .to.be.revertedWithCustomError(offering, "ModelOfferingNotFinalizable")
      .withArgs(MODEL_ID, 2n);
    expect(await registry.isRevenueLocked(MODEL_ID)).to.equal(false);
    const token = (await ethers.getContractAt(
      "ModelToken",
      (await offering.offeringOf(MODEL_ID)).token,
    )) as unknown as ModelToken;
    expect(await token.live()).to.equal(false);
  });

  it("still finalizes a zero-soft-cap sale that sold something, or whose creator has an allocation to vest", async function () {
    const { offering, registry, creator, alice, stranger } = await loadFixture(deployOffering);
    await offering.connect(creator).launch(MODEL_ID, await defaultParams({ softCapTokens: 0n, creatorAllocation: 0n }));
    await offering.connect(alice).buy(MODEL_ID, 1n, 1n, { value: 1n });
    await time.increase(8 * DAY);
    await expect(offering.finalize(MODEL_ID)).to.emit(offering, "OfferingFinalized").withArgs(MODEL_ID, 1n, 0n);

    await registry.setOwner(2n, creator.address);
    const params = await defaultParams({ softCapTokens: 0n, creatorAllocation: E("10"), cliffSeconds: 0 });
    await offering.connect(creator).launch(2n, params);
    await time.increaseTo(params.deadline as number);
    await time.increase(1);
    await expect(offering.finalize(2n)).to.emit(offering, "OfferingFinalized").withArgs(2n, 0n, 0n);
    const tokenAddress = (await offering.offeringOf(2n)).token;
    expect(await registry.revenueReceiverOf(2n)).to.equal(tokenAddress);
    // Revenue that arrives before the creator's first vested mint is held for them, not stranded.
    const token = (await ethers.getContractAt("ModelToken", tokenAddress)) as unknown as ModelToken;
    await stranger.sendTransaction({ to: tokenAddress, value: E("1") });
    await time.increase(DAY);
    await offering.claimVested(2n);
    await time.increase(8 * DAY);
    const due = await token.claimableOf(ethers.ZeroAddress, creator.address);
    expect(due).to.be.closeTo(E("0.9"), 2n);
  });
});
