import { type Address, type Hex, encodeAbiParameters, keccak256 } from "viem";
import { type AxonContext, type WriteOptions, type WriteResult, accountOf, address, read, write } from "../context.js";
import { labelingBountiesAbi } from "../generated/abis.js";
import type { ViewReturn, WriteArgs } from "./types.js";

type A = typeof labelingBountiesAbi;
/** `createTask` parameters: Merkle root of the items, counts, deadlines, reward and bond per label, gold root. */
export type TaskParams = WriteArgs<A, "createTask">[0];
/** `getTask`: a task's record. */
export type Task = ViewReturn<A, "getTask">;

/** Arguments of `bounties.commit`. */
export interface CommitParams {
  taskId: bigint;
  itemIndex: bigint;
  slot: bigint;
  /** The item's content hash (the leaf's value). */
  itemHash: Hex;
  /** Merkle proof of (itemIndex, itemHash) under the task's root. */
  proof: readonly Hex[];
  label: number;
  /** 32 random bytes kept until the reveal. */
  salt: Hex;
}

/** Labelling bounties: create tasks, commit and reveal labels, claim and withdraw rewards. */
export class BountiesClient {
  readonly abi = labelingBountiesAbi;
  constructor(private readonly ctx: AxonContext) {}

  get address(): Address {
    return address(this.ctx, "LabelingBounties");
  }

  /** The commitment of a label: keccak256(abi.encode(taskId, itemIndex, labeller, label, salt)). */
  static commitment(taskId: bigint, itemIndex: bigint, labeller: Address, label: number, salt: Hex): Hex {
    return keccak256(
      encodeAbiParameters(
        [{ type: "uint256" }, { type: "uint256" }, { type: "address" }, { type: "uint8" }, { type: "bytes32" }],
        [taskId, itemIndex, labeller, label, salt],
      ),
    );
  }

  /** Creates a task funded with itemCount x labelsPerItem x rewardWei (sent as value); returns its id. */
  async createTask(params: TaskParams, options?: WriteOptions): Promise<WriteResult<bigint> & { taskId: bigint }> {
    const funded = BigInt(params.itemCount) * BigInt(params.labelsPerItem) * params.rewardWei;
    const res = await write<bigint>(
      this.ctx,
      { address: this.address, abi: labelingBountiesAbi, functionName: "createTask", args: [params], value: funded },
      options,
    );
    return { ...res, taskId: res.result };
  }

  /** Commits a hidden label for a slot of an item, posting the task's bond. */
  async commit(p: CommitParams, options?: WriteOptions): Promise<WriteResult<void>> {
    const task = await this.task(p.taskId);
    const commitment = BountiesClient.commitment(p.taskId, p.itemIndex, accountOf(this.ctx), p.label, p.salt);
    return write(
      this.ctx,
      {
        address: this.address,
        abi: labelingBountiesAbi,
        functionName: "commit",
        args: [p.taskId, p.itemIndex, p.slot, p.itemHash, p.proof, commitment],
        value: task.bondWei,
      },
      options,
    );
  }

  /** Reveals a committed label. */
  reveal(
    taskId: bigint,
    itemIndex: bigint,
    slot: bigint,
    label: number,
    salt: Hex,
    options?: WriteOptions,
  ): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      {
        address: this.address,
        abi: labelingBountiesAbi,
        functionName: "reveal",
        args: [taskId, itemIndex, slot, label, salt],
      },
      options,
    );
  }

  /** Settles an item after its reveal deadline (anyone). */
  finalizeItem(taskId: bigint, itemIndex: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: labelingBountiesAbi, functionName: "finalizeItem", args: [taskId, itemIndex] },
      options,
    );
  }

  /** Settles a revealed slot of a finalised item (anyone): credits the labeller reward and bond on a majority label. */
  claim(
    taskId: bigint,
    itemIndex: bigint,
    slot: bigint,
    labeller: Address,
    label: number,
    salt: Hex,
    options?: WriteOptions,
  ): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      {
        address: this.address,
        abi: labelingBountiesAbi,
        functionName: "claim",
        args: [taskId, itemIndex, slot, labeller, label, salt],
      },
      options,
    );
  }

  /** Withdraws the account's rewards and returned bonds. */
  withdraw(options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: labelingBountiesAbi, functionName: "withdraw", args: [] },
      options,
    );
  }

  /** A task's record. */
  task(taskId: bigint): Promise<Task> {
    return read(this.ctx, { address: this.address, abi: labelingBountiesAbi, functionName: "getTask", args: [taskId] });
  }

  /** Pull credit of `account` (default: the wallet account). */
  creditOf(account?: Address): Promise<bigint> {
    return read(this.ctx, {
      address: this.address,
      abi: labelingBountiesAbi,
      functionName: "creditOf",
      args: [account ?? accountOf(this.ctx)],
    });
  }
}
