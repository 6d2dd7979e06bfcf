import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ModelToken } from "../../typechain-types";
import { DAY, deployOffering, defaultParams, E, FEE_BPS, MODEL_ID } from "../imo/offeringFixtures";

/**
 * Attack: the creator fills its own soft cap through a sybil address so the sale "succeeds" and the real buyers lose
 * their refund. The sybil's ETH comes back to the creator as proceeds, so the attack costs only the protocol fee on the
 * self-bought part. Sybils cannot be told apart on chain, so this is an accepted, priced risk (docs/THREAT_MODEL.md).
 *
 * Regression: the cost is exactly the fee (2.5% of the self-bought amount at the default fee: 0.75 ETH to fake 30 ETH
 * of demand), and honest buyers keep their tokens and their pro-rata share of revenue: they lose the refund option,
 * not their purchase, and the sybil's tokens dilute the creator's side as much as anyone's.
 */
describe("security: a creator self-fills its soft cap", function () {
  it("costs the creator exactly the protocol fee on the self-bought part", async function () {
    const { offering, creator, alice, stranger: sybil, treasury } = await loadFixture(deployOffering);
    await offering.connect(creator).launch(MODEL_ID, await defaultParams());
    const token = (await ethers.getContractAt(
      "ModelToken",
      (await offering.offeringOf(MODEL_ID)).token,
    )) as unknown as ModelToken;
    // An honest buyer takes 10 000 tokens (10 ETH); the soft cap is 40 000.
    await offering.connect(alice).buy(MODEL_ID, E("10000"), E("10"), { value: E("10") });
    // The creator's sybil buys the missing 30 000 (30 ETH).
    await offering.connect(sybil).buy(MODEL_ID, E("30000"), E("30"), { value: E("30") });
    await time.increase(8 * DAY);
    const treasuryAddress = await treasury.getAddress();
    const treasuryBefore = await ethers.provider.getBalance(treasuryAddress);
    await offering.finalize(MODEL_ID);
    const fee = (E("40") * FEE_BPS) / 10_000n;
    expect((await ethers.provider.getBalance(treasuryAddress)) - treasuryBefore).to.equal(fee);
    expect(await offering.creditOf(creator.address)).to.equal(E("40") - fee);
    // Creator + sybil paid 30 ETH and get back their part of the credit: the attack's price is the fee on 30 ETH.
    const creditFromSybil = E("30") - (E("30") * FEE_BPS) / 10_000n;
    expect(E("30") - creditFromSybil).to.equal(E("0.75"));
    // The honest buyer can no longer refund, but keeps its tokens, now live and transferable.
    await expect(offering.connect(alice).refund(MODEL_ID))
      .to.be.revertedWithCustomError(offering, "ModelOfferingNotFailed")
      .withArgs(MODEL_ID, 3n);
    expect(await token.balanceOf(alice.address)).to.equal(E("10000"));
    await expect(token.connect(alice).transfer(creator.address, E("1"))).to.emit(token, "Transfer");
  });
});
