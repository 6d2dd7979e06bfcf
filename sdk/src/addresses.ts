import type { Address } from "viem";
import { AxonConfigError } from "./errors/base.js";
import { bundledManifests } from "./generated/manifests.js";

/** The contracts a client can address, by their manifest names. */
export const CONTRACT_NAMES = [
  "AIOracle",
  "ModelRegistry",
  "ModelOffering",
  "DataMarket",
  "LabelingBounties",
  "ComputeEscrow",
  "OperatorStaking",
  "Treasury",
  "EdgeNodeRegistry",
  "SyntheticProvenance",
  "CollectionCampaigns",
] as const;
export type AxonContractName = (typeof CONTRACT_NAMES)[number];

/** deployments/<chainId>.json as the deploy script writes it (the fields the SDK reads). */
export interface AxonManifest {
  network?: string;
  chainId: number;
  contracts: Record<string, { address: string; blockNumber?: number }>;
}

/** Resolved addresses of one chain, plus the block each was deployed at (where log scans start). */
export interface AxonAddresses {
  chainId: number;
  contracts: Partial<Record<AxonContractName, Address>>;
  fromBlock: Partial<Record<AxonContractName, bigint>>;
}

/**
 * The addresses for `chainId`: the bundled manifest of that chain, replaced by `manifest` when given (e.g. a local
 * deployments/31337.json), then overridden contract by contract by `overrides`.
 */
export function resolveAddresses(
  chainId: number,
  manifest?: AxonManifest,
  overrides?: Partial<Record<AxonContractName, Address>>,
): AxonAddresses {
  const base = manifest ?? bundledManifests[chainId];
  if (manifest && manifest.chainId !== chainId)
    throw new AxonConfigError(`the manifest is for chain ${manifest.chainId}, but the client is on chain ${chainId}`);
  const contracts: AxonAddresses["contracts"] = {};
  const fromBlock: AxonAddresses["fromBlock"] = {};
  for (const name of CONTRACT_NAMES) {
    const entry = base?.contracts[name];
    if (entry) {
      contracts[name] = entry.address as Address;
      if (entry.blockNumber !== undefined) fromBlock[name] = BigInt(entry.blockNumber);
    }
    const o = overrides?.[name];
    if (o) {
      contracts[name] = o;
      delete fromBlock[name];
    }
  }
  return { chainId, contracts, fromBlock };
}

/** The address of `name`, or a clear error naming the chain and how to supply it. */
export function requireAddress(addresses: AxonAddresses, name: AxonContractName): Address {
  const a = addresses.contracts[name];
  if (!a)
    throw new AxonConfigError(
      `no ${name} address for chain ${addresses.chainId}: no bundled manifest has it; pass \`manifest\` (deployments/${addresses.chainId}.json) or \`addresses.${name}\` to createAxonClient`,
    );
  return a;
}
