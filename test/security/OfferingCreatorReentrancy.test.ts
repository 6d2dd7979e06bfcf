import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Interface } from "ethers";
import { defaultParams, deployOffering, E, FEE_BPS, MODEL_ID } from "../imo/offeringFixtures";

/**
 * Attack: the creator is a contract. When its proceeds are paid out (withdraw), it re-enters the offering — withdraw
 * again before its credit is cleared, or buy/claimVested/refund/finalize mid-payout — to be paid twice or to act on
 * half-updated state.
 *
 * Defence (regression): withdraw zeroes the credit before paying (checks-effects-interactions) and every payable entry
 * point shares one re-entrancy guard; the creator is paid its credit exactly once.
 */
describe("security: a contract creator re-enters on its payout", function () {
  async function contractCreator() {
    const base = await deployOffering();
    const creatorContract = await (await ethers.getContractFactory("ReentrantOfferingBuyer")).deploy();
    const creatorAddress = await creatorContract.getAddress();
    await base.registry.setOwner(MODEL_ID, creatorAddress);
    const target = await base.offering.getAddress();
    const i = base.offering.interface;
    await creatorContract.exec(target, i.encodeFunctionData("launch", [MODEL_ID, await defaultParams()]));
    await base.offering.connect(base.alice).buy(MODEL_ID, E("100000"), E("100"), { value: E("100") });
    await base.offering.finalize(MODEL_ID);
    return { ...base, creatorContract, creatorAddress, target, i };
  }

  for (const name of ["withdraw", "claimVested", "buy", "finalize", "refund"] as const) {
    it(`refuses ${name} re-entered from the creator's payout and pays the credit once`, async function () {
      const { offering, creatorContract, creatorAddress, target, i } = await loadFixture(contractCreator);
      const credit = E("100") - (E("100") * FEE_BPS) / 10_000n;
      expect(await offering.creditOf(creatorAddress)).to.equal(credit);
      const args: Record<typeof name, unknown[]> = {
        withdraw: [],
        claimVested: [MODEL_ID],
        buy: [MODEL_ID, 1n, E("1")],
        finalize: [MODEL_ID],
        refund: [MODEL_ID],
      };
      await creatorContract.setReentry(target, (i as unknown as Interface).encodeFunctionData(name, args[name]));
      const tx = creatorContract.exec(target, i.encodeFunctionData("withdraw"));
      await expect(tx).to.emit(offering, "Withdrawn").withArgs(creatorAddress, credit);
      await expect(tx).to.changeEtherBalances([creatorContract, offering], [credit, -credit]);
      expect(await creatorContract.reentered()).to.equal(true);
      expect(await creatorContract.reentrySucceeded()).to.equal(false);
      expect(offering.interface.parseError(await creatorContract.reentryRevertData())!.name).to.equal(
        "ReentrancyGuardReentrantCall",
      );
      expect(await offering.creditOf(creatorAddress)).to.equal(0n);
      await expect(creatorContract.exec(target, i.encodeFunctionData("withdraw")))
        .to.be.revertedWithCustomError(offering, "ModelOfferingNothingDue")
        .withArgs(creatorAddress);
    });
  }
});
