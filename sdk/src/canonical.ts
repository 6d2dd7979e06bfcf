// The canonical classifier output, encoded by the runner and decoded by integrators, the tasks and the tests. This
// module is the only place that knows the format. No imports, so the runner carries it as it is
// (offchain/src/canonical.ts is a link to this file) without depending on the SDK's other modules or on viem.

/**
 * Canonical classifier output: the bytes a node delivers on chain, identical on any hardware so that independent CPU
 * and GPU nodes agree bit for bit. Layout: 1 byte argmax label, then one big-endian uint16 per class holding the
 * softmax probability in basis points (0..10000). Softmax is computed in float64 from the float32 logits and rounded
 * half to even; an argmax tie goes to the lowest index. For the 10 digit classes this is 21 bytes.
 */
export interface Classification {
  /** The argmax class. */
  label: number;
  /** Probability of each class in basis points. */
  scoresBps: number[];
}

/** What the scores of one classification add up to (up to rounding). */
export const BASIS_POINTS = 10_000;
/** The most classes a canonical classification holds (its label is one byte). */
export const MAX_CLASSES = 256;

/** Thrown for logits no canonical encoding exists for (NaN or ±Infinity): the backend answers InferenceFailed. */
export class NonFiniteLogitsError extends Error {
  constructor(
    readonly index: number,
    readonly value: number,
  ) {
    super(`logit ${index} is ${value}: a classification needs finite logits`);
    this.name = "NonFiniteLogitsError";
  }
}

/** Rounds to the nearest integer, ties to the even one (banker's rounding). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Encodes the logits of one item (between 1 and 256 classes) canonically. */
export function encodeClassification(logits: Float32Array): Uint8Array {
  const classes = logits.length;
  if (classes < 1 || classes > MAX_CLASSES)
    throw new RangeError(`a classification has 1..${MAX_CLASSES} classes, got ${classes}`);
  let label = 0;
  for (let i = 0; i < classes; i++) {
    if (!Number.isFinite(logits[i])) throw new NonFiniteLogitsError(i, logits[i]);
    if (logits[i] > logits[label]) label = i;
  }
  const max = logits[label];
  const exps = Array.from(logits, (logit) => Math.exp(logit - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(1 + 2 * classes);
  const view = new DataView(out.buffer);
  out[0] = label;
  exps.forEach((e, i) => view.setUint16(1 + 2 * i, roundHalfEven((e / sum) * BASIS_POINTS), false));
  return out;
}

function bytesOf(output: `0x${string}` | Uint8Array): Uint8Array {
  if (typeof output !== "string") return output;
  const hex = output.slice(2);
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex))
    throw new RangeError(`not a canonical classification: ${output} is not whole bytes of hex`);
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Decodes canonical classification bytes (or their 0x-hex); throws a RangeError naming what is malformed. */
export function decodeClassification(output: `0x${string}` | Uint8Array): Classification {
  const bytes = bytesOf(output);
  if (bytes.length < 3 || bytes.length % 2 === 0)
    throw new RangeError(`not a canonical classification: ${bytes.length} bytes (expected 1 + 2 x classes)`);
  const classes = (bytes.length - 1) / 2;
  const label = bytes[0];
  if (label >= classes) throw new RangeError(`label ${label} is out of range for ${classes} classes`);
  const scoresBps: number[] = [];
  for (let i = 0; i < classes; i++) {
    const score = (bytes[1 + 2 * i] << 8) | bytes[2 + 2 * i];
    if (score > BASIS_POINTS) throw new RangeError(`score ${i} is ${score} bps, above ${BASIS_POINTS}`);
    scoresBps.push(score);
  }
  return { label, scoresBps };
}

/**
 * A Proof-mode model's proven classification: the argmax label and the integer logits the circuit computed. Layout:
 * 1 byte label, then one big-endian two's-complement int32 per class (41 bytes for 10 classes). No floating point:
 * the runner's integer inference, the circom circuit and the on-chain binding agree bit for bit.
 */
export interface ProvenClassification {
  /** The argmax class (lowest index on ties). */
  label: number;
  /** The integer logit of each class. */
  logits: number[];
}

/** Encodes a proven classification (label, then big-endian int32 logits). */
export function encodeProvenClassification(result: ProvenClassification): Uint8Array {
  const out = new Uint8Array(1 + 4 * result.logits.length);
  const view = new DataView(out.buffer);
  out[0] = result.label;
  result.logits.forEach((logit, k) => view.setInt32(1 + 4 * k, logit, false));
  return out;
}

/**
 * Decodes proven classification bytes (or their 0x-hex); `classes`, when given, must match the length. Throws a
 * RangeError naming what is malformed.
 */
export function decodeProvenClassification(output: `0x${string}` | Uint8Array, classes?: number): ProvenClassification {
  const bytes = bytesOf(output);
  const n = classes ?? (bytes.length - 1) / 4;
  if (!Number.isInteger(n) || n < 1 || bytes.length !== 1 + 4 * n)
    throw new RangeError(
      classes === undefined
        ? `not a proven classification: ${bytes.length} bytes (expected 1 + 4 x classes)`
        : `a proven classification of ${classes} classes is ${1 + 4 * classes} bytes`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const logits = Array.from({ length: n }, (_, k) => view.getInt32(1 + 4 * k, false));
  if (bytes[0] >= n) throw new RangeError(`label ${bytes[0]} is out of range for ${n} classes`);
  return { label: bytes[0], logits };
}
