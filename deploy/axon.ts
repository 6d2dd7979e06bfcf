import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { DeployedContract, DeploymentManifest } from "./manifest";
import { readManifest, writeManifest } from "./manifest";

export const SERVICES = {
  oracle: "axon.service.oracle",
  compute: "axon.service.compute",
} as const;

export interface DeployOptions {
  /** Delay (seconds) before a default-admin transfer can be accepted. */
  adminDelaySeconds: number;
  minOracleStakeWei: bigint;
  minComputeStakeWei: bigint;
  unbondingDelaySeconds: number;
  /** Write deployments/<network>.json (off for throw-away in-process runs). */
  writeManifest: boolean;
  log: (line: string) => void;
}

export const DEFAULT_DEPLOY_OPTIONS: DeployOptions = {
  adminDelaySeconds: 2 * 24 * 3600,
  minOracleStakeWei: 10n ** 18n,
  minComputeStakeWei: 2n * 10n ** 18n,
  unbondingDelaySeconds: 7 * 24 * 3600,
  writeManifest: true,
  log: () => {},
};

/**
 * Deploys (or reuses, when deployments/<network>.json already lists them with code) the Axon core behind UUPS proxies
 * and wires their roles. Idempotent: a re-run deploys only what is missing.
 */
export async function deployAxon(hre: HardhatRuntimeEnvironment, partial: Partial<DeployOptions> = {}) {
  const opts = { ...DEFAULT_DEPLOY_OPTIONS, ...partial };
  const { ethers, upgrades, network } = hre;
  const [deployer] = await ethers.getSigners();
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const previous = opts.writeManifest ? readManifest(hre.config.paths.root, network.name) : undefined;
  const manifest: DeploymentManifest = {
    network: network.name,
    chainId,
    deployer: deployer.address,
    contracts: previous?.chainId === chainId ? previous.contracts : {},
  };

  async function proxy(name: string, args: unknown[]): Promise<DeployedContract> {
    const known = manifest.contracts[name];
    if (known && (await ethers.provider.getCode(known.address)) !== "0x") {
      opts.log(`  ${name} already at ${known.address}`);
      return known;
    }
    const factory = await ethers.getContractFactory(name);
    const contract = await upgrades.deployProxy(factory, args, { kind: "uups" });
    await contract.waitForDeployment();
    const receipt = await contract.deploymentTransaction()?.wait();
    const address = await contract.getAddress();
    const entry: DeployedContract = {
      address,
      implementation: await upgrades.erc1967.getImplementationAddress(address),
      artifact: name,
      blockNumber: receipt?.blockNumber ?? (await ethers.provider.getBlockNumber()),
    };
    manifest.contracts[name] = entry;
    opts.log(`  ${name} deployed at ${address}`);
    return entry;
  }

  const admin = deployer.address;
  const treasuryEntry = await proxy("Treasury", [admin, opts.adminDelaySeconds]);
  const stakingEntry = await proxy("OperatorStaking", [admin, opts.adminDelaySeconds, treasuryEntry.address]);

  const treasury = await ethers.getContractAt("Treasury", treasuryEntry.address);
  const staking = await ethers.getContractAt("OperatorStaking", stakingEntry.address);

  const oracleService = ethers.id(SERVICES.oracle);
  const computeService = ethers.id(SERVICES.compute);
  for (const [service, min] of [
    [oracleService, opts.minOracleStakeWei],
    [computeService, opts.minComputeStakeWei],
  ] as const) {
    const cfg = await staking.serviceConfig(service);
    if (!cfg.enabled || cfg.minStakeWei !== min || cfg.unbondingDelaySeconds !== BigInt(opts.unbondingDelaySeconds)) {
      await (await staking.setService(service, min, opts.unbondingDelaySeconds, true)).wait();
    }
  }

  if (opts.writeManifest) writeManifest(hre.config.paths.root, manifest);
  return { manifest, treasury, staking, services: { oracle: oracleService, compute: computeService } };
}

export type AxonDeployment = Awaited<ReturnType<typeof deployAxon>>;
