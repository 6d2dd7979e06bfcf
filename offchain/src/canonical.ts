/**
 * Canonical classifier output: the bytes a node delivers on-chain, identical on any hardware so that independent
 * CPU and GPU nodes agree bit for bit. Layout: 1 byte argmax label, then one big-endian uint16 per class holding the
 * softmax probability in basis points (0..10000). Softmax is computed in float64 from the float32 logits and rounded
 * half to even; an argmax tie goes to the lowest index. For the 10 digit classes this is 21 bytes.
 */
export const BASIS_POINTS = 10_000;
export const MAX_CLASSES = 256;

export interface Classification {
  label: number;
  scoresBps: number[];
}

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

/** Decodes canonical classification bytes; throws on a malformed encoding. */
export function decodeClassification(bytes: Uint8Array): Classification {
  if (bytes.length < 3 || bytes.length % 2 === 0)
    throw new RangeError(`not a canonical classification: ${bytes.length} bytes`);
  const classes = (bytes.length - 1) / 2;
  const label = bytes[0];
  if (label >= classes) throw new RangeError(`label ${label} is out of range for ${classes} classes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scoresBps: number[] = [];
  for (let i = 0; i < classes; i++) {
    const score = view.getUint16(1 + 2 * i, false);
    if (score > BASIS_POINTS) throw new RangeError(`score ${i} is ${score} bps, above ${BASIS_POINTS}`);
    scoresBps.push(score);
  }
  return { label, scoresBps };
}
