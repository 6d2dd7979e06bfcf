import { type Hex, concat, keccak256 } from "viem";

function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/**
 * A Merkle tree compatible with OpenZeppelin `MerkleProof` (sorted pairs; an odd node moves up unhashed), the tree
 * of edge uptime reports and synthetic datasets' provenance. The same construction as tasks/merkle.ts.
 */
export class SortedPairTree {
  private readonly layers: Hex[][];

  constructor(readonly leaves: readonly Hex[]) {
    if (leaves.length === 0) throw new RangeError("a Merkle tree needs at least one leaf");
    const layers: Hex[][] = [[...leaves]];
    while (layers[layers.length - 1].length > 1) {
      const prev = layers[layers.length - 1];
      const next: Hex[] = [];
      for (let i = 0; i < prev.length; i += 2)
        next.push(i + 1 < prev.length ? hashPair(prev[i], prev[i + 1]) : prev[i]);
      layers.push(next);
    }
    this.layers = layers;
  }

  /** The root the contract stores. */
  get root(): Hex {
    return this.layers[this.layers.length - 1][0];
  }

  /** The proof of the `index`-th leaf. */
  proof(index: number): Hex[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.leaves.length)
      throw new RangeError(`leaf ${index} is out of range (the tree has ${this.leaves.length} leaves)`);
    const out: Hex[] = [];
    let i = index;
    for (const layer of this.layers.slice(0, -1)) {
      if ((i ^ 1) < layer.length) out.push(layer[i ^ 1]);
      i >>= 1;
    }
    return out;
  }
}
