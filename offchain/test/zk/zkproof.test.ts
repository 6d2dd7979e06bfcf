/**
 * The Proof backend end to end off chain: integer output, Groth16 proofs from the worker pool, verified by snarkjs
 * against the committed verification key; bad inputs become error results; the manifest guards the files.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ErrorCode, createBackend, type InferenceBackend, type ModelSpec } from "../../src/backends";
import { ProverPool, ProvingError } from "../../src/backends/proverPool";
import { ProofBackend, encodeProof, loadProofModel } from "../../src/backends/zkproof";
import { circuitInput, decodeProvenClassification, downsample28, packPublicInputs } from "../../src/backends/zkmlp";
import { loadMnist } from "../../scripts/lib/mnist";
import { capturingLogger } from "../backends/helpers";
import { ZK_DIR } from "../helpers/zk";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const snarkjs = require("snarkjs");

const VK = JSON.parse(readFileSync(join(ZK_DIR, "verification_key.json"), "utf8"));

const spec = (overrides: Partial<ModelSpec> = {}): ModelSpec => ({
  modelId: 15n,
  path: ZK_DIR,
  backend: "proof",
  executionProvider: "cpu",
  maxInputBytes: 196,
  ...overrides,
});

/** Decodes the 256-byte proof back into snarkjs' shape (the inverse of encodeProof). */
function decodeProof(bytes: Uint8Array) {
  const w = Array.from({ length: 8 }, (_, i) =>
    BigInt("0x" + Buffer.from(bytes.subarray(32 * i, 32 * i + 32)).toString("hex")).toString(),
  );
  return {
    protocol: "groth16",
    curve: "bn128",
    pi_a: [w[0], w[1], "1"],
    pi_b: [
      [w[3], w[2]],
      [w[5], w[4]],
      ["1", "0"],
    ],
    pi_c: [w[6], w[7], "1"],
  };
}

describe("proof backend (mnist14)", () => {
  let backend: InferenceBackend;
  let digits: { images: Uint8Array[]; labels: number[] };

  before(async () => {
    const { test } = loadMnist();
    digits = {
      images: [test.images[0], test.images[1500]].map(downsample28),
      labels: [test.labels[0], test.labels[1500]],
    };
    backend = await createBackend(spec(), capturingLogger().logger, { proof: { workers: 2 } });
  });
  after(async () => {
    await backend.close();
    // snarkjs.groth16.verify (main thread) starts ffjavascript's shared bn128 thread pool: stop it so the run exits.
    await (await snarkjs.curves.getCurveFromName("bn128")).terminate();
  });

  it("proves two digits in parallel; snarkjs verifies each proof for its own input and output only", async () => {
    const results = await backend.infer(digits.images);
    for (const [n, result] of results.entries()) {
      assert.ok(result.ok && result.proof, JSON.stringify(result));
      assert.equal(result.proof.length, 256);
      assert.equal(decodeProvenClassification(result.output, 10).label, digits.labels[n]);
      const signals = packPublicInputs(digits.images[n], result.output).map(String);
      assert.equal(await snarkjs.groth16.verify(VK, signals, decodeProof(result.proof)), true);
      const other = results[1 - n];
      assert.ok(other.ok);
      const crossed = packPublicInputs(digits.images[1 - n], other.output).map(String);
      assert.equal(await snarkjs.groth16.verify(VK, crossed, decodeProof(result.proof)), false);
    }
  });

  it("answers MalformedInput for an input of the wrong size, and still proves the rest of the batch", async () => {
    const [bad, good] = await backend.infer([new Uint8Array(784), digits.images[0]]);
    assert.deepEqual(bad, {
      ok: false,
      errorCode: ErrorCode.MalformedInput,
      message: "a proof model input is 196 bytes, got 784",
    });
    assert.ok(good.ok && good.proof);
  });

  it("refuses a model directory whose files do not match the manifest", () => {
    const dir = mkdtempSync(join(tmpdir(), "zk-"));
    for (const f of ["manifest.json", "circuit.wasm", "circuit.zkey"]) copyFileSync(join(ZK_DIR, f), join(dir, f));
    const model = JSON.parse(readFileSync(join(ZK_DIR, "model.json"), "utf8"));
    model.b2[0] += 1;
    writeFileSync(join(dir, "model.json"), JSON.stringify(model) + "\n");
    assert.throws(() => loadProofModel(dir), /model\.json hashes to [0-9a-f]{64}, the manifest says/);
    assert.throws(() => loadProofModel(tmpdir()), /has no manifest\.json/);
    assert.throws(() => ProofBackend.create(spec({ path: undefined }), capturingLogger().logger), /needs path/);
  });

  it("a witness the circuit rejects fails the proof with a ProvingError, not the pool", async () => {
    const pool = new ProverPool(join(ZK_DIR, "circuit.wasm"), join(ZK_DIR, "circuit.zkey"), 1);
    try {
      const input = digits.images[0];
      const wrong = circuitInput(input, new Uint8Array(41));
      await assert.rejects(pool.prove(wrong), ProvingError);
      const right = await backend.infer([input]);
      assert.ok(right[0].ok);
      const proven = await pool.prove(circuitInput(input, right[0].output));
      assert.equal(Buffer.from(encodeProof(proven.proof)).length, 256);
    } finally {
      await pool.close();
    }
    await assert.rejects(pool.prove({}), /closed/);
    assert.throws(() => new ProverPool("a", "b", 0), /needs >= 1 worker/);
  });
});
