import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  BASIS_POINTS,
  NonFiniteLogitsError,
  decodeClassification,
  encodeClassification,
  roundHalfEven,
} from "../src/canonical";

const NUM_RUNS = process.env.DEEP ? 20_000 : 1_000;
const SEED = 7;

/** Plain-array reference: argmax with lowest-index ties, float64 softmax, banker's rounding. */
function reference(logits: number[]): number[] {
  let label = 0;
  logits.forEach((v, i) => {
    if (v > logits[label]) label = i;
  });
  const exps = logits.map((v) => Math.exp(v - logits[label]));
  const sum = exps.reduce((a, b) => a + b, 0);
  return [label, ...exps.map((e) => roundHalfEven((e / sum) * BASIS_POINTS))];
}

describe("canonical classification encoding", () => {
  it("encodes 10 classes as 21 bytes: the label then big-endian uint16 basis points", () => {
    const logits = new Float32Array([0, 0, 0, 5, 0, 0, 0, 0, 0, 0]);
    const bytes = encodeClassification(logits);
    assert.equal(bytes.length, 21);
    assert.equal(bytes[0], 3);
    const e5 = Math.exp(5);
    const top = roundHalfEven((e5 / (e5 + 9)) * BASIS_POINTS);
    const rest = roundHalfEven((1 / (e5 + 9)) * BASIS_POINTS);
    assert.equal((bytes[1 + 2 * 3] << 8) | bytes[2 + 2 * 3], top);
    assert.equal((bytes[1] << 8) | bytes[2], rest);
    assert.deepEqual(decodeClassification(bytes), {
      label: 3,
      scoresBps: Array.from({ length: 10 }, (_, i) => (i === 3 ? top : rest)),
    });
  });

  it("gives uniform logits 1000 bps each and label 0", () => {
    const { label, scoresBps } = decodeClassification(encodeClassification(new Float32Array(10).fill(-3.25)));
    assert.equal(label, 0);
    assert.deepEqual(scoresBps, new Array(10).fill(1000));
  });

  it("breaks an argmax tie towards the lowest index", () => {
    const logits = new Float32Array([1, 7, 2, 7, 7, 0, 0, 0, 0, 0]);
    assert.equal(encodeClassification(logits)[0], 1);
  });

  it("rounds exact halves to the even neighbour", () => {
    assert.deepEqual([0.5, 1.5, 2.5, 3.5, -0.5, 2.4999, 2.5001].map(roundHalfEven), [0, 2, 2, 4, 0, 2, 3]);
    // Two classes with probabilities 0.75/0.25 → 7500/2500 exactly; three equal → 3333.33.. → 3333.
    const three = decodeClassification(encodeClassification(new Float32Array([1, 1, 1])));
    assert.deepEqual(three.scoresBps, [3333, 3333, 3333]);
    const quarter = decodeClassification(encodeClassification(new Float32Array([Math.log(3), 0])));
    assert.deepEqual(quarter.scoresBps, [7500, 2500]);
  });

  it("stays finite for huge and tiny logits", () => {
    const { label, scoresBps } = decodeClassification(encodeClassification(new Float32Array([-3e38, 3e38, 0, 1])));
    assert.equal(label, 1);
    assert.deepEqual(scoresBps, [0, BASIS_POINTS, 0, 0]);
  });

  for (const bad of [NaN, Infinity, -Infinity]) {
    it(`refuses a ${bad} logit with NonFiniteLogitsError`, () => {
      const logits = new Float32Array(10);
      logits[4] = bad;
      assert.throws(
        () => encodeClassification(logits),
        (e: unknown) => e instanceof NonFiniteLogitsError && e.index === 4,
      );
    });
  }

  it("refuses zero or more than 256 classes", () => {
    assert.throws(() => encodeClassification(new Float32Array(0)), RangeError);
    assert.throws(() => encodeClassification(new Float32Array(257)), RangeError);
  });

  it("rejects malformed encodings when decoding", () => {
    assert.throws(() => decodeClassification(new Uint8Array(0)), RangeError);
    assert.throws(() => decodeClassification(new Uint8Array(20)), RangeError);
    const labelOutOfRange = new Uint8Array(21);
    labelOutOfRange[0] = 10;
    assert.throws(() => decodeClassification(labelOutOfRange), /label 10/);
    const scoreTooHigh = new Uint8Array(21);
    scoreTooHigh[1] = 0xff;
    assert.throws(() => decodeClassification(scoreTooHigh), /bps/);
  });

  it("matches the reference encoding and is deterministic for any finite float32 logits", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), {
          minLength: 1,
          maxLength: 32,
        }),
        (values) => {
          const logits = new Float32Array(values);
          const first = encodeClassification(logits);
          assert.deepEqual(encodeClassification(Float32Array.from(logits)), first);
          const { label, scoresBps } = decodeClassification(first);
          assert.deepEqual([label, ...scoresBps], reference(Array.from(logits)));
          const total = scoresBps.reduce((a, b) => a + b, 0);
          assert.ok(Math.abs(total - BASIS_POINTS) <= logits.length, `scores sum to ${total}`);
        },
      ),
      { numRuns: NUM_RUNS, seed: SEED },
    );
  });
});
