import assert from "node:assert/strict";
import path from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import Database from "better-sqlite3";
import { type NewRequest, Store, StoreTransitionError } from "../../src/store";
import { tmpDir } from "../helpers/tmp";

const ORACLE = "0x00000000000000000000000000000000000000aa";
const TX = { hash: "0xaa", raw: "0xraw", maxFeePerGas: 10n, maxPriorityFeePerGas: 1n };
const tmp = tmpDir();
after(() => tmp.cleanup());

let n = 0;
function open(): Store {
  return new Store(path.join(tmp.dir, `o${n++}.db`), 31337, ORACLE);
}

function req(id: bigint, over: Partial<NewRequest> = {}): NewRequest {
  return {
    requestId: id,
    modelId: 1n,
    input: Uint8Array.of(1),
    logTopics: ["0xt"],
    logData: `0x${id.toString(16).padStart(2, "0")}`,
    blockNumber: 10,
    blockHash: `0x${"b".repeat(64)}`,
    logIndex: Number(id),
    txHash: "0xtx",
    callbackGasLimit: 100_000,
    deadline: 999_999,
    ...over,
  };
}

/** A request of this node fulfilled in an Optimistic batch and mined as a provisional result. */
function proposed(s: Store, id: bigint, challengeDeadline: number): void {
  s.commitScan([req(id, { mode: 2 })], [], 10);
  s.transition([id], "inferred", { output: Uint8Array.of(7), errorCode: 0 });
  s.createBatch(Number(id), 200_000, [id], 11, { ...TX, hash: `0xf${id}` });
  s.transition([id], "proposed", { challengeDeadline });
}

describe("Store: takeovers", () => {
  let s: Store;
  beforeEach(() => {
    s = open();
  });

  it("keeps a takeover's exclusivity and schedules it only after exclusiveUntil plus the delay", () => {
    s.commitScan([req(1n, { takeover: true, exclusiveUntil: 1000 })], [], 10);
    const r = s.getRequest(1n)!;
    assert.equal(r.takeover, true);
    assert.equal(r.exclusiveUntil, 1000);
    assert.deepEqual(s.schedulable(10, 1009, 10), []);
    assert.deepEqual(
      s.schedulable(10, 1010, 10).map((x) => x.requestId),
      [1n],
    );
  });

  it("schedules this node's own requests before any takeover, whatever their ids", () => {
    s.commitScan(
      [
        req(1n, { takeover: true, exclusiveUntil: 0 }),
        req(2n),
        req(3n, { takeover: true, exclusiveUntil: 0 }),
        req(4n),
      ],
      [],
      10,
    );
    assert.deepEqual(
      s.schedulable(10, 100, 0).map((x) => x.requestId),
      [2n, 4n, 1n, 3n],
    );
    assert.deepEqual(
      s.schedulable(2, 100, 0).map((x) => x.requestId),
      [2n, 4n],
    );
  });

  it("drops a takeover answered by the assigned node as expired with its reason, never submitted", () => {
    s.commitScan([req(1n, { takeover: true })], [], 10);
    s.transition([1n], "expired", { finalReason: "takeover: answered by another node (state 3)" }, ["seen"]);
    const r = s.getRequest(1n)!;
    assert.equal(r.state, "expired");
    assert.match(r.finalReason!, /answered by another node/);
    assert.deepEqual(s.schedulable(10, 10_000, 0), []);
  });
});

describe("Store: optimistic finalization", () => {
  let s: Store;
  beforeEach(() => {
    s = open();
  });

  it("walks submitted → proposed → finalizing → finalized with a finalize batch", () => {
    proposed(s, 1n, 500);
    assert.equal(s.getRequest(1n)!.challengeDeadline, 500);
    const b = s.createBatch(9, 300_000, [1n], 20, { ...TX, hash: "0xfin" }, "finalize");
    assert.equal(b.kind, "finalize");
    const r = s.getRequest(1n)!;
    assert.equal(r.state, "finalizing");
    assert.equal(r.batchId, b.id);
    s.transition([1n], "finalized");
    assert.equal(s.getRequest(1n)!.state, "finalized");
    assert.equal(s.countByState().finalized, 1);
  });

  it("lists as finalizable only proposed results whose window ended before the given chain time", () => {
    proposed(s, 1n, 500);
    proposed(s, 2n, 400);
    proposed(s, 3n, 900);
    assert.deepEqual(s.finalizable(400, 10), []);
    assert.deepEqual(
      s.finalizable(501, 10).map((r) => r.requestId),
      [2n, 1n],
    );
    s.transition([2n], "challenged");
    assert.deepEqual(
      s.finalizable(10_000, 10).map((r) => r.requestId),
      [1n, 3n],
    );
  });

  it("only finalizes from proposed, and never finalizes a challenged result directly", () => {
    s.commitScan([req(1n)], [], 10);
    s.transition([1n], "inferred", { output: Uint8Array.of(1), errorCode: 0 });
    assert.throws(() => s.createBatch(0, 1, [1n], 10, TX, "finalize"), StoreTransitionError);
    proposed(s, 2n, 5);
    s.transition([2n], "challenged");
    assert.throws(() => s.transition([2n], "finalizing"), StoreTransitionError);
    // a rejected challenge puts it back in line; an upheld one ends it
    s.transition([2n], "proposed");
    s.transition([2n], "challenged");
    s.transition([2n], "expired", { finalReason: "refunded on chain" });
    assert.throws(() => s.transition([2n], "finalized"), StoreTransitionError);
  });

  it("reopens a finalize that did not land, and re-sends one orphaned by a reorg", () => {
    proposed(s, 1n, 5);
    s.createBatch(9, 1, [1n], 20, { ...TX, hash: "0xfin" }, "finalize");
    s.transition([1n], "proposed", { batchId: null });
    assert.equal(s.getRequest(1n)!.batchId, null);
    s.createBatch(10, 1, [1n], 21, { ...TX, hash: "0xfin2" }, "finalize");
    s.transition([1n], "finalized");
    s.transition([1n], "finalizing");
    assert.equal(s.getRequest(1n)!.state, "finalizing");
    for (const to of ["seen", "inferred", "submitted", "confirmed", "challenged"] as const) {
      s.transition([1n], "finalized");
      assert.throws(() => s.transition([1n], to), StoreTransitionError);
    }
  });

  it("keeps proposed results and their deadlines across a reopen (crash between proposal and finalize)", () => {
    const file = path.join(tmp.dir, "crash.db");
    const a = new Store(file, 31337, ORACLE);
    proposed(a, 1n, 777);
    a.close();
    const b = new Store(file, 31337, ORACLE);
    const r = b.getRequest(1n)!;
    assert.equal(r.state, "proposed");
    assert.equal(r.challengeDeadline, 777);
    assert.deepEqual([...r.output!], [7]);
    assert.deepEqual(
      b.finalizable(778, 10).map((x) => x.requestId),
      [1n],
    );
    b.close();
  });

  it("migrates a version 1 database, keeping its requests and batches", () => {
    const file = path.join(tmp.dir, "v1.db");
    const v1 = new Store(file, 31337, ORACLE);
    v1.commitScan([req(1n)], [], 10);
    v1.transition([1n], "inferred", { output: Uint8Array.of(3), errorCode: 0 });
    v1.createBatch(0, 1, [1n], 10, TX);
    v1.close();
    // roll the file back to the version 1 schema, as an older runner left it
    const raw = new Database(file);
    raw.exec(`CREATE TABLE r1 AS SELECT chain_id, contract, request_id, seq, model_id, state, input, log_topics,
      log_data, block_number, block_hash, log_index, tx_hash, callback_gas_limit, deadline, output, error_code,
      error_message, attempts, submit_attempts, batch_id, final_reason, seen_at_ms, updated_at_ms FROM requests;
      DROP TABLE requests; ALTER TABLE r1 RENAME TO requests; ALTER TABLE batches DROP COLUMN kind;`);
    raw.pragma("user_version = 1");
    raw.close();
    const s2 = new Store(file, 31337, ORACLE);
    assert.equal(s2.db.pragma("user_version", { simple: true }), 3);
    const r = s2.getRequest(1n)!;
    assert.equal(r.state, "submitted");
    assert.equal(r.takeover, false);
    assert.equal(r.mode, 0);
    assert.equal(s2.batchesInState("pending")[0].kind, "fulfil");
    s2.transition([1n], "proposed", { challengeDeadline: 10 });
    assert.equal(s2.getRequest(1n)!.state, "proposed");
    s2.close();
  });
});
