import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import {
  createBackend,
  ErrorCode,
  type InferenceBackend,
  type InferenceResult,
  type ModelSpec,
} from "../../src/backends";
import { decodeClassification } from "../../src/canonical";
import { ModelHashMismatchError, hashModelFile, verifyModelHash } from "../../src/modelHash";
import { bundledModelPath, probeExecutionProviders } from "../../src/providers";
import { Mlp } from "../../scripts/lib/mlp";
import { loadMnist, type MnistSplit } from "../../scripts/lib/mnist";
import { exportMlp } from "../../scripts/lib/onnxExport";
import { Prng } from "../../scripts/lib/prng";
import { capturingLogger } from "./helpers";

const MODEL = bundledModelPath();
const MANIFEST = JSON.parse(readFileSync(join(MODEL, "..", "models.json"), "utf8"));

const spec = (overrides: Partial<ModelSpec> = {}): ModelSpec => ({
  modelId: 1n,
  path: MODEL,
  backend: "onnx",
  executionProvider: "cpu",
  maxInputBytes: 1024,
  ...overrides,
});

const label = (result: InferenceResult): number => {
  assert.ok(result.ok, `expected a result, got ${JSON.stringify(result)}`);
  return decodeClassification(result.output).label;
};

describe("onnx backend on the bundled digit model", () => {
  let data: MnistSplit;
  let backend: InferenceBackend;

  before(async () => {
    data = loadMnist();
    backend = await createBackend(spec(), capturingLogger().logger);
  });
  after(() => backend.close());

  it("classifies the held-out digits at ≥ 95% through onnxruntime, as recorded in models.json", async () => {
    const { images, labels } = data.test;
    let correct = 0;
    for (let start = 0; start < images.length; start += 256) {
      const results = await backend.infer(images.slice(start, start + 256));
      results.forEach((r, k) => (correct += label(r) === labels[start + k] ? 1 : 0));
    }
    const accuracy = correct / images.length;
    assert.ok(accuracy >= 0.95, `held-out accuracy ${accuracy}`);
    assert.equal(correct, MANIFEST.models.small.accuracy.correct);
    assert.equal(images.length, MANIFEST.models.small.accuracy.testSetSize);
  });

  it("delivers the same bytes for an item batched or alone", async () => {
    const images = data.test.images.filter((_, n) => n % 31 === 0);
    const batched = await backend.infer(images);
    for (let k = 0; k < images.length; k++) {
      const [single] = await backend.infer([images[k]]);
      assert.deepEqual(single, batched[k]);
    }
  });

  it("gives every item the result it gets alone, whatever batch it lands in", async () => {
    const pool = data.test.images.slice(0, 64);
    const alone = new Map<number, InferenceResult>();
    for (let k = 0; k < pool.length; k++) alone.set(k, (await backend.infer([pool[k]]))[0]);
    const bad = [new Uint8Array(12), new Uint8Array(1025)];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -bad.length, max: pool.length - 1 }), { maxLength: 96 }),
        async (picks) => {
          const results = await backend.infer(picks.map((k) => (k < 0 ? bad[-k - 1] : pool[k])));
          picks.forEach((k, i) => {
            if (k >= 0) assert.deepEqual(results[i], alone.get(k));
            else assert.equal(results[i].ok, false);
          });
        },
      ),
      { numRuns: process.env.DEEP ? 500 : 40, seed: 11 },
    );
  });

  it("reports cpu as the provider in use", () => {
    assert.equal(backend.provider, "cpu");
  });

  it("answers MalformedInput for a wrong size and InputTooLarge above maxInputBytes, keeping the batch order", async () => {
    const good = data.test.images[0];
    const results = await backend.infer([new Uint8Array(783), good, new Uint8Array(0), new Uint8Array(1025), good]);
    assert.deepEqual(
      results.map((r) => (r.ok ? "ok" : r.errorCode)),
      [ErrorCode.MalformedInput, "ok", ErrorCode.MalformedInput, ErrorCode.InputTooLarge, "ok"],
    );
    assert.match((results[0] as { message: string }).message, /783 bytes/);
    assert.deepEqual(results[1], results[4]);
  });

  it("answers a batch of only bad items without running the model", async () => {
    const results = await backend.infer([new Uint8Array(10), new Uint8Array(2000)]);
    assert.deepEqual(
      results.map((r) => !r.ok && r.errorCode),
      [ErrorCode.MalformedInput, ErrorCode.InputTooLarge],
    );
  });

  it("returns an empty list for an empty batch", async () => {
    assert.deepEqual(await backend.infer([]), []);
  });
});

describe("onnx backend edge cases", () => {
  it("falls back to cpu with one warning naming the requested provider when cuda cannot start", async (t) => {
    const [cuda] = await probeExecutionProviders(MODEL, ["cuda"]);
    if (cuda.available) return t.skip("cuda is available on this host");
    const { logger, lines } = capturingLogger();
    const backend = await createBackend(spec({ executionProvider: "cuda" }), logger);
    try {
      assert.equal(backend.provider, "cpu");
      const warnings = lines().filter((l) => l.level === 40);
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0].requested, "cuda");
      assert.match(String(warnings[0].msg), /execution provider cuda could not start .* falling back to cpu/);
      assert.ok(String(warnings[0].reason).length > 0);
    } finally {
      await backend.close();
    }
  });

  it("falls back to cpu when webgpu finds no adapter", async (t) => {
    const [webgpu] = await probeExecutionProviders(MODEL, ["webgpu"]);
    if (webgpu.available) return t.skip("webgpu is available on this host");
    const { logger, lines } = capturingLogger();
    const backend = await createBackend(spec({ executionProvider: "webgpu" }), logger);
    try {
      assert.equal(backend.provider, "cpu");
      const warnings = lines().filter((l) => l.level === 40);
      assert.deepEqual(
        warnings.map((w) => w.requested),
        ["webgpu"],
      );
      const [result] = await backend.infer([new Uint8Array(784)]);
      assert.equal(result.ok, true);
    } finally {
      await backend.close();
    }
  });

  it("feeds a float32-input model bytes / 255, matching the same weights with the preprocessing in the graph", async () => {
    const mlp = new Mlp([16], new Prng(3));
    const dir = mkdtempSync(join(tmpdir(), "axon-onnx-"));
    writeFileSync(join(dir, "u8.onnx"), exportMlp(mlp.layers, "uint8 input"));
    writeFileSync(join(dir, "f32.onnx"), exportMlp(mlp.layers, "float input", { floatInput: true }));
    const u8 = await createBackend(spec({ path: join(dir, "u8.onnx") }), capturingLogger().logger);
    const f32 = await createBackend(spec({ path: join(dir, "f32.onnx") }), capturingLogger().logger);
    try {
      const images = loadMnist().test.images.slice(0, 32);
      assert.deepEqual(await f32.infer(images), await u8.infer(images));
    } finally {
      await Promise.all([u8.close(), f32.close()]);
    }
  });

  it("answers InferenceFailed for an item whose logits are not finite", async () => {
    const mlp = new Mlp([4], new Prng(1));
    mlp.layers[1].bias[2] = NaN;
    const dir = mkdtempSync(join(tmpdir(), "axon-onnx-"));
    const path = join(dir, "nan.onnx");
    writeFileSync(path, exportMlp(mlp.layers, "nan logits"));
    const backend = await createBackend(spec({ path }), capturingLogger().logger);
    try {
      const [result] = await backend.infer([new Uint8Array(784)]);
      assert.ok(!result.ok);
      assert.equal(result.errorCode, ErrorCode.InferenceFailed);
      assert.match(result.message, /logit 2 is NaN/);
    } finally {
      await backend.close();
    }
  });

  it("refuses a model file that does not hash to the expected weights hash, naming both hashes", async () => {
    const actual = await hashModelFile(MODEL);
    const expected = `0x${"ab".repeat(32)}`;
    await assert.rejects(
      createBackend(spec(), capturingLogger().logger, { expectedWeightsHash: expected }),
      (e: unknown) => e instanceof ModelHashMismatchError && e.message.includes(expected) && e.message.includes(actual),
    );
  });

  it("hashes the bundled model to the weights hash recorded in models.json", async () => {
    assert.equal(await hashModelFile(MODEL), MANIFEST.models.small.weightsHash);
    assert.equal(
      await verifyModelHash(MODEL, MANIFEST.models.small.weightsHash.toUpperCase().replace("0X", "0x")),
      MANIFEST.models.small.weightsHash,
    );
    const backend = await createBackend(spec(), capturingLogger().logger, {
      expectedWeightsHash: MANIFEST.models.small.weightsHash,
    });
    await backend.close();
  });

  it("refuses to infer after close", async () => {
    const backend = await createBackend(spec(), capturingLogger().logger);
    await backend.close();
    await assert.rejects(backend.infer([new Uint8Array(784)]), /closed/);
  });

  it("needs a model path", async () => {
    await assert.rejects(createBackend(spec({ path: undefined }), capturingLogger().logger), /needs path/);
  });
});

describe("onnx backend on a GPU", () => {
  it("agrees with cpu bit for bit on the held-out digits with webgpu", async (t) => {
    const [webgpu] = await probeExecutionProviders(MODEL, ["webgpu"]);
    if (!webgpu.available) return t.skip("no GPU");
    const { images } = loadMnist().test;
    const cpu = await createBackend(spec(), capturingLogger().logger);
    const gpu = await createBackend(spec({ executionProvider: "webgpu" }), capturingLogger().logger);
    try {
      assert.equal(gpu.provider, "webgpu");
      const [a, b] = [await cpu.infer(images), await gpu.infer(images)];
      const sameBytes = a.filter((r, n) => JSON.stringify(r) === JSON.stringify(b[n])).length / images.length;
      const sameLabel = a.filter((r, n) => label(r) === label(b[n])).length / images.length;
      t.diagnostic(
        `webgpu vs cpu: ${(sameBytes * 100).toFixed(2)}% identical bytes, ${(sameLabel * 100).toFixed(2)}% same label`,
      );
      assert.ok(sameLabel >= 0.999, `label agreement ${sameLabel}`);
      assert.ok(sameBytes >= 0.99, `byte agreement ${sameBytes}`);
    } finally {
      await Promise.all([cpu.close(), gpu.close()]);
    }
  });
});
