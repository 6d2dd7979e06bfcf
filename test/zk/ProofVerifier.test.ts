import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { packPublicInputs } from "../../offchain/src/backends/zkmlp";
import { generateCircuit } from "../../zk/circuit";
import { vkHash } from "../../zk/vk";
import {
  MANIFEST,
  MODEL,
  P,
  ZK_DIR,
  VERIFICATION_KEY,
  proofWords,
  provenDigit,
  wordsToProof,
  type ProvenCase,
} from "./helpers";
import { deployMnist14Verifier } from "./deploy";

const INPUT_BYTES = 196;
const OUTPUT_BYTES = 41;
const PUBLIC_INPUTS = 8;

async function deployProofFixture() {
  const { groth16, adapter } = await deployMnist14Verifier();
  const harness = await (await ethers.getContractFactory("ProofBindingHarness")).deploy();
  const probe = await (await ethers.getContractFactory("ProofVerifierProbe")).deploy();
  return { groth16, adapter, harness, probe };
}

describe("Groth16ProofVerifier (mnist14, real proofs)", function () {
  // Two real proofs are generated once (about a second each).
  this.timeout(120_000);
  let a: ProvenCase;
  let b: ProvenCase;

  before(async () => {
    a = await provenDigit(0);
    b = await provenDigit(1500);
    expect(a.label).to.not.equal(b.label);
  });

  describe("when the proof is valid", () => {
    it("accepts the proof for its own input and output", async () => {
      const { adapter } = await loadFixture(deployProofFixture);
      expect(await adapter.verify(a.input, a.output, a.proof)).to.equal(true);
      expect(await adapter.verify(b.input, b.output, b.proof)).to.equal(true);
    });

    it("verifies in a transaction and emits the result", async () => {
      const { adapter, probe } = await loadFixture(deployProofFixture);
      await expect(probe.check(adapter, a.input, a.output, a.proof))
        .to.emit(probe, "ProofChecked")
        .withArgs(await adapter.getAddress(), true);
    });

    it("exposes its verifier, sizes and the hash of the committed verification key", async () => {
      const { adapter, groth16 } = await loadFixture(deployProofFixture);
      expect(await adapter.groth16()).to.equal(await groth16.getAddress());
      expect(await adapter.inputBytes()).to.equal(INPUT_BYTES);
      expect(await adapter.outputBytes()).to.equal(OUTPUT_BYTES);
      expect(await adapter.vkHash()).to.equal(MANIFEST.vkHash);
      expect(vkHash(VERIFICATION_KEY)).to.equal(MANIFEST.vkHash);
    });
  });

  describe("when the proof does not bind this input and output", () => {
    it("rejects a swapped output (another label, another logit)", async () => {
      const { adapter } = await loadFixture(deployProofFixture);
      const label = Uint8Array.from(a.output);
      label[0] = (label[0] + 1) % 10;
      expect(await adapter.verify(a.input, label, a.proof)).to.equal(false);
      const logit = Uint8Array.from(a.output);
      logit[OUTPUT_BYTES - 1] ^= 1;
      expect(await adapter.verify(a.input, logit, a.proof)).to.equal(false);
      expect(await adapter.verify(a.input, b.output, a.proof)).to.equal(false);
    });

    it("rejects a proof generated for another request's input", async () => {
      const { adapter } = await loadFixture(deployProofFixture);
      expect(await adapter.verify(a.input, a.output, b.proof)).to.equal(false);
      const pixel = Uint8Array.from(a.input);
      pixel[100] ^= 1;
      expect(await adapter.verify(pixel, a.output, a.proof)).to.equal(false);
    });

    it("rejects tampered proofs (each point negated, G2 coordinates swapped)", async () => {
      const { adapter } = await loadFixture(deployProofFixture);
      const w = proofWords(a.proof);
      const negA = [w[0], P - w[1], ...w.slice(2)];
      const negC = [...w.slice(0, 7), P - w[7]];
      const swappedB = [w[0], w[1], w[3], w[2], w[5], w[4], w[6], w[7]];
      for (const words of [negA, negC, swappedB]) {
        expect(await adapter.verify(a.input, a.output, wordsToProof(words))).to.equal(false);
      }
    });

    it("answers false for a G2 point off the curve (the pairing precompile refuses it)", async () => {
      const { adapter } = await loadFixture(deployProofFixture);
      const w = proofWords(a.proof);
      w[2] = (w[2] + 1n) % P;
      expect(await adapter.verify(a.input, a.output, wordsToProof(w))).to.equal(false);
    });
  });

  describe("when the call is malformed", () => {
    it("reverts on a proof that is not 256 bytes", async () => {
      const { adapter } = await loadFixture(deployProofFixture);
      await expect(adapter.verify(a.input, a.output, a.proof.subarray(0, 255)))
        .to.be.revertedWithCustomError(adapter, "ProofVerifierProofLength")
        .withArgs(256, 255);
      await expect(adapter.verify(a.input, a.output, "0x"))
        .to.be.revertedWithCustomError(adapter, "ProofVerifierProofLength")
        .withArgs(256, 0);
    });

    it("reverts on an input or output of the wrong size", async () => {
      const { adapter } = await loadFixture(deployProofFixture);
      await expect(adapter.verify(a.input.subarray(1), a.output, a.proof))
        .to.be.revertedWithCustomError(adapter, "ProofVerifierInputLength")
        .withArgs(INPUT_BYTES, INPUT_BYTES - 1);
      await expect(adapter.verify(a.input, Uint8Array.from([...a.output, 0]), a.proof))
        .to.be.revertedWithCustomError(adapter, "ProofVerifierOutputLength")
        .withArgs(OUTPUT_BYTES, OUTPUT_BYTES + 1);
    });

    it("reverts on a coordinate outside the base field, naming the word", async () => {
      const { adapter } = await loadFixture(deployProofFixture);
      for (const index of [0, 3, 7]) {
        const w = proofWords(a.proof);
        w[index] += P;
        if (w[index] >= 2n ** 256n) w[index] = P;
        await expect(adapter.verify(a.input, a.output, wordsToProof(w)))
          .to.be.revertedWithCustomError(adapter, "ProofVerifierCoordinateOutOfField")
          .withArgs(index, w[index]);
      }
    });

    it("reverts on a G1 point off the curve (a or c), and on the point at infinity", async () => {
      const { adapter } = await loadFixture(deployProofFixture);
      const w = proofWords(a.proof);
      const offA = [w[0], (w[1] + 1n) % P, ...w.slice(2)];
      await expect(adapter.verify(a.input, a.output, wordsToProof(offA)))
        .to.be.revertedWithCustomError(adapter, "ProofVerifierPointNotOnCurve")
        .withArgs(0, offA[0], offA[1]);
      const zeroC = [...w.slice(0, 6), 0n, 0n];
      await expect(adapter.verify(a.input, a.output, wordsToProof(zeroC)))
        .to.be.revertedWithCustomError(adapter, "ProofVerifierPointNotOnCurve")
        .withArgs(2, 0, 0);
    });
  });

  describe("when the Groth16 verifier misbehaves", () => {
    for (const [answer, name] of [
      [0, "reverts"],
      [1, "answers nothing"],
      [2, "answers a word that is no bool"],
    ] as const) {
      it(`reverts with ProofVerifierCallFailed when it ${name}`, async () => {
        const mock = await (await ethers.getContractFactory("Groth16AnswerMock")).deploy(answer);
        const adapter = await (
          await ethers.getContractFactory("Groth16ProofVerifier")
        ).deploy(mock, MANIFEST.vkHash, INPUT_BYTES, OUTPUT_BYTES, PUBLIC_INPUTS);
        await expect(adapter.verify(a.input, a.output, a.proof))
          .to.be.revertedWithCustomError(adapter, "ProofVerifierCallFailed")
          .withArgs(await mock.getAddress());
      });
    }

    it("still checks sizes and points before trusting even an accept-all verifier", async () => {
      const mock = await (await ethers.getContractFactory("Groth16AnswerMock")).deploy(3);
      const adapter = await (
        await ethers.getContractFactory("Groth16ProofVerifier")
      ).deploy(mock, MANIFEST.vkHash, INPUT_BYTES, OUTPUT_BYTES, PUBLIC_INPUTS);
      expect(await adapter.verify(a.input, b.output, a.proof)).to.equal(true);
      await expect(adapter.verify(a.input, a.output.subarray(1), a.proof))
        .to.be.revertedWithCustomError(adapter, "ProofVerifierOutputLength")
        .withArgs(OUTPUT_BYTES, OUTPUT_BYTES - 1);
    });
  });

  it("refuses to deploy with a public input count that does not match the sizes", async () => {
    const { groth16 } = await loadFixture(deployProofFixture);
    const factory = await ethers.getContractFactory("Groth16ProofVerifier");
    await expect(factory.deploy(groth16, MANIFEST.vkHash, INPUT_BYTES, OUTPUT_BYTES, 7))
      .to.be.revertedWithCustomError(factory, "ProofVerifierPublicInputs")
      .withArgs(INPUT_BYTES, OUTPUT_BYTES, 7);
    await expect(factory.deploy(groth16, MANIFEST.vkHash, 0, 0, 0))
      .to.be.revertedWithCustomError(factory, "ProofVerifierPublicInputs")
      .withArgs(0, 0, 0);
  });

  describe("phase-B verifier mocks", () => {
    it("RevertingProofVerifier reverts and FalseProofVerifier answers false", async () => {
      const reverting = await (await ethers.getContractFactory("RevertingProofVerifier")).deploy();
      const falsy = await (await ethers.getContractFactory("FalseProofVerifier")).deploy();
      await expect(reverting.verify(a.input, a.output, a.proof)).to.be.revertedWithCustomError(
        reverting,
        "RevertingProofVerifierAlwaysReverts",
      );
      expect(await falsy.verify(a.input, a.output, a.proof)).to.equal(false);
      for (const mock of [reverting, falsy]) {
        expect(await mock.groth16()).to.equal(await mock.getAddress());
        expect(await mock.inputBytes()).to.equal(0);
        expect(await mock.outputBytes()).to.equal(0);
      }
      expect(await reverting.vkHash()).to.equal(ethers.id("reverting"));
      expect(await falsy.vkHash()).to.equal(ethers.id("false"));
    });
  });
});

describe("ProofBinding", () => {
  it("packs input ‖ output exactly as the runner and the circuit do (property)", async () => {
    const { harness } = await loadFixture(deployProofFixture);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 70 }), async (input, output) => {
        const chunks = await harness.publicInputs(input, output, input.length, output.length);
        expect(chunks).to.deep.equal(packPublicInputs(input, output));
      }),
      { numRuns: 40, seed: 15 },
    );
  });

  it("reverts with the expected and actual sizes", async () => {
    const { harness, adapter } = await loadFixture(deployProofFixture);
    await expect(harness.publicInputs("0x0102", "0x", 3, 0))
      .to.be.revertedWithCustomError(adapter, "ProofVerifierInputLength")
      .withArgs(3, 2);
    await expect(harness.publicInputs("0x", "0x01", 0, 2))
      .to.be.revertedWithCustomError(adapter, "ProofVerifierOutputLength")
      .withArgs(2, 1);
  });
});

describe("zk:build artifacts (mnist14)", () => {
  const file = (name: string) => readFileSync(join(ZK_DIR, name));

  it("commit the circuit generated from the committed weights, and the trained model's weights", () => {
    expect(file("circuit.circom").toString()).to.equal(generateCircuit(MODEL, "circomlib"));
    const trained = JSON.parse(readFileSync(join(ZK_DIR, "..", "..", "models", "mnist14.json"), "utf8"));
    expect(trained.model).to.deep.equal(MODEL);
  });

  it("match the manifest's hashes, constraint count and sizes", () => {
    for (const [name, sha] of Object.entries(MANIFEST.sha256 as Record<string, string>)) {
      expect(createHash("sha256").update(file(name)).digest("hex"), name).to.equal(sha);
    }
    expect(MANIFEST.publicInputs).to.equal(PUBLIC_INPUTS);
    expect([MANIFEST.inputBytes, MANIFEST.outputBytes]).to.deep.equal([INPUT_BYTES, OUTPUT_BYTES]);
    expect(MANIFEST.constraints).to.be.greaterThan(0);
  });
});
