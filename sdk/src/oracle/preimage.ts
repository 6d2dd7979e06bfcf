/**
 * Everything the SDK knows about the oracle's request preimage and event layouts, in one module: the `Request`
 * tuple passed back to refund/fulfil, the events waitForResult reads, and where a result's output bytes live.
 * When the oracle's encoding changes (issue 13), this is the file to update; the rest of the SDK goes through it.
 */
import {
  type AbiParameterToPrimitiveType,
  type Address,
  type Hex,
  type Log,
  type TransactionReceipt,
  decodeEventLog,
  decodeFunctionData,
  encodeFunctionData,
  keccak256,
  parseEventLogs,
} from "viem";
import type { AxonContext } from "../context.js";
import { aIOracleAbi } from "../generated/abis.js";
import { regionName } from "../region.js";
import { type RequestTerms, unpackRequestTerms } from "./terms.js";

type RequestCreatedAbi = Extract<(typeof aIOracleAbi)[number], { type: "event"; name: "RequestCreated" }>;

/** The request preimage as emitted in `RequestCreated` and passed back verbatim to `refund`, `fulfil`, `challenge`. */
export type OracleRequest = AbiParameterToPrimitiveType<RequestCreatedAbi["inputs"][3]>;

/** `AIOracleCodes.STATE_*`: what `requestState` returns. */
export const RequestState = {
  None: 0,
  Pending: 1,
  Provisional: 2,
  Fulfilled: 3,
  Refunded: 4,
  Challenged: 5,
} as const;
export type RequestStateCode = (typeof RequestState)[keyof typeof RequestState];

/** `AIOracleCodes.ERROR_*`: a node's error result. */
export const OracleErrorCode = {
  1: "MalformedInput",
  2: "InputTooLarge",
  3: "UnknownModel",
  4: "InferenceFailed",
} as const satisfies Record<number, string>;

/** A request as found in its `RequestCreated` log. */
export interface CreatedRequest {
  requestId: bigint;
  request: OracleRequest;
  input: Hex;
  blockNumber: bigint;
  transactionHash: Hex;
}

/** A final `RequestFulfilled`: the result every later step (the consumer's callback) saw. */
export interface FinalFulfilment {
  requestId: bigint;
  node: Address;
  errorCode: number;
  callbackSucceeded: boolean;
  outputHash: Hex;
  /** The output bytes, recovered from the fulfilling transaction's calldata; undefined when the node sent it through another contract. */
  output?: Hex;
  blockNumber: bigint;
  transactionHash: Hex;
}

/** A `RequestRefunded` log. */
export interface Refund {
  requestId: bigint;
  requester: Address;
  amountWei: bigint;
  blockNumber: bigint;
  transactionHash: Hex;
}

/** The request id of the `RequestCreated` in `receipt` (the one emitted by `oracle`). */
export function requestIdFromReceipt(receipt: TransactionReceipt, oracle: Address): bigint {
  const logs = parseEventLogs({ abi: aIOracleAbi, eventName: "RequestCreated", logs: receipt.logs }).filter(
    (l) => l.address.toLowerCase() === oracle.toLowerCase(),
  );
  if (logs.length !== 1)
    throw new Error(`expected one RequestCreated in ${receipt.transactionHash}, found ${logs.length}`);
  return logs[0].args.requestId;
}

/** How a `requestInRegion` was routed: the region's two letters and whether a node of that region was assigned. */
export interface RequestRouting {
  /** The region asked for ("DE"). */
  region: string;
  /** True when the first assigned node is an edge device of the region; false when it fell back to a plain request. */
  matched: boolean;
}

/** The `RequestRouted` in `receipt` emitted by `oracle`, or undefined for a plain request (none emitted). */
export function routingFromReceipt(receipt: TransactionReceipt, oracle: Address): RequestRouting | undefined {
  const log = parseEventLogs({ abi: aIOracleAbi, eventName: "RequestRouted", logs: receipt.logs }).find(
    (l) => l.address.toLowerCase() === oracle.toLowerCase(),
  );
  return log ? { region: regionName(log.args.region), matched: log.args.matched } : undefined;
}

/** The `RequestCreated` of `requestId` up to block `toBlock`, or undefined when there is none (yet). */
export async function findRequestCreated(
  ctx: AxonContext,
  oracle: Address,
  requestId: bigint,
  fromBlock: bigint,
  toBlock: bigint | "latest" = "latest",
): Promise<CreatedRequest | undefined> {
  const logs = await ctx.publicClient.getContractEvents({
    address: oracle,
    abi: aIOracleAbi,
    eventName: "RequestCreated",
    args: { requestId },
    fromBlock,
    toBlock,
  });
  const log = logs.at(-1);
  if (!log) return undefined;
  return {
    requestId,
    request: log.args.request as OracleRequest,
    input: log.args.input as Hex,
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  };
}

/** The final `RequestFulfilled` of `requestId` between the blocks, with its output recovered from calldata. */
export async function findFinalFulfilment(
  ctx: AxonContext,
  oracle: Address,
  requestId: bigint,
  fromBlock: bigint,
  toBlock: bigint,
): Promise<FinalFulfilment | undefined> {
  const logs = await ctx.publicClient.getContractEvents({
    address: oracle,
    abi: aIOracleAbi,
    eventName: "RequestFulfilled",
    args: { requestId },
    fromBlock,
    toBlock,
  });
  const log = logs.filter((l) => l.args.isFinal).at(-1);
  if (!log) return undefined;
  const a = log.args;
  const found: FinalFulfilment = {
    requestId,
    node: a.node!,
    errorCode: a.errorCode!,
    callbackSucceeded: a.callbackSucceeded!,
    outputHash: a.outputHash!,
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  };
  found.output = await outputFromTransaction(ctx, log.transactionHash, requestId, found.outputHash);
  return found;
}

/**
 * The output bytes of `requestId` in a `fulfil`, `fulfilBatch`, `finalize`, `fulfilProof` or `fulfilProofBatch`
 * transaction sent to the oracle
 * directly, checked against the event's `outputHash`; undefined when the calldata is not one of those.
 */
export async function outputFromTransaction(
  ctx: AxonContext,
  hash: Hex,
  requestId: bigint,
  outputHash: Hex,
): Promise<Hex | undefined> {
  const tx = await ctx.publicClient.getTransaction({ hash });
  let output: Hex | undefined;
  try {
    const call = decodeFunctionData({ abi: aIOracleAbi, data: tx.input });
    if (call.functionName === "fulfil" || call.functionName === "finalize") {
      if (call.args[0] === requestId) output = call.args[2];
    } else if (call.functionName === "fulfilBatch") {
      const i = call.args[0].findIndex((id) => id === requestId);
      if (i >= 0) output = call.args[2][i];
    } else if (call.functionName === "fulfilProof") {
      if (call.args[0] === requestId) output = call.args[3];
    } else if (call.functionName === "fulfilProofBatch") {
      // Each item is a whole fulfilProof calldata; a skipped item's output fails the hash check below.
      for (const item of call.args[0]) {
        const inner = decodeFunctionData({ abi: aIOracleAbi, data: item });
        if (inner.functionName === "fulfilProof" && inner.args[0] === requestId) output = inner.args[3];
      }
    }
  } catch {
    return undefined;
  }
  return output !== undefined && keccak256(output) === outputHash ? output : undefined;
}

/** The `RequestRefunded` of `requestId` between the blocks. */
export async function findRefund(
  ctx: AxonContext,
  oracle: Address,
  requestId: bigint,
  fromBlock: bigint,
  toBlock: bigint,
): Promise<Refund | undefined> {
  const logs = await ctx.publicClient.getContractEvents({
    address: oracle,
    abi: aIOracleAbi,
    eventName: "RequestRefunded",
    args: { requestId },
    fromBlock,
    toBlock,
  });
  const log = logs.at(-1);
  if (!log) return undefined;
  return {
    requestId,
    requester: log.args.requester!,
    amountWei: log.args.amountWei!,
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  };
}

/**
 * The terms a request snapshotted (fees, callback gas, mode, deadline, bond...), unpacked from the three packed words
 * of the compact preimage; `requestFeeWei(termsOf(r))` is what the requester paid.
 */
export function termsOf(request: OracleRequest): RequestTerms {
  return unpackRequestTerms(request);
}

/** The arguments of `refund` for a request found by `findRequestCreated`. */
export function refundArgs(created: CreatedRequest): readonly [bigint, OracleRequest] {
  return [created.requestId, created.request] as const;
}

/** The arguments of a node's `fulfil` (for node tooling and tests). */
export function fulfilArgs(
  created: CreatedRequest,
  output: Hex,
  errorCode = 0,
): readonly [bigint, OracleRequest, Hex, number] {
  return [created.requestId, created.request, output, errorCode] as const;
}

/** Decodes any oracle log (for indexers); undefined for logs of other contracts or unknown topics. */
export function decodeOracleLog(log: Log) {
  try {
    return decodeEventLog({ abi: aIOracleAbi, data: log.data, topics: log.topics });
  } catch {
    return undefined;
  }
}

/** A Proof-mode result as a prover submits it: the request's input, the proven output and the verifier's proof. */
export interface ProofFulfilment {
  /** The request's input bytes (default: the input `getRequest` recovered from the request transaction). */
  input?: Hex;
  /** The proven output (for the classifier circuits: `encodeProvenClassification`). */
  output: Hex;
  /** The proof, encoded as the model's `IProofVerifier` expects (Groth16: 8 words, 256 bytes). */
  proof: Hex;
}

/** The arguments of `fulfilProof(requestId, request, input, output, proof)`. */
export function fulfilProofArgs(
  created: CreatedRequest,
  result: ProofFulfilment,
): readonly [bigint, OracleRequest, Hex, Hex, Hex] {
  return [created.requestId, created.request, result.input ?? created.input, result.output, result.proof] as const;
}

/**
 * `fulfilProof` calldata for node software: anyone may send it (no stake, no assignment), the proof is the guarantee.
 * The runner's encoder (offchain/src/oracle.ts, hand-rolled for its hot path) is tested byte-equal to this one.
 */
export function encodeFulfilProof(created: CreatedRequest, result: ProofFulfilment): Hex {
  return encodeFunctionData({ abi: aIOracleAbi, functionName: "fulfilProof", args: fulfilProofArgs(created, result) });
}

/** `fulfilProofBatch` calldata: each item a whole `fulfilProof` call; a failing item is skipped, the others settle. */
export function encodeFulfilProofBatch(items: readonly { created: CreatedRequest; result: ProofFulfilment }[]): Hex {
  return encodeFunctionData({
    abi: aIOracleAbi,
    functionName: "fulfilProofBatch",
    args: [items.map((i) => encodeFulfilProof(i.created, i.result))],
  });
}
