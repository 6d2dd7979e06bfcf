import type { Address } from "viem";
import { type AxonContext, type WriteOptions, type WriteResult, accountOf, address, read, write } from "../context.js";
import { modelOfferingAbi, modelTokenAbi } from "../generated/abis.js";
import type { ViewReturn, WriteArgs } from "./types.js";

type A = typeof modelOfferingAbi;
/** `launch` parameters: token name/symbol, supply, creator allocation and vesting, bonding curve, caps, deadline. */
export type LaunchParams = WriteArgs<A, "launch">[1];
/** `offeringOf`: the state of a model's offering. */
export type Offering = ViewReturn<A, "offeringOf">;

/** The address meaning "ETH" among a ModelToken's revenue assets. */
export const ETH_ASSET: Address = "0x0000000000000000000000000000000000000000";

/** Model IMOs: launch, buy, claim vested tokens, refund, and the model token's redeem/claim. */
export class ImoClient {
  readonly abi = modelOfferingAbi;
  readonly tokenAbi = modelTokenAbi;
  constructor(private readonly ctx: AxonContext) {}

  get address(): Address {
    return address(this.ctx, "ModelOffering");
  }

  /** Launches an offering of the model's token (model owner only); returns the token address. */
  async launch(
    modelId: bigint,
    params: LaunchParams,
    options?: WriteOptions,
  ): Promise<WriteResult<Address> & { token: Address }> {
    const res = await write<Address>(
      this.ctx,
      { address: this.address, abi: modelOfferingAbi, functionName: "launch", args: [modelId, params] },
      options,
    );
    return { ...res, token: res.result };
  }

  /** Cost (wei) of buying `tokenAmount` now. */
  quote(modelId: bigint, tokenAmount: bigint): Promise<bigint> {
    return read(this.ctx, {
      address: this.address,
      abi: modelOfferingAbi,
      functionName: "quote",
      args: [modelId, tokenAmount],
    });
  }

  /**
   * Buys `tokenAmount` (18-decimals units) paying at most `maxCostWei` (default: the current quote, so a price move
   * reverts instead of overpaying); returns the cost.
   */
  async buy(
    modelId: bigint,
    tokenAmount: bigint,
    maxCostWei?: bigint,
    options?: WriteOptions,
  ): Promise<WriteResult<bigint> & { costWei: bigint }> {
    const max = maxCostWei ?? (await this.quote(modelId, tokenAmount));
    const res = await write<bigint>(
      this.ctx,
      {
        address: this.address,
        abi: modelOfferingAbi,
        functionName: "buy",
        args: [modelId, tokenAmount, max],
        value: max,
      },
      options,
    );
    return { ...res, costWei: res.result };
  }

  /** Closes the sale after its deadline or hard cap (anyone). */
  finalize(modelId: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: modelOfferingAbi, functionName: "finalize", args: [modelId] },
      options,
    );
  }

  /** Mints the creator's vested tokens (creator only); returns the amount. */
  claimVested(modelId: bigint, options?: WriteOptions): Promise<WriteResult<bigint>> {
    return write(
      this.ctx,
      { address: this.address, abi: modelOfferingAbi, functionName: "claimVested", args: [modelId] },
      options,
    );
  }

  /** Refunds the buyer of a failed sale (soft cap missed); returns the credited wei. */
  refund(modelId: bigint, options?: WriteOptions): Promise<WriteResult<bigint>> {
    return write(
      this.ctx,
      { address: this.address, abi: modelOfferingAbi, functionName: "refund", args: [modelId] },
      options,
    );
  }

  /** Withdraws the account's pull credit from the offering contract. */
  withdraw(options?: WriteOptions): Promise<WriteResult<bigint>> {
    return write(
      this.ctx,
      { address: this.address, abi: modelOfferingAbi, functionName: "withdraw", args: [] },
      options,
    );
  }

  /** The offering's state. */
  offering(modelId: bigint): Promise<Offering> {
    return read(this.ctx, {
      address: this.address,
      abi: modelOfferingAbi,
      functionName: "offeringOf",
      args: [modelId],
    });
  }

  /** Offering status code (`OfferingStatus`: 0 None, 1 Active, 2 Failed, 3 Succeeded). */
  status(modelId: bigint): Promise<number> {
    return read(this.ctx, { address: this.address, abi: modelOfferingAbi, functionName: "statusOf", args: [modelId] });
  }

  /** Tokens bought and wei paid by `buyer` (default: the wallet account). */
  async purchaseOf(modelId: bigint, buyer?: Address): Promise<{ tokens: bigint; paidWei: bigint }> {
    const [tokens, paidWei] = await read<readonly [bigint, bigint]>(this.ctx, {
      address: this.address,
      abi: modelOfferingAbi,
      functionName: "purchaseOf",
      args: [modelId, buyer ?? accountOf(this.ctx)],
    });
    return { tokens, paidWei };
  }

  /** The model token's balance of `holder` (default: the wallet account). */
  balanceOf(token: Address, holder?: Address): Promise<bigint> {
    return read(this.ctx, {
      address: token,
      abi: modelTokenAbi,
      functionName: "balanceOf",
      args: [holder ?? accountOf(this.ctx)],
    });
  }

  /** What redeeming `amount` tokens pays in `asset` now. */
  previewRedeem(token: Address, amount: bigint, asset: Address = ETH_ASSET): Promise<bigint> {
    return read(this.ctx, { address: token, abi: modelTokenAbi, functionName: "previewRedeem", args: [asset, amount] });
  }

  /** Burns `amount` model tokens for their share of the token's redeem pool. */
  redeem(token: Address, amount: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(this.ctx, { address: token, abi: modelTokenAbi, functionName: "redeem", args: [amount] }, options);
  }

  /** Revenue (and redeem proceeds) `holder` (default: the wallet account) can claim in `asset` now. */
  claimable(token: Address, asset: Address = ETH_ASSET, holder?: Address): Promise<bigint> {
    return read(this.ctx, {
      address: token,
      abi: modelTokenAbi,
      functionName: "claimableOf",
      args: [asset, holder ?? accountOf(this.ctx)],
    });
  }

  /** Claims the holder's streamed revenue in `asset` (default ETH). */
  claimRevenue(token: Address, asset: Address = ETH_ASSET, options?: WriteOptions): Promise<WriteResult<bigint>> {
    return write(this.ctx, { address: token, abi: modelTokenAbi, functionName: "claim", args: [asset] }, options);
  }
}

/** `IModelOffering.Status`. */
export const OfferingStatus = { None: 0, Active: 1, Failed: 2, Succeeded: 3 } as const;
