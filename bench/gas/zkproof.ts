import { ethers } from "hardhat";
import type { GasRecorder } from "../lib";
import { packPublicInputs } from "../../offchain/src/backends/zkmlp";
import { MANIFEST, proofWords, provenDigit } from "../../test/zk/helpers";
import { deployMnist14Verifier } from "../../test/zk/deploy";

// Proof mode (issue 15), phase A: one mined verification of a real mnist14 proof through the adapter (binding of
// 196 input + 41 output bytes into 8 public inputs, encoding checks, Groth16 pairing), called from a probe contract.
// The oracle's fulfil adds its own bookkeeping and the callback on top (phase B).
export default async function zkproof(gas: GasRecorder) {
  const { groth16, adapter } = await deployMnist14Verifier();
  const probe = await (await ethers.getContractFactory("ProofVerifierProbe")).deploy();
  const digit = await provenDigit(0);
  await gas.record("verifyMnist14Tx", await probe.check(adapter, digit.input, digit.output, digit.proof));
  // The same verification sent straight to the adapter, and the generated verifier alone (view functions, sent as
  // transactions so the figures are mined gasUsed like every other operation: intrinsic 21k and calldata included).
  const [sender] = await ethers.getSigners();
  const send = (to: string, data: string) => sender.sendTransaction({ to, data });
  await gas.record(
    "verifyMnist14Direct",
    await send(
      await adapter.getAddress(),
      adapter.interface.encodeFunctionData("verify", [digit.input, digit.output, digit.proof]),
    ),
  );
  const w = proofWords(digit.proof);
  await gas.record(
    "groth16VerifyProof",
    await send(
      await groth16.getAddress(),
      groth16.interface.encodeFunctionData("verifyProof", [
        [w[0], w[1]],
        [
          [w[2], w[3]],
          [w[4], w[5]],
        ],
        [w[6], w[7]],
        packPublicInputs(digit.input, digit.output),
      ]),
    ),
  );
}
