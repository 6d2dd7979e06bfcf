import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { IMAGE_BYTES, loadMnist, type DigitSet } from "./mnist";

/**
 * The held-out digits as one binary file (per digit: 1 label byte, then 784 image bytes), so the GPU bundle can
 * carry the test set without the `mnist` package.
 */
export function writeHeldout(path: string, set: DigitSet): void {
  const out = Buffer.alloc(set.images.length * (1 + IMAGE_BYTES));
  set.images.forEach((image, n) => {
    out[n * (1 + IMAGE_BYTES)] = set.labels[n];
    out.set(image, n * (1 + IMAGE_BYTES) + 1);
  });
  writeFileSync(path, out);
}

export function readHeldout(path: string): DigitSet {
  const raw = readFileSync(path);
  if (raw.length % (1 + IMAGE_BYTES) !== 0) throw new Error(`${path} is not a held-out digits file`);
  const set: DigitSet = { images: [], labels: [] };
  for (let at = 0; at < raw.length; at += 1 + IMAGE_BYTES) {
    set.labels.push(raw[at]);
    set.images.push(new Uint8Array(raw.subarray(at + 1, at + 1 + IMAGE_BYTES)));
  }
  return set;
}

/** The held-out digits from a file written by writeHeldout when given and present, else from the mnist package. */
export function loadHeldout(path?: string): DigitSet {
  return path && existsSync(path) ? readHeldout(path) : loadMnist().test;
}
