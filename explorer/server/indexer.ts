import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type EventFragment, type InterfaceAbi, Interface, type Log, type ParamType, type Provider } from "ethers";
import type { DeploymentManifest } from "../../deploy/manifest";
import type { ExplorerDb, StoredEvent } from "./db";

export interface IndexerOptions {
  /** Blocks behind the head that are indexed (0 on local chains). */
  confirmations: number;
  /** Largest block range of one eth_getLogs call. */
  maxBlockRange: number;
  /** Delay between polls once caught up. */
  pollIntervalMs: number;
  /** Upper bound of the backoff after consecutive RPC failures. */
  maxBackoffMs: number;
  log: (line: string) => void;
}

export const DEFAULT_INDEXER_OPTIONS: IndexerOptions = {
  confirmations: 0,
  maxBlockRange: 2_000,
  pollIntervalMs: 1_000,
  maxBackoffMs: 30_000,
  log: () => {},
};

export interface ScanResult {
  head: number;
  /** First block scanned by this poll, or null when there was nothing new to scan. */
  scannedFrom: number | null;
  /** Last block stored by this poll, or null when there was nothing new to scan. */
  scannedTo: number | null;
  events: number;
  /** The fork point when this poll detected a reorg. */
  reorgedTo: number | null;
}

/** Hardhat artifacts under `artifactsDir` by contract name (the manifest's `artifact`): their ABIs. */
export function loadAbis(artifactsDir: string): Map<string, InterfaceAbi> {
  const abis = new Map<string, InterfaceAbi>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".json") && !entry.name.endsWith(".dbg.json")) {
        const artifact = JSON.parse(readFileSync(full, "utf8")) as { contractName?: string; abi?: InterfaceAbi };
        if (artifact.contractName && artifact.abi && !abis.has(artifact.contractName))
          abis.set(artifact.contractName, artifact.abi);
      }
    }
  };
  const contracts = path.join(artifactsDir, "contracts");
  if (!existsSync(contracts)) throw new Error(`no compiled artifacts in ${contracts}: run npx hardhat compile`);
  walk(contracts);
  return abis;
}

/** A contract's events by topic (ethers' parseLog hashes every event signature on each call: twice as slow). */
interface Decoder {
  name: string;
  iface: Interface;
  events: Map<string, EventFragment>;
}

function decoder(name: string, abi: InterfaceAbi): Decoder {
  const iface = new Interface(abi);
  const events = new Map<string, EventFragment>();
  iface.forEachEvent((f) => events.set(f.topicHash, f));
  return { name, iface, events };
}

/** An ethers value as JSON: integers as decimal strings, structs as objects by field name. */
export function toJson(value: unknown, type: ParamType): unknown {
  if (type.isTuple()) {
    const out: Record<string, unknown> = {};
    const items = value as unknown[];
    type.components!.forEach((c, i) => (out[c.name || String(i)] = toJson(items[i], c)));
    return out;
  }
  if (type.isArray()) return (value as unknown[]).map((v) => toJson(v, type.arrayChildren!));
  if (typeof value === "bigint") return value.toString();
  return value;
}

/**
 * Pulls the logs of every contract in the manifest (and of every ModelToken an offering launches) in block ranges
 * `confirmations` behind the head, decodes them with the artifacts' ABIs and stores them with the block hashes it
 * read; like the runner's watcher (offchain/src/watcher.ts) it compares the recorded hashes with the chain before
 * each scan and, on a mismatch, rewinds to the last common block and re-indexes from there. The cursor lives in the
 * store, so a restart resumes where it stopped.
 */
export class Indexer {
  private running = false;
  private loop: Promise<void> | null = null;
  private failures = 0;
  private wakeUp: (() => void) | null = null;
  private readonly ifaces = new Map<string, Decoder>();
  private readonly tokenDecoder: Decoder;
  readonly startBlock: number;
  readonly opts: IndexerOptions;
  headBlock = 0;
  /** Timestamp of the head block seen by the last poll (what "expired" is judged against). */
  headTime = 0;
  lastError: string | null = null;
  reorgs = 0;

  constructor(
    private readonly db: ExplorerDb,
    private readonly provider: Provider,
    manifest: DeploymentManifest,
    abis: Map<string, InterfaceAbi>,
    opts: Partial<IndexerOptions> = {},
  ) {
    this.opts = { ...DEFAULT_INDEXER_OPTIONS, ...opts };
    const tokenAbi = abis.get("ModelToken");
    if (!tokenAbi) throw new Error("no ModelToken artifact: run npx hardhat compile");
    this.tokenDecoder = decoder("ModelToken", tokenAbi);
    let start = Number.MAX_SAFE_INTEGER;
    for (const c of Object.values(manifest.contracts)) {
      const abi = abis.get(c.artifact);
      if (!abi) continue;
      this.ifaces.set(c.address.toLowerCase(), decoder(c.artifact, abi));
      start = Math.min(start, c.blockNumber);
    }
    this.startBlock = start === Number.MAX_SAFE_INTEGER ? 0 : start;
    for (const t of db.tokenAddresses()) this.addToken(t);
  }

  private addToken(address: string): void {
    if (!this.ifaces.has(address.toLowerCase())) this.ifaces.set(address.toLowerCase(), this.tokenDecoder);
  }

  /** The last fully indexed block. */
  indexedBlock(): number {
    return this.db.getCursor() ?? this.startBlock - 1;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let delay = this.opts.pollIntervalMs;
      try {
        const res = await this.syncOnce();
        this.failures = 0;
        this.lastError = null;
        if (res.scannedTo !== null && res.scannedTo < res.head - this.opts.confirmations) delay = 0;
      } catch (err) {
        this.failures++;
        this.lastError = err instanceof Error ? err.message : String(err);
        delay = Math.min(this.opts.maxBackoffMs, this.opts.pollIntervalMs * 2 ** Math.min(this.failures, 16));
        this.opts.log(`explorer indexer: poll failed (${this.lastError}); retrying in ${delay} ms`);
      }
      if (this.running && delay > 0)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          this.wakeUp = () => {
            clearTimeout(t);
            resolve();
          };
        });
    }
  }

  /** Polls until the indexed block reaches the confirmed head. */
  async syncToHead(): Promise<void> {
    for (;;) {
      const res = await this.syncOnce();
      if (res.scannedTo === null || res.scannedTo >= res.head - this.opts.confirmations) return;
    }
  }

  /** One poll: reorg check, then at most `maxBlockRange` confirmed blocks indexed. */
  async syncOnce(): Promise<ScanResult> {
    const latest = await this.provider.getBlock("latest");
    if (!latest) throw new Error("latest block not available");
    const head = latest.number;
    this.headBlock = head;
    this.headTime = latest.timestamp;
    const safe = head - this.opts.confirmations;
    let cursor = this.indexedBlock();
    let reorgedTo: number | null = null;

    const fork = await this.findFork(cursor);
    if (fork !== null) {
      reorgedTo = fork;
      this.reorgs++;
      const dropped = this.db.rewindTo(fork);
      this.opts.log(`explorer indexer: reorg below block ${cursor}: rewound to ${fork} (${dropped} events dropped)`);
      cursor = fork;
    }
    if (safe <= cursor) return { head, scannedFrom: null, scannedTo: null, events: 0, reorgedTo };

    const from = cursor + 1;
    const to = Math.min(safe, cursor + this.opts.maxBlockRange);
    const [logs, toBlock] = await Promise.all([
      this.getLogs([...this.ifaces.keys()], from, to),
      this.provider.getBlock(to),
    ]);
    if (!toBlock?.hash) throw new Error(`block ${to} not available`);

    const decoded: Omit<StoredEvent, "time">[] = [];
    const decode = (list: Log[]) => {
      for (const log of list) {
        if (log.removed) continue;
        const known = this.ifaces.get(log.address.toLowerCase());
        if (!known) continue;
        const fragment = known.events.get(log.topics[0]);
        if (!fragment) continue;
        let values;
        try {
          values = known.iface.decodeEventLog(fragment, log.data, log.topics);
        } catch {
          continue;
        }
        const args: Record<string, unknown> = {};
        fragment.inputs.forEach((input, i) => (args[input.name || String(i)] = toJson(values[i], input)));
        decoded.push({
          block: log.blockNumber,
          logIndex: log.index,
          txHash: log.transactionHash,
          contract: known.name,
          address: log.address,
          name: fragment.name,
          args,
          blockHash: log.blockHash,
        } as Omit<StoredEvent, "time"> & { blockHash: string });
      }
    };
    decode(logs);
    // A token launched in this range: its own logs of the range (the mint) are pulled before the range is stored.
    const launched = decoded.filter((e) => e.contract === "ModelOffering" && e.name === "OfferingLaunched");
    const fresh = launched.map((e) => String(e.args.token)).filter((t) => !this.ifaces.has(t.toLowerCase()));
    if (fresh.length) {
      fresh.forEach((t) => this.addToken(t));
      decode(await this.getLogs(fresh, Math.min(...launched.map((e) => e.block)), to));
    }

    // Block hashes and timestamps of every block that carried a log, plus the range's last block.
    const blocks = new Map<number, { hash: string; time: number }>([
      [to, { hash: toBlock.hash, time: toBlock.timestamp }],
    ]);
    const numbers = [...new Set(decoded.map((e) => e.block))].filter((n) => !blocks.has(n));
    await parallel(numbers, 16, async (n) => {
      const b = await this.provider.getBlock(n);
      if (!b?.hash) throw new Error(`block ${n} not available`);
      blocks.set(n, { hash: b.hash, time: b.timestamp });
    });
    for (const e of decoded) {
      // a log from another fork than the block just read: the chain moved under us, scan again later
      if (blocks.get(e.block)!.hash !== (e as unknown as { blockHash: string }).blockHash)
        throw new Error(`block ${e.block} changed during the scan`);
      delete (e as unknown as { blockHash?: string }).blockHash;
    }

    // Gas of the fulfilling transactions (a batch's gas is shared by the requests it fulfilled).
    const fulfilTxs = [
      ...new Set(
        decoded
          .filter((e) => e.contract === "AIOracle" && e.name === "RequestFulfilled" && e.args.isFinal)
          .map((e) => e.txHash),
      ),
    ];
    const txGas: { hash: string; block: number; gasUsed: bigint }[] = [];
    await parallel(fulfilTxs, 16, async (hash) => {
      const r = await this.provider.getTransactionReceipt(hash);
      if (r) txGas.push({ hash, block: r.blockNumber, gasUsed: r.gasUsed });
    });

    const events: StoredEvent[] = decoded.map((e) => ({ ...e, time: blocks.get(e.block)!.time }));
    this.db.commitScan(
      events,
      [...blocks].map(([number, b]) => ({ number, hash: b.hash })),
      txGas,
      to,
    );
    return { head, scannedFrom: from, scannedTo: to, events: events.length, reorgedTo };
  }

  private async getLogs(addresses: string[], fromBlock: number, toBlock: number): Promise<Log[]> {
    if (addresses.length === 0) return [];
    return this.provider.getLogs({ address: addresses, fromBlock, toBlock });
  }

  /**
   * Compares the recorded hashes at or below the cursor with the chain; returns the last block whose recorded hash
   * still matches (the fork point) when the newest one differs, or null when there was no reorg.
   */
  private async findFork(cursor: number): Promise<number | null> {
    const recorded = this.db.recordedBlocks(cursor);
    if (recorded.length === 0) return null;
    const newest = await this.provider.getBlock(recorded[0].number);
    if (newest?.hash === recorded[0].hash) return null;
    for (const b of recorded.slice(1)) {
      const onChain = await this.provider.getBlock(b.number);
      if (onChain?.hash === b.hash) return b.number;
    }
    // deeper than the kept hashes: re-index everything
    return this.startBlock - 1;
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
async function parallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
