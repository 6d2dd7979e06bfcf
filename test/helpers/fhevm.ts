import { ethers, fhevm } from "hardhat";
import { FhevmType } from "@fhevm/hardhat-plugin";
import { mine } from "@nomicfoundation/hardhat-network-helpers";
import type { AddressLike, Signer } from "ethers";

// The fhevm mock coprocessor scans FHE events block by block and ignores `evm_revert` (@fhevm/mock-utils 0.4.2:
// `handleEvmRevert` is a stub). After `loadFixture` reverts the chain below the last scanned block, every decryption
// fails with "Invalid block filter" and FHE results computed in the re-mined blocks are never evaluated. Tests that
// decrypt call `fheCatchUp()` after their fixture: it mines past every block the coprocessor may have scanned.

/** Generous first jump: covers blocks scanned by decryptions in earlier test files that did not use these helpers. */
const FIRST_JUMP_BLOCKS = 10_000;
let highWater = -1;

/** Moves the chain past the mock coprocessor's scan cursor; call before the FHE operations a test decrypts. */
export async function fheCatchUp(): Promise<void> {
  const tip = await ethers.provider.getBlockNumber();
  if (highWater < 0) highWater = tip + FIRST_JUMP_BLOCKS;
  if (tip <= highWater) await mine(highWater - tip + 1);
}

async function noteScanned(): Promise<void> {
  highWater = Math.max(highWater, await ethers.provider.getBlockNumber());
}

/** User-decrypts a euint256 handle as `user` (throws if `user` or `contract` lacks ACL permission). */
export async function userDecrypt256(handle: string, contract: AddressLike, user: Signer): Promise<bigint> {
  try {
    return await fhevm.userDecryptEuint(FhevmType.euint256, handle, contract, user);
  } finally {
    await noteScanned();
  }
}

/** User-decrypts a euint64 handle as `user`. */
export async function userDecrypt64(handle: string, contract: AddressLike, user: Signer): Promise<bigint> {
  try {
    return await fhevm.userDecryptEuint(FhevmType.euint64, handle, contract, user);
  } finally {
    await noteScanned();
  }
}

/** User-decrypts an ebool handle as `user`. */
export async function userDecryptBool(handle: string, contract: AddressLike, user: Signer): Promise<boolean> {
  try {
    return await fhevm.userDecryptEbool(handle, contract, user);
  } finally {
    await noteScanned();
  }
}
