/**
 * GPU measurements (run on a GPU host, e.g. from the bundle's `bin/axon-runner-gpu-agreement`):
 *  1. agreement: the canonical bytes of every held-out digit on cpu vs webgpu (bit-for-bit rate, label rate);
 *  2. throughput: items/s of the large model (models/mnist-mlp-large.onnx, `npm run model:train -- --variant large`)
 *     on cpu and on webgpu at a fixed batch size, reported as the webgpu/cpu ratio.
 * Usage: gpu-agreement [--provider webgpu|cuda] [--data mnist-heldout.bin] [--batch 1024] [--seconds 10]
 *        [--out result.json]. Exits 2 when the GPU provider cannot start (it would silently measure cpu twice).
 */
import { existsSync, writeFileSync } from "node:fs";
import pino from "pino";
import { createBackend, type ExecutionProvider, type InferenceBackend, type ModelSpec } from "../src/backends";
import { decodeClassification } from "../src/canonical";
import { bundledModelPath } from "../src/providers";
import { loadHeldout } from "./lib/heldout";

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

const logger = pino({ level: "info" }, pino.destination(2));
const spec = (path: string, executionProvider: ExecutionProvider): ModelSpec => ({
  modelId: 1n,
  path,
  backend: "onnx",
  executionProvider,
  maxInputBytes: 784,
});

async function inferAll(backend: InferenceBackend, images: Uint8Array[], batch: number) {
  const out = [];
  for (let at = 0; at < images.length; at += batch) out.push(...(await backend.infer(images.slice(at, at + batch))));
  return out;
}

/** Runs full batches for `seconds` after a warm-up; returns items/s and the median/p95 batch latency. */
async function throughput(backend: InferenceBackend, images: Uint8Array[], batch: number, seconds: number) {
  const items = Array.from({ length: batch }, (_, k) => images[k % images.length]);
  for (let k = 0; k < 3; k++) await backend.infer(items);
  const latencies: number[] = [];
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const t = performance.now();
    await backend.infer(items);
    latencies.push(performance.now() - t);
  }
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    batches: latencies.length,
    itemsPerSecond: (latencies.length * batch) / elapsed,
    p50BatchMs: latencies[Math.floor(latencies.length * 0.5)],
    p95BatchMs: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.95))],
  };
}

function compare(a: Awaited<ReturnType<typeof inferAll>>, b: Awaited<ReturnType<typeof inferAll>>, labels: number[]) {
  let sameBytes = 0;
  let sameLabel = 0;
  let correctA = 0;
  let correctB = 0;
  a.forEach((ra, n) => {
    const rb = b[n];
    if (!ra.ok || !rb.ok) return;
    if (Buffer.from(ra.output).equals(Buffer.from(rb.output))) sameBytes++;
    const [la, lb] = [decodeClassification(ra.output).label, decodeClassification(rb.output).label];
    if (la === lb) sameLabel++;
    if (la === labels[n]) correctA++;
    if (lb === labels[n]) correctB++;
  });
  const n = a.length;
  return {
    items: n,
    bitForBit: sameBytes / n,
    sameLabel: sameLabel / n,
    accuracyCpu: correctA / n,
    accuracyGpu: correctB / n,
  };
}

async function main(): Promise<void> {
  const gpu = arg("provider", "webgpu") as ExecutionProvider;
  const batch = Number(arg("batch", "1024"));
  const seconds = Number(arg("seconds", "10"));
  const { images, labels } = loadHeldout(arg("data", ""));
  const small = bundledModelPath();
  const largePath = bundledModelPath().replace(/mnist-mlp\.onnx$/, "mnist-mlp-large.onnx");
  const large = existsSync(largePath) ? largePath : undefined;
  const result: Record<string, unknown> = {
    host: `${process.platform}-${process.arch}`,
    node: process.version,
    gpu,
    batch,
  };

  for (const [name, path] of [
    ["small", small],
    ["large", large],
  ] as const) {
    if (!path) {
      result[name] = { skipped: "models/mnist-mlp-large.onnx is absent: npm run model:train -- --variant large" };
      continue;
    }
    const cpu = await createBackend(spec(path, "cpu"), logger);
    const dev = await createBackend(spec(path, gpu), logger);
    if (dev.provider !== gpu) {
      process.stderr.write(`${gpu} could not start on this host (see the warning above); nothing to compare\n`);
      process.exit(2);
    }
    const agreement = compare(await inferAll(cpu, images, batch), await inferAll(dev, images, batch), labels);
    const cpuRate = await throughput(cpu, images, batch, seconds);
    const gpuRate = await throughput(dev, images, batch, seconds);
    result[name] = {
      path,
      agreement,
      cpu: cpuRate,
      [gpu]: gpuRate,
      ratio: gpuRate.itemsPerSecond / cpuRate.itemsPerSecond,
    };
    process.stdout.write(
      `${name}: ${gpu} vs cpu bit-for-bit ${(agreement.bitForBit * 100).toFixed(2)}%, same label ` +
        `${(agreement.sameLabel * 100).toFixed(2)}% on ${agreement.items} digits; throughput cpu ` +
        `${cpuRate.itemsPerSecond.toFixed(0)}/s, ${gpu} ${gpuRate.itemsPerSecond.toFixed(0)}/s, ratio ` +
        `${(gpuRate.itemsPerSecond / cpuRate.itemsPerSecond).toFixed(2)}x (batch ${batch})\n`,
    );
    await Promise.all([cpu.close(), dev.close()]);
  }
  const out = arg("out", "");
  if (out) writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`gpu-agreement failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
