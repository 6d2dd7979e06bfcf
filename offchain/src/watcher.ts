import { getAddress } from "ethers";
import type { RpcPool } from "./chain";
import { shortError } from "./chain";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import { type OracleReader, VerificationMode, decodeRequestCreated } from "./oracle";
import type { NewRequest, RequestRow, Store } from "./store";
import { Wake } from "./wake";

export interface WatcherOptions {
  confirmations: number;
  overlapBlocks: number;
  maxBlockRange: number;
  pollIntervalMs: number;
  startBlock: number;
  /** This node: requests assigned to it are taken at once. */
  node: string;
  /**
   * Takeover (backup node): requests of these models (the ones this runner has a backend for) assigned to other
   * nodes are stored too, flagged as takeovers, when the registry says this node serves the model; the scheduler
   * runs them only after their exclusivity. Undefined or empty: only assigned requests are taken.
   */
  takeoverModels?: Set<bigint>;
  /**
   * Proof mode (issue 15): requests of these models (the runner's `proof` backends) are taken whoever they are
   * assigned to: any node may fulfil them with a proof, at once, so they are never takeovers.
   */
  proofModels?: Set<bigint>;
  /** How long an `isServing` answer is reused (ms). */
  servingCacheMs?: number;
  /** Upper bound of the backoff after consecutive RPC failures. */
  maxBackoffMs?: number;
}

export interface ScanResult {
  head: number;
  scannedTo: number | null;
  inserted: number;
  reorgedTo: number | null;
}

/**
 * Polls `RequestCreated` logs `confirmations` blocks behind the head over a window that overlaps the previous scan,
 * persists the cursor with the requests in one transaction, and detects reorgs by comparing recorded block hashes
 * with the chain; on a reorg it rewinds to the last common block and hands what the orphaned blocks carried to
 * `onReorg`. RPC failures back off exponentially up to `maxBackoffMs` and never stop the loop.
 */
export class Watcher {
  private running = false;
  private loop: Promise<void> | null = null;
  private failures = 0;
  readonly wake = new Wake();
  lastHead = 0;
  lastHeadAtMs = 0;
  /** Timestamp of the latest block seen (chain time: takeover eligibility is judged against it). */
  lastHeadTimestamp = 0;
  private readonly serving = new Map<bigint, { ok: boolean; atMs: number }>();
  private readonly node: string;

  constructor(
    private readonly store: Store,
    private readonly rpc: RpcPool,
    private readonly reader: OracleReader,
    private readonly opts: WatcherOptions,
    private readonly logger: Logger,
    private readonly metrics: Metrics | null,
    private readonly onNew: () => void = () => {},
    private readonly onReorg: (forkBlock: number, rows: RequestRow[]) => Promise<void> = async () => {},
  ) {
    this.node = getAddress(opts.node);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake.notify();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let delay = this.opts.pollIntervalMs;
      try {
        const stage = this.metrics?.stageTimer("scan");
        const res = await this.pollOnce();
        stage?.();
        this.failures = 0;
        // catching up: scan the next window at once
        if (res.scannedTo !== null && res.scannedTo < res.head - this.opts.confirmations) delay = 0;
      } catch (err) {
        this.failures++;
        this.metrics?.errors.inc({ stage: "watcher" });
        delay = Math.min(this.opts.maxBackoffMs ?? 30_000, this.opts.pollIntervalMs * 2 ** Math.min(this.failures, 16));
        this.logger.warn({ err: shortError(err), failures: this.failures, retryInMs: delay }, "watcher poll failed");
      }
      if (this.running) await this.wake.wait(delay);
    }
  }

  /** One poll: reorg check, then at most `maxBlockRange` confirmed blocks scanned. */
  async pollOnce(): Promise<ScanResult> {
    const latest = await this.rpc.call("getBlock", (p) => p.getBlock("latest"));
    if (!latest) throw new Error("latest block not available");
    const head = latest.number;
    this.lastHead = head;
    this.lastHeadAtMs = Date.now();
    this.lastHeadTimestamp = latest.timestamp;
    this.metrics?.headBlock.set(head);
    const safe = head - this.opts.confirmations;
    let reorgedTo: number | null = null;
    let cursor = this.store.getCursor() ?? this.opts.startBlock - 1;

    const fork = await this.findFork(cursor);
    if (fork !== null) {
      reorgedTo = fork;
      const rows = this.store.rewindTo(fork);
      this.metrics?.reorgs.inc();
      this.logger.warn({ fork, cursor, affected: rows.length }, "reorg detected: rewinding to the last common block");
      await this.onReorg(fork, rows);
      cursor = fork;
    }

    if (safe <= cursor || safe < this.opts.startBlock) return { head, scannedTo: null, inserted: 0, reorgedTo };
    const from = Math.max(this.opts.startBlock, cursor + 1 - this.opts.overlapBlocks);
    const to = Math.min(safe, cursor + this.opts.maxBlockRange);
    const [logs, toBlock] = await Promise.all([
      this.reader.getRequestLogs(from, to),
      this.rpc.call("getBlock", (p) => p.getBlock(to)),
    ]);
    if (!toBlock?.hash) throw new Error(`block ${to} not available`);

    const requests: NewRequest[] = [];
    const blocks = new Map<number, string>([[to, toBlock.hash]]);
    for (const log of logs) {
      if (log.removed) continue;
      const known = blocks.get(log.blockNumber);
      // a log from another fork than the block we just read: the chain moved under us, scan again later
      if (known !== undefined && known !== log.blockHash)
        throw new Error(`block ${log.blockNumber} changed during the scan`);
      blocks.set(log.blockNumber, log.blockHash);
      let decoded;
      try {
        decoded = decodeRequestCreated(log.topics, log.data);
      } catch (err) {
        this.logger.warn({ err: shortError(err), tx: log.transactionHash }, "undecodable RequestCreated log skipped");
        continue;
      }
      const proven = decoded.mode === VerificationMode.Proof && (this.opts.proofModels?.has(decoded.modelId) ?? false);
      const assigned = proven || decoded.nodes.includes(this.node);
      // Quorum votes come from the assigned nodes only: nothing to take over there
      if (!assigned && (decoded.mode === VerificationMode.Quorum || !(await this.servesForTakeover(decoded.modelId))))
        continue;
      requests.push({
        requestId: decoded.requestId,
        modelId: decoded.modelId,
        input: decoded.input,
        logTopics: [...log.topics],
        logData: log.data,
        blockNumber: log.blockNumber,
        blockHash: log.blockHash,
        logIndex: log.index,
        txHash: log.transactionHash,
        callbackGasLimit: decoded.callbackGasLimit,
        deadline: decoded.deadline,
        exclusiveUntil: decoded.exclusiveUntil,
        takeover: !assigned,
        mode: decoded.mode,
      });
    }
    const inserted = this.store.commitScan(
      requests,
      [...blocks].map(([number, hash]) => ({ number, hash })),
      to,
    );
    this.metrics?.cursorBlock.set(to);
    if (inserted > 0) {
      this.metrics?.received.inc(inserted);
      this.logger.debug({ from, to, inserted }, "new requests");
      this.onNew();
    }
    return { head, scannedTo: to, inserted, reorgedTo };
  }

  /** Whether this node may back up other nodes on `modelId`: a configured model it serves on chain (cached). */
  private async servesForTakeover(modelId: bigint): Promise<boolean> {
    if (!this.opts.takeoverModels?.has(modelId)) return false;
    const cached = this.serving.get(modelId);
    const now = Date.now();
    if (cached && now - cached.atMs < (this.opts.servingCacheMs ?? 30_000)) return cached.ok;
    const ok = await this.reader.isServing(modelId, this.node);
    if (!ok && cached?.ok !== false)
      this.logger.warn({ modelId: String(modelId) }, "not serving this model on chain: its takeovers are ignored");
    this.serving.set(modelId, { ok, atMs: now });
    return ok;
  }

  /**
   * Compares the recorded hashes at or below the cursor with the chain; returns the last block whose recorded hash
   * still matches (the fork point) when the newest one differs, or null when there was no reorg.
   */
  private async findFork(cursor: number): Promise<number | null> {
    const recorded = this.store.recordedBlocks(cursor);
    if (recorded.length === 0) return (await this.batchOrphanedAbove(cursor)) ? cursor : null;
    const newest = await this.rpc.call("getBlock", (p) => p.getBlock(recorded[0].number));
    // the scanned blocks all stand; a fulfilment confirmed above the cursor (the submitter confirms by receipt and
    // can be ahead of a lagging scan) may still sit on an orphaned block: the fork is then above the cursor
    if (newest?.hash === recorded[0].hash) return (await this.batchOrphanedAbove(cursor)) ? cursor : null;
    for (const b of recorded.slice(1)) {
      const onChain = await this.rpc.call("getBlock", (p) => p.getBlock(b.number));
      if (onChain?.hash === b.hash) return b.number;
    }
    return Math.max(this.opts.startBlock - 1, recorded[recorded.length - 1].number - 1);
  }

  /** Whether a batch the submitter settled in a block above `cursor` was mined in a block the chain no longer has. */
  private async batchOrphanedAbove(cursor: number): Promise<boolean> {
    const mined = new Map<number, string>();
    for (const b of this.store.batchesMinedAbove(cursor))
      if ((b.state === "confirmed" || b.state === "reverted") && b.minedBlock !== null && b.minedBlockHash)
        mined.set(b.minedBlock, b.minedBlockHash);
    for (const [number, hash] of mined) {
      const onChain = await this.rpc.call("getBlock", (p) => p.getBlock(number));
      if (onChain?.hash !== hash) return true;
    }
    return false;
  }
}
