import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { busyChain, countRows, scratchExplorer } from "../explorer/dev/busy-chain";
import { runMain, spread } from "../explorer/dev/stats";
import {
  type PageTimings,
  findChromium,
  launchChromium,
  NO_BROWSER_MESSAGE,
  pageTimings,
} from "../test/explorer/browser";

// `npm run bench:explorer:page`: the Explorer's requests view with BENCH_REQUESTS (default 10,000) requests indexed,
// loaded cold in headless Chromium BENCH_LOADS times per route: first contentful paint (goal ≤ 300 ms), largest
// contentful paint (the table on screen) and the moment the view's rows are in the document. Writes
// bench/explorer-page-bench.json (bench/explorer.ts writes the indexing and API figures to bench/explorer-bench.json).

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const LOADS = Number(process.env.BENCH_LOADS ?? 15);
const GOAL_FCP_MS = 300;
const OUT = path.join(__dirname, "explorer-page-bench.json");

interface RouteFigures {
  loads: number;
  fcpMs: { p50: number; p95: number };
  lcpMs: { p50: number; p95: number };
  renderedMs: { p50: number; p95: number };
}

/** Cold loads of each requests route of the Explorer at `url` (exported for bench/explorer.ts to reuse). */
export async function benchRequestsView(url: string, loads = LOADS): Promise<Record<string, RouteFigures>> {
  const chromium = findChromium();
  if (!chromium) throw new Error(NO_BROWSER_MESSAGE);
  const browser = await launchChromium(chromium);
  try {
    const routes: Record<string, string> = {
      "#/requests": "#/requests",
      "#/requests?state=failed": "#/requests?state=failed",
    };
    const out: Record<string, RouteFigures> = {};
    for (const [name, hash] of Object.entries(routes)) {
      await pageTimings(browser, `${url.replace(/\/$/, "")}/${hash}`, "requests"); // warm the server's caches
      const runs: PageTimings[] = [];
      for (let i = 0; i < loads; i++)
        runs.push(await pageTimings(browser, `${url.replace(/\/$/, "")}/${hash}`, "requests"));
      const stat = (key: keyof PageTimings) => {
        const { p50, p95 } = spread(runs.map((r) => r[key]));
        return { p50, p95 };
      };
      out[name] = { loads, fcpMs: stat("fcpMs"), lcpMs: stat("lcpMs"), renderedMs: stat("renderedMs") };
      console.log(`page ${name.padEnd(26)} ${JSON.stringify(out[name])}`);
    }
    return out;
  } finally {
    await browser.close();
  }
}

async function main() {
  const t0 = Date.now();
  // All the requests first, 200 a block, then four in five of them fulfilled.
  const { d } = await busyChain(hre, { requests: REQUESTS, perBlock: 200 });
  console.log(`chain: ${REQUESTS} requests (${((Date.now() - t0) / 1000).toFixed(1)} s to build)`);
  const explorer = await scratchExplorer(hre, d, "explorer-page-bench");
  try {
    await explorer.indexer!.syncToHead();
    const indexed = countRows(explorer, "requests");
    if (indexed !== REQUESTS) throw new Error(`${indexed} requests indexed, ${REQUESTS} on chain`);
    const routes = await benchRequestsView(explorer.url);
    const worst = Math.max(...Object.values(routes).map((r) => r.fcpMs.p95));
    const page = {
      requests: REQUESTS,
      browser: "Debian chromium, headless, via playwright-core; each load in a fresh context (cold cache)",
      goalFcpMs: GOAL_FCP_MS,
      metGoal: worst <= GOAL_FCP_MS,
      routes,
    };
    const meta = {
      machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}`,
      date: new Date().toISOString().slice(0, 10),
    };
    writeFileSync(OUT, JSON.stringify({ meta, page }, null, 2) + "\n");
    console.log(`first paint p95 ${worst} ms (goal ≤ ${GOAL_FCP_MS} ms); wrote ${path.relative(process.cwd(), OUT)}`);
  } finally {
    await explorer.close();
  }
}

if (require.main === module) runMain(main);
