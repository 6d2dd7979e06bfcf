import type { Address, Hex } from "viem";
import { type AxonContext, type WriteOptions, type WriteResult, accountOf, address, read, write } from "../context.js";
import { AxonConfigError } from "../errors/base.js";
import { edgeNodeRegistryAbi } from "../generated/abis.js";
import { HEARTBEAT_TYPES, type UptimeTree } from "../merkle.js";
import { regionCode, regionName } from "../region.js";
import type { ViewReturn } from "./types.js";

type A = typeof edgeNodeRegistryAbi;
/** `nodeOf`: the device signer, registration/deregistration times, region, hardware class, active flag. */
export type EdgeNode = ViewReturn<A, "nodeOf">;
/** `reportOf`: an epoch's uptime root, reporter, total, status, open challenges, budget and what was paid. */
export type EpochReport = ViewReturn<A, "reportOf">;
/** `config`: epoch and slot length, report/challenge/answer windows, bonds and reward rates. */
export type EdgeConfig = ViewReturn<A, "config">;
/** `challengeOf`: an open uptime challenge's challenger, answer deadline and challenged uptime. */
export type UptimeChallenge = ViewReturn<A, "challengeOf">;

/** `IEdgeNodeRegistry.ReportStatus`. */
export const ReportStatus = { None: 0, Posted: 1, Finalized: 2, Voided: 3 } as const;

/** The model id an edge node lists: a bytes32 (a model id as a 32-byte word, or a model's weights hash). */
export function edgeModelId(modelId: bigint | Hex): Hex {
  return typeof modelId === "bigint" ? (`0x${modelId.toString(16).padStart(64, "0")}` as Hex) : modelId;
}

export { HEARTBEAT_TYPES, type UptimeEntry, UptimeTree, uptimeLeaf } from "../merkle.js";

/** Arguments of `edge.register` and `edge.update`. */
export interface EdgeRegistration {
  /** ISO-3166 alpha-2 region ("DE" or "de"), or a bytes2 (0x4445); see `regionCode`. */
  region: string | Hex;
  /** Operator-defined hardware class (e.g. 1 for arm64 CPU). */
  hardwareClass: number;
  /** The models the node serves (at most the registry's maximum). */
  models: readonly (bigint | Hex)[];
  metadataURI: string;
}

/** A node's registration, whether it is active, and its rewards: `edge.status`. */
export interface EdgeNodeStatus {
  node: Address;
  registered: boolean;
  active: boolean;
  /** The region's two letters ("" for any). */
  region: string;
  record: EdgeNode;
  models: readonly Hex[];
  metadataURI: string;
  /** Served results not yet claimed (units; `claimServed` pays `servedRewardWei` each). */
  servedOwed: bigint;
  credit: bigint;
}

/**
 * The DePIN edge registry: nodes register with a region and their models, heartbeat with a device key, and are paid
 * from a sponsor-funded pool for uptime (epoch Merkle reports) and for results the oracle counted as served.
 */
export class EdgeClient {
  readonly abi = edgeNodeRegistryAbi;
  constructor(private readonly ctx: AxonContext) {}

  get address(): Address {
    return address(this.ctx, "EdgeNodeRegistry");
  }

  private send<R = void>(functionName: string, args: readonly unknown[], options?: WriteOptions, value?: bigint) {
    return write<R>(
      this.ctx,
      { address: this.address, abi: edgeNodeRegistryAbi, functionName, args, ...(value ? { value } : {}) },
      options,
    );
  }

  private view<R>(functionName: string, args: readonly unknown[] = []): Promise<R> {
    return read<R>(this.ctx, { address: this.address, abi: edgeNodeRegistryAbi, functionName, args });
  }

  /** Registers the wallet account (staked for the edge service) as a node, heartbeats signed by `signer`. */
  register(signer: Address, reg: EdgeRegistration, options?: WriteOptions): Promise<WriteResult<void>> {
    return this.send(
      "register",
      [signer, regionCode(reg.region), reg.hardwareClass, reg.models.map(edgeModelId), reg.metadataURI],
      options,
    );
  }

  /** Updates the node's region, hardware class, models and metadata. */
  update(reg: EdgeRegistration, options?: WriteOptions): Promise<WriteResult<void>> {
    return this.send(
      "update",
      [regionCode(reg.region), reg.hardwareClass, reg.models.map(edgeModelId), reg.metadataURI],
      options,
    );
  }

  /** Deregisters the node (served work so far stays claimable). */
  deregister(options?: WriteOptions): Promise<WriteResult<void>> {
    return this.send("deregister", [], options);
  }

  /** Funds the reward pool with `amountWei` (ETH pools send it as value; token pools need an allowance first). */
  async fund(amountWei: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    const { rewardToken } = await this.wiring();
    const isEth = BigInt(rewardToken) === 0n;
    return this.send("fund", [amountWei], options, isEth ? amountWei : undefined);
  }

  /** Posts an ended epoch's uptime root (a staked reporter; its bond is locked until the epoch is final). */
  postReport(tree: UptimeTree, options?: WriteOptions): Promise<WriteResult<void>> {
    return this.send("postReport", [tree.epoch, tree.root, tree.total], options);
  }

  /** Challenges `node`'s reported uptime (with the challenge bond): the node must answer with signed heartbeats. */
  async challengeUptime(tree: UptimeTree, node: Address, options?: WriteOptions): Promise<WriteResult<void>> {
    const { uptime, proof } = tree.proofOf(node);
    const { challengeBondWei } = await this.config();
    return this.send("challengeUptime", [tree.epoch, node, uptime, proof], options, challengeBondWei);
  }

  /** Answers a challenge with the node's heartbeat signatures for `slots` (see `signHeartbeat`). */
  answerChallenge(
    epoch: bigint,
    node: Address,
    slots: readonly number[],
    signatures: readonly Hex[],
    options?: WriteOptions,
  ): Promise<WriteResult<void>> {
    return this.send("answerChallenge", [epoch, node, slots, signatures], options);
  }

  /** Resolves an unanswered challenge after its answer window (voids the report, slashes the reporter). */
  resolveChallenge(epoch: bigint, node: Address, options?: WriteOptions): Promise<WriteResult<void>> {
    return this.send("resolveChallenge", [epoch, node], options);
  }

  /** Finalizes a posted report after its challenge window: allocates the epoch's budget from the pool. */
  finalizeEpoch(epoch: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    return this.send("finalizeEpoch", [epoch], options);
  }

  /** Claims the wallet node's share of a final epoch's budget with its line of the report. */
  claimUptime(tree: UptimeTree, options?: WriteOptions): Promise<WriteResult<void>> {
    const { uptime, proof } = tree.proofOf(accountOf(this.ctx));
    return this.send("claimUptime", [tree.epoch, uptime, proof], options);
  }

  /** Claims the reward for results the oracle counted as served by the wallet node. */
  claimServed(options?: WriteOptions): Promise<WriteResult<void>> {
    return this.send("claimServed", [], options);
  }

  /** Withdraws the wallet account's credit (e.g. a challenger's refunded bond and reward). */
  withdrawCredit(options?: WriteOptions): Promise<WriteResult<void>> {
    return this.send("withdrawCredit", [], options);
  }

  /** Signs the heartbeat of `slot` in `epoch` for `node` with the wallet account (the node's device key). */
  async signHeartbeat(node: Address, epoch: bigint, slot: number): Promise<Hex> {
    const wallet = this.ctx.walletClient;
    if (!wallet?.account) throw new AxonConfigError("signHeartbeat needs a walletClient with the device key's account");
    return wallet.signTypedData({
      account: wallet.account,
      domain: {
        name: "Axon EdgeNodeRegistry",
        version: "1",
        chainId: this.ctx.addresses.chainId,
        verifyingContract: this.address,
      },
      types: HEARTBEAT_TYPES,
      primaryType: "Heartbeat",
      message: { node, epoch, slot },
    });
  }

  /** The node's registration record (zero fields when it never registered). */
  nodeOf(node?: Address): Promise<EdgeNode> {
    return this.view("nodeOf", [node ?? accountOf(this.ctx)]);
  }

  /** A node's registration, models, metadata, unclaimed served work and credit in one call set. */
  async status(node?: Address): Promise<EdgeNodeStatus> {
    const n = node ?? accountOf(this.ctx);
    const [record, models, metadataURI, servedOwed, credit] = await Promise.all([
      this.nodeOf(n),
      this.view<readonly Hex[]>("modelsOf", [n]),
      this.view<string>("metadataOf", [n]),
      this.view<bigint>("servedOwed", [n]),
      this.creditOf(n),
    ]);
    return {
      node: n,
      registered: record.registeredAt !== 0n,
      active: record.active,
      region: regionName(record.region),
      record,
      models,
      metadataURI,
      servedOwed,
      credit,
    };
  }

  /** The current epoch (epochs count from the registry's deployment). */
  currentEpoch(): Promise<bigint> {
    return this.view("currentEpoch");
  }

  /** When `epoch` starts (unix seconds). */
  epochStart(epoch: bigint): Promise<bigint> {
    return this.view("epochStart", [epoch]);
  }

  /** The registry's timing, bonds and reward rates. */
  config(): Promise<EdgeConfig> {
    return this.view("config");
  }

  /** An epoch's uptime report (status `ReportStatus`). */
  reportOf(epoch: bigint): Promise<EpochReport> {
    return this.view("reportOf", [epoch]);
  }

  /** An open uptime challenge of `node` in `epoch`. */
  challengeOf(epoch: bigint, node: Address): Promise<UptimeChallenge> {
    return this.view("challengeOf", [epoch, node]);
  }

  /** Whether `node` claimed its uptime reward of `epoch`. */
  claimed(epoch: bigint, node?: Address): Promise<boolean> {
    return this.view("claimed", [epoch, node ?? accountOf(this.ctx)]);
  }

  /** The most heartbeat slots `node` could have had in `epoch` (registered time only). */
  possibleUptime(node: Address, epoch: bigint): Promise<number> {
    return this.view("possibleUptime", [node, epoch]);
  }

  /** Withdrawable credit of `account` (default: the wallet account). */
  creditOf(account?: Address): Promise<bigint> {
    return this.view("creditOf", [account ?? accountOf(this.ctx)]);
  }

  /** The reward pool: funded, allocated (to epochs and served claims), paid. */
  async pool(): Promise<{ funded: bigint; allocated: bigint; paid: bigint }> {
    const [funded, allocated, paid] = await this.view<readonly [bigint, bigint, bigint]>("pool");
    return { funded, allocated, paid };
  }

  /** The staking contract and service, the reward token (zero: ETH) and the served-work source (the oracle). */
  async wiring(): Promise<{ staking: Address; service: Hex; rewardToken: Address; servedSource: Address }> {
    const [staking, service, rewardToken, servedSource] =
      await this.view<readonly [Address, Hex, Address, Address]>("wiring");
    return { staking, service, rewardToken, servedSource };
  }
}
