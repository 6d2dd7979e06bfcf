import { AbiCoder, keccak256 } from "ethers";
import { SortedPairTree as SdkSortedPairTree } from "../sdk/src/merkle";

const coder = AbiCoder.defaultAbiCoder();

/** The leaf of (itemIndex, itemHash) as LabelingBounties checks it: keccak256(keccak256(abi.encode(i, hash))). */
export function itemLeaf(itemIndex: bigint | number, itemHash: string): string {
  return keccak256(keccak256(coder.encode(["uint256", "bytes32"], [itemIndex, itemHash])));
}

/**
 * A Merkle tree compatible with OpenZeppelin MerkleProof (sorted pairs; an odd node moves up): the SDK's
 * (sdk/src/merkle.ts), so tasks, demos, tests and integrators build one tree. Leaves are 32-byte hex strings.
 */
export class SortedPairTree extends SdkSortedPairTree {
  constructor(leaves: string[]) {
    super(leaves as `0x${string}`[]);
  }
}

/** The Merkle tree of a bounty's items: leaves `itemLeaf(i, itemHashes[i])`. */
export class ItemTree extends SortedPairTree {
  constructor(readonly itemHashes: string[]) {
    super(itemHashes.map((h, i) => itemLeaf(i, h)));
  }
}

/** keccak256(abi.encode(taskId, itemIndex, labeller, label, salt)): a labeller's commitment. */
export function labelCommitment(taskId: bigint, itemIndex: number, labeller: string, label: number, salt: string) {
  return keccak256(
    coder.encode(["uint256", "uint256", "address", "uint8", "bytes32"], [taskId, itemIndex, labeller, label, salt]),
  );
}

/** The leaf of a reference (gold) item: keccak256(keccak256(abi.encode(itemIndex, goldLabel, salt))). */
export function goldLeaf(itemIndex: number, goldLabel: number, salt: string): string {
  return keccak256(keccak256(coder.encode(["uint256", "uint8", "bytes32"], [itemIndex, goldLabel, salt])));
}

/** One reference item: its index, known answer and the salt that hides it in the gold root. */
export interface GoldEntry {
  item: number;
  label: number;
  salt: string;
}

/** The Merkle tree of a task's reference items: leaves `goldLeaf(item, label, salt)`. */
export class GoldTree extends SortedPairTree {
  constructor(readonly entries: GoldEntry[]) {
    super(entries.map((e) => goldLeaf(e.item, e.label, e.salt)));
  }
}
