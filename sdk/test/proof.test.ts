import { expect } from "chai";
import { type Hex, bytesToHex, getAddress, keccak256, parseEther, toHex, zeroAddress } from "viem";
import { decodeRequestCreated, encodeFulfilProofBatchBytes, encodeFulfilProofBytes } from "../../offchain/src/oracle";
import { MANIFEST, type ProvenCase, provenDigit } from "../../test/zk/helpers";
import {
  AIOracleProofRejected,
  MODE_PROOF,
  ModelRegistryVkHashMismatch,
  decodeProvenClassification,
  encodeFulfilProof,
  encodeFulfilProofBatch,
  encodeProvenClassification,
  termsOf,
} from "../src/index.js";
import { type TestChain, testChain } from "./chain";

// Accounts past anvil's ten funded ones (the other suites use 0..9), funded here.
const NODE = 14;
const OWNER = 15;
const USER = 16;
const PROVER = 17;
const GAS = 200_000;

describe("Proof mode: a Proof model, its requests answered with real Groth16 proofs", function () {
  let c: TestChain;
  let modelId: bigint;
  let verifier: Hex;
  let consumer: Hex;
  let a: ProvenCase;
  let b: ProvenCase;

  before(async function () {
    c = await testChain();
    for (const i of [NODE, OWNER, USER, PROVER])
      await c.rpc("anvil_setBalance", [c.account(i).address, `0x${parseEther("100").toString(16)}`]);
    [a, b] = await Promise.all([provenDigit(0), provenDigit(1500)]);
    const groth16 = await c.deploy("contracts/oracle/proof/Mnist14Groth16Verifier.sol/Mnist14Groth16Verifier.json", []);
    verifier = getAddress(
      await c.deploy("contracts/oracle/proof/Groth16ProofVerifier.sol/Groth16ProofVerifier.json", [
        groth16,
        MANIFEST.vkHash,
        196,
        41,
        8,
      ]),
    );
    consumer = await c.deploy("contracts/mocks/oracle/OracleConsumerMocks.sol/StoringConsumer.json", []);
    await c.axon(NODE).staking.stake("oracle", parseEther("1"));
  });

  it("models.registerProof reads the verifier's key hash; a wrong one is a typed error", async function () {
    const { models } = c.axon(OWNER);
    const params = {
      weightsHash: keccak256(toHex("mnist14")),
      metadataURI: "ipfs://mnist14",
      feeWei: parseEther("0.001"),
    };
    const other = keccak256(toHex("other"));
    const wrong = await models.registerProof({ ...params, verifier, vkHash: other }).catch((e: unknown) => e);
    expect(wrong).to.be.instanceOf(ModelRegistryVkHashMismatch);
    expect((wrong as ModelRegistryVkHashMismatch).args).to.deep.equal({
      verifier,
      expectedVkHash: other,
      actualVkHash: MANIFEST.vkHash,
    });
    ({ modelId } = await models.registerProof({ ...params, verifier }));
    expect(await models.proofVerifierOf(modelId)).to.equal(verifier);
    const plain = await models.register({ ...params, metadataURI: "ipfs://plain" });
    expect(await models.proofVerifierOf(plain.modelId)).to.equal(zeroAddress);
    await models.addNode(modelId, c.account(NODE).address);
    expect((await models.get(modelId)).verification.mode).to.equal(MODE_PROOF);
  });

  it("a request answered by anyone with a proof: waitForResult decodes the proven classification", async function () {
    const user = c.axon(USER).oracle;
    const { requestId } = await user.request({
      modelId,
      input: bytesToHex(a.input),
      callback: consumer,
      callbackGasLimit: GAS,
    });
    expect(termsOf((await user.getRequest(requestId)).request).mode).to.equal(MODE_PROOF);
    const forged = await c
      .axon(PROVER)
      .oracle.fulfilProof(requestId, { output: bytesToHex(b.output), proof: bytesToHex(a.proof) })
      .catch((e: unknown) => e);
    expect(forged).to.be.instanceOf(AIOracleProofRejected);
    expect((forged as AIOracleProofRejected).args).to.deep.equal({ requestId });
    // The prover is neither staked nor assigned: the proof is the guarantee.
    await c.axon(PROVER).oracle.fulfilProof(requestId, { output: bytesToHex(a.output), proof: bytesToHex(a.proof) });
    const result = await user.waitForResult(requestId, { decode: "proven", timeoutMs: 10_000 });
    if (result.status !== "fulfilled") throw new Error(`expected fulfilled, got ${result.status}`);
    expect(result.output).to.equal(bytesToHex(a.output));
    expect(result.node).to.equal(c.account(PROVER).address);
    expect(result.provenClassification).to.deep.equal(decodeProvenClassification(a.output, 10));
    expect(result.provenClassification!.label).to.equal(a.label);
  });

  it("encodeFulfilProofBatch: node software's calldata, recovered by waitForResult; byte-equal to the runner's", async function () {
    const user = c.axon(USER).oracle;
    const { requestId } = await user.request({
      modelId,
      input: bytesToHex(b.input),
      callback: consumer,
      callbackGasLimit: GAS,
    });
    const created = await user.getRequest(requestId);
    const result = { output: bytesToHex(b.output), proof: bytesToHex(b.proof) };
    // The runner's own path: its watcher decodes the RequestCreated log, its submitter encodes the calldata.
    const receipt = await c.publicClient.getTransactionReceipt({ hash: created.transactionHash });
    const log = receipt.logs.find((l) => l.address.toLowerCase() === user.address.toLowerCase())!;
    const decoded = decodeRequestCreated(log.topics, log.data);
    const item = { requestId, requestEnc: decoded.requestEnc, input: b.input, output: b.output, proof: b.proof };
    expect(bytesToHex(encodeFulfilProofBytes(item))).to.equal(encodeFulfilProof(created, result));
    const data = encodeFulfilProofBatch([{ created, result }]);
    expect(bytesToHex(encodeFulfilProofBatchBytes([item]))).to.equal(data);
    // A skipped item does not revert the batch, so gas estimation could settle below the verifier's: give it room.
    const hash = await c.wallet(PROVER).sendTransaction({ to: user.address, data, gas: 2_000_000n });
    await c.publicClient.waitForTransactionReceipt({ hash });
    const res = await user.waitForResult(requestId, { decode: "proven", timeoutMs: 10_000 });
    if (res.status !== "fulfilled") throw new Error(`expected fulfilled, got ${res.status}`);
    expect(res.provenClassification).to.deep.equal({
      label: b.label,
      logits: decodeProvenClassification(b.output).logits,
    });
  });

  it("proven classifications: encode/decode round trip, negative logits, malformed bytes refused", function () {
    const v = { label: 2, logits: [-5, 2147483647, -2147483648] };
    const bytes = encodeProvenClassification(v);
    expect(bytesToHex(bytes)).to.equal("0x02fffffffb7fffffff80000000");
    expect(decodeProvenClassification(bytesToHex(bytes))).to.deep.equal(v);
    expect(() => decodeProvenClassification("0x0200")).to.throw(
      "not a proven classification: 2 bytes (expected 1 + 4 x classes)",
    );
    expect(() => decodeProvenClassification(bytes, 4)).to.throw("a proven classification of 4 classes is 17 bytes");
    expect(() => decodeProvenClassification("0x0300000001")).to.throw("label 3 is out of range for 1 classes");
  });
});
