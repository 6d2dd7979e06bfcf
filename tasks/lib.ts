import { HardhatPluginError } from "hardhat/plugins";
import type { BaseContract } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { readManifest } from "../deploy/manifest";

export const PLUGIN = "axon";

/** A user-facing task error: names the parameter and what was wrong with it. */
export function fail(message: string): never {
  throw new HardhatPluginError(PLUGIN, message);
}

/** Parses a decimal ETH amount ("1.5") into wei, or fails naming the parameter. */
export function parseEthParam(hre: HardhatRuntimeEnvironment, name: string, value: string): bigint {
  try {
    const wei = hre.ethers.parseEther(value);
    if (wei < 0n) fail(`--${name} must not be negative (got ${value})`);
    return wei;
  } catch (err) {
    if (err instanceof HardhatPluginError) throw err;
    return fail(`--${name} must be an ETH amount such as 1.5 (got "${value}")`);
  }
}

/** Parses a non-negative integer parameter. */
export function parseUintParam(name: string, value: string): bigint {
  if (!/^\d+$/.test(value)) fail(`--${name} must be a non-negative integer (got "${value}")`);
  return BigInt(value);
}

/** Validates an address parameter. */
export function parseAddressParam(hre: HardhatRuntimeEnvironment, name: string, value: string): string {
  if (!hre.ethers.isAddress(value)) fail(`--${name} must be an address (got "${value}")`);
  return hre.ethers.getAddress(value);
}

/** Maps a service name to its OperatorStaking id. */
export function serviceId(hre: HardhatRuntimeEnvironment, name: string): string {
  if (name !== "oracle" && name !== "compute") fail(`--service must be "oracle" or "compute" (got "${name}")`);
  return hre.ethers.id(`axon.service.${name}`);
}

/** A deployed Axon contract from deployments/<network>.json, connected to the chosen signer. */
export async function axonContract(hre: HardhatRuntimeEnvironment, name: string, from?: string) {
  const manifest = readManifest(hre.config.paths.root, hre.network.name);
  const entry = manifest?.contracts[name];
  if (!entry) {
    fail(
      `${name} is not deployed on "${hre.network.name}": run npx hardhat run deploy/index.ts --network ${hre.network.name}`,
    );
  }
  const signer = from
    ? await hre.ethers.getSigner(parseAddressParam(hre, "from", from))
    : (await hre.ethers.getSigners())[0];
  return hre.ethers.getContractAt(entry.artifact, entry.address, signer);
}

/** Prints a result as JSON (for scripts) or as aligned `key: value` lines. */
export function printResult(json: boolean, result: Record<string, unknown>): void {
  const plain = JSON.parse(JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
  if (json) {
    console.log(JSON.stringify(plain, null, 2));
    return;
  }
  const width = Math.max(...Object.keys(plain).map((k) => k.length));
  for (const [k, v] of Object.entries(plain))
    console.log(`${k.padEnd(width)}  ${typeof v === "object" ? JSON.stringify(v) : v}`);
}

/** Sends a transaction, waits for it and returns the fields every task prints. */
export async function sendTx(pending: Promise<{ wait(): Promise<unknown>; hash: string }>) {
  try {
    const tx = await pending;
    const receipt = (await tx.wait()) as { blockNumber: number; gasUsed: bigint; status: number } | null;
    return { tx: tx.hash, block: receipt?.blockNumber, gasUsed: receipt?.gasUsed };
  } catch (err) {
    return fail(`the transaction reverted: ${describeError(err)}`);
  }
}

/** Parses a 32-byte hex parameter (a hash or id). */
export function parseBytes32Param(hre: HardhatRuntimeEnvironment, name: string, value: string): string {
  if (!hre.ethers.isHexString(value, 32)) fail(`--${name} must be a 0x-prefixed 32-byte hex string (got "${value}")`);
  return value;
}

/** Parses an integer parameter bounded to [min, max]. */
export function parseRangeParam(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    fail(`--${name} must be an integer from ${min} to ${max} (got "${value}")`);
  return Number(value);
}

/** Parses a positive id (model, request, dataset, task, job). */
export function parseIdParam(name: string, value: string): bigint {
  const id = parseUintParam(name, value);
  if (id === 0n) fail(`--${name} must be a positive id (got 0)`);
  return id;
}

/** Picks one of `choices` (case-insensitive) and returns its index. */
export function parseChoiceParam(name: string, value: string, choices: readonly string[]): number {
  const i = choices.indexOf(value.toLowerCase());
  if (i < 0) fail(`--${name} must be one of ${choices.join(" | ")} (got "${value}")`);
  return i;
}

/** The address of the signer a contract is connected to. */
export async function signerOf(contract: { runner: unknown }): Promise<string> {
  return (contract.runner as { getAddress(): Promise<string> }).getAddress();
}

/** The address of a deployed Axon contract from the manifest. */
export function axonAddress(hre: HardhatRuntimeEnvironment, name: string): string {
  const entry = readManifest(hre.config.paths.root, hre.network.name)?.contracts[name];
  if (!entry) fail(`${name} is not deployed on "${hre.network.name}"`);
  return entry.address;
}

/** The first event `name` emitted by `contract` in a transaction, decoded, or a failure naming it. */
export async function eventOf(hre: HardhatRuntimeEnvironment, contract: BaseContract, txHash: string, name: string) {
  const receipt = await hre.ethers.provider.getTransactionReceipt(txHash);
  const address = (await contract.getAddress()).toLowerCase();
  for (const log of receipt?.logs ?? []) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) return parsed.args;
  }
  return fail(`transaction ${txHash} emitted no ${name}`);
}

/** Reads an explicit-revert reason as the contract's custom error name and arguments, for readable failures. */
export function describeError(err: unknown): string {
  const e = err as { revert?: { name: string; args: unknown[] }; shortMessage?: string; message?: string };
  if (e.revert) return `${e.revert.name}(${e.revert.args.map((a) => String(a)).join(", ")})`;
  return e.shortMessage ?? e.message ?? String(err);
}
