import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { keccak256 } from "ethers";

export type Hex32 = `0x${string}`;

/** keccak256 of the model file's bytes: the weights hash registered on-chain in ModelRegistry. */
export async function hashModelFile(path: string): Promise<Hex32> {
  return keccak256(await readFile(path)) as Hex32;
}

/** sha256 of the model file's bytes (hex, no prefix), the usual checksum for downloads and manifests. */
export async function sha256ModelFile(path: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

/** Thrown when a model file does not hash to the weights hash the runner was told to serve. */
export class ModelHashMismatchError extends Error {
  constructor(
    readonly path: string,
    readonly expected: Hex32,
    readonly actual: Hex32,
  ) {
    super(`model file ${path} hashes to ${actual} but the expected (on-chain) weights hash is ${expected}`);
    this.name = "ModelHashMismatchError";
  }
}

/** Refuses a model whose file does not hash to `expected` (compared case-insensitively); returns the hash. */
export async function verifyModelHash(path: string, expected: string): Promise<Hex32> {
  const actual = await hashModelFile(path);
  if (actual.toLowerCase() !== expected.toLowerCase())
    throw new ModelHashMismatchError(path, expected as Hex32, actual);
  return actual;
}
