import { HardhatPluginError } from "hardhat/plugins";
import { AbiCoder, type BaseContract, Interface as EthersInterface, type Interface } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { readManifest } from "../deploy/manifest";

export const PLUGIN = "axon";

/** A user-facing task error: names the parameter and what was wrong with it. */
export function fail(message: string): never {
  throw new HardhatPluginError(PLUGIN, message);
}

/** `--region`: an ISO-3166-1 alpha-2 code ("DE") as the contracts' bytes2 (0x4445). */
export function parseRegion(value: string): string {
  if (!/^[A-Z]{2}$/.test(value)) fail(`--region must be an ISO-3166-1 alpha-2 code such as DE (got "${value}")`);
  return `0x${Buffer.from(value, "ascii").toString("hex")}`;
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
  if (name !== "oracle" && name !== "compute" && name !== "edge")
    fail(`--service must be "oracle" or "compute" or "edge" (got "${name}")`);
  return hre.ethers.id(`axon.service.${name}`);
}

/** A deployed Axon contract from deployments/<chainId>.json (or its alias <network>.json), connected to the chosen signer. */
export async function axonContract(hre: HardhatRuntimeEnvironment, name: string, from?: string) {
  const manifest = readManifest(hre.config.paths.root, hre.network.name, hre.network.config.chainId);
  const entry = manifest?.contracts[name];
  if (!entry) {
    fail(
      `${name} is not deployed on "${hre.network.name}": run npx hardhat run deploy/index.ts --network ${hre.network.name}`,
    );
  }
  await loadAxonErrors(hre);
  const signer = from
    ? await hre.ethers.getSigner(parseAddressParam(hre, "from", from))
    : (await hre.ethers.getSigners())[0];
  return knownContract(await hre.ethers.getContractAt(entry.artifact, entry.address, signer));
}

/** Interfaces of the contracts this process has talked to, used to name the custom error of a revert. */
const knownInterfaces = new Set<Interface>();
let axonErrorsLoaded = false;

/**
 * Registers every custom error of every Axon contract (the ABIs of contracts/, the table of docs/reference/errors.md)
 * so that a revert from any contract a transaction touched, even one this process never called directly (a library,
 * a module called by the contract), is named with its arguments.
 */
export async function loadAxonErrors(hre: HardhatRuntimeEnvironment): Promise<void> {
  if (axonErrorsLoaded) return;
  axonErrorsLoaded = true;
  const fragments = new Map<string, unknown>();
  for (const fqn of await hre.artifacts.getAllFullyQualifiedNames()) {
    if (!fqn.startsWith("contracts/") || fqn.startsWith("contracts/mocks/")) continue;
    for (const f of (await hre.artifacts.readArtifact(fqn)).abi as { type: string; name: string; inputs: unknown[] }[])
      if (f.type === "error") fragments.set(`${f.name}/${JSON.stringify(f.inputs)}`, f);
  }
  knownInterfaces.add(new EthersInterface([...fragments.values()] as never[]));
}

/** Registers a contract's interface so that `describeError` can decode its custom errors; returns the contract. */
export function knownContract<T extends BaseContract>(contract: T): T {
  knownInterfaces.add(contract.interface);
  return contract;
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
  const entry = readManifest(hre.config.paths.root, hre.network.name, hre.network.config.chainId)?.contracts[name];
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

/** The revert data carried by an error from ethers, the Hardhat network or a JSON-RPC node, if any. */
function revertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const e = queue.shift();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (typeof o.data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(o.data)) return o.data;
    const match = typeof o.message === "string" ? /return data: (0x[0-9a-fA-F]{8,})/.exec(o.message) : null;
    if (match) return match[1];
    queue.push(o.data, o.error, o.info, o.cause);
  }
  return undefined;
}

/** Decodes revert data: `Error(string)`, `Panic(uint256)` or a custom error of a contract this process used. */
export function decodeRevert(data: string): string | undefined {
  const selector = data.slice(0, 10).toLowerCase();
  const body = "0x" + data.slice(10);
  const coder = AbiCoder.defaultAbiCoder();
  try {
    if (selector === "0x08c379a0") return `Error(${coder.decode(["string"], body)[0]})`;
    if (selector === "0x4e487b71") return `Panic(0x${(coder.decode(["uint256"], body)[0] as bigint).toString(16)})`;
  } catch {
    return undefined;
  }
  for (const iface of knownInterfaces) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) return `${parsed.name}(${parsed.args.map((a) => String(a)).join(", ")})`;
    } catch {
      // the selector matched but the arguments did not decode: try the next interface
    }
  }
  return undefined;
}

/**
 * Reads a revert as the contract's custom error name and arguments, for readable failures. It decodes the revert
 * data itself, so the result is the same on the Hardhat network, anvil or a public node, whether or not the node
 * recognises the bytecode.
 */
export function describeError(err: unknown): string {
  const e = err as { revert?: { name: string; args: unknown[] }; shortMessage?: string; message?: string };
  if (e.revert) return `${e.revert.name}(${e.revert.args.map((a) => String(a)).join(", ")})`;
  const data = revertData(err);
  const decoded = data === undefined ? undefined : decodeRevert(data);
  if (decoded) return decoded;
  return e.shortMessage ?? e.message ?? String(err);
}
