import { AbiCoder, keccak256 } from "ethers";

/** A snarkjs Groth16 verification key (the fields the hash covers). */
export interface VerificationKey {
  vk_alpha_1: string[];
  vk_beta_2: string[][];
  vk_gamma_2: string[][];
  vk_delta_2: string[][];
  IC: string[][];
}

/** G2 point in the EVM precompile's order (x.c1, x.c0, y.c1, y.c0), as the generated verifier stores it. */
const g2 = (p: string[][]): string[] => [p[0][1], p[0][0], p[1][1], p[1][0]];

/**
 * The verification key's hash a Proof model is registered with: keccak256(abi.encode(uint256[2] alpha,
 * uint256[4] beta, uint256[4] gamma, uint256[4] delta, uint256[2][] ic)), G2 points in precompile order.
 */
export function vkHash(vk: VerificationKey): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint256[2]", "uint256[4]", "uint256[4]", "uint256[4]", "uint256[2][]"],
      [
        vk.vk_alpha_1.slice(0, 2),
        g2(vk.vk_beta_2),
        g2(vk.vk_gamma_2),
        g2(vk.vk_delta_2),
        vk.IC.map((p) => p.slice(0, 2)),
      ],
    ),
  );
}
