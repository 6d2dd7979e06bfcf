// A real Axon deployment on anvil for the SDK's tests: anvil on a free port, `hardhat run deploy/index.ts --network
// anvil` as a child process (the repository's own deploy), then viem clients for anvil's default accounts.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  http,
} from "viem";
import { type HDAccount, mnemonicToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { type Anvil, startAnvil } from "../../scripts/anvil";
import type { AxonManifest } from "../src/addresses.js";
import { type AxonClient, createAxonClient } from "../src/client.js";

export const ROOT = path.resolve(__dirname, "..", "..");
const HARDHAT_CLI = path.join(ROOT, "node_modules", "hardhat", "internal", "cli", "cli.js");
const MNEMONIC = "test test test test test test test test test test test junk";

export interface TestChain {
  anvil: Anvil;
  manifest: AxonManifest;
  /** deployments/31337.json as the deploy script wrote it. */
  manifestFile: string;
  publicClient: PublicClient<Transport, Chain>;
  account(i: number): HDAccount;
  wallet(i: number): WalletClient<Transport, Chain, Account>;
  /** An Axon client acting as anvil account `i` (0 is the deployer and protocol admin). */
  axon(i: number, extra?: { confirmations?: number }): AxonClient;
  /** A JSON-RPC call to anvil (evm_increaseTime, anvil_mine, ...). */
  rpc(method: string, params?: unknown[]): Promise<unknown>;
  /** Deploys a contract from its Hardhat artifact. */
  deploy(artifact: string, args: readonly unknown[], from?: number): Promise<Address>;
}

function runDeploy(url: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [HARDHAT_CLI, "run", "--no-compile", "deploy/index.ts", "--network", "anvil"],
      {
        cwd: ROOT,
        env: { ...process.env, ANVIL_RPC_URL: url, AXON_DEPLOYMENTS_DIR: dir, TS_NODE_TRANSPILE_ONLY: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`deploy exited ${code}:\n${out}`))));
  });
}

let chain: Promise<TestChain> | undefined;
let dir: string | undefined;

/** The shared deployment (started once per test run, stopped by the root hook in hooks.ts). */
export function testChain(): Promise<TestChain> {
  chain ??= (async () => {
    const anvil = await startAnvil();
    dir = mkdtempSync(path.join(os.tmpdir(), "axon-sdk-"));
    await runDeploy(anvil.url, dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, "31337.json"), "utf8")) as AxonManifest;
    const transport = http(anvil.url);
    const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 50 });
    const account = (i: number) => mnemonicToAccount(MNEMONIC, { addressIndex: i });
    const wallet = (i: number) => createWalletClient({ chain: foundry, transport, account: account(i) });
    const rpc = async (method: string, params: unknown[] = []) => {
      const res = await fetch(anvil.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      });
      const body = (await res.json()) as { result?: unknown; error?: { message: string } };
      if (body.error) throw new Error(`${method}: ${body.error.message}`);
      return body.result;
    };
    return {
      anvil,
      manifest,
      manifestFile: path.join(dir, "31337.json"),
      publicClient,
      account,
      wallet,
      axon: (i, extra) =>
        createAxonClient({ publicClient, walletClient: wallet(i), manifest, pollingIntervalMs: 50, ...extra }),
      rpc,
      async deploy(artifact, args, from = 0) {
        const { abi, bytecode } = JSON.parse(readFileSync(path.join(ROOT, "artifacts", artifact), "utf8")) as {
          abi: never;
          bytecode: Hex;
        };
        const hash = await wallet(from).deployContract({ abi, bytecode, args: args as never });
        const receipt = await publicClient.waitForTransactionReceipt({ hash });
        return receipt.contractAddress!;
      },
    };
  })();
  return chain;
}

/** Stops anvil and removes the manifests' folder. */
export async function stopTestChain(): Promise<void> {
  if (chain) await (await chain.catch(() => undefined))?.anvil.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  chain = undefined;
}

/** Advances anvil's clock by `seconds` and mines a block. */
export async function increaseTime(c: TestChain, seconds: number): Promise<void> {
  await c.rpc("evm_increaseTime", [seconds]);
  await c.rpc("evm_mine");
}

/** A 28x28 grey-scale image for the MNIST classifier, all zeros but a stroke (distinct per `seed`). */
export function image(seed = 0): Hex {
  const bytes = new Uint8Array(784);
  for (let i = 0; i < 20; i++) bytes[100 + seed + i * 28] = 255;
  return `0x${Buffer.from(bytes).toString("hex")}`;
}
