import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  circuitInput,
  downsample28,
  encodeProvenClassification,
  inferInteger,
  type QuantisedMlp,
} from "../../offchain/src/backends/zkmlp";
import { encodeProof } from "../../offchain/src/backends/zkproof";
import { loadMnist } from "../../offchain/scripts/lib/mnist";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const snarkjs = require("snarkjs");

export const ZK_DIR = join(__dirname, "..", "..", "zk", "build", "mnist14");
export const MANIFEST = JSON.parse(readFileSync(join(ZK_DIR, "manifest.json"), "utf8"));
export const VERIFICATION_KEY = JSON.parse(readFileSync(join(ZK_DIR, "verification_key.json"), "utf8"));
export const MODEL: QuantisedMlp = JSON.parse(readFileSync(join(ZK_DIR, "model.json"), "utf8"));

export interface ProvenCase {
  input: Uint8Array;
  output: Uint8Array;
  proof: Uint8Array;
  label: number;
}

/** Held-out digit `n` (downsampled), its integer output and a real Groth16 proof from the committed key. */
export async function provenDigit(n: number): Promise<ProvenCase> {
  const input = downsample28(loadMnist().test.images[n]);
  const result = inferInteger(MODEL, input);
  const output = encodeProvenClassification(result);
  const { proof } = await snarkjs.groth16.fullProve(
    circuitInput(input, output),
    join(ZK_DIR, "circuit.wasm"),
    join(ZK_DIR, "circuit.zkey"),
    undefined,
    undefined,
    { singleThread: true },
  );
  return { input, output, proof: encodeProof(proof), label: result.label };
}

/** The 8 proof words as bigints. */
export const proofWords = (proof: Uint8Array): bigint[] =>
  Array.from({ length: 8 }, (_, i) => BigInt("0x" + Buffer.from(proof.subarray(32 * i, 32 * i + 32)).toString("hex")));

export const wordsToProof = (words: bigint[]): Uint8Array =>
  Uint8Array.from(Buffer.concat(words.map((w) => Buffer.from(w.toString(16).padStart(64, "0"), "hex"))));

/** BN254 base field modulus. */
export const P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
