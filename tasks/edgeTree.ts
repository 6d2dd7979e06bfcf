import type { Signer, TypedDataDomain } from "ethers";
import {
  HEARTBEAT_TYPES as SDK_HEARTBEAT_TYPES,
  type UptimeEntry as SdkUptimeEntry,
  UptimeTree as SdkUptimeTree,
  uptimeLeaf as sdkUptimeLeaf,
} from "../sdk/src/merkle";

type Address = `0x${string}`;

/** One node's line in an epoch's uptime report. */
export interface UptimeEntry {
  node: string;
  uptime: number;
}

/** The leaf EdgeNodeRegistry checks (the SDK's `uptimeLeaf`, for ethers' string addresses). */
export function uptimeLeaf(node: string, epoch: bigint | number, uptime: number): string {
  return sdkUptimeLeaf(node as Address, BigInt(epoch), uptime);
}

/** The Merkle tree of an epoch's report (the SDK's `UptimeTree`), with the total the contract splits the budget by. */
export class UptimeTree extends SdkUptimeTree {
  constructor(epoch: bigint | number, entries: UptimeEntry[]) {
    super(BigInt(epoch), entries as SdkUptimeEntry[]);
  }

  /** Proof of `node`'s entry; throws when the report has none. */
  override proofOf(node: string): { uptime: number; proof: Address[] } {
    return super.proofOf(node as Address);
  }
}

/** EIP-712 heartbeat types (must match EdgeNodeRegistry.HEARTBEAT_TYPEHASH). */
export const HEARTBEAT_TYPES = {
  Heartbeat: [...SDK_HEARTBEAT_TYPES.Heartbeat],
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
