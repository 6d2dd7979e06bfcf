import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { type Interface, parseEther, toBeHex } from "ethers";
import { deployAxon } from "../deploy/axon";
import { startExplorer } from "../explorer/server/main";

// `npm run bench:explorer`: a chain with BENCH_REQUESTS (default 10,000) oracle requests, most of them fulfilled in
// batches, indexed from scratch by the Explorer (events/s), then its API timed over HTTP (p50/p95 per route). Writes
// the "indexing" and "api" figures of bench/explorer-bench.json (other keys, e.g. the page's, are kept).

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const ROUND = 500;
const FULFIL_BATCH = 50;
const FULFIL_SHARE = 0.8;
const OUT = path.join(__dirname, "explorer-bench.json");

const { ethers } = hre;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const t0 = Date.now();
  const send = (method: string, params: unknown[]) => hre.network.provider.send(method, params);
  const d = await deployAxon(hre, { writeManifest: false });
  const signers = await ethers.getSigners();
  const [, node, creator] = signers;
  await d.staking.connect(node).stake(d.services.oracle, { value: parseEther("2") });
  const none = { mode: 0, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0 };
  await d.registry.connect(creator).registerModel(ethers.id("bench"), "ipfs://bench.json", parseEther("0.001"), none);
  await d.registry.connect(creator).addNode(1n, node.address);
  const oracle = await d.oracle.getAddress();
  const iface: Interface = d.oracle.interface;
  const fee = await d.oracle.quote(1n, 0);

  // Rounds of ROUND requests from 10 senders, one block each (Hardhat's mempool is slower than mining: ~3 ms a
  // request this way), then FULFIL_SHARE of the round fulfilled in batches of FULFIL_BATCH (before their deadline),
  // every tenth item an error result.
  const senders = signers.slice(5, 15).map((s) => s.address);
  const firstBlock = (await ethers.provider.getBlockNumber()) + 1;
  const plain = (v: unknown): unknown => (Array.isArray(v) ? [...v].map(plain) : v);
  for (let sent = 0; sent < REQUESTS;) {
    const roundStart = (await ethers.provider.getBlockNumber()) + 1;
    for (const end = Math.min(REQUESTS, sent + ROUND); sent < end; sent++) {
      const from = senders[sent % senders.length];
      const data = iface.encodeFunctionData("request", [1n, toBeHex(sent, 4), from, 0, "0x"]);
      await send("eth_sendTransaction", [{ from, to: oracle, data, value: toBeHex(fee), gas: toBeHex(300_000) }]);
    }
    const round = await d.oracle.queryFilter(d.oracle.filters.RequestCreated(), roundStart);
    const toFulfil = round.slice(0, Math.floor(round.length * FULFIL_SHARE));
    for (let i = 0; i < toFulfil.length; i += FULFIL_BATCH) {
      const batch = toFulfil.slice(i, i + FULFIL_BATCH);
      const data = iface.encodeFunctionData("fulfilBatch", [
        batch.map((e) => e.args.requestId),
        batch.map((e) => plain(e.args.request)),
        batch.map(() => "0x2a"),
        batch.map((_, j) => (j % 10 === 9 ? 4 : 0)),
      ]);
      await send("eth_sendTransaction", [{ from: node.address, to: oracle, data, gas: toBeHex(10_000_000) }]);
    }
  }
  const created = await d.oracle.queryFilter(d.oracle.filters.RequestCreated(), firstBlock);
  if (created.length !== REQUESTS) throw new Error(`${created.length} requests created, ${REQUESTS} wanted`);
  const head = await ethers.provider.getBlockNumber();
  const fulfilled = await d.oracle.queryFilter(d.oracle.filters.RequestFulfilled(), firstBlock);
  console.log(
    `chain: ${REQUESTS} requests, ${fulfilled.length} fulfilled, ${head} blocks (${((Date.now() - t0) / 1000).toFixed(1)} s to build)`,
  );

  // Indexing from scratch.
  const dir = mkdtempSync(path.join(os.tmpdir(), "axon-explorer-bench-"));
  const dbPath = path.join(dir, "explorer.sqlite");
  const explorer = await startExplorer({
    provider: ethers.provider,
    manifest: d.manifest,
    port: 0,
    dbPath,
    autoIndex: false,
  });
  try {
    const i0 = performance.now();
    await explorer.indexer!.syncToHead();
    const indexSec = (performance.now() - i0) / 1000;
    const events = (explorer.db!.db.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n;
    const indexed = (explorer.db!.db.prepare("SELECT COUNT(*) AS n FROM requests").get() as { n: number }).n;
    if (indexed !== REQUESTS) throw new Error(`${indexed} requests indexed, ${REQUESTS} on chain`);
    console.log(`indexing: ${events} events in ${indexSec.toFixed(2)} s = ${Math.round(events / indexSec)} events/s`);

    // The API over HTTP: every page of /api/requests (limit 50, newest first), filtered pages, single requests.
    const timings: Record<string, number[]> = {};
    const get = async (group: string, route: string) => {
      const s = performance.now();
      const res = await fetch(new URL(route, explorer.url));
      const body = (await res.json()) as { nextCursor?: string | null };
      (timings[group] ??= []).push(performance.now() - s);
      if (res.status !== 200) throw new Error(`${route}: ${res.status} ${JSON.stringify(body)}`);
      return body;
    };
    for (let i = 0; i < 20; i++) await get("warm-up", "/api/requests");
    let cursor: string | null | undefined = null;
    let pages = 0;
    do {
      const body = await get("requests (paginated)", `/api/requests?limit=50${cursor ? `&cursor=${cursor}` : ""}`);
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    for (let i = 0; i < 100; i++) {
      await get("requests?state=", `/api/requests?state=${["fulfilled", "failed", "open", "expired"][i % 4]}`);
      await get("requests?node=", `/api/requests?node=${node.address}&limit=50`);
      await get("requests/:id", `/api/requests/${1 + ((i * 97) % REQUESTS)}`);
    }
    for (let i = 0; i < 20; i++) {
      await get("stats/latency", "/api/stats/latency");
      await get("models/:id", "/api/models/1");
      await get("overview", "/api/overview");
    }
    delete timings["warm-up"];
    const api: Record<string, { calls: number; p50Ms: number; p95Ms: number; maxMs: number }> = {};
    for (const [group, list] of Object.entries(timings)) {
      const sorted = [...list].sort((a, b) => a - b);
      const round = (x: number) => Math.round(x * 100) / 100;
      api[group] = {
        calls: list.length,
        p50Ms: round(percentile(sorted, 50)),
        p95Ms: round(percentile(sorted, 95)),
        maxMs: round(sorted[sorted.length - 1]),
      };
      console.log(`api ${group.padEnd(22)} ${JSON.stringify(api[group])}`);
    }
    const previous = existsSync(OUT) ? (JSON.parse(readFileSync(OUT, "utf8")) as Record<string, unknown>) : {};
    const out = {
      ...previous,
      meta: {
        ...((previous.meta as object) ?? {}),
        machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}`,
        chain:
          "in-process Hardhat network (the indexer reads it through the same provider a JSON-RPC node would answer)",
        date: new Date().toISOString().slice(0, 10),
      },
      indexing: {
        requests: REQUESTS,
        fulfilled: fulfilled.length,
        blocks: head,
        events,
        seconds: Math.round(indexSec * 100) / 100,
        eventsPerSecond: Math.round(events / indexSec),
        dbBytes: statSync(dbPath).size,
      },
      api: { requestsPages: pages, goalP95Ms: 50, routes: api },
    };
    writeFileSync(OUT, JSON.stringify(out, null, 2) + "\n");
    console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
  } finally {
    await explorer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
