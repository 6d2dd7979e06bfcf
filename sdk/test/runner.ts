// The real runner (scripts/runner.mjs -> offchain/dist/cli.js) serving the MNIST model on the test chain, as a node operator starts it.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Hex, keccak256, parseEther, toHex } from "viem";
import { ROOT, type TestChain } from "./chain";

export const MODEL_FILE = path.join(ROOT, "offchain", "models", "mnist-mlp.onnx");

export interface Runner {
  modelId: bigint;
  nodeIndex: number;
  log(): string;
  stop(): Promise<void>;
}

/** Stakes account `nodeIndex`, registers the MNIST model (owner: account 0) served by it, starts the runner. */
export async function startRunner(c: TestChain, nodeIndex: number, manifestFile: string): Promise<Runner> {
  const node = c.axon(nodeIndex);
  await node.staking.stake("oracle", parseEther("1"));
  const owner = c.axon(0);
  const weightsHash = keccak256(readFileSync(MODEL_FILE));
  const { modelId } = await owner.models.register({
    weightsHash,
    metadataURI: "ipfs://mnist",
    feeWei: parseEther("0.001"),
  });
  await owner.models.addNode(modelId, c.account(nodeIndex).address);
  const dir = mkdtempSync(path.join(os.tmpdir(), "axon-sdk-runner-"));
  const config = {
    rpcUrls: [c.anvil.url],
    chainId: 31337,
    deployment: manifestFile,
    confirmations: 0,
    pollIntervalMs: 100,
    metricsPort: 0,
    models: [{ modelId: String(modelId), path: MODEL_FILE, maxInputBytes: 784 }],
  };
  writeFileSync(path.join(dir, "runner.json"), JSON.stringify(config));
  const key = toHex(c.account(nodeIndex).getHdKey().privateKey!) as Hex;
  let out = "";
  const child: ChildProcess = spawn(
    process.execPath,
    // scripts/runner.mjs builds offchain/dist first when it is missing or stale (a fresh clone)
    [path.join(ROOT, "scripts", "runner.mjs"), "--config", path.join(dir, "runner.json"), "start"],
    {
      cwd: dir,
      env: { ...process.env, AXON_NODE_KEY: key },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  return {
    modelId,
    nodeIndex,
    log: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once("exit", done);
        child.kill("SIGTERM");
      }),
  };
}
