#!/usr/bin/env node
import { existsSync } from "node:fs";
import { Command } from "commander";
import { JsonRpcProvider, Network, Wallet, formatEther } from "ethers";
import { createBackend } from "./backends";
import { type RunnerConfig, loadConfigFile } from "./config";
import { Progress, createLogger } from "./log";
import { readDevice, regionCheck, type HeartbeatState } from "./heartbeat";
import { hashModelFile } from "./modelHash";
import { OracleReader, REQUEST_CREATED_TOPIC } from "./oracle";
import { RpcPool, shortError } from "./chain";
import { probeExecutionProviders } from "./providers";
import { Runner } from "./runner";
import { Store } from "./store";

const program = new Command();
program
  .name("axon-runner")
  .description("Axon inference runner: watches AIOracle requests, runs the models, fulfils in batches")
  .option("-c, --config <file>", "config file (JSON)", process.env.AXON_CONFIG ?? "axon-runner.json");

async function config(): Promise<RunnerConfig> {
  return loadConfigFile(program.opts<{ config: string }>().config);
}

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x), 2);

program
  .command("start")
  .description("run the service until SIGINT/SIGTERM")
  .action(async () => {
    const cfg = await config();
    const runner = new Runner(cfg);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      runner.logger.info({ signal }, "stopping");
      await runner.stop();
      process.exit(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
    await runner.start();
  });

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

program
  .command("doctor")
  .description("check RPC, key balance, contracts, model hashes and which execution providers start on this host")
  .action(async () => {
    const checks: Check[] = [];
    const add = (name: string, ok: boolean, detail: string) => {
      checks.push({ name, ok, detail });
      process.stdout.write(`${ok ? "ok  " : "FAIL"}  ${name}: ${detail}\n`);
    };
    let cfg: RunnerConfig;
    try {
      cfg = await config();
      add("config", true, `${cfg.models.length} model(s), chain ${cfg.chainId}, ${cfg.rpcUrls.length} RPC URL(s)`);
    } catch (err) {
      add("config", false, (err as Error).message);
      process.exit(1);
    }
    const logger = createLogger({ level: "silent" });
    for (const url of cfg.rpcUrls) {
      const p = new JsonRpcProvider(url, Network.from(cfg.chainId), { staticNetwork: true });
      try {
        const [id, head] = await Promise.all([p.send("eth_chainId", []), p.getBlockNumber()]);
        add(`rpc ${url}`, Number(id) === cfg.chainId, `chain ${Number(id)}, head ${head}`);
      } catch (err) {
        add(`rpc ${url}`, false, shortError(err));
      } finally {
        p.destroy();
      }
    }
    const rpc = new RpcPool(cfg.rpcUrls, cfg.chainId, logger, cfg.rpcTimeoutMs, {
      attempts: 2,
      baseDelayMs: 100,
      maxDelayMs: 500,
    });
    const reader = new OracleReader(rpc, cfg.oracleAddress, cfg.registryAddress);
    const node = new Wallet(cfg.nodeKey).address;
    try {
      const bal = await rpc.call("balance", (p) => p.getBalance(node));
      add("node key", bal > 0n, `${node} holds ${formatEther(bal)} ETH`);
      for (const [name, addr] of [
        ["AIOracle", cfg.oracleAddress],
        ["ModelRegistry", cfg.registryAddress],
      ]) {
        const code = await rpc.call("code", (p) => p.getCode(addr));
        add(
          `contract ${name}`,
          code !== "0x",
          `${addr} ${code === "0x" ? "has no code" : `${(code.length - 2) / 2} bytes`}`,
        );
      }
      const maxIn = await reader.maxInputBytes();
      add("oracle", true, `maxInputBytes ${maxIn}, maxOutputBytes ${await reader.maxOutputBytes()}`);
      try {
        add("oracle encoding", true, `compact Request; this node served ${await reader.servedCount(node)} results`);
      } catch (err) {
        add(
          "oracle encoding",
          false,
          `no servedCount(address) (${shortError(err)}): the oracle predates the compact Request of this runner; ` +
            "upgrade it, or run the previous runner release",
        );
      }
    } catch (err) {
      add("chain", false, shortError(err));
    }
    for (const m of cfg.models) {
      const label = `model ${m.modelId}`;
      try {
        const serving = await reader.isServing(m.modelId, node);
        add(`${label} node set`, serving, serving ? "this node serves it" : "this node is not in the model's node set");
        if (m.backend === "onnx" && m.path) {
          if (!existsSync(m.path)) {
            add(`${label} file`, false, `${m.path} does not exist`);
            continue;
          }
          const [local, onChain] = await Promise.all([hashModelFile(m.path), reader.weightsHashOf(m.modelId)]);
          add(`${label} hash`, local.toLowerCase() === onChain.toLowerCase(), `file ${local}, on-chain ${onChain}`);
        }
      } catch (err) {
        add(label, false, shortError(err));
      }
    }
    try {
      const onnx = cfg.models.find((m) => m.backend === "onnx" && m.path && existsSync(m.path));
      const probes = await probeExecutionProviders(onnx?.path);
      // an execution provider that cannot start is information, not a failure: the runner falls back to cpu
      for (const p of probes) {
        process.stdout.write(`${p.available ? "ok  " : "--  "}  execution provider ${p.provider}: ${p.detail}\n`);
        for (const note of p.notes) process.stdout.write(`        ${note}\n`);
      }
    } catch (err) {
      add("execution providers", false, shortError(err));
    }
    if (cfg.edgeRegistryAddress && (cfg.region || cfg.edge.enabled)) {
      try {
        const device = await rpc.call("edge device", (p) => readDevice(p, cfg.edgeRegistryAddress!, node));
        const { ok, detail } = regionCheck(cfg.region ?? null, device);
        add("edge region", ok, detail);
      } catch (err) {
        add("edge region", false, `${cfg.edgeRegistryAddress}: ${shortError(err)}`);
      }
    }
    if (cfg.edge.enabled) {
      // The heartbeat loop lives in the running runner: ask its endpoint, as a reporter would.
      const url = `http://${cfg.edge.host}:${cfg.edge.port}/heartbeats`;
      try {
        const res = await fetch(url);
        const st = (await res.json()) as HeartbeatState;
        const age = st.lastSignedAt === null ? "never signed" : `last slot ${st.lastEpoch}/${st.lastSlot}`;
        add(
          "edge heartbeats",
          st.running && st.errors === 0,
          `${st.running ? "running" : "stopped"}, region ${st.region ?? "unset"}, ${st.signed} signed, ${age}` +
            (st.lastError ? `, last error: ${st.lastError}` : ""),
        );
      } catch (err) {
        add("edge heartbeats", false, `${url}: ${shortError(err)} (is the runner running?)`);
      }
    }
    rpc.destroy();
    process.exit(checks.every((c) => c.ok) ? 0 : 1);
  });

program
  .command("status")
  .description("print the store: cursor, requests per state, in-flight transactions")
  .action(async () => {
    const cfg = await config();
    const store = new Store(cfg.dbPath, cfg.chainId, cfg.oracleAddress);
    const pending = store.batchesInState("pending");
    process.stdout.write(
      json({
        db: cfg.dbPath,
        oracle: cfg.oracleAddress,
        cursor: store.getCursor() ?? null,
        requests: store.countByState(),
        pendingBatches: pending.map((b) => ({ id: b.id, nonce: b.nonce, size: b.requestIds.length, bumps: b.bumps })),
        failed: store.requestsInState("failed", 20).map((r) => ({ id: r.requestId, reason: r.finalReason })),
      }) + "\n",
    );
    store.close();
  });

program
  .command("expire-legacy")
  .description("close the store's requests in progress from the previous AIOracle encoding (after the oracle upgrade)")
  .action(async () => {
    const cfg = await config();
    const store = new Store(cfg.dbPath, cfg.chainId, cfg.oracleAddress);
    const legacy = store.openRequestsOfOtherEvent(REQUEST_CREATED_TOPIC);
    store.transition(
      legacy.map((r) => r.requestId),
      "expired",
      {
        finalReason: "previous AIOracle encoding: the upgraded oracle cannot fulfil it (refundable after its deadline)",
      },
    );
    process.stdout.write(
      json({ db: cfg.dbPath, expired: legacy.map((r) => ({ id: r.requestId, was: r.state })) }) + "\n",
    );
    store.close();
  });

program
  .command("bench")
  .description("inference throughput of each configured model on this host (no chain needed)")
  .option("-n, --batches <n>", "batches per model", "50")
  .option("-b, --batch-size <n>", "inputs per batch", "64")
  .action(async (o: { batches: string; batchSize: string }) => {
    const cfg = await config();
    const logger = createLogger({ level: cfg.logLevel });
    const batches = Number(o.batches);
    const size = Number(o.batchSize);
    const results = [];
    for (const spec of cfg.models) {
      const backend = await createBackend(spec, logger);
      const inputs = Array.from({ length: size }, (_, i) => {
        const a = new Uint8Array(Math.min(spec.maxInputBytes, 784));
        for (let j = 0; j < a.length; j++) a[j] = (i * 31 + j * 7) & 0xff;
        return a;
      });
      await backend.infer(inputs);
      const progress = new Progress(logger, `bench model ${spec.modelId}`, batches);
      const start = process.hrtime.bigint();
      for (let i = 0; i < batches; i++) {
        await backend.infer(inputs);
        progress.tick();
      }
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      results.push({
        modelId: spec.modelId,
        provider: backend.provider,
        batchSize: size,
        batches,
        inferencesPerSecond: +((batches * size) / seconds).toFixed(1),
        msPerBatch: +((seconds * 1000) / batches).toFixed(3),
      });
      await backend.close();
    }
    process.stdout.write(json(results) + "\n");
  });

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`axon-runner: ${err.message}\n`);
  process.exit(1);
});
