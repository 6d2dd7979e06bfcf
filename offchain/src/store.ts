import Database from "better-sqlite3";

/** Request lifecycle; the only legal moves are listed in TRANSITIONS. */
export type RequestState =
  | "seen"
  | "inferring"
  | "inferred"
  | "submitted"
  | "confirmed"
  | "failed"
  | "expired"
  | "proposed"
  | "challenged"
  | "finalizing"
  | "finalized";

export const REQUEST_STATES: readonly RequestState[] = [
  "seen",
  "inferring",
  "inferred",
  "submitted",
  "confirmed",
  "failed",
  "expired",
  "proposed",
  "challenged",
  "finalizing",
  "finalized",
];

export const TRANSITIONS: Record<RequestState, readonly RequestState[]> = {
  seen: ["inferring", "inferred", "expired", "failed"],
  inferring: ["inferred", "seen", "expired", "failed"],
  inferred: ["submitted", "expired", "failed", "seen"],
  // back to inferred when the transaction is dropped, reverted or reorged out while the request is still open
  // proposed: an Optimistic fulfilment mined as a provisional result, waiting for its challenge window
  submitted: ["confirmed", "proposed", "inferred", "expired", "failed"],
  // a reorg deeper than `confirmations` can orphan our fulfilment: the same signed transaction goes out again
  confirmed: ["submitted"],
  failed: [],
  expired: ["seen"],
  // finalizing: our `finalize` transaction is signed and stored; finalized: settled on chain (by us or anyone);
  // challenged: left to the challenge resolution (back to proposed when upheld, expired when refunded)
  proposed: ["finalizing", "finalized", "challenged", "expired", "submitted"],
  challenged: ["proposed", "finalized", "expired"],
  finalizing: ["finalized", "proposed", "challenged", "expired"],
  finalized: ["finalizing"],
};

/** States of a request the runner still acts on. */
export const OPEN_STATES: readonly RequestState[] = REQUEST_STATES.filter(
  (st) => !["confirmed", "failed", "expired", "finalized"].includes(st),
);

export type BatchState = "pending" | "confirmed" | "reverted" | "dropped";
/** What a batch's transaction does: `fulfilBatch` of several requests, or `finalize` of one proposed result. */
export type BatchKind = "fulfil" | "finalize";

export interface RequestRow {
  chainId: number;
  contract: string;
  requestId: bigint;
  modelId: bigint;
  state: RequestState;
  input: Uint8Array;
  logTopics: string[];
  logData: string;
  blockNumber: number;
  blockHash: string;
  logIndex: number;
  txHash: string;
  callbackGasLimit: number;
  deadline: number;
  output: Uint8Array | null;
  errorCode: number;
  errorMessage: string | null;
  attempts: number;
  submitAttempts: number;
  batchId: number | null;
  finalReason: string | null;
  seenAtMs: number;
  updatedAtMs: number;
  /** Chain time until which only the assigned node(s) may fulfil. */
  exclusiveUntil: number;
  /** Assigned to another node: taken over only after `exclusiveUntil` (+ the configured delay). */
  takeover: boolean;
  /** Verification mode of the request (0 None, 1 Quorum, 2 Optimistic, 3 Proof). */
  mode: number;
  /** Optimistic: chain time after which our proposed result can be finalized. */
  challengeDeadline: number | null;
  /** Proof mode: the proof of `output` (256 bytes, `encodeProof`), stored with it. */
  proof: Uint8Array | null;
}

export interface NewRequest {
  requestId: bigint;
  modelId: bigint;
  input: Uint8Array;
  logTopics: string[];
  logData: string;
  blockNumber: number;
  blockHash: string;
  logIndex: number;
  txHash: string;
  callbackGasLimit: number;
  deadline: number;
  exclusiveUntil?: number;
  takeover?: boolean;
  mode?: number;
}

export interface BatchRow {
  id: number;
  kind: BatchKind;
  nonce: number;
  state: BatchState;
  gasLimit: number;
  requestIds: bigint[];
  createdAtMs: number;
  sentBlock: number;
  bumps: number;
  minedBlock: number | null;
  minedBlockHash: string | null;
  minedTxHash: string | null;
}

export interface TxRow {
  id: number;
  batchId: number;
  hash: string;
  raw: string;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  sentAtMs: number;
}

export class StoreTransitionError extends Error {
  constructor(
    readonly requestId: bigint,
    readonly from: RequestState | "missing",
    readonly to: RequestState,
  ) {
    super(`request ${requestId}: illegal transition ${from} -> ${to}`);
    this.name = "StoreTransitionError";
  }
}

const MIGRATIONS: string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE requests (
     chain_id INTEGER NOT NULL,
     contract TEXT NOT NULL,
     request_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     model_id TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('seen','inferring','inferred','submitted','confirmed','failed','expired')),
     input BLOB NOT NULL,
     log_topics TEXT NOT NULL,
     log_data TEXT NOT NULL,
     block_number INTEGER NOT NULL,
     block_hash TEXT NOT NULL,
     log_index INTEGER NOT NULL,
     tx_hash TEXT NOT NULL,
     callback_gas_limit INTEGER NOT NULL,
     deadline INTEGER NOT NULL,
     output BLOB,
     error_code INTEGER NOT NULL DEFAULT 0,
     error_message TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     submit_attempts INTEGER NOT NULL DEFAULT 0,
     batch_id INTEGER,
     final_reason TEXT,
     seen_at_ms INTEGER NOT NULL,
     updated_at_ms INTEGER NOT NULL,
     PRIMARY KEY (chain_id, contract, request_id)
   );
   CREATE INDEX requests_state ON requests (chain_id, contract, state, seq);
   CREATE INDEX requests_block ON requests (chain_id, contract, block_number);
   CREATE TABLE batches (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     chain_id INTEGER NOT NULL,
     contract TEXT NOT NULL,
     nonce INTEGER NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending','confirmed','reverted','dropped')),
     gas_limit INTEGER NOT NULL,
     request_ids TEXT NOT NULL,
     created_at_ms INTEGER NOT NULL,
     sent_block INTEGER NOT NULL,
     bumps INTEGER NOT NULL DEFAULT 0,
     mined_block INTEGER,
     mined_block_hash TEXT,
     mined_tx_hash TEXT
   );
   CREATE INDEX batches_state ON batches (chain_id, contract, state);
   CREATE TABLE txs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     batch_id INTEGER NOT NULL REFERENCES batches(id),
     hash TEXT NOT NULL UNIQUE,
     raw TEXT NOT NULL,
     max_fee_per_gas TEXT NOT NULL,
     max_priority_fee_per_gas TEXT NOT NULL,
     sent_at_ms INTEGER NOT NULL
   );
   CREATE INDEX txs_batch ON txs (batch_id);
   CREATE TABLE blocks (
     chain_id INTEGER NOT NULL,
     number INTEGER NOT NULL,
     hash TEXT NOT NULL,
     PRIMARY KEY (chain_id, number)
   );`,
  // v2: takeover of other nodes' requests after their exclusivity, and Optimistic finalization (new states: SQLite
  // cannot alter a CHECK constraint, so the table is rebuilt)
  `CREATE TABLE requests_v2 (
     chain_id INTEGER NOT NULL,
     contract TEXT NOT NULL,
     request_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     model_id TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('seen','inferring','inferred','submitted','confirmed','failed','expired',
       'proposed','challenged','finalizing','finalized')),
     input BLOB NOT NULL,
     log_topics TEXT NOT NULL,
     log_data TEXT NOT NULL,
     block_number INTEGER NOT NULL,
     block_hash TEXT NOT NULL,
     log_index INTEGER NOT NULL,
     tx_hash TEXT NOT NULL,
     callback_gas_limit INTEGER NOT NULL,
     deadline INTEGER NOT NULL,
     output BLOB,
     error_code INTEGER NOT NULL DEFAULT 0,
     error_message TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     submit_attempts INTEGER NOT NULL DEFAULT 0,
     batch_id INTEGER,
     final_reason TEXT,
     seen_at_ms INTEGER NOT NULL,
     updated_at_ms INTEGER NOT NULL,
     exclusive_until INTEGER NOT NULL DEFAULT 0,
     takeover INTEGER NOT NULL DEFAULT 0,
     mode INTEGER NOT NULL DEFAULT 0,
     challenge_deadline INTEGER,
     PRIMARY KEY (chain_id, contract, request_id)
   );
   INSERT INTO requests_v2 (chain_id, contract, request_id, seq, model_id, state, input, log_topics, log_data,
     block_number, block_hash, log_index, tx_hash, callback_gas_limit, deadline, output, error_code, error_message,
     attempts, submit_attempts, batch_id, final_reason, seen_at_ms, updated_at_ms)
   SELECT chain_id, contract, request_id, seq, model_id, state, input, log_topics, log_data, block_number, block_hash,
     log_index, tx_hash, callback_gas_limit, deadline, output, error_code, error_message, attempts, submit_attempts,
     batch_id, final_reason, seen_at_ms, updated_at_ms FROM requests;
   DROP TABLE requests;
   ALTER TABLE requests_v2 RENAME TO requests;
   CREATE INDEX requests_state ON requests (chain_id, contract, state, takeover, seq);
   CREATE INDEX requests_block ON requests (chain_id, contract, block_number);
   ALTER TABLE batches ADD COLUMN kind TEXT NOT NULL DEFAULT 'fulfil';`,
  // v3: Proof mode (issue 15): the Groth16 proof of an inferred result, kept so a restart re-sends it unproven
  `ALTER TABLE requests ADD COLUMN proof BLOB;`,
];

type Row = Record<string, unknown>;

function toRequest(r: Row): RequestRow {
  return {
    chainId: r.chain_id as number,
    contract: r.contract as string,
    requestId: BigInt(r.request_id as string),
    modelId: BigInt(r.model_id as string),
    state: r.state as RequestState,
    input: new Uint8Array(r.input as Buffer),
    logTopics: JSON.parse(r.log_topics as string) as string[],
    logData: r.log_data as string,
    blockNumber: r.block_number as number,
    blockHash: r.block_hash as string,
    logIndex: r.log_index as number,
    txHash: r.tx_hash as string,
    callbackGasLimit: r.callback_gas_limit as number,
    deadline: r.deadline as number,
    output: r.output === null ? null : new Uint8Array(r.output as Buffer),
    errorCode: r.error_code as number,
    errorMessage: (r.error_message as string | null) ?? null,
    attempts: r.attempts as number,
    submitAttempts: r.submit_attempts as number,
    batchId: (r.batch_id as number | null) ?? null,
    finalReason: (r.final_reason as string | null) ?? null,
    seenAtMs: r.seen_at_ms as number,
    updatedAtMs: r.updated_at_ms as number,
    exclusiveUntil: r.exclusive_until as number,
    takeover: (r.takeover as number) === 1,
    mode: r.mode as number,
    challengeDeadline: (r.challenge_deadline as number | null) ?? null,
    proof: r.proof === null || r.proof === undefined ? null : new Uint8Array(r.proof as Buffer),
  };
}

function toBatch(r: Row): BatchRow {
  return {
    id: r.id as number,
    kind: r.kind as BatchKind,
    nonce: r.nonce as number,
    state: r.state as BatchState,
    gasLimit: r.gas_limit as number,
    requestIds: (JSON.parse(r.request_ids as string) as string[]).map((s) => BigInt(s)),
    createdAtMs: r.created_at_ms as number,
    sentBlock: r.sent_block as number,
    bumps: r.bumps as number,
    minedBlock: (r.mined_block as number | null) ?? null,
    minedBlockHash: (r.mined_block_hash as string | null) ?? null,
    minedTxHash: (r.mined_tx_hash as string | null) ?? null,
  };
}

function toTx(r: Row): TxRow {
  return {
    id: r.id as number,
    batchId: r.batch_id as number,
    hash: r.hash as string,
    raw: r.raw as string,
    maxFeePerGas: BigInt(r.max_fee_per_gas as string),
    maxPriorityFeePerGas: BigInt(r.max_priority_fee_per_gas as string),
    sentAtMs: r.sent_at_ms as number,
  };
}

/** Sort key that keeps numeric order for ids up to 2^53 and stays monotonic (saturating) above. */
function seqOf(id: bigint): number {
  return id > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(id);
}

/**
 * Durable state of one runner for one (chain, oracle contract): requests with explicit states, fulfilment batches
 * and their broadcast transactions, the watcher's cursor and recent block hashes. SQLite in WAL mode; every
 * multi-row change is one transaction, so a crash leaves either the old or the new state.
 */
export class Store {
  readonly db: Database.Database;
  private readonly key: { chainId: number; contract: string };
  private now: () => number;
  /** Prepared statements by SQL text: compiled once, not on every transition. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string, chainId: number, contract: string, now: () => number = Date.now) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("foreign_keys = ON");
    this.key = { chainId, contract: contract.toLowerCase() };
    this.now = now;
    this.migrate();
  }

  private migrate(): void {
    const version = this.db.pragma("user_version", { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** Cheap liveness probe for /healthz. */
  ping(): boolean {
    return (this.stmt("SELECT 1 AS ok").get() as { ok: number }).ok === 1;
  }

  // ---- meta / cursor -------------------------------------------------------------------------------------------

  getMeta(key: string): string | undefined {
    const r = this.stmt("SELECT value FROM meta WHERE key = ?").get(this.metaKey(key)) as { value: string } | undefined;
    return r?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(
      this.metaKey(key),
      value,
    );
  }

  private metaKey(key: string): string {
    return `${this.key.chainId}:${this.key.contract}:${key}`;
  }

  /** Last block whose logs are fully persisted, or undefined before the first scan. */
  getCursor(): number | undefined {
    const v = this.getMeta("cursor");
    return v === undefined ? undefined : Number(v);
  }

  /** Persists the scan result atomically: new requests, the block hashes seen, and the advanced cursor. */
  commitScan(requests: NewRequest[], blocks: { number: number; hash: string }[], cursor: number): number {
    let inserted = 0;
    this.db.transaction(() => {
      for (const r of requests) if (this.upsertRequest(r)) inserted++;
      const put = this.stmt(
        "INSERT INTO blocks (chain_id, number, hash) VALUES (?, ?, ?) ON CONFLICT(chain_id, number) DO UPDATE SET hash = excluded.hash",
      );
      for (const b of blocks) put.run(this.key.chainId, b.number, b.hash);
      this.setMeta("cursor", String(cursor));
      // keep a bounded window of hashes: enough to find any fork point we could plausibly hit
      this.stmt("DELETE FROM blocks WHERE chain_id = ? AND number < ?").run(this.key.chainId, cursor - 4096);
    })();
    return inserted;
  }

  /** Recorded block hashes at or below `number`, newest first (fork-point search). */
  recordedBlocks(atOrBelow: number, limit = 256): { number: number; hash: string }[] {
    return this.stmt(
      "SELECT number, hash FROM blocks WHERE chain_id = ? AND number <= ? ORDER BY number DESC LIMIT ?",
    ).all(this.key.chainId, atOrBelow, limit) as { number: number; hash: string }[];
  }

  /**
   * Handles a reorg whose fork point is `forkBlock` (the last common block): forgets the orphaned block hashes,
   * rewinds the cursor, and returns the non-final requests and confirmed requests that the orphaned blocks carried
   * (their creation or our fulfilment) so the caller can re-check them on the new chain.
   */
  rewindTo(forkBlock: number): RequestRow[] {
    return this.db.transaction(() => {
      this.stmt("DELETE FROM blocks WHERE chain_id = ? AND number > ?").run(this.key.chainId, forkBlock);
      const cur = this.getCursor();
      if (cur === undefined || cur > forkBlock) this.setMeta("cursor", String(forkBlock));
      const rows = this.stmt(
        `SELECT r.* FROM requests r LEFT JOIN batches b ON b.id = r.batch_id
           WHERE r.chain_id = ? AND r.contract = ? AND (r.block_number > ? OR (b.mined_block IS NOT NULL AND b.mined_block > ?))`,
      ).all(this.key.chainId, this.key.contract, forkBlock, forkBlock) as Row[];
      return rows.map(toRequest);
    })();
  }

  // ---- requests ------------------------------------------------------------------------------------------------

  /**
   * Inserts a request seen in a log. The same log seen again (overlapping window) is a no-op; the same id carried
   * by a different log (the creating block was reorged and the id reused) replaces an unsent request.
   */
  private upsertRequest(r: NewRequest): boolean {
    const existing = this.getRequest(r.requestId);
    const now = this.now();
    if (existing) {
      if (existing.blockHash === r.blockHash && existing.logIndex === r.logIndex) return false;
      if (existing.logData === r.logData && JSON.stringify(existing.logTopics) === JSON.stringify(r.logTopics)) {
        // same request re-included in another block: only the position changed
        this.stmt(
          "UPDATE requests SET block_number = ?, block_hash = ?, log_index = ?, tx_hash = ?, updated_at_ms = ? WHERE chain_id = ? AND contract = ? AND request_id = ?",
        ).run(
          r.blockNumber,
          r.blockHash,
          r.logIndex,
          r.txHash,
          now,
          this.key.chainId,
          this.key.contract,
          String(r.requestId),
        );
        return false;
      }
      // a different request now owns this id (its creation was reorged out): start over; a batch still carrying
      // the old request gets it skipped by the oracle, and settling ignores rows that left that batch
      this.stmt("DELETE FROM requests WHERE chain_id = ? AND contract = ? AND request_id = ?").run(
        this.key.chainId,
        this.key.contract,
        String(r.requestId),
      );
    }
    this.stmt(
      `INSERT INTO requests (chain_id, contract, request_id, seq, model_id, state, input, log_topics, log_data,
           block_number, block_hash, log_index, tx_hash, callback_gas_limit, deadline, seen_at_ms, updated_at_ms,
           exclusive_until, takeover, mode)
         VALUES (?, ?, ?, ?, ?, 'seen', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      this.key.chainId,
      this.key.contract,
      String(r.requestId),
      seqOf(r.requestId),
      String(r.modelId),
      Buffer.from(r.input),
      JSON.stringify(r.logTopics),
      r.logData,
      r.blockNumber,
      r.blockHash,
      r.logIndex,
      r.txHash,
      r.callbackGasLimit,
      r.deadline,
      now,
      now,
      r.exclusiveUntil ?? 0,
      r.takeover ? 1 : 0,
      r.mode ?? 0,
    );
    return true;
  }

  getRequest(id: bigint): RequestRow | undefined {
    const r = this.stmt("SELECT * FROM requests WHERE chain_id = ? AND contract = ? AND request_id = ?").get(
      this.key.chainId,
      this.key.contract,
      String(id),
    ) as Row | undefined;
    return r ? toRequest(r) : undefined;
  }

  requestsInState(states: RequestState | RequestState[], limit = 1_000_000): RequestRow[] {
    const list = Array.isArray(states) ? states : [states];
    const rows = this.stmt(
      `SELECT * FROM requests WHERE chain_id = ? AND contract = ? AND state IN (${list.map(() => "?").join(",")})
         ORDER BY seq LIMIT ?`,
    ).all(this.key.chainId, this.key.contract, ...list, limit) as Row[];
    return rows.map(toRequest);
  }

  /**
   * The `seen` requests the scheduler may run now: this node's own first, then takeovers of other nodes' requests
   * whose exclusivity (plus `takeoverDelaySeconds`) has passed at chain time `chainTime`.
   */
  schedulable(limit: number, chainTime: number, takeoverDelaySeconds: number): RequestRow[] {
    const rows = this.stmt(
      `SELECT * FROM requests WHERE chain_id = ? AND contract = ? AND state = 'seen'
           AND (takeover = 0 OR exclusive_until + ? <= ?)
         ORDER BY takeover, seq LIMIT ?`,
    ).all(this.key.chainId, this.key.contract, takeoverDelaySeconds, chainTime, limit) as Row[];
    return rows.map(toRequest);
  }

  /** Proposed results whose challenge window ended before chain time `chainTime`, oldest deadline first. */
  finalizable(chainTime: number, limit: number): RequestRow[] {
    const rows = this.stmt(
      `SELECT * FROM requests WHERE chain_id = ? AND contract = ? AND state = 'proposed'
           AND challenge_deadline IS NOT NULL AND challenge_deadline < ?
         ORDER BY challenge_deadline, seq LIMIT ?`,
    ).all(this.key.chainId, this.key.contract, chainTime, limit) as Row[];
    return rows.map(toRequest);
  }

  /**
   * Requests still in progress (not confirmed, failed, expired or finalized) whose stored `RequestCreated` log has
   * another event topic than `topic0`: requests of an earlier encoding of the oracle's `Request`, which the runner
   * can no longer pass back to the oracle.
   */
  openRequestsOfOtherEvent(topic0: string, limit = 1_000_000): RequestRow[] {
    const rows = this.stmt(
      `SELECT * FROM requests WHERE chain_id = ? AND contract = ? AND state IN (${OPEN_STATES.map(() => "?").join(",")})
           AND json_extract(log_topics, '$[0]') IS NOT ?
         ORDER BY seq LIMIT ?`,
    ).all(this.key.chainId, this.key.contract, ...OPEN_STATES, topic0, limit) as Row[];
    return rows.map(toRequest);
  }

  countByState(): Record<RequestState, number> {
    const out = Object.fromEntries(REQUEST_STATES.map((s) => [s, 0])) as Record<RequestState, number>;
    const rows = this.stmt(
      "SELECT state, COUNT(*) AS n FROM requests WHERE chain_id = ? AND contract = ? GROUP BY state",
    ).all(this.key.chainId, this.key.contract) as { state: RequestState; n: number }[];
    for (const r of rows) out[r.state] = r.n;
    return out;
  }

  /**
   * Moves requests to `to`, checking each current state against TRANSITIONS (all or nothing).
   * `fields` sets columns alongside the state.
   */
  transition(
    ids: bigint[],
    to: RequestState,
    fields: {
      output?: Uint8Array | null;
      proof?: Uint8Array | null;
      errorCode?: number;
      errorMessage?: string | null;
      batchId?: number | null;
      finalReason?: string | null;
      challengeDeadline?: number | null;
      incAttempts?: boolean;
      incSubmitAttempts?: boolean;
    } = {},
    from?: RequestState[],
  ): void {
    if (ids.length === 0) return;
    this.db.transaction(() => {
      const now = this.now();
      const sets = ["state = ?", "updated_at_ms = ?"];
      const vals: unknown[] = [to, now];
      if (fields.output !== undefined) {
        sets.push("output = ?");
        vals.push(fields.output === null ? null : Buffer.from(fields.output));
      }
      if (fields.proof !== undefined) {
        sets.push("proof = ?");
        vals.push(fields.proof === null ? null : Buffer.from(fields.proof));
      }
      if (fields.errorCode !== undefined) {
        sets.push("error_code = ?");
        vals.push(fields.errorCode);
      }
      if (fields.errorMessage !== undefined) {
        sets.push("error_message = ?");
        vals.push(fields.errorMessage);
      }
      if (fields.batchId !== undefined) {
        sets.push("batch_id = ?");
        vals.push(fields.batchId);
      }
      if (fields.finalReason !== undefined) {
        sets.push("final_reason = ?");
        vals.push(fields.finalReason);
      }
      if (fields.challengeDeadline !== undefined) {
        sets.push("challenge_deadline = ?");
        vals.push(fields.challengeDeadline);
      }
      if (fields.incAttempts) sets.push("attempts = attempts + 1");
      if (fields.incSubmitAttempts) sets.push("submit_attempts = submit_attempts + 1");
      const get = this.stmt("SELECT state FROM requests WHERE chain_id = ? AND contract = ? AND request_id = ?");
      const upd = this.stmt(
        `UPDATE requests SET ${sets.join(", ")} WHERE chain_id = ? AND contract = ? AND request_id = ?`,
      );
      for (const id of ids) {
        const cur = get.get(this.key.chainId, this.key.contract, String(id)) as { state: RequestState } | undefined;
        if (!cur) throw new StoreTransitionError(id, "missing", to);
        if (from && !from.includes(cur.state)) throw new StoreTransitionError(id, cur.state, to);
        if (cur.state !== to && !TRANSITIONS[cur.state].includes(to)) throw new StoreTransitionError(id, cur.state, to);
        upd.run(...vals, this.key.chainId, this.key.contract, String(id));
      }
    })();
  }

  /** Several requests by id in one query (primary-key lookups), in id order; unknown ids are absent. */
  getRequests(ids: bigint[]): RequestRow[] {
    if (ids.length === 0) return [];
    const rows = this.stmt(
      `SELECT * FROM requests WHERE chain_id = ? AND contract = ? AND request_id IN (SELECT value FROM json_each(?))
       ORDER BY seq`,
    ).all(this.key.chainId, this.key.contract, JSON.stringify(ids.map(String))) as Row[];
    return rows.map(toRequest);
  }

  /**
   * Confirms, in one UPDATE, the requests among `ids` that are still `submitted` in batch `batchId` (submitted ->
   * confirmed is always legal, and rows that left the batch are untouched). Returns how many moved.
   */
  confirmSubmitted(batchId: number, ids: bigint[]): number {
    if (ids.length === 0) return 0;
    return this.stmt(
      `UPDATE requests SET state = 'confirmed', final_reason = NULL, updated_at_ms = ?
       WHERE chain_id = ? AND contract = ? AND batch_id = ? AND state = 'submitted'
         AND request_id IN (SELECT value FROM json_each(?))`,
    ).run(this.now(), this.key.chainId, this.key.contract, batchId, JSON.stringify(ids.map(String))).changes;
  }

  // ---- batches and transactions --------------------------------------------------------------------------------

  /**
   * Records a signed transaction for a new batch before it is broadcast (so a crash after the broadcast still
   * knows the hash), moving its requests to `submitted` (a fulfilment) or `finalizing` (a finalize).
   */
  createBatch(
    nonce: number,
    gasLimit: number,
    requestIds: bigint[],
    sentBlock: number,
    tx: { hash: string; raw: string; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
    kind: BatchKind = "fulfil",
  ): BatchRow {
    return this.db.transaction(() => {
      const now = this.now();
      const res = this.stmt(
        `INSERT INTO batches (chain_id, contract, kind, nonce, state, gas_limit, request_ids, created_at_ms, sent_block)
           VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
      ).run(
        this.key.chainId,
        this.key.contract,
        kind,
        nonce,
        gasLimit,
        JSON.stringify(requestIds.map(String)),
        now,
        sentBlock,
      );
      const batchId = Number(res.lastInsertRowid);
      this.addTx(batchId, tx);
      if (kind === "fulfil") this.transition(requestIds, "submitted", { batchId }, ["inferred"]);
      else this.transition(requestIds, "finalizing", { batchId }, ["proposed"]);
      return this.getBatch(batchId)!;
    })();
  }

  addTx(batchId: number, tx: { hash: string; raw: string; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }): void {
    this.stmt(
      `INSERT INTO txs (batch_id, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, sent_at_ms)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING`,
    ).run(batchId, tx.hash, tx.raw, String(tx.maxFeePerGas), String(tx.maxPriorityFeePerGas), this.now());
  }

  /** Records a fee bump: a replacement transaction with the same nonce. */
  recordBump(
    batchId: number,
    sentBlock: number,
    tx: { hash: string; raw: string; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
  ): void {
    this.db.transaction(() => {
      this.addTx(batchId, tx);
      this.stmt("UPDATE batches SET bumps = bumps + 1, sent_block = ? WHERE id = ?").run(sentBlock, batchId);
    })();
  }

  /** Restarts the bump clock of a batch that is re-broadcast unchanged (fees at the cap). */
  touchBatch(batchId: number, sentBlock: number): void {
    this.stmt("UPDATE batches SET sent_block = ? WHERE id = ?").run(sentBlock, batchId);
  }

  getBatch(id: number): BatchRow | undefined {
    const r = this.stmt("SELECT * FROM batches WHERE id = ?").get(id) as Row | undefined;
    return r ? toBatch(r) : undefined;
  }

  batchesInState(state: BatchState): BatchRow[] {
    const rows = this.stmt(
      "SELECT * FROM batches WHERE chain_id = ? AND contract = ? AND state = ? ORDER BY nonce, id",
    ).all(this.key.chainId, this.key.contract, state) as Row[];
    return rows.map(toBatch);
  }

  /** Confirmed batches mined above `block` (candidates for a reorg re-check). */
  batchesMinedAbove(block: number): BatchRow[] {
    const rows = this.stmt(
      "SELECT * FROM batches WHERE chain_id = ? AND contract = ? AND mined_block > ? ORDER BY id",
    ).all(this.key.chainId, this.key.contract, block) as Row[];
    return rows.map(toBatch);
  }

  /**
   * The transactions signed for a batch, oldest first. `withRaw: false` leaves `raw` empty: tracking reads the
   * hashes and fees every round, and a fulfilment's raw bytes are ~260 KB of hex.
   */
  txsOf(batchId: number, withRaw = true): TxRow[] {
    const sql = withRaw
      ? "SELECT * FROM txs WHERE batch_id = ? ORDER BY id"
      : `SELECT id, batch_id, hash, '' AS raw, max_fee_per_gas, max_priority_fee_per_gas, sent_at_ms
         FROM txs WHERE batch_id = ? ORDER BY id`;
    return (this.stmt(sql).all(batchId) as Row[]).map(toTx);
  }

  /** The stored raw bytes of one transaction (re-broadcast, fee bump). */
  rawTx(hash: string): string {
    const r = this.stmt("SELECT raw FROM txs WHERE hash = ?").get(hash) as { raw: string } | undefined;
    if (!r) throw new Error(`no stored transaction ${hash}`);
    return r.raw;
  }

  setBatchState(
    batchId: number,
    state: BatchState,
    mined?: { block: number; blockHash: string; txHash: string } | null,
  ): void {
    if (mined === undefined) {
      this.stmt("UPDATE batches SET state = ? WHERE id = ?").run(state, batchId);
    } else {
      this.stmt(
        "UPDATE batches SET state = ?, mined_block = ?, mined_block_hash = ?, mined_tx_hash = ? WHERE id = ?",
      ).run(state, mined?.block ?? null, mined?.blockHash ?? null, mined?.txHash ?? null, batchId);
    }
  }
}
