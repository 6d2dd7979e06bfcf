import { HDNodeWallet } from "ethers";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import type { HardhatNetworkHDAccountsConfig, HardhatRuntimeEnvironment } from "hardhat/types";
import { type RawConfig, resolveConfig } from "../../offchain/src/config";
import { createLogger } from "../../offchain/src/log";
import { Runner } from "../../offchain/src/runner";
import type { AxonDeployment } from "../../deploy/axon";
import { BUNDLED_MODEL } from "./models";

/**
 * Starts the real runner in-process for `nodeAddress` (a Hardhat signer, whose key it derives from the network's
 * mnemonic), serving `modelId` with the bundled model over a JSON-RPC server on the in-process chain. Returns the
 * function that stops the runner and the server and removes the runner's temporary folder.
 */
export async function startDemoRunner(
  hre: HardhatRuntimeEnvironment,
  deployment: AxonDeployment,
  nodeAddress: string,
  modelId: bigint,
  /** Another key (instead of `nodeAddress`'s) and other models (instead of the bundled one), e.g. a Proof model. */
  options: { nodeKey?: string; models?: RawConfig["models"] } = {},
): Promise<() => Promise<void>> {
  const server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  const { port } = await server.listen();
  const dir = mkdtempSync(path.join(os.tmpdir(), "axon-demo-"));
  const deploymentFile = path.join(dir, "deployment.json");
  writeFileSync(deploymentFile, JSON.stringify(deployment.manifest, null, 2));
  const accounts = hre.config.networks.hardhat.accounts as HardhatNetworkHDAccountsConfig;
  const index = (await hre.ethers.getSigners()).findIndex((s) => s.address === nodeAddress);
  const nodeKey =
    options.nodeKey ??
    HDNodeWallet.fromPhrase(accounts.mnemonic, accounts.passphrase, `${accounts.path}/${index}`).privateKey;
  const cfg = await resolveConfig(
    {
      rpcUrls: [`http://127.0.0.1:${port}`],
      chainId: 31337,
      deployment: deploymentFile,
      models: options.models ?? [{ modelId: String(modelId), path: BUNDLED_MODEL, maxInputBytes: 784 }],
      confirmations: 0,
      pollIntervalMs: 100,
      batching: { maxBatchSize: 32, maxWaitMs: 50, maxTxItems: 32, maxTxWaitMs: 100, maxInFlightTxs: 2 },
      dbPath: path.join(dir, "runner.db"),
      metricsPort: 0,
      logLevel: "silent",
    },
    { AXON_NODE_KEY: nodeKey },
    dir,
  );
  const runner = new Runner(cfg, { logger: createLogger({ level: "silent" }), serveMetrics: false });
  await runner.start();
  return async () => {
    await runner.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
