import { ethers } from "hardhat";
import type { GasRecorder } from "../lib";
import {
  MODEL_FEE_WEI,
  WEIGHTS_HASH,
  deployOracleFixture,
  sendRequest,
  warmCommitmentRing,
} from "../../test/oracle/fixtures";
import { MANIFEST, provenDigit } from "../../test/zk/helpers";
import { deployMnist14Verifier } from "../../test/zk/deploy";

// Proof mode (issue 15), phase B: `fulfilProof` of a real mnist14 proof through the oracle, the callback included
// (StoringConsumer stores one word, 100k callback gas), sent by an address that is neither staked nor assigned.
export default async function zkfulfil(gas: GasRecorder) {
  const f = await deployOracleFixture();
  await warmCommitmentRing(f.oracle);
  const { adapter } = await deployMnist14Verifier();
  const reg = f.registry.connect(f.modelOwner);
  await gas.record(
    "registerProofModel",
    await reg.registerProofModel(WEIGHTS_HASH, "ipfs://mnist14", MODEL_FEE_WEI, adapter, MANIFEST.vkHash),
  );
  const modelId = Number(await f.registry.modelCount());
  await reg.addNode(modelId, f.nodeA.address);
  const digit = await provenDigit(0);
  const r = await sendRequest(f, modelId, { input: ethers.hexlify(digit.input) });
  await gas.record(
    "fulfilProofMnist14",
    await f.oracle.connect(f.stranger).fulfilProof(r.id, r.request, digit.input, digit.output, digit.proof),
  );
  // Two proofs in one fulfilProofBatch (the runner's path when two or more are ready): one intrinsic cost, and the
  // node's credit slot written once warm per extra item.
  const other = await provenDigit(1500);
  const r1 = await sendRequest(f, modelId, { input: ethers.hexlify(digit.input) });
  const r2 = await sendRequest(f, modelId, { input: ethers.hexlify(other.input) });
  const call = (q: typeof r1, c: typeof digit) =>
    f.oracle.interface.encodeFunctionData("fulfilProof", [q.id, q.request, c.input, c.output, c.proof]);
  await gas.record(
    "fulfilProofBatch2Mnist14",
    await f.oracle.connect(f.stranger).fulfilProofBatch([call(r1, digit), call(r2, other)]),
  );
  // Steady state: the same prover again (its credit slot already written), the consumer storing one word.
  const r3 = await sendRequest(f, modelId, { input: ethers.hexlify(other.input) });
  await gas.record(
    "fulfilProofMnist14Returning",
    await f.oracle.connect(f.stranger).fulfilProof(r3.id, r3.request, other.input, other.output, other.proof),
  );
}
