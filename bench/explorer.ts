import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { busyChain, countRows, scratchExplorer } from "../explorer/dev/busy-chain";
import { runMain, spread } from "../explorer/dev/stats";

// `npm run bench:explorer`: a chain with BENCH_REQUESTS (default 10,000) oracle requests, most of them fulfilled in
// batches, indexed from scratch by the Explorer (events/s), then its API timed over HTTP (p50/p95 per route). Writes
// the "indexing" and "api" figures of bench/explorer-bench.json (other keys, e.g. the page's, are kept).

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const OUT = path.join(__dirname, "explorer-bench.json");

async function main() {
  const t0 = Date.now();
  // Rounds of 500 requests (a block each), each round then four in five fulfilled (before their deadline).
  const { d, node, fulfilled } = await busyChain(hre, { requests: REQUESTS, round: 500 });
  const head = await hre.ethers.provider.getBlockNumber();
  console.log(
    `chain: ${REQUESTS} requests, ${fulfilled} fulfilled, ${head} blocks (${((Date.now() - t0) / 1000).toFixed(1)} s to build)`,
  );

  // Indexing from scratch.
  const explorer = await scratchExplorer(hre, d, "explorer-bench");
  try {
    const i0 = performance.now();
    await explorer.indexer!.syncToHead();
    const indexSec = (performance.now() - i0) / 1000;
    const events = countRows(explorer, "events");
    const indexed = countRows(explorer, "requests");
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
      const { p50, p95, max } = spread(list, 2);
      api[group] = { calls: list.length, p50Ms: p50, p95Ms: p95, maxMs: max };
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
        fulfilled,
        blocks: head,
        events,
        seconds: Math.round(indexSec * 100) / 100,
        eventsPerSecond: Math.round(events / indexSec),
        dbBytes: statSync(explorer.dbPath).size,
      },
      api: { requestsPages: pages, goalP95Ms: 50, routes: api },
    };
    writeFileSync(OUT, JSON.stringify(out, null, 2) + "\n");
    console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
  } finally {
    await explorer.close();
  }
}

runMain(main);
