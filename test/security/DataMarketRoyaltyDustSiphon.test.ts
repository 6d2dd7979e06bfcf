import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, FEE_BPS, expectedSplit, listingParams, marketFixture } from "../data/fixtures";

// Attack: a seller lists with contributors (possibly itself, several times) so that the floored shares of a sale sum
// to more than was paid (rounding up, or royalty bps above 100%), draining other sellers' ETH from the market; or
// picks a price where each contributor's 1 bps share rounds down and the dust is left unaccounted. Defences: the
// royalty total is capped at MAX_ROYALTY_BPS (DataMarketRoyaltyTooHigh), counted over duplicate entries too; every
// share is floored and the dust goes to the protocol, so the credits of one sale sum to exactly what was paid.
describe("Security: royalty rounding and royalty bps siphon the market", function () {
  it("refuses royalties over MAX_ROYALTY_BPS, duplicates included", async function () {
    const { market, seller, list } = await loadFixture(marketFixture);
    const eight = Array(8).fill(seller.address);
    await expect(list(listingParams({ contributors: eight, contributorBps: Array(8).fill(1_001) })))
      .to.be.revertedWithCustomError(market, "DataMarketRoyaltyTooHigh")
      .withArgs(8_008, 8_000);
    await expect(list(listingParams({ contributors: eight, contributorBps: Array(8).fill(65_535) })))
      .to.be.revertedWithCustomError(market, "DataMarketRoyaltyTooHigh")
      .withArgs(8n * 65_535n, 8_000);
  });

  it("credits of a dust-sized sale sum to exactly the price; floors go to the protocol", async function () {
    const { market, marketAddress, seller, buyer, contributorA, list } = await loadFixture(marketFixture);
    const bps = [1n, 1n, 1n, 1n, 1n, 1n, 1n, 7_993n]; // 8_000 in all, 7 shares of 1 bps
    const accounts = [...Array(7).fill(contributorA.address), seller.address];
    const price = 9_999n;
    await list(listingParams({ priceAmount: price, contributors: accounts, contributorBps: bps.map(Number) }));
    await market.connect(buyer).purchase(1, price, { value: price });

    const split = expectedSplit(price, FEE_BPS, bps);
    expect(split.royalties.slice(0, 7)).to.deep.equal(Array(7).fill(0n)); // 9_999 * 1 / 10_000 floors to 0
    expect(await market.creditOf(contributorA.address, ETH)).to.equal(0n);
    expect(await market.creditOf(seller.address, ETH)).to.equal(split.seller + split.royalties[7]);
    expect(await market.protocolFeesOf(ETH)).to.equal(split.fee);
    expect(split.seller + split.royalty + split.fee).to.equal(price);
    expect(await ethers.provider.getBalance(marketAddress)).to.equal(price);
  });
});
