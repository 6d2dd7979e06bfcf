import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { LISTER_ROLE, listedFixture, listingParams } from "../data/fixtures";

// Attack: a non-buyer wants dataset 1's key without paying its seller. It lists its own dataset with dataset 1's key
// handle (public in DatasetListed/KeyRotated) or with the seller's encrypted input replayed from the seller's `list`
// calldata, buys its own listing (the price goes back to it as seller credit) and is granted the ACL on the handle.
// Defences: `list`/`rotateKey` only take a handle through FHE.fromExternal: with a proof, the proof is bound to
// the caller, so a replayed input is refused; with an empty proof, the caller itself must already be allowed on the
// handle (SenderNotAllowedToUseHandle). `listFor` (which adopts a held handle) is LISTER_ROLE only and checks the
// caller's ACL too. Grants always use the handle from storage.
describe("Security: a non-buyer relists another dataset's key handle to obtain access", function () {
  it("refuses a stored handle with an empty proof, a replayed proof, and listFor without the role", async function () {
    const { market, seller, stranger, encryptKey } = await loadFixture(listedFixture);
    const victimKey = (await market.getDataset(1)).key;

    await expect(market.connect(stranger).list(listingParams({ priceAmount: 1n }), victimKey, "0x"))
      .to.be.revertedWithCustomError(market, "SenderNotAllowedToUseHandle")
      .withArgs(victimKey, stranger.address);

    // What the seller's list transaction carried. The proof is signed for (market, seller); the input verifier
    // refuses it for the stranger (InvalidSigner; the mock plugin reports it before the transaction is sent).
    const sellersInput = await encryptKey(seller);
    await expect(
      market
        .connect(stranger)
        .list(listingParams({ priceAmount: 1n }), sellersInput.handles[0], sellersInput.inputProof),
    ).to.be.rejectedWith(/InvalidSigner/);

    await expect(market.connect(stranger).listFor(stranger.address, listingParams({ priceAmount: 1n }), victimKey))
      .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, LISTER_ROLE);

    // the stranger does not own dataset 1, so it cannot swap its key either
    const own = await encryptKey(stranger);
    await expect(market.connect(stranger).rotateKey(1, own.handles[0], own.inputProof))
      .to.be.revertedWithCustomError(market, "DataMarketNotSeller")
      .withArgs(1, stranger.address);

    expect((await market.marketConfig())[3]).to.equal(2n); // nothing was listed
    expect(await market.hasAccess(1, stranger.address)).to.equal(false);
    await expect(market.connect(stranger).claimAccess(1, stranger.address))
      .to.be.revertedWithCustomError(market, "DataMarketNotLicensed")
      .withArgs(1, stranger.address);
  });

  it("a stranger's own listing and purchase grant it only its own key", async function () {
    const { market, stranger, encryptKey } = await loadFixture(listedFixture);
    const own = await encryptKey(stranger, 7n);
    await market.connect(stranger).list(listingParams({ priceAmount: 1n }), own.handles[0], own.inputProof);
    await market.connect(stranger).purchase(3, 1n, { value: 1n });
    expect(await market.hasAccess(3, stranger.address)).to.equal(true);
    expect(await market.hasAccess(1, stranger.address)).to.equal(false);
    expect((await market.getDataset(3)).key).to.not.equal((await market.getDataset(1)).key);
  });
});
