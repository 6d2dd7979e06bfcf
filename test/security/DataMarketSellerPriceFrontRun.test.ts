import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, PRICE, TOKEN_PRICE, listedFixture } from "../data/fixtures";

// Attack: a buyer's `purchase` sits in the mempool; the seller sees it and front-runs it with `setPrice` at a
// higher price. With a token listing the buyer has usually approved the market for far more than the price (here
// MaxUint256), and with ETH a buyer may send a buffer above the price (the excess is credited back), so without a
// bound the buyer would pay whatever the seller chose. Defence: `purchase` takes the buyer's `maxPriceAmount` and
// refuses a higher stored price (DataMarketPriceAboveMax), before any funds move.
describe("Security: the seller front-runs a purchase with a price increase", function () {
  it("refuses a token purchase above the buyer's max price and leaves the buyer's balance untouched", async function () {
    const { market, token, marketAddress, seller, buyer } = await loadFixture(listedFixture);
    const raised = TOKEN_PRICE * 50n;
    await market.connect(seller).setPrice(2, raised); // the front-running transaction
    const before = await token.balanceOf(buyer.address);
    await expect(market.connect(buyer).purchase(2, TOKEN_PRICE))
      .to.be.revertedWithCustomError(market, "DataMarketPriceAboveMax")
      .withArgs(2, raised, TOKEN_PRICE);
    expect(await token.balanceOf(buyer.address)).to.equal(before);
    expect(await token.balanceOf(marketAddress)).to.equal(0n);
    expect((await market.licenseOf(2, buyer.address)).purchasedAt).to.equal(0n);
  });

  it("refuses an ETH purchase whose buffer would cover the raised price", async function () {
    const { market, seller, buyer } = await loadFixture(listedFixture);
    await market.connect(seller).setPrice(1, PRICE * 2n);
    await expect(market.connect(buyer).purchase(1, PRICE, { value: PRICE * 2n }))
      .to.be.revertedWithCustomError(market, "DataMarketPriceAboveMax")
      .withArgs(1, PRICE * 2n, PRICE);
    expect(await market.creditOf(seller.address, ETH)).to.equal(0n);
  });

  it("a price cut before the purchase charges the lower price, never the max", async function () {
    const { market, token, seller, buyer } = await loadFixture(listedFixture);
    await market.connect(seller).setPrice(2, TOKEN_PRICE / 2n);
    const before = await token.balanceOf(buyer.address);
    await market.connect(buyer).purchase(2, TOKEN_PRICE);
    expect(before - (await token.balanceOf(buyer.address))).to.equal(TOKEN_PRICE / 2n);
  });
});
