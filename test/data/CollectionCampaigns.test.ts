import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { CampaignActor, CollectionCampaigns, DataMarket, LabelingRoyaltySink } from "../../typechain-types";
import { deployCore, deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS } from "../helpers/constants";
import { FEE_BPS, LISTER_ROLE, PRICE, expectedSplit, listingParams } from "./fixtures";
import { itemHash, signSubmission } from "./helpers/campaigns";

const SCHEMA = ethers.id("schema: 28x28 grayscale digit + label");
const PAY = ethers.parseEther("0.01");
const MAX_ITEMS = 5;
const REVIEW_PERIOD = 7 * 24 * 3600;
const KEY = 0xc011ec7n;
const Item = { None: 0, Pending: 1, Accepted: 2, Rejected: 3 };

describe("CollectionCampaigns", function () {
  async function campaignsFixture() {
    const core = await deployCore();
    const [funder, validator, validator2, alice, bob, relayer, stranger, buyer] = core.others;
    const market = await deployProxy<DataMarket>("DataMarket", [
      core.admin.address,
      ADMIN_DELAY_SECONDS,
      await core.treasury.getAddress(),
      FEE_BPS,
    ]);
    const campaigns = (await ethers.deployContract("CollectionCampaigns", [
      await market.getAddress(),
    ])) as unknown as CollectionCampaigns;
    await market.grantRole(LISTER_ROLE, await campaigns.getAddress());
    const deadline = (await time.latest()) + 3600;
    return {
      ...core,
      market,
      campaigns,
      funder,
      validator,
      validator2,
      alice,
      bob,
      relayer,
      stranger,
      buyer,
      deadline,
    };
  }

  type Fixture = Awaited<ReturnType<typeof campaignsFixture>>;

  const create = (f: Fixture, overrides: { value?: bigint; validators?: string[] } = {}) =>
    f.campaigns
      .connect(f.funder)
      .createCampaign(SCHEMA, PAY, MAX_ITEMS, f.deadline, overrides.validators ?? [f.validator.address], {
        value: overrides.value ?? PAY * BigInt(MAX_ITEMS),
      });

  async function submitAs(f: Fixture, contributor: typeof f.alice, i: number | string, campaignId = 1n) {
    const sig = await signSubmission(f.campaigns, contributor, campaignId, itemHash(i));
    return f.campaigns.connect(f.relayer).submit(campaignId, itemHash(i), contributor.address, sig);
  }

  async function openFixture() {
    const f = await campaignsFixture();
    await create(f);
    return f;
  }

  /** Items 1..3 by alice and 4..5 by bob; items 1..4 accepted, item 5 rejected. */
  async function reviewedFixture() {
    const f = await openFixture();
    for (const [who, i] of [
      [f.alice, 1],
      [f.alice, 2],
      [f.alice, 3],
      [f.bob, 4],
      [f.bob, 5],
    ] as const)
      await submitAs(f, who, i);
    for (const id of [1, 2, 3, 4]) await f.campaigns.connect(f.validator).review(1, id, true);
    await f.campaigns.connect(f.validator).review(1, 5, false);
    return f;
  }

  async function closedFixture() {
    const f = await reviewedFixture();
    await time.increaseTo(f.deadline + 1);
    await f.campaigns.close(1);
    return f;
  }

  describe("creating", function () {
    it("escrows the pay of every item and names the validators", async function () {
      const f = await loadFixture(campaignsFixture);
      const validators = [f.validator.address, f.validator2.address];
      const tx = await create(f, { validators });
      await expect(tx)
        .to.emit(f.campaigns, "CampaignCreated")
        .withArgs(1, f.funder.address, SCHEMA, PAY, MAX_ITEMS, f.deadline, validators);
      await expect(tx).to.changeEtherBalance(f.campaigns, PAY * BigInt(MAX_ITEMS));
      const c = await f.campaigns.getCampaign(1);
      expect([c.funder, c.schemaHash, c.payPerItemWei, c.maxItems, c.deadline, c.closed]).to.deep.equal([
        f.funder.address,
        SCHEMA,
        PAY,
        BigInt(MAX_ITEMS),
        BigInt(f.deadline),
        false,
      ]);
      expect(await f.campaigns.isValidator(1, f.validator2.address)).to.equal(true);
      expect(await f.campaigns.isValidator(1, f.stranger.address)).to.equal(false);
      expect(await f.campaigns.campaignCount()).to.equal(1);
    });

    it("refuses zero terms", async function () {
      const f = await loadFixture(campaignsFixture);
      const c = f.campaigns.connect(f.funder);
      const v = [f.validator.address];
      await expect(c.createCampaign(SCHEMA, 0, 1, f.deadline, v))
        .to.be.revertedWithCustomError(c, "CollectionCampaignsInvalidTerms")
        .withArgs(0, 1, SCHEMA);
      await expect(c.createCampaign(SCHEMA, PAY, 0, f.deadline, v))
        .to.be.revertedWithCustomError(c, "CollectionCampaignsInvalidTerms")
        .withArgs(PAY, 0, SCHEMA);
      await expect(c.createCampaign(ethers.ZeroHash, PAY, 1, f.deadline, v, { value: PAY }))
        .to.be.revertedWithCustomError(c, "CollectionCampaignsInvalidTerms")
        .withArgs(PAY, 1, ethers.ZeroHash);
    });

    it("refuses a deadline not in the future", async function () {
      const f = await loadFixture(campaignsFixture);
      const now = await time.latest();
      await expect(f.campaigns.createCampaign(SCHEMA, PAY, 1, now, [f.validator.address], { value: PAY }))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsDeadlineInPast")
        .withArgs(now, now + 1);
    });

    it("refuses an empty, oversized or zero validator set", async function () {
      const f = await loadFixture(campaignsFixture);
      await expect(create(f, { validators: [] }))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsInvalidValidatorCount")
        .withArgs(0, 16);
      await expect(create(f, { validators: Array(17).fill(f.validator.address) }))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsInvalidValidatorCount")
        .withArgs(17, 16);
      await expect(create(f, { validators: [f.validator.address, ethers.ZeroAddress] }))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsZeroValidator")
        .withArgs(1);
    });

    it("refuses funding other than pay times items", async function () {
      const f = await loadFixture(campaignsFixture);
      await expect(create(f, { value: PAY }))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsWrongFunding")
        .withArgs(PAY * BigInt(MAX_ITEMS), PAY);
    });
  });

  describe("submitting", function () {
    it("takes an item signed by its contributor from a relayer", async function () {
      const f = await loadFixture(openFixture);
      await expect(submitAs(f, f.alice, 1))
        .to.emit(f.campaigns, "ItemSubmitted")
        .withArgs(1, 1, f.alice.address, itemHash(1), f.relayer.address);
      const item = await f.campaigns.getItem(1, 1);
      expect([item.contributor, item.status, item.contentHash]).to.deep.equal([
        f.alice.address,
        BigInt(Item.Pending),
        itemHash(1),
      ]);
      expect(await f.campaigns.itemOfContent(itemHash(1))).to.deep.equal([1n, 1n]);
      const c = await f.campaigns.getCampaign(1);
      expect([c.submitted, c.pending]).to.deep.equal([1n, 1n]);
    });

    it("takes an ERC-1271 contract contributor", async function () {
      const f = await loadFixture(openFixture);
      const actor = (await ethers.deployContract("CampaignActor")) as unknown as CampaignActor;
      const actorAddress = await actor.getAddress();
      await actor.approveDigest(await f.campaigns.submissionDigest(1, itemHash(7), actorAddress));
      await expect(f.campaigns.submit(1, itemHash(7), actorAddress, "0x"))
        .to.emit(f.campaigns, "ItemSubmitted")
        .withArgs(1, 1, actorAddress, itemHash(7), f.admin.address);
    });

    it("refuses the same content twice, from anyone, in any campaign", async function () {
      const f = await loadFixture(openFixture);
      await submitAs(f, f.alice, 1);
      await create(f);
      for (const [who, campaignId] of [
        [f.alice, 1n],
        [f.bob, 1n],
        [f.bob, 2n],
      ] as const) {
        await expect(submitAs(f, who, 1, campaignId))
          .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsDuplicateItem")
          .withArgs(itemHash(1), 1, 1);
      }
    });

    it("refuses a signature that is not the contributor's", async function () {
      const f = await loadFixture(openFixture);
      const sig = await signSubmission(f.campaigns, f.bob, 1, itemHash(1));
      await expect(f.campaigns.submit(1, itemHash(1), f.alice.address, sig))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsInvalidSignature")
        .withArgs(f.alice.address);
      const otherCampaign = await signSubmission(f.campaigns, f.alice, 2, itemHash(1));
      await expect(f.campaigns.submit(1, itemHash(1), f.alice.address, otherCampaign))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsInvalidSignature")
        .withArgs(f.alice.address);
    });

    it("refuses a zero content hash or contributor", async function () {
      const f = await loadFixture(openFixture);
      await expect(f.campaigns.submit(1, ethers.ZeroHash, f.alice.address, "0x"))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsInvalidItem")
        .withArgs(ethers.ZeroHash, f.alice.address);
      await expect(f.campaigns.submit(1, itemHash(1), ethers.ZeroAddress, "0x"))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsInvalidItem")
        .withArgs(itemHash(1), ethers.ZeroAddress);
    });

    it("refuses items once accepted plus pending reach the cap", async function () {
      const f = await loadFixture(openFixture);
      for (let i = 0; i < MAX_ITEMS; i++) await submitAs(f, f.alice, i);
      await expect(submitAs(f, f.bob, "extra"))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsCampaignFull")
        .withArgs(1, MAX_ITEMS);
      await f.campaigns.connect(f.validator).review(1, 1, false);
      await expect(submitAs(f, f.bob, "extra")).to.emit(f.campaigns, "ItemSubmitted");
    });

    it("refuses items after the deadline and in an unknown campaign", async function () {
      const f = await loadFixture(openFixture);
      await time.increaseTo(f.deadline + 1);
      await expect(submitAs(f, f.alice, 1))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsSubmissionsClosed")
        .withArgs(1, f.deadline);
      await expect(submitAs(f, f.alice, 1, 3n))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsUnknownCampaign")
        .withArgs(3);
    });
  });

  describe("reviewing", function () {
    it("accepting credits the contributor the pay; rejecting pays nothing", async function () {
      const f = await loadFixture(openFixture);
      await submitAs(f, f.alice, 1);
      await submitAs(f, f.bob, 2);
      await expect(f.campaigns.connect(f.validator).review(1, 1, true))
        .to.emit(f.campaigns, "ItemReviewed")
        .withArgs(1, 1, f.validator.address, true, PAY);
      await expect(f.campaigns.connect(f.validator).review(1, 2, false))
        .to.emit(f.campaigns, "ItemReviewed")
        .withArgs(1, 2, f.validator.address, false, 0);
      expect(await f.campaigns.creditOf(f.alice.address)).to.equal(PAY);
      expect(await f.campaigns.creditOf(f.bob.address)).to.equal(0);
      expect(await f.campaigns.acceptedLabelsOf(1, f.alice.address)).to.equal(1);
      expect((await f.campaigns.getItem(1, 2)).status).to.equal(Item.Rejected);
      const c = await f.campaigns.getCampaign(1);
      expect([c.pending, c.accepted]).to.deep.equal([0n, 1n]);
    });

    it("lets only the campaign's validators review", async function () {
      const f = await loadFixture(openFixture);
      await submitAs(f, f.alice, 1);
      await expect(f.campaigns.connect(f.stranger).review(1, 1, true))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsNotValidator")
        .withArgs(1, f.stranger.address);
    });

    it("reviews an item once", async function () {
      const f = await loadFixture(reviewedFixture);
      await expect(f.campaigns.connect(f.validator).review(1, 1, false))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsItemNotPending")
        .withArgs(1, 1, Item.Accepted);
      await expect(f.campaigns.connect(f.validator).review(1, 9, true))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsItemNotPending")
        .withArgs(1, 9, Item.None);
    });

    it("stops reviews once closed", async function () {
      const f = await loadFixture(openFixture);
      await submitAs(f, f.alice, 1);
      await time.increaseTo(f.deadline + REVIEW_PERIOD);
      await f.campaigns.close(1);
      await expect(f.campaigns.connect(f.validator).review(1, 1, true))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsClosed")
        .withArgs(1);
    });
  });

  describe("closing and withdrawing", function () {
    it("credits the unused escrow back to the funder", async function () {
      const f = await loadFixture(reviewedFixture);
      await time.increaseTo(f.deadline + 1);
      await expect(f.campaigns.connect(f.stranger).close(1)).to.emit(f.campaigns, "CampaignClosed").withArgs(1, PAY);
      expect(await f.campaigns.creditOf(f.funder.address)).to.equal(PAY);
      const tx = await f.campaigns.connect(f.funder).withdraw();
      await expect(tx).to.emit(f.campaigns, "CreditWithdrawn").withArgs(f.funder.address, PAY);
      await expect(tx).to.changeEtherBalance(f.funder, PAY);
      await expect(f.campaigns.connect(f.alice).withdraw()).to.changeEtherBalance(f.alice, PAY * 3n);
      await expect(f.campaigns.connect(f.bob).withdraw()).to.changeEtherBalance(f.bob, PAY);
      expect(await ethers.provider.getBalance(await f.campaigns.getAddress())).to.equal(0);
    });

    it("closes with nothing to refund when every item was accepted", async function () {
      const f = await loadFixture(openFixture);
      for (let i = 0; i < MAX_ITEMS; i++) {
        await submitAs(f, f.alice, i);
        await f.campaigns.connect(f.validator).review(1, i + 1, true);
      }
      await time.increaseTo(f.deadline + 1);
      await expect(f.campaigns.close(1)).to.emit(f.campaigns, "CampaignClosed").withArgs(1, 0);
      expect(await f.campaigns.creditOf(f.funder.address)).to.equal(0);
    });

    it("refuses to close before the deadline, or while items are pending within the review period", async function () {
      const f = await loadFixture(openFixture);
      await expect(f.campaigns.close(1))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsCloseTooEarly")
        .withArgs(1, f.deadline + 1);
      await submitAs(f, f.alice, 1);
      await time.increaseTo(f.deadline + 1);
      await expect(f.campaigns.close(1))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsCloseTooEarly")
        .withArgs(1, f.deadline + REVIEW_PERIOD);
      await time.increaseTo(f.deadline + REVIEW_PERIOD);
      await expect(f.campaigns.close(1))
        .to.emit(f.campaigns, "CampaignClosed")
        .withArgs(1, PAY * BigInt(MAX_ITEMS));
    });

    it("closes once", async function () {
      const f = await loadFixture(closedFixture);
      await expect(f.campaigns.close(1))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsClosed")
        .withArgs(1);
      await expect(submitAs(f, f.alice, 9))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsSubmissionsClosed")
        .withArgs(1, f.deadline);
    });

    it("refuses to withdraw nothing", async function () {
      const f = await loadFixture(openFixture);
      await expect(f.campaigns.connect(f.stranger).withdraw())
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsNothingToWithdraw")
        .withArgs(f.stranger.address);
    });

    it("pays a re-entrant funder once", async function () {
      const f = await loadFixture(campaignsFixture);
      const actor = (await ethers.deployContract("CampaignActor")) as unknown as CampaignActor;
      const data = f.campaigns.interface.encodeFunctionData("createCampaign", [
        SCHEMA,
        PAY,
        2,
        f.deadline,
        [f.validator.address],
      ]);
      await actor.execute(await f.campaigns.getAddress(), data, { value: PAY * 2n });
      await time.increaseTo(f.deadline + 1);
      await f.campaigns.close(1);
      const withdraw = f.campaigns.interface.encodeFunctionData("withdraw");
      await actor.setReentry(await f.campaigns.getAddress(), withdraw);
      await expect(actor.execute(await f.campaigns.getAddress(), withdraw)).to.changeEtherBalance(actor, PAY * 2n);
      expect(await actor.reentrySucceeded()).to.equal(false);
      expect(f.campaigns.interface.parseError(await actor.reentryRevertData())?.name).to.equal(
        "ReentrancyGuardReentrantCall",
      );
      expect(await ethers.provider.getBalance(await f.campaigns.getAddress())).to.equal(0);
    });
  });

  describe("listing the collected dataset", function () {
    const listAs = async (f: Fixture, sink: string, from = f.funder, overrides = {}) => {
      const enc = await fhevm
        .createEncryptedInput(await f.campaigns.getAddress(), from.address)
        .add256(KEY)
        .encrypt();
      const params = listingParams({ contributors: [sink], contributorBps: [2_000], ...overrides });
      return f.campaigns.connect(from).listDataset(1, params, enc.handles[0], enc.inputProof);
    };

    it("lists with a sink that splits the royalty by accepted items", async function () {
      const f = await loadFixture(closedFixture);
      const sinkAddress = await f.campaigns.royaltySinkOf(1);
      await expect(listAs(f, sinkAddress)).to.emit(f.campaigns, "CampaignListed").withArgs(1, 1, sinkAddress);
      expect(await f.campaigns.datasetOf(1)).to.equal(1);
      expect((await f.market.getDataset(1)).seller).to.equal(f.funder.address);
      await f.market.connect(f.buyer).purchase(1, PRICE, { value: PRICE });
      const royalty = expectedSplit(PRICE, FEE_BPS, [2_000n]).royalties[0];
      const sink = (await ethers.getContractAt("LabelingRoyaltySink", sinkAddress)) as unknown as LabelingRoyaltySink;
      expect(await sink.acceptedLabels()).to.equal(4);
      await sink.collect();
      await expect(sink.connect(f.alice).withdraw()).to.changeEtherBalance(f.alice, (royalty * 3n) / 4n);
      await expect(sink.connect(f.bob).withdraw()).to.changeEtherBalance(f.bob, royalty / 4n);
    });

    it("lets only the funder list, once, after closing with accepted items", async function () {
      const f = await loadFixture(reviewedFixture);
      const sink = await f.campaigns.royaltySinkOf(1);
      await expect(listAs(f, sink, f.stranger))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsNotFunder")
        .withArgs(1, f.stranger.address);
      await expect(listAs(f, sink))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsNotListable")
        .withArgs(1, false, 4, 0);
      await time.increaseTo(f.deadline + 1);
      await f.campaigns.close(1);
      await listAs(f, sink);
      await expect(listAs(f, sink))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsNotListable")
        .withArgs(1, true, 4, 1);
    });

    it("refuses a campaign with no accepted item", async function () {
      const f = await loadFixture(openFixture);
      await time.increaseTo(f.deadline + 1);
      await f.campaigns.close(1);
      await expect(listAs(f, await f.campaigns.royaltySinkOf(1)))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsNotListable")
        .withArgs(1, true, 0, 0);
    });

    it("refuses a listing without the sink last, or priced in an ERC-20", async function () {
      const f = await loadFixture(closedFixture);
      const sink = await f.campaigns.royaltySinkOf(1);
      await expect(listAs(f, f.stranger.address))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsSinkNotLastContributor")
        .withArgs(1, sink);
      await expect(listAs(f, sink, f.funder, { contributors: [], contributorBps: [] }))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsSinkNotLastContributor")
        .withArgs(1, sink);
      await expect(listAs(f, sink, f.funder, { paymentAsset: f.stranger.address }))
        .to.be.revertedWithCustomError(f.campaigns, "CollectionCampaignsUnsupportedPaymentAsset")
        .withArgs(f.stranger.address);
    });
  });
});
