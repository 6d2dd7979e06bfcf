import type { Address, Hex } from "viem";
import { type AxonContext, type WriteOptions, type WriteResult, accountOf, address, read, write } from "../context.js";
import { AxonConfigError } from "../errors/base.js";
import { collectionCampaignsAbi } from "../generated/abis.js";
import type { EncryptedKey, ListingParams } from "./data.js";
import type { ViewReturn } from "./types.js";

type A = typeof collectionCampaignsAbi;
/** `getCampaign`: funder, deadline, closed, pay per item, item counts, schema hash. */
export type Campaign = ViewReturn<A, "getCampaign">;
/** `getItem`: contributor, status (`ItemStatus`), content hash. */
export type CampaignItem = ViewReturn<A, "getItem">;

/** `ICollectionCampaigns.ItemStatus`. */
export const ItemStatus = { None: 0, Pending: 1, Accepted: 2, Rejected: 3 } as const;

/** EIP-712 types of a contributor's consent to a submission (`CollectionCampaigns.SUBMISSION_TYPEHASH`). */
export const SUBMISSION_TYPES = {
  Submission: [
    { name: "campaignId", type: "uint256" },
    { name: "contentHash", type: "bytes32" },
    { name: "contributor", type: "address" },
  ],
} as const;

/** Arguments of `campaigns.create`. */
export interface CampaignParams {
  /** What an item must conform to (keccak256 of the schema document). */
  schemaHash: Hex;
  payPerItemWei: bigint;
  maxItems: number;
  /** Unix seconds after which no submission is taken. */
  deadline: bigint;
  /** The accounts that accept or reject items. */
  validators: readonly Address[];
}

/**
 * Data collection campaigns: a funder escrows pay for items matching a schema, contributors submit (with their signed
 * consent), validators review, accepted contributors are paid and the collected set is listed on the data market.
 */
export class CampaignsClient {
  readonly abi = collectionCampaignsAbi;
  constructor(private readonly ctx: AxonContext) {}

  get address(): Address {
    return address(this.ctx, "CollectionCampaigns");
  }

  private send<R = void>(functionName: string, args: readonly unknown[], options?: WriteOptions, value?: bigint) {
    return write<R>(
      this.ctx,
      { address: this.address, abi: collectionCampaignsAbi, functionName, args, ...(value ? { value } : {}) },
      options,
    );
  }

  private view<R>(functionName: string, args: readonly unknown[] = []): Promise<R> {
    return read<R>(this.ctx, { address: this.address, abi: collectionCampaignsAbi, functionName, args });
  }

  /** Creates a campaign funded with `payPerItemWei × maxItems` (sent as value); returns its id. */
  async create(params: CampaignParams, options?: WriteOptions): Promise<WriteResult<bigint> & { campaignId: bigint }> {
    const res = await this.send<bigint>(
      "createCampaign",
      [params.schemaHash, params.payPerItemWei, params.maxItems, params.deadline, params.validators],
      options,
      params.payPerItemWei * BigInt(params.maxItems),
    );
    return { ...res, campaignId: res.result };
  }

  /** The contributor's EIP-712 consent to submitting `contentHash` to the campaign, signed by the wallet account. */
  async signSubmission(campaignId: bigint, contentHash: Hex): Promise<Hex> {
    const wallet = this.ctx.walletClient;
    if (!wallet?.account)
      throw new AxonConfigError("signSubmission needs a walletClient with the contributor's account");
    return wallet.signTypedData({
      account: wallet.account,
      domain: {
        name: "Axon CollectionCampaigns",
        version: "1",
        chainId: this.ctx.addresses.chainId,
        verifyingContract: this.address,
      },
      types: SUBMISSION_TYPES,
      primaryType: "Submission",
      message: { campaignId, contentHash, contributor: wallet.account.address },
    });
  }

  /**
   * Submits an item for `contributor` with their signature (`signSubmission`); default contributor: the wallet
   * account, signing here. Returns the item id.
   */
  async submit(
    campaignId: bigint,
    contentHash: Hex,
    consent?: { contributor: Address; signature: Hex },
    options?: WriteOptions,
  ): Promise<WriteResult<bigint> & { itemId: bigint }> {
    const c = consent ?? {
      contributor: accountOf(this.ctx),
      signature: await this.signSubmission(campaignId, contentHash),
    };
    const res = await this.send<bigint>("submit", [campaignId, contentHash, c.contributor, c.signature], options);
    return { ...res, itemId: res.result };
  }

  /** Accepts (pays the contributor) or rejects a pending item (a validator of the campaign). */
  review(campaignId: bigint, itemId: bigint, accept: boolean, options?: WriteOptions): Promise<WriteResult<void>> {
    return this.send("review", [campaignId, itemId, accept], options);
  }

  /** Closes the campaign after its deadline (plus the review period while items are pending); unspent escrow is credited back to the funder. */
  close(campaignId: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    return this.send("close", [campaignId], options);
  }

  /** Lists a closed campaign's accepted items on the data market (the funder); returns the dataset id. */
  async listDataset(
    campaignId: bigint,
    params: ListingParams,
    key: EncryptedKey,
    options?: WriteOptions,
  ): Promise<WriteResult<bigint> & { datasetId: bigint }> {
    const res = await this.send<bigint>("listDataset", [campaignId, params, key.handle, key.inputProof], options);
    return { ...res, datasetId: res.result };
  }

  /** Withdraws the wallet account's credit (contributors' pay, the funder's refund). */
  withdraw(options?: WriteOptions): Promise<WriteResult<void>> {
    return this.send("withdraw", [], options);
  }

  get(campaignId: bigint): Promise<Campaign> {
    return this.view("getCampaign", [campaignId]);
  }

  item(campaignId: bigint, itemId: bigint): Promise<CampaignItem> {
    return this.view("getItem", [campaignId, itemId]);
  }

  /** Where `contentHash` was submitted (zeros when never). */
  async itemOfContent(contentHash: Hex): Promise<{ campaignId: bigint; itemId: bigint }> {
    const [campaignId, itemId] = await this.view<readonly [bigint, bigint]>("itemOfContent", [contentHash]);
    return { campaignId, itemId };
  }

  isValidator(campaignId: bigint, account: Address): Promise<boolean> {
    return this.view("isValidator", [campaignId, account]);
  }

  /** Accepted items of `contributor` in the campaign (their royalty weight in the listed dataset). */
  acceptedLabelsOf(campaignId: bigint, contributor: Address): Promise<bigint> {
    return this.view("acceptedLabelsOf", [campaignId, contributor]);
  }

  /** The dataset the campaign was listed as (0 before `listDataset`). */
  datasetOf(campaignId: bigint): Promise<bigint> {
    return this.view("datasetOf", [campaignId]);
  }

  /** The royalty sink splitting the dataset's contributor royalties. */
  royaltySinkOf(campaignId: bigint): Promise<Address> {
    return this.view("royaltySinkOf", [campaignId]);
  }

  creditOf(account?: Address): Promise<bigint> {
    return this.view("creditOf", [account ?? accountOf(this.ctx)]);
  }

  campaignCount(): Promise<bigint> {
    return this.view("campaignCount");
  }
}
