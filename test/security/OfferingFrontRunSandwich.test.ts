import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ModelToken } from "../../typechain-types";
import { defaultParams, deployOffering, E, MODEL_ID } from "../imo/offeringFixtures";

/**
 * Attack: sandwich a large buy on the linear curve — buy just before it (pushing the victim up the curve) and sell just
 * after at the higher price.
 *
 * Defence (regression): the curve has no sell side and tokens cannot move before the offering succeeds, so there is no
 * "after" leg: the front-runner only owns tokens bought at the curve price, which it cannot sell or transfer until the
 * sale closes. The victim is protected by `maxCostWei` (its purchase reverts and it loses nothing but gas). If the sale
 * fails, the front-runner's refund is exactly what it paid: gain 0.
 */
describe("security: sandwiching a purchase on the linear curve", function () {
  async function linearSale() {
    const base = await deployOffering();
    const params = await defaultParams({ priceMode: 1, startPriceWei: E("0.001"), slopeWei: E("0.00000001") });
    await base.offering.connect(base.creator).launch(MODEL_ID, params);
    const token = (await ethers.getContractAt(
      "ModelToken",
      (await base.offering.offeringOf(MODEL_ID)).token,
    )) as unknown as ModelToken;
    return { ...base, params, token, attacker: base.stranger, victim: base.bob };
  }

  it("gives the front-runner no sell leg and the victim its price limit", async function () {
    const { offering, token, attacker, victim } = await loadFixture(linearSale);
    const victimQuote = await offering.quote(MODEL_ID, E("20000"));
    // Front-run: the attacker buys 30 000 tokens first.
    const front = await offering.quote(MODEL_ID, E("30000"));
    await offering.connect(attacker).buy(MODEL_ID, E("30000"), front, { value: front });
    const moved = await offering.quote(MODEL_ID, E("20000"));
    expect(moved).to.be.gt(victimQuote);
    // The victim's transaction, signed with the quote as its limit, reverts: it pays nothing.
    await expect(offering.connect(victim).buy(MODEL_ID, E("20000"), victimQuote, { value: victimQuote }))
      .to.be.revertedWithCustomError(offering, "ModelOfferingPriceAboveMax")
      .withArgs(moved, victimQuote);
    // The back-run leg does not exist: no sell to the curve, no transfer to a market before the sale succeeds.
    expect(offering.interface.fragments.some((f) => "name" in f && /sell/i.test(String(f.name)))).to.equal(false);
    await expect(token.connect(attacker).transfer(victim.address, E("1"))).to.be.revertedWithCustomError(
      token,
      "ModelTokenNotLive",
    );
    await expect(token.connect(attacker).redeem(E("1"))).to.be.revertedWithCustomError(token, "ModelTokenNotLive");
  });

  it("refunds a failed sale's front-runner exactly what it paid", async function () {
    const { offering, attacker, params } = await loadFixture(linearSale);
    const cost = await offering.quote(MODEL_ID, E("30000"));
    await offering.connect(attacker).buy(MODEL_ID, E("30000"), cost, { value: cost });
    await time.increaseTo(params.deadline as number);
    await time.increase(1);
    await expect(offering.connect(attacker).refund(MODEL_ID)).to.changeEtherBalances(
      [attacker, offering],
      [cost, -cost],
    );
  });
});
