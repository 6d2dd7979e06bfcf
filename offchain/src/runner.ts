import { existsSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { Wallet } from "ethers";
import { createBackend } from "./backends";
import type { InferenceBackend, ModelSpec } from "./backends/types";
import { RpcPool, shortError } from "./chain";
import type { RunnerConfig } from "./config";
import { HeartbeatLoop, readTiming } from "./heartbeat";
import { type Logger, createLogger } from "./log";
import { type Health, Metrics, MetricsServer } from "./metrics";
import { verifyModelHash } from "./modelHash";
import { OracleReader, REQUEST_CREATED_TOPIC } from "./oracle";
import { Scheduler } from "./scheduler";
import { Store } from "./store";
import { Submitter } from "./submitter";
import { TakeoverGate } from "./takeover";
import { Watcher } from "./watcher";

export type BackendFactory = (spec: ModelSpec, logger: Logger) => Promise<InferenceBackend>;

export interface RunnerOptions {
  logger?: Logger;
  /** Replaces the real backends (unit tests only; end-to-end tests use the real ONNX backend). */
  backendFactory?: BackendFactory;
  /** Serve /metrics and /healthz (default true; port 0 picks a free one). */
  serveMetrics?: boolean;
  /** Inference attempts per request before it is answered with InferenceFailed. */
  maxInferenceAttempts?: number;
}

export class RunnerLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly pid: number,
  ) {
    super(`another runner (pid ${pid}) holds ${lockFile}: one writer per key`);
    this.name = "RunnerLockedError";
  }
}

/**
 * The store holds requests in progress that were created under an earlier encoding of the oracle's `Request` (the
 * 18-field tuple before issue 13): the upgraded oracle cannot take them back, and the runner will not guess.
 */
export class LegacyRequestsError extends Error {
  constructor(
    readonly dbPath: string,
    readonly requestIds: bigint[],
  ) {
    const shown = requestIds.slice(0, 10).map(String).join(", ");
    super(
      `the store ${dbPath} holds ${requestIds.length} request(s) in progress from the previous AIOracle encoding ` +
        `(${shown}${requestIds.length > 10 ? ", ..." : ""}): before the oracle upgrade, let the previous runner ` +
        "fulfil them; after it, run `axon-runner expire-legacy` to close them in the store (their requesters can " +
        "refund them after the deadline)",
    );
    this.name = "LegacyRequestsError";
  }
}

/** Lock files held by runners of this process (the pid check alone cannot tell two in-process runners apart). */
const heldLocks = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The whole pipeline for one node key: watcher → store → scheduler → backends → submitter, plus metrics.
 * `start()` verifies every model file against its on-chain weights hash (refusing to start on a mismatch),
 * reconciles the store with the chain, and only then starts sending. `stop()` drains and closes everything.
 */
export class Runner {
  readonly logger: Logger;
  readonly metrics = new Metrics(true);
  readonly rpc: RpcPool;
  readonly reader: OracleReader;
  store!: Store;
  submitter!: Submitter;
  watcher!: Watcher;
  scheduler!: Scheduler;
  readonly backends = new Map<bigint, InferenceBackend>();
  private server: MetricsServer | null = null;
  /** DePIN edge heartbeat loop (issue 16), when `edge.enabled`. */
  heartbeat: HeartbeatLoop | null = null;
  private housekeeping: NodeJS.Timeout | null = null;
  private readonly lockFile: string;
  private ownsLock = false;
  metricsPort: number | null = null;
  private started = false;

  constructor(
    readonly config: RunnerConfig,
    private readonly opts: RunnerOptions = {},
  ) {
    this.logger = opts.logger ?? createLogger({ level: config.logLevel });
    this.rpc = new RpcPool(config.rpcUrls, config.chainId, this.logger, config.rpcTimeoutMs);
    this.reader = new OracleReader(this.rpc, config.oracleAddress, config.registryAddress);
    this.lockFile = `${config.dbPath}.lock`;
  }

  private acquireLock(): void {
    if (heldLocks.has(this.lockFile)) throw new RunnerLockedError(this.lockFile, process.pid);
    if (existsSync(this.lockFile)) {
      const pid = Number(readFileSync(this.lockFile, "utf8").trim());
      if (pid && pid !== process.pid && pidAlive(pid)) throw new RunnerLockedError(this.lockFile, pid);
    }
    writeFileSync(this.lockFile, String(process.pid));
    heldLocks.add(this.lockFile);
    this.ownsLock = true;
  }

  private releaseLock(): void {
    if (!this.ownsLock) return;
    this.ownsLock = false;
    heldLocks.delete(this.lockFile);
    try {
      if (existsSync(this.lockFile) && readFileSync(this.lockFile, "utf8").trim() === String(process.pid))
        unlinkSync(this.lockFile);
    } catch {
      // best effort: a stale lock of a dead pid is taken over at the next start
    }
  }

  /** Checks each model file against its on-chain weights hash; throws (naming both hashes) on a mismatch. */
  async verifyModels(): Promise<void> {
    for (const spec of this.config.models) {
      if (spec.backend !== "onnx" || !spec.path) continue;
      const onChain = await this.reader.weightsHashOf(spec.modelId);
      await verifyModelHash(spec.path, onChain);
      this.logger.info({ modelId: String(spec.modelId), weightsHash: onChain }, "model file matches its on-chain hash");
    }
  }

  async start(): Promise<void> {
    if (this.started) return;
    const cfg = this.config;
    this.acquireLock();
    try {
      this.store = new Store(cfg.dbPath, cfg.chainId, cfg.oracleAddress);
      const legacy = this.store.openRequestsOfOtherEvent(REQUEST_CREATED_TOPIC);
      if (legacy.length > 0)
        throw new LegacyRequestsError(
          cfg.dbPath,
          legacy.map((r) => r.requestId),
        );
      await this.verifyModels();
      const factory = this.opts.backendFactory ?? createBackend;
      for (const spec of cfg.models) {
        const backend = await factory(spec, this.logger);
        if (backend.provider !== spec.executionProvider)
          this.logger.warn(
            { modelId: String(spec.modelId), requested: spec.executionProvider, using: backend.provider },
            "execution provider fell back",
          );
        this.backends.set(spec.modelId, backend);
      }
      this.submitter = new Submitter(
        this.store,
        this.rpc,
        this.reader,
        cfg.nodeKey,
        {
          chainId: cfg.chainId,
          oracle: cfg.oracleAddress,
          confirmations: cfg.confirmations,
          maxTxItems: cfg.batching.maxTxItems,
          maxTxWaitMs: cfg.batching.maxTxWaitMs,
          maxInFlightTxs: cfg.batching.maxInFlightTxs,
          maxAttempts: cfg.submitter.maxAttempts,
          bumpAfterBlocks: cfg.submitter.bumpAfterBlocks,
          bumpPercent: cfg.submitter.bumpPercent,
          maxFeePerGasCapWei: cfg.submitter.maxFeePerGasCapWei,
          priorityFeeWei: cfg.submitter.priorityFeeWei,
          baseGas: cfg.submitter.baseGas,
          perItemGasOverhead: cfg.submitter.perItemGasOverhead,
          maxGasPerTx: cfg.submitter.maxGasPerTx,
          pollMs: Math.min(cfg.pollIntervalMs, 200),
          finalize: cfg.optimistic.finalize,
          maxFinalizesPerTick: cfg.optimistic.maxFinalizesPerTick,
        },
        this.logger,
        this.metrics,
      );
      const gate = new TakeoverGate(
        this.store,
        this.reader,
        this.submitter.address,
        this.logger,
        this.metrics,
        () => this.watcher?.lastHeadTimestamp ?? 0,
      );
      this.scheduler = new Scheduler(
        this.store,
        this.backends,
        {
          maxBatchSize: cfg.batching.maxBatchSize,
          maxWaitMs: cfg.batching.maxWaitMs,
          maxAttempts: this.opts.maxInferenceAttempts ?? cfg.submitter.maxAttempts,
          chainTime: () => this.watcher?.lastHeadTimestamp ?? 0,
          takeoverDelaySeconds: cfg.takeover.extraDelaySeconds,
          checkTakeovers: (rows) => gate.check(rows),
        },
        this.logger,
        this.metrics,
        () => this.submitter.wake.notify(),
      );
      this.watcher = new Watcher(
        this.store,
        this.rpc,
        this.reader,
        {
          confirmations: cfg.confirmations,
          overlapBlocks: cfg.overlapBlocks,
          maxBlockRange: cfg.maxBlockRange,
          pollIntervalMs: cfg.pollIntervalMs,
          startBlock: cfg.startBlock,
          node: this.submitter.address,
          takeoverModels: cfg.takeover.enabled ? new Set(cfg.models.map((m) => m.modelId)) : undefined,
          proofModels: new Set(cfg.models.filter((m) => m.backend === "proof").map((m) => m.modelId)),
        },
        this.logger,
        this.metrics,
        () => this.scheduler.wake.notify(),
        (fork) => this.submitter.recheckAfterReorg(fork),
      );

      // reconciliation before anything is sent: interrupted inferences go back to the queue, the nonce and every
      // stored in-flight transaction are re-checked against the chain
      const interrupted = this.store.requestsInState("inferring").map((r) => r.requestId);
      this.store.transition(interrupted, "seen", {}, ["inferring"]);
      await this.submitter.reconcile();

      if (this.opts.serveMetrics !== false) {
        this.server = new MetricsServer(this.metrics, () => this.health());
        this.metricsPort = await this.server.listen(cfg.metricsPort, cfg.metricsHost);
      }
      if (cfg.edge.enabled && cfg.edgeRegistryAddress) await this.startHeartbeat(cfg.edgeRegistryAddress);
      this.watcher.start();
      this.scheduler.start();
      this.submitter.start();
      this.housekeeping = setInterval(() => void this.refreshGauges(), 2000);
      this.housekeeping.unref();
      void this.refreshGauges();
      this.started = true;
      this.logger.info(
        {
          node: this.submitter.address,
          oracle: cfg.oracleAddress,
          models: cfg.models.length,
          metricsPort: this.metricsPort,
        },
        "runner started",
      );
    } catch (err) {
      await this.teardown();
      throw err;
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.teardown();
    this.logger.info("runner stopped");
  }

  private async startHeartbeat(registry: string): Promise<void> {
    const cfg = this.config;
    const timing = await this.rpc.call("edge timing", (p) => readTiming(p, registry));
    const wallet = new Wallet(cfg.nodeKey);
    this.heartbeat = new HeartbeatLoop({
      wallet,
      node: wallet.address,
      chainId: cfg.chainId,
      registry,
      timing,
      region: cfg.region ?? null,
      now: async () => (await this.rpc.call("edge clock", (p) => p.getBlock("latest")))?.timestamp ?? Date.now() / 1000,
    });
    const port = await this.heartbeat.listen(cfg.edge.port, cfg.edge.host);
    this.heartbeat.start();
    this.logger.info({ registry, port, region: cfg.region }, "edge heartbeats started");
  }

  private async teardown(): Promise<void> {
    await this.heartbeat?.stop();
    this.heartbeat = null;
    if (this.housekeeping) clearInterval(this.housekeeping);
    this.housekeeping = null;
    await this.watcher?.stop();
    await this.scheduler?.stop();
    await this.submitter?.stop();
    await this.server?.close();
    this.server = null;
    for (const b of this.backends.values()) await b.close().catch(() => undefined);
    this.backends.clear();
    this.rpc.destroy();
    try {
      this.store?.close();
    } catch {
      // already closed
    }
    this.releaseLock();
  }

  private async refreshGauges(): Promise<void> {
    try {
      const counts = this.store.countByState();
      for (const [state, n] of Object.entries(counts)) this.metrics.queueDepth.set({ state }, n);
      this.metrics.balance.set(Number(await this.submitter.balance()));
    } catch (err) {
      this.logger.debug({ err: shortError(err) }, "gauge refresh failed");
    }
  }

  /** /healthz: RPC reachable and recent, watcher not lagging, database answering. */
  async health(): Promise<Health> {
    let dbOk = false;
    try {
      dbOk = this.store.ping();
    } catch {
      dbOk = false;
    }
    let head: number | null = null;
    let rpcError: string | null = null;
    try {
      head = await this.rpc.call("health", (p) => p.getBlockNumber(), { attempts: 2 });
    } catch (err) {
      rpcError = shortError(err);
    }
    const cursor = dbOk ? (this.store.getCursor() ?? null) : null;
    const lagBlocks = head !== null && cursor !== null ? head - cursor : null;
    const sinceHeadMs = this.watcher?.lastHeadAtMs ? Date.now() - this.watcher.lastHeadAtMs : null;
    const maxLag = this.config.confirmations + 2 * this.config.maxBlockRange;
    const ok = dbOk && head !== null && (lagBlocks === null || lagBlocks <= maxLag);
    return {
      ok,
      db: { ok: dbOk },
      rpc: { ok: head !== null, head, error: rpcError, lagBlocks, sinceLastPollMs: sinceHeadMs },
      queue: dbOk ? this.store.countByState() : null,
    };
  }
}
