/**
 * `npm run bench:zk`: the Proof backend's cost on this host. Measures (1) the integer inference alone, (2) the
 * latency of one proof (witness + Groth16) with a single prover thread, proofs one after another, and (3) proofs/s
 * with one prover thread per core, all proofs queued at once; and the CPU time per proof, which a busy host skews
 * far less than the wall time. Writes offchain/bench/zk-bench.json with the host's
 * core count and load average at the start and the end, since other processes sharing the cores skew the figures.
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { ProverPool } from "../src/backends/proverPool";
import { loadProofModel } from "../src/backends/zkproof";
import { circuitInput, downsample28, encodeProvenClassification, inferInteger } from "../src/backends/zkmlp";
import { loadMnist } from "../scripts/lib/mnist";

const ZK_DIR = join(__dirname, "..", "..", "zk", "build", "mnist14");
const SEQUENTIAL = Number(process.env.ZK_BENCH_SEQUENTIAL ?? 10);
const PARALLEL = Number(process.env.ZK_BENCH_PARALLEL ?? 20);

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function main(): Promise<void> {
  const loadStart = loadavg();
  const proofModel = loadProofModel(ZK_DIR);
  const digits = loadMnist().test.images.map(downsample28);
  const inputs = (n: number, offset: number) =>
    Array.from({ length: n }, (_, i) => {
      const input = digits[(offset + i * 37) % digits.length];
      return circuitInput(input, encodeProvenClassification(inferInteger(proofModel.model, input)));
    });

  let started = process.hrtime.bigint();
  for (const input of digits) inferInteger(proofModel.model, input);
  const inferenceUs = Number(process.hrtime.bigint() - started) / 1e3 / digits.length;

  const single = new ProverPool(proofModel.wasm, proofModel.zkey, 1);
  await single.prove(inputs(1, 0)[0]); // warm-up: loads the wasm, zkey and curve once
  const latencies: number[] = [];
  // CPU time of the whole process (all threads) per proof: unlike wall time, it barely depends on other load.
  const cpuStart = process.cpuUsage();
  for (const input of inputs(SEQUENTIAL, 1)) {
    const t = process.hrtime.bigint();
    await single.prove(input);
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const cpu = process.cpuUsage(cpuStart);
  await single.close();
  latencies.sort((x, y) => x - y);

  const workers = cpus().length;
  const pool = new ProverPool(proofModel.wasm, proofModel.zkey, workers);
  await Promise.all(inputs(workers, 500).map((input) => pool.prove(input)));
  started = process.hrtime.bigint();
  await Promise.all(inputs(PARALLEL, 1000).map((input) => pool.prove(input)));
  const parallelSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.close();

  const report = {
    model: proofModel.manifest.model,
    constraints: proofModel.manifest.constraints,
    host: { cores: workers, node: process.version, loadavgStart: loadStart, loadavgEnd: loadavg() },
    integerInferenceMicroseconds: Number(inferenceUs.toFixed(2)),
    singleThread: {
      proofs: SEQUENTIAL,
      meanMs: Number((latencies.reduce((a, b) => a + b, 0) / latencies.length).toFixed(1)),
      p50Ms: Number(percentile(latencies, 0.5).toFixed(1)),
      maxMs: Number(latencies[latencies.length - 1].toFixed(1)),
      cpuMsPerProof: Number(((cpu.user + cpu.system) / 1000 / SEQUENTIAL).toFixed(1)),
    },
    pool: {
      workers,
      proofs: PARALLEL,
      seconds: Number(parallelSeconds.toFixed(2)),
      proofsPerSecond: Number((PARALLEL / parallelSeconds).toFixed(2)),
    },
    measuredAt: new Date().toISOString(),
  };
  const out = join(__dirname, "zk-bench.json");
  writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
