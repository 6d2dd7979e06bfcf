import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress, hexlify } from "ethers";
import fc from "fast-check";
import {
  decodeFulfilmentLog,
  decodeRequestCreated,
  encodeCanFulfil,
  encodeFinalize,
  encodeFulfil,
  encodeFulfilBatch,
  encodeFulfilBatchBytes,
  oracleInterface,
} from "../../src/oracle";

const RUNS = process.env.DEEP ? 2000 : 150;
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(hexlify(b)));
const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const request = fc.record({
  requester: address,
  modelId: uint(256),
  callback: address,
  callbackGasLimit: uint(32),
  exclusiveUntil: uint(48),
  deadline: uint(48), // timestamps: the runner reads them as JS numbers
  inputHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b)),
  callbackData: fc.uint8Array({ maxLength: 100 }).map((b) => hexlify(b)),
  revenueReceiver: address,
  modelFeeWei: uint(96),
  nodeFeeWei: uint(96),
  gasFeeWei: uint(96),
  protocolFeeWei: uint(96),
  mode: uint(8),
  quorumK: uint(8),
  challengeWindowSeconds: uint(32),
  bondWei: uint(128),
  nodes: fc.array(address, { maxLength: 5 }),
});
const event = oracleInterface.getEvent("RequestCreated")!;

function emitted(id: bigint, req: Record<string, unknown>, input: Uint8Array) {
  return oracleInterface.encodeEventLog(event, [id, req.modelId, req.requester, req, input]);
}

describe("oracle codec (hand-rolled ABI, checked against ethers)", () => {
  it("decodes RequestCreated logs exactly as ethers does", () => {
    fc.assert(
      fc.property(uint(64), request, fc.uint8Array({ maxLength: 2000 }), (id, req, input) => {
        const log = emitted(id, req, input);
        const fast = decodeRequestCreated(log.topics, log.data);
        const slow = oracleInterface.parseLog(log)!;
        assert.equal(fast.requestId, id);
        assert.equal(fast.modelId, req.modelId);
        assert.equal(fast.requester, req.requester);
        assert.equal(hexlify(fast.input), hexlify(input));
        assert.equal(BigInt(fast.callbackGasLimit), req.callbackGasLimit);
        assert.equal(BigInt(fast.deadline), req.deadline);
        assert.deepEqual(fast.nodes, req.nodes);
        assert.equal(BigInt(fast.exclusiveUntil), req.exclusiveUntil);
        assert.equal(BigInt(fast.mode), req.mode);
        assert.equal(BigInt(fast.challengeWindowSeconds), req.challengeWindowSeconds);
        // finalize takes the same head as fulfil
        assert.equal(
          encodeFinalize({ requestId: id, requestEnc: fast.requestEnc, output: input, errorCode: 1 }),
          oracleInterface.encodeFunctionData("finalize", [id, slow.args.request, input, 1]),
        );
        // the verbatim tuple re-encodes to what ethers would encode from the decoded struct
        const viaEthers = oracleInterface.encodeFunctionData("fulfil", [id, slow.args.request, "0x", 0]);
        assert.equal(
          encodeFulfil({ requestId: id, requestEnc: fast.requestEnc, output: new Uint8Array(0), errorCode: 0 }),
          viaEthers,
        );
      }),
      { numRuns: RUNS, seed: 20261126 },
    );
  });

  it("encodes fulfil, fulfilBatch and canFulfil calldata byte for byte like ethers", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(uint(64), request, fc.uint8Array({ maxLength: 70 }), fc.integer({ min: 0, max: 4 })), {
          minLength: 0,
          maxLength: 6,
        }),
        address,
        (list, node) => {
          const items = list.map(([id, req, output, errorCode]) => {
            const log = emitted(id, req, new Uint8Array(3));
            return {
              requestId: id,
              requestEnc: decodeRequestCreated(log.topics, log.data).requestEnc,
              output,
              errorCode,
              req,
            };
          });
          const expected = oracleInterface.encodeFunctionData("fulfilBatch", [
            items.map((i) => i.requestId),
            items.map((i) => i.req),
            items.map((i) => i.output),
            items.map((i) => i.errorCode),
          ]);
          assert.equal(encodeFulfilBatch(items), expected);
          assert.equal(hexlify(encodeFulfilBatchBytes(items)), expected);
          for (const i of items) {
            assert.equal(
              encodeFulfil(i),
              oracleInterface.encodeFunctionData("fulfil", [i.requestId, i.req, i.output, i.errorCode]),
            );
            assert.equal(
              encodeCanFulfil(i.requestId, i.requestEnc, node),
              oracleInterface.encodeFunctionData("canFulfil", [i.requestId, i.req, node]),
            );
          }
        },
      ),
      { numRuns: RUNS, seed: 7 },
    );
  });

  it("rejects logs that are not RequestCreated or are truncated", () => {
    const log = emitted(1n, fc.sample(request, { numRuns: 1, seed: 1 })[0], new Uint8Array(10));
    assert.throws(() => decodeRequestCreated([log.topics[0]], log.data), /not a RequestCreated/);
    assert.throws(() => decodeRequestCreated(log.topics, log.data.slice(0, 200)), /abi:/);
  });

  it("decodes the fulfilment events by topic and fixed offsets exactly as ethers does", () => {
    const ev = (name: string) => oracleInterface.getEvent(name)!;
    fc.assert(
      fc.property(
        uint(256),
        address,
        uint(8),
        fc.boolean(),
        fc.boolean(),
        uint(64),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.uint8Array({ maxLength: 300 }),
        (id, node, mode, isFinal, cbOk, deadline, reason, output) => {
          const fulfilled = oracleInterface.encodeEventLog(ev("RequestFulfilled"), [
            id,
            node,
            mode,
            isFinal,
            cbOk,
            3,
            hexlify(new Uint8Array(32).fill(9)),
          ]);
          assert.deepEqual(decodeFulfilmentLog(fulfilled.topics, fulfilled.data), {
            kind: "fulfilled",
            requestId: id,
            node: node.toLowerCase(),
            mode: Number(mode),
            isFinal,
          });
          const skipped = oracleInterface.encodeEventLog(ev("FulfilmentSkipped"), [id, node, hexlify(reason)]);
          assert.deepEqual(decodeFulfilmentLog(skipped.topics, skipped.data), {
            kind: "skipped",
            requestId: id,
            node: node.toLowerCase(),
            reason: oracleInterface.parseLog(skipped)!.args.reason,
          });
          const proposed = oracleInterface.encodeEventLog(ev("ResultProposed"), [id, node, deadline, 0, output]);
          assert.deepEqual(decodeFulfilmentLog(proposed.topics, proposed.data), {
            kind: "proposed",
            requestId: id,
            node: node.toLowerCase(),
            challengeDeadline: Number(deadline),
          });
        },
      ),
      { numRuns: RUNS, seed: 11 },
    );
  });

  it("ignores other events and rejects a truncated fulfilment event, naming what is missing", () => {
    const created = emitted(1n, fc.sample(request, { numRuns: 1, seed: 1 })[0], new Uint8Array(10));
    assert.equal(decodeFulfilmentLog(created.topics, created.data), null);
    const log = oracleInterface.encodeEventLog(oracleInterface.getEvent("ResultProposed")!, [
      1n,
      created.topics[3].replace(/^0x0{24}/, "0x"),
      5n,
      0,
      "0x",
    ]);
    assert.throws(() => decodeFulfilmentLog(log.topics, "0x"), /abi: log data has no word 0 \(0 bytes\)/);
    assert.throws(() => decodeFulfilmentLog(log.topics.slice(0, 2), log.data), /fulfilment event with 2 topics/);
  });
});
