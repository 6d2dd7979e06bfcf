/**
 * Smoke test of a runner install (run by the GPU bundle's `bin/axon-runner-selftest`): lists which execution
 * providers start on this host, loads the bundled digit model through the runner's own backend (hash-checked
 * against models.json) and classifies held-out digits. Usage: selftest [--provider cpu|webgpu|cuda] [--count N]
 * [--data mnist-heldout.bin]. Exits non-zero when accuracy is below 90% or the model cannot be served.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import pino from "pino";
import { createBackend, type ExecutionProvider } from "../src/backends";
import { decodeClassification } from "../src/canonical";
import { bundledModelPath, probeExecutionProviders } from "../src/providers";
import { loadHeldout } from "./lib/heldout";

function arg(name: string, fallback?: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

async function main(): Promise<void> {
  const provider = (arg("provider", "cpu") as ExecutionProvider) ?? "cpu";
  const count = Number(arg("count", "200"));
  const model = bundledModelPath();
  const manifest = JSON.parse(readFileSync(join(dirname(model), "models.json"), "utf8"));
  process.stdout.write(`node ${process.version} on ${process.platform}-${process.arch}\n`);
  for (const probe of await probeExecutionProviders(model)) {
    process.stdout.write(`  ${probe.available ? "✓" : "✗"} ${probe.detail}\n`);
    for (const note of probe.notes) process.stdout.write(`      ${note}\n`);
  }
  const logger = pino({ level: "info" }, pino.destination(2));
  const backend = await createBackend(
    { modelId: 1n, path: model, backend: "onnx", executionProvider: provider, maxInputBytes: 784 },
    logger,
    { expectedWeightsHash: manifest.models.small.weightsHash },
  );
  const { images, labels } = loadHeldout(arg("data"));
  const n = Math.min(count, images.length);
  const started = process.hrtime.bigint();
  const results = await backend.infer(images.slice(0, n));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const correct = results.filter((r, i) => r.ok && decodeClassification(r.output).label === labels[i]).length;
  await backend.close();
  process.stdout.write(
    `model ${manifest.models.small.file} (${manifest.models.small.weightsHash}) on ${backend.provider}: ` +
      `${correct}/${n} held-out digits correct (${((correct / n) * 100).toFixed(1)}%) in ${ms.toFixed(1)} ms\n`,
  );
  if (correct / n < 0.9) throw new Error(`selftest accuracy ${correct / n} is below 90%`);
  process.stdout.write("selftest passed\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`selftest failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
