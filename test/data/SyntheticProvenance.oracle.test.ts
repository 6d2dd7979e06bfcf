import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { DataMarket, SyntheticProvenance } from "../../typechain-types";
import { deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS } from "../helpers/constants";
import { ERROR_INFERENCE_FAILED, deployOracleFixture, emittedRequest, type Emitted } from "../oracle/fixtures";
import { FEE_BPS, LISTER_ROLE, listingParams } from "./fixtures";
import { ProvenanceTree, inputOf, outputOf } from "./helpers/provenance";

const CALLBACK_GAS = 100_000;

/**
 * The recorder on the real AIOracle (model 1: None mode, served by nodeA): results reach it only through the oracle's
 * final callback, an errored result is never a leaf, and a listed dataset's leaves verify. Uses the oracle test
 * fixtures for requests and fulfilments (they follow the oracle's own encoding).
 */
describe("SyntheticProvenance on the AIOracle", function () {
  async function fixture() {
    const f = await deployOracleFixture();
    const market = await deployProxy<DataMarket>("DataMarket", [
      f.admin.address,
      ADMIN_DELAY_SECONDS,
      await f.treasury.getAddress(),
      FEE_BPS,
    ]);
    const recorder = (await ethers.deployContract("SyntheticProvenance", [
      await f.oracle.getAddress(),
      await f.registry.getAddress(),
      await market.getAddress(),
      await f.treasury.getAddress(),
    ])) as unknown as SyntheticProvenance;
    await market.grantRole(LISTER_ROLE, await recorder.getAddress());
    await recorder.connect(f.requester).openRun(1, CALLBACK_GAS);
    const fee = await f.oracle.quote(1, CALLBACK_GAS);
    const requests: Emitted[] = [];
    for (let i = 0; i < 3; i++) {
      const tx = await recorder.connect(f.stranger).requestGenerations(1, [inputOf(i)], { value: fee });
      requests.push(await emittedRequest(f.oracle, tx));
    }
    return { ...f, market, recorder, requests };
  }

  it("records the oracle's final results and lists a dataset whose leaves verify", async function () {
    const f = await loadFixture(fixture);
    const [a, b, c] = f.requests;
    expect(a.request.requester).to.equal(await f.recorder.getAddress());
    expect(a.request.inputHash).to.equal(ethers.keccak256(inputOf(0)));
    await f.oracle.connect(f.nodeA).fulfil(a.id, a.request, outputOf(0), 0);
    await f.oracle.connect(f.nodeA).fulfil(b.id, b.request, outputOf(1), 0);
    await expect(f.oracle.connect(f.nodeA).fulfil(c.id, c.request, "0x", ERROR_INFERENCE_FAILED))
      .to.emit(f.recorder, "GenerationErrored")
      .withArgs(1, c.id, ERROR_INFERENCE_FAILED);
    expect((await f.recorder.getRun(1)).succeeded).to.equal(2);

    const gens = [a, b].map((r, i) => ({
      requestId: r.id,
      inputHash: ethers.keccak256(inputOf(i)),
      outputHash: ethers.keccak256(outputOf(i)),
    }));
    const tree = new ProvenanceTree(1n, gens);
    const forwarder = await f.recorder.royaltyForwarderOf(1);
    const params = listingParams({
      contributors: [forwarder],
      contributorBps: [1_000],
      provenance: { generatorModelId: 1n, oracleRequestId: a.id },
    });
    const enc = await fhevm
      .createEncryptedInput(await f.recorder.getAddress(), f.requester.address)
      .add256(1n)
      .encrypt();
    await f.recorder.connect(f.requester).listDataset(1, tree.root, 2, params, enc.handles[0], enc.inputProof);
    for (const [i, g] of gens.entries())
      expect(await f.recorder.verifyLeaf(1, g.requestId, g.inputHash, g.outputHash, tree.proof(i))).to.equal(true);
    const errored = { requestId: c.id, inputHash: ethers.keccak256(inputOf(2)), outputHash: ethers.keccak256("0x") };
    const forged = new ProvenanceTree(1n, [...gens, errored]);
    expect(
      await f.recorder.verifyLeaf(1, errored.requestId, errored.inputHash, errored.outputHash, forged.proof(2)),
    ).to.equal(false);
  });
});
