import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { DataMarket } from "../../typechain-types";
import { fheCatchUp, userDecrypt256 } from "../helpers/fhevm";
import {
  ETH,
  FEE_BPS,
  KEY,
  LISTER_ROLE,
  Mode,
  PRICE,
  ROTATED_KEY,
  TOKEN_PRICE,
  deployActor,
  expectedSplit,
  listedFixture,
  listerFixture,
  listingParams,
  marketFixture,
  purchasedFixture,
} from "./fixtures";

const keyOf = async (market: DataMarket, id: bigint | number) => (await market.getDataset(id)).key;

describe("DataMarket", function () {
  describe("initialize", function () {
    it("sets the coprocessor, treasury and fee, and cannot run twice", async function () {
      const { market, treasury, admin } = await loadFixture(marketFixture);
      const [treasuryAddress, feeBps, delay, count] = await market.marketConfig();
      expect([treasuryAddress, feeBps, delay, count]).to.deep.equal([await treasury.getAddress(), FEE_BPS, 0n, 0n]);
      await expect(market.initialize(admin.address, 0, admin.address, 0)).to.be.revertedWithCustomError(
        market,
        "InvalidInitialization",
      );
    });

    it("refuses a fee above MAX_PROTOCOL_FEE_BPS and a zero treasury", async function () {
      const { admin, treasury } = await loadFixture(marketFixture);
      const factory = await ethers.getContractFactory("DataMarket");
      const t = await treasury.getAddress();
      await expect(upgrades.deployProxy(factory, [admin.address, 0, t, 1_001], { kind: "uups" }))
        .to.be.revertedWithCustomError(factory, "DataMarketFeeTooHigh")
        .withArgs(1_001, 1_000);
      await expect(upgrades.deployProxy(factory, [admin.address, 0, ETH, 0], { kind: "uups" }))
        .to.be.revertedWithCustomError(factory, "DataMarketZeroAddress")
        .withArgs("treasury");
    });
  });

  describe("list", function () {
    it("stores the listing in three slots' worth of fields and emits every stated field", async function () {
      const { market, seller, contributorA, list } = await loadFixture(marketFixture);
      const params = listingParams({
        contributors: [contributorA.address],
        contributorBps: [1_200],
        provenance: { generatorModelId: 7n, oracleRequestId: 42n },
      });
      const tx = await list(params);
      const d = await market.getDataset(1);
      await expect(tx)
        .to.emit(market, "DatasetListed")
        .withArgs(
          1,
          seller.address,
          seller.address,
          [
            params.contentHash,
            params.metadataURI,
            params.licenseHash,
            params.licenseURI,
            PRICE,
            ETH,
            [contributorA.address],
            [1_200],
            [7n, 42n],
          ],
          d.key,
        );
      expect(d.seller).to.equal(seller.address);
      expect(d.status).to.equal(1n);
      expect(d.keyVersion).to.equal(1n);
      expect(d.contributorCount).to.equal(1n);
      expect(d.royaltyBps).to.equal(1_200n);
      expect(d.paymentAsset).to.equal(ETH);
      expect(d.priceAmount).to.equal(PRICE);
      expect(d.key).to.not.equal(ethers.ZeroHash);
      expect(await market.contributorOf(1, 0)).to.deep.equal([contributorA.address, 1_200n]);
      expect((await market.marketConfig())[3]).to.equal(1n);
    });

    it("numbers datasets sequentially from 1", async function () {
      const { market, list } = await loadFixture(marketFixture);
      await list(listingParams());
      await expect(list(listingParams()))
        .to.emit(market, "DatasetListed")
        .withArgs(2, anyValue, anyValue, anyValue, anyValue);
      expect((await market.marketConfig())[3]).to.equal(2n);
    });

    it("accepts exactly MAX_CONTRIBUTORS contributors summing to MAX_ROYALTY_BPS", async function () {
      const { market, list, others } = await loadFixture(marketFixture);
      const eight = others.slice(0, 8).map((s) => s.address);
      await list(listingParams({ contributors: eight, contributorBps: Array(8).fill(1_000) }));
      expect((await market.getDataset(1)).royaltyBps).to.equal(8_000n);
    });

    it("rejects malformed listings with the offending values", async function () {
      const { market, list, others, contributorA, stranger } = await loadFixture(marketFixture);
      const nine = others.slice(0, 9).map((s) => s.address);
      await expect(list(listingParams({ contentHash: ethers.ZeroHash }))).to.be.revertedWithCustomError(
        market,
        "DataMarketZeroContentHash",
      );
      await expect(list(listingParams({ priceAmount: 0n }))).to.be.revertedWithCustomError(
        market,
        "DataMarketZeroPrice",
      );
      await expect(list(listingParams({ paymentAsset: stranger.address })))
        .to.be.revertedWithCustomError(market, "DataMarketAssetNotAllowed")
        .withArgs(stranger.address);
      await expect(list(listingParams({ contributors: nine, contributorBps: Array(9).fill(100) })))
        .to.be.revertedWithCustomError(market, "DataMarketTooManyContributors")
        .withArgs(9, 8);
      await expect(list(listingParams({ contributors: [contributorA.address], contributorBps: [] })))
        .to.be.revertedWithCustomError(market, "DataMarketContributorsLengthMismatch")
        .withArgs(1, 0);
      await expect(list(listingParams({ contributors: [ETH], contributorBps: [100] })))
        .to.be.revertedWithCustomError(market, "DataMarketInvalidContributor")
        .withArgs(0, ETH, 100);
      await expect(
        list(listingParams({ contributors: [contributorA.address, stranger.address], contributorBps: [100, 0] })),
      )
        .to.be.revertedWithCustomError(market, "DataMarketInvalidContributor")
        .withArgs(1, stranger.address, 0);
      await expect(
        list(listingParams({ contributors: [contributorA.address, stranger.address], contributorBps: [4_000, 4_001] })),
      )
        .to.be.revertedWithCustomError(market, "DataMarketRoyaltyTooHigh")
        .withArgs(8_001, 8_000);
    });

    it("rejects a key encrypted for another account (the proof binds the sender)", async function () {
      const { market, seller, stranger, encryptKey } = await loadFixture(marketFixture);
      const enc = await encryptKey(stranger);
      await expect(market.connect(seller).list(listingParams(), enc.handles[0], enc.inputProof)).to.be.reverted;
    });

    it("does not list while paused", async function () {
      const { market, list } = await loadFixture(marketFixture);
      await market.pause();
      await expect(list(listingParams())).to.be.revertedWithCustomError(market, "EnforcedPause");
    });
  });

  describe("listFor (LISTER_ROLE, e.g. LabelingBounties)", function () {
    it("lists for the seller with a key the lister verified, and buyers can decrypt it", async function () {
      const f = await loadFixture(listerFixture);
      await fheCatchUp();
      const enc = await f.encryptKey(f.seller, KEY, f.listerAddress);
      await expect(
        f.lister.connect(f.seller).listVerified(f.seller.address, listingParams(), enc.handles[0], enc.inputProof),
      )
        .to.emit(f.market, "DatasetListed")
        .withArgs(1, f.seller.address, f.listerAddress, anyValue, anyValue);
      expect((await f.market.getDataset(1)).seller).to.equal(f.seller.address);
      await f.market.connect(f.buyer).purchase(1, PRICE, { value: PRICE });
      expect(await userDecrypt256(await keyOf(f.market, 1), f.marketAddress, f.buyer)).to.equal(KEY);
      expect(await f.market.creditOf(f.seller.address, ETH)).to.equal(expectedSplit(PRICE, FEE_BPS, []).seller);
    });

    it("refuses a handle the lister holds no ACL permission on", async function () {
      const f = await loadFixture(listerFixture);
      await f.list(listingParams());
      const foreign = await keyOf(f.market, 1);
      await expect(f.lister.listRaw(f.seller.address, listingParams(), foreign))
        .to.be.revertedWithCustomError(f.market, "DataMarketKeyNotAllowed")
        .withArgs(f.listerAddress, foreign);
    });

    it("refuses a zero seller and callers without LISTER_ROLE", async function () {
      const f = await loadFixture(listerFixture);
      await expect(f.lister.listRaw(ETH, listingParams(), ethers.ZeroHash))
        .to.be.revertedWithCustomError(f.market, "DataMarketZeroAddress")
        .withArgs("seller");
      await expect(f.market.connect(f.stranger).listFor(f.seller.address, listingParams(), ethers.ZeroHash))
        .to.be.revertedWithCustomError(f.market, "AccessControlUnauthorizedAccount")
        .withArgs(f.stranger.address, LISTER_ROLE);
    });
  });

  describe("purchase in ETH", function () {
    it("splits the price into pull credits, records the license and grants the key in one transaction", async function () {
      const { market, buyer, seller, contributorA, contributorB } = await loadFixture(listedFixture);
      const split = expectedSplit(PRICE, FEE_BPS, [1_000n, 500n]);
      const tx = market.connect(buyer).purchase(1, PRICE, { value: PRICE });
      await expect(tx)
        .to.emit(market, "DatasetPurchased")
        .withArgs(1, buyer.address, ETH, PRICE, split.seller, split.royalty, split.fee, anyValue);
      await expect(tx).to.emit(market, "RoyaltyCredited").withArgs(1, contributorA.address, ETH, split.royalties[0]);
      await expect(tx).to.emit(market, "RoyaltyCredited").withArgs(1, contributorB.address, ETH, split.royalties[1]);
      await expect(tx).to.emit(market, "AccessGranted").withArgs(1, buyer.address, 1);
      await expect(tx).to.changeEtherBalances([buyer, market], [-PRICE, PRICE]);
      expect(await market.creditOf(seller.address, ETH)).to.equal(split.seller);
      expect(await market.creditOf(contributorA.address, ETH)).to.equal(split.royalties[0]);
      expect(await market.creditOf(contributorB.address, ETH)).to.equal(split.royalties[1]);
      expect(await market.protocolFeesOf(ETH)).to.equal(split.fee);
      const now = BigInt(await time.latest());
      const license = await market.licenseOf(1, buyer.address);
      expect([license.purchasedAt, license.grantableAt, license.grantedKeyVersion]).to.deep.equal([now, now, 1n]);
      expect(await market.hasAccess(1, buyer.address)).to.equal(true);
    });

    it("lets the buyer decrypt the key and nobody who did not pay", async function () {
      const { market, marketAddress, buyer, stranger, seller } = await loadFixture(listedFixture);
      await fheCatchUp();
      await market.connect(buyer).purchase(1, PRICE, { value: PRICE });
      const key = await keyOf(market, 1);
      expect(await userDecrypt256(key, marketAddress, buyer)).to.equal(KEY);
      await expect(userDecrypt256(key, marketAddress, stranger)).to.be.rejected;
      expect(await market.hasAccess(1, stranger.address)).to.equal(false);
      expect(await market.hasAccess(1, seller.address)).to.equal(false);
    });

    it("never grants an unpaid address: claim and reclaim refuse accounts without a license", async function () {
      const { market, stranger, keeper } = await loadFixture(purchasedFixture);
      await expect(market.connect(keeper).claimAccess(1, stranger.address))
        .to.be.revertedWithCustomError(market, "DataMarketNotLicensed")
        .withArgs(1, stranger.address);
      await expect(market.connect(stranger).reclaimAccess(1))
        .to.be.revertedWithCustomError(market, "DataMarketNotLicensed")
        .withArgs(1, stranger.address);
      expect(await market.hasAccess(1, stranger.address)).to.equal(false);
    });

    it("reverts when the seller raised the price above the buyer's max (front-running)", async function () {
      const { market, buyer, seller } = await loadFixture(listedFixture);
      await market.connect(seller).setPrice(1, PRICE * 2n);
      await expect(market.connect(buyer).purchase(1, PRICE, { value: PRICE * 2n }))
        .to.be.revertedWithCustomError(market, "DataMarketPriceAboveMax")
        .withArgs(1, PRICE * 2n, PRICE);
    });

    it("credits back ETH sent above the price, e.g. after the seller lowered it", async function () {
      const { market, buyer, seller } = await loadFixture(listedFixture);
      await market.connect(seller).setPrice(1, PRICE / 2n);
      const tx = market.connect(buyer).purchase(1, PRICE, { value: PRICE });
      await expect(tx)
        .to.emit(market, "OverpaymentCredited")
        .withArgs(1, buyer.address, PRICE / 2n);
      await expect(tx)
        .to.emit(market, "DatasetPurchased")
        .withArgs(1, buyer.address, ETH, PRICE / 2n, anyValue, anyValue, anyValue, anyValue);
      expect(await market.creditOf(buyer.address, ETH)).to.equal(PRICE / 2n);
    });

    it("rejects underpayment, a second purchase, unknown and delisted datasets, and purchases while paused", async function () {
      const { market, buyer, buyer2, seller } = await loadFixture(purchasedFixture);
      await expect(market.connect(buyer2).purchase(1, PRICE, { value: PRICE - 1n }))
        .to.be.revertedWithCustomError(market, "DataMarketInsufficientPayment")
        .withArgs(1, PRICE, PRICE - 1n);
      await expect(market.connect(buyer).purchase(1, PRICE, { value: PRICE }))
        .to.be.revertedWithCustomError(market, "DataMarketAlreadyLicensed")
        .withArgs(1, buyer.address);
      await expect(market.connect(buyer).purchase(9, PRICE, { value: PRICE }))
        .to.be.revertedWithCustomError(market, "DataMarketUnknownDataset")
        .withArgs(9);
      await market.pause();
      await expect(market.connect(buyer2).purchase(1, PRICE, { value: PRICE })).to.be.revertedWithCustomError(
        market,
        "EnforcedPause",
      );
      await market.unpause();
      await market.connect(seller).delist(1);
      await expect(market.connect(buyer2).purchase(1, PRICE, { value: PRICE }))
        .to.be.revertedWithCustomError(market, "DataMarketNotListed")
        .withArgs(1, 2);
    });
  });

  describe("purchase in an ERC-20", function () {
    it("pulls the price and credits seller and protocol in the token", async function () {
      const { market, token, buyer, seller, marketAddress } = await loadFixture(listedFixture);
      const split = expectedSplit(TOKEN_PRICE, FEE_BPS, []);
      const tx = market.connect(buyer).purchase(2, TOKEN_PRICE);
      await expect(tx).to.changeTokenBalances(token, [buyer, marketAddress], [-TOKEN_PRICE, TOKEN_PRICE]);
      await expect(tx)
        .to.emit(market, "DatasetPurchased")
        .withArgs(2, buyer.address, await token.getAddress(), TOKEN_PRICE, split.seller, 0, split.fee, anyValue);
      expect(await market.creditOf(seller.address, await token.getAddress())).to.equal(split.seller);
      expect(await market.protocolFeesOf(await token.getAddress())).to.equal(split.fee);
    });

    it("refuses ETH sent with a token purchase", async function () {
      const { market, buyer } = await loadFixture(listedFixture);
      await expect(market.connect(buyer).purchase(2, TOKEN_PRICE, { value: 1n }))
        .to.be.revertedWithCustomError(market, "DataMarketUnexpectedEth")
        .withArgs(2, 1n);
    });

    it("splits only what arrived from a fee-on-transfer token, so balance equals credits", async function () {
      const { market, token, tokenAddress, buyer, seller, marketAddress } = await loadFixture(listedFixture);
      await token.setMode(Mode.FeeOnTransfer);
      const arrived = TOKEN_PRICE - (TOKEN_PRICE * 100n) / 10_000n;
      const split = expectedSplit(arrived, FEE_BPS, []);
      await expect(market.connect(buyer).purchase(2, TOKEN_PRICE))
        .to.emit(market, "DatasetPurchased")
        .withArgs(2, buyer.address, tokenAddress, arrived, split.seller, 0, split.fee, anyValue);
      const credits =
        (await market.creditOf(seller.address, tokenAddress)) + (await market.protocolFeesOf(tokenAddress));
      expect(await token.balanceOf(marketAddress)).to.equal(credits);
    });

    it("works with a token that returns no value, for purchase and withdraw", async function () {
      const { market, token, tokenAddress, buyer, seller } = await loadFixture(listedFixture);
      await token.setMode(Mode.NoReturnValue);
      await market.connect(buyer).purchase(2, TOKEN_PRICE);
      const credit = await market.creditOf(seller.address, tokenAddress);
      await expect(market.connect(seller).withdraw(tokenAddress)).to.changeTokenBalance(token, seller, credit);
    });

    it("reverts on a token that returns false or reverts, leaving no license", async function () {
      const { market, token, tokenAddress, buyer } = await loadFixture(listedFixture);
      await token.setMode(Mode.FalseReturn);
      await expect(market.connect(buyer).purchase(2, TOKEN_PRICE))
        .to.be.revertedWithCustomError(market, "SafeERC20FailedOperation")
        .withArgs(tokenAddress);
      await token.setMode(Mode.RevertOnTransfer);
      await expect(market.connect(buyer).purchase(2, TOKEN_PRICE)).to.be.revertedWithCustomError(
        token,
        "WeirdERC20TransferBlocked",
      );
      expect((await market.licenseOf(2, buyer.address)).purchasedAt).to.equal(0n);
    });

    it("blocks a token that re-enters purchase during transferFrom", async function () {
      const { market, token, buyer, marketAddress } = await loadFixture(listedFixture);
      await token.setMode(Mode.Reenter);
      await token.setHook(marketAddress, market.interface.encodeFunctionData("purchase", [2n, TOKEN_PRICE]));
      await expect(market.connect(buyer).purchase(2, TOKEN_PRICE)).to.be.revertedWithCustomError(
        market,
        "ReentrancyGuardReentrantCall",
      );
    });

    it("refuses purchases in a token removed from the allow-list after listing", async function () {
      const { market, tokenAddress, buyer } = await loadFixture(listedFixture);
      await expect(market.setPaymentAssetAllowed(tokenAddress, false))
        .to.emit(market, "PaymentAssetAllowedSet")
        .withArgs(tokenAddress, false);
      await expect(market.connect(buyer).purchase(2, TOKEN_PRICE))
        .to.be.revertedWithCustomError(market, "DataMarketAssetNotAllowed")
        .withArgs(tokenAddress);
      expect(await market.isPaymentAssetAllowed(tokenAddress)).to.equal(false);
      expect(await market.isPaymentAssetAllowed(ETH)).to.equal(true);
    });
  });

  describe("grant delay", function () {
    const DELAY = 3_600;

    async function delayedFixture() {
      const f = await listedFixture();
      await f.market.setGrantDelay(DELAY);
      return f;
    }

    it("records the payment without granting, then lets anyone grant from T on (T-1 / T / T+1)", async function () {
      const { market, marketAddress, buyer, buyer2, keeper } = await loadFixture(delayedFixture);
      await fheCatchUp();
      const tx = market.connect(buyer).purchase(1, PRICE, { value: PRICE });
      await expect(tx).to.not.emit(market, "AccessGranted");
      const paidAt = BigInt(await time.latest());
      const T = paidAt + BigInt(DELAY);
      await expect(tx)
        .to.emit(market, "DatasetPurchased")
        .withArgs(1, buyer.address, ETH, PRICE, anyValue, anyValue, anyValue, T);
      expect(await market.hasAccess(1, buyer.address)).to.equal(false);
      await market.connect(buyer2).purchase(1, PRICE, { value: PRICE });
      const T2 = BigInt(await time.latest()) + BigInt(DELAY);

      await time.setNextBlockTimestamp(T - 1n);
      await expect(market.connect(keeper).claimAccess(1, buyer.address))
        .to.be.revertedWithCustomError(market, "DataMarketGrantNotYetAllowed")
        .withArgs(1, buyer.address, T);
      await time.setNextBlockTimestamp(T);
      await expect(market.connect(keeper).claimAccess(1, buyer.address))
        .to.emit(market, "AccessGranted")
        .withArgs(1, buyer.address, 1);
      await time.setNextBlockTimestamp(T2 + 1n);
      await expect(market.connect(buyer2).reclaimAccess(1))
        .to.emit(market, "AccessGranted")
        .withArgs(1, buyer2.address, 1);
      expect(await userDecrypt256(await keyOf(market, 1), marketAddress, buyer)).to.equal(KEY);
      await expect(market.connect(keeper).claimAccess(1, buyer.address))
        .to.be.revertedWithCustomError(market, "DataMarketAccessAlreadyGranted")
        .withArgs(1, buyer.address, 1);
    });

    it("is bounded by MAX_GRANT_DELAY_SECONDS and emits GrantDelaySet", async function () {
      const { market } = await loadFixture(marketFixture);
      await expect(market.setGrantDelay(7 * 24 * 3600))
        .to.emit(market, "GrantDelaySet")
        .withArgs(7 * 24 * 3600);
      await expect(market.setGrantDelay(7 * 24 * 3600 + 1))
        .to.be.revertedWithCustomError(market, "DataMarketGrantDelayTooLong")
        .withArgs(7 * 24 * 3600 + 1, 7 * 24 * 3600);
    });
  });

  describe("key rotation", function () {
    it("bumps the version; existing buyers re-obtain access in O(1) with reclaimAccess", async function () {
      const { market, marketAddress, seller, buyer, buyer2, encryptKey } = await loadFixture(listedFixture);
      await fheCatchUp();
      await market.connect(buyer).purchase(1, PRICE, { value: PRICE });
      await market.connect(buyer2).purchase(1, PRICE, { value: PRICE });
      const enc = await encryptKey(seller, ROTATED_KEY);
      const tx = market.connect(seller).rotateKey(1, enc.handles[0], enc.inputProof);
      await expect(tx).to.emit(market, "KeyRotated");
      const d = await market.getDataset(1);
      await expect(tx).to.emit(market, "KeyRotated").withArgs(1, 2, d.key);
      expect(d.keyVersion).to.equal(2n);
      expect(await market.hasAccess(1, buyer.address)).to.equal(false);
      await expect(userDecrypt256(d.key, marketAddress, buyer)).to.be.rejected;

      await expect(market.connect(buyer).reclaimAccess(1))
        .to.emit(market, "AccessGranted")
        .withArgs(1, buyer.address, 2);
      expect(await userDecrypt256(d.key, marketAddress, buyer)).to.equal(ROTATED_KEY);
      expect((await market.licenseOf(1, buyer.address)).grantedKeyVersion).to.equal(2n);
      await expect(market.connect(buyer).reclaimAccess(1))
        .to.be.revertedWithCustomError(market, "DataMarketAccessAlreadyGranted")
        .withArgs(1, buyer.address, 2);
      // buyer2 has not reclaimed yet: still no access to the new key.
      await expect(userDecrypt256(d.key, marketAddress, buyer2)).to.be.rejected;
    });

    it("new buyers get the current key directly", async function () {
      const { market, marketAddress, seller, buyer, encryptKey } = await loadFixture(listedFixture);
      await fheCatchUp();
      const enc = await encryptKey(seller, ROTATED_KEY);
      await market.connect(seller).rotateKey(1, enc.handles[0], enc.inputProof);
      await expect(market.connect(buyer).purchase(1, PRICE, { value: PRICE }))
        .to.emit(market, "AccessGranted")
        .withArgs(1, buyer.address, 2);
      expect(await userDecrypt256(await keyOf(market, 1), marketAddress, buyer)).to.equal(ROTATED_KEY);
    });

    it("keeps existing buyers' access after delisting, rotated keys included", async function () {
      const { market, marketAddress, seller, buyer, encryptKey } = await loadFixture(purchasedFixture);
      await fheCatchUp();
      await expect(market.connect(seller).delist(1)).to.emit(market, "DatasetDelisted").withArgs(1);
      expect(await market.hasAccess(1, buyer.address)).to.equal(true);
      const enc = await encryptKey(seller, ROTATED_KEY);
      await market.connect(seller).rotateKey(1, enc.handles[0], enc.inputProof);
      await market.connect(buyer).reclaimAccess(1);
      expect(await userDecrypt256(await keyOf(market, 1), marketAddress, buyer)).to.equal(ROTATED_KEY);
    });
  });

  describe("seller management", function () {
    it("sets the price with PriceSet and refuses zero", async function () {
      const { market, seller } = await loadFixture(listedFixture);
      await expect(market.connect(seller).setPrice(1, 5n)).to.emit(market, "PriceSet").withArgs(1, 5n);
      expect((await market.getDataset(1)).priceAmount).to.equal(5n);
      await expect(market.connect(seller).setPrice(1, 0)).to.be.revertedWithCustomError(market, "DataMarketZeroPrice");
    });
  });

  describe("withdraw", function () {
    it("pays each account its credit once", async function () {
      const { market, seller } = await loadFixture(purchasedFixture);
      const credit = await market.creditOf(seller.address, ETH);
      const tx = market.connect(seller).withdraw(ETH);
      await expect(tx).to.changeEtherBalances([seller, market], [credit, -credit]);
      await expect(tx).to.emit(market, "CreditWithdrawn").withArgs(seller.address, ETH, credit);
      await expect(market.connect(seller).withdraw(ETH))
        .to.be.revertedWithCustomError(market, "DataMarketNothingToWithdraw")
        .withArgs(seller.address, ETH);
    });

    it("lets a contract contributor (e.g. a royalty sink) withdraw its royalty", async function () {
      const { market, list, buyer } = await loadFixture(marketFixture);
      const actor = await deployActor();
      const actorAddress = await actor.getAddress();
      await list(listingParams({ contributors: [actorAddress], contributorBps: [2_000] }));
      await market.connect(buyer).purchase(1, PRICE, { value: PRICE });
      const royalty = (PRICE * 2_000n) / 10_000n;
      expect(await market.creditOf(actorAddress, ETH)).to.equal(royalty);
      await expect(
        actor.act(await market.getAddress(), market.interface.encodeFunctionData("withdraw", [ETH])),
      ).to.changeEtherBalance(actor, royalty);
    });

    it("blocks re-entry from an ETH receiver and keeps its credit", async function () {
      const { market, list, buyer } = await loadFixture(marketFixture);
      const actor = await deployActor();
      const marketAddress = await market.getAddress();
      await list(listingParams({ contributors: [await actor.getAddress()], contributorBps: [2_000] }));
      await market.connect(buyer).purchase(1, PRICE, { value: PRICE });
      const withdrawData = market.interface.encodeFunctionData("withdraw", [ETH]);
      await actor.setHook(marketAddress, withdrawData);
      await expect(actor.act(marketAddress, withdrawData)).to.be.revertedWithCustomError(
        market,
        "ReentrancyGuardReentrantCall",
      );
      expect(await market.creditOf(await actor.getAddress(), ETH)).to.equal((PRICE * 2_000n) / 10_000n);
    });

    it("a seller that rejects ETH cannot block purchases (pull payments)", async function () {
      const { market, buyer, buyer2, encryptKey } = await loadFixture(marketFixture);
      const actor = await deployActor();
      const actorAddress = await actor.getAddress();
      await actor.setRejectEth(true);
      const enc = await encryptKey({ address: actorAddress });
      await actor.act(
        await market.getAddress(),
        market.interface.encodeFunctionData("list", [listingParams(), enc.handles[0], enc.inputProof]),
      );
      await market.connect(buyer).purchase(1, PRICE, { value: PRICE });
      await market.connect(buyer2).purchase(1, PRICE, { value: PRICE });
      await expect(
        actor.act(await market.getAddress(), market.interface.encodeFunctionData("withdraw", [ETH])),
      ).to.be.revertedWithCustomError(actor, "DataMarketActorRejectsEth");
      expect(await market.creditOf(actorAddress, ETH)).to.equal(expectedSplit(PRICE, FEE_BPS, []).seller * 2n);
    });
  });

  describe("protocol fees", function () {
    it("sweeps ETH fees into the Treasury (anyone may call)", async function () {
      const { market, treasury, stranger } = await loadFixture(purchasedFixture);
      const fee = await market.protocolFeesOf(ETH);
      const tx = market.connect(stranger).sweepProtocolFees(ETH);
      await expect(tx).to.changeEtherBalances([market, treasury], [-fee, fee]);
      await expect(tx)
        .to.emit(market, "ProtocolFeesSwept")
        .withArgs(ETH, await treasury.getAddress(), fee);
      await expect(market.sweepProtocolFees(ETH))
        .to.be.revertedWithCustomError(market, "DataMarketNothingToWithdraw")
        .withArgs(await treasury.getAddress(), ETH);
    });

    it("sweeps token fees through Treasury.depositToken, and keeps them if the Treasury refuses", async function () {
      const { market, treasury, token, tokenAddress, buyer } = await loadFixture(listedFixture);
      await market.connect(buyer).purchase(2, TOKEN_PRICE);
      const fee = await market.protocolFeesOf(tokenAddress);
      await treasury.setTokenAllowed(tokenAddress, false);
      await expect(market.sweepProtocolFees(tokenAddress)).to.be.revertedWithCustomError(
        treasury,
        "TreasuryTokenNotAllowed",
      );
      expect(await market.protocolFeesOf(tokenAddress)).to.equal(fee);
      await treasury.setTokenAllowed(tokenAddress, true);
      await expect(market.sweepProtocolFees(tokenAddress)).to.changeTokenBalance(token, treasury, fee);
      expect(await treasury.tokenBalance(tokenAddress)).to.equal(fee);
    });
  });

  describe("admin settings", function () {
    it("emits an event for each setting and validates it", async function () {
      const { market, stranger } = await loadFixture(marketFixture);
      await expect(market.setProtocolFeeBps(1_000)).to.emit(market, "ProtocolFeeBpsSet").withArgs(1_000);
      await expect(market.setProtocolFeeBps(1_001))
        .to.be.revertedWithCustomError(market, "DataMarketFeeTooHigh")
        .withArgs(1_001, 1_000);
      await expect(market.setTreasury(stranger.address)).to.emit(market, "TreasurySet").withArgs(stranger.address);
      await expect(market.setTreasury(ETH))
        .to.be.revertedWithCustomError(market, "DataMarketZeroAddress")
        .withArgs("treasury");
      await expect(market.setPaymentAssetAllowed(ETH, true))
        .to.be.revertedWithCustomError(market, "DataMarketZeroAddress")
        .withArgs("asset");
      const [t, fee] = await market.marketConfig();
      expect([t, fee]).to.deep.equal([stranger.address, 1_000n]);
    });
  });

  describe("royalty rounding", function () {
    it("floors every share and gives the dust to the protocol, so nothing is lost", async function () {
      const { market, list, buyer, seller, contributorA, contributorB } = await loadFixture(marketFixture);
      const price = 9_999n;
      await list(
        listingParams({
          priceAmount: price,
          contributors: [contributorA.address, contributorB.address],
          contributorBps: [3_333, 3_333],
        }),
      );
      await market.connect(buyer).purchase(1, price, { value: price });
      // seller 9999*3084/1e4 = 3083.69 -> 3083; each contributor 3332.66 -> 3332; fee 250 bps = 249.97 -> 252 with dust.
      expect(await market.creditOf(seller.address, ETH)).to.equal(3_083n);
      expect(await market.creditOf(contributorA.address, ETH)).to.equal(3_332n);
      expect(await market.creditOf(contributorB.address, ETH)).to.equal(3_332n);
      expect(await market.protocolFeesOf(ETH)).to.equal(252n);
      expect(3_083n + 3_332n * 2n + 252n).to.equal(price);
      expect(await ethers.provider.getBalance(await market.getAddress())).to.equal(price);
    });
  });

  describe("upgrade", function () {
    it("preserves listings, licenses and credits across a UUPS upgrade", async function () {
      const { market, marketAddress, buyer, seller } = await loadFixture(purchasedFixture);
      const before = {
        dataset: await market.getDataset(1),
        license: await market.licenseOf(1, buyer.address),
        credit: await market.creditOf(seller.address, ETH),
        config: await market.marketConfig(),
      };
      const factory = await ethers.getContractFactory("DataMarket");
      await upgrades.validateUpgrade(marketAddress, factory, { kind: "uups" });
      const upgraded = (await upgrades.upgradeProxy(marketAddress, factory, { kind: "uups" })) as unknown as DataMarket;
      expect(await upgraded.getDataset(1)).to.deep.equal(before.dataset);
      expect(await upgraded.licenseOf(1, buyer.address)).to.deep.equal(before.license);
      expect(await upgraded.creditOf(seller.address, ETH)).to.equal(before.credit);
      expect(await upgraded.marketConfig()).to.deep.equal(before.config);
      expect(await upgraded.hasAccess(1, buyer.address)).to.equal(true);
    });

    it("refuses an upgrade from a caller without UPGRADER_ROLE", async function () {
      const { market, stranger } = await loadFixture(marketFixture);
      const impl = await (await ethers.deployContract("DataMarket")).getAddress();
      await expect(market.connect(stranger).upgradeToAndCall(impl, "0x"))
        .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ethers.id("UPGRADER_ROLE"));
    });
  });
});
