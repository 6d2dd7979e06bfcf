/**
 * `npm run bench --workspace offchain`: fulfilments per second, request→callback latency and CPU per request of the
 * runner on a local anvil node, batched (many fulfilments per transaction) vs unbatched (one per transaction).
 * Writes bench/runner-bench.json.
 *
 * Three processes: anvil; the runner as an operator runs it (`axon-runner start` through the CLI, its own process
 * and event loop); and this process, which deploys, generates the requests and observes the callbacks. CPU time of
 * each comes from /proc (utime + stime, what `process.cpuUsage()` reports inside the runner) over the measured
 * window, so the rates are not shaped by a harness sharing the runner's event loop, and CPU ms per request is the
 * figure least disturbed by other load on the host (recorded as load averages at the start and end of each run).
 *
 * Chain: anvil, automine plus an empty block every 100 ms so `confirmations` advance, block gas limit 300M. Load:
 * real MNIST digits (784-byte inputs) sent through the probe consumer, `perTx` requests per transaction.
 * drain: the runner is started and healthy, then stopped (SIGSTOP) while the whole backlog is put on chain, and
 * resumed (SIGCONT) when the clock starts: its capacity, without its start-up in the figures.
 * paced: requests sent at `offeredPerSecond` while the runner runs; latency = request tx sent → callback seen.
 */
import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { NonceManager, Wallet } from "ethers";
import type { RawConfig } from "../src/config";
import { Progress, createLogger } from "../src/log";
import { type Deployed, deployStack } from "../test/helpers/deploy";
import { Miner, digits, eventually, runnerConfig, spawnRunner, writeConfig } from "../test/helpers/e2e";
import { DEV_KEYS, type LocalNode, freePort, rpc, startAnvil } from "../test/helpers/nodes";
import { tmpDir } from "../test/helpers/tmp";

interface Scenario {
  name: string;
  mode: "drain" | "paced";
  requests: number;
  offeredPerSecond: number;
  perTx: number;
  batching: RawConfig["batching"];
}

interface Result {
  name: string;
  mode: "drain" | "paced";
  requests: number;
  fulfilled: number;
  offeredPerSecond: number;
  seconds: number;
  fulfilmentsPerSecond: number;
  latencyMs: { p50: number; p95: number; max: number };
  transactions: number;
  fulfilmentsPerTransaction: number;
  cpuMs: { runner: number; generatorObserver: number; anvil: number };
  runnerCpuMsPerRequest: number;
  anvilCpuMsPerRequest: number;
  /** Runner's own per-stage figures from its /metrics (axon_runner_stage_*): passes, wall and CPU ms in total. */
  runnerStages: Record<string, { passes: number; wallMs: number; cpuMs: number }>;
  /** Gas used by the node's transactions in the window (fulfilBatch, callbacks included) per fulfilled request. */
  gasPerRequest: number;
  loadAverage: { start: number[]; end: number[] };
}

const log = createLogger({ level: process.env.AXON_BENCH_LOG ?? "info", name: "runner-bench" });
const TICK_MS = 1000 / Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim() || 100);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process, ms (fields 14 and 15 of /proc/<pid>/stat, after the parenthesised name). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

/** Gas used by the transactions `from` sent in blocks `fromBlock`..head (receipts read after the run). */
async function nodeGasUsed(url: string, from: string, fromBlock: number): Promise<number> {
  const head = Number(await rpc<string>(url, "eth_blockNumber"));
  let gas = 0;
  for (let b = fromBlock; b <= head; b++) {
    const block = await rpc<{ transactions: { hash: string; from: string }[] }>(url, "eth_getBlockByNumber", [
      `0x${b.toString(16)}`,
      true,
    ]);
    for (const tx of block.transactions) {
      if (tx.from.toLowerCase() !== from.toLowerCase()) continue;
      gas += Number((await rpc<{ gasUsed: string }>(url, "eth_getTransactionReceipt", [tx.hash])).gasUsed);
    }
  }
  return gas;
}

const selfCpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const loadavg = () => os.loadavg().map((x) => +x.toFixed(2));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return res.text();
}

function stagesFrom(text: string): Result["runnerStages"] {
  const out: Result["runnerStages"] = {};
  const re = /^axon_runner_stage_(latency|cpu)_seconds_(sum|count)\{stage="([a-z_]+)"\} ([0-9.e+-]+)$/gm;
  for (const m of text.matchAll(re)) {
    const s = (out[m[3]] ??= { passes: 0, wallMs: 0, cpuMs: 0 });
    const v = Number(m[4]);
    if (m[2] === "count") s.passes = v;
    else if (m[1] === "latency") s.wallMs = +(v * 1000).toFixed(1);
    else s.cpuMs = +(v * 1000).toFixed(1);
  }
  return out;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGCONT");
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(t);
}

async function runScenario(node: LocalNode, d: Deployed, dir: string, s: Scenario): Promise<Result> {
  const loadStart = loadavg();
  const runDir = path.join(dir, s.name);
  mkdirSync(runDir);
  const metricsPort = await freePort();
  const raw = runnerConfig(d, runDir, [node.url], {
    confirmations: 1,
    pollIntervalMs: 50,
    batching: s.batching,
    submitter: { baseGas: 100_000, perItemGasOverhead: 80_000, maxGasPerTx: 120_000_000, bumpAfterBlocks: 50 },
    metricsPort,
    logLevel: (process.env.AXON_BENCH_RUNNER_LOG as RawConfig["logLevel"]) ?? "warn",
  });
  // AXON_BENCH_CPU_PROF=<dir>: the runner process writes a V8 CPU profile there when it exits
  const prof = process.env.AXON_BENCH_CPU_PROF;
  const runner = spawnRunner(
    writeConfig(runDir, raw),
    d.nodeKey,
    path.join(runDir, "runner.log"),
    prof ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(prof)}`] : [],
  );
  const tail = (runner as ChildProcess & { stderrTail: () => string }).stderrTail;
  try {
    await eventually(
      async () => {
        if (runner.exitCode !== null) throw new Error(`runner exited ${runner.exitCode}: ${tail()}`);
        return (await fetch(`http://127.0.0.1:${metricsPort}/healthz`).catch(() => null))?.status === 200;
      },
      120_000,
      "the runner process to be healthy",
    );
    if (s.mode === "drain") runner.kill("SIGSTOP");

    const pool = digits(500);
    const senders = DEV_KEYS.slice(2, 5).map((k) => new NonceManager(new Wallet(k, d.provider)));
    for (const snd of senders)
      await (await snd.sendTransaction({ to: await d.consumer.getAddress(), value: 10n ** 20n })).wait();
    const sentAt = new Map<bigint, number>();
    const seenAt = new Map<bigint, number>();
    const firstId = (await d.oracle.nextRequestId()) as bigint;
    let fromBlock = await d.provider.getBlockNumber();
    const firstBlock = fromBlock + 1;

    // observer: the consumer's Answered events, block by block, over plain JSON-RPC (the harness stays light)
    let observing = true;
    const topic = d.consumer.interface.getEvent("Answered")!.topicHash;
    const consumerAddress = await d.consumer.getAddress();
    const observer = (async () => {
      while (observing) {
        const to = Number(await rpc<string>(node.url, "eth_blockNumber"));
        if (to >= fromBlock) {
          const logs = await rpc<{ topics: string[] }[]>(node.url, "eth_getLogs", [
            {
              address: consumerAddress,
              topics: [topic],
              fromBlock: `0x${fromBlock.toString(16)}`,
              toBlock: `0x${to.toString(16)}`,
            },
          ]);
          const now = Date.now();
          for (const l of logs) {
            const id = BigInt(l.topics[1]);
            if (!seenAt.has(id)) seenAt.set(id, now);
          }
          fromBlock = to + 1;
        }
        await sleep(25);
      }
    })();

    // requests are signed up front so the generator costs one eth_sendRawTransaction each
    const fee = await d.provider.getFeeData();
    const nonces = await Promise.all(senders.map((w) => w.getNonce("pending")));
    const signed: { raw: string; count: number }[] = [];
    for (let sent = 0, k = 0; sent < s.requests; k++) {
      const count = Math.min(s.perTx, s.requests - sent);
      const inputs = Array.from({ length: count }, (_, i) => pool[(sent + i) % pool.length].input);
      const data = d.consumer.interface.encodeFunctionData("askMany", [d.modelId, inputs, d.callbackGasLimit]);
      const w = senders[k % senders.length].signer as Wallet;
      signed.push({
        raw: await w.signTransaction({
          type: 2,
          chainId: 31337,
          to: consumerAddress,
          data,
          nonce: nonces[k % senders.length]++,
          gasLimit: 200_000 + 200_000 * count,
          maxFeePerGas: (fee.maxFeePerGas ?? 10n ** 10n) * 4n,
          maxPriorityFeePerGas: fee.maxPriorityFeePerGas ?? 10n ** 9n,
        }),
        count,
      });
      sent += count;
    }
    const progress = new Progress(log, `${s.name}: requests sent`, s.requests, 2000);
    const cpu0 = { runner: cpuMsOf(runner.pid!), anvil: cpuMsOf(node.pid), self: selfCpuMs() };
    const intervalMs = (1000 * s.perTx) / s.offeredPerSecond;
    const start = Date.now();
    let next = firstId;
    // plain eth_sendRawTransaction: ethers' broadcastTransaction re-parses each 40 KB transaction in JS, and a
    // generator that cannot keep up would shape the paced figures
    const pending: Promise<unknown>[] = [];
    for (let k = 0; k < signed.length; k++) {
      const t = Date.now();
      pending.push(rpc(node.url, "eth_sendRawTransaction", [signed[k].raw]));
      for (let i = 0; i < signed[k].count; i++) sentAt.set(next++, t);
      progress.tick(signed[k].count);
      const wait = s.mode === "paced" ? start + (k + 1) * intervalMs - Date.now() : 0;
      if (wait > 0) await sleep(wait);
    }
    await Promise.all(pending);
    // every request transaction mined (each sender's nonce reached), so a drain starts with the whole backlog
    const senderAddresses = senders.map((w) => (w.signer as Wallet).address);
    await eventually(
      async () =>
        (
          await Promise.all(
            senderAddresses.map(async (a) =>
              Number(await rpc<string>(node.url, "eth_getTransactionCount", [a, "latest"])),
            ),
          )
        ).every((nonce, i) => nonce === nonces[i]),
      120_000,
      "the request transactions to be mined",
    );
    // drain: CPU and the clock start when the runner resumes, with the whole backlog already on chain
    const cpuStart =
      s.mode === "drain" ? { runner: cpuMsOf(runner.pid!), anvil: cpuMsOf(node.pid), self: selfCpuMs() } : cpu0;
    const clockStart = s.mode === "drain" ? (runner.kill("SIGCONT"), Date.now()) : start;
    const deadline = Date.now() + 300_000;
    const done = new Progress(log, `${s.name}: callbacks seen`, s.requests, 2000);
    let reported = 0;
    while (seenAt.size < s.requests && Date.now() < deadline) {
      if (runner.exitCode !== null) throw new Error(`runner exited ${runner.exitCode}: ${tail()}`);
      await sleep(50);
      if (seenAt.size > reported) {
        done.tick(seenAt.size - reported);
        reported = seenAt.size;
      }
    }
    observing = false;
    await observer;
    const cpuEnd = { runner: cpuMsOf(runner.pid!), anvil: cpuMsOf(node.pid), self: selfCpuMs() };
    const text = await scrape(metricsPort);
    const txs = Number(/^axon_runner_tx_sent_total (\d+)/m.exec(text)?.[1] ?? 0);

    const lat = [...seenAt].map(([id, t]) => t - Math.max(sentAt.get(id) ?? t, clockStart)).sort((a, b) => a - b);
    const last = Math.max(...seenAt.values());
    const seconds = (last - clockStart) / 1000;
    const cpuMs = {
      runner: Math.round(cpuEnd.runner - cpuStart.runner),
      generatorObserver: Math.round(cpuEnd.self - cpuStart.self),
      anvil: Math.round(cpuEnd.anvil - cpuStart.anvil),
    };
    const n = Math.max(seenAt.size, 1);
    const gasUsed = await nodeGasUsed(node.url, d.nodeAddress, firstBlock);
    return {
      name: s.name,
      mode: s.mode,
      requests: s.requests,
      fulfilled: seenAt.size,
      offeredPerSecond: s.offeredPerSecond,
      seconds: +seconds.toFixed(2),
      fulfilmentsPerSecond: +(seenAt.size / seconds).toFixed(1),
      latencyMs: { p50: percentile(lat, 50), p95: percentile(lat, 95), max: lat[lat.length - 1] },
      transactions: txs,
      fulfilmentsPerTransaction: +(seenAt.size / Math.max(txs, 1)).toFixed(1),
      cpuMs,
      runnerCpuMsPerRequest: +(cpuMs.runner / n).toFixed(3),
      anvilCpuMsPerRequest: +(cpuMs.anvil / n).toFixed(3),
      runnerStages: stagesFrom(text),
      gasPerRequest: Math.round(gasUsed / n),
      loadAverage: { start: loadStart, end: loadavg() },
    };
  } finally {
    await stopChild(runner);
  }
}

async function main(): Promise<void> {
  const quick = !!process.env.AXON_BENCH_QUICK;
  const only = process.env.AXON_BENCH_ONLY;
  const batching = { maxBatchSize: 128, maxWaitMs: 20, maxTxItems: 150, maxTxWaitMs: 100, maxInFlightTxs: 4 };
  const single = { maxBatchSize: 1, maxWaitMs: 0, maxTxItems: 1, maxTxWaitMs: 0, maxInFlightTxs: 4 };
  const all: Scenario[] = [
    { name: "batched-drain", mode: "drain", requests: quick ? 600 : 3000, offeredPerSecond: 0, perTx: 50, batching },
    {
      name: "unbatched-drain",
      mode: "drain",
      requests: quick ? 100 : 300,
      offeredPerSecond: 0,
      perTx: 50,
      batching: single,
    },
    { name: "batched-paced", mode: "paced", requests: quick ? 300 : 3000, offeredPerSecond: 300, perTx: 25, batching },
    {
      name: "unbatched-paced",
      mode: "paced",
      requests: quick ? 60 : 200,
      offeredPerSecond: 20,
      perTx: 5,
      batching: single,
    },
  ];
  const scenarios = all.filter((s) => !only || only.split(",").includes(s.name));
  const results: Result[] = [];
  const uptimeStart = execFileSync("uptime").toString().trim();
  for (const s of scenarios) {
    const tmp = tmpDir("axon-bench-");
    const node = await startAnvil({ gasLimit: 300_000_000 });
    const d = await deployStack(node.url, tmp.dir);
    const miner = new Miner(node.url, 100);
    miner.start();
    try {
      log.info({ scenario: s.name, loadAverage: loadavg() }, "scenario start");
      const r = await runScenario(node, d, tmp.dir, s);
      log.info(r, "scenario done");
      results.push(r);
    } finally {
      miner.stop();
      d.provider.destroy();
      await node.stop();
      tmp.cleanup();
    }
  }
  const by = (name: string) => results.find((r) => r.name === name);
  const batched = by("batched-drain");
  const unbatched = by("unbatched-drain");
  const paced = by("batched-paced");
  const ratio =
    batched && unbatched ? +(batched.fulfilmentsPerSecond / unbatched.fulfilmentsPerSecond).toFixed(1) : null;
  const out = {
    generatedAt: new Date().toISOString(),
    host: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      platform: `${os.platform()}-${os.arch()}`,
      uptime: { start: uptimeStart, end: execFileSync("uptime").toString().trim() },
      note: "shared host: other work ran alongside; see each result's loadAverage. CPU ms per request is the figure least affected by it.",
    },
    chain: "anvil 1.7.1, automine + an empty block every 100 ms, block gas limit 300M, confirmations 1",
    model: "bundled MNIST MLP (offchain/models/mnist-mlp.onnx), onnxruntime-node cpu",
    processes:
      "runner: `axon-runner start` (src/cli.ts) as its own process; generator + observer: this benchmark process; anvil. CPU from /proc utime+stime over the measured window.",
    method:
      "drain: the runner is up and healthy, stopped (SIGSTOP) while the backlog goes on chain, resumed when the clock starts; rate = fulfilled / (last callback - resume). " +
      "paced: requests sent at the offered rate while the runner runs; latency = request tx sent -> callback event seen.",
    results,
    batchedOverUnbatched: ratio,
    targets: {
      batchedDrainPerSecond: 400,
      batchedOverUnbatched: 12,
      pacedSustainedPerSecond: 295,
      pacedP95Ms: 3000,
      runnerCpuMsPerRequest: 2,
    },
    met: {
      batchedDrainPerSecond: (batched?.fulfilmentsPerSecond ?? 0) >= 400,
      batchedOverUnbatched: (ratio ?? 0) >= 12,
      pacedSustainedPerSecond: (paced?.fulfilmentsPerSecond ?? 0) >= 295,
      pacedP95Ms: (paced?.latencyMs.p95 ?? Infinity) <= 3000,
      runnerCpuMsPerRequest: (batched?.runnerCpuMsPerRequest ?? Infinity) <= 2,
    },
  };
  const file = path.join(__dirname, "runner-bench.json");
  if (!quick && !only) writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
}

main().then(
  () => process.exit(0),
  (err) => {
    log.error({ err }, "bench failed");
    process.exit(1);
  },
);
