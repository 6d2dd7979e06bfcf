import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { LabelingBounties } from "../../../typechain-types";
import { deployProxy } from "../../helpers/core";
import { ADMIN_DELAY_SECONDS } from "../../helpers/constants";
import { GoldTree as TaskGoldTree, ItemTree as TaskItemTree, itemLeaf } from "../../../tasks/merkle";

const coder = ethers.AbiCoder.defaultAbiCoder();

/** The leaf of (itemIndex, itemHash): keccak256(bytes.concat(keccak256(abi.encode(itemIndex, itemHash)))). */
export const leafOf = itemLeaf;

/** A Merkle tree of items compatible with OpenZeppelin MerkleProof (the tasks' tree, plus a seeded constructor). */
export class ItemTree extends TaskItemTree {
  /** `count` items whose content hashes derive from `seed`. */
  static random(count: number, seed = "items"): ItemTree {
    return new ItemTree(Array.from({ length: count }, (_, i) => ethers.id(`${seed}/${i}`)));
  }
}

/** keccak256(abi.encode(taskId, itemIndex, labeller, label, salt)): the commitment a labeller submits. */
export function commitmentOf(taskId: bigint, itemIndex: number, labeller: string, label: number, salt: string): string {
  return ethers.keccak256(
    coder.encode(["uint256", "uint256", "address", "uint8", "bytes32"], [taskId, itemIndex, labeller, label, salt]),
  );
}

export const saltOf = (who: string, item: number, slot: number) => ethers.id(`salt/${who}/${item}/${slot}`);

export interface TaskParamsIn {
  merkleRoot: string;
  itemCount: number;
  labelsPerItem: number;
  optionCount: number;
  thresholdBps: number;
  commitDeadline: number;
  revealDeadline: number;
  rewardWei: bigint;
  bondWei: bigint;
  goldRoot: string;
}

export const COMMIT_WINDOW = 3600;
export const REVEAL_WINDOW = 3600;
export const REWARD_WEI = ethers.parseEther("0.01");
/** Default bond per commit: the minimum the contract accepts, one reward. */
export const BOND_WEI = REWARD_WEI;

/** Default task params over `tree`, with deadlines counted from the latest block. */
export async function taskParams(tree: ItemTree, over: Partial<TaskParamsIn> = {}): Promise<TaskParamsIn> {
  const now = await time.latest();
  return {
    merkleRoot: tree.root,
    itemCount: tree.itemHashes.length,
    labelsPerItem: 3,
    optionCount: 4,
    thresholdBps: 5001,
    commitDeadline: now + COMMIT_WINDOW,
    revealDeadline: now + COMMIT_WINDOW + REVEAL_WINDOW,
    rewardWei: REWARD_WEI,
    bondWei: BOND_WEI,
    goldRoot: ethers.ZeroHash,
    ...over,
  };
}

export const fundingOf = (p: TaskParamsIn) => BigInt(p.itemCount) * BigInt(p.labelsPerItem) * p.rewardWei;

/** Deploys LabelingBounties behind a UUPS proxy. */
export async function deployBounties() {
  const [admin, requester, ...labellers] = await ethers.getSigners();
  const bounties = await deployProxy<LabelingBounties>("LabelingBounties", [admin.address, ADMIN_DELAY_SECONDS]);
  return { admin, requester, labellers, bounties };
}

/** Creates a task and returns its id. */
export async function createTask(bounties: LabelingBounties, requester: { address: string }, p: TaskParamsIn) {
  const signer = await ethers.getSigner(requester.address);
  await bounties.connect(signer).createTask(p, { value: fundingOf(p) });
  return bounties.lastTaskId();
}

/** Commits `label` into `slot` of `item` for `labeller` with a deterministic salt; returns the salt. */
export async function commitLabel(
  bounties: LabelingBounties,
  tree: ItemTree,
  taskId: bigint,
  labeller: { address: string },
  item: number,
  slot: number,
  label: number,
) {
  const salt = saltOf(labeller.address, item, slot);
  const signer = await ethers.getSigner(labeller.address);
  const c = commitmentOf(taskId, item, labeller.address, label, salt);
  const { bondWei } = await bounties.getTask(taskId);
  const tx = await bounties
    .connect(signer)
    .commit(taskId, item, slot, tree.itemHashes[item], tree.proof(item), c, { value: bondWei });
  return { salt, tx };
}

/** A Merkle tree of reference (gold) items: (itemIndex, goldLabel) pairs with salts derived from `seed`. */
export class GoldTree extends TaskGoldTree {
  constructor(entries: { item: number; label: number }[], seed = "gold") {
    super(entries.map((e) => ({ ...e, salt: ethers.id(`${seed}/${e.item}`) })));
  }

  /** (label, salt, proof) opening the entry of `item`. */
  opening(item: number): { label: number; salt: string; proof: string[] } {
    const index = this.entries.findIndex((e) => e.item === item);
    if (index < 0) throw new Error(`item ${item} is not a reference item`);
    return { label: this.entries[index].label, salt: this.entries[index].salt, proof: this.proof(index) };
  }
}
