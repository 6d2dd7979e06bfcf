import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, FEE_BPS, PRICE, deployActor, expectedSplit, listingParams, marketFixture } from "../data/fixtures";

// Attack: a contributor (or seller) that is a contract re-enters the market from its `receive` while `withdraw`
// pays it: `withdraw` again to be paid twice, or `purchase` to spend ETH mid-withdrawal. Defences: the credit is
// zeroed before the transfer (checks-effects-interactions) and `withdraw`/`purchase`/`sweepProtocolFees` share the
// nonReentrant guard, so the re-entrant call reverts (ReentrancyGuardReentrantCall) and the whole withdrawal with it;
// without the hook the contributor is paid its credit exactly once.
describe("Security: re-entrancy through a contributor or seller withdrawal", function () {
  async function actorListedFixture() {
    const f = await marketFixture();
    const actor = await deployActor();
    const actorAddress = await actor.getAddress();
    // the actor is both seller (lists through `act`) and a 20% contributor
    const enc = await f.encryptKey({ address: actorAddress });
    const params = listingParams({
      contributors: [actorAddress, f.contributorA.address],
      contributorBps: [2_000, 500],
    });
    await actor.act(
      f.marketAddress,
      f.market.interface.encodeFunctionData("list", [params, enc.handles[0], enc.inputProof]),
    );
    await f.market.connect(f.buyer).purchase(1, PRICE, { value: PRICE });
    return { ...f, actor, actorAddress };
  }

  it("a re-entrant withdraw or purchase reverts the withdrawal; the credit is then paid once, exactly", async function () {
    const { market, marketAddress, actor, actorAddress } = await loadFixture(actorListedFixture);
    const split = expectedSplit(PRICE, FEE_BPS, [2_000n, 500n]);
    const credit = split.seller + split.royalties[0];
    expect(await market.creditOf(actorAddress, ETH)).to.equal(credit);
    const withdrawCall = market.interface.encodeFunctionData("withdraw", [ETH]);

    await actor.setHook(marketAddress, withdrawCall);
    await expect(actor.act(marketAddress, withdrawCall)).to.be.revertedWithCustomError(
      market,
      "ReentrancyGuardReentrantCall",
    );
    await actor.setHook(marketAddress, market.interface.encodeFunctionData("purchase", [1, PRICE]));
    await expect(actor.act(marketAddress, withdrawCall)).to.be.revertedWithCustomError(
      market,
      "ReentrancyGuardReentrantCall",
    );
    expect(await market.creditOf(actorAddress, ETH)).to.equal(credit);

    await actor.setHook(ethers.ZeroAddress, "0x");
    await expect(actor.act(marketAddress, withdrawCall)).to.changeEtherBalances([actor, market], [credit, -credit]);
    await expect(actor.act(marketAddress, withdrawCall))
      .to.be.revertedWithCustomError(market, "DataMarketNothingToWithdraw")
      .withArgs(actorAddress, ETH);
    expect(await ethers.provider.getBalance(marketAddress)).to.equal(PRICE - credit); // contributorA + fee remain
  });
});
