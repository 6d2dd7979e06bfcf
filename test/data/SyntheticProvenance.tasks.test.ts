import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { DataMarket, MockGenerationOracle, ModelRegistry, SyntheticProvenance } from "../../typechain-types";
import { deployCore, deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS } from "../helpers/constants";
import { FEE_BPS, LISTER_ROLE } from "./fixtures";
import { inputOf, outputOf } from "./helpers/provenance";
import { provenanceReport, synthesizeDataset, waitForRecords } from "../../tasks/provenance";

const NONE = { mode: 0, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0 };

/** The off-chain side of data:synthesize and data:verify-provenance (tasks/provenance.ts), on a stand-in oracle. */
describe("data:synthesize and data:verify-provenance (tasks/provenance.ts)", function () {
  async function fixture() {
    const core = await deployCore();
    const [seller, modelOwner] = core.others;
    const registry = await deployProxy<ModelRegistry>("ModelRegistry", [
      core.admin.address,
      ADMIN_DELAY_SECONDS,
      await core.staking.getAddress(),
    ]);
    await registry.connect(modelOwner).registerModel(ethers.id("weights"), "ipfs://m", 0, NONE);
    const market = await deployProxy<DataMarket>("DataMarket", [
      core.admin.address,
      ADMIN_DELAY_SECONDS,
      await core.treasury.getAddress(),
      FEE_BPS,
    ]);
    const oracle = (await ethers.deployContract("MockGenerationOracle")) as unknown as MockGenerationOracle;
    const recorder = (await ethers.deployContract("SyntheticProvenance", [
      await oracle.getAddress(),
      await registry.getAddress(),
      await market.getAddress(),
      await core.treasury.getAddress(),
    ])) as unknown as SyntheticProvenance;
    await market.grantRole(LISTER_ROLE, await recorder.getAddress());
    return { ...core, seller, oracle, recorder, recorderAddress: await recorder.getAddress() };
  }

  type Fixture = Awaited<ReturnType<typeof fixture>>;

  /** Plays the runner: answers every request the oracle receives, request `errorAt` with an error. */
  function answerAll(f: Fixture, total: number, errorAt: number) {
    return (async () => {
      let next = 1n;
      while (next <= BigInt(total)) {
        if ((await f.oracle.nextRequestId()) > next) {
          const i = Number(next) - 1;
          await f.oracle.deliver(next, i === errorAt ? 4 : 0, i === errorAt ? "0x" : outputOf(i));
          next++;
        } else await new Promise((r) => setTimeout(r, 20));
      }
    })();
  }

  const synthesize = (f: Fixture, n: number) =>
    synthesizeDataset(f.recorder.connect(f.seller), f.seller, {
      modelId: 1n,
      inputs: Array.from({ length: n }, (_, i) => inputOf(i)),
      callbackGasLimit: 100_000,
      listing: { metadataURI: "ipfs://d", licenseURI: "https://l", priceWei: 10n ** 16n, modelRoyaltyBps: 1_000 },
      encryptKey: () => fhevm.createEncryptedInput(f.recorderAddress, f.seller.address).add256(7n).encrypt(),
      timeoutMs: 30_000,
      pollMs: 20,
    });

  it("requests, waits for every final result, lists the successful ones, and every leaf then verifies", async function () {
    const f = await loadFixture(fixture);
    const [result] = await Promise.all([synthesize(f, 4), answerAll(f, 4, 2)]);
    expect(result.datasetId).to.equal(1n);
    expect(result.errored).to.deep.equal([3n]);
    expect(result.generations.map((g) => g.requestId)).to.deep.equal([1n, 2n, 4n]);
    expect(result.generations[2].output).to.equal(ethers.hexlify(outputOf(3)));
    const p = await f.recorder.provenanceOf(result.datasetId);
    expect([p.root, p.leafCount]).to.deep.equal([result.root, 3n]);

    const report = await provenanceReport(f.recorder, result.datasetId);
    expect(report.rootMatches).to.equal(true);
    expect(report.leaves.map((l) => [l.requestId, l.record, l.verified])).to.deep.equal([
      [1n, "fulfilled", true],
      [2n, "fulfilled", true],
      [4n, "fulfilled", true],
    ]);
    const sampled = await provenanceReport(f.recorder, result.datasetId, { sample: [1] });
    expect(sampled.leaves.map((l) => l.index)).to.deep.equal([1]);
  });

  it("reports a tampered dataset: the root does not match and the altered leaf fails", async function () {
    const f = await loadFixture(fixture);
    const [result] = await Promise.all([synthesize(f, 3), answerAll(f, 3, -1)]);
    const tampered = result.generations.map((g, i) =>
      i === 1 ? { ...g, outputHash: ethers.keccak256(outputOf(99)) } : g,
    );
    const report = await provenanceReport(f.recorder, result.datasetId, { generations: tampered });
    expect(report.rootMatches).to.equal(false);
    expect(report.leaves.map((l) => l.verified)).to.deep.equal([false, false, false]);
    await expect(provenanceReport(f.recorder, result.datasetId, { sample: [5] })).to.be.rejectedWith(
      "leaf 5 is out of range",
    );
    await expect(provenanceReport(f.recorder, 9n)).to.be.rejectedWith("dataset 9 was not listed through");
  });

  it("gives up with a clear error when no runner answers", async function () {
    const f = await loadFixture(fixture);
    await f.recorder.connect(f.seller).openRun(1, 100_000);
    await f.recorder.requestGenerations(1, [inputOf(0)], { value: await f.oracle.feeWei() });
    await expect(waitForRecords(f.recorder, [1n], { timeoutMs: 50, pollMs: 10 })).to.be.rejectedWith(
      "only 0 of 1 generations were answered after 50 ms: is a runner serving the model",
    );
  });

  it("refuses to list a run whose generations all failed", async function () {
    const f = await loadFixture(fixture);
    await expect(Promise.all([synthesize(f, 1), answerAll(f, 1, 0)])).to.be.rejectedWith(
      "all 1 generations of run 1 ended in an error: nothing to list",
    );
  });
});
