import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from "viem";
import { type AxonAddresses, type AxonContractName, type AxonManifest, resolveAddresses } from "./addresses.js";
import type { AxonContext } from "./context.js";
import { BountiesClient } from "./domains/bounties.js";
import { ComputeClient } from "./domains/compute.js";
import { CampaignsClient } from "./domains/campaigns.js";
import { DataClient } from "./domains/data.js";
import { EdgeClient } from "./domains/edge.js";
import { ImoClient } from "./domains/imo.js";
import { ModelsClient } from "./domains/models.js";
import { ProvenanceClient } from "./domains/provenance.js";
import { StakingClient } from "./domains/staking.js";
import { AxonConfigError } from "./errors/base.js";
import { OracleClient } from "./oracle/client.js";

/** Configuration of `createAxonClient` / `createAxonContext`. */
export interface AxonClientConfig {
  /** A viem public client on the chain (reads, simulations, receipts, logs). */
  publicClient: PublicClient<Transport, Chain | undefined>;
  /** A viem wallet client with an account, for writes (optional: read-only without it). */
  walletClient?: WalletClient<Transport, Chain | undefined, Account | undefined>;
  /** The chain id; default: the public client's chain, else the manifest's. */
  chainId?: number;
  /** A deployment manifest (deployments/<chainId>.json) replacing the bundled one, e.g. for a local node. */
  manifest?: AxonManifest;
  /** Per-contract address overrides, applied last. */
  addresses?: Partial<Record<AxonContractName, Address>>;
  /** Confirmations before a transaction or a request state is reported (default 1: mined). */
  confirmations?: number;
  /** Polling interval of waits in ms (default: the public client's, else 1000). */
  pollingIntervalMs?: number;
}

/** The shared context of the domain clients: build one client only (`new OracleClient(ctx)`) to keep a bundle small. */
export function createAxonContext(config: AxonClientConfig): AxonContext {
  const chainId = config.chainId ?? config.publicClient.chain?.id ?? config.manifest?.chainId;
  if (chainId === undefined)
    throw new AxonConfigError("unknown chain: give the public client a `chain`, or pass `chainId` or a `manifest`");
  const confirmations = config.confirmations ?? 1;
  if (!Number.isInteger(confirmations) || confirmations < 1)
    throw new AxonConfigError(`confirmations must be a positive integer (got ${confirmations})`);
  const addresses: AxonAddresses = resolveAddresses(chainId, config.manifest, config.addresses);
  return {
    publicClient: config.publicClient,
    walletClient: config.walletClient,
    addresses,
    confirmations,
    pollingIntervalMs: config.pollingIntervalMs ?? config.publicClient.pollingInterval ?? 1000,
  };
}

/** Every domain client of Axon on one chain. */
export interface AxonClient {
  context: AxonContext;
  oracle: OracleClient;
  models: ModelsClient;
  imo: ImoClient;
  data: DataClient;
  bounties: BountiesClient;
  compute: ComputeClient;
  staking: StakingClient;
  edge: EdgeClient;
  provenance: ProvenanceClient;
  campaigns: CampaignsClient;
}

/**
 * Creates the Axon client: addresses from the bundled manifest of the chain (or `manifest`, or `addresses`),
 * one typed client per domain.
 */
export function createAxonClient(config: AxonClientConfig): AxonClient {
  const context = createAxonContext(config);
  return {
    context,
    oracle: new OracleClient(context),
    models: new ModelsClient(context),
    imo: new ImoClient(context),
    data: new DataClient(context),
    bounties: new BountiesClient(context),
    compute: new ComputeClient(context),
    staking: new StakingClient(context),
    edge: new EdgeClient(context),
    provenance: new ProvenanceClient(context),
    campaigns: new CampaignsClient(context),
  };
}
