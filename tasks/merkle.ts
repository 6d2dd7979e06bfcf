import { AbiCoder, concat, keccak256 } from "ethers";

const coder = AbiCoder.defaultAbiCoder();

/** The leaf of (itemIndex, itemHash) as LabelingBounties checks it: keccak256(keccak256(abi.encode(i, hash))). */
export function itemLeaf(itemIndex: bigint | number, itemHash: string): string {
  return keccak256(keccak256(coder.encode(["uint256", "bytes32"], [itemIndex, itemHash])));
}

function hashPair(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/** A Merkle tree over `leaves` compatible with OpenZeppelin MerkleProof (sorted pairs; an odd node moves up). */
export class SortedPairTree {
  private readonly layers: string[][];

  constructor(leaves: string[]) {
    const layers = [leaves];
    while (layers[layers.length - 1].length > 1) {
      const prev = layers[layers.length - 1];
      const next: string[] = [];
      for (let i = 0; i < prev.length; i += 2)
        next.push(i + 1 < prev.length ? hashPair(prev[i], prev[i + 1]) : prev[i]);
      layers.push(next);
    }
    this.layers = layers;
  }

  get root(): string {
    return this.layers[this.layers.length - 1][0];
  }

  /** Proof of the `index`-th leaf. */
  proof(index: number): string[] {
    const out: string[] = [];
    let i = index;
    for (const layer of this.layers.slice(0, -1)) {
      if ((i ^ 1) < layer.length) out.push(layer[i ^ 1]);
      i >>= 1;
    }
    return out;
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
