import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type {
  BountiesDataMarketMock,
  DataMarket,
  LabelingBountiesExporter,
  LabelingRoyaltySink,
  Treasury,
} from "../../typechain-types";
import { deployProxy } from "../helpers/core";
import { fheCatchUp, userDecrypt256 } from "../helpers/fhevm";
import { ItemTree, commitLabel, createTask, deployBounties, saltOf, taskParams } from "./helpers/labeling";

const DATASET_KEY = 0x5eed_cafe_f00dn;
const ROYALTY_BPS = 2000;

describe("LabelingBounties export to the DataMarket", function () {
  /**
   * A finished task: item 0 labelled [1, 1, 2] by labellers 0..2 (labellers 0 and 1 accepted), item 1 labelled
   * [3, 3, 3] (all accepted): 5 accepted labels, labellers 0 and 1 with 2 each, labeller 2 with 1.
   * Only labeller 0 has claimed its rewards so far.
   */
  async function exportFixture() {
    const base = await deployBounties();
    const { bounties, requester, labellers, admin } = base;
    const market = (await (
      await ethers.getContractFactory("BountiesDataMarketMock")
    ).deploy()) as unknown as BountiesDataMarketMock;
    const exporter = (await (
      await ethers.getContractFactory("LabelingBountiesExporter")
    ).deploy(await bounties.getAddress(), await market.getAddress())) as unknown as LabelingBountiesExporter;
    await bounties.connect(admin).setExporter(await exporter.getAddress());

    const tree = ItemTree.random(2, "export");
    const p = await taskParams(tree);
    const taskId = await createTask(bounties, requester, p);
    const labels = [
      [1, 1, 2],
      [3, 3, 3],
    ];
    for (let item = 0; item < 2; item++) {
      for (let s = 0; s < 3; s++) await commitLabel(bounties, tree, taskId, labellers[s], item, s, labels[item][s]);
    }
    await time.increaseTo(p.commitDeadline + 1);
    for (let item = 0; item < 2; item++) {
      for (let s = 0; s < 3; s++) {
        const l = labellers[s];
        await bounties.connect(l).reveal(taskId, item, s, labels[item][s], saltOf(l.address, item, s));
      }
    }
    await time.increaseTo(p.revealDeadline + 1);
    await bounties.finalizeItem(taskId, 0);
    await bounties.finalizeItem(taskId, 1);
    for (let item = 0; item < 2; item++) {
      await bounties.claim(
        taskId,
        item,
        0,
        labellers[0].address,
        labels[item][0],
        saltOf(labellers[0].address, item, 0),
      );
    }
    const claimRest = async () => {
      for (let item = 0; item < 2; item++) {
        for (let s = 1; s < 3; s++) {
          const l = labellers[s];
          await bounties.claim(taskId, item, s, l.address, labels[item][s], saltOf(l.address, item, s));
        }
      }
    };
    return { ...base, market, exporter, tree, taskId, claimRest };
  }

  async function listing(exporter: LabelingBountiesExporter, taskId: bigint, over: Record<string, unknown> = {}) {
    return {
      contentHash: ethers.id("labelled set"),
      metadataURI: "ipfs://labelled-set",
      licenseHash: ethers.id("CC-BY-4.0"),
      licenseURI: "https://creativecommons.org/licenses/by/4.0/",
      priceAmount: ethers.parseEther("1"),
      paymentAsset: ethers.ZeroAddress,
      contributors: [await exporter.royaltySinkOf(taskId)],
      contributorBps: [ROYALTY_BPS],
      provenance: { generatorModelId: 0n, oracleRequestId: 0n },
      ...over,
    };
  }

  async function encryptedKey(exporter: LabelingBountiesExporter, user: string, key = DATASET_KEY) {
    return fhevm
      .createEncryptedInput(await exporter.getAddress(), user)
      .add256(key)
      .encrypt();
  }

  async function exportedFixture() {
    const f = await exportFixture();
    const { exporter, requester, taskId } = f;
    const enc = await encryptedKey(exporter, requester.address);
    await exporter
      .connect(requester)
      .exportToMarket(taskId, await listing(exporter, taskId), enc.handles[0], enc.inputProof);
    const sink = (await ethers.getContractAt(
      "LabelingRoyaltySink",
      await exporter.royaltySinkOf(taskId),
    )) as unknown as LabelingRoyaltySink;
    return { ...f, sink };
  }

  it("lists the task in one call with the sink as contributor and hands the key over for buyers", async function () {
    const { bounties, exporter, market, requester, labellers, taskId } = await loadFixture(exportFixture);
    const sink = await exporter.royaltySinkOf(taskId);
    await fheCatchUp();
    const enc = await encryptedKey(exporter, requester.address);
    const tx = exporter
      .connect(requester)
      .exportToMarket(taskId, await listing(exporter, taskId), enc.handles[0], enc.inputProof);
    await expect(tx).to.emit(exporter, "TaskExported").withArgs(taskId, 1n, requester.address, sink);
    await expect(tx)
      .to.emit(bounties, "ExportRecorded")
      .withArgs(taskId, await exporter.getAddress());
    await expect(tx)
      .to.emit(market, "MockListed")
      .withArgs(1n, requester.address, await exporter.getAddress(), ethers.id("labelled set"));
    expect(await exporter.datasetOf(taskId)).to.equal(1n);
    expect((await bounties.getTask(taskId)).exported).to.equal(true);
    expect(await market.contributorsOf(1n)).to.deep.equal([[sink], [BigInt(ROYALTY_BPS)]]);
    const buyer = labellers[9];
    await market.connect(buyer).purchase(1n, { value: 100n });
    const key = await market.keyOf(1n);
    const decrypted = await userDecrypt256(key, await market.getAddress(), buyer);
    expect(decrypted).to.equal(DATASET_KEY);
    const deployed = (await ethers.getContractAt("LabelingRoyaltySink", sink)) as unknown as LabelingRoyaltySink;
    expect(await deployed.acceptedLabels()).to.equal(5n);
    expect(await deployed.taskId()).to.equal(taskId);
  });

  it("refuses anyone but the requester", async function () {
    const { bounties, exporter, labellers, taskId } = await loadFixture(exportFixture);
    const intruder = labellers[4];
    const enc = await encryptedKey(exporter, intruder.address);
    await expect(
      exporter
        .connect(intruder)
        .exportToMarket(taskId, await listing(exporter, taskId), enc.handles[0], enc.inputProof),
    )
      .to.be.revertedWithCustomError(bounties, "LabelingBountiesNotRequester")
      .withArgs(taskId, intruder.address);
  });

  it("refuses a key input encrypted for another user", async function () {
    const { exporter, requester, labellers, taskId } = await loadFixture(exportFixture);
    const enc = await encryptedKey(exporter, labellers[4].address);
    await expect(
      exporter
        .connect(requester)
        .exportToMarket(taskId, await listing(exporter, taskId), enc.handles[0], enc.inputProof),
    ).to.be.reverted;
  });

  it("refuses a second export of the same task", async function () {
    const { bounties, exporter, requester, taskId } = await loadFixture(exportedFixture);
    const enc = await encryptedKey(exporter, requester.address);
    await expect(
      exporter
        .connect(requester)
        .exportToMarket(taskId, await listing(exporter, taskId), enc.handles[0], enc.inputProof),
    )
      .to.be.revertedWithCustomError(bounties, "LabelingBountiesAlreadyExported")
      .withArgs(taskId);
  });

  it("refuses a task with items left to finalise", async function () {
    const { bounties, exporter, requester } = await loadFixture(exportFixture);
    const tree = ItemTree.random(3, "unfinished");
    const p = await taskParams(tree);
    const id = await createTask(bounties, requester, p);
    await time.increaseTo(p.revealDeadline + 1);
    await bounties.finalizeItem(id, 0);
    const enc = await encryptedKey(exporter, requester.address);
    await expect(
      exporter.connect(requester).exportToMarket(id, await listing(exporter, id), enc.handles[0], enc.inputProof),
    )
      .to.be.revertedWithCustomError(bounties, "LabelingBountiesTaskNotFinished")
      .withArgs(id, 1n, 3n);
  });

  it("refuses a finished task without accepted labels", async function () {
    const { bounties, exporter, requester } = await loadFixture(exportFixture);
    const tree = ItemTree.random(1, "empty");
    const p = await taskParams(tree);
    const id = await createTask(bounties, requester, p);
    await time.increaseTo(p.revealDeadline + 1);
    await bounties.finalizeItem(id, 0);
    const enc = await encryptedKey(exporter, requester.address);
    await expect(
      exporter.connect(requester).exportToMarket(id, await listing(exporter, id), enc.handles[0], enc.inputProof),
    )
      .to.be.revertedWithCustomError(bounties, "LabelingBountiesNoAcceptedLabels")
      .withArgs(id);
  });

  it("refuses a listing without the sink as last contributor, or priced in an ERC-20", async function () {
    const { exporter, requester, labellers, taskId } = await loadFixture(exportFixture);
    const sink = await exporter.royaltySinkOf(taskId);
    const enc = await encryptedKey(exporter, requester.address);
    for (const over of [
      { contributors: [], contributorBps: [] },
      { contributors: [sink, labellers[4].address], contributorBps: [1000, 1000] },
    ]) {
      await expect(
        exporter
          .connect(requester)
          .exportToMarket(taskId, await listing(exporter, taskId, over), enc.handles[0], enc.inputProof),
      )
        .to.be.revertedWithCustomError(exporter, "LabelingBountiesExporterSinkNotLastContributor")
        .withArgs(taskId, sink);
    }
    const token = labellers[5].address;
    await expect(
      exporter
        .connect(requester)
        .exportToMarket(
          taskId,
          await listing(exporter, taskId, { paymentAsset: token }),
          enc.handles[0],
          enc.inputProof,
        ),
    )
      .to.be.revertedWithCustomError(exporter, "LabelingBountiesExporterUnsupportedPaymentAsset")
      .withArgs(token);
  });

  it("keeps the requester's own contributors before the sink", async function () {
    const { exporter, market, requester, labellers, taskId } = await loadFixture(exportFixture);
    const sink = await exporter.royaltySinkOf(taskId);
    const enc = await encryptedKey(exporter, requester.address);
    const over = { contributors: [labellers[6].address, sink], contributorBps: [500, ROYALTY_BPS] };
    await exporter
      .connect(requester)
      .exportToMarket(taskId, await listing(exporter, taskId, over), enc.handles[0], enc.inputProof);
    expect(await market.contributorsOf(1n)).to.deep.equal([
      [labellers[6].address, sink],
      [500n, BigInt(ROYALTY_BPS)],
    ]);
  });

  it("refuses re-entry into the export from the market's listing call", async function () {
    const { bounties, admin, requester, taskId } = await loadFixture(exportFixture);
    const market = await (await ethers.getContractFactory("ReentrantDataMarket")).deploy();
    const exporter = (await (
      await ethers.getContractFactory("LabelingBountiesExporter")
    ).deploy(await bounties.getAddress(), await market.getAddress())) as unknown as LabelingBountiesExporter;
    await bounties.connect(admin).setExporter(await exporter.getAddress());
    const sink = await exporter.royaltySinkOf(taskId);
    const params = await listing(exporter, taskId);
    const enc = await encryptedKey(exporter, requester.address);
    await market.setReentry(
      await exporter.getAddress(),
      exporter.interface.encodeFunctionData("exportToMarket", [taskId, params, enc.handles[0], enc.inputProof]),
    );
    await expect(exporter.connect(requester).exportToMarket(taskId, params, enc.handles[0], enc.inputProof))
      .to.emit(exporter, "TaskExported")
      .withArgs(taskId, 1n, requester.address, sink);
    expect(await market.reentered()).to.equal(true);
    expect(await market.reentrySucceeded()).to.equal(false);
    expect(exporter.interface.parseError(await market.reentryRevertData())!.name).to.equal(
      "ReentrancyGuardReentrantCall",
    );
    expect(await exporter.datasetOf(taskId)).to.equal(1n);
  });

  it("refuses exports while LabelingBounties is paused", async function () {
    const { bounties, exporter, requester, admin, taskId } = await loadFixture(exportFixture);
    await bounties.connect(admin).pause();
    const enc = await encryptedKey(exporter, requester.address);
    await expect(
      exporter
        .connect(requester)
        .exportToMarket(taskId, await listing(exporter, taskId), enc.handles[0], enc.inputProof),
    ).to.be.revertedWithCustomError(bounties, "EnforcedPause");
  });

  it("lets only the configured exporter record an export", async function () {
    const { bounties, requester, taskId } = await loadFixture(exportFixture);
    await expect(bounties.connect(requester).recordExport(taskId, requester.address))
      .to.be.revertedWithCustomError(bounties, "LabelingBountiesNotExporter")
      .withArgs(requester.address);
  });

  it("sets the exporter with an event and refuses the zero address", async function () {
    const { bounties, admin, labellers } = await loadFixture(exportFixture);
    await expect(bounties.connect(admin).setExporter(labellers[7].address))
      .to.emit(bounties, "ExporterSet")
      .withArgs(labellers[7].address);
    expect(await bounties.exporter()).to.equal(labellers[7].address);
    await expect(bounties.connect(admin).setExporter(ethers.ZeroAddress))
      .to.be.revertedWithCustomError(bounties, "LabelingBountiesZeroAddress")
      .withArgs("exporter");
  });

  describe("royalties", function () {
    const PRICE = ethers.parseEther("1");
    const ROYALTY = (PRICE * BigInt(ROYALTY_BPS)) / 10_000n;

    it("collects the sink's credit and splits it by accepted labels", async function () {
      const { sink, market, labellers, claimRest } = await loadFixture(exportedFixture);
      await market.connect(labellers[9]).purchase(1n, { value: PRICE });
      const perLabel = (ROYALTY * 10n ** 18n) / 5n;
      const collect = sink.collect();
      await expect(collect).to.emit(sink, "RoyaltiesCollected").withArgs(ROYALTY, perLabel);
      await expect(collect).to.changeEtherBalances([market, sink], [-ROYALTY, ROYALTY]);
      await claimRest();
      const shares = [2n, 2n, 1n].map((n) => (ROYALTY * n) / 5n);
      for (let i = 0; i < 3; i++) {
        expect(await sink.owedTo(labellers[i].address)).to.equal(shares[i]);
        const w = sink.connect(labellers[i]).withdraw();
        await expect(w).to.emit(sink, "RoyaltyWithdrawn").withArgs(labellers[i].address, shares[i]);
        await expect(w).to.changeEtherBalances([labellers[i], sink], [shares[i], -shares[i]]);
      }
      expect(await ethers.provider.getBalance(await sink.getAddress())).to.equal(0n);
      await expect(sink.connect(labellers[0]).withdraw())
        .to.be.revertedWithCustomError(sink, "LabelingRoyaltySinkNothingOwed")
        .withArgs(labellers[0].address);
    });

    it("pays a labeller whose reward is claimed after the royalties arrived its whole history", async function () {
      const { sink, market, labellers, claimRest } = await loadFixture(exportedFixture);
      await market.connect(labellers[9]).purchase(1n, { value: PRICE });
      await sink.collect();
      expect(await sink.owedTo(labellers[1].address)).to.equal(0n);
      await claimRest();
      expect(await sink.owedTo(labellers[1].address)).to.equal((ROYALTY * 2n) / 5n);
    });

    it("accumulates several sales and never owes more than it received", async function () {
      const { sink, market, labellers, claimRest } = await loadFixture(exportedFixture);
      await claimRest();
      for (const price of [PRICE, 1007n, ethers.parseEther("0.3")]) {
        await market.connect(labellers[9]).purchase(1n, { value: price });
        await sink.collect();
        await sink.connect(labellers[2]).withdraw();
      }
      const received = await sink.receivedWei();
      let owed = 0n;
      for (let i = 0; i < 3; i++) owed += await sink.owedTo(labellers[i].address);
      const balance = await ethers.provider.getBalance(await sink.getAddress());
      expect(balance).to.equal(received - (await sink.paidWei()));
      expect(owed).to.be.lte(balance);
      expect(balance - owed).to.be.lt(3n);
    });

    it("counts ETH sent to the sink directly at the next collection", async function () {
      const { sink, labellers } = await loadFixture(exportedFixture);
      await labellers[9].sendTransaction({ to: await sink.getAddress(), value: 500n });
      await expect(sink.collect())
        .to.emit(sink, "RoyaltiesCollected")
        .withArgs(500n, (500n * 10n ** 18n) / 5n);
    });

    it("refuses re-entry into collect and withdraw from the market's payout", async function () {
      const { bounties, taskId } = await loadFixture(exportFixture);
      const market = await (await ethers.getContractFactory("ReentrantDataMarket")).deploy();
      const sink = (await (
        await ethers.getContractFactory("LabelingRoyaltySink")
      ).deploy(await bounties.getAddress(), await market.getAddress(), taskId, 5n)) as unknown as LabelingRoyaltySink;
      const s = await sink.getAddress();
      let received = 0n;
      for (const call of [
        sink.interface.encodeFunctionData("collect"),
        sink.interface.encodeFunctionData("withdraw"),
      ]) {
        await market.setReentry(s, call);
        await market.fundCredit(s, { value: ROYALTY });
        received += ROYALTY;
        await expect(sink.collect())
          .to.emit(sink, "RoyaltiesCollected")
          .withArgs(ROYALTY, (received * 10n ** 18n) / 5n);
        expect(await market.reentered()).to.equal(true);
        expect(await market.reentrySucceeded()).to.equal(false);
        expect(sink.interface.parseError(await market.reentryRevertData())!.name).to.equal(
          "ReentrancyGuardReentrantCall",
        );
      }
      expect(await sink.receivedWei()).to.equal(2n * ROYALTY);
      expect(await ethers.provider.getBalance(s)).to.equal(2n * ROYALTY);
    });

    it("refuses a collection with nothing new", async function () {
      const { sink } = await loadFixture(exportedFixture);
      await expect(sink.collect()).to.be.revertedWithCustomError(sink, "LabelingRoyaltySinkNothingToCollect");
    });
  });

  describe("with the real DataMarket", function () {
    const PRICE = ethers.parseEther("1");
    const FEE_BPS = 250;

    async function realMarketFixture() {
      const f = await exportFixture();
      const { admin, bounties, requester, taskId, claimRest } = f;
      const treasury = await deployProxy<Treasury>("Treasury", [admin.address, 0]);
      const market = await deployProxy<DataMarket>("DataMarket", [
        admin.address,
        0,
        await treasury.getAddress(),
        FEE_BPS,
      ]);
      const exporter = (await (
        await ethers.getContractFactory("LabelingBountiesExporter")
      ).deploy(await bounties.getAddress(), await market.getAddress())) as unknown as LabelingBountiesExporter;
      await bounties.connect(admin).setExporter(await exporter.getAddress());
      await market.connect(admin).grantRole(await market.LISTER_ROLE(), await exporter.getAddress());
      await claimRest();
      await fheCatchUp();
      const enc = await encryptedKey(exporter, requester.address);
      await exporter
        .connect(requester)
        .exportToMarket(taskId, await listing(exporter, taskId), enc.handles[0], enc.inputProof);
      const sink = (await ethers.getContractAt(
        "LabelingRoyaltySink",
        await exporter.royaltySinkOf(taskId),
      )) as unknown as LabelingRoyaltySink;
      return { ...f, market, exporter, sink };
    }

    it("lists with the requester as seller, grants the key to a buyer, and routes the royalty via the sink", async function () {
      const { market, sink, requester, labellers } = await loadFixture(realMarketFixture);
      const dataset = await market.getDataset(1n);
      expect(dataset.seller).to.equal(requester.address);
      expect(dataset.contributorCount).to.equal(1n);
      expect(await market.contributorOf(1n, 0)).to.deep.equal([await sink.getAddress(), BigInt(ROYALTY_BPS)]);
      const buyer = labellers[9];
      await market.connect(buyer).purchase(1n, PRICE, { value: PRICE });
      expect(await market.hasAccess(1n, buyer.address)).to.equal(true);
      const key = await userDecrypt256(dataset.key, await market.getAddress(), buyer);
      expect(key).to.equal(DATASET_KEY);
      const royalty = (PRICE * BigInt(ROYALTY_BPS)) / 10_000n;
      expect(await market.creditOf(await sink.getAddress(), ethers.ZeroAddress)).to.equal(royalty);
      await expect(sink.collect())
        .to.emit(sink, "RoyaltiesCollected")
        .withArgs(royalty, (royalty * 10n ** 18n) / 5n);
      const share = (royalty * 2n) / 5n;
      await expect(sink.connect(labellers[1]).withdraw()).to.changeEtherBalance(labellers[1], share);
    });
  });
});
