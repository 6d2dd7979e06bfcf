/**
 * The runner's integer inference against the circuit itself: the circuit's witness generator checks every
 * constraint, including `chunk === bytes(input ‖ output)`, so a witness exists only when the runner's output is
 * exactly the circuit's. A sample runs in `npm test`; DEEP=1 runs 1,000 random and 1,000 real digits.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import fc from "fast-check";
import {
  CHUNK_BYTES,
  ProofInputError,
  circuitInput,
  decodeProvenClassification,
  downsample28,
  encodeProvenClassification,
  inferInteger,
  logitBound,
  outputBytes,
  packPublicInputs,
  publicInputCount,
  validateModel,
  type QuantisedMlp,
} from "../../src/backends/zkmlp";
import { loadMnist } from "../../scripts/lib/mnist";
import { Prng } from "../../scripts/lib/prng";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { WitnessCalculatorBuilder } = require("circom_runtime");

import { ZK_DIR } from "../helpers/zk";
const DEEP = process.env.DEEP === "1";
const RANDOM_SAMPLES = DEEP ? 1000 : 60;
const REAL_SAMPLES = DEEP ? 1000 : 60;

interface WitnessCalculator {
  calculateWitness(input: Record<string, string[]>, sanityCheck: boolean): Promise<bigint[]>;
}

const model: QuantisedMlp = JSON.parse(readFileSync(join(ZK_DIR, "model.json"), "utf8"));
let calculator: WitnessCalculator;

/** Whether the circuit accepts `output` for `input` (a witness exists). */
async function circuitAccepts(input: Uint8Array, output: Uint8Array): Promise<boolean> {
  try {
    await calculator.calculateWitness(circuitInput(input, output), true);
    return true;
  } catch {
    return false;
  }
}

async function assertCircuitAgrees(input: Uint8Array): Promise<void> {
  const output = encodeProvenClassification(inferInteger(model, input));
  assert.ok(
    await circuitAccepts(input, output),
    `circuit rejects the runner's output for ${Buffer.from(input).toString("hex")}`,
  );
}

describe("zk integer MLP (mnist14) against its circuit", () => {
  before(async () => {
    calculator = await WitnessCalculatorBuilder(readFileSync(join(ZK_DIR, "circuit.wasm")));
  });

  it("has the committed shape: 196 bytes in, 41 bytes out, 8 public inputs, int32-safe logits", () => {
    validateModel(model);
    assert.equal(model.inputs, 196);
    assert.equal(outputBytes(model), 41);
    assert.equal(publicInputCount(model), 8);
    assert.ok(logitBound(model) < 2 ** 31);
  });

  it(`agrees with the circuit on ${RANDOM_SAMPLES} random inputs`, async () => {
    const prng = new Prng(15);
    for (let n = 0; n < RANDOM_SAMPLES; n++) {
      const input = Uint8Array.from({ length: model.inputs }, () => prng.int(256));
      await assertCircuitAgrees(input);
    }
  });

  it(`agrees with the circuit on ${REAL_SAMPLES} held-out digits`, async () => {
    const { test } = loadMnist();
    const step = Math.max(1, Math.floor(test.images.length / REAL_SAMPLES));
    let checked = 0;
    for (let n = 0; n < test.images.length && checked < REAL_SAMPLES; n += step, checked++) {
      await assertCircuitAgrees(downsample28(test.images[n]));
    }
    assert.equal(checked, REAL_SAMPLES);
  });

  it("property: the circuit accepts the runner's output and rejects any other label or logit", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 196, maxLength: 196 }),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: -3, max: 3 }).filter((d) => d !== 0),
        async (input, k, delta) => {
          const result = inferInteger(model, input);
          assert.ok(await circuitAccepts(input, encodeProvenClassification(result)));
          const otherLabel = { ...result, label: (result.label + 1 + (k % 9)) % 10 };
          assert.equal(await circuitAccepts(input, encodeProvenClassification(otherLabel)), false);
          const logits = [...result.logits];
          logits[k] += delta;
          assert.equal(await circuitAccepts(input, encodeProvenClassification({ ...result, logits })), false);
        },
      ),
      { numRuns: DEEP ? 200 : 15, seed: 1504 },
    );
  });

  it("breaks argmax ties towards the lowest index (the rule the circuit enforces)", () => {
    // An all-zero model output ties every class: label 0 is the only one the circuit accepts.
    const flat: QuantisedMlp = { ...model, w2: model.w2.map((row) => row.map(() => 0)), b2: model.b2.map(() => 7) };
    const result = inferInteger(flat, new Uint8Array(196));
    assert.equal(result.label, 0);
    assert.deepEqual(result.logits, new Array(10).fill(7));
  });

  it("rejects inputs of the wrong size with the sizes named", () => {
    assert.throws(
      () => inferInteger(model, new Uint8Array(195)),
      (e: unknown) => {
        assert.ok(e instanceof ProofInputError);
        assert.equal(e.expected, 196);
        assert.equal(e.actual, 195);
        return true;
      },
    );
    assert.throws(() => downsample28(new Uint8Array(783)), ProofInputError);
  });

  it("encodes and decodes proven classifications (int32 two's complement, big-endian)", () => {
    const value = { label: 3, logits: [-1, 0, 1, -(2 ** 31), 2 ** 31 - 1, 5, 6, 7, 8, 9] };
    const bytes = encodeProvenClassification(value);
    assert.equal(Buffer.from(bytes.subarray(1, 5)).toString("hex"), "ffffffff");
    assert.deepEqual(decodeProvenClassification(bytes, 10), value);
    assert.throws(() => decodeProvenClassification(bytes.subarray(1), 10), /41 bytes/);
    const badLabel = Uint8Array.from(bytes);
    badLabel[0] = 10;
    assert.throws(() => decodeProvenClassification(badLabel, 10), /label 10/);
  });

  it("packs input ‖ output into 31-byte big-endian chunks, the last one short", () => {
    const input = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
    const output = Uint8Array.from([0xaa, 0xbb]);
    const chunks = packPublicInputs(input, output);
    assert.equal(chunks.length, 2);
    assert.equal(chunks[0], BigInt("0x" + Buffer.from(input.subarray(0, CHUNK_BYTES)).toString("hex")));
    assert.equal(chunks[1], BigInt("0x" + Buffer.from([...input.subarray(CHUNK_BYTES), 0xaa, 0xbb]).toString("hex")));
  });

  it("validateModel names what does not fit", () => {
    assert.throws(() => validateModel({ ...model, w1: model.w1.slice(1) }), /w1 must be 64x196/);
    assert.throws(() => validateModel({ ...model, b2: [1] }), /bias lengths/);
    assert.throws(() => validateModel({ ...model, b1: [0.5, ...model.b1.slice(1)] }), /not an integer/);
    assert.throws(() => validateModel({ ...model, accBits: 10 }), /accBits 10/);
    assert.throws(() => validateModel({ ...model, shift: -1 }), /bad shift/);
    assert.throws(() => validateModel({ ...model, w2: model.w2.map((r) => r.map(() => 2 ** 20)) }), /overflow int32/);
  });
});
