import type { Address, Hex } from "viem";
import type { Classification, ProvenClassification } from "../canonical.js";
import { decodeClassification, decodeProvenClassification } from "../canonical.js";
import { type AxonContext, type WriteOptions, type WriteResult, accountOf, address, read, write } from "../context.js";
import { AxonAbortedError, AxonError, AxonTimeoutError } from "../errors/base.js";
import { aIOracleAbi } from "../generated/abis.js";
import { regionCode } from "../region.js";
import {
  type CreatedRequest,
  type FinalFulfilment,
  OracleErrorCode,
  type ProofFulfilment,
  type RequestRouting,
  RequestState,
  type RequestStateCode,
  findFinalFulfilment,
  findRefund,
  findRequestCreated,
  fulfilProofArgs,
  refundArgs,
  requestIdFromReceipt,
  routingFromReceipt,
} from "./preimage.js";

/** Default margin over the quote that `oracle.request` sends (basis points). */
export const DEFAULT_FEE_BUFFER_BPS = 1250;

/** Arguments of `oracle.request`. */
export interface OracleRequestParams {
  modelId: bigint;
  /** The model input, e.g. 784 grey-scale bytes for the MNIST classifier. */
  input: Hex;
  /** The consumer contract that receives `onAIOracleResult`. */
  callback: Address;
  /** Exact gas given to the callback. */
  callbackGasLimit: number;
  /** Passed back to the consumer unchanged (default empty). */
  callbackData?: Hex;
  /**
   * The ETH to send; default: `quote(modelId, callbackGasLimit)` plus `feeBufferBps`. The oracle keeps the fee as
   * quoted when the transaction runs and sends the excess back in the same transaction.
   */
  value?: bigint;
  /**
   * Margin over the quote when `value` is not given, in basis points (default 1250: the base fee, which prices the
   * callback gas, can rise 12.5% per block between the quote and the transaction).
   */
  feeBufferBps?: number;
  /**
   * Route the request to an edge node of this region (`requestInRegion`): an ISO-3166-1 alpha-2 code ("DE" or "de")
   * or its bytes2 (0x4445). The first assigned node is then the first node of the model's node set that is an active
   * operator and an active edge device of the region; with none it is assigned as a plain request (`routed.matched`
   * false). Same fee as a plain request. Undefined or "any": a plain `request`. A malformed region throws AxonError
   * before anything is sent.
   */
  region?: string;
}

/** What `oracle.request` returns. */
export interface OracleRequestResult extends WriteResult<bigint> {
  requestId: bigint;
  /** The ETH sent with the request (the excess over the fee came back in the same transaction). */
  feeWei: bigint;
  /** How a request with a `region` was routed (from its `RequestRouted`); undefined for a plain request. */
  routed?: RequestRouting;
}

/** Terminal outcomes of a request, as `waitForResult` reports them. */
export type OracleResult =
  | {
      status: "fulfilled";
      requestId: bigint;
      /** The output bytes (undefined only when the node delivered them through another contract). */
      output?: Hex;
      outputHash: Hex;
      /** The canonical classifier decoding of `output`, when `decode: "classification"` was asked. */
      classification?: Classification;
      /** A Proof model's proven classification (label, int32 logits), when `decode: "proven"` was asked. */
      provenClassification?: ProvenClassification;
      callbackSucceeded: boolean;
      node: Address;
      transactionHash: Hex;
      blockNumber: bigint;
    }
  | {
      status: "failed";
      requestId: bigint;
      /** `AIOracleCodes.ERROR_*` the node answered. */
      errorCode: number;
      errorName: string;
      callbackSucceeded: boolean;
      node: Address;
      transactionHash: Hex;
      blockNumber: bigint;
    }
  | {
      status: "refunded";
      requestId: bigint;
      amountWei: bigint;
      requester: Address;
      transactionHash: Hex;
      blockNumber: bigint;
    }
  | {
      status: "expired";
      requestId: bigint;
      /** The deadline that passed (unix seconds); `oracle.refund(requestId)` credits the fee back. */
      deadline: bigint;
    };

/** Options of `waitForResult`. */
export interface WaitOptions {
  /** Give up after this many ms with AxonTimeoutError (default 120 000). */
  timeoutMs?: number;
  /** Cancel the wait (AxonAbortedError). */
  signal?: AbortSignal;
  /** Report a state only once the block that shows it has this many confirmations (default: the client's). */
  confirmations?: number;
  /**
   * Decode a fulfilled output: `"classification"` as a canonical classification (None/Quorum/Optimistic models),
   * `"proven"` as a Proof model's proven classification (label and int32 logits).
   */
  decode?: "classification" | "proven";
  /** Poll interval in ms (default: the client's). */
  pollingIntervalMs?: number;
  /** Report a pending request past its deadline as "expired" (default true); false keeps waiting for a refund. */
  reportExpired?: boolean;
}

/** The AI oracle: quote, request, wait for the result, refund, credits. */
export class OracleClient {
  /** The AIOracle ABI, for calls this client does not wrap. */
  readonly abi = aIOracleAbi;

  constructor(private readonly ctx: AxonContext) {}

  /** The oracle's address on this chain. */
  get address(): Address {
    return address(this.ctx, "AIOracle");
  }

  /** The fee (wei) a request for `modelId` with this callback gas pays now. */
  quote(modelId: bigint, callbackGasLimit: number): Promise<bigint> {
    return read(this.ctx, {
      address: this.address,
      abi: aIOracleAbi,
      functionName: "quote",
      args: [modelId, callbackGasLimit],
    });
  }

  /**
   * Pays for an inference; returns its request id (from the receipt's RequestCreated) and, with a `region`, how it
   * was routed (`routed`, from RequestRouted).
   */
  async request(params: OracleRequestParams, options?: WriteOptions): Promise<OracleRequestResult> {
    const region = params.region === undefined ? undefined : regionCode(params.region);
    const buffer = BigInt(params.feeBufferBps ?? DEFAULT_FEE_BUFFER_BPS);
    const feeWei =
      params.value ?? ((await this.quote(params.modelId, params.callbackGasLimit)) * (10_000n + buffer)) / 10_000n;
    const args = [
      params.modelId,
      params.input,
      params.callback,
      params.callbackGasLimit,
      params.callbackData ?? "0x",
    ] as const;
    const call =
      region === undefined || BigInt(region) === 0n
        ? ({ functionName: "request", args } as const)
        : ({ functionName: "requestInRegion", args: [...args, region] } as const);
    const res = await write<bigint>(
      this.ctx,
      { address: this.address, abi: aIOracleAbi, ...call, value: feeWei },
      options,
    );
    const routed = routingFromReceipt(res.receipt, this.address);
    return {
      ...res,
      requestId: requestIdFromReceipt(res.receipt, this.address),
      feeWei,
      ...(routed ? { routed } : {}),
    };
  }

  /** `requestState`: the state code (`RequestState`) and deadline of a request. */
  async requestState(requestId: bigint, blockNumber?: bigint): Promise<{ state: RequestStateCode; deadline: bigint }> {
    const [state, deadline] = await read<readonly [number, bigint]>(this.ctx, {
      address: this.address,
      abi: aIOracleAbi,
      functionName: "requestState",
      args: [requestId],
      ...(blockNumber !== undefined ? { blockNumber } : {}),
    } as never);
    return { state: state as RequestStateCode, deadline };
  }

  /** The request as emitted in its RequestCreated (preimage and input); throws when there is none. */
  async getRequest(requestId: bigint): Promise<CreatedRequest> {
    const found = await findRequestCreated(this.ctx, this.address, requestId, this.fromBlock);
    if (!found) throw new AxonError(`no RequestCreated for request ${requestId} on the oracle at ${this.address}`);
    return found;
  }

  /**
   * Follows a request until it is fulfilled, failed (a node's error code), refunded or expired (deadline passed,
   * nothing final: refundable). A state counts only once the block showing it has `confirmations` confirmations,
   * so a reorged fulfilment is never reported. Throws AxonTimeoutError / AxonAbortedError.
   */
  async waitForResult(requestId: bigint, options: WaitOptions = {}): Promise<OracleResult> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const confirmations = Math.max(1, options.confirmations ?? this.ctx.confirmations);
    const interval = options.pollingIntervalMs ?? this.ctx.pollingIntervalMs;
    const started = Date.now();
    const { signal } = options;
    let created: CreatedRequest | undefined;
    let lastState = -1;
    for (;;) {
      if (signal?.aborted) throw new AxonAbortedError(requestId, signal.reason);
      const head = await this.ctx.publicClient.getBlockNumber({ cacheTime: 0 });
      const confirmed = head - BigInt(confirmations - 1);
      if (confirmed >= 0n) {
        const { state, deadline } = await this.requestState(requestId, confirmed);
        lastState = state;
        if (state !== RequestState.None && !created)
          created = await findRequestCreated(this.ctx, this.address, requestId, this.fromBlock, confirmed);
        const from = created?.blockNumber ?? this.fromBlock;
        if (state === RequestState.Fulfilled) {
          const f = await findFinalFulfilment(this.ctx, this.address, requestId, from, confirmed);
          if (f) return this.fulfilled(f, options);
        } else if (state === RequestState.Refunded) {
          const r = await findRefund(this.ctx, this.address, requestId, from, confirmed);
          if (r) return { status: "refunded", ...r };
        } else if (state === RequestState.Pending && options.reportExpired !== false) {
          const block = await this.ctx.publicClient.getBlock({ blockNumber: confirmed });
          if (block.timestamp > deadline) return { status: "expired", requestId, deadline };
        }
      }
      const left = timeoutMs - (Date.now() - started);
      if (left <= 0) throw new AxonTimeoutError(requestId, timeoutMs, lastState);
      await sleep(Math.min(interval, left), signal, requestId);
    }
  }

  /**
   * Proof mode: delivers a proven result for `requestId` from the wallet account (anyone may: no stake, no
   * assignment). Final at once when the model's verifier accepts the proof; a rejected proof reverts in the simulation
   * (`AIOracleInvalidProof`) and nothing is sent.
   */
  async fulfilProof(requestId: bigint, result: ProofFulfilment, options?: WriteOptions): Promise<WriteResult<void>> {
    const created = await this.getRequest(requestId);
    return write(
      this.ctx,
      { address: this.address, abi: aIOracleAbi, functionName: "fulfilProof", args: fulfilProofArgs(created, result) },
      options,
    );
  }

  /** Credits the whole fee of a request past its deadline back to its requester (anyone may call). */
  async refund(requestId: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    const created = await this.getRequest(requestId);
    return write(
      this.ctx,
      { address: this.address, abi: aIOracleAbi, functionName: "refund", args: refundArgs(created) },
      options,
    );
  }

  /** Pull credit (wei) of `account` (default: the wallet's account): refunds, excess fees, node and model earnings. */
  creditOf(account?: Address): Promise<bigint> {
    return read(this.ctx, {
      address: this.address,
      abi: aIOracleAbi,
      functionName: "creditOf",
      args: [account ?? accountOf(this.ctx)],
    });
  }

  /** Withdraws the wallet account's pull credit. */
  withdrawCredit(options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: aIOracleAbi, functionName: "withdrawCredit", args: [] },
      options,
    );
  }

  private get fromBlock(): bigint {
    return this.ctx.addresses.fromBlock.AIOracle ?? 0n;
  }

  private fulfilled(f: FinalFulfilment, options: WaitOptions): OracleResult {
    const common = {
      requestId: f.requestId,
      callbackSucceeded: f.callbackSucceeded,
      node: f.node,
      transactionHash: f.transactionHash,
      blockNumber: f.blockNumber,
    };
    if (f.errorCode !== 0)
      return {
        status: "failed",
        errorCode: f.errorCode,
        errorName: (OracleErrorCode as Record<number, string>)[f.errorCode] ?? `Error${f.errorCode}`,
        ...common,
      };
    const classification = options.decode === "classification" && f.output ? decodeClassification(f.output) : undefined;
    const provenClassification =
      options.decode === "proven" && f.output ? decodeProvenClassification(f.output) : undefined;
    return {
      status: "fulfilled",
      output: f.output,
      outputHash: f.outputHash,
      ...(classification ? { classification } : {}),
      ...(provenClassification ? { provenClassification } : {}),
      ...common,
    };
  }
}

function sleep(ms: number, signal: AbortSignal | undefined, requestId: bigint): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AxonAbortedError(requestId, signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AxonAbortedError(requestId, signal!.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
