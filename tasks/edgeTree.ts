import { AbiCoder, keccak256, type Signer, type TypedDataDomain } from "ethers";
import { SortedPairTree } from "./merkle";

/** One node's line in an epoch's uptime report. */
export interface UptimeEntry {
  node: string;
  uptime: number;
}

/** The leaf EdgeNodeRegistry checks: keccak256(keccak256(abi.encode(node, epoch, uptime))). */
export function uptimeLeaf(node: string, epoch: bigint | number, uptime: number): string {
  return keccak256(
    keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint64", "uint32"], [node, epoch, uptime])),
  );
}

/** The Merkle tree of an epoch's report, with the total the contract splits the budget by. */
export class UptimeTree extends SortedPairTree {
  readonly total: number;

  constructor(
    readonly epoch: bigint | number,
    readonly entries: UptimeEntry[],
  ) {
    super(entries.map((e) => uptimeLeaf(e.node, epoch, e.uptime)));
    this.total = entries.reduce((sum, e) => sum + e.uptime, 0);
  }

  /** Proof of `node`'s entry; throws when the report has none. */
  proofOf(node: string): { uptime: number; proof: string[] } {
    const i = this.entries.findIndex((e) => e.node.toLowerCase() === node.toLowerCase());
    if (i < 0) throw new Error(`node ${node} is not in epoch ${this.epoch}'s report`);
    return { uptime: this.entries[i].uptime, proof: this.proof(i) };
  }
}

/** EIP-712 heartbeat types (must match EdgeNodeRegistry.HEARTBEAT_TYPEHASH). */
export const HEARTBEAT_TYPES = {
  Heartbeat: [
    { name: "node", type: "address" },
    { name: "epoch", type: "uint64" },
    { name: "slot", type: "uint32" },
  ],
};

/** The registry's EIP-712 domain. */
export function edgeDomain(chainId: bigint | number, registry: string): TypedDataDomain {
  return { name: "Axon EdgeNodeRegistry", version: "1", chainId, verifyingContract: registry };
}

/** Signs the heartbeat of `slot` in `epoch` for `node` with the device key. */
export function signHeartbeat(
  signer: Signer,
  domain: TypedDataDomain,
  node: string,
  epoch: bigint | number,
  slot: number,
): Promise<string> {
  return signer.signTypedData(domain, HEARTBEAT_TYPES, { node, epoch, slot });
}
