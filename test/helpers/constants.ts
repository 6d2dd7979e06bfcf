import { ethers } from "ethers";

/** Service ids in OperatorStaking. */
export const ORACLE_SERVICE = ethers.id("axon.service.oracle");
export const COMPUTE_SERVICE = ethers.id("axon.service.compute");

/** Roles of AxonUpgradeable and the core contracts. */
export const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
export const PAUSER_ROLE = ethers.id("PAUSER_ROLE");
export const UPGRADER_ROLE = ethers.id("UPGRADER_ROLE");
export const TREASURER_ROLE = ethers.id("TREASURER_ROLE");

/** Defaults used by the core fixture. */
export const ADMIN_DELAY_SECONDS = 2 * 24 * 3600;
export const MIN_ORACLE_STAKE = ethers.parseEther("1");
export const MIN_COMPUTE_STAKE = ethers.parseEther("2");
export const UNBONDING_DELAY_SECONDS = 7 * 24 * 3600;
