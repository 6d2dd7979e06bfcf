import { ethers } from "hardhat";

// The AIOracle's storage as tests read and rewrite it (issue 13's hot slot and the layout before it).

type HasAddress = { getAddress(): Promise<string> };

/** ERC-7201 namespace of AIOracleStorage.Layout. Field slots in declaration order: registry + requestCount (0),
 * Config (1-2), FeeConfig (3), protocolFeesWei (4), staking (5), treasury (6), commitments (7), credits (8), lateness,
 * votes, voteCounts, proposals, challengeVoted, challengeVoters, modelTerms, modelVerification, modelNodes (9-17),
 * sources (18), hot (19), commitmentRing (20 .. 20 + 4095). */
export const ORACLE_STORAGE = BigInt("0x644d4b16682ca8ec79740f08bf7a056ce84d41a9a4f9d2dbabd06963a33ee900");
export const REGISTRY_AND_COUNT_SLOT = ORACLE_STORAGE;
export const COMMITMENTS_SLOT = ORACLE_STORAGE + 7n;
export const SOURCES_SLOT = ORACLE_STORAGE + 18n;
export const HOT_SLOT = ORACLE_STORAGE + 19n;
export const RING_SLOT = ORACLE_STORAGE + 20n;
export const RING_SIZE = 4096n;
/** OpenZeppelin PausableUpgradeable's namespace: the pause flag before the hot slot. */
export const PAUSABLE_SLOT = BigInt("0xcd5ed15c6e187e77e9aee88184c21f4f2182ab5827cb3b7e07fbedcd63f03300");

// Bit layout of the hot slot (AIOracleCore).
export const COUNT_MASK = (1n << 64n) - 1n;
export const READY = 1n << 64n;
export const PAUSED = 1n << 65n;
export const bit = (word: bigint, at: bigint) => (word >> at) & 1n;
export const field = (word: bigint, at: bigint, bits: bigint) => (word >> at) & ((1n << bits) - 1n);

export async function slot(contract: HasAddress, at: bigint): Promise<bigint> {
  return BigInt(await ethers.provider.getStorage(await contract.getAddress(), at));
}

/** Where request `id`'s commitment word is stored, as `AIOracleCore.slotOf` finds it: its ring slot when that is tagged
 * with the id's lap (laps below 0xffffff, the warmed marker's tag), else its `commitments` entry. */
export async function commitmentWord(oracle: HasAddress, id: bigint): Promise<{ word: bigint; inRing: boolean }> {
  const lap = id / RING_SIZE;
  const ring = await slot(oracle, RING_SLOT + (id % RING_SIZE));
  if (lap < 0xffffffn && ring !== 0n && field(ring, 40n, 24n) === lap) return { word: ring, inRing: true };
  return { word: await slot(oracle, commitmentsSlotOf(id)), inRing: false };
}

export async function setSlot(contract: HasAddress, at: bigint, value: bigint) {
  await ethers.provider.send("hardhat_setStorageAt", [
    await contract.getAddress(),
    ethers.toBeHex(at),
    ethers.toBeHex(value, 32),
  ]);
}

/** The `sources` word of the layout before the hot slot, holding the same cache flags as `hot`. */
export function legacySources(hot: bigint): bigint {
  return (
    bit(hot, 66n) |
    (field(hot, 133n, 96n) << 8n) |
    (field(hot, 68n, 16n) << 136n) |
    (bit(hot, 67n) << 152n) |
    (field(hot, 85n, 16n) << 160n) |
    (bit(hot, 84n) << 176n)
  );
}

/**
 * Puts a live oracle's state back into the layout before the hot slot, as an upgrade from that implementation finds
 * it: count next to the registry, flags in `sources`, pause flag in OpenZeppelin's slot, and an empty hot slot.
 * Returns the hot slot it held.
 */
export async function toLegacyLayout(oracle: HasAddress): Promise<bigint> {
  const hot = await slot(oracle, HOT_SLOT);
  const registryWord = await slot(oracle, REGISTRY_AND_COUNT_SLOT);
  await setSlot(oracle, REGISTRY_AND_COUNT_SLOT, (registryWord & ((1n << 160n) - 1n)) | ((hot & COUNT_MASK) << 160n));
  await setSlot(oracle, SOURCES_SLOT, legacySources(hot));
  await setSlot(oracle, PAUSABLE_SLOT, bit(hot, 65n));
  await setSlot(oracle, HOT_SLOT, 0n);
  return hot;
}

/** The `commitments` entry of request `id`: where a request lives when its ring slot is busy, past the ring's laps,
 * or (also) once refunded out of the ring; the only place before the ring. */
export function commitmentsSlotOf(id: bigint): bigint {
  return BigInt(
    ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [id, COMMITMENTS_SLOT])),
  );
}

/** Raises (or sets) the request count so that the next request gets id `nextId`: how tests reach a later lap of the
 * commitment ring without sending 4096 requests. */
export async function setNextRequestId(oracle: HasAddress, nextId: bigint) {
  const hot = await slot(oracle, HOT_SLOT);
  await setSlot(oracle, HOT_SLOT, (hot & ~COUNT_MASK) | (nextId - 1n));
}
