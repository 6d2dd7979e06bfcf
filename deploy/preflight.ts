import type { HardhatRuntimeEnvironment } from "hardhat/types";

/** What a network needs from the environment before anything is sent to it. */
const REQUIRED_ENV: Record<string, { url: string; key: string[] }> = {
  sepolia: { url: "SEPOLIA_RPC_URL", key: ["SEPOLIA_PRIVATE_KEY", "SEPOLIA_MNEMONIC"] },
};

/** A deployment cannot start; the message says what to set or fix. */
export class PreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreflightError";
  }
}

/**
 * Checks, before a deployment or an upgrade sends anything, that the network is usable: its RPC variables are set,
 * the node answers with the configured chain id, and the deployer account exists and can pay for gas. Each failure
 * names the variable or value that is wrong. Returns the deployer's address and balance.
 */
export async function preflight(
  hre: HardhatRuntimeEnvironment,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ deployer: string; balanceWei: bigint }> {
  const name = hre.network.name;
  const required = REQUIRED_ENV[name];
  if (required) {
    if (!env[required.url])
      throw new PreflightError(`${required.url} is not set: the RPC endpoint for --network ${name}`);
    if (!required.key.some((k) => env[k]))
      throw new PreflightError(`set ${required.key.join(" or ")}: the deployer account for --network ${name}`);
  }
  const expected = hre.network.config.chainId;
  const mismatch = (served: bigint | string) =>
    new PreflightError(`--network ${name} expects chain id ${expected}, but its RPC endpoint serves chain ${served}`);
  let chainId: bigint;
  try {
    chainId = BigInt(await hre.network.provider.send("eth_chainId", []));
  } catch (err) {
    // Hardhat compares the chain id itself on the first call to a remote network (HH101).
    const served = /connected to a chain with id (\d+)/.exec((err as Error).message);
    if (served) throw mismatch(served[1]);
    const url = "url" in hre.network.config ? hre.network.config.url : "(in-process)";
    throw new PreflightError(
      `the RPC endpoint of --network ${name} (${url}) does not answer: ${(err as Error).message}`,
    );
  }
  if (expected !== undefined && chainId !== BigInt(expected)) throw mismatch(chainId);
  const [signer] = await hre.ethers.getSigners();
  if (!signer) throw new PreflightError(`--network ${name} has no deployer account configured`);
  const balanceWei = await hre.ethers.provider.getBalance(signer.address);
  if (balanceWei === 0n)
    throw new PreflightError(`the deployer ${signer.address} has no ETH on --network ${name} to pay for gas`);
  return { deployer: signer.address, balanceWei };
}
