import { type Address, type Hex, concat, encodeAbiParameters, keccak256 } from "viem";

function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/**
 * A Merkle tree compatible with OpenZeppelin `MerkleProof` (sorted pairs; an odd node moves up unhashed), the tree
 * of edge uptime reports, synthetic datasets' provenance and (through tasks/merkle.ts) labelling bounties' items.
 * This module and its leaf formats import nothing generated, so the Hardhat tasks build the same trees with it.
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

// ---- synthetic-data provenance (SyntheticProvenance) ------------------------------------------------------------

/** The recorder's view of one request (`ISyntheticProvenance.RecordStatus`, in order). */
export const RECORD_STATUS = ["unknown", "pending", "fulfilled", "errored"] as const;
export type RecordStatus = (typeof RECORD_STATUS)[number];

/** One checked leaf of a provenance report. */
export interface LeafReport {
  index: number;
  requestId: bigint;
  record: RecordStatus;
  verified: boolean;
}

/**
 * A buyer's check of a listed synthetic dataset (`provenance.verify`, and the `data:verify-provenance` task with
 * `H = string` for ethers' hex strings).
 */
export interface ProvenanceReport<H extends string = Hex> {
  datasetId: bigint;
  runId: bigint;
  modelId: bigint;
  root: H;
  leafCount: number;
  rebuiltRoot: H;
  rootMatches: boolean;
  leaves: LeafReport[];
  verified: number;
  /** Every check passed: the rebuilt root is the listed one and every checked leaf verified on chain. */
  ok: boolean;
}

/** One recorded generation: what a synthetic dataset's leaf commits to. */
export interface Generation {
  requestId: bigint;
  inputHash: Hex;
  outputHash: Hex;
}

/** A recorded generation with its output bytes (from `GenerationRecorded`). */
export interface RecordedGeneration extends Generation {
  output: Hex;
}

/** keccak256(abi.encode(requestId, modelId, inputHash, outputHash)): the leaf SyntheticProvenance records. */
export function provenanceLeaf(modelId: bigint, g: Generation): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "uint256" }, { type: "bytes32" }, { type: "bytes32" }],
      [g.requestId, modelId, g.inputHash, g.outputHash],
    ),
  );
}

/** The Merkle tree (sorted pairs, OpenZeppelin MerkleProof) of a synthetic dataset of `modelId`. */
export class ProvenanceTree extends SortedPairTree {
  constructor(
    readonly modelId: bigint,
    readonly generations: readonly Generation[],
  ) {
    super(generations.map((g) => provenanceLeaf(modelId, g)));
  }
}

// ---- edge uptime reports (EdgeNodeRegistry) ----------------------------------------------------------------------

/** The leaf EdgeNodeRegistry checks for `node`'s uptime in `epoch`: keccak256(keccak256(abi.encode(node, epoch, uptime))). */
export function uptimeLeaf(node: Address, epoch: bigint, uptime: number): Hex {
  return keccak256(
    keccak256(
      encodeAbiParameters([{ type: "address" }, { type: "uint64" }, { type: "uint32" }], [node, epoch, uptime]),
    ),
  );
}

/** One node's line in an epoch's uptime report. */
export interface UptimeEntry {
  node: Address;
  uptime: number;
}

/** The Merkle tree of an epoch's uptime report (what `postReport` posts), with the total the budget is split by. */
export class UptimeTree extends SortedPairTree {
  readonly total: number;

  constructor(
    readonly epoch: bigint,
    readonly entries: readonly UptimeEntry[],
  ) {
    super(entries.map((e) => uptimeLeaf(e.node, epoch, e.uptime)));
    this.total = entries.reduce((sum, e) => sum + e.uptime, 0);
  }

  /** `node`'s uptime and proof, what `claimUptime` takes; throws a RangeError when the report has no line for it. */
  proofOf(node: Address): { uptime: number; proof: Hex[] } {
    const i = this.entries.findIndex((e) => e.node.toLowerCase() === node.toLowerCase());
    if (i < 0) throw new RangeError(`node ${node} is not in epoch ${this.epoch}'s report`);
    return { uptime: this.entries[i].uptime, proof: this.proof(i) };
  }
}

/** EIP-712 types of a heartbeat (`EdgeNodeRegistry.HEARTBEAT_TYPEHASH`). */
export const HEARTBEAT_TYPES = {
  Heartbeat: [
    { name: "node", type: "address" },
    { name: "epoch", type: "uint64" },
    { name: "slot", type: "uint32" },
  ],
} as const;
