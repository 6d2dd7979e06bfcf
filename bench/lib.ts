import { type ContractTransactionResponse, type TransactionResponse, getBytes, keccak256, toUtf8Bytes } from "ethers";

/** One gas figure: an operation name and the gas its transaction used. */
export interface GasRecorder {
  /** Records the gas used by a mined transaction (or a raw figure) under `name`. */
  record(name: string, tx: ContractTransactionResponse | TransactionResponse | bigint | number): Promise<bigint>;
}

/** A benchmark module in bench/gas/: measures one domain's operations on a fresh Hardhat network state. */
export type GasBenchmark = (gas: GasRecorder) => Promise<void>;

export async function gasOf(tx: ContractTransactionResponse | TransactionResponse | bigint | number): Promise<bigint> {
  if (typeof tx === "bigint") return tx;
  if (typeof tx === "number") return BigInt(tx);
  const receipt = await tx.wait();
  if (!receipt) throw new Error(`transaction ${tx.hash} has no receipt`);
  return receipt.gasUsed;
}

/**
 * `size` bytes that look random but are the same on every run (keccak256 chained from `seed`), so that a benchmark's
 * calldata, and with it its gas (a zero byte costs 4, any other 16), never varies between runs.
 */
export function fixedBytes(size: number, seed = "axon.bench"): Uint8Array {
  const out = new Uint8Array(size);
  let word = keccak256(toUtf8Bytes(seed));
  for (let at = 0; at < size; at += 32) {
    out.set(getBytes(word).subarray(0, Math.min(32, size - at)), at);
    word = keccak256(word);
  }
  return out;
}
