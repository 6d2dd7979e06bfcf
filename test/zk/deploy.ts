import { ethers } from "hardhat";
import { MANIFEST } from "./helpers";

/**
 * The shipped mnist14 circuit's generated Groth16 verifier behind its IProofVerifier adapter, sized and keyed by the
 * build manifest (196 input bytes, 41 output bytes, 8 public inputs). Separate from ./helpers, which the SDK's anvil
 * tests load outside Hardhat.
 */
export async function deployMnist14Verifier() {
  const groth16 = await (await ethers.getContractFactory("Mnist14Groth16Verifier")).deploy();
  const adapter = await (
    await ethers.getContractFactory("Groth16ProofVerifier")
  ).deploy(groth16, MANIFEST.vkHash, MANIFEST.inputBytes, MANIFEST.outputBytes, MANIFEST.publicInputs);
  return { groth16, adapter };
}
