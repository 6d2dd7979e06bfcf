import { Interface, type Log, type Result, getAddress } from "ethers";
import oracleAbi from "./abi/AIOracle.json";
import registryAbi from "./abi/ModelRegistry.json";
import type { RpcPool } from "./chain";

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

export interface DecodedRequest {
  requestId: bigint;
  modelId: bigint;
  requester: string;
  /** The `Request` tuple exactly as emitted (passed back verbatim). */
  request: Result;
  input: Uint8Array;
  callbackGasLimit: number;
  deadline: number;
  exclusiveUntil: number;
  nodes: string[];
}

/** Decodes a `RequestCreated` log (topics + data as stored). */
export function decodeRequestCreated(topics: readonly string[], data: string): DecodedRequest {
  const ev = oracleInterface.parseLog({ topics: [...topics], data });
  if (!ev || ev.name !== "RequestCreated") throw new Error("not a RequestCreated log");
  const request = ev.args.request as Result;
  return {
    requestId: ev.args.requestId as bigint,
    modelId: ev.args.modelId as bigint,
    requester: ev.args.requester as string,
    request,
    input: Uint8Array.from(Buffer.from((ev.args.input as string).slice(2), "hex")),
    callbackGasLimit: Number(request.callbackGasLimit),
    deadline: Number(request.deadline),
    exclusiveUntil: Number(request.exclusiveUntil),
    nodes: (request.nodes as string[]).map((n) => getAddress(n)),
  };
}

/** The request tuple as a plain nested array, as ethers expects it when encoding. */
export function requestTuple(request: Result): unknown[] {
  return request.toArray(true);
}

export interface FulfilItem {
  requestId: bigint;
  request: Result;
  output: Uint8Array;
  errorCode: number;
}

export function encodeFulfilBatch(items: FulfilItem[]): string {
  return oracleInterface.encodeFunctionData("fulfilBatch", [
    items.map((i) => i.requestId),
    items.map((i) => requestTuple(i.request)),
    items.map((i) => i.output),
    items.map((i) => i.errorCode),
  ]);
}

export function encodeFulfil(item: FulfilItem): string {
  return oracleInterface.encodeFunctionData("fulfil", [
    item.requestId,
    requestTuple(item.request),
    item.output,
    item.errorCode,
  ]);
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

  async requestState(id: bigint, blockTag: string | number = "latest"): Promise<{ state: number; deadline: number }> {
    const r = await this.view(oracleInterface, this.oracle, "requestState", [id], blockTag);
    return { state: Number(r[0]), deadline: Number(r[1]) };
  }

  async canFulfil(id: bigint, request: Result, node: string): Promise<boolean> {
    const r = await this.view(oracleInterface, this.oracle, "canFulfil", [id, requestTuple(request), node]);
    return r[0] as boolean;
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

  async getRequestLogs(fromBlock: number, toBlock: number): Promise<Log[]> {
    return this.rpc.call("getLogs", (p) =>
      p.getLogs({ address: this.oracle, topics: [REQUEST_CREATED_TOPIC], fromBlock, toBlock }),
    );
  }
}
