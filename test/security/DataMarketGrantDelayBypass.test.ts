import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { PRICE, ROTATED_KEY, listedFixture } from "../data/fixtures";

const DELAY = 24 * 3600;

// Attack: with a grant delay configured, a buyer tries to obtain the key before `grantableAt`: through
// `reclaimAccess`, through a third party's `claimAccess`, after a key rotation (which resets the "already granted"
// check), or by waiting for the admin to shorten the delay. Defence: `grantableAt` is fixed in the license at
// purchase and checked first on every path (DataMarketGrantNotYetAllowed with the stored timestamp); no path grants
// before it, and every path grants from it.
describe("Security: a buyer bypasses the grant delay", function () {
  it("refuses every grant path until grantableAt, then grants the current key", async function () {
    const { market, seller, buyer, stranger, encryptKey } = await loadFixture(listedFixture);
    await market.setGrantDelay(DELAY);
    await market.connect(buyer).purchase(1, PRICE, { value: PRICE });
    const grantableAt = (await market.licenseOf(1, buyer.address)).grantableAt;
    expect(grantableAt).to.equal(BigInt(await time.latest()) + BigInt(DELAY));
    expect(await market.hasAccess(1, buyer.address)).to.equal(false);

    const enc = await encryptKey(seller, ROTATED_KEY);
    await market.connect(seller).rotateKey(1, enc.handles[0], enc.inputProof);
    await market.setGrantDelay(0); // a later config change does not shorten an existing license's delay

    await time.increaseTo(grantableAt - 10n); // each refused call below may mine a block: stay clear of the edge
    await expect(market.connect(buyer).reclaimAccess(1))
      .to.be.revertedWithCustomError(market, "DataMarketGrantNotYetAllowed")
      .withArgs(1, buyer.address, grantableAt);
    await expect(market.connect(stranger).claimAccess(1, buyer.address))
      .to.be.revertedWithCustomError(market, "DataMarketGrantNotYetAllowed")
      .withArgs(1, buyer.address, grantableAt);
    await expect(market.connect(buyer).purchase(1, PRICE, { value: PRICE }))
      .to.be.revertedWithCustomError(market, "DataMarketAlreadyLicensed")
      .withArgs(1, buyer.address);
    expect(await market.hasAccess(1, buyer.address)).to.equal(false);

    expect(BigInt(await time.latest())).to.be.lessThan(grantableAt);
    await time.increaseTo(grantableAt);
    await expect(market.connect(stranger).claimAccess(1, buyer.address))
      .to.emit(market, "AccessGranted")
      .withArgs(1, buyer.address, 2);
    expect(await market.hasAccess(1, buyer.address)).to.equal(true);
  });
});
