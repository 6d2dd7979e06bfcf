/**
 * `npm run bench:runner`: fulfilments per second and request→callback latency of the runner on a local anvil node,
 * batched (many fulfilments per transaction) vs unbatched (one per transaction). Writes bench/runner-bench.json.
 *
 * Chain: anvil, automine (each transaction mined on arrival) plus an empty block every 100 ms so `confirmations`
 * advance when no transaction arrives; block gas limit 300M. Load: real MNIST digits (784-byte inputs), sent through
 * the probe consumer in transactions of `perTx` requests at a fixed offered rate; the runner (in-process, real ONNX
 * backend on cpu) fulfils them. Latency is wall time from sending the request transaction to seeing the callback's
 * event in a block.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { NonceManager, Wallet } from "ethers";
import { type RawConfig, resolveConfig } from "../src/config";
import { Progress, createLogger } from "../src/log";
import { Runner } from "../src/runner";
import { type Deployed, deployStack } from "../test/helpers/deploy";
import { Miner, digits, runnerConfig } from "../test/helpers/e2e";
import { DEV_KEYS, type LocalNode, startAnvil } from "../test/helpers/nodes";
import { tmpDir } from "../test/helpers/tmp";

interface Scenario {
  name: string;
  /** drain: the requests are on chain before the runner starts (its capacity); paced: sent at `offeredPerSecond`. */
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
}

const log = createLogger({ level: process.env.AXON_BENCH_LOG ?? "info", name: "runner-bench" });

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function runScenario(node: LocalNode, d: Deployed, dir: string, s: Scenario): Promise<Result> {
  const runDir = path.join(dir, s.name);
  mkdirSync(runDir);
  const raw = runnerConfig(d, runDir, [node.url], {
    confirmations: 1,
    pollIntervalMs: 50,
    batching: s.batching,
    submitter: { baseGas: 100_000, perItemGasOverhead: 80_000, maxGasPerTx: 120_000_000, bumpAfterBlocks: 50 },
    logLevel: "warn",
  });
  const runner = new Runner(await resolveConfig(raw, { AXON_NODE_KEY: d.nodeKey }, runDir), {
    logger: createLogger({ level: process.env.AXON_BENCH_RUNNER_LOG ?? "warn" }),
    serveMetrics: false,
  });
  if (s.mode === "paced") await runner.start();

  const pool = digits(500);
  const senders = DEV_KEYS.slice(2, 5).map((k) => new NonceManager(new Wallet(k, d.provider)));
  for (const snd of senders)
    await (await snd.sendTransaction({ to: await d.consumer.getAddress(), value: 10n ** 20n })).wait();
  const sentAt = new Map<bigint, number>();
  const seenAt = new Map<bigint, number>();
  const firstId = (await d.oracle.nextRequestId()) as bigint;
  let fromBlock = await d.provider.getBlockNumber();

  // observer: the consumer's Answered events, block by block
  let observing = true;
  const topic = d.consumer.interface.getEvent("Answered")!.topicHash;
  const consumerAddress = await d.consumer.getAddress();
  const observer = (async () => {
    while (observing) {
      const to = await d.provider.getBlockNumber();
      if (to >= fromBlock) {
        const logs = await d.provider.getLogs({ address: consumerAddress, topics: [topic], fromBlock, toBlock: to });
        const now = Date.now();
        for (const l of logs) {
          const id = BigInt(l.topics[1]);
          if (!seenAt.has(id)) seenAt.set(id, now);
        }
        fromBlock = to + 1;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();

  // requests are signed up front so the generator costs one eth_sendRawTransaction each
  const progress = new Progress(log, `${s.name}: requests sent`, s.requests, 2000);
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
  const intervalMs = (1000 * s.perTx) / s.offeredPerSecond;
  const start = Date.now();
  let next = firstId;
  const pending: Promise<unknown>[] = [];
  for (let k = 0; k < signed.length; k++) {
    const t = Date.now();
    pending.push(d.provider.broadcastTransaction(signed[k].raw).then((tx) => tx.wait()));
    for (let i = 0; i < signed[k].count; i++) sentAt.set(next++, t);
    progress.tick(signed[k].count);
    const wait = s.mode === "paced" ? start + (k + 1) * intervalMs - Date.now() : 0;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(pending);
  // drain: the clock starts when the runner is up, with the whole backlog already on chain
  const clockStart = s.mode === "drain" ? (await runner.start(), Date.now()) : start;
  const deadline = Date.now() + 300_000;
  const done = new Progress(log, `${s.name}: callbacks seen`, s.requests, 2000);
  let reported = 0;
  while (seenAt.size < s.requests && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    if (seenAt.size > reported) {
      done.tick(seenAt.size - reported);
      reported = seenAt.size;
    }
  }
  observing = false;
  await observer;
  const txs = Number(
    /axon_runner_tx_sent_total (\d+)/.exec(
      await runner.metrics.registry.getSingleMetricAsString("axon_runner_tx_sent_total"),
    )?.[1] ?? 0,
  );
  await runner.stop();

  // latency is meaningful only when requests arrive while the runner is running
  const lat = [...seenAt].map(([id, t]) => t - Math.max(sentAt.get(id) ?? t, clockStart)).sort((a, b) => a - b);
  const last = Math.max(...seenAt.values());
  const seconds = (last - clockStart) / 1000;
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
  };
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
    { name: "batched-paced", mode: "paced", requests: quick ? 300 : 1500, offeredPerSecond: 300, perTx: 25, batching },
    {
      name: "unbatched-paced",
      mode: "paced",
      requests: quick ? 60 : 200,
      offeredPerSecond: 20,
      perTx: 5,
      batching: single,
    },
  ];
  const scenarios = all.filter((s) => !only || s.name === only);
  const results: Result[] = [];
  for (const s of scenarios) {
    const tmp = tmpDir("axon-bench-");
    const node = await startAnvil({ gasLimit: 300_000_000 });
    const d = await deployStack(node.url, tmp.dir);
    const miner = new Miner(node.url, 100);
    miner.start();
    try {
      log.info({ scenario: s.name }, "scenario start");
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
  const ratio =
    batched && unbatched ? +(batched.fulfilmentsPerSecond / unbatched.fulfilmentsPerSecond).toFixed(1) : null;
  const out = {
    generatedAt: new Date().toISOString(),
    host: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      loadAverage1m: +os.loadavg()[0].toFixed(1),
      node: process.version,
      platform: `${os.platform()}-${os.arch()}`,
    },
    chain: "anvil 1.7.1, automine + an empty block every 100 ms, block gas limit 300M, confirmations 1",
    model: "bundled MNIST MLP (offchain/models/mnist-mlp.onnx), onnxruntime-node cpu",
    method:
      "drain: the backlog is on chain before the runner starts; rate = fulfilled / (last callback - runner started). " +
      "paced: requests sent at the offered rate while the runner runs; latency = request tx sent -> callback event seen.",
    results,
    batchedOverUnbatched: ratio,
    targets: { fulfilmentsPerSecond: 300, batchedOverUnbatched: 10 },
    met: {
      fulfilmentsPerSecond: (batched?.fulfilmentsPerSecond ?? 0) >= 300,
      batchedOverUnbatched: (ratio ?? 0) >= 10,
    },
  };
  const file = path.join(__dirname, "runner-bench.json");
  if (!quick) writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
}

main().then(
  () => process.exit(0),
  (err) => {
    log.error({ err }, "bench failed");
    process.exit(1);
  },
);
