import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { PRICE, ROTATED_KEY, purchasedFixture } from "../data/fixtures";

// Attack: a seller who has been paid tries to deny a licensed buyer the data: it rotates the key (the buyer's ACL
// grant is on the old handle only) and delists, hoping the buyer can no longer obtain the current key. Defence: a
// license outlives the listing; `reclaimAccess` checks the license and the key version only, not the listing status,
// so after any rotation, before or after a delist, the buyer gets the current key in one call. A new buyer cannot.
describe("Security: key rotation and delist deny an existing licensed buyer", function () {
  it("the buyer reclaims the rotated key after a delist; a new purchase is refused", async function () {
    const { market, seller, buyer, buyer2, encryptKey } = await loadFixture(purchasedFixture);
    await market.connect(seller).delist(1);
    const enc = await encryptKey(seller, ROTATED_KEY);
    await market.connect(seller).rotateKey(1, enc.handles[0], enc.inputProof); // after the delist
    expect(await market.hasAccess(1, buyer.address)).to.equal(false);

    await expect(market.connect(buyer).reclaimAccess(1)).to.emit(market, "AccessGranted").withArgs(1, buyer.address, 2);
    expect(await market.hasAccess(1, buyer.address)).to.equal(true);

    // rotating again, still delisted: the same single call restores access
    const enc3 = await encryptKey(seller, ROTATED_KEY + 1n);
    await market.connect(seller).rotateKey(1, enc3.handles[0], enc3.inputProof);
    await expect(market.connect(buyer).reclaimAccess(1)).to.emit(market, "AccessGranted").withArgs(1, buyer.address, 3);
    expect(await market.hasAccess(1, buyer.address)).to.equal(true);

    await expect(market.connect(buyer2).purchase(1, PRICE, { value: PRICE }))
      .to.be.revertedWithCustomError(market, "DataMarketNotListed")
      .withArgs(1, 2); // DatasetStatus.Delisted
    await expect(market.connect(buyer2).reclaimAccess(1))
      .to.be.revertedWithCustomError(market, "DataMarketNotLicensed")
      .withArgs(1, buyer2.address);
  });

  it("anyone may push the current key to a licensed buyer (claimAccess), so the buyer need not act itself", async function () {
    const { market, seller, buyer, stranger, encryptKey } = await loadFixture(purchasedFixture);
    const enc = await encryptKey(seller, ROTATED_KEY);
    await market.connect(seller).rotateKey(1, enc.handles[0], enc.inputProof);
    await market.connect(seller).delist(1);
    await expect(market.connect(stranger).claimAccess(1, buyer.address))
      .to.emit(market, "AccessGranted")
      .withArgs(1, buyer.address, 2);
    expect(await market.hasAccess(1, buyer.address)).to.equal(true);
    expect(await market.hasAccess(1, stranger.address)).to.equal(false);
  });
});
