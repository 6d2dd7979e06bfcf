import { createReadStream, existsSync, statSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { Contract, getAddress, id as keccakId, isAddress, type Provider } from "ethers";
import { z } from "zod";
import type { DeploymentManifest } from "../../deploy/manifest";
import { type ExplorerDb, MODES, REQUEST_STATES } from "./db";
import type { Indexer } from "./indexer";

// ---- the JSON API's types (zod): the web page and integrators read these ------------------------------------------

const uint = z.string().regex(/^\d{1,78}$/, "must be an unsigned integer");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const hash32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);
const wei = uint;

export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(["BAD_REQUEST", "NOT_FOUND", "NO_MANIFEST", "INTERNAL"]),
    message: z.string(),
  }),
});

export const Health = z.object({
  network: z.string(),
  chainId: z.number(),
  indexedBlock: z.number(),
  headBlock: z.number(),
  lagBlocks: z.number(),
  reorgs: z.number(),
  lastError: z.string().nullable(),
});

export const Overview = z.object({
  network: z.string(),
  chainId: z.number(),
  contracts: z.array(z.object({ name: z.string(), address, balanceWei: wei, tvlWei: wei })),
  totals: z.object({
    requests: z.number(),
    fulfilled: z.number(),
    models: z.number(),
    datasets: z.number(),
    jobs: z.number(),
    operators: z.number(),
    feesToTreasuryWei: wei,
    pendingOracleFeesWei: wei,
    tvlWei: wei,
  }),
});

/** A request's state as indexed; "expired" is an open request past its deadline (by the head block's time). */
export const RequestState = z.enum([...REQUEST_STATES, "expired"]);
export const Mode = z.enum(MODES);

export const RequestRow = z.object({
  id: uint,
  model: uint,
  requester: address,
  state: RequestState,
  mode: Mode,
  node: address.nullable(),
  assignedNodes: z.array(address),
  feeWei: wei,
  modelFeeWei: wei,
  deadline: z.number(),
  requestBlock: z.number(),
  requestTime: z.number(),
  fulfilBlock: z.number().nullable(),
  fulfilTime: z.number().nullable(),
  latencySec: z.number().nullable(),
  callbackOk: z.boolean().nullable(),
  errorCode: z.number().nullable(),
  fulfilGas: uint.nullable(),
  fulfilTxHash: hash32.nullable(),
  refundWei: wei.nullable(),
  txHash: hash32,
});
export type RequestRowT = z.infer<typeof RequestRow>;

export const EventRow = z.object({
  name: z.string(),
  contract: z.string(),
  block: z.number(),
  time: z.number(),
  txHash: hash32,
  args: z.record(z.string(), z.unknown()),
});

export const RequestDetail = RequestRow.extend({ events: z.array(EventRow) });
export const Page = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const RequestPage = Page(RequestRow);

export const LatencyStats = z.object({
  /** `leSec: null` is the +Inf bucket. */
  buckets: z.array(z.object({ leSec: z.number().nullable(), count: z.number() })),
  count: z.number(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  perMinute: z.array(z.object({ t: z.number(), count: z.number() })),
});

export const ModelRow = z.object({
  id: uint,
  name: z.string().nullable(),
  symbol: z.string().nullable(),
  owner: address,
  weightsHash: hash32,
  metadataURI: z.string(),
  feeWei: wei,
  mode: Mode,
  active: z.boolean(),
  revenueReceiver: address.nullable(),
  token: address.nullable(),
  requests: z.number(),
  revenueWei: wei,
});
export const ModelPage = Page(ModelRow);
export const ModelDetail = ModelRow.extend({
  nodes: z.array(address),
  revenue: z.array(z.object({ t: z.number(), cumulativeWei: wei })),
  holders: z.array(z.object({ address, balance: uint, claimableWei: wei })),
});

export const DatasetRow = z.object({
  id: uint,
  seller: address,
  lister: address,
  contentHash: hash32,
  metadataURI: z.string(),
  licenseURI: z.string(),
  priceWei: wei,
  paymentAsset: address,
  listed: z.boolean(),
  sales: z.number(),
  revenueWei: wei,
  royalties: z.array(z.object({ to: address, bps: z.number() })),
  provenance: z.record(z.string(), z.unknown()).nullable(),
});
export const DatasetPage = Page(DatasetRow);
export const DatasetDetail = DatasetRow.extend({ events: z.array(EventRow) });

export const JobRow = z.object({
  id: uint,
  requester: address,
  provider: address.nullable(),
  state: z.string(),
  token: address,
  priceWei: wei,
  disputed: z.boolean(),
  slashedWei: wei,
  specURI: z.string(),
  resultHash: hash32.nullable(),
});
export const JobPage = Page(JobRow);
export const JobDetail = JobRow.extend({ events: z.array(EventRow) });

export const OperatorRow = z.object({
  address,
  service: z.string(),
  stakeWei: wei,
  unbondingWei: wei,
  lockedWei: wei,
  slashedWei: wei,
  slashes: z.number(),
  served: z.number(),
  jailed: z.boolean(),
  jailedUntil: z.number(),
});
export const OperatorPage = Page(OperatorRow);

// ---- query parameters ------------------------------------------------------------------------------------------

const limitParam = z.coerce.number().int().min(1).max(200).default(50);
const cursorParam = z.string().max(200).optional();
const addressParam = z
  .string()
  .refine((s) => isAddress(s), { message: "is not an address (0x followed by 40 hex digits)" })
  .transform((s) => getAddress(s.toLowerCase()));

const RequestsQuery = z
  .object({
    state: RequestState.optional(),
    model: uint.optional(),
    node: addressParam.optional(),
    requester: addressParam.optional(),
    limit: limitParam,
    cursor: cursorParam,
  })
  .strict();
const PageQuery = z.object({ limit: limitParam, cursor: cursorParam }).strict();
const NoQuery = z.object({}).strict();

// ---- errors ----------------------------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: "BAD_REQUEST" | "NOT_FOUND" | "NO_MANIFEST" | "INTERNAL",
    message: string,
  ) {
    super(message);
  }
}

function parse<T extends z.ZodTypeAny>(schema: T, input: unknown, what: string): z.infer<T> {
  const res = schema.safeParse(input);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
  const message =
    issue.code === "unrecognized_keys" ? `unknown parameter(s): ${issue.keys.join(", ")}` : `${where}${issue.message}`;
  throw new ApiError(400, "BAD_REQUEST", `bad ${what}: ${message}`);
}

/** An id path segment: a uint that fits the store's integer keys. */
function idParam(raw: string, what: string): number {
  const s = decodeURIComponent(raw);
  if (!/^\d{1,78}$/.test(s))
    throw new ApiError(400, "BAD_REQUEST", `bad ${what} id "${s}": must be an unsigned integer`);
  const n = BigInt(s);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new ApiError(404, "NOT_FOUND", `no ${what} ${s}`);
  return Number(n);
}

const encodeCursor = (v: string | number) => Buffer.from(JSON.stringify(v)).toString("base64url");
function decodeCursor<T extends "number" | "string">(
  raw: string | undefined,
  type: T,
): (T extends "number" ? number : string) | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (typeof v === type) return v;
  } catch {
    // reported below
  }
  throw new ApiError(400, "BAD_REQUEST", "bad cursor: pass back the nextCursor of the previous page");
}

// ---- the API ---------------------------------------------------------------------------------------------------

const SERVICE_NAMES: Record<string, string> = Object.fromEntries(
  [
    ["oracle", "axon.service.oracle"],
    ["compute", "axon.service.compute"],
    ["edge", "axon.service.edge"],
  ].map(([name, label]) => [keccakId(label), name]),
);

const VIEW_ABI = [
  "function protocolFeesWei() view returns (uint256)",
  "function servedCount(address node) view returns (uint256)",
  "function claimableOf(address asset, address holder) view returns (uint256)",
  "function stakeOf(address operator, bytes32 service) view returns ((uint128 activeWei, uint128 unbondingWei, uint128 lockedWei, uint64 unbondingReleaseAt, uint64 jailedUntil))",
];

interface RequestSqlRow {
  id: number;
  model: string;
  requester: string;
  state: string;
  mode: string;
  node: string | null;
  assigned: string;
  fee_wei: string;
  model_fee_wei: string;
  deadline: number;
  request_block: number;
  request_time: number;
  fulfil_block: number | null;
  fulfil_time: number | null;
  callback_ok: number | null;
  error_code: number | null;
  fulfil_tx: string | null;
  refund_wei: string | null;
  tx_hash: string;
  gas_used: string | null;
  batch: number | null;
}

export interface ApiContext {
  db: ExplorerDb | null;
  indexer: Indexer | null;
  provider: Provider | null;
  manifest: DeploymentManifest | null;
  network: string;
  /** Why there is no manifest (the 503 message). */
  noManifestReason?: string;
}

export class ExplorerApi {
  constructor(private readonly ctx: ApiContext) {}

  private need() {
    const { db, indexer, provider, manifest } = this.ctx;
    if (!db || !indexer || !provider || !manifest)
      throw new ApiError(
        503,
        "NO_MANIFEST",
        this.ctx.noManifestReason ?? `no deployment manifest for network "${this.ctx.network}"`,
      );
    return { db, indexer, provider, manifest };
  }

  private contract(name: string): Contract | null {
    const { manifest, provider } = this.need();
    const c = manifest.contracts[name];
    return c ? new Contract(c.address, VIEW_ABI, provider) : null;
  }

  /** Chain time of the head seen by the indexer's last poll: what "expired" is judged against. */
  private nowSec(): number {
    return this.need().indexer.headTime;
  }

  /** Routes one GET; returns the JSON body or throws an ApiError. */
  async handle(pathname: string, query: Record<string, string>): Promise<unknown> {
    const parts = pathname.replace(/\/+$/, "").split("/").slice(2); // after "/api"
    const [resource, idRaw, ...rest] = parts;
    if (rest.length) throw new ApiError(404, "NOT_FOUND", `no route ${pathname}`);
    switch (idRaw === undefined ? resource : `${resource}/:id`) {
      case "health":
        parse(NoQuery, query, "query");
        return this.health();
      case "overview":
        parse(NoQuery, query, "query");
        return this.overview();
      case "requests":
        return this.requests(parse(RequestsQuery, query, "query"));
      case "requests/:id":
        parse(NoQuery, query, "query");
        return this.request(idParam(idRaw!, "request"));
      case "stats/:id":
        parse(NoQuery, query, "query");
        if (idRaw === "latency") return this.latency();
        break;
      case "models":
        return this.models(parse(PageQuery, query, "query"));
      case "models/:id":
        parse(NoQuery, query, "query");
        return this.model(idParam(idRaw!, "model"));
      case "datasets":
        return this.datasets(parse(PageQuery, query, "query"));
      case "datasets/:id":
        parse(NoQuery, query, "query");
        return this.dataset(idParam(idRaw!, "dataset"));
      case "jobs":
        return this.jobs(parse(PageQuery, query, "query"));
      case "jobs/:id":
        parse(NoQuery, query, "query");
        return this.job(idParam(idRaw!, "job"));
      case "operators":
        return this.operators(parse(PageQuery, query, "query"));
    }
    throw new ApiError(404, "NOT_FOUND", `no route ${pathname}`);
  }

  async health(): Promise<z.infer<typeof Health>> {
    const { indexer, manifest, provider } = this.need();
    const headBlock = await provider.getBlockNumber();
    const indexedBlock = indexer.indexedBlock();
    return {
      network: manifest.network,
      chainId: manifest.chainId,
      indexedBlock,
      headBlock,
      lagBlocks: Math.max(0, headBlock - indexedBlock),
      reorgs: indexer.reorgs,
      lastError: indexer.lastError,
    };
  }

  async overview(): Promise<z.infer<typeof Overview>> {
    const { db, manifest, provider } = this.need();
    const contracts = await Promise.all(
      Object.entries(manifest.contracts).map(async ([name, c]) => {
        const balance = await provider.getBalance(c.address);
        return { name, address: getAddress(c.address), balanceWei: balance.toString(), tvlWei: balance.toString() };
      }),
    );
    const count = (sql: string) => (db.stmt(sql).get() as { n: number }).n;
    const oracle = this.contract("AIOracle");
    const pending = oracle ? ((await oracle.protocolFeesWei()) as bigint) : 0n;
    return {
      network: manifest.network,
      chainId: manifest.chainId,
      contracts,
      totals: {
        requests: count("SELECT COUNT(*) AS n FROM requests"),
        fulfilled: count("SELECT COUNT(*) AS n FROM requests WHERE state = 'fulfilled'"),
        models: count("SELECT COUNT(*) AS n FROM models"),
        datasets: count("SELECT COUNT(*) AS n FROM datasets"),
        jobs: count("SELECT COUNT(*) AS n FROM jobs"),
        operators: count("SELECT COUNT(DISTINCT address) AS n FROM operators"),
        feesToTreasuryWei: db.total("treasuryReceivedWei").toString(),
        pendingOracleFeesWei: pending.toString(),
        tvlWei: contracts.reduce((s, c) => s + BigInt(c.tvlWei), 0n).toString(),
      },
    };
  }

  private requestRow(r: RequestSqlRow, now: number): RequestRowT {
    const state = r.state === "open" && r.deadline < now ? "expired" : r.state;
    return {
      id: String(r.id),
      model: r.model,
      requester: r.requester,
      state: state as RequestRowT["state"],
      mode: r.mode as RequestRowT["mode"],
      node: r.node,
      assignedNodes: JSON.parse(r.assigned) as string[],
      feeWei: r.fee_wei,
      modelFeeWei: r.model_fee_wei,
      deadline: r.deadline,
      requestBlock: r.request_block,
      requestTime: r.request_time,
      fulfilBlock: r.fulfil_block,
      fulfilTime: r.fulfil_time,
      latencySec: r.fulfil_time === null ? null : r.fulfil_time - r.request_time,
      callbackOk: r.callback_ok === null ? null : r.callback_ok === 1,
      errorCode: r.error_code,
      fulfilGas: r.gas_used === null || !r.batch ? null : (BigInt(r.gas_used) / BigInt(r.batch)).toString(),
      fulfilTxHash: r.fulfil_tx,
      refundWei: r.refund_wei,
      txHash: r.tx_hash,
    };
  }

  private static readonly REQUEST_SELECT = `SELECT r.*, t.gas_used,
      (SELECT COUNT(*) FROM requests b WHERE b.fulfil_tx = r.fulfil_tx) AS batch
    FROM requests r LEFT JOIN txs t ON t.hash = r.fulfil_tx`;

  requests(q: z.infer<typeof RequestsQuery>): z.infer<typeof RequestPage> {
    const { db } = this.need();
    const now = this.nowSec();
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.state === "expired") {
      where.push("r.state = 'open' AND r.deadline < ?");
      args.push(now);
    } else if (q.state === "open") {
      where.push("r.state = 'open' AND r.deadline >= ?");
      args.push(now);
    } else if (q.state) {
      where.push("r.state = ?");
      args.push(q.state);
    }
    if (q.model !== undefined) {
      where.push("r.model = ?");
      args.push(q.model);
    }
    if (q.node !== undefined) {
      where.push("r.node = ?");
      args.push(q.node);
    }
    if (q.requester !== undefined) {
      where.push("r.requester = ?");
      args.push(q.requester);
    }
    const after = decodeCursor(q.cursor, "number");
    if (after !== undefined) {
      where.push("r.id < ?");
      args.push(after);
    }
    const rows = db
      .stmt(
        `${ExplorerApi.REQUEST_SELECT} ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY r.id DESC LIMIT ?`,
      )
      .all(...args, q.limit + 1) as RequestSqlRow[];
    const more = rows.length > q.limit;
    const items = rows.slice(0, q.limit).map((r) => this.requestRow(r, now));
    return { items, nextCursor: more ? encodeCursor(Number(items[items.length - 1].id)) : null };
  }

  request(id: number): z.infer<typeof RequestDetail> {
    const { db } = this.need();
    const row = db.stmt(`${ExplorerApi.REQUEST_SELECT} WHERE r.id = ?`).get(id) as RequestSqlRow | undefined;
    if (!row) throw new ApiError(404, "NOT_FOUND", `no request ${id}`);
    return { ...this.requestRow(row, this.nowSec()), events: this.events(`request:${id}`) };
  }

  private events(ref: string): z.infer<typeof EventRow>[] {
    const { db } = this.need();
    const rows = db
      .stmt("SELECT name, contract, block, time, tx_hash, args FROM events WHERE ref = ? ORDER BY block, log_index")
      .all(ref) as { name: string; contract: string; block: number; time: number; tx_hash: string; args: string }[];
    return rows.map((r) => ({
      name: r.name,
      contract: r.contract,
      block: r.block,
      time: r.time,
      txHash: r.tx_hash,
      args: JSON.parse(r.args),
    }));
  }

  latency(): z.infer<typeof LatencyStats> {
    const { db } = this.need();
    const lat = (
      db
        .stmt("SELECT fulfil_time - request_time AS l FROM requests WHERE fulfil_time IS NOT NULL ORDER BY l")
        .all() as { l: number }[]
    ).map((r) => r.l);
    const bounds = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
    const buckets = [...bounds.map((b) => ({ leSec: b as number | null, count: 0 })), { leSec: null, count: 0 }];
    for (const l of lat)
      buckets[bounds.findIndex((b) => l <= b) === -1 ? bounds.length : bounds.findIndex((b) => l <= b)].count++;
    const pct = (p: number) =>
      lat.length ? lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] : null;
    const perMinute = db
      .stmt("SELECT (request_time / 60) * 60 AS t, COUNT(*) AS count FROM requests GROUP BY t ORDER BY t")
      .all() as { t: number; count: number }[];
    return { buckets, count: lat.length, p50: pct(50), p95: pct(95), perMinute };
  }

  private modelRow(r: Record<string, unknown>): z.infer<typeof ModelRow> {
    return {
      id: String(r.id),
      name: (r.name as string | null) ?? null,
      symbol: (r.symbol as string | null) ?? null,
      owner: r.owner as string,
      weightsHash: r.weights_hash as string,
      metadataURI: r.metadata_uri as string,
      feeWei: r.fee_wei as string,
      mode: r.mode as z.infer<typeof Mode>,
      active: r.active === 1,
      revenueReceiver: (r.receiver as string | null) ?? null,
      token: (r.token as string | null) ?? null,
      requests: r.requests as number,
      revenueWei: r.revenue_wei as string,
    };
  }

  models(q: z.infer<typeof PageQuery>): z.infer<typeof ModelPage> {
    const { db } = this.need();
    const after = decodeCursor(q.cursor, "number") ?? 0;
    const rows = db.stmt("SELECT * FROM models WHERE id > ? ORDER BY id LIMIT ?").all(after, q.limit + 1) as Record<
      string,
      unknown
    >[];
    const items = rows.slice(0, q.limit).map((r) => this.modelRow(r));
    return { items, nextCursor: rows.length > q.limit ? encodeCursor(Number(items[items.length - 1].id)) : null };
  }

  async model(id: number): Promise<z.infer<typeof ModelDetail>> {
    const { db, provider } = this.need();
    const row = db.stmt("SELECT * FROM models WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    if (!row) throw new ApiError(404, "NOT_FOUND", `no model ${id}`);
    const nodes = (
      db.stmt("SELECT node FROM model_nodes WHERE model = ? ORDER BY node").all(id) as { node: string }[]
    ).map((r) => r.node);
    let cumulative = 0n;
    const revenue = (
      db.stmt("SELECT time, amount_wei FROM model_revenue WHERE model = ? ORDER BY time, request").all(id) as {
        time: number;
        amount_wei: string;
      }[]
    ).map((r) => ({ t: r.time, cumulativeWei: (cumulative += BigInt(r.amount_wei)).toString() }));
    const token = (row.token as string | null) ?? null;
    const holderRows = token
      ? (db.stmt("SELECT holder, balance FROM holders WHERE token = ?").all(token) as {
          holder: string;
          balance: string;
        }[])
      : [];
    holderRows.sort((a, b) =>
      BigInt(b.balance) > BigInt(a.balance) ? 1 : BigInt(b.balance) < BigInt(a.balance) ? -1 : 0,
    );
    const tokenContract = token ? new Contract(token, VIEW_ABI, provider) : null;
    const holders = await Promise.all(
      holderRows.map(async (h) => ({
        address: h.holder,
        balance: h.balance,
        claimableWei: (
          (await tokenContract!.claimableOf("0x0000000000000000000000000000000000000000", h.holder)) as bigint
        ).toString(),
      })),
    );
    return { ...this.modelRow(row), nodes, revenue, holders };
  }

  datasets(q: z.infer<typeof PageQuery>): z.infer<typeof DatasetPage> {
    const { db } = this.need();
    const after = decodeCursor(q.cursor, "number");
    const rows = db
      .stmt(`SELECT * FROM datasets ${after !== undefined ? "WHERE id < ?" : ""} ORDER BY id DESC LIMIT ?`)
      .all(...(after !== undefined ? [after] : []), q.limit + 1) as Record<string, unknown>[];
    const items = rows.slice(0, q.limit).map(datasetRow);
    return { items, nextCursor: rows.length > q.limit ? encodeCursor(Number(items[items.length - 1].id)) : null };
  }

  jobs(q: z.infer<typeof PageQuery>): z.infer<typeof JobPage> {
    const { db } = this.need();
    const after = decodeCursor(q.cursor, "number");
    const rows = db
      .stmt(`SELECT * FROM jobs ${after !== undefined ? "WHERE id < ?" : ""} ORDER BY id DESC LIMIT ?`)
      .all(...(after !== undefined ? [after] : []), q.limit + 1) as Record<string, unknown>[];
    const items = rows.slice(0, q.limit).map(jobRow);
    return { items, nextCursor: rows.length > q.limit ? encodeCursor(Number(items[items.length - 1].id)) : null };
  }

  dataset(id: number): z.infer<typeof DatasetDetail> {
    const { db } = this.need();
    const row = db.stmt("SELECT * FROM datasets WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    if (!row) throw new ApiError(404, "NOT_FOUND", `no dataset ${id}`);
    return { ...datasetRow(row), events: this.events(`dataset:${id}`) };
  }

  job(id: number): z.infer<typeof JobDetail> {
    const { db } = this.need();
    const row = db.stmt("SELECT * FROM jobs WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    if (!row) throw new ApiError(404, "NOT_FOUND", `no job ${id}`);
    return { ...jobRow(row), events: this.events(`job:${id}`) };
  }

  async operators(q: z.infer<typeof PageQuery>): Promise<z.infer<typeof OperatorPage>> {
    const { db } = this.need();
    const after = decodeCursor(q.cursor, "string");
    const rows = db
      .stmt(
        `SELECT * FROM operators ${after !== undefined ? "WHERE address || service > ?" : ""}
         ORDER BY address || service LIMIT ?`,
      )
      .all(...(after !== undefined ? [after] : []), q.limit + 1) as {
      address: string;
      service: string;
      slashed_wei: string;
      slashes: number;
    }[];
    const staking = this.contract("OperatorStaking");
    const oracle = this.contract("AIOracle");
    const now = this.nowSec();
    const items = await Promise.all(
      rows.slice(0, q.limit).map(async (r) => {
        const s = staking ? await staking.stakeOf(r.address, r.service) : null;
        const service = SERVICE_NAMES[r.service] ?? r.service;
        const served = service === "oracle" && oracle ? Number(await oracle.servedCount(r.address)) : 0;
        const jailedUntil = s ? Number(s.jailedUntil) : 0;
        return {
          address: r.address,
          service,
          stakeWei: (s?.activeWei ?? 0n).toString(),
          unbondingWei: (s?.unbondingWei ?? 0n).toString(),
          lockedWei: (s?.lockedWei ?? 0n).toString(),
          slashedWei: r.slashed_wei,
          slashes: r.slashes,
          served,
          jailed: jailedUntil > now,
          jailedUntil,
        };
      }),
    );
    const last = rows[Math.min(rows.length, q.limit) - 1];
    return { items, nextCursor: rows.length > q.limit ? encodeCursor(last.address + last.service) : null };
  }
}

function datasetRow(r: Record<string, unknown>): z.infer<typeof DatasetRow> {
  return {
    id: String(r.id),
    seller: r.seller as string,
    lister: r.lister as string,
    contentHash: r.content_hash as string,
    metadataURI: r.metadata_uri as string,
    licenseURI: r.license_uri as string,
    priceWei: r.price_wei as string,
    paymentAsset: r.payment_asset as string,
    listed: r.listed === 1,
    sales: r.sales as number,
    revenueWei: r.revenue_wei as string,
    royalties: JSON.parse(r.royalties as string),
    provenance: r.provenance ? JSON.parse(r.provenance as string) : null,
  };
}

function jobRow(r: Record<string, unknown>): z.infer<typeof JobRow> {
  return {
    id: String(r.id),
    requester: r.requester as string,
    provider: (r.provider as string | null) ?? null,
    state: r.state as string,
    token: r.token as string,
    priceWei: r.price_wei as string,
    disputed: r.disputed === 1,
    slashedWei: r.slashed_wei as string,
    specURI: r.spec_uri as string,
    resultHash: (r.result_hash as string | null) ?? null,
  };
}

// ---- the HTTP server -------------------------------------------------------------------------------------------

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};

export interface ServerOptions {
  /** explorer/web */
  webDir: string;
  /** node_modules/uplot/dist */
  uplotDir: string;
  log?: (line: string) => void;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    "access-control-allow-origin": "*",
  });
  res.end(text);
}

/** Serves `rel` from under `dir` only (no `..` escapes); false when there is no such file. */
function sendFile(res: http.ServerResponse, dir: string, rel: string): boolean {
  const file = path.resolve(dir, "." + path.posix.normalize("/" + rel));
  if (!file.startsWith(path.resolve(dir) + path.sep) || !existsSync(file) || !statSync(file).isFile()) return false;
  res.writeHead(200, {
    "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
    "cache-control": "no-cache",
  });
  createReadStream(file).pipe(res);
  return true;
}

/** The explorer's HTTP server: the JSON API under /api, uPlot under /vendor/uplot, the page from `webDir`. */
export function createServer(api: ExplorerApi, opts: ServerOptions): http.Server {
  return http.createServer((req, res) => {
    void (async () => {
      let url: URL;
      try {
        url = new URL(req.url ?? "/", "http://localhost");
      } catch {
        return sendJson(res, 400, { error: { code: "BAD_REQUEST", message: "malformed URL" } });
      }
      const pathname = url.pathname;
      if (req.method !== "GET" && req.method !== "HEAD")
        return sendJson(res, 400, {
          error: { code: "BAD_REQUEST", message: `method ${req.method} not allowed: the API is read-only (GET)` },
        });
      if (pathname === "/api" || pathname.startsWith("/api/")) {
        try {
          const query: Record<string, string> = {};
          for (const [k, v] of url.searchParams) query[k] = v;
          sendJson(res, 200, await api.handle(pathname, query));
        } catch (err) {
          if (err instanceof ApiError)
            return sendJson(res, err.status, { error: { code: err.code, message: err.message } });
          opts.log?.(`explorer: ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          sendJson(res, 500, { error: { code: "INTERNAL", message: "internal error (see the server log)" } });
        }
        return;
      }
      let rel: string;
      try {
        rel = decodeURIComponent(pathname);
      } catch {
        rel = pathname;
      }
      if (rel.startsWith("/vendor/uplot/") && sendFile(res, opts.uplotDir, rel.slice("/vendor/uplot/".length))) return;
      if (!rel.startsWith("/vendor/") && sendFile(res, opts.webDir, rel === "/" ? "index.html" : rel.slice(1))) return;
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end(`not found: ${pathname}\n`);
    })();
  });
}
