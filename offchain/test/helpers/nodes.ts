import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";

export const OFFCHAIN_DIR = path.resolve(__dirname, "..", "..");
export const REPO_ROOT = path.resolve(OFFCHAIN_DIR, "..");

/** The standard dev mnemonic's first accounts (anvil and hardhat node both fund them). */
export const DEV_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

async function waitForRpc(url: string, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node exited with ${child.exitCode}: ${log()}`);
    try {
      await rpc(url, "eth_chainId");
      return;
    } catch {
      if (Date.now() - start > timeoutMs) throw new Error(`node at ${url} not ready after ${timeoutMs} ms: ${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface LocalNode {
  kind: "anvil" | "hardhat";
  url: string;
  port: number;
  /** The node's process id (CPU accounting from /proc in the runner benchmark). */
  pid: number;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 3000).unref();
    });
}

export function anvilBinary(): string {
  const candidates = [
    path.join(REPO_ROOT, "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"),
    path.join(OFFCHAIN_DIR, "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error("anvil binary not found (npm package @foundry-rs/anvil)");
  return found;
}

/** Starts anvil on a free port (automine unless `blockTimeS`), chain id 31337. */
export async function startAnvil(
  opts: { blockTimeS?: number; gasLimit?: number; args?: string[] } = {},
): Promise<LocalNode> {
  const port = await freePort();
  const args = [
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
    "--chain-id",
    "31337",
    "--gas-limit",
    String(opts.gasLimit ?? 60_000_000),
    "--silent",
    ...(opts.blockTimeS ? ["--block-time", String(opts.blockTimeS)] : []),
    ...(opts.args ?? []),
  ];
  const child = spawn(anvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out = (out + d).slice(-4000)));
  child.stderr!.on("data", (d) => (out = (out + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  await waitForRpc(url, child, 20_000, () => out);
  return { kind: "anvil", url, port, pid: child.pid!, stop: stopper(child) };
}

/** Starts `hardhat node` (the Hardhat network over JSON-RPC) from the repository root on a free port. */
export async function startHardhatNode(): Promise<LocalNode> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      path.join(REPO_ROOT, "node_modules/hardhat/internal/cli/cli.js"),
      "node",
      "--port",
      String(port),
      "--hostname",
      "127.0.0.1",
    ],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" } },
  );
  let out = "";
  child.stdout!.on("data", (d) => (out = (out + d).slice(-4000)));
  child.stderr!.on("data", (d) => (out = (out + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  await waitForRpc(url, child, 120_000, () => out);
  return { kind: "hardhat", url, port, pid: child.pid!, stop: stopper(child) };
}
