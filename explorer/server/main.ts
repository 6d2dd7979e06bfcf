import type http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Command } from "commander";
import { JsonRpcProvider, type Provider } from "ethers";
import { type DeploymentManifest, manifestPath, readManifest } from "../../deploy/manifest";
import { ExplorerApi, createServer } from "./api";
import { ExplorerDb, defaultDbPath } from "./db";
import { Indexer, type IndexerOptions, loadAbis } from "./indexer";

export const ROOT = path.resolve(__dirname, "..", "..");
export const DEFAULT_PORT = 8550;

export interface ExplorerOptions {
  /** A read-only provider (tests, the demo); or `rpcUrl`. The explorer never holds a key. */
  provider?: Provider;
  rpcUrl?: string;
  /** The deployment; null or undefined: the server answers 503 NO_MANIFEST on every API route. */
  manifest?: DeploymentManifest | null;
  /** Network name (reported, and the default store's name). Default: the manifest's. */
  network?: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** SQLite file; default .axon/explorer-<network>.sqlite. */
  dbPath?: string;
  root?: string;
  indexer?: Partial<IndexerOptions>;
  /** Start the background indexing loop (default true; tests drive `indexer.syncToHead()` themselves). */
  autoIndex?: boolean;
  log?: (line: string) => void;
}

export interface Explorer {
  url: string;
  port: number;
  server: http.Server;
  api: ExplorerApi;
  db: ExplorerDb | null;
  indexer: Indexer | null;
  close(): Promise<void>;
}

/** A fingerprint of the deployment a store was built from: another deployment (a fresh chain) starts a new index. */
function deploymentKey(m: DeploymentManifest): string {
  return JSON.stringify([m.chainId, Object.values(m.contracts).map((c) => [c.address.toLowerCase(), c.blockNumber])]);
}

/** Starts the indexer and the HTTP server (API + page) over a deployment. */
export async function startExplorer(opts: ExplorerOptions): Promise<Explorer> {
  const root = opts.root ?? ROOT;
  const log = opts.log ?? (() => {});
  const manifest = opts.manifest ?? null;
  const network = opts.network ?? manifest?.network ?? "unknown";
  let db: ExplorerDb | null = null;
  let indexer: Indexer | null = null;
  let provider: Provider | null = null;
  if (manifest) {
    provider = opts.provider ?? new JsonRpcProvider(opts.rpcUrl, undefined, { staticNetwork: true });
    db = new ExplorerDb(opts.dbPath ?? defaultDbPath(root, network));
    const key = deploymentKey(manifest);
    if (db.getMeta("deployment") !== key) {
      db.reset();
      db.setMeta("deployment", key);
    }
    indexer = new Indexer(db, provider, manifest, loadAbis(path.join(root, "artifacts")), { log, ...opts.indexer });
  }
  const api = new ExplorerApi({
    db,
    indexer,
    provider,
    manifest,
    network,
    noManifestReason: manifest
      ? undefined
      : `no deployment manifest for network "${network}" (looked for ${manifestPath(root, network)}): deploy first (npm run deploy -- --network ${network})`,
  });
  const server = createServer(api, {
    webDir: path.join(root, "explorer", "web"),
    uplotDir: path.join(root, "node_modules", "uplot", "dist"),
    log,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? DEFAULT_PORT, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  if (indexer && opts.autoIndex !== false) indexer.start();
  return {
    url: `http://${opts.host ?? "127.0.0.1"}:${port}/`,
    port,
    server,
    api,
    db,
    indexer,
    async close() {
      await indexer?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db?.close();
    },
  };
}

/** The JSON-RPC endpoint of a named network when --rpc is not given (hardhat.config.ts's defaults). */
function defaultRpc(network: string): string | undefined {
  const env = process.env;
  if (network === "localhost") return env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545";
  if (network === "anvil") return env.ANVIL_RPC_URL ?? "http://127.0.0.1:8545";
  if (network === "sepolia") return env.SEPOLIA_RPC_URL;
  return env[`${network.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_RPC_URL`];
}

/** `npm run explorer -- --network <name>`: exits 2 with a message when the network has no manifest. */
async function cli(argv: string[]): Promise<void> {
  const program = new Command()
    .name("explorer")
    .description("Axon Explorer: indexes a deployment's events into SQLite and serves the JSON API and the web page")
    .requiredOption("--network <name>", "network whose deployments/<name>.json manifest is read")
    .option("--port <n>", "HTTP port", String(DEFAULT_PORT))
    .option("--host <addr>", "listen address", "127.0.0.1")
    .option("--rpc <url>", "JSON-RPC endpoint (default: the network's, e.g. http://127.0.0.1:8545 for localhost)")
    .option("--db <path>", "SQLite store (default .axon/explorer-<network>.sqlite)")
    .option("--confirmations <n>", "blocks behind the head that are indexed", "0")
    .option("--poll-ms <n>", "poll interval once caught up", "1000")
    .parse(argv);
  const o = program.opts<{
    network: string;
    port: string;
    host: string;
    rpc?: string;
    db?: string;
    confirmations: string;
    pollMs: string;
  }>();
  const fail = (msg: string): never => {
    console.error(`explorer: ${msg}`);
    process.exit(2);
  };
  if (o.network === "hardhat")
    fail('the in-process "hardhat" network lives only inside its process: use `npm run demo -- --explore`');
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad --port ${o.port}`);
  const alias = readManifest(ROOT, o.network);
  const rpcUrl = o.rpc ?? defaultRpc(o.network);
  if (!alias)
    fail(
      `no deployment manifest for network "${o.network}": ${manifestPath(ROOT, o.network)} does not exist ` +
        `(deploy first: npm run deploy -- --network ${o.network})`,
    );
  if (!rpcUrl) fail(`no RPC URL for network "${o.network}": pass --rpc <url>`);
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
  let chainId: number;
  try {
    chainId = Number((await provider.getNetwork()).chainId);
  } catch (err) {
    provider.destroy();
    return fail(`cannot reach ${rpcUrl}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const manifest = readManifest(ROOT, o.network, chainId)!;
  if (manifest.chainId !== chainId)
    fail(`the manifest of "${o.network}" is for chain ${manifest.chainId} but ${rpcUrl} is chain ${chainId}`);
  const explorer = await startExplorer({
    provider,
    manifest,
    network: o.network,
    port,
    host: o.host,
    dbPath: o.db,
    indexer: { confirmations: Number(o.confirmations), pollIntervalMs: Number(o.pollMs) },
    log: (l) => console.error(l),
  });
  console.log(`Axon Explorer for ${o.network} (chain ${chainId}) at ${explorer.url}  (API: ${explorer.url}api/health)`);
  const stop = () => {
    void explorer.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (require.main === module) {
  cli(process.argv).catch((err) => {
    console.error(`explorer: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
