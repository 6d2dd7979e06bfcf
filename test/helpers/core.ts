import { ethers, upgrades } from "hardhat";
import type { OperatorStaking, Treasury } from "../../typechain-types";
import {
  ADMIN_DELAY_SECONDS,
  COMPUTE_SERVICE,
  MIN_COMPUTE_STAKE,
  MIN_ORACLE_STAKE,
  ORACLE_SERVICE,
  UNBONDING_DELAY_SECONDS,
} from "./constants";

/** Deploys a UUPS proxy of `name` and returns it typed. */
export async function deployProxy<T>(name: string, args: unknown[], opts: Record<string, unknown> = {}): Promise<T> {
  const factory = await ethers.getContractFactory(name);
  const proxy = await upgrades.deployProxy(factory, args, { kind: "uups", ...opts });
  await proxy.waitForDeployment();
  return proxy as unknown as T;
}

/**
 * The shared core every domain builds on: Treasury and OperatorStaking behind UUPS proxies, the oracle and compute
 * services configured. Signers: admin (all roles), then free accounts for the tests.
 */
export async function deployCore() {
  const [admin, ...others] = await ethers.getSigners();
  const treasury = await deployProxy<Treasury>("Treasury", [admin.address, ADMIN_DELAY_SECONDS]);
  const staking = await deployProxy<OperatorStaking>("OperatorStaking", [
    admin.address,
    ADMIN_DELAY_SECONDS,
    await treasury.getAddress(),
  ]);
  await staking.setService(ORACLE_SERVICE, MIN_ORACLE_STAKE, UNBONDING_DELAY_SECONDS, true);
  await staking.setService(COMPUTE_SERVICE, MIN_COMPUTE_STAKE, UNBONDING_DELAY_SECONDS, true);
  return { admin, others, treasury, staking };
}

export type Core = Awaited<ReturnType<typeof deployCore>>;
