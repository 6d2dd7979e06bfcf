import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Interface, getAddress, hexlify } from "ethers";
import fc from "fast-check";
import {
  decodeFulfilmentLog,
  decodeRequestCreated,
  encodeCanFulfil,
  encodeFinalize,
  encodeFulfil,
  encodeFulfilBatch,
  encodeFulfilBatchBytes,
  encodeFulfilProof,
  calldataGas,
  fulfilGas,
  fulfilItemCost,
  oracleInterface,
} from "../../src/oracle";
import { packRequestTerms, requestFeeWei, unpackRequestTerms } from "../../src/requestTerms";

const RUNS = process.env.DEEP ? 2000 : 150;
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(hexlify(b)));
const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const terms = fc
  .record({
    revenueReceiver: address.map((a) => a.toLowerCase()),
    modelFeeWei: uint(96),
    nodeFeeWei: uint(96),
    gasFeeWei: uint(96),
    protocolFeeBps: fc.integer({ min: 0, max: 0xffff }),
    callbackGasLimit: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    mode: fc.integer({ min: 0, max: 255 }),
    quorumK: fc.integer({ min: 0, max: 255 }),
    // timestamps: the runner reads them as JS numbers
    exclusiveUntil: fc.integer({ min: 0, max: 2 ** 40 - 1 }),
    deadline: fc.integer({ min: 0, max: 2 ** 40 - 1 }),
    challengeWindowSeconds: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    bondWei: uint(128),
  })
  .map((t) => ({ ...t })); // a plain object (fc.record's have no prototype), as unpackRequestTerms returns
const request = fc
  .record({
    requester: address,
    callback: address,
    modelId: uint(256),
    inputHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b)),
    terms,
    callbackData: fc.uint8Array({ maxLength: 100 }).map((b) => hexlify(b)),
    nodes: fc.array(address, { maxLength: 5 }),
  })
  .map(({ terms: t, ...r }) => ({ ...r, ...packRequestTerms(t), terms: t }));
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
        assert.equal(fast.callback, req.callback);
        assert.equal(hexlify(fast.input), hexlify(input));
        assert.deepEqual(fast.terms, req.terms);
        assert.equal(fast.callbackGasLimit, req.terms.callbackGasLimit);
        assert.equal(fast.deadline, req.terms.deadline);
        assert.equal(fast.exclusiveUntil, req.terms.exclusiveUntil);
        assert.equal(fast.mode, req.terms.mode);
        assert.equal(fast.quorumK, req.terms.quorumK);
        assert.equal(fast.challengeWindowSeconds, req.terms.challengeWindowSeconds);
        assert.deepEqual(fast.nodes, req.nodes);
        // what ethers decodes unpacks to the same terms (the tasks read them that way)
        assert.deepEqual(unpackRequestTerms(slow.args.request), req.terms);
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

  it("encodes fulfil, fulfilBatch, fulfilProof and canFulfil calldata byte for byte like ethers", () => {
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
            const proofItem = { ...i, input: i.output.subarray(1), proof: i.output.subarray(2) };
            assert.equal(
              encodeFulfilProof(proofItem),
              oracleInterface.encodeFunctionData("fulfilProof", [
                i.requestId,
                i.req,
                proofItem.input,
                proofItem.output,
                proofItem.proof,
              ]),
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
    // a nodes offset past the tuple (a corrupt word 8) is named, not read as garbage
    const data = `${log.data.slice(0, 2 + 64 * (2 + 8))}${"f".repeat(64)}${log.data.slice(2 + 64 * (2 + 9))}`;
    assert.throws(() => decodeRequestCreated(log.topics, data), /abi: offset \d+ past the end/);
  });

  it("refuses a RequestCreated log of the previous 18-field encoding (another event topic)", () => {
    const legacy = new Interface([
      "event RequestCreated(uint256 indexed requestId, uint256 indexed modelId, address indexed requester, " +
        "(address requester, uint256 modelId, address callback, uint32 callbackGasLimit, uint64 exclusiveUntil, " +
        "uint64 deadline, bytes32 inputHash, bytes callbackData, address revenueReceiver, uint256 modelFeeWei, " +
        "uint256 nodeFeeWei, uint256 gasFeeWei, uint256 protocolFeeWei, uint8 mode, uint8 quorumK, " +
        "uint32 challengeWindowSeconds, uint256 bondWei, address[] nodes) request, bytes input)",
    ]);
    const n = "0x" + "11".repeat(20);
    const old = legacy.encodeEventLog("RequestCreated", [
      1n,
      2n,
      n,
      [n, 2n, n, 100000, 5, 6, `0x${"22".repeat(32)}`, "0x", n, 1n, 1n, 1n, 1n, 0, 0, 0, 0n, [n]],
      "0x1234",
    ]);
    assert.notEqual(old.topics[0], oracleInterface.getEvent("RequestCreated")!.topicHash);
    assert.throws(() => decodeRequestCreated(old.topics, old.data), /not a RequestCreated log/);
  });

  it("packs and unpacks the request terms at the bit positions of AIOracleRequests", () => {
    fc.assert(
      fc.property(terms, (t) => assert.deepEqual(unpackRequestTerms(packRequestTerms(t)), t)),
      { numRuns: RUNS, seed: 3 },
    );
    const t = unpackRequestTerms({
      receiverFee: (5n << 160n) | 0xabn,
      fees: (7n << 248n) | (2n << 240n) | (100_000n << 208n) | (250n << 192n) | (3n << 96n) | 4n,
      timing: (9n << 112n) | (60n << 80n) | (1_700_000_000n << 40n) | 1_699_999_000n,
    });
    assert.deepEqual(t, {
      revenueReceiver: `0x${"ab".padStart(40, "0")}`,
      modelFeeWei: 5n,
      nodeFeeWei: 4n,
      gasFeeWei: 3n,
      protocolFeeBps: 250,
      callbackGasLimit: 100_000,
      mode: 2,
      quorumK: 7,
      exclusiveUntil: 1_699_999_000,
      deadline: 1_700_000_000,
      challengeWindowSeconds: 60,
      bondWei: 9n,
    });
    // (5 + 4 + 3) wei at 2.5 %: the protocol share rounds down to 0
    assert.equal(requestFeeWei(t), 12n);
    assert.equal(
      requestFeeWei({ ...t, modelFeeWei: 10n ** 18n }),
      10n ** 18n + 7n + ((10n ** 18n + 7n) * 250n) / 10_000n,
    );
    assert.throws(() => packRequestTerms({ ...t, deadline: 2 ** 40 }), /deadline 1099511627776 does not fit 40 bits/);
  });

  it("estimates a batch's calldata gas from its items within the head words' slack", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(uint(64), request, fc.uint8Array({ maxLength: 300 })), { minLength: 1, maxLength: 8 }),
        (list) => {
          const items = list.map(([id, req, output]) => {
            const log = emitted(id, req, new Uint8Array(3));
            return {
              requestId: id,
              requestEnc: decodeRequestCreated(log.topics, log.data).requestEnc,
              output,
              errorCode: 1,
            };
          });
          const costs = items.map((i) => fulfilItemCost(i, 0, 0));
          const exact = calldataGas(encodeFulfilBatchBytes(items));
          const perItem = costs.reduce((g, c) => g + c.gas, 0);
          // the batch adds a selector, four offsets and four array lengths; each item's head words are bounded by 4
          // non-zero bytes each, so the estimate can exceed the exact figure only by those bytes
          assert.ok(perItem + 4 * 16 + 8 * 32 * 16 >= exact, `estimate ${perItem} below the calldata gas ${exact}`);
          assert.ok(perItem <= exact + items.length * 4 * 4 * 12, `estimate ${perItem} far above ${exact}`);
          // the callback's gas and the 1/63 held back are added; memory grows with the batch
          const withCallback = fulfilItemCost(items[0], 630_000, 5_000);
          assert.equal(withCallback.gas, costs[0].gas + 640_000 + 5_000);
          assert.ok(fulfilGas(21_000, costs) > 21_000 + perItem);
        },
      ),
      { numRuns: RUNS, seed: 5 },
    );
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
