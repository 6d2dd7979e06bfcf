import { type Hex, hexToBytes } from "viem";

/**
 * Canonical classifier output (offchain/src/canonical.ts): 1 byte argmax label, then one big-endian uint16 per class
 * holding the softmax probability in basis points (0..10000). 21 bytes for 10 classes.
 */
export interface Classification {
  /** The argmax class. */
  label: number;
  /** Probability of each class in basis points. */
  scoresBps: number[];
}

export const BASIS_POINTS = 10_000;

/** Decodes canonical classification bytes; throws a RangeError naming what is malformed. */
export function decodeClassification(output: Hex | Uint8Array): Classification {
  const bytes = typeof output === "string" ? hexToBytes(output) : output;
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
