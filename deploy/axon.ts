import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { DeployedContract, DeploymentManifest } from "./manifest";
import { readManifest, writeManifest } from "./manifest";

export const SERVICES = {
  oracle: "axon.service.oracle",
  compute: "axon.service.compute",
  // DePIN edge nodes (issue 16): their own service, so edge stakes and slashes never touch oracle stake.
  edge: "axon.service.edge",
} as const;

/** Chainlink ETH/USD on Sepolia (8 decimals); overridable with ETH_USD_FEED. */
export const SEPOLIA_ETH_USD_FEED = "0x694AA1769357215DE4FAC081bf1f309aDC325306";

/** Every UUPS proxy deployAxon manages, in deployment order. */
export const PROXIES = [
  "Treasury",
  "OperatorStaking",
  "ModelRegistry",
  "AIOracle",
  "ModelOffering",
  "DataMarket",
  "LabelingBounties",
  "ComputeEscrow",
  "PrivateScoring",
  "EdgeNodeRegistry",
] as const;

/** Linked libraries of the implementations that have them (deployed once, recorded in the manifest). */
export const LIBRARIES: Record<string, string[]> = {
  AIOracle: ["AIOracleLogic"],
  ComputeEscrow: ["ComputeEscrowLib"],
};

export interface OracleParams {
  nodeFeeWei: bigint;
  protocolFeeBps: number;
  minGasPriceWei: bigint;
  maxGasPriceWei: bigint;
  maxInputBytes: number;
  maxOutputBytes: number;
  maxCallbackGasLimit: number;
  requestTimeoutSeconds: number;
  gracePeriodSeconds: number;
  challengeResolutionSeconds: number;
  dissentSlashWei: bigint;
}

export interface ComputeParams {
  protocolFeeBps: number;
  slashBeneficiaryBps: number;
  challengeWindowSeconds: number;
  arbitrationWindowSeconds: number;
  minBondWei: bigint;
  feedMaxStalenessSeconds: number;
  feedMinAnswer: bigint;
  feedMaxAnswer: bigint;
}

export interface EdgeParams {
  minEdgeStakeWei: bigint;
  epochSeconds: number;
  slotSeconds: number;
  reportDeadlineSeconds: number;
  challengeWindowSeconds: number;
  answerWindowSeconds: number;
  reporterBondWei: bigint;
  challengeBondWei: bigint;
  epochRewardWei: bigint;
  servedRewardWei: bigint;
}

export interface DeployOptions {
  /** Delay (seconds) before a default-admin transfer can be accepted. */
  adminDelaySeconds: number;
  minOracleStakeWei: bigint;
  minComputeStakeWei: bigint;
  unbondingDelaySeconds: number;
  oracle: OracleParams;
  imoProtocolFeeBps: number;
  dataProtocolFeeBps: number;
  compute: ComputeParams;
  /**
   * Holder of ComputeEscrow's ARBITER_ROLE (rules on disputes); default: `owner`, else the deployer (AIOracle grants
   * it to the deployer itself). It must be able to rule within the arbitration window: an unresolved dispute pays.
   * A re-run with another arbiter grants it and revokes the role from every earlier holder.
   */
  computeArbiter?: string;
  /**
   * Final owner of the protocol, e.g. a TimelockController (AXON_OWNER). When set, every proxy's default admin is
   * offered to it (`beginDefaultAdminTransfer`; it accepts after `adminDelaySeconds`), and every other role the
   * deployer holds (UPGRADER, TREASURER, TOKEN_ADMIN, MODEL_MANAGER, ARBITER) moves to it, the deployer renouncing
   * each. Unset: the deployer keeps every role (local networks; a warning is logged elsewhere).
   */
  owner?: string;
  /** Holder of PAUSER_ROLE once the roles are handed to `owner` (AXON_GUARDIAN): a fast multisig; default `owner`. */
  guardian?: string;
  /** ETH/USD AggregatorV3 feed; when unset: the Sepolia feed on sepolia, a MockEthUsdAggregator elsewhere. */
  ethUsdFeed?: string;
  /** DePIN edge registry (issue 16): the edge service's minimum stake and the registry's IEdgeNodeRegistry.Config. */
  edge: EdgeParams;
  /** Write deployments/<chainId>.json (+ alias <network>.json) (off for throw-away in-process runs). */
  writeManifest: boolean;
  log: (line: string) => void;
}

export const DEFAULT_DEPLOY_OPTIONS: DeployOptions = {
  adminDelaySeconds: 2 * 24 * 3600,
  minOracleStakeWei: 10n ** 18n,
  minComputeStakeWei: 2n * 10n ** 18n,
  unbondingDelaySeconds: 7 * 24 * 3600,
  oracle: {
    nodeFeeWei: 2n * 10n ** 15n,
    protocolFeeBps: 500,
    minGasPriceWei: 0n,
    maxGasPriceWei: 100n * 10n ** 9n,
    maxInputBytes: 16 * 1024,
    maxOutputBytes: 16 * 1024,
    maxCallbackGasLimit: 2_000_000,
    requestTimeoutSeconds: 3600,
    gracePeriodSeconds: 300,
    challengeResolutionSeconds: 24 * 3600,
    dissentSlashWei: 25n * 10n ** 16n,
  },
  imoProtocolFeeBps: 250,
  dataProtocolFeeBps: 250,
  compute: {
    protocolFeeBps: 250,
    slashBeneficiaryBps: 5_000,
    challengeWindowSeconds: 3600,
    arbitrationWindowSeconds: 24 * 3600,
    minBondWei: 10n ** 17n,
    feedMaxStalenessSeconds: 3600,
    feedMinAnswer: 100n * 10n ** 8n,
    feedMaxAnswer: 100_000n * 10n ** 8n,
  },
  edge: {
    minEdgeStakeWei: 10n ** 17n,
    epochSeconds: 3600,
    slotSeconds: 300,
    reportDeadlineSeconds: 3600,
    challengeWindowSeconds: 3600,
    answerWindowSeconds: 3600,
    reporterBondWei: 5n * 10n ** 16n,
    challengeBondWei: 10n ** 16n,
    epochRewardWei: 5n * 10n ** 16n,
    servedRewardWei: 5n * 10n ** 14n,
  },
  ethUsdFeed: process.env.ETH_USD_FEED,
  owner: process.env.AXON_OWNER,
  guardian: process.env.AXON_GUARDIAN,
  writeManifest: true,
  log: () => {},
};

const LOCAL_NETWORKS = new Set(["hardhat", "localhost", "anvil"]);

/**
 * Deploys (or reuses, when deployments/<network>.json already lists them with code) the whole Axon protocol behind
 * UUPS proxies and wires their roles. Idempotent: a re-run deploys only what is missing and sends a wiring transaction
 * only where the on-chain state differs from the wanted one.
 */
export async function deployAxon(hre: HardhatRuntimeEnvironment, partial: Partial<DeployOptions> = {}) {
  const opts = { ...DEFAULT_DEPLOY_OPTIONS, ...partial };
  const { ethers, upgrades, network } = hre;
  const [deployer] = await ethers.getSigners();
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const previous = opts.writeManifest ? readManifest(hre.config.paths.root, network.name, chainId) : undefined;
  const manifest: DeploymentManifest = {
    network: network.name,
    chainId,
    deployer: deployer.address,
    contracts: previous?.chainId === chainId ? previous.contracts : {},
  };
  let transactions = 0;
  const save = () => {
    if (opts.writeManifest) writeManifest(hre.config.paths.root, manifest);
  };

  async function hasCode(address: string | undefined): Promise<boolean> {
    return !!address && (await ethers.provider.getCode(address)) !== "0x";
  }

  /** A plain (non-proxy) contract: reused when the manifest lists it with code. */
  async function plain(key: string, artifact: string, args: unknown[]): Promise<DeployedContract> {
    const known = manifest.contracts[key];
    if (known && (await hasCode(known.address))) {
      opts.log(`  ${key} already at ${known.address}`);
      return known;
    }
    const contract = await ethers.deployContract(artifact, args);
    await contract.waitForDeployment();
    const receipt = await contract.deploymentTransaction()?.wait();
    transactions++;
    const entry: DeployedContract = {
      address: await contract.getAddress(),
      artifact,
      blockNumber: receipt?.blockNumber ?? (await ethers.provider.getBlockNumber()),
    };
    manifest.contracts[key] = entry;
    save();
    opts.log(`  ${key} deployed at ${entry.address}`);
    return entry;
  }

  async function proxy(name: string, args: unknown[]): Promise<DeployedContract> {
    const known = manifest.contracts[name];
    if (known && (await hasCode(known.address))) {
      opts.log(`  ${name} already at ${known.address}`);
      return known;
    }
    const libraries: Record<string, string> = {};
    for (const lib of LIBRARIES[name] ?? []) libraries[lib] = (await plain(lib, lib, [])).address;
    const factory = await ethers.getContractFactory(name, { libraries });
    // The linked libraries (AIOracleLogic, ComputeEscrowLib) are stateless and reviewed: no per-deploy warning.
    if (Object.keys(libraries).length) upgrades.silenceWarnings();
    const contract = await upgrades.deployProxy(factory, args, {
      kind: "uups",
      unsafeAllowLinkedLibraries: Object.keys(libraries).length > 0,
    });
    await contract.waitForDeployment();
    const receipt = await contract.deploymentTransaction()?.wait();
    transactions += 2;
    const address = await contract.getAddress();
    const entry: DeployedContract = {
      address,
      implementation: await upgrades.erc1967.getImplementationAddress(address),
      artifact: name,
      blockNumber: receipt?.blockNumber ?? (await ethers.provider.getBlockNumber()),
      ...(Object.keys(libraries).length ? { libraries } : {}),
    };
    manifest.contracts[name] = entry;
    save();
    opts.log(`  ${name} deployed at ${address}`);
    return entry;
  }

  /** Sends `send()` only when `isWanted()` is false; logs what it did. */
  async function ensure(label: string, isWanted: () => Promise<boolean>, send: () => Promise<{ wait(): unknown }>) {
    if (await isWanted()) return;
    await (await send()).wait();
    transactions++;
    opts.log(`  wired: ${label}`);
  }

  const admin = deployer.address;
  const delay = opts.adminDelaySeconds;
  const treasuryEntry = await proxy("Treasury", [admin, delay]);
  const stakingEntry = await proxy("OperatorStaking", [admin, delay, treasuryEntry.address]);
  const registryEntry = await proxy("ModelRegistry", [admin, delay, stakingEntry.address]);
  const o = opts.oracle;
  const oracleEntry = await proxy("AIOracle", [
    admin,
    delay,
    registryEntry.address,
    treasuryEntry.address,
    {
      nodeFeeWei: o.nodeFeeWei,
      protocolFeeBps: o.protocolFeeBps,
      minGasPriceWei: o.minGasPriceWei,
      maxGasPriceWei: o.maxGasPriceWei,
    },
    {
      maxInputBytes: o.maxInputBytes,
      maxOutputBytes: o.maxOutputBytes,
      maxCallbackGasLimit: o.maxCallbackGasLimit,
      requestTimeoutSeconds: o.requestTimeoutSeconds,
      gracePeriodSeconds: o.gracePeriodSeconds,
      challengeResolutionSeconds: o.challengeResolutionSeconds,
      dissentSlashWei: o.dissentSlashWei,
    },
  ]);
  const tokenImplEntry = await plain("ModelTokenImplementation", "ModelToken", []);
  const offeringEntry = await proxy("ModelOffering", [
    admin,
    delay,
    registryEntry.address,
    treasuryEntry.address,
    tokenImplEntry.address,
    opts.imoProtocolFeeBps,
  ]);
  const marketEntry = await proxy("DataMarket", [admin, delay, treasuryEntry.address, opts.dataProtocolFeeBps]);
  const bountiesEntry = await proxy("LabelingBounties", [admin, delay]);
  const exporterEntry = await plain("LabelingBountiesExporter", "LabelingBountiesExporter", [
    bountiesEntry.address,
    marketEntry.address,
  ]);
  const c = opts.compute;
  const escrowEntry = await proxy("ComputeEscrow", [
    admin,
    delay,
    stakingEntry.address,
    treasuryEntry.address,
    {
      protocolFeeBps: c.protocolFeeBps,
      slashBeneficiaryBps: c.slashBeneficiaryBps,
      challengeWindowSeconds: c.challengeWindowSeconds,
      arbitrationWindowSeconds: c.arbitrationWindowSeconds,
      minBondWei: c.minBondWei,
    },
  ]);
  const scoringEntry = await proxy("PrivateScoring", [admin, delay]);
  // --- Data provenance (issue 17): synthetic datasets recorded through the oracle, and collection campaigns. ---
  const provenanceEntry = await plain("SyntheticProvenance", "SyntheticProvenance", [
    oracleEntry.address,
    registryEntry.address,
    marketEntry.address,
    treasuryEntry.address,
  ]);
  const campaignsEntry = await plain("CollectionCampaigns", "CollectionCampaigns", [marketEntry.address]);

  let feedAddress = opts.ethUsdFeed;
  if (!feedAddress && network.name === "sepolia") feedAddress = SEPOLIA_ETH_USD_FEED;
  if (!feedAddress) {
    if (!LOCAL_NETWORKS.has(network.name))
      throw new Error(`no ETH/USD feed for network "${network.name}": set ETH_USD_FEED`);
    feedAddress = (await plain("EthUsdFeed", "MockEthUsdAggregator", [8, 3_000n * 10n ** 8n])).address;
  }

  const treasury = await ethers.getContractAt("Treasury", treasuryEntry.address);
  const staking = await ethers.getContractAt("OperatorStaking", stakingEntry.address);
  const registry = await ethers.getContractAt("ModelRegistry", registryEntry.address);
  const oracle = await ethers.getContractAt("AIOracle", oracleEntry.address);
  const offering = await ethers.getContractAt("ModelOffering", offeringEntry.address);
  const market = await ethers.getContractAt("DataMarket", marketEntry.address);
  const bounties = await ethers.getContractAt("LabelingBounties", bountiesEntry.address);
  const exporter = await ethers.getContractAt("LabelingBountiesExporter", exporterEntry.address);
  const escrow = await ethers.getContractAt("ComputeEscrow", escrowEntry.address);
  const scoring = await ethers.getContractAt("PrivateScoring", scoringEntry.address);
  const provenance = await ethers.getContractAt("SyntheticProvenance", provenanceEntry.address);
  const campaigns = await ethers.getContractAt("CollectionCampaigns", campaignsEntry.address);

  const oracleService = ethers.id(SERVICES.oracle);
  const computeService = ethers.id(SERVICES.compute);
  for (const [name, service, min] of [
    ["oracle", oracleService, opts.minOracleStakeWei],
    ["compute", computeService, opts.minComputeStakeWei],
  ] as const) {
    await ensure(
      `staking service ${name}`,
      async () => {
        const cfg = await staking.serviceConfig(service);
        return (
          cfg.enabled && cfg.minStakeWei === min && cfg.unbondingDelaySeconds === BigInt(opts.unbondingDelaySeconds)
        );
      },
      () => staking.setService(service, min, opts.unbondingDelaySeconds, true),
    );
  }
  await ensure(
    "AIOracle is a module of the oracle service (lock, slash)",
    () => staking.isModule(oracleService, oracleEntry.address),
    () => staking.setModule(oracleService, oracleEntry.address, true),
  );
  // Issue 13: the oracle's hot path reads model terms and node statuses from its own cache, pushed by the registry and
  // the staking contract (anything not pushed is read from them, so a late wiring is safe, only dearer).
  await ensure(
    "ModelRegistry pushes model terms to the AIOracle",
    async () => (await registry.oracle()) === oracleEntry.address,
    () => registry.setOracle(oracleEntry.address),
  );
  await ensure(
    "OperatorStaking pushes oracle node statuses to the AIOracle",
    async () => (await staking.statusListener(oracleService)) === oracleEntry.address,
    () => staking.setStatusListener(oracleService, oracleEntry.address),
  );
  await ensure(
    "ComputeEscrow is a module of the compute service (lock, slash)",
    () => staking.isModule(computeService, escrowEntry.address),
    () => staking.setModule(computeService, escrowEntry.address, true),
  );
  // ---- DePIN edge registry (issue 16): its service (unbonding above its slashing horizon), then the module. ----
  // Rewards for served work read AIOracle.servedCount (final, paid results per node: the oracle's record, not the node's).
  const { minEdgeStakeWei, ...edgeConfig } = opts.edge;
  const edgeService = ethers.id(SERVICES.edge);
  const edgeEntry = await proxy("EdgeNodeRegistry", [
    admin,
    delay,
    stakingEntry.address,
    edgeService,
    ethers.ZeroAddress,
    edgeConfig,
  ]);
  const edge = await ethers.getContractAt("EdgeNodeRegistry", edgeEntry.address);
  await ensure(
    "EdgeNodeRegistry reads served work from the AIOracle",
    async () => (await edge.wiring()).servedSource === oracleEntry.address,
    () => edge.setServedSource(oracleEntry.address),
  );
  await ensure(
    "ModelRegistry routes requests by the regions of EdgeNodeRegistry's devices",
    async () => (await registry.edgeRegistry()) === edgeEntry.address,
    () => registry.setEdgeRegistry(edgeEntry.address),
  );
  await ensure(
    "staking service edge",
    async () => {
      const cfg = await staking.serviceConfig(edgeService);
      return (
        cfg.enabled &&
        cfg.minStakeWei === minEdgeStakeWei &&
        cfg.unbondingDelaySeconds === BigInt(opts.unbondingDelaySeconds)
      );
    },
    () => staking.setService(edgeService, minEdgeStakeWei, opts.unbondingDelaySeconds, true),
  );
  await ensure(
    "EdgeNodeRegistry is a module of the edge service (lock, slash)",
    () => staking.isModule(edgeService, edgeEntry.address),
    () => staking.setModule(edgeService, edgeEntry.address, true),
  );
  const revenueManager = await registry.REVENUE_MANAGER_ROLE();
  await ensure(
    "ModelOffering holds REVENUE_MANAGER_ROLE on ModelRegistry",
    () => registry.hasRole(revenueManager, offeringEntry.address),
    () => registry.grantRole(revenueManager, offeringEntry.address),
  );
  const lister = await market.LISTER_ROLE();
  await ensure(
    "LabelingBountiesExporter holds LISTER_ROLE on DataMarket",
    () => market.hasRole(lister, exporterEntry.address),
    () => market.grantRole(lister, exporterEntry.address),
  );
  // --- Data provenance (issue 17): both list datasets on behalf of their sellers. ---
  for (const [name, entry] of [
    ["SyntheticProvenance", provenanceEntry],
    ["CollectionCampaigns", campaignsEntry],
  ] as const) {
    await ensure(
      `${name} holds LISTER_ROLE on DataMarket`,
      () => market.hasRole(lister, entry.address),
      () => market.grantRole(lister, entry.address),
    );
  }
  await ensure(
    "LabelingBounties exports through LabelingBountiesExporter",
    async () => (await bounties.exporter()) === exporterEntry.address,
    () => bounties.setExporter(exporterEntry.address),
  );
  await ensure(
    "LabelingBounties sweeps forfeited labeller bonds to the Treasury",
    async () => (await bounties.treasury()) === treasuryEntry.address,
    () => bounties.setTreasury(treasuryEntry.address),
  );
  await ensure(
    "ComputeEscrow prices USD jobs with the ETH/USD feed",
    async () => {
      const f = await escrow.feedConfig();
      return (
        f.feed === feedAddress &&
        f.maxStalenessSeconds === BigInt(c.feedMaxStalenessSeconds) &&
        f.minAnswer === c.feedMinAnswer &&
        f.maxAnswer === c.feedMaxAnswer
      );
    },
    () => escrow.setFeed(feedAddress!, c.feedMaxStalenessSeconds, c.feedMinAnswer, c.feedMaxAnswer),
  );

  const arbiterRole = await escrow.ARBITER_ROLE();
  const arbiter = opts.computeArbiter ?? opts.owner ?? admin;
  await ensure(
    `${arbiter} holds ARBITER_ROLE on ComputeEscrow`,
    () => escrow.hasRole(arbiterRole, arbiter),
    () => escrow.grantRole(arbiterRole, arbiter),
  );
  // A re-run that names another arbiter must not leave the previous one able to rule (no role enumeration on-chain:
  // the holders are read back from RoleGranted logs since the escrow's deployment).
  const granted = await escrow.queryFilter(escrow.filters.RoleGranted(arbiterRole), escrowEntry.blockNumber);
  for (const holder of new Set(granted.map((e) => e.args.account))) {
    if (holder === arbiter) continue;
    await ensure(
      `${holder} no longer holds ARBITER_ROLE on ComputeEscrow`,
      async () => !(await escrow.hasRole(arbiterRole, holder)),
      () => escrow.revokeRole(arbiterRole, holder),
    );
  }

  const contracts = { treasury, staking, registry, oracle, offering, market, bounties, escrow, scoring, edge };
  if (opts.owner) {
    await handOver(opts.owner, opts.guardian ?? opts.owner);
  } else if (!LOCAL_NETWORKS.has(network.name)) {
    opts.log(`  WARNING: ${admin} keeps every role, UPGRADER_ROLE included: set AXON_OWNER (see docs/OPERATING.md)`);
  }

  /**
   * Offers the default admin of every proxy to `owner` and moves every other role the deployer holds to `owner`
   * (PAUSER_ROLE to `guardian`), the deployer renouncing each: after this the deployer can no longer upgrade, pause
   * or rule, and keeps only the default admin until `owner` accepts it (after the admin delay).
   */
  async function handOver(owner: string, guardian: string) {
    if (owner === admin) return;
    const extra: Record<string, string[]> = {
      treasury: ["TREASURER_ROLE"],
      oracle: ["ARBITER_ROLE"],
      offering: ["TOKEN_ADMIN_ROLE"],
      escrow: ["ARBITER_ROLE"],
      scoring: ["MODEL_MANAGER_ROLE"],
    };
    for (const [key, c] of Object.entries(contracts)) {
      const roles = [...["PAUSER_ROLE", "UPGRADER_ROLE"], ...(extra[key] ?? [])];
      for (const name of roles) {
        const role = ethers.id(name);
        if (!(await c.hasRole(role, admin))) continue;
        const to = name === "PAUSER_ROLE" ? guardian : owner;
        await ensure(
          `${to} holds ${name} on ${key}`,
          () => c.hasRole(role, to),
          () => c.grantRole(role, to),
        );
        await ensure(
          `deployer renounced ${name} on ${key}`,
          async () => !(await c.hasRole(role, admin)),
          () => c.renounceRole(role, admin),
        );
      }
      await ensure(
        `default admin of ${key} offered to ${owner}`,
        async () => (await c.defaultAdmin()) !== admin || (await c.pendingDefaultAdmin()).newAdmin === owner,
        () => c.beginDefaultAdminTransfer(owner),
      );
    }
  }

  save();
  opts.log(`  ${transactions} transaction(s) sent`);
  return {
    manifest,
    transactions,
    treasury,
    staking,
    registry,
    oracle,
    offering,
    market,
    bounties,
    exporter,
    escrow,
    scoring,
    provenance,
    campaigns,
    edge,
    feed: feedAddress,
    services: { oracle: oracleService, compute: computeService, edge: edgeService },
  };
}

export type AxonDeployment = Awaited<ReturnType<typeof deployAxon>>;
