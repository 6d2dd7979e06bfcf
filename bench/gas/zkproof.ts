import { ethers } from "hardhat";
import type { GasRecorder } from "../lib";
import { MANIFEST, provenDigit } from "../../test/zk/helpers";

// Proof mode (issue 15), phase A: one mined verification of a real mnist14 proof through the adapter (binding of
// 196 input + 41 output bytes into 8 public inputs, encoding checks, Groth16 pairing), called from a probe contract.
// The oracle's fulfil adds its own bookkeeping and the callback on top (phase B).
export default async function zkproof(gas: GasRecorder) {
  const groth16 = await (await ethers.getContractFactory("Mnist14Groth16Verifier")).deploy();
  const adapter = await (
    await ethers.getContractFactory("Groth16ProofVerifier")
  ).deploy(groth16, MANIFEST.vkHash, MANIFEST.inputBytes, MANIFEST.outputBytes, MANIFEST.publicInputs);
  const probe = await (await ethers.getContractFactory("ProofVerifierProbe")).deploy();
  const digit = await provenDigit(0);
  await gas.record("verifyMnist14Tx", await probe.check(adapter, digit.input, digit.output, digit.proof));
  // The same verification as a bare call (intrinsic 21k + calldata included, no probe or event).
  await gas.record("verifyMnist14Call", await adapter.verify.estimateGas(digit.input, digit.output, digit.proof));
  await gas.record(
    "groth16VerifyProofCall",
    await groth16.verifyProof.estimateGas(...(await groth16Args(digit.input, digit.output, digit.proof))),
  );
}

async function groth16Args(input: Uint8Array, output: Uint8Array, proof: Uint8Array) {
  const { packPublicInputs } = await import("../../offchain/src/backends/zkmlp");
  const w = Array.from({ length: 8 }, (_, i) =>
    BigInt("0x" + Buffer.from(proof.subarray(32 * i, 32 * i + 32)).toString("hex")),
  );
  return [
    [w[0], w[1]],
    [
      [w[2], w[3]],
      [w[4], w[5]],
    ],
    [w[6], w[7]],
    packPublicInputs(input, output),
  ] as const;
}
