import type { ContractTransactionResponse, TransactionResponse } from "ethers";

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
