import type { Address, Hex } from "viem";
import { type AxonContext, type WriteOptions, type WriteResult, accountOf, address, read, write } from "../context.js";
import { computeEscrowAbi } from "../generated/abis.js";
import type { ViewReturn, WriteArgs } from "./types.js";

type A = typeof computeEscrowAbi;
/** A provider's offer: GPU model (bytes8), count, memory, price unit (0 wei, 1 USD cents) and price per GPU-hour. */
export type Offer = WriteArgs<A, "setOffer">[0];
/** `postJob` request: spec, input, GPU needs, duration, start deadline, provider (zero: open), mode, redundancy, bond. */
export type JobRequest = WriteArgs<A, "postJob">[0];
/** `jobOf`: a job's record. */
export type Job = ViewReturn<A, "jobOf">;

export const ETH_TOKEN: Address = "0x0000000000000000000000000000000000000000";

/** The compute escrow: offers, jobs, results, payouts. */
export class ComputeClient {
  readonly abi = computeEscrowAbi;
  constructor(private readonly ctx: AxonContext) {}

  get address(): Address {
    return address(this.ctx, "ComputeEscrow");
  }

  /** Publishes the wallet account's offer (a staked compute provider). */
  setOffer(offer: Offer, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: computeEscrowAbi, functionName: "setOffer", args: [offer] },
      options,
    );
  }

  /** The offer of `provider`. */
  offerOf(provider: Address): Promise<ViewReturn<A, "offerOf">> {
    return read(this.ctx, { address: this.address, abi: computeEscrowAbi, functionName: "offerOf", args: [provider] });
  }

  /** Price (wei) of `durationSeconds` on `provider`'s offer. */
  quote(provider: Address, durationSeconds: number): Promise<bigint> {
    return read(this.ctx, {
      address: this.address,
      abi: computeEscrowAbi,
      functionName: "quoteWei",
      args: [provider, durationSeconds],
    });
  }

  /** Posts a job escrowing `amount` of `token` (ETH by default, sent as value); returns its id. */
  async postJob(
    request: JobRequest,
    amount: bigint,
    token: Address = ETH_TOKEN,
    options?: WriteOptions,
  ): Promise<WriteResult<bigint> & { jobId: bigint }> {
    const res = await write<bigint>(
      this.ctx,
      {
        address: this.address,
        abi: computeEscrowAbi,
        functionName: "postJob",
        args: [request, token, amount],
        ...(token === ETH_TOKEN ? { value: amount } : {}),
      },
      options,
    );
    return { ...res, jobId: res.result };
  }

  /** Provider: claims an open job. */
  claim(jobId: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: computeEscrowAbi, functionName: "claim", args: [jobId] },
      options,
    );
  }

  /** Provider: starts a claimed job. */
  start(jobId: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: computeEscrowAbi, functionName: "start", args: [jobId] },
      options,
    );
  }

  /** Provider: submits the result's hash and URI. */
  submitResult(jobId: bigint, resultHash: Hex, resultURI: string, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      {
        address: this.address,
        abi: computeEscrowAbi,
        functionName: "submitResult",
        args: [jobId, resultHash, resultURI],
      },
      options,
    );
  }

  /** Requester: accepts a submitted result (pays the provider). */
  accept(jobId: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: computeEscrowAbi, functionName: "accept", args: [jobId] },
      options,
    );
  }

  /** Requester: disputes a submitted result within the challenge window. */
  dispute(jobId: bigint, reasonHash: Hex, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: computeEscrowAbi, functionName: "dispute", args: [jobId, reasonHash] },
      options,
    );
  }

  /** Requester: cancels an open job (refund credited). */
  cancel(jobId: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: computeEscrowAbi, functionName: "cancel", args: [jobId] },
      options,
    );
  }

  /** Withdraws the account's credit in `token` (ETH by default). */
  withdraw(token: Address = ETH_TOKEN, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: computeEscrowAbi, functionName: "withdraw", args: [token] },
      options,
    );
  }

  /** A job's record. */
  job(jobId: bigint): Promise<Job> {
    return read(this.ctx, { address: this.address, abi: computeEscrowAbi, functionName: "jobOf", args: [jobId] });
  }

  /** Credit of `account` (default: the wallet account) in `token`. */
  creditOf(account?: Address, token: Address = ETH_TOKEN): Promise<bigint> {
    return read(this.ctx, {
      address: this.address,
      abi: computeEscrowAbi,
      functionName: "creditOf",
      args: [account ?? accountOf(this.ctx), token],
    });
  }
}

/** `IComputeEscrow.JobStatus` (first values). */
export const JobStatus = { None: 0, Open: 1, Claimed: 2, Running: 3, Submitted: 4, Disputed: 5 } as const;
