import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";

import type { Anvil } from "../../scripts/anvil";
export { type Anvil, freePort, startAnvil } from "../../scripts/anvil";

export const ROOT = path.resolve(__dirname, "..", "..");
const HARDHAT_CLI = path.join(ROOT, "node_modules", "hardhat", "internal", "cli", "cli.js");

/** A fresh directory for deployments/<network>.json (AXON_DEPLOYMENTS_DIR). */
export function tmpDeploymentsDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), "axon-deployments-"));
}

/**
 * Runs a Hardhat task in this process, as `npx hardhat <name>` would, and returns what it printed with `--json`.
 * Tasks print through console.log; it is captured for the duration of the call.
 */
export async function runTaskJson(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await hre.run(name, { ...args, json: true });
  } finally {
    console.log = log;
  }
  return JSON.parse(lines.join("\n")) as Record<string, unknown>;
}

/** True when nothing accepts connections on 127.0.0.1:`port`. */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** The fhevm mock's ACL address: `hardhat node` deploys the mock coprocessor there before it serves requests. */
const FHEVM_MOCK_ACL = "0x50157CFfD6bBFA2DECe204a89ec419c23ef5755D";

async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await res.json()) as { result?: unknown }).result;
}

/**
 * Starts `npx hardhat node` (the `localhost` network; the fhevm plugin requires port 8545) as a child process and
 * waits until it serves JSON-RPC with the fhevm mock deployed.
 */
export async function startHardhatNode(timeoutMs = 120_000): Promise<Anvil> {
  const url = "http://127.0.0.1:8545";
  const child = spawn(process.execPath, [HARDHAT_CLI, "node", "--hostname", "127.0.0.1", "--port", "8545"], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await rpc(url, "eth_getCode", [FHEVM_MOCK_ACL, "latest"])) !== "0x") break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`hardhat node did not serve ${url} with the fhevm mock within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, stop };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the Hardhat CLI as a child process (`npx hardhat ...`) with extra environment variables. */
export function hardhatCli(args: string[], env: Record<string, string>, timeoutMs = 180_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [HARDHAT_CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`hardhat ${args.join(" ")} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Parses the JSON a task printed with --json (the last top-level object in stdout). */
export function parseJsonOutput(stdout: string): Record<string, unknown> {
  const start = stdout.indexOf("{");
  if (start < 0) throw new Error(`no JSON in output:\n${stdout}`);
  return JSON.parse(stdout.slice(start)) as Record<string, unknown>;
}
