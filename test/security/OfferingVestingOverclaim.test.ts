import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { DAY, succeeded, MODEL_ID } from "../imo/offeringFixtures";

/**
 * Attack: claim the creator's vesting early or twice — call claimVested from many accounts at many times (before the
 * cliff, at it, in rapid succession) hoping the rounding of the linear schedule or repeated calls mint more than has
 * vested, or mint to someone other than the creator.
 *
 * Defence (regression): claimVested mints `vested(now) − minted` (vested rounds down) and only to the creator, so at
 * every time the creator holds exactly floor(allocation · elapsed / vesting) (0 before the cliff), never more, and the
 * whole allocation at the end.
 */
describe("security: over-claiming the creator's vesting", function () {
  it("mints exactly the vested amount to the creator, whoever calls and however often", async function () {
    const { offering, token, creator, stranger, params } = await loadFixture(succeeded);
    const start = (await offering.offeringOf(MODEL_ID)).finalizedAt;
    const allocation = BigInt(params.creatorAllocation as bigint);
    const cliff = BigInt(params.cliffSeconds as number);
    const vesting = BigInt(params.vestingSeconds as number);
    const [, , , , , , , , callerB] = await ethers.getSigners();
    const id = await ethers.provider.send("evm_snapshot", []);
    let snapshot = id;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 40 * DAY }), { minLength: 1, maxLength: 12 }),
        async (gaps) => {
          await ethers.provider.send("evm_revert", [snapshot]);
          snapshot = await ethers.provider.send("evm_snapshot", []);
          let now = BigInt(await time.latest());
          for (const [i, gap] of gaps.entries()) {
            now += BigInt(gap);
            await time.setNextBlockTimestamp(now);
            const elapsed = now - start;
            const vested = elapsed < cliff ? 0n : elapsed >= vesting ? allocation : (allocation * elapsed) / vesting;
            const minted = (await offering.offeringOf(MODEL_ID)).creatorMinted;
            const caller = i % 2 === 0 ? stranger : callerB;
            if (vested === minted) {
              await expect(offering.connect(caller).claimVested(MODEL_ID))
                .to.be.revertedWithCustomError(offering, "ModelOfferingNothingDue")
                .withArgs(creator.address);
            } else {
              await expect(offering.connect(caller).claimVested(MODEL_ID))
                .to.emit(offering, "VestedClaimed")
                .withArgs(MODEL_ID, creator.address, vested - minted);
            }
            expect(await token.balanceOf(creator.address)).to.equal(vested);
            expect(await token.balanceOf(caller.address)).to.equal(0n);
          }
        },
      ),
      { numRuns: process.env.DEEP ? 60 : 8, seed: 99 },
    );
    await ethers.provider.send("evm_revert", [snapshot]);
  });
});
