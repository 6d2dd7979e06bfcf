import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { E, MODEL_ID, succeeded } from "./offeringFixtures";

const ETH = ethers.ZeroAddress;
const FEE = E("0.01");
const MODEL_SHARE_BPS = 7_000n;

/**
 * End to end: a model sold out in its IMO (alice 60%, bob 40%), then oracle requests on it pay the model's share of
 * each fee to the model's revenue receiver, which the offering locked to the ModelToken. Uses a minimal fee oracle
 * mock (same settlement as AIOracle: no calldata, 60k gas cap, credit fallback) until AIOracle is on main.
 */
describe("IMO end to end: oracle fees to token holders", function () {
  async function servedModel() {
    const base = await succeeded();
    const oracle = await (
      await ethers.getContractFactory("MockFeeOracle")
    ).deploy(await base.registry.getAddress(), MODEL_SHARE_BPS);
    return { ...base, oracle };
  }

  it("streams every request's model fee into the token and pays holders in proportion", async function () {
    const { oracle, token, registry, alice, bob, carol } = await loadFixture(servedModel);
    expect(await registry.revenueReceiverOf(MODEL_ID)).to.equal(await token.getAddress());
    const requests = 20n;
    for (let i = 0n; i < requests; i++) {
      await expect(oracle.connect(carol).request(MODEL_ID, { value: FEE }))
        .to.emit(oracle, "ModelFeePaid")
        .withArgs(MODEL_ID, await token.getAddress(), (FEE * MODEL_SHARE_BPS) / 10_000n, true);
    }
    expect(await oracle.credits(await token.getAddress())).to.equal(0n);
    const revenue = (requests * FEE * MODEL_SHARE_BPS) / 10_000n;
    expect(await ethers.provider.getBalance(await token.getAddress())).to.equal(revenue);

    await time.increase(Number(await token.streamPeriodSeconds()));
    const toHolders = revenue - (revenue * 1_000n) / 10_000n;
    const aliceDue = await token.claimableOf(ETH, alice.address);
    const bobDue = await token.claimableOf(ETH, bob.address);
    expect(aliceDue).to.be.closeTo((toHolders * 6n) / 10n, 2n);
    expect(bobDue).to.be.closeTo((toHolders * 4n) / 10n, 2n);
    expect(aliceDue + bobDue).to.be.lte(toHolders);
    await expect(token.connect(alice).claim(ETH)).to.changeEtherBalance(alice, aliceDue);
    await expect(token.connect(bob).claim(ETH)).to.changeEtherBalance(bob, bobDue);

    const pool = await token.redeemPoolOf(ETH);
    expect(pool).to.be.closeTo((revenue * 1_000n) / 10_000n, 1n);
    await token.connect(bob).redeem(await token.balanceOf(bob.address));
    expect(await token.claimableOf(ETH, bob.address)).to.be.closeTo((pool * 4n) / 10n, 1n);
  });

  it("gives a holder who bought after the fees were paid only what streamed since", async function () {
    const { oracle, token, alice, carol } = await loadFixture(servedModel);
    await oracle.connect(carol).request(MODEL_ID, { value: FEE });
    const period = Number(await token.streamPeriodSeconds());
    await time.increase(period / 2 - 1);
    await token.connect(alice).transfer(carol.address, E("60000"));
    await time.increase(period);
    const revenueToHolders = (FEE * MODEL_SHARE_BPS * 9_000n) / 10_000n / 10_000n;
    expect(await token.claimableOf(ETH, carol.address)).to.be.closeTo((revenueToHolders * 6n) / 10n / 2n, E("0.00001"));
  });
});
