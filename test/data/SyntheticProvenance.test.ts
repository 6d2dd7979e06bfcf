import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type {
  DataMarket,
  MockGenerationOracle,
  ModelRegistry,
  ModelRoyaltyForwarder,
  ReentrantEthReceiver,
  SyntheticProvenance,
} from "../../typechain-types";
import type { IDataMarket } from "../../typechain-types/contracts/data/DataMarket";
import { deployCore, deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS } from "../helpers/constants";
import { deployLiveModelToken, ETH } from "../imo/fixtures";
import { FEE_BPS, LISTER_ROLE, PRICE, expectedSplit, listingParams } from "./fixtures";
import { ProvenanceTree, inputOf, outputOf, provenanceLeaf, type Generation } from "./helpers/provenance";

const NONE = { mode: 0, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0 };
const WEIGHTS = ethers.id("digits-generator-v1.onnx");
const OTHER_WEIGHTS = ethers.id("another-model.onnx");
const CALLBACK_GAS = 100_000;
const MODEL_BPS = 1_000n;
const KEY = 0x5e_17_da7an;
const Status = { Unknown: 0n, Pending: 1n, Fulfilled: 2n, Errored: 3n };

describe("SyntheticProvenance", function () {
  /** Model 1 (revenue receiver: a live ModelToken, holders 60/40) and model 2; a recorder on a mock oracle. */
  async function recorderFixture() {
    const core = await deployCore();
    const { admin, others, treasury, staking } = core;
    const [, holderA, holderB, , modelOwner, seller, buyer, stranger, funder] = others;
    const registry = await deployProxy<ModelRegistry>("ModelRegistry", [
      admin.address,
      ADMIN_DELAY_SECONDS,
      await staking.getAddress(),
    ]);
    await registry.connect(modelOwner).registerModel(WEIGHTS, "ipfs://generator", 0, NONE);
    await registry.connect(modelOwner).registerModel(OTHER_WEIGHTS, "ipfs://other", 0, NONE);
    const market = await deployProxy<DataMarket>("DataMarket", [
      admin.address,
      ADMIN_DELAY_SECONDS,
      await treasury.getAddress(),
      FEE_BPS,
    ]);
    const oracle = (await ethers.deployContract("MockGenerationOracle")) as unknown as MockGenerationOracle;
    const recorder = (await ethers.deployContract("SyntheticProvenance", [
      await oracle.getAddress(),
      await registry.getAddress(),
      await market.getAddress(),
      await treasury.getAddress(),
    ])) as unknown as SyntheticProvenance;
    const recorderAddress = await recorder.getAddress();
    await market.grantRole(LISTER_ROLE, recorderAddress);
    const { token } = await deployLiveModelToken([ethers.parseEther("600"), ethers.parseEther("400")]);
    await registry.connect(modelOwner).setRevenueReceiver(1, await token.getAddress());
    const feeWei = await oracle.feeWei();
    return {
      ...core,
      registry,
      market,
      oracle,
      recorder,
      recorderAddress,
      token,
      feeWei,
      holderA,
      holderB,
      modelOwner,
      seller,
      buyer,
      stranger,
      funder,
    };
  }

  type Fixture = Awaited<ReturnType<typeof recorderFixture>>;

  /** Requests `n` generations in run `runId` (paid by `funder`) and returns their request ids. */
  async function request(f: Fixture, runId: bigint, first: number, n: number): Promise<bigint[]> {
    const next = await f.oracle.nextRequestId();
    const inputs = Array.from({ length: n }, (_, i) => inputOf(first + i));
    await f.recorder.connect(f.funder).requestGenerations(runId, inputs, { value: f.feeWei * BigInt(n) });
    return Array.from({ length: n }, (_, i) => next + BigInt(i));
  }

  const generation = (requestId: bigint, i: number): Generation => ({
    requestId,
    inputHash: ethers.keccak256(inputOf(i)),
    outputHash: ethers.keccak256(outputOf(i)),
  });

  /**
   * Run 1 (model 1, seller): requests 1..4 fulfilled, request 5 errored, request 6 pending. Run 2 (model 2,
   * seller): request 7 fulfilled.
   */
  async function runsFixture() {
    const f = await recorderFixture();
    await f.recorder.connect(f.seller).openRun(1, CALLBACK_GAS);
    await f.recorder.connect(f.seller).openRun(2, CALLBACK_GAS);
    const ids = await request(f, 1n, 0, 6);
    for (let i = 0; i < 4; i++) await f.oracle.deliver(ids[i], 0, outputOf(i));
    await f.oracle.deliver(ids[4], 4, "0x");
    const [other] = await request(f, 2n, 100, 1);
    await f.oracle.deliver(other, 0, outputOf(100));
    const gens = ids.slice(0, 4).map((id, i) => generation(id, i));
    const tree = new ProvenanceTree(1n, gens);
    const forwarder = await f.recorder.royaltyForwarderOf(1);
    return { ...f, ids, gens, tree, other, otherGen: generation(other, 100), forwarder };
  }

  const syntheticParams = (forwarder: string, overrides: Partial<IDataMarket.ListingParamsStruct> = {}) =>
    listingParams({
      contributors: [forwarder],
      contributorBps: [MODEL_BPS],
      provenance: { generatorModelId: 1n, oracleRequestId: 0n },
      ...overrides,
    });

  async function listSynthetic(
    f: Fixture,
    runId: bigint,
    root: string,
    leafCount: number,
    params: IDataMarket.ListingParamsStruct,
    from = f.seller,
  ) {
    const enc = await fhevm.createEncryptedInput(f.recorderAddress, from.address).add256(KEY).encrypt();
    return f.recorder.connect(from).listDataset(runId, root, leafCount, params, enc.handles[0], enc.inputProof);
  }

  /** runsFixture plus dataset 1: the four results of run 1. */
  async function listedFixture() {
    const f = await runsFixture();
    await listSynthetic(f, 1n, f.tree.root, 4, syntheticParams(f.forwarder));
    return f;
  }

  describe("runs and requests", function () {
    it("opens a run of an active model", async function () {
      const f = await loadFixture(recorderFixture);
      await expect(f.recorder.connect(f.seller).openRun(1, CALLBACK_GAS))
        .to.emit(f.recorder, "RunOpened")
        .withArgs(1, f.seller.address, 1, CALLBACK_GAS);
      const run = await f.recorder.getRun(1);
      expect([run.owner, run.modelId, run.callbackGasLimit, run.requested, run.succeeded]).to.deep.equal([
        f.seller.address,
        1n,
        BigInt(CALLBACK_GAS),
        0n,
        0n,
      ]);
      expect(await f.recorder.runCount()).to.equal(1);
    });

    it("refuses a run of an inactive model, and of an unknown one", async function () {
      const f = await loadFixture(recorderFixture);
      await f.registry.connect(f.modelOwner).setModelActive(2, false);
      await expect(f.recorder.openRun(2, CALLBACK_GAS))
        .to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceModelUnavailable")
        .withArgs(2);
      await expect(f.recorder.openRun(9, CALLBACK_GAS))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryUnknownModel")
        .withArgs(9);
    });

    it("requests one generation per input, paid by anyone, and marks each pending", async function () {
      const f = await loadFixture(recorderFixture);
      await f.recorder.connect(f.seller).openRun(1, CALLBACK_GAS);
      const inputs = [inputOf(0), inputOf(1)];
      const tx = f.recorder.connect(f.funder).requestGenerations(1, inputs, { value: f.feeWei * 2n });
      await expect(tx)
        .to.emit(f.recorder, "GenerationRequested")
        .withArgs(1, 1, f.funder.address, ethers.keccak256(inputs[0]), f.feeWei)
        .and.to.emit(f.recorder, "GenerationRequested")
        .withArgs(1, 2, f.funder.address, ethers.keccak256(inputs[1]), f.feeWei);
      const sent = await f.oracle.sent(2);
      expect(sent.modelId).to.equal(1);
      expect(sent.callbackGasLimit).to.equal(CALLBACK_GAS);
      expect(sent.callbackData).to.equal(
        ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "bytes32"], [1, ethers.keccak256(inputs[1])]),
      );
      expect((await f.recorder.recordOf(1)).status).to.equal(Status.Pending);
      expect((await f.recorder.getRun(1)).requested).to.equal(2);
      expect(await ethers.provider.getBalance(await f.oracle.getAddress())).to.equal(f.feeWei * 2n);
    });

    it("refuses a payment other than the quote times the inputs", async function () {
      const f = await loadFixture(recorderFixture);
      await f.recorder.connect(f.seller).openRun(1, CALLBACK_GAS);
      await expect(f.recorder.requestGenerations(1, [inputOf(0), inputOf(1)], { value: f.feeWei }))
        .to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceWrongPayment")
        .withArgs(1, f.feeWei * 2n, f.feeWei);
    });

    it("refuses an empty batch and an unknown run", async function () {
      const f = await loadFixture(recorderFixture);
      await f.recorder.connect(f.seller).openRun(1, CALLBACK_GAS);
      await expect(f.recorder.requestGenerations(1, []))
        .to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceNoInputs")
        .withArgs(1);
      await expect(f.recorder.requestGenerations(7, [inputOf(0)], { value: f.feeWei }))
        .to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceUnknownRun")
        .withArgs(7);
    });
  });

  describe("recording results", function () {
    it("records a success as the leaf of (request, model, input, output)", async function () {
      const f = await loadFixture(recorderFixture);
      await f.recorder.connect(f.seller).openRun(1, CALLBACK_GAS);
      const [id] = await request(f, 1n, 0, 1);
      const leaf = provenanceLeaf(1n, generation(id, 0));
      await expect(f.oracle.deliver(id, 0, outputOf(0)))
        .to.emit(f.recorder, "GenerationRecorded")
        .withArgs(1, id, leaf, ethers.hexlify(outputOf(0)));
      const record = await f.recorder.recordOf(id);
      expect([record.status, record.word]).to.deep.equal([Status.Fulfilled, leaf]);
      expect(await f.recorder.leafOf(id, 1, ethers.keccak256(inputOf(0)), ethers.keccak256(outputOf(0)))).to.equal(
        leaf,
      );
      expect((await f.recorder.getRun(1)).succeeded).to.equal(1);
    });

    it("records an error as its code, which can never be a leaf", async function () {
      const f = await loadFixture(recorderFixture);
      await f.recorder.connect(f.seller).openRun(1, CALLBACK_GAS);
      const [id] = await request(f, 1n, 0, 1);
      await expect(f.oracle.deliver(id, 4, "0x"))
        .to.emit(f.recorder, "GenerationErrored")
        .withArgs(1, id, 4);
      const record = await f.recorder.recordOf(id);
      expect([record.status, record.word]).to.deep.equal([Status.Errored, ethers.toBeHex(4, 32)]);
      expect((await f.recorder.getRun(1)).succeeded).to.equal(0);
    });

    it("refuses a second result for the same request", async function () {
      const f = await loadFixture(runsFixture);
      await expect(f.oracle.deliver(f.ids[0], 0, outputOf(9)))
        .to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceUnexpectedResult")
        .withArgs(f.ids[0]);
      await expect(f.oracle.deliver(f.ids[4], 0, outputOf(9)))
        .to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceUnexpectedResult")
        .withArgs(f.ids[4]);
    });

    it("refuses a result for a request it did not make, even with forged callback data", async function () {
      const f = await loadFixture(runsFixture);
      const forged = ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "bytes32"], [1, ethers.keccak256("0x01")]);
      await expect(f.oracle.deliverRaw(f.recorderAddress, 99, 0, outputOf(0), forged))
        .to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceUnexpectedResult")
        .withArgs(99);
      expect((await f.recorder.recordOf(99)).status).to.equal(Status.Unknown);
    });

    it("takes results from the oracle only", async function () {
      const f = await loadFixture(runsFixture);
      await expect(f.recorder.connect(f.stranger).onAIOracleResult(f.ids[5], 0, outputOf(5), "0x"))
        .to.be.revertedWithCustomError(f.recorder, "AIOracleConsumerOnlyOracle")
        .withArgs(f.stranger.address);
    });
  });

  describe("listing", function () {
    it("lists on the DataMarket with the model's weights hash, the root and the model's royalty forwarder", async function () {
      const f = await loadFixture(runsFixture);
      const params = syntheticParams(f.forwarder);
      const tx = listSynthetic(f, 1n, f.tree.root, 4, params);
      await expect(tx).to.emit(f.recorder, "RoyaltyForwarderDeployed").withArgs(1, f.forwarder);
      await expect(tx)
        .to.emit(f.recorder, "SyntheticDatasetListed")
        .withArgs(1, 1, 1, WEIGHTS, f.tree.root, 4, f.forwarder);
      await expect(tx).to.emit(f.market, "DatasetListed");
      const d = await f.market.getDataset(1);
      expect([d.seller, d.royaltyBps, d.contributorCount]).to.deep.equal([f.seller.address, MODEL_BPS, 1n]);
      const p = await f.recorder.provenanceOf(1);
      expect([p.root, p.modelId, p.runId, p.leafCount]).to.deep.equal([f.tree.root, 1n, 1n, 4n]);
      const forwarder = (await ethers.getContractAt("ModelRoyaltyForwarder", f.forwarder)) as ModelRoyaltyForwarder;
      expect(await forwarder.modelId()).to.equal(1);
      expect(await forwarder.registry()).to.equal(await f.registry.getAddress());
      expect(await forwarder.market()).to.equal(await f.market.getAddress());
    });

    it("deploys a model's forwarder once", async function () {
      const f = await loadFixture(listedFixture);
      await expect(f.recorder.deployRoyaltyForwarder(1)).not.to.emit(f.recorder, "RoyaltyForwarderDeployed");
      await expect(listSynthetic(f, 1n, f.tree.root, 2, syntheticParams(f.forwarder))).not.to.emit(
        f.recorder,
        "RoyaltyForwarderDeployed",
      );
      const second = await f.recorder.royaltyForwarderOf(2);
      await expect(f.recorder.deployRoyaltyForwarder(2))
        .to.emit(f.recorder, "RoyaltyForwarderDeployed")
        .withArgs(2, second);
      expect(second).not.to.equal(f.forwarder);
    });

    it("lets only the run's owner list", async function () {
      const f = await loadFixture(runsFixture);
      await expect(listSynthetic(f, 1n, f.tree.root, 4, syntheticParams(f.forwarder), f.stranger))
        .to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceNotRunOwner")
        .withArgs(1, f.stranger.address);
      await expect(listSynthetic(f, 5n, f.tree.root, 4, syntheticParams(f.forwarder)))
        .to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceUnknownRun")
        .withArgs(5);
    });

    it("refuses a zero root", async function () {
      const f = await loadFixture(runsFixture);
      await expect(
        listSynthetic(f, 1n, ethers.ZeroHash, 4, syntheticParams(f.forwarder)),
      ).to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceZeroRoot");
    });

    it("refuses no leaves, or more leaves than the run's successful results", async function () {
      const f = await loadFixture(runsFixture);
      for (const count of [0, 5]) {
        await expect(listSynthetic(f, 1n, f.tree.root, count, syntheticParams(f.forwarder)))
          .to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceInvalidLeafCount")
          .withArgs(1, count, 4);
      }
    });

    it("refuses an ERC-20 price", async function () {
      const f = await loadFixture(runsFixture);
      const asset = f.stranger.address;
      await expect(listSynthetic(f, 1n, f.tree.root, 4, syntheticParams(f.forwarder, { paymentAsset: asset })))
        .to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceUnsupportedPaymentAsset")
        .withArgs(asset);
    });

    it("refuses a listing that names another generator model", async function () {
      const f = await loadFixture(runsFixture);
      const params = syntheticParams(f.forwarder, { provenance: { generatorModelId: 2n, oracleRequestId: 0n } });
      await expect(listSynthetic(f, 1n, f.tree.root, 4, params))
        .to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceModelMismatch")
        .withArgs(1, 2);
    });

    it("refuses a listing without the model's royalty as last contributor", async function () {
      const f = await loadFixture(runsFixture);
      const cases: Partial<IDataMarket.ListingParamsStruct>[] = [
        { contributors: [], contributorBps: [] },
        { contributors: [f.forwarder, f.stranger.address], contributorBps: [MODEL_BPS, 100] },
        { contributors: [f.forwarder], contributorBps: [499] },
        { contributors: [f.stranger.address, f.forwarder], contributorBps: [100] },
      ];
      for (const c of cases) {
        await expect(listSynthetic(f, 1n, f.tree.root, 4, syntheticParams(f.forwarder, c)))
          .to.be.revertedWithCustomError(f.recorder, "SyntheticProvenanceModelRoyaltyMissing")
          .withArgs(f.forwarder, 500);
      }
    });

    it("passes the DataMarket's own checks through", async function () {
      const f = await loadFixture(runsFixture);
      await expect(
        listSynthetic(f, 1n, f.tree.root, 4, syntheticParams(f.forwarder, { priceAmount: 0 })),
      ).to.be.revertedWithCustomError(f.market, "DataMarketZeroPrice");
    });
  });

  describe("verifying leaves", function () {
    it("verifies every leaf of the dataset", async function () {
      const f = await loadFixture(listedFixture);
      for (let i = 0; i < f.gens.length; i++) {
        const g = f.gens[i];
        expect(await f.recorder.verifyLeaf(1, g.requestId, g.inputHash, g.outputHash, f.tree.proof(i))).to.equal(true);
      }
    });

    it("rejects a different output, input or request id", async function () {
      const f = await loadFixture(listedFixture);
      const g = f.gens[1];
      const proof = f.tree.proof(1);
      const wrong = ethers.keccak256(outputOf(9));
      expect(await f.recorder.verifyLeaf(1, g.requestId, g.inputHash, wrong, proof)).to.equal(false);
      expect(await f.recorder.verifyLeaf(1, g.requestId, wrong, g.outputHash, proof)).to.equal(false);
      expect(await f.recorder.verifyLeaf(1, f.gens[2].requestId, g.inputHash, g.outputHash, proof)).to.equal(false);
    });

    it("rejects a result of another model even when the root includes it", async function () {
      const f = await runsFixture();
      // The seller slips run 2's result (model 2) into a model-1 dataset, hashed either way.
      const forged = new ProvenanceTree(1n, [...f.gens, f.otherGen]);
      await listSynthetic(f, 1n, forged.root, 4, syntheticParams(f.forwarder));
      const g = f.otherGen;
      expect(await f.recorder.verifyLeaf(1, g.requestId, g.inputHash, g.outputHash, forged.proof(4))).to.equal(false);
      expect(
        await f.recorder.verifyLeaf(1, f.gens[0].requestId, f.gens[0].inputHash, f.gens[0].outputHash, forged.proof(0)),
      ).to.equal(true);
    });

    it("rejects an unfulfilled request, an errored one and one never made", async function () {
      const f = await runsFixture();
      const claimed = [generation(f.ids[5], 5), generation(f.ids[4], 4), generation(42n, 42)];
      const forged = new ProvenanceTree(1n, [...f.gens, ...claimed]);
      await listSynthetic(f, 1n, forged.root, 4, syntheticParams(f.forwarder));
      for (let i = 0; i < claimed.length; i++) {
        const g = claimed[i];
        expect(await f.recorder.verifyLeaf(1, g.requestId, g.inputHash, g.outputHash, forged.proof(4 + i))).to.equal(
          false,
        );
      }
    });

    it("rejects a recorded leaf outside the root, and any leaf of a dataset it did not list", async function () {
      const f = await loadFixture(listedFixture);
      const g = f.gens[0];
      expect(await f.recorder.verifyLeaf(1, g.requestId, g.inputHash, g.outputHash, f.tree.proof(1))).to.equal(false);
      expect(await f.recorder.verifyLeaf(2, g.requestId, g.inputHash, g.outputHash, f.tree.proof(0))).to.equal(false);
    });
  });

  describe("model royalties", function () {
    it("pays the model's share of every sale to its ModelToken holders", async function () {
      const f = await loadFixture(listedFixture);
      await f.market.connect(f.buyer).purchase(1, PRICE, { value: PRICE });
      const split = expectedSplit(PRICE, FEE_BPS, [MODEL_BPS]);
      const forwarder = (await ethers.getContractAt("ModelRoyaltyForwarder", f.forwarder)) as ModelRoyaltyForwarder;
      expect(await forwarder.pendingWei()).to.equal(split.royalties[0]);
      const tokenAddress = await f.token.getAddress();
      const tx = await forwarder.connect(f.stranger).forward();
      await expect(tx).to.emit(forwarder, "RoyaltyForwarded").withArgs(1, tokenAddress, split.royalties[0]);
      await expect(tx).to.changeEtherBalance(f.token, split.royalties[0]);
      await time.increase(Number(await f.token.streamPeriodSeconds()));
      const dueA = await f.token.claimableOf(ETH, f.holderA.address);
      const dueB = await f.token.claimableOf(ETH, f.holderB.address);
      expect(dueA * 2n).to.be.closeTo(dueB * 3n, 10n);
      // The token keeps its redeem share in the redeem pool; the rest streams to the holders.
      const toHolders = split.royalties[0] - (split.royalties[0] * (await f.token.redeemBps())) / 10_000n;
      expect(dueA + dueB).to.be.closeTo(toHolders, 10n);
      await expect(f.token.connect(f.holderA).claim(ETH)).to.changeEtherBalance(f.holderA, dueA);
      await expect(f.token.connect(f.holderB).claim(ETH)).to.changeEtherBalance(f.holderB, dueB);
    });

    it("refuses to forward nothing", async function () {
      const f = await loadFixture(listedFixture);
      const forwarder = (await ethers.getContractAt("ModelRoyaltyForwarder", f.forwarder)) as ModelRoyaltyForwarder;
      await expect(forwarder.forward())
        .to.be.revertedWithCustomError(forwarder, "ModelRoyaltyForwarderNothingToForward")
        .withArgs(1);
    });

    it("forwards ETH sent to it directly as well", async function () {
      const f = await loadFixture(listedFixture);
      await f.stranger.sendTransaction({ to: f.forwarder, value: 1000n });
      const forwarder = (await ethers.getContractAt("ModelRoyaltyForwarder", f.forwarder)) as ModelRoyaltyForwarder;
      await expect(forwarder.forward()).to.changeEtherBalance(f.token, 1000n);
    });

    it("keeps the royalty when the receiver re-enters, and forwards it once", async function () {
      const f = await loadFixture(listedFixture);
      const attacker = (await ethers.deployContract("ReentrantEthReceiver")) as unknown as ReentrantEthReceiver;
      await f.registry.connect(f.modelOwner).setRevenueReceiver(1, await attacker.getAddress());
      const forwarder = (await ethers.getContractAt("ModelRoyaltyForwarder", f.forwarder)) as ModelRoyaltyForwarder;
      await attacker.setReentry(f.forwarder, forwarder.interface.encodeFunctionData("forward"));
      await f.market.connect(f.buyer).purchase(1, PRICE, { value: PRICE });
      const royalty = expectedSplit(PRICE, FEE_BPS, [MODEL_BPS]).royalties[0];
      await expect(forwarder.forward()).to.changeEtherBalance(attacker, royalty);
      expect(await attacker.reentrySucceeded()).to.equal(false);
      expect(forwarder.interface.parseError(await attacker.reentryRevertData())?.name).to.equal(
        "ReentrancyGuardReentrantCall",
      );
    });

    it("leaves the royalty in place when the receiver refuses ETH", async function () {
      const f = await loadFixture(listedFixture);
      await f.registry.connect(f.modelOwner).setRevenueReceiver(1, await f.registry.getAddress());
      await f.market.connect(f.buyer).purchase(1, PRICE, { value: PRICE });
      const forwarder = (await ethers.getContractAt("ModelRoyaltyForwarder", f.forwarder)) as ModelRoyaltyForwarder;
      const pending = await forwarder.pendingWei();
      await expect(forwarder.forward()).to.be.revertedWithCustomError(forwarder, "FailedCall");
      expect(await forwarder.pendingWei()).to.equal(pending);
    });
  });

  describe("oracle refunds", function () {
    it("sweeps refunds credited by the oracle into the Treasury", async function () {
      const f = await loadFixture(runsFixture);
      await f.oracle.creditRefund(f.recorderAddress, { value: 123n });
      const tx = await f.recorder.connect(f.stranger).sweepOracleRefunds();
      await expect(tx)
        .to.emit(f.recorder, "OracleRefundsSwept")
        .withArgs(await f.treasury.getAddress(), 123n);
      await expect(tx).to.changeEtherBalance(f.treasury, 123n);
      expect(await f.oracle.creditOf(f.recorderAddress)).to.equal(0);
    });

    it("sweeps ETH sent to it directly when the oracle owes nothing", async function () {
      const f = await loadFixture(runsFixture);
      await f.stranger.sendTransaction({ to: f.recorderAddress, value: 7n });
      await expect(f.recorder.sweepOracleRefunds())
        .to.emit(f.recorder, "OracleRefundsSwept")
        .withArgs(await f.treasury.getAddress(), 7n);
    });

    it("refuses to sweep nothing", async function () {
      const f = await loadFixture(runsFixture);
      await expect(f.recorder.sweepOracleRefunds()).to.be.revertedWithCustomError(
        f.recorder,
        "SyntheticProvenanceNothingToSweep",
      );
    });
  });
});
