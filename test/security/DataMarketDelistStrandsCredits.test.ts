import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, FEE_BPS, PRICE, TOKEN_PRICE, expectedSplit, purchasedFixture } from "../data/fixtures";

// Attack: sales have credited the seller, the contributors and the protocol; the seller then delists (e.g. to spite
// a contributor), hoping the unpaid credits become unreachable. Defence: credits are per account and asset, not per
// listing: `withdraw` and `sweepProtocolFees` never look at a dataset's status, so after a delist every party still
// withdraws its exact share and the market holds nothing.
describe("Security: a delist strands unpaid seller and contributor credits", function () {
  it("after delisting both datasets every credit is withdrawn exactly and the market is empty", async function () {
    const f = await loadFixture(purchasedFixture);
    const { market, marketAddress, token, tokenAddress, treasury, seller, buyer, contributorA, contributorB } = f;
    await market.connect(buyer).purchase(2, TOKEN_PRICE);
    await market.connect(seller).delist(1);
    await market.connect(seller).delist(2);

    const eth = expectedSplit(PRICE, FEE_BPS, [1_000n, 500n]);
    const tok = expectedSplit(TOKEN_PRICE, FEE_BPS, []);
    for (const [who, amount] of [
      [contributorA, eth.royalties[0]],
      [contributorB, eth.royalties[1]],
      [seller, eth.seller],
    ] as const) {
      await expect(market.connect(who).withdraw(ETH)).to.changeEtherBalances([who, market], [amount, -amount]);
    }
    await expect(market.connect(seller).withdraw(tokenAddress)).to.changeTokenBalances(
      token,
      [seller, market],
      [tok.seller, -tok.seller],
    );
    await market.sweepProtocolFees(ETH);
    await market.sweepProtocolFees(tokenAddress);
    expect(await token.balanceOf(await treasury.getAddress())).to.equal(tok.fee);
    expect(await ethers.provider.getBalance(marketAddress)).to.equal(0n);
    expect(await token.balanceOf(marketAddress)).to.equal(0n);
    await expect(market.connect(seller).withdraw(ETH))
      .to.be.revertedWithCustomError(market, "DataMarketNothingToWithdraw")
      .withArgs(seller.address, ETH);
  });
});
