import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  CALLBACK_GAS,
  CONFIG,
  MODEL_FEE_WEI,
  NONE_VERIFICATION,
  STATE_FULFILLED,
  STATE_PENDING,
  WEIGHTS_HASH,
  deployOracleFixture,
  sendRequest,
  type Emitted,
} from "../oracle/fixtures";
import { MANIFEST, proofWords, provenDigit, wordsToProof, type ProvenCase } from "./helpers";
import { deployMnist14Verifier } from "./deploy";

const MODE_PROOF = 3;
const PROOF_MODEL = 4;
const FALSE_MODEL = 5;
const REVERTING_MODEL = 6;
const hex = (b: Uint8Array) => ethers.hexlify(b);

/** The oracle fixture plus the mnist14 verifier (model 4), a false verifier (5) and a reverting one (6). */
async function deployProofOracleFixture() {
  const f = await deployOracleFixture();
  const { groth16, adapter } = await deployMnist14Verifier();
  const falseVerifier = await (await ethers.getContractFactory("FalseProofVerifier")).deploy();
  const revertingVerifier = await (await ethers.getContractFactory("RevertingProofVerifier")).deploy();
  const reg = f.registry.connect(f.modelOwner);
  for (const v of [adapter, falseVerifier, revertingVerifier]) {
    await reg.registerProofModel(WEIGHTS_HASH, "ipfs://proof", MODEL_FEE_WEI, v, await v.vkHash());
  }
  // Requests are priced for one node and assigned one (as in None mode); any address may fulfil with a proof.
  for (const id of [PROOF_MODEL, FALSE_MODEL, REVERTING_MODEL]) await reg.addNode(id, f.nodeA.address);
  return { ...f, groth16, adapter, falseVerifier, revertingVerifier };
}

type Fixture = Awaited<ReturnType<typeof deployProofOracleFixture>>;

describe("AIOracle Proof mode (mnist14, real proofs)", function () {
  this.timeout(120_000);
  let a: ProvenCase;
  let b: ProvenCase;

  before(async () => {
    a = await provenDigit(0);
    b = await provenDigit(1500);
    expect(a.label).to.not.equal(b.label);
  });

  const requestDigit = (f: Fixture, c: ProvenCase, modelId = PROOF_MODEL) =>
    sendRequest(f, modelId, { input: hex(c.input) });

  /** The request is untouched by a rejected proof and refundable after its deadline. */
  async function expectOpenAndRefundable(f: Fixture, r: Emitted) {
    expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_PENDING);
    expect(await f.oracle.servedCount(f.stranger.address)).to.equal(0);
    await time.increaseTo(r.terms.deadline + 1n);
    await expect(f.oracle.refund(r.id, r.request))
      .to.emit(f.oracle, "RequestRefunded")
      .withArgs(r.id, f.requester.address, r.totalWei);
  }

  describe("a valid proof", () => {
    it("is final at once: callback, payment to any caller, servedCount, event", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await requestDigit(f, a);
      expect(r.terms.mode).to.equal(MODE_PROOF);
      // The stranger is not staked nor assigned: the proof is the guarantee.
      await expect(f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, a.input, a.output, a.proof))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(r.id, f.stranger.address, MODE_PROOF, true, true, 0, ethers.keccak256(a.output));
      expect(await f.consumer.results(r.id)).to.equal(ethers.dataSlice(hex(a.output), 0, 32));
      expect(await f.oracle.creditOf(f.stranger.address)).to.equal(r.terms.nodeFeeWei + r.terms.gasFeeWei);
      expect(await f.oracle.creditOf(f.modelOwner.address)).to.equal(MODEL_FEE_WEI);
      expect(await f.oracle.servedCount(f.stranger.address)).to.equal(1);
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_FULFILLED);
      await expect(f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, a.input, a.output, a.proof))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(r.id, STATE_FULFILLED);
    });
  });

  describe("the verifier memo", () => {
    // ERC-7201 `axon.storage.AIOracle.proofVerifiers`: mapping(uint256 modelId => address), outside the oracle's layout.
    const base = (() => {
      const h = BigInt(ethers.id("axon.storage.AIOracle.proofVerifiers")) - 1n;
      return BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [h]))) & ~0xffn;
    })();
    const memo = async (f: Fixture, modelId: number) =>
      ethers.getAddress(
        ethers.dataSlice(
          await ethers.provider.getStorage(
            f.oracle,
            ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [modelId, base])),
          ),
          12,
        ),
      );

    it("is written by the first accepted proof of a model only (a rejected one reverts it) and read afterwards", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      expect(await memo(f, PROOF_MODEL)).to.equal(ethers.ZeroAddress);
      const r0 = await requestDigit(f, a);
      const w = proofWords(a.proof);
      const tampered = wordsToProof([w[6], w[7], w[2], w[3], w[4], w[5], w[0], w[1]]);
      await expect(f.oracle.connect(f.stranger).fulfilProof(r0.id, r0.request, a.input, a.output, tampered))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleProofRejected")
        .withArgs(r0.id);
      expect(await memo(f, PROOF_MODEL)).to.equal(ethers.ZeroAddress);
      const first = await (
        await f.oracle.connect(f.stranger).fulfilProof(r0.id, r0.request, a.input, a.output, a.proof)
      ).wait();
      expect(await memo(f, PROOF_MODEL)).to.equal(await f.adapter.getAddress());
      expect(await memo(f, PROOF_MODEL)).to.equal(await f.registry.proofVerifierOf(PROOF_MODEL));
      expect(await memo(f, FALSE_MODEL)).to.equal(ethers.ZeroAddress);
      // The next fulfilment of the model reads the memo (one oracle slot) instead of calling the registry.
      const r1 = await requestDigit(f, b);
      const second = await (
        await f.oracle.connect(f.stranger).fulfilProof(r1.id, r1.request, b.input, b.output, b.proof)
      ).wait();
      await expect(second).to.emit(f.oracle, "RequestFulfilled");
      expect(second!.gasUsed).to.be.lessThan(first!.gasUsed);
    });
  });

  describe("a rejected proof writes nothing", () => {
    it("a tampered proof (points a and c swapped)", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await requestDigit(f, a);
      const w = proofWords(a.proof);
      const tampered = wordsToProof([w[6], w[7], w[2], w[3], w[4], w[5], w[0], w[1]]);
      await expect(f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, a.input, a.output, tampered))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleProofRejected")
        .withArgs(r.id);
      await expectOpenAndRefundable(f, r);
    });

    it("a swapped output", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await requestDigit(f, a);
      await expect(f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, a.input, b.output, a.proof))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleProofRejected")
        .withArgs(r.id);
      await expectOpenAndRefundable(f, r);
    });

    it("a proof generated for another request's input", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await requestDigit(f, a);
      await expect(f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, a.input, b.output, b.proof))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleProofRejected")
        .withArgs(r.id);
      await expectOpenAndRefundable(f, r);
    });

    it("an input that does not match the request's inputHash", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await requestDigit(f, a);
      await expect(f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, b.input, b.output, b.proof))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInputMismatch")
        .withArgs(r.id, ethers.keccak256(a.input), ethers.keccak256(b.input));
      await expectOpenAndRefundable(f, r);
    });

    it("a malformed proof (the verifier's revert is passed on)", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await requestDigit(f, a);
      const short = a.proof.subarray(0, 100);
      const reason = f.adapter.interface.encodeErrorResult("ProofVerifierProofLength", [256, 100]);
      await expect(f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, a.input, a.output, short))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleProofVerifierFailed")
        .withArgs(r.id, await f.adapter.getAddress(), reason);
      await expectOpenAndRefundable(f, r);
    });

    it("an input of the wrong size for the circuit: the verifier names the sizes, the request is refundable", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      // the oracle accepts any input up to maxInputBytes at request time (the request path stays mode-agnostic);
      // the model's verifier refuses it at fulfilment with both sizes, and the requester gets a refund
      const short = a.input.subarray(0, a.input.length - 1);
      const r = await sendRequest(f, PROOF_MODEL, { input: hex(short) });
      const reason = f.adapter.interface.encodeErrorResult("ProofVerifierInputLength", [
        MANIFEST.inputBytes,
        short.length,
      ]);
      expect(await f.adapter.inputBytes()).to.equal(MANIFEST.inputBytes);
      await expect(f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, short, a.output, a.proof))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleProofVerifierFailed")
        .withArgs(r.id, await f.adapter.getAddress(), reason);
      await expectOpenAndRefundable(f, r);
    });

    it("a verifier that answers false", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await requestDigit(f, a, FALSE_MODEL);
      await expect(f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, a.input, a.output, a.proof))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleProofRejected")
        .withArgs(r.id);
      await expectOpenAndRefundable(f, r);
    });

    it("a verifier that reverts", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await requestDigit(f, a, REVERTING_MODEL);
      const reason = f.revertingVerifier.interface.encodeErrorResult("RevertingProofVerifierAlwaysReverts", []);
      await expect(f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, a.input, a.output, a.proof))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleProofVerifierFailed")
        .withArgs(r.id, await f.revertingVerifier.getAddress(), reason);
      await expectOpenAndRefundable(f, r);
    });
  });

  describe("fulfilProofBatch", () => {
    const proofCall = (f: Fixture, r: Emitted, c: ProvenCase, output = c.output, proof = c.proof) =>
      f.oracle.interface.encodeFunctionData("fulfilProof", [r.id, r.request, c.input, output, proof]);

    it("settles every valid item; a rejected one is skipped with its error's selector and stays open", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const ra = await requestDigit(f, a);
      const rb = await requestDigit(f, b);
      const rBad = await requestDigit(f, a);
      const rejected = f.oracle.interface.getError("AIOracleProofRejected")!.selector;
      const tx = f.oracle
        .connect(f.stranger)
        .fulfilProofBatch([proofCall(f, ra, a), proofCall(f, rBad, a, b.output), proofCall(f, rb, b)]);
      await expect(tx)
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(ra.id, f.stranger.address, MODE_PROOF, true, true, 0, ethers.keccak256(a.output));
      await expect(tx)
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(rb.id, f.stranger.address, MODE_PROOF, true, true, 0, ethers.keccak256(b.output));
      await expect(tx).to.emit(f.oracle, "FulfilmentSkipped").withArgs(rBad.id, f.stranger.address, rejected);
      expect((await f.oracle.requestState(ra.id))[0]).to.equal(STATE_FULFILLED);
      expect((await f.oracle.requestState(rb.id))[0]).to.equal(STATE_FULFILLED);
      expect(await f.oracle.servedCount(f.stranger.address)).to.equal(2);
      expect(await f.consumer.results(rb.id)).to.equal(ethers.dataSlice(hex(b.output), 0, 32));
      // the skipped request is untouched and refundable
      expect((await f.oracle.requestState(rBad.id))[0]).to.equal(STATE_PENDING);
      await time.increaseTo(rBad.terms.deadline + 1n);
      await expect(f.oracle.refund(rBad.id, rBad.request))
        .to.emit(f.oracle, "RequestRefunded")
        .withArgs(rBad.id, f.requester.address, rBad.totalWei);
    });

    it("skips an item already fulfilled and a verifier that reverts, keeping the rest", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const ra = await requestDigit(f, a);
      const rRev = await requestDigit(f, a, REVERTING_MODEL);
      await f.oracle.connect(f.stranger).fulfilProof(ra.id, ra.request, a.input, a.output, a.proof);
      const rb = await requestDigit(f, b);
      const iface = f.oracle.interface;
      const tx = f.oracle
        .connect(f.nodeA)
        .fulfilProofBatch([proofCall(f, ra, a), proofCall(f, rRev, a), proofCall(f, rb, b)]);
      await expect(tx)
        .to.emit(f.oracle, "FulfilmentSkipped")
        .withArgs(ra.id, f.nodeA.address, iface.getError("AIOracleInvalidState")!.selector);
      await expect(tx)
        .to.emit(f.oracle, "FulfilmentSkipped")
        .withArgs(rRev.id, f.nodeA.address, iface.getError("AIOracleProofVerifierFailed")!.selector);
      await expect(tx)
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(rb.id, f.nodeA.address, MODE_PROOF, true, true, 0, ethers.keccak256(b.output));
      expect((await f.oracle.requestState(rRev.id))[0]).to.equal(STATE_PENDING);
    });

    it("refuses an item that is not fulfilProof calldata (no other library function is reachable)", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await requestDigit(f, a);
      const fulfil = f.oracle.interface.encodeFunctionData("fulfil", [r.id, r.request, a.output, 0]);
      await expect(f.oracle.connect(f.stranger).fulfilProofBatch([proofCall(f, r, a), fulfil]))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleNotProofCall")
        .withArgs(1, fulfil.slice(0, 10));
      const selector = f.oracle.interface.getFunction("fulfilProof")!.selector;
      await expect(f.oracle.connect(f.stranger).fulfilProofBatch([selector]))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleNotProofCall")
        .withArgs(0, selector);
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_PENDING);
    });

    it("is paused with the oracle; an empty batch does nothing", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await requestDigit(f, a);
      await expect(f.oracle.connect(f.stranger).fulfilProofBatch([])).to.not.emit(f.oracle, "RequestFulfilled");
      await f.oracle.connect(f.admin).pause();
      await expect(f.oracle.connect(f.stranger).fulfilProofBatch([proofCall(f, r, a)])).to.be.revertedWithCustomError(
        f.oracle,
        "EnforcedPause",
      );
    });
  });

  describe("refusals", () => {
    it("plain fulfil and fulfilBatch refuse a Proof request (wrong mode), even from the assigned node", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await requestDigit(f, a);
      expect(r.terms.nodes).to.deep.equal([f.nodeA.address]);
      await expect(f.oracle.connect(f.nodeA).fulfil(r.id, r.request, a.output, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleWrongMode")
        .withArgs(r.id, MODE_PROOF);
      const selector = f.oracle.interface.getError("AIOracleWrongMode")!.selector;
      await expect(f.oracle.connect(f.nodeA).fulfilBatch([r.id], [r.request], [a.output], [0]))
        .to.emit(f.oracle, "FulfilmentSkipped")
        .withArgs(r.id, f.nodeA.address, selector);
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_PENDING);
    });

    it("fulfilProof refuses a request of another mode", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await sendRequest(f, 1, { input: hex(a.input) });
      await expect(f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, a.input, a.output, a.proof))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleWrongMode")
        .withArgs(r.id, 0);
    });

    it("fulfilProof refuses a wrong request, an expired request and an oversized output", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await requestDigit(f, a);
      await expect(
        f.oracle
          .connect(f.stranger)
          .fulfilProof(r.id, { ...r.request, requester: f.stranger.address }, a.input, a.output, a.proof),
      )
        .to.be.revertedWithCustomError(f.oracle, "AIOracleRequestMismatch")
        .withArgs(r.id);
      const big = new Uint8Array(Number(CONFIG.maxOutputBytes) + 1);
      await expect(f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, a.input, big, a.proof))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleOutputTooLarge")
        .withArgs(big.length, CONFIG.maxOutputBytes);
      await time.increaseTo(r.terms.deadline + 1n);
      await expect(f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, a.input, a.output, a.proof))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleRequestExpired")
        .withArgs(r.id, r.terms.deadline);
    });

    it("fulfilProof is paused with the oracle", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const r = await requestDigit(f, a);
      await f.oracle.connect(f.admin).pause();
      await expect(
        f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, a.input, a.output, a.proof),
      ).to.be.revertedWithCustomError(f.oracle, "EnforcedPause");
    });
  });

  describe("ModelRegistry Proof mode", () => {
    it("registers the verifier with its vk hash", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const reg = f.registry.connect(f.modelOwner);
      const id = (await f.registry.modelCount()) + 1n;
      await expect(reg.registerProofModel(WEIGHTS_HASH, "ipfs://p", MODEL_FEE_WEI, f.adapter, MANIFEST.vkHash))
        .to.emit(f.registry, "ProofVerifierSet")
        .withArgs(id, await f.adapter.getAddress(), MANIFEST.vkHash);
      expect(await f.registry.proofVerifierOf(id)).to.equal(await f.adapter.getAddress());
      expect((await f.registry.modelOf(id)).verification.mode).to.equal(MODE_PROOF);
      expect(await f.registry.proofVerifierOf(1)).to.equal(ethers.ZeroAddress);
    });

    it("refuses a zero verifier, a wrong or zero vk hash", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const reg = f.registry.connect(f.modelOwner);
      await expect(reg.registerProofModel(WEIGHTS_HASH, "u", 0, ethers.ZeroAddress, MANIFEST.vkHash))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryZeroAddress")
        .withArgs("verifier");
      const wrong = ethers.id("another key");
      await expect(reg.registerProofModel(WEIGHTS_HASH, "u", 0, f.adapter, wrong))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryVkHashMismatch")
        .withArgs(await f.adapter.getAddress(), wrong, MANIFEST.vkHash);
      const zeroKey = await (
        await ethers.getContractFactory("Groth16ProofVerifier")
      ).deploy(f.groth16, ethers.ZeroHash, 196, 41, 8);
      await expect(reg.registerProofModel(WEIGHTS_HASH, "u", 0, zeroKey, ethers.ZeroHash))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryVkHashMismatch")
        .withArgs(await zeroKey.getAddress(), ethers.ZeroHash, ethers.ZeroHash);
      await expect(
        reg.registerProofModel(ethers.ZeroHash, "u", 0, f.adapter, MANIFEST.vkHash),
      ).to.be.revertedWithCustomError(f.registry, "ModelRegistryZeroWeightsHash");
    });

    it("Proof mode needs a registered verifier: registerModel and setVerification refuse it without one", async () => {
      const f = await loadFixture(deployProofOracleFixture);
      const reg = f.registry.connect(f.modelOwner);
      const proof = { ...NONE_VERIFICATION, mode: MODE_PROOF };
      const next = (await f.registry.modelCount()) + 1n;
      await expect(reg.registerModel(WEIGHTS_HASH, "u", 0, proof))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryProofVerifierMissing")
        .withArgs(next);
      await expect(reg.setVerification(1, proof))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryProofVerifierMissing")
        .withArgs(1);
      await expect(reg.setVerification(PROOF_MODEL, { ...proof, quorumK: 1 }))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidVerification")
        .withArgs(MODE_PROOF, 1, 0, 0, 0);
      // A Proof model may leave Proof mode and come back to it with its registered verifier.
      await reg.setVerification(PROOF_MODEL, NONE_VERIFICATION);
      await expect(reg.setVerification(PROOF_MODEL, proof))
        .to.emit(f.registry, "VerificationSet")
        .withArgs(PROOF_MODEL, [MODE_PROOF, 0, 0, 0, 0]);
      const r = await requestDigit(f, a);
      expect(r.terms.mode).to.equal(MODE_PROOF);
      expect(r.terms.callbackGasLimit).to.equal(BigInt(CALLBACK_GAS));
    });
  });
});
