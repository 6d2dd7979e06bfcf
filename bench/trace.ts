import type { TransactionReceipt, TransactionResponse } from "ethers";
import { ethers, network } from "hardhat";

// What the gas anatomies (bench/oracle-anatomy.ts, bench/zk-anatomy.ts) read from a mined transaction.

/** One step of `debug_traceTransaction`'s struct log (storage and memory left out). */
export interface Step {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

/** The intrinsic calldata cost (EIP-2028): 4 gas per zero byte, 16 per other byte. */
export function calldataGas(data: string): number {
  let g = 0;
  for (const b of ethers.getBytes(data)) g += b === 0 ? 4 : 16;
  return g;
}

/** The address a CALL / STATICCALL / DELEGATECALL step calls (second from the top of its stack). */
export function callTarget(s: Step): string {
  return ethers.getAddress("0x" + s.stack![s.stack!.length - 2].slice(-40));
}

/** The transaction `hash`, its receipt and its struct log on the in-process network. */
export async function traceOf(
  hash: string,
): Promise<{ tx: TransactionResponse; receipt: TransactionReceipt; logs: Step[] }> {
  const tx = await ethers.provider.getTransaction(hash);
  const receipt = await ethers.provider.getTransactionReceipt(hash);
  if (!tx || !receipt) throw new Error(`transaction ${hash} is not mined`);
  const trace = (await network.provider.send("debug_traceTransaction", [
    hash,
    { disableStorage: true, disableMemory: true },
  ])) as { structLogs: Step[] };
  return { tx, receipt, logs: trace.structLogs };
}
