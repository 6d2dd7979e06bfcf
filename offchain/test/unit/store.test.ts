import assert from "node:assert/strict";
import path from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { type NewRequest, Store, StoreTransitionError } from "../../src/store";
import { tmpDir } from "../helpers/tmp";

const ORACLE = "0x00000000000000000000000000000000000000aa";
const tmp = tmpDir();
after(() => tmp.cleanup());

let n = 0;
function open(): Store {
  return new Store(path.join(tmp.dir, `s${n++}.db`), 31337, ORACLE);
}

function req(id: bigint, block = 10, hash = `0x${"b".repeat(64)}`, data = "0x01"): NewRequest {
  return {
    requestId: id,
    modelId: 1n,
    input: Uint8Array.of(1, 2, 3),
    logTopics: ["0xt"],
    logData: data,
    blockNumber: block,
    blockHash: hash,
    logIndex: 0,
    txHash: "0xtx",
    callbackGasLimit: 100_000,
    deadline: 999,
  };
}

describe("Store", () => {
  let s: Store;
  beforeEach(() => {
    s = open();
  });

  it("opens in WAL mode with the schema migrated", () => {
    assert.equal(s.db.pragma("journal_mode", { simple: true }), "wal");
    assert.equal(s.db.pragma("user_version", { simple: true }), 3);
    assert.equal(s.ping(), true);
  });

  it("lists the requests in progress whose log has another event topic (an earlier Request encoding)", () => {
    const legacy = (id: bigint) => ({ ...req(id), logTopics: ["0xold", "0x01"] });
    const current = (id: bigint) => ({ ...req(id), logTopics: ["0xnew", "0x01"] });
    s.commitScan([legacy(1n), legacy(2n), legacy(3n), current(4n)], [], 10);
    s.transition([2n], "expired", { finalReason: "gone" });
    s.transition([3n], "inferred", { output: Uint8Array.of(1) });
    assert.deepEqual(
      s.openRequestsOfOtherEvent("0xnew").map((r) => [r.requestId, r.state]),
      [
        [1n, "seen"],
        [3n, "inferred"],
      ],
    );
    assert.deepEqual(
      s.openRequestsOfOtherEvent("0xold").map((r) => r.requestId),
      [4n],
    );
  });

  it("persists requests and the cursor in one scan commit and ignores the same log seen twice", () => {
    assert.equal(s.commitScan([req(1n), req(2n)], [{ number: 10, hash: "0xh" }], 10), 2);
    assert.equal(s.commitScan([req(1n)], [], 12), 0);
    assert.equal(s.getCursor(), 12);
    assert.deepEqual(s.countByState().seen, 2);
    const r = s.getRequest(1n)!;
    assert.equal(r.state, "seen");
    assert.deepEqual([...r.input], [1, 2, 3]);
  });

  it("survives a reopen with every field intact", () => {
    const file = path.join(tmp.dir, "reopen.db");
    const a = new Store(file, 31337, ORACLE);
    a.commitScan([req(7n)], [], 3);
    a.transition([7n], "inferring", { incAttempts: true });
    a.close();
    const b = new Store(file, 31337, ORACLE);
    const r = b.getRequest(7n)!;
    assert.equal(r.state, "inferring");
    assert.equal(r.attempts, 1);
    assert.equal(b.getCursor(), 3);
    b.close();
  });

  it("walks the happy path seen → inferring → inferred → submitted → confirmed", () => {
    s.commitScan([req(1n)], [], 10);
    s.transition([1n], "inferring", { incAttempts: true });
    s.transition([1n], "inferred", { output: Uint8Array.of(9), errorCode: 0 });
    const batch = s.createBatch(0, 200_000, [1n], 11, {
      hash: "0xaa",
      raw: "0xraw",
      maxFeePerGas: 10n,
      maxPriorityFeePerGas: 1n,
    });
    assert.equal(s.getRequest(1n)!.state, "submitted");
    assert.equal(s.getRequest(1n)!.batchId, batch.id);
    assert.deepEqual(
      s.batchesInState("pending").map((b) => b.nonce),
      [0],
    );
    s.setBatchState(batch.id, "confirmed", { block: 12, blockHash: "0xbh", txHash: "0xaa" });
    s.transition([1n], "confirmed");
    assert.equal(s.getRequest(1n)!.state, "confirmed");
  });

  it("rejects an illegal transition and changes nothing of the group", () => {
    s.commitScan([req(1n), req(2n)], [], 10);
    s.transition([2n], "inferring");
    assert.throws(
      () => s.transition([2n, 1n], "confirmed"),
      (e: unknown) => e instanceof StoreTransitionError && e.from === "inferring" && e.to === "confirmed",
    );
    assert.equal(s.getRequest(2n)!.state, "inferring");
    assert.throws(() => s.transition([1n], "inferred", {}, ["inferring"]), StoreTransitionError);
    assert.throws(() => s.transition([99n], "inferring"), StoreTransitionError);
  });

  it("never leaves a final state except through a reorg re-send", () => {
    s.commitScan([req(1n)], [], 10);
    s.transition([1n], "failed", { finalReason: "x" });
    for (const to of ["seen", "inferring", "inferred", "submitted", "confirmed", "expired"] as const)
      assert.throws(() => s.transition([1n], to), StoreTransitionError);
  });

  it("replaces an unsent request when a different log now carries its id", () => {
    s.commitScan([req(1n, 10, "0x01", "0xaaaa")], [], 10);
    s.transition([1n], "inferring");
    s.commitScan([req(1n, 11, "0x02", "0xbbbb")], [], 11);
    const r = s.getRequest(1n)!;
    assert.equal(r.state, "seen");
    assert.equal(r.logData, "0xbbbb");
  });

  it("only moves the position when the same request is re-included in another block", () => {
    s.commitScan([req(1n, 10, "0x01", "0xaaaa")], [], 10);
    s.transition([1n], "inferring");
    s.commitScan([req(1n, 12, "0x03", "0xaaaa")], [], 12);
    const r = s.getRequest(1n)!;
    assert.equal(r.state, "inferring");
    assert.equal(r.blockNumber, 12);
  });

  it("rewinds the cursor to a fork point and reports what the orphaned blocks carried", () => {
    s.commitScan(
      [req(1n, 5), req(2n, 9)],
      [
        { number: 5, hash: "0x5" },
        { number: 9, hash: "0x9" },
      ],
      9,
    );
    const affected = s.rewindTo(6);
    assert.deepEqual(
      affected.map((r) => r.requestId),
      [2n],
    );
    assert.equal(s.getCursor(), 6);
    assert.deepEqual(
      s.recordedBlocks(100).map((b) => b.number),
      [5],
    );
  });

  it("records fee bumps as extra transactions of the same batch", () => {
    s.commitScan([req(1n)], [], 10);
    s.transition([1n], "inferred", { output: Uint8Array.of(1), errorCode: 0 });
    const b = s.createBatch(4, 1, [1n], 10, { hash: "0x1", raw: "0xr1", maxFeePerGas: 100n, maxPriorityFeePerGas: 2n });
    s.recordBump(b.id, 14, { hash: "0x2", raw: "0xr2", maxFeePerGas: 113n, maxPriorityFeePerGas: 3n });
    const txs = s.txsOf(b.id);
    assert.deepEqual(
      txs.map((t) => t.maxFeePerGas),
      [100n, 113n],
    );
    const again = s.getBatch(b.id)!;
    assert.equal(again.bumps, 1);
    assert.equal(again.sentBlock, 14);
  });

  it("reads a batch's transactions without their raw bytes for tracking, and the bytes of one by hash", () => {
    s.commitScan([req(1n)], [], 10);
    s.transition([1n], "inferred", { output: Uint8Array.of(1), errorCode: 0 });
    const b = s.createBatch(4, 1, [1n], 10, { hash: "0x1", raw: "0xr1", maxFeePerGas: 100n, maxPriorityFeePerGas: 2n });
    s.recordBump(b.id, 14, { hash: "0x2", raw: "0xr2", maxFeePerGas: 113n, maxPriorityFeePerGas: 3n });
    const light = s.txsOf(b.id, false);
    assert.deepEqual(
      light.map((t) => [t.hash, t.raw, t.maxFeePerGas]),
      [
        ["0x1", "", 100n],
        ["0x2", "", 113n],
      ],
    );
    assert.equal(s.rawTx("0x2"), "0xr2");
    assert.throws(() => s.rawTx("0x3"), /no stored transaction 0x3/);
  });

  it("confirms a batch's submitted requests in one update, leaving those that left the batch alone", () => {
    s.commitScan([req(1n), req(2n), req(3n)], [], 10);
    s.transition([1n, 2n, 3n], "inferred", { output: Uint8Array.of(1), errorCode: 0 });
    const b = s.createBatch(0, 1, [1n, 2n, 3n], 10, {
      hash: "0x1",
      raw: "0xr1",
      maxFeePerGas: 1n,
      maxPriorityFeePerGas: 1n,
    });
    // request 3 was re-queued (e.g. its item reverted in a re-simulation) before the receipt arrived
    s.transition([3n], "inferred", { batchId: null });
    assert.deepEqual(
      s.getRequests([3n, 1n, 2n, 9n]).map((r) => r.requestId),
      [1n, 2n, 3n],
    );
    assert.equal(s.confirmSubmitted(b.id, [1n, 2n, 3n]), 2);
    assert.deepEqual(
      [1n, 2n, 3n].map((id) => s.getRequest(id)!.state),
      ["confirmed", "confirmed", "inferred"],
    );
    assert.equal(s.confirmSubmitted(b.id, []), 0);
    assert.deepEqual(s.getRequests([]), []);
  });
});
