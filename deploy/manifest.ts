import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** One deployed contract as integrators and the runner read it from deployments/<network>.json. */
export interface DeployedContract {
  address: string;
  /** Implementation behind the proxy, for UUPS contracts. */
  implementation?: string;
  /** Hardhat artifact name. */
  artifact: string;
  blockNumber: number;
  /** Linked libraries of the implementation (name → address). */
  libraries?: Record<string, string>;
}

export interface DeploymentManifest {
  network: string;
  chainId: number;
  deployer: string;
  contracts: Record<string, DeployedContract>;
}

/** deployments/<network>.json under the project root, or under AXON_DEPLOYMENTS_DIR when set (tests, CI). */
export function manifestPath(root: string, network: string): string {
  const dir = process.env.AXON_DEPLOYMENTS_DIR ?? path.join(root, "deployments");
  return path.join(dir, `${network}.json`);
}

export function readManifest(root: string, network: string): DeploymentManifest | undefined {
  const file = manifestPath(root, network);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as DeploymentManifest) : undefined;
}

export function writeManifest(root: string, manifest: DeploymentManifest): string {
  const file = manifestPath(root, manifest.network);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(manifest, null, 2) + "\n");
  return file;
}
