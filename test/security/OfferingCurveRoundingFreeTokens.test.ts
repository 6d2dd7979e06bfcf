import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { defaultParams, deployOffering, E, MODEL_ID } from "../imo/offeringFixtures";

/**
 * Attack: buy the linear curve in slices so small that each slice's price rounds down to nothing, collecting tokens for
 * free (or below the curve) one unit at a time, then let the token go live and take a share of the model's revenue.
 *
 * Defence (regression): both terms of the cost (the start-price term and the slope integral) round up, so every
 * purchase of at least one unit costs at least 1 wei, and the cost of any purchase is at least the exact integral of the
 * price over the units it buys: the attacker pays at least the curve, and loses up to 2 wei per slice to rounding.
 */
const UNIT = 10n ** 18n;

/** The exact price integral over [sold, sold + amount) as a fraction num / den (no rounding). */
function exactCost(start: bigint, slope: bigint, sold: bigint, amount: bigint, linear: boolean) {
  const den = 2n * UNIT * UNIT;
  let num = start * amount * 2n * UNIT;
  if (linear) num += slope * amount * (2n * sold + amount);
  return { num, den };
}

describe("security: rounding the offering curve to buy tokens for free", function () {
  it("charges at least 1 wei for a single token unit at the cheapest prices", async function () {
    const { offering, creator, alice } = await loadFixture(deployOffering);
    // Fixed price of 1 wei per whole token: one unit (1e-18 token) is worth 1e-18 wei.
    await offering.connect(creator).launch(MODEL_ID, await defaultParams({ startPriceWei: 1n, softCapTokens: 0n }));
    expect(await offering.quote(MODEL_ID, 1n)).to.equal(1n);
    await expect(offering.connect(alice).buy(MODEL_ID, 1n, 0n, { value: 0n }))
      .to.be.revertedWithCustomError(offering, "ModelOfferingPriceAboveMax")
      .withArgs(1n, 0n);
    // A thousand one-unit slices cost a thousand wei; buying them at once costs 1 wei.
    const alone = await offering.quote(MODEL_ID, 1000n);
    expect(alone).to.equal(1n);
    for (let i = 0; i < 20; i++) await offering.connect(alice).buy(MODEL_ID, 1n, 1n, { value: 1n });
    expect(await offering.purchaseOf(MODEL_ID, alice.address)).to.deep.equal([20n, 20n]);
  });

  it("never sells any slice of a random curve below its exact integral", async function () {
    const { offering, creator, registry } = await loadFixture(deployOffering);
    const [, , , , buyer] = await ethers.getSigners();
    let modelId = 100n;
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.bigInt({ min: 0n, max: E("0.01") }),
        fc.bigInt({ min: 1n, max: E("0.001") }),
        fc.array(fc.bigInt({ min: 1n, max: E("1000") }), { minLength: 1, maxLength: 5 }),
        async (linear, start, slope, slices) => {
          if (!linear && start === 0n) start = 1n;
          modelId += 1n;
          await registry.setOwner(modelId, creator.address);
          await offering.connect(creator).launch(
            modelId,
            await defaultParams({
              priceMode: linear ? 1 : 0,
              startPriceWei: start,
              slopeWei: linear ? slope : 0n,
              softCapTokens: 0n,
            }),
          );
          let sold = 0n;
          for (const amount of slices) {
            const cost = await offering.quote(modelId, amount);
            const exact = exactCost(start, slope, sold, amount, linear);
            expect(cost, "at least 1 wei").to.be.gte(1n);
            expect(cost * exact.den, "never below the exact integral").to.be.gte(exact.num);
            expect(cost * exact.den, "at most 2 wei above it").to.be.lte(exact.num + 2n * exact.den);
            await offering.connect(buyer).buy(modelId, amount, cost, { value: cost });
            sold += amount;
          }
        },
      ),
      { numRuns: process.env.DEEP ? 60 : 10, seed: 1212 },
    );
  });
});
