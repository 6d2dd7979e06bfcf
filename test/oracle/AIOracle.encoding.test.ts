import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { CALLBACK_GAS, commitmentOf, deployOracleFixture, emittedRequest, STATE_PENDING } from "./fixtures";
import { commitmentWord, field } from "./hotSlot";

// The hot path writes `RequestCreated`'s data, the commitment preimage and the callback's calldata by hand (issue
// 13: one copy of each field, no ABI encoder). This suite is their specification: for any input, callback data and
// output (lengths around the 32-byte word boundaries included) and for one or three assigned nodes, each is exactly
// the canonical ABI encoding an indexer, the runner or a Solidity consumer decodes.

const REQUEST_TUPLE =
  "tuple(address requester,address callback,uint256 modelId,bytes32 inputHash,uint256 receiverFee,uint256 fees,uint256 timing,bytes callbackData,address[] nodes)";
const coder = ethers.AbiCoder.defaultAbiCoder();

async function recordingFixture() {
  const f = await deployOracleFixture();
  const recorder = await (await ethers.getContractFactory("CalldataRecordingConsumer")).deploy();
  return { ...f, recorder };
}

const lengths = fc.oneof(fc.constantFrom(0, 1, 31, 32, 33, 63, 64, 65), fc.nat(300));
const bytesOf = (length: fc.Arbitrary<number>) =>
  length.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })).map((b) => ethers.hexlify(b));

describe("AIOracle hand-written encodings", function () {
  it("emits RequestCreated as abi.encode(request, input) and commits to the documented preimage", async function () {
    const f = await loadFixture(recordingFixture);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 2),
        bytesOf(lengths),
        bytesOf(lengths),
        async (modelId, input, callbackData) => {
          const fee = await f.oracle.quote(modelId, CALLBACK_GAS);
          const tx = await f.oracle
            .connect(f.requester)
            .request(modelId, input, await f.recorder.getAddress(), CALLBACK_GAS, callbackData, { value: fee });
          const emitted = await emittedRequest(f.oracle, tx);
          const r = emitted.request;
          expect(r.requester).to.equal(f.requester.address);
          expect(r.callback).to.equal(await f.recorder.getAddress());
          expect(r.modelId).to.equal(BigInt(modelId));
          expect(r.inputHash).to.equal(ethers.keccak256(input));
          expect(r.callbackData).to.equal(callbackData);
          expect(emitted.input).to.equal(input);
          expect(r.nodes.length).to.equal(modelId === 1 ? 1 : 3);
          const log = (await tx.wait())!.logs.find(
            (l) => l.topics[0] === f.oracle.interface.getEvent("RequestCreated")!.topicHash,
          )!;
          expect(log.topics.slice(1)).to.deep.equal([
            ethers.toBeHex(emitted.id, 32),
            ethers.toBeHex(modelId, 32),
            ethers.zeroPadValue(f.requester.address, 32).toLowerCase(),
          ]);
          expect(log.data).to.equal(coder.encode([REQUEST_TUPLE, "bytes"], [r, input]));
          const commitment = commitmentOf(r);
          expect(await f.oracle.hashRequest(r)).to.equal(commitment);
          // The request's slot, in the commitment ring: [commitment's top 184 bits | state PENDING | lap | deadline].
          const { word, inRing } = await commitmentWord(f.oracle, BigInt(emitted.id));
          expect(inRing).to.equal(true);
          expect(word >> 72n).to.equal(BigInt(commitment) >> 72n);
          expect(field(word, 64n, 8n)).to.equal(BigInt(STATE_PENDING));
          expect(field(word, 40n, 24n)).to.equal(BigInt(emitted.id) / 4096n);
          expect(field(word, 0n, 40n)).to.equal(emitted.terms.deadline);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("calls the consumer with the canonical encoding of onAIOracleResult(requestId, errorCode, output, callbackData)", async function () {
    const f = await loadFixture(recordingFixture);
    const callbackIface = new ethers.Interface([
      "function onAIOracleResult(uint256 requestId, uint8 errorCode, bytes output, bytes callbackData)",
    ]);
    await fc.assert(
      fc.asyncProperty(
        bytesOf(lengths),
        bytesOf(lengths),
        fc.constantFrom(0, 4),
        async (output, callbackData, code) => {
          const fee = await f.oracle.quote(1, CALLBACK_GAS);
          const tx = await f.oracle
            .connect(f.requester)
            .request(1, "0x01", await f.recorder.getAddress(), CALLBACK_GAS, callbackData, { value: fee });
          const { id, request } = await emittedRequest(f.oracle, tx);
          await expect(f.oracle.connect(f.nodeA).fulfil(id, request, output, code))
            .to.emit(f.oracle, "RequestFulfilled")
            .withArgs(id, f.nodeA.address, 0, true, true, code, ethers.keccak256(output));
          expect(await f.recorder.calldataHash(id)).to.equal(
            ethers.keccak256(callbackIface.encodeFunctionData("onAIOracleResult", [id, code, output, callbackData])),
          );
        },
      ),
      { numRuns: 25 },
    );
  });

  it("rejects a request whose words are not clean ABI (dirty address bits) as a mismatch, in a batch as a skip", async function () {
    const f = await loadFixture(recordingFixture);
    const fee = await f.oracle.quote(1, CALLBACK_GAS);
    const tx = await f.oracle
      .connect(f.requester)
      .request(1, "0x01", await f.recorder.getAddress(), CALLBACK_GAS, "0x", { value: fee });
    const { id, request } = await emittedRequest(f.oracle, tx);
    const clean = f.oracle.interface.encodeFunctionData("fulfil", [id, request, "0x2a", 0]);
    // The tuple starts at byte 4 + 0x80 (after the id and the three head words); its first word is the requester.
    const at = 2 + (4 + 0x80) * 2;
    const dirty = clean.slice(0, at) + "ff" + clean.slice(at + 2);
    await expect(f.nodeA.sendTransaction({ to: await f.oracle.getAddress(), data: dirty }))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleRequestMismatch")
      .withArgs(id);
    const batch = f.oracle.interface.encodeFunctionData("fulfilBatch", [[id], [request], ["0x2a"], [0]]);
    const batchAt = batch.indexOf(clean.slice(at, at + 64), 10);
    const dirtyBatch = batch.slice(0, batchAt) + "ff" + batch.slice(batchAt + 2);
    await expect(f.nodeA.sendTransaction({ to: await f.oracle.getAddress(), data: dirtyBatch }))
      .to.emit(f.oracle, "FulfilmentSkipped")
      .withArgs(id, f.nodeA.address, f.oracle.interface.getError("AIOracleRequestMismatch")!.selector);
    await f.oracle.connect(f.nodeA).fulfil(id, request, "0x2a", 0);
    expect(await f.recorder.calldataHash(id)).to.not.equal(ethers.ZeroHash);
  });
});
