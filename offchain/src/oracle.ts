import { Interface, type Result } from "ethers";
import oracleAbi from "./abi/AIOracle.json";
import registryAbi from "./abi/ModelRegistry.json";
import type { RpcPool } from "./chain";
import { REQUEST_FIELDS, type RequestTerms, unpackRequestTerms } from "./requestTerms";
import { checksumAddress } from "./txcodec";

/** `AIOracleCodes.STATE_*`. */
export const RequestStateCode = {
  None: 0,
  Pending: 1,
  Provisional: 2,
  Fulfilled: 3,
  Refunded: 4,
  Challenged: 5,
} as const;

export const oracleInterface = new Interface(oracleAbi);
export const registryInterface = new Interface(registryAbi);
export const REQUEST_CREATED_TOPIC = oracleInterface.getEvent("RequestCreated")!.topicHash;
export const REQUEST_FULFILLED_TOPIC = oracleInterface.getEvent("RequestFulfilled")!.topicHash;
export const FULFILMENT_SKIPPED_TOPIC = oracleInterface.getEvent("FulfilmentSkipped")!.topicHash;
export const RESULT_PROPOSED_TOPIC = oracleInterface.getEvent("ResultProposed")!.topicHash;

/** `ModelRegistryModes.MODE_*`. */
export const VerificationMode = { None: 0, Quorum: 1, Optimistic: 2, Proof: 3 } as const;

const requestComponents = oracleInterface.getEvent("RequestCreated")!.inputs[3].components!.map((c) => c.name);
if (requestComponents.join(",") !== REQUEST_FIELDS.join(","))
  throw new Error(`AIOracle ABI: unexpected Request layout ${requestComponents.join(",")}`);
const W = 32;
const F = Object.fromEntries(REQUEST_FIELDS.map((f, i) => [f, i])) as Record<(typeof REQUEST_FIELDS)[number], number>;

export interface DecodedRequest {
  requestId: bigint;
  modelId: bigint;
  requester: string;
  callback: string;
  /** The ABI encoding of the `Request` tuple exactly as emitted; passed back verbatim (never re-encoded). */
  requestEnc: Uint8Array;
  input: Uint8Array;
  callbackGasLimit: number;
  deadline: number;
  exclusiveUntil: number;
  mode: number;
  challengeWindowSeconds: number;
  /** Quorum: agreeing votes needed; Optimistic: bonded challenge votes that decide a challenge. */
  quorumK: number;
  nodes: string[];
  /** Every snapshotted term (fees, bond), unpacked from the tuple's three packed words. */
  terms: RequestTerms;
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.startsWith("0x") ? hex.slice(2) : hex, "hex"));
}

function readWord(b: Uint8Array, at: number): bigint {
  if (at + W > b.length) throw new Error(`abi: word at ${at} past the end (${b.length} bytes)`);
  return BigInt(`0x${Buffer.from(b.subarray(at, at + W)).toString("hex")}`);
}

function readOffset(b: Uint8Array, at: number): number {
  const v = readWord(b, at);
  if (v > BigInt(b.length)) throw new Error(`abi: offset ${v} past the end (${b.length} bytes)`);
  return Number(v);
}

const toAddress = (w: bigint) => checksumAddress(w.toString(16).padStart(40, "0"));

/**
 * Decodes a `RequestCreated` log (topics + data as stored) by reading the ABI words directly: ethers' generic
 * decoder costs milliseconds per log, which would bound the runner at a few hundred requests/s. The tuple is seven
 * static words, then the offsets of `callbackData` and `nodes`; the terms are unpacked by `requestTerms`.
 * A log of the previous (18-field) encoding has another topic and is refused as "not a RequestCreated log".
 */
export function decodeRequestCreated(topics: readonly string[], data: string): DecodedRequest {
  if (topics[0] !== REQUEST_CREATED_TOPIC || topics.length !== 4) throw new Error("not a RequestCreated log");
  const b = hexToBytes(data);
  const reqOff = readOffset(b, 0);
  const inputOff = readOffset(b, W);
  if (inputOff <= reqOff) throw new Error("abi: input precedes request");
  const req = b.subarray(reqOff, inputOff);
  const field = (name: (typeof REQUEST_FIELDS)[number]) => readWord(req, F[name] * W);
  const nodesOff = readOffset(req, F.nodes * W);
  const nodeCount = Number(readWord(req, nodesOff));
  const nodes: string[] = [];
  for (let i = 0; i < nodeCount; i++) nodes.push(toAddress(readWord(req, nodesOff + W * (i + 1))));
  const inputLen = Number(readWord(b, inputOff));
  if (inputOff + W + inputLen > b.length) throw new Error("abi: input past the end");
  const terms = unpackRequestTerms({ receiverFee: field("receiverFee"), fees: field("fees"), timing: field("timing") });
  return {
    requestId: BigInt(topics[1]),
    modelId: BigInt(topics[2]),
    requester: toAddress(BigInt(topics[3])),
    callback: toAddress(field("callback")),
    requestEnc: Uint8Array.from(req),
    input: Uint8Array.from(b.subarray(inputOff + W, inputOff + W + inputLen)),
    callbackGasLimit: terms.callbackGasLimit,
    deadline: terms.deadline,
    exclusiveUntil: terms.exclusiveUntil,
    mode: terms.mode,
    challengeWindowSeconds: terms.challengeWindowSeconds,
    quorumK: terms.quorumK,
    nodes,
    terms,
  };
}

export interface FulfilItem {
  requestId: bigint;
  requestEnc: Uint8Array;
  output: Uint8Array;
  errorCode: number;
}

function word(v: bigint | number): Buffer {
  return Buffer.from(BigInt(v).toString(16).padStart(64, "0"), "hex");
}

function bytesTail(b: Uint8Array): Buffer {
  const padded = Buffer.alloc(Math.ceil(b.length / W) * W);
  padded.set(b);
  return Buffer.concat([word(b.length), padded]);
}

/** A dynamic array of dynamic elements: length, offsets relative to the first offset word, then the elements. */
function dynamicArray(elements: Uint8Array[]): Buffer {
  const offsets: Buffer[] = [];
  let at = elements.length * W;
  for (const e of elements) {
    offsets.push(word(at));
    at += e.length;
  }
  return Buffer.concat([word(elements.length), ...offsets, ...elements]);
}

const SELECTORS = new Map<string, Buffer>();
function selectorOf(fn: string): Buffer {
  let sel = SELECTORS.get(fn);
  if (!sel) {
    sel = Buffer.from(oracleInterface.getFunction(fn)!.selector.slice(2), "hex");
    SELECTORS.set(fn, sel);
  }
  return sel;
}

function call(fn: string, head: (Buffer | { tail: Buffer })[]): string {
  return `0x${callBytes(fn, head).toString("hex")}`;
}

function callBytes(fn: string, head: (Buffer | { tail: Buffer })[]): Buffer {
  const selector = selectorOf(fn);
  let tailAt = head.length * W;
  const words: Buffer[] = [];
  const tails: Buffer[] = [];
  for (const h of head) {
    if (Buffer.isBuffer(h)) {
      words.push(h);
    } else {
      words.push(word(tailAt));
      tails.push(h.tail);
      tailAt += h.tail.length;
    }
  }
  return Buffer.concat([selector, ...words, ...tails]);
}

export function encodeFulfilBatch(items: FulfilItem[]): string {
  return `0x${encodeFulfilBatchBytes(items).toString("hex")}`;
}

/** `fulfilBatch` calldata as bytes: what the transaction signer takes without a hex round trip. */
export function encodeFulfilBatchBytes(items: FulfilItem[]): Buffer {
  return callBytes("fulfilBatch", [
    { tail: Buffer.concat([word(items.length), ...items.map((i) => word(i.requestId))]) },
    { tail: dynamicArray(items.map((i) => i.requestEnc)) },
    { tail: dynamicArray(items.map((i) => bytesTail(i.output))) },
    { tail: Buffer.concat([word(items.length), ...items.map((i) => word(i.errorCode))]) },
  ]);
}

export function encodeFulfil(item: FulfilItem): string {
  return call("fulfil", [
    word(item.requestId),
    { tail: Buffer.from(item.requestEnc) },
    { tail: bytesTail(item.output) },
    word(item.errorCode),
  ]);
}

/** A Proof-mode result (issue 15): the request's input, the proven output and the proof (`encodeProof`). */
export interface ProofItem {
  requestId: bigint;
  requestEnc: Uint8Array;
  input: Uint8Array;
  output: Uint8Array;
  proof: Uint8Array;
}

/** `IAIOracle.PROOF_VERIFY_GAS`: the gas a proof verifier may use at most. */
export const PROOF_VERIFY_GAS = 400_000;

/** `fulfilProof(requestId, request, input, output, proof)`: final at once if the model's verifier accepts it. */
export function encodeFulfilProof(item: ProofItem): string {
  return `0x${encodeFulfilProofBytes(item).toString("hex")}`;
}

/** `fulfilProofBatch(calls)`: each item is a complete `fulfilProof` calldata; a failing item is skipped. */
export function encodeFulfilProofBatchBytes(items: ProofItem[]): Buffer {
  return callBytes("fulfilProofBatch", [
    { tail: dynamicArray(items.map((i) => bytesTail(encodeFulfilProofBytes(i)))) },
  ]);
}

/** `fulfilProof` calldata as bytes (what the transaction signer takes). */
export function encodeFulfilProofBytes(item: ProofItem): Buffer {
  return callBytes("fulfilProof", [
    word(item.requestId),
    { tail: Buffer.from(item.requestEnc) },
    { tail: bytesTail(item.input) },
    { tail: bytesTail(item.output) },
    { tail: bytesTail(item.proof) },
  ]);
}

/** `finalize(requestId, request, output, errorCode)`: the same head as `fulfil`. */
export function encodeFinalize(item: FulfilItem): string {
  return call("finalize", [
    word(item.requestId),
    { tail: Buffer.from(item.requestEnc) },
    { tail: bytesTail(item.output) },
    word(item.errorCode),
  ]);
}

export function encodeCanFulfil(requestId: bigint, requestEnc: Uint8Array, node: string): string {
  return call("canFulfil", [word(requestId), { tail: Buffer.from(requestEnc) }, word(BigInt(node))]);
}

/** Calldata gas of bytes (EIP-2028: 4 per zero byte, 16 per other byte). */
export function calldataGas(b: Uint8Array): number {
  let zeros = 0;
  for (let i = 0; i < b.length; i++) if (b[i] === 0) zeros++;
  return zeros * 4 + (b.length - zeros) * 16;
}

/** The item's head words in `fulfilBatch` (request id, two offsets, error code), each at most 4 non-zero bytes. */
const LENGTH_WORD_GAS = 28 * 4 + 4 * 16;
const ITEM_HEAD_GAS = 4 * LENGTH_WORD_GAS;

/** What one item adds to a fulfilment transaction: gas (calldata, callback, execution) and calldata bytes. */
export interface ItemCost {
  gas: number;
  bytes: number;
}

/**
 * One item's share of a fulfilment's gas, from its actual bytes: the calldata it adds (exact), the callback's gas
 * limit plus the 1/63 the oracle must hold back (EIP-150), and `perItemGas` of execution.
 */
export function fulfilItemCost(item: FulfilItem, callbackGasLimit: number, perItemGas: number): ItemCost {
  const outputWords = Math.ceil(item.output.length / W) + 1;
  const padding = (outputWords - 1) * W - item.output.length;
  return {
    gas:
      perItemGas +
      Math.ceil((callbackGasLimit * 64) / 63) +
      ITEM_HEAD_GAS +
      calldataGas(item.requestEnc) +
      calldataGas(item.output) +
      4 * padding +
      LENGTH_WORD_GAS,
    bytes: item.requestEnc.length + outputWords * W + 4 * W,
  };
}

/** Gas of a fulfilment of items of these costs: `baseGas`, the items, and the memory expansion of the whole calldata as if copied to memory once. */
export function fulfilGas(baseGas: number, costs: readonly ItemCost[]): number {
  let gas = baseGas;
  let bytes = 0;
  for (const c of costs) {
    gas += c.gas;
    bytes += c.bytes;
  }
  const words = Math.ceil(bytes / W);
  return gas + 3 * words + Math.floor((words * words) / 512);
}

interface RawLog {
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
  topics: string[];
  data: string;
}

/** A `RequestCreated` log as the watcher reads it. */
export interface RequestLog {
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  index: number;
  removed: boolean;
  topics: string[];
  data: string;
}

/** What `settle` needs from one of the oracle's fulfilment events. */
export type OracleFulfilmentLog =
  | { kind: "fulfilled"; requestId: bigint; node: string; mode: number; isFinal: boolean }
  | { kind: "skipped"; requestId: bigint; node: string; reason: string }
  | { kind: "proposed"; requestId: bigint; node: string; challengeDeadline: number };

/** Word `i` of a 0x-prefixed data string, as hex digits (no copy of the rest of the data). */
function dataWord(data: string, i: number): string {
  const at = 2 + 64 * i;
  if (data.length < at + 64) throw new Error(`abi: log data has no word ${i} (${(data.length - 2) / 2} bytes)`);
  return data.slice(at, at + 64);
}

const wordNumber = (w: string) => Number(BigInt(`0x${w}`));
const topicAddress = (t: string) => `0x${t.slice(26).toLowerCase()}`;

/**
 * Decodes `RequestFulfilled`, `FulfilmentSkipped` and `ResultProposed` by topic lookup and fixed offsets: the
 * indexed request id and node come from the topics, the few fields needed from fixed words of the data (a
 * `ResultProposed` carries the whole output, which is never read). Other logs give null. `node` is lower case.
 */
export function decodeFulfilmentLog(topics: readonly string[], data: string): OracleFulfilmentLog | null {
  const t0 = topics[0];
  if (t0 !== REQUEST_FULFILLED_TOPIC && t0 !== FULFILMENT_SKIPPED_TOPIC && t0 !== RESULT_PROPOSED_TOPIC) return null;
  if (topics.length !== 3) throw new Error(`abi: fulfilment event with ${topics.length} topics`);
  const requestId = BigInt(topics[1]);
  const node = topicAddress(topics[2]);
  if (t0 === REQUEST_FULFILLED_TOPIC)
    return {
      kind: "fulfilled",
      requestId,
      node,
      mode: wordNumber(dataWord(data, 0)),
      isFinal: BigInt(`0x${dataWord(data, 1)}`) !== 0n,
    };
  if (t0 === FULFILMENT_SKIPPED_TOPIC)
    return { kind: "skipped", requestId, node, reason: `0x${dataWord(data, 0).slice(0, 8)}` };
  return { kind: "proposed", requestId, node, challengeDeadline: wordNumber(dataWord(data, 0)) };
}

/** Read-only views of the oracle and the model registry, through the retrying RPC pool. */
export class OracleReader {
  constructor(
    private readonly rpc: RpcPool,
    readonly oracle: string,
    readonly registry: string,
  ) {}

  private async view(
    iface: Interface,
    to: string,
    fn: string,
    args: unknown[],
    blockTag: string | number = "latest",
  ): Promise<Result> {
    const data = iface.encodeFunctionData(fn, args);
    const ret = await this.rpc.call(fn, (p) => p.call({ to, data, blockTag }));
    return iface.decodeFunctionResult(fn, ret);
  }

  /**
   * The challenge of an Optimistic result: its resolution time and the bonded votes that found the result invalid.
   * A challenge not upheld by `quorumK` invalid votes settles in the proposer's favour through `finalize` after
   * `resolveBy` (issue 12).
   */
  async challengeOf(id: bigint): Promise<{ resolveBy: number; votesInvalid: number }> {
    const p = (await this.view(oracleInterface, this.oracle, "proposalOf", [id]))[0] as Result;
    return { resolveBy: Number(p.resolveBy), votesInvalid: Number(p.votesInvalid) };
  }

  async requestState(id: bigint, blockTag: string | number = "latest"): Promise<{ state: number; deadline: number }> {
    const r = await this.view(oracleInterface, this.oracle, "requestState", [id], blockTag);
    return { state: Number(r[0]), deadline: Number(r[1]) };
  }

  /** `canFulfil` of many requests as one JSON-RPC batch of `eth_call`s (one round trip, no per-call formatting). */
  async canFulfilMany(items: { requestId: bigint; requestEnc: Uint8Array }[], node: string): Promise<boolean[]> {
    const answers = await this.rpc.batch(
      "canFulfil",
      items.map((it) => ({
        method: "eth_call",
        params: [{ to: this.oracle, data: encodeCanFulfil(it.requestId, it.requestEnc, node) }, "latest"],
      })),
    );
    return answers.map((a, i) => {
      if (a.error) throw a.error;
      const ret = a.result;
      if (typeof ret !== "string" || ret.length !== 66)
        throw new Error(`canFulfil(${items[i].requestId}): unexpected answer ${String(ret).slice(0, 80)}`);
      return BigInt(ret) !== 0n;
    });
  }

  async canFulfil(id: bigint, requestEnc: Uint8Array, node: string): Promise<boolean> {
    const data = encodeCanFulfil(id, requestEnc, node);
    const ret = await this.rpc.call("canFulfil", (p) => p.call({ to: this.oracle, data }));
    return oracleInterface.decodeFunctionResult("canFulfil", ret)[0] as boolean;
  }

  /** Results of `node` that became final and were paid. The view exists only on oracles of the compact encoding. */
  async servedCount(node: string): Promise<bigint> {
    return (await this.view(oracleInterface, this.oracle, "servedCount", [node]))[0] as bigint;
  }

  async maxInputBytes(): Promise<number> {
    return Number((await this.view(oracleInterface, this.oracle, "maxInputBytes", []))[0]);
  }

  async maxOutputBytes(): Promise<number> {
    return Number((await this.view(oracleInterface, this.oracle, "maxOutputBytes", []))[0]);
  }

  async weightsHashOf(modelId: bigint): Promise<string> {
    return (await this.view(registryInterface, this.registry, "weightsHashOf", [modelId]))[0] as string;
  }

  async isServing(modelId: bigint, node: string): Promise<boolean> {
    return (await this.view(registryInterface, this.registry, "isServing", [modelId, node]))[0] as boolean;
  }

  /**
   * `RequestCreated` logs of a block range on the thin JSON-RPC path: a busy range is megabytes of log data, which
   * ethers would decode through its JS UTF-8 decoder and re-format log by log.
   */
  async getRequestLogs(fromBlock: number, toBlock: number): Promise<RequestLog[]> {
    const raw = await this.rpc.send<RawLog[]>("getLogs", "eth_getLogs", [
      {
        address: this.oracle,
        topics: [REQUEST_CREATED_TOPIC],
        fromBlock: `0x${fromBlock.toString(16)}`,
        toBlock: `0x${toBlock.toString(16)}`,
      },
    ]);
    if (!Array.isArray(raw)) throw new Error(`eth_getLogs: not an array (${String(raw).slice(0, 80)})`);
    return raw.map((l) => ({
      blockNumber: Number(l.blockNumber),
      blockHash: l.blockHash,
      transactionHash: l.transactionHash,
      index: Number(l.logIndex),
      removed: l.removed === true,
      topics: l.topics,
      data: l.data,
    }));
  }
}
