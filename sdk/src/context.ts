import type {
  Abi,
  Account,
  Address,
  Chain,
  Hex,
  PublicClient,
  TransactionReceipt,
  Transport,
  WalletClient,
} from "viem";
import type { AxonAddresses, AxonContractName } from "./addresses.js";
import { requireAddress } from "./addresses.js";
import { AxonConfigError, AxonTransactionRevertedError } from "./errors/base.js";
import { toAxonError } from "./errors/decode.js";

/** What every domain client shares: the viem clients, the resolved addresses and the confirmation depth. */
export interface AxonContext {
  publicClient: PublicClient<Transport, Chain | undefined>;
  walletClient?: WalletClient<Transport, Chain | undefined, Account | undefined>;
  addresses: AxonAddresses;
  /** Blocks a transaction or an event must be buried under before the SDK reports it (1: mined). */
  confirmations: number;
  /** Polling interval of waits, in ms. */
  pollingIntervalMs: number;
}

/** What every write returns: the transaction, its receipt (at the configured confirmations) and the call's return value. */
export interface WriteResult<R = unknown> {
  hash: Hex;
  receipt: TransactionReceipt;
  /** The function's return value, from the simulation that preceded the send. */
  result: R;
}

/** Options of every write. */
export interface WriteOptions {
  /** Override the context's confirmations for this transaction. */
  confirmations?: number;
}

/** @internal */
export function address(ctx: AxonContext, name: AxonContractName): Address {
  return requireAddress(ctx.addresses, name);
}

/** @internal Reads a view function; a revert becomes its typed Axon error class. */
export async function read<R>(
  ctx: AxonContext,
  call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[] },
): Promise<R> {
  try {
    return (await ctx.publicClient.readContract(call as never)) as R;
  } catch (err) {
    throw toAxonError(err);
  }
}

/**
 * @internal Simulates, sends and waits for a transaction from the wallet client's account. A revert, in the
 * simulation or on chain, becomes its typed Axon error class; nothing is sent when the simulation reverts.
 */
export async function write<R>(
  ctx: AxonContext,
  call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[]; value?: bigint },
  options: WriteOptions = {},
): Promise<WriteResult<R>> {
  const wallet = ctx.walletClient;
  if (!wallet?.account)
    throw new AxonConfigError(
      `${call.functionName} sends a transaction: pass a walletClient with an account to createAxonClient`,
    );
  let hash: Hex;
  let result: R;
  try {
    const sim = await ctx.publicClient.simulateContract({ ...call, account: wallet.account } as never);
    result = (sim as unknown as { result: R }).result;
    hash = await wallet.writeContract((sim as unknown as { request: never }).request);
  } catch (err) {
    throw toAxonError(err);
  }
  const receipt = await ctx.publicClient.waitForTransactionReceipt({
    hash,
    confirmations: options.confirmations ?? ctx.confirmations,
    pollingInterval: ctx.pollingIntervalMs,
  });
  if (receipt.status !== "success") throw new AxonTransactionRevertedError(hash);
  return { hash, receipt, result };
}

/** @internal The wallet's account address, or a clear error. */
export function accountOf(ctx: AxonContext): Address {
  const a = ctx.walletClient?.account?.address;
  if (!a)
    throw new AxonConfigError(
      "this call needs an account: pass a walletClient with an account, or the address to query",
    );
  return a;
}
