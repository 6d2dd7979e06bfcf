import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** One deployed contract as integrators and the runner read it from deployments/<chainId>.json (alias deployments/<network>.json). */
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

/** The folder of the manifests: deployments/ under the project root, or AXON_DEPLOYMENTS_DIR when set (tests, CI). */
export function deploymentsDir(root: string): string {
  return process.env.AXON_DEPLOYMENTS_DIR || path.join(root, "deployments");
}

/**
 * deployments/<key>.json, where the key is a chain id (the manifest's own name) or a network name (an alias that
 * holds the same manifest, kept for scripts written against `deployments/<network>.json`).
 */
export function manifestPath(root: string, key: string | number): string {
  return path.join(deploymentsDir(root), `${key}.json`);
}

/**
 * The in-process `hardhat` network dies with its process and shares chain id 31337 with anvil and `hardhat node`:
 * its manifest is written under its name only, so it never shadows a node's manifest.
 */
function isEphemeral(network: string): boolean {
  return network === "hardhat";
}

function readFile(file: string): DeploymentManifest | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as DeploymentManifest) : undefined;
}

/**
 * The manifest of `network`: deployments/<chainId>.json, or its alias deployments/<network>.json when there is no
 * chain-id file, when no chain id is known, or when the chain-id file was written from another network that shares
 * the chain id (anvil and `hardhat node` are both 31337) and this network has its own.
 */
export function readManifest(root: string, network: string, chainId?: number): DeploymentManifest | undefined {
  const alias = readFile(manifestPath(root, network));
  if (chainId === undefined || isEphemeral(network)) return alias;
  const byId = readFile(manifestPath(root, chainId));
  if (byId && (byId.network === network || !alias)) return byId;
  return alias ?? byId;
}

/** Writes deployments/<chainId>.json and its alias deployments/<network>.json; returns the chain-id file. */
export function writeManifest(root: string, manifest: DeploymentManifest): string {
  const text = JSON.stringify(manifest, null, 2) + "\n";
  const alias = manifestPath(root, manifest.network);
  mkdirSync(path.dirname(alias), { recursive: true });
  writeFileSync(alias, text);
  if (isEphemeral(manifest.network)) return alias;
  const file = manifestPath(root, manifest.chainId);
  writeFileSync(file, text);
  return file;
}
