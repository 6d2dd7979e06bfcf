import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

/**
 * The explorer's store: one SQLite file per network (WAL). `events` holds every decoded log of the Axon contracts
 * (the source of truth); the other tables are derived from it in log order by `applyEvent`, so a reorg rewinds by
 * deleting the orphaned events and replaying the rest (`rewindTo`), and a restart resumes from `cursor`.
 */

/** A decoded log as stored: `args` holds JSON values (integers as decimal strings, addresses checksummed). */
export interface StoredEvent {
  block: number;
  logIndex: number;
  txHash: string;
  time: number;
  contract: string;
  address: string;
  name: string;
  args: Record<string, unknown>;
}

export const REQUEST_STATES = ["open", "provisional", "challenged", "fulfilled", "failed", "refunded"] as const;
export const MODES = ["none", "quorum", "optimistic", "proof"] as const;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS txs (hash TEXT PRIMARY KEY, block INTEGER NOT NULL, gas_used TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_hash TEXT NOT NULL, time INTEGER NOT NULL,
  contract TEXT NOT NULL, address TEXT NOT NULL, name TEXT NOT NULL, ref TEXT, args TEXT NOT NULL,
  PRIMARY KEY (block, log_index));
CREATE INDEX IF NOT EXISTS events_ref ON events (ref);
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY, model TEXT NOT NULL, requester TEXT NOT NULL, state TEXT NOT NULL, mode TEXT NOT NULL,
  node TEXT, assigned TEXT NOT NULL, fee_wei TEXT NOT NULL, model_fee_wei TEXT NOT NULL, deadline INTEGER NOT NULL,
  request_block INTEGER NOT NULL, request_time INTEGER NOT NULL, fulfil_block INTEGER, fulfil_time INTEGER,
  callback_ok INTEGER, error_code INTEGER, fulfil_tx TEXT, refund_wei TEXT, tx_hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS requests_model ON requests (model, id);
CREATE INDEX IF NOT EXISTS requests_node ON requests (node, id);
CREATE INDEX IF NOT EXISTS requests_state ON requests (state, id);
CREATE INDEX IF NOT EXISTS requests_fulfil_tx ON requests (fulfil_tx);
CREATE INDEX IF NOT EXISTS requests_requester ON requests (requester, id);
CREATE TABLE IF NOT EXISTS models (
  id INTEGER PRIMARY KEY, owner TEXT NOT NULL, weights_hash TEXT NOT NULL, metadata_uri TEXT NOT NULL,
  fee_wei TEXT NOT NULL, mode TEXT NOT NULL, active INTEGER NOT NULL, receiver TEXT, token TEXT, name TEXT,
  symbol TEXT, requests INTEGER NOT NULL, revenue_wei TEXT NOT NULL, block INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS model_nodes (model INTEGER NOT NULL, node TEXT NOT NULL, PRIMARY KEY (model, node));
CREATE TABLE IF NOT EXISTS model_revenue (
  model INTEGER NOT NULL, request INTEGER NOT NULL, time INTEGER NOT NULL, amount_wei TEXT NOT NULL,
  PRIMARY KEY (model, request));
CREATE TABLE IF NOT EXISTS holders (token TEXT NOT NULL, holder TEXT NOT NULL, balance TEXT NOT NULL,
  PRIMARY KEY (token, holder));
CREATE TABLE IF NOT EXISTS datasets (
  id INTEGER PRIMARY KEY, seller TEXT NOT NULL, lister TEXT NOT NULL, content_hash TEXT NOT NULL,
  metadata_uri TEXT NOT NULL, license_uri TEXT NOT NULL, price_wei TEXT NOT NULL, payment_asset TEXT NOT NULL,
  royalties TEXT NOT NULL, provenance TEXT, listed INTEGER NOT NULL, sales INTEGER NOT NULL, revenue_wei TEXT NOT NULL,
  block INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY, requester TEXT NOT NULL, provider TEXT, state TEXT NOT NULL, token TEXT NOT NULL,
  price_wei TEXT NOT NULL, disputed INTEGER NOT NULL, slashed_wei TEXT NOT NULL, spec_uri TEXT NOT NULL,
  result_hash TEXT, block INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS operators (
  address TEXT NOT NULL, service TEXT NOT NULL, staked_wei TEXT NOT NULL, slashed_wei TEXT NOT NULL,
  slashes INTEGER NOT NULL, PRIMARY KEY (address, service));
CREATE TABLE IF NOT EXISTS totals (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const DERIVED = [
  "requests",
  "models",
  "model_nodes",
  "model_revenue",
  "holders",
  "datasets",
  "jobs",
  "operators",
  "totals",
];

/** Where `--network <name>` keeps its store unless `--db` says otherwise. */
export function defaultDbPath(root: string, network: string): string {
  return path.join(root, ".axon", `explorer-${network}.sqlite`);
}

const big = (v: unknown): bigint => BigInt(v as string);
const str = (v: unknown): string => String(v);

export class ExplorerDb {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** How many recent block hashes are kept for reorg detection. */
  readonly keepBlocks: number;

  constructor(file: string, keepBlocks = 128) {
    if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
    this.keepBlocks = keepBlocks;
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  // ---- meta, cursor, block hashes -------------------------------------------------------------------------------

  getMeta(key: string): string | undefined {
    return (this.stmt("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
      key,
      value,
    );
  }

  /** The last block whose logs are all stored, or undefined before the first scan. */
  getCursor(): number | undefined {
    const v = this.getMeta("cursor");
    return v === undefined ? undefined : Number(v);
  }

  /** Recorded block hashes at or below `atOrBelow`, newest first. */
  recordedBlocks(atOrBelow: number): { number: number; hash: string }[] {
    return this.stmt("SELECT number, hash FROM blocks WHERE number <= ? ORDER BY number DESC LIMIT ?").all(
      atOrBelow,
      this.keepBlocks,
    ) as { number: number; hash: string }[];
  }

  /**
   * Stores one scanned range atomically: its events (applied to the derived tables in log order), the receipts'
   * gas of their transactions, the hashes of the blocks read, and the new cursor.
   */
  commitScan(
    events: StoredEvent[],
    blocks: { number: number; hash: string }[],
    txGas: { hash: string; block: number; gasUsed: bigint }[],
    cursor: number,
  ): void {
    this.db.transaction(() => {
      for (const t of txGas)
        this.stmt("INSERT OR REPLACE INTO txs (hash, block, gas_used) VALUES (?, ?, ?)").run(
          t.hash,
          t.block,
          t.gasUsed.toString(),
        );
      const insert = this.stmt(
        `INSERT OR IGNORE INTO events (block, log_index, tx_hash, time, contract, address, name, ref, args)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const e of [...events].sort((a, b) => a.block - b.block || a.logIndex - b.logIndex)) {
        const res = insert.run(
          e.block,
          e.logIndex,
          e.txHash,
          e.time,
          e.contract,
          e.address,
          e.name,
          refOf(e),
          JSON.stringify(e.args),
        );
        // an overlapping window may deliver a log twice: it is applied once
        if (res.changes > 0) this.applyEvent(e);
      }
      for (const b of blocks)
        this.stmt("INSERT OR REPLACE INTO blocks (number, hash) VALUES (?, ?)").run(b.number, b.hash);
      this.stmt("DELETE FROM blocks WHERE number NOT IN (SELECT number FROM blocks ORDER BY number DESC LIMIT ?)").run(
        this.keepBlocks,
      );
      this.setMeta("cursor", String(cursor));
    })();
  }

  /**
   * A reorg whose last common block is `forkBlock`: forgets every event, transaction and block hash above it,
   * rebuilds the derived tables by replaying the remaining events, and rewinds the cursor. Returns the number of
   * events dropped.
   */
  rewindTo(forkBlock: number): number {
    return this.db.transaction(() => {
      const dropped = this.stmt("DELETE FROM events WHERE block > ?").run(forkBlock).changes;
      this.stmt("DELETE FROM txs WHERE block > ?").run(forkBlock);
      this.stmt("DELETE FROM blocks WHERE number > ?").run(forkBlock);
      this.rebuild();
      const cur = this.getCursor();
      if (cur === undefined || cur > forkBlock) this.setMeta("cursor", String(forkBlock));
      return dropped;
    })();
  }

  /** Forgets everything (another deployment, e.g. a fresh in-process chain). */
  reset(): void {
    this.db.transaction(() => {
      for (const t of ["meta", "blocks", "txs", "events", ...DERIVED]) this.db.exec(`DELETE FROM ${t}`);
    })();
  }

  /** Recomputes every derived table from the stored events. */
  rebuild(): void {
    for (const t of DERIVED) this.db.exec(`DELETE FROM ${t}`);
    const rows = this.stmt(
      "SELECT block, log_index, tx_hash, time, contract, address, name, args FROM events ORDER BY block, log_index",
    ).all() as {
      block: number;
      log_index: number;
      tx_hash: string;
      time: number;
      contract: string;
      address: string;
      name: string;
      args: string;
    }[];
    for (const r of rows)
      this.applyEvent({
        block: r.block,
        logIndex: r.log_index,
        txHash: r.tx_hash,
        time: r.time,
        contract: r.contract,
        address: r.address,
        name: r.name,
        args: JSON.parse(r.args),
      });
  }

  /** Known ModelToken addresses (their logs are pulled with the manifest's contracts). */
  tokenAddresses(): string[] {
    return (this.stmt("SELECT token FROM models WHERE token IS NOT NULL").all() as { token: string }[]).map(
      (r) => r.token,
    );
  }

  // ---- totals ---------------------------------------------------------------------------------------------------

  total(key: string): bigint {
    const r = this.stmt("SELECT value FROM totals WHERE key = ?").get(key) as { value: string } | undefined;
    return r ? BigInt(r.value) : 0n;
  }

  private addTotal(key: string, amount: bigint): void {
    this.stmt(
      "INSERT INTO totals (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = CAST(? AS TEXT)",
    ).run(key, amount.toString(), (this.total(key) + amount).toString());
  }

  // ---- derivation -----------------------------------------------------------------------------------------------

  /** Applies one event to the derived tables (events arrive in chain order). */
  applyEvent(e: StoredEvent): void {
    const a = e.args;
    const key = `${e.contract}.${e.name}`;
    switch (key) {
      // ---- oracle ----
      case "AIOracle.RequestCreated": {
        const r = a.request as Record<string, unknown>;
        const receiverFee = big(r.receiverFee);
        const fees = big(r.fees);
        const timing = big(r.timing);
        const mask96 = (1n << 96n) - 1n;
        const modelFee = receiverFee >> 160n;
        const nodeFee = fees & mask96;
        const gasFee = (fees >> 96n) & mask96;
        const bps = (fees >> 192n) & 0xffffn;
        const protocolFee = ((modelFee + nodeFee + gasFee) * bps) / 10_000n;
        const mode = Number((fees >> 240n) & 0xffn);
        const deadline = Number((timing >> 40n) & ((1n << 40n) - 1n));
        this.stmt(
          `INSERT OR REPLACE INTO requests (id, model, requester, state, mode, node, assigned, fee_wei, model_fee_wei,
             deadline, request_block, request_time, tx_hash) VALUES (?, ?, ?, 'open', ?, NULL, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          Number(a.requestId),
          str(a.modelId),
          str(a.requester),
          MODES[mode] ?? String(mode),
          JSON.stringify(r.nodes),
          (modelFee + nodeFee + gasFee + protocolFee).toString(),
          modelFee.toString(),
          deadline,
          e.block,
          e.time,
          e.txHash,
        );
        this.stmt("UPDATE models SET requests = requests + 1 WHERE id = ?").run(Number(a.modelId));
        break;
      }
      case "AIOracle.RequestFulfilled": {
        const id = Number(a.requestId);
        if (!a.isFinal) {
          this.stmt("UPDATE requests SET state = 'provisional', node = ? WHERE id = ? AND state = 'open'").run(
            str(a.node),
            id,
          );
          break;
        }
        const ok = Number(a.errorCode) === 0;
        this.stmt(
          `UPDATE requests SET state = ?, node = ?, fulfil_block = ?, fulfil_time = ?, callback_ok = ?, error_code = ?,
             fulfil_tx = ? WHERE id = ?`,
        ).run(
          ok ? "fulfilled" : "failed",
          str(a.node),
          e.block,
          e.time,
          a.callbackSucceeded ? 1 : 0,
          Number(a.errorCode),
          e.txHash,
          id,
        );
        if (ok) {
          const row = this.stmt("SELECT model, model_fee_wei FROM requests WHERE id = ?").get(id) as
            { model: string; model_fee_wei: string } | undefined;
          if (row && BigInt(row.model_fee_wei) > 0n) {
            const model = Number(row.model);
            this.stmt(
              "INSERT OR REPLACE INTO model_revenue (model, request, time, amount_wei) VALUES (?, ?, ?, ?)",
            ).run(model, id, e.time, row.model_fee_wei);
            const m = this.stmt("SELECT revenue_wei FROM models WHERE id = ?").get(model) as
              { revenue_wei: string } | undefined;
            if (m)
              this.stmt("UPDATE models SET revenue_wei = ? WHERE id = ?").run(
                (BigInt(m.revenue_wei) + BigInt(row.model_fee_wei)).toString(),
                model,
              );
          }
        }
        break;
      }
      case "AIOracle.ResultChallenged":
        this.stmt("UPDATE requests SET state = 'challenged' WHERE id = ?").run(Number(a.requestId));
        break;
      case "AIOracle.ChallengeResolved":
        if (a.resultValid)
          this.stmt("UPDATE requests SET state = 'provisional' WHERE id = ? AND state = 'challenged'").run(
            Number(a.requestId),
          );
        break;
      case "AIOracle.RequestRefunded":
        this.stmt("UPDATE requests SET state = 'refunded', refund_wei = ? WHERE id = ?").run(
          str(a.amountWei),
          Number(a.requestId),
        );
        break;
      // ---- models ----
      case "ModelRegistry.ModelRegistered": {
        const v = a.verification as Record<string, unknown>;
        this.stmt(
          `INSERT OR REPLACE INTO models (id, owner, weights_hash, metadata_uri, fee_wei, mode, active, requests,
             revenue_wei, block) VALUES (?, ?, ?, ?, ?, ?, 1, 0, '0', ?)`,
        ).run(
          Number(a.modelId),
          str(a.owner),
          str(a.weightsHash),
          str(a.metadataURI),
          str(a.feeWei),
          MODES[Number(v.mode)] ?? String(v.mode),
          e.block,
        );
        break;
      }
      case "ModelRegistry.FeeSet":
        this.stmt("UPDATE models SET fee_wei = ? WHERE id = ?").run(str(a.feeWei), Number(a.modelId));
        break;
      case "ModelRegistry.WeightsHashSet":
        this.stmt("UPDATE models SET weights_hash = ? WHERE id = ?").run(str(a.weightsHash), Number(a.modelId));
        break;
      case "ModelRegistry.MetadataURISet":
        this.stmt("UPDATE models SET metadata_uri = ? WHERE id = ?").run(str(a.metadataURI), Number(a.modelId));
        break;
      case "ModelRegistry.VerificationSet": {
        const v = a.verification as Record<string, unknown>;
        this.stmt("UPDATE models SET mode = ? WHERE id = ?").run(
          MODES[Number(v.mode)] ?? String(v.mode),
          Number(a.modelId),
        );
        break;
      }
      case "ModelRegistry.ModelActiveSet":
        this.stmt("UPDATE models SET active = ? WHERE id = ?").run(a.active ? 1 : 0, Number(a.modelId));
        break;
      case "ModelRegistry.ModelOwnershipTransferred":
        this.stmt("UPDATE models SET owner = ? WHERE id = ?").run(str(a.newOwner), Number(a.modelId));
        break;
      case "ModelRegistry.RevenueReceiverSet":
      case "ModelRegistry.RevenueReceiverLocked":
        this.stmt("UPDATE models SET receiver = ? WHERE id = ?").run(str(a.receiver), Number(a.modelId));
        break;
      case "ModelRegistry.NodeAdded":
        this.stmt("INSERT OR IGNORE INTO model_nodes (model, node) VALUES (?, ?)").run(Number(a.modelId), str(a.node));
        break;
      case "ModelRegistry.NodeRemoved":
        this.stmt("DELETE FROM model_nodes WHERE model = ? AND node = ?").run(Number(a.modelId), str(a.node));
        break;
      case "ModelOffering.OfferingLaunched": {
        const p = a.params as Record<string, unknown>;
        this.stmt("UPDATE models SET token = ?, name = ?, symbol = ? WHERE id = ?").run(
          str(a.token),
          str(p.name),
          str(p.symbol),
          Number(a.modelId),
        );
        break;
      }
      case "ModelToken.Transfer": {
        const value = big(a.value);
        const move = (holder: string, delta: bigint) => {
          const row = this.stmt("SELECT balance FROM holders WHERE token = ? AND holder = ?").get(e.address, holder) as
            { balance: string } | undefined;
          const balance = (row ? BigInt(row.balance) : 0n) + delta;
          if (balance === 0n) this.stmt("DELETE FROM holders WHERE token = ? AND holder = ?").run(e.address, holder);
          else
            this.stmt("INSERT OR REPLACE INTO holders (token, holder, balance) VALUES (?, ?, ?)").run(
              e.address,
              holder,
              balance.toString(),
            );
        };
        const zero = "0x0000000000000000000000000000000000000000";
        if (a.from !== zero) move(str(a.from), -value);
        if (a.to !== zero) move(str(a.to), value);
        break;
      }
      // ---- data market ----
      case "DataMarket.DatasetListed": {
        const p = a.params as Record<string, unknown>;
        const contributors = p.contributors as string[];
        const bps = p.contributorBps as string[];
        const prov = p.provenance as Record<string, unknown>;
        const provenance =
          big(prov.generatorModelId) !== 0n
            ? { generatorModelId: str(prov.generatorModelId), oracleRequestId: str(prov.oracleRequestId) }
            : null;
        this.stmt(
          `INSERT OR REPLACE INTO datasets (id, seller, lister, content_hash, metadata_uri, license_uri, price_wei,
             payment_asset, royalties, provenance, listed, sales, revenue_wei, block)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, '0', ?)`,
        ).run(
          Number(a.datasetId),
          str(a.seller),
          str(a.lister),
          str(p.contentHash),
          str(p.metadataURI),
          str(p.licenseURI),
          str(p.priceAmount),
          str(p.paymentAsset),
          JSON.stringify(contributors.map((to, i) => ({ to, bps: Number(bps[i]) }))),
          provenance ? JSON.stringify(provenance) : null,
          e.block,
        );
        break;
      }
      case "SyntheticProvenance.SyntheticDatasetListed": {
        const row = this.stmt("SELECT provenance FROM datasets WHERE id = ?").get(Number(a.datasetId)) as
          { provenance: string | null } | undefined;
        if (!row) break;
        const prov = {
          ...(row.provenance ? JSON.parse(row.provenance) : {}),
          runId: str(a.runId),
          generatorModelId: str(a.modelId),
          weightsHash: str(a.weightsHash),
          root: str(a.root),
          leafCount: Number(a.leafCount),
        };
        this.stmt("UPDATE datasets SET provenance = ? WHERE id = ?").run(JSON.stringify(prov), Number(a.datasetId));
        break;
      }
      case "DataMarket.PriceSet":
        this.stmt("UPDATE datasets SET price_wei = ? WHERE id = ?").run(str(a.priceAmount), Number(a.datasetId));
        break;
      case "DataMarket.DatasetDelisted":
        this.stmt("UPDATE datasets SET listed = 0 WHERE id = ?").run(Number(a.datasetId));
        break;
      case "DataMarket.DatasetPurchased": {
        const row = this.stmt("SELECT revenue_wei FROM datasets WHERE id = ?").get(Number(a.datasetId)) as
          { revenue_wei: string } | undefined;
        if (!row) break;
        this.stmt("UPDATE datasets SET sales = sales + 1, revenue_wei = ? WHERE id = ?").run(
          (BigInt(row.revenue_wei) + big(a.paidAmount)).toString(),
          Number(a.datasetId),
        );
        break;
      }
      // ---- compute escrow ----
      case "ComputeEscrow.JobPosted":
        this.stmt(
          `INSERT OR REPLACE INTO jobs (id, requester, provider, state, token, price_wei, disputed, slashed_wei, spec_uri,
             block) VALUES (?, ?, ?, 'posted', ?, ?, 0, '0', ?, ?)`,
        ).run(
          Number(a.jobId),
          str(a.requester),
          a.provider === "0x0000000000000000000000000000000000000000" ? null : str(a.provider),
          str(a.token),
          str(a.amount),
          str(a.specURI),
          e.block,
        );
        break;
      case "ComputeEscrow.JobClaimed":
        this.stmt("UPDATE jobs SET state = 'claimed', provider = ? WHERE id = ?").run(str(a.provider), Number(a.jobId));
        break;
      case "ComputeEscrow.JobPricedInUsd":
        this.stmt("UPDATE jobs SET price_wei = ? WHERE id = ?").run(str(a.amountWei), Number(a.jobId));
        break;
      case "ComputeEscrow.JobStarted":
        this.stmt("UPDATE jobs SET state = 'started' WHERE id = ?").run(Number(a.jobId));
        break;
      case "ComputeEscrow.ResultSubmitted":
        this.stmt("UPDATE jobs SET state = 'submitted', result_hash = ? WHERE id = ?").run(
          str(a.resultHash),
          Number(a.jobId),
        );
        break;
      case "ComputeEscrow.JobDisputed":
        this.stmt("UPDATE jobs SET state = 'disputed', disputed = 1 WHERE id = ?").run(Number(a.jobId));
        break;
      case "ComputeEscrow.DisputeResolved":
        this.stmt("UPDATE jobs SET state = ? WHERE id = ?").run(
          a.providerWins ? "resolved-provider" : "resolved-requester",
          Number(a.jobId),
        );
        break;
      case "ComputeEscrow.JobPaid":
        this.stmt("UPDATE jobs SET state = 'paid' WHERE id = ?").run(Number(a.jobId));
        break;
      case "ComputeEscrow.JobRefunded":
        this.stmt("UPDATE jobs SET state = 'refunded' WHERE id = ?").run(Number(a.jobId));
        break;
      case "ComputeEscrow.JobCancelled":
        this.stmt("UPDATE jobs SET state = 'cancelled' WHERE id = ?").run(Number(a.jobId));
        break;
      case "ComputeEscrow.ProviderSlashed": {
        const row = this.stmt("SELECT slashed_wei FROM jobs WHERE id = ?").get(Number(a.jobId)) as
          { slashed_wei: string } | undefined;
        if (row)
          this.stmt("UPDATE jobs SET slashed_wei = ? WHERE id = ?").run(
            (BigInt(row.slashed_wei) + big(a.slashedWei)).toString(),
            Number(a.jobId),
          );
        break;
      }
      // ---- staking ----
      case "OperatorStaking.Staked":
        this.operator(str(a.operator), str(a.service), big(a.amountWei), 0n);
        break;
      case "OperatorStaking.Slashed":
        this.operator(str(a.operator), str(a.service), 0n, big(a.amountWei));
        break;
      // ---- treasury ----
      case "Treasury.EthReceived":
        this.addTotal("treasuryReceivedWei", big(a.amountWei));
        break;
      default:
        break;
    }
  }

  private operator(address: string, service: string, staked: bigint, slashed: bigint): void {
    const row = this.stmt(
      "SELECT staked_wei, slashed_wei, slashes FROM operators WHERE address = ? AND service = ?",
    ).get(address, service) as { staked_wei: string; slashed_wei: string; slashes: number } | undefined;
    this.stmt(
      "INSERT OR REPLACE INTO operators (address, service, staked_wei, slashed_wei, slashes) VALUES (?, ?, ?, ?, ?)",
    ).run(
      address,
      service,
      ((row ? BigInt(row.staked_wei) : 0n) + staked).toString(),
      ((row ? BigInt(row.slashed_wei) : 0n) + slashed).toString(),
      (row?.slashes ?? 0) + (slashed > 0n ? 1 : 0),
    );
  }
}

/** The entity an event is about, for "all events of request 7" lookups. */
function refOf(e: StoredEvent): string | null {
  const a = e.args;
  if (e.contract === "AIOracle" && a.requestId !== undefined) return `request:${a.requestId}`;
  if (a.modelId !== undefined && (e.contract === "ModelRegistry" || e.contract === "ModelOffering"))
    return `model:${a.modelId}`;
  if (a.datasetId !== undefined) return `dataset:${a.datasetId}`;
  if (a.jobId !== undefined) return `job:${a.jobId}`;
  return null;
}
