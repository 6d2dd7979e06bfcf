import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { type Interface, parseEther, toBeHex } from "ethers";
import { deployAxon } from "../deploy/axon";
import { startExplorer } from "../explorer/server/main";
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
const PER_BLOCK = 200;
const FULFIL_BATCH = 50;
const GOAL_FCP_MS = 300;
const OUT = path.join(__dirname, "explorer-page-bench.json");
const { ethers } = hre;

const round = (x: number) => Math.round(x * 10) / 10;
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** REQUESTS oracle requests from ten senders, four in five fulfilled in batches (one in ten of those failed). */
async function busyChain() {
  const send = (method: string, params: unknown[]) => hre.network.provider.send(method, params);
  const d = await deployAxon(hre, { writeManifest: false });
  const signers = await ethers.getSigners();
  const [, node, creator] = signers;
  await d.staking.connect(node).stake(d.services.oracle, { value: parseEther("2") });
  const none = { mode: 0, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0 };
  await d.registry
    .connect(creator)
    .registerModel(ethers.id("page-bench"), "ipfs://page.json", parseEther("0.001"), none);
  await d.registry.connect(creator).addNode(1n, node.address);
  const oracle = await d.oracle.getAddress();
  const fee = await d.oracle.quote(1n, 0);
  const senders = signers.slice(5, 15).map((s) => s.address);
  const firstBlock = (await ethers.provider.getBlockNumber()) + 1;
  await send("evm_setAutomine", [false]);
  for (let sent = 0; sent < REQUESTS;) {
    for (let i = 0; i < PER_BLOCK && sent < REQUESTS; i++, sent++) {
      const from = senders[sent % senders.length];
      const data = d.oracle.interface.encodeFunctionData("request", [1n, toBeHex(sent, 4), from, 0, "0x"]);
      await send("eth_sendTransaction", [{ from, to: oracle, data, value: toBeHex(fee), gas: toBeHex(300_000) }]);
    }
    await send("evm_mine", []);
  }
  const created = await d.oracle.queryFilter(d.oracle.filters.RequestCreated(), firstBlock);
  const toFulfil = created.slice(0, Math.floor(REQUESTS * 0.8));
  const plain = (v: unknown): unknown => (Array.isArray(v) ? [...v].map(plain) : v);
  for (let i = 0; i < toFulfil.length; i += FULFIL_BATCH) {
    const batch = toFulfil.slice(i, i + FULFIL_BATCH);
    // fulfilBatch is in the oracle's ABI (it reaches AIOracleLogic through the fallback) but not in its typings.
    const data = (d.oracle.interface as unknown as Interface).encodeFunctionData("fulfilBatch", [
      batch.map((e) => e.args.requestId),
      batch.map((e) => plain(e.args.request)),
      batch.map(() => "0x2a"),
      batch.map((_, j) => (j % 10 === 9 ? 4 : 0)),
    ]);
    await send("eth_sendTransaction", [{ from: node.address, to: oracle, data, gas: toBeHex(10_000_000) }]);
    await send("evm_mine", []);
  }
  await send("evm_setAutomine", [true]);
  return d;
}

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
        const sorted = runs.map((r) => r[key]).sort((a, b) => a - b);
        return { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)) };
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
  const d = await busyChain();
  console.log(`chain: ${REQUESTS} requests (${((Date.now() - t0) / 1000).toFixed(1)} s to build)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "axon-explorer-page-bench-"));
  const explorer = await startExplorer({
    provider: ethers.provider,
    manifest: d.manifest,
    port: 0,
    dbPath: path.join(dir, "explorer.sqlite"),
    autoIndex: false,
  });
  try {
    await explorer.indexer!.syncToHead();
    const indexed = (explorer.db!.db.prepare("SELECT COUNT(*) AS n FROM requests").get() as { n: number }).n;
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
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main()
    .then(() => process.exit(0))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
