import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { createLogger } from "../../src/log";
import { Metrics } from "../../src/metrics";
import { Scheduler } from "../../src/scheduler";
import { type NewRequest, type RequestRow, Store } from "../../src/store";
import { FakeBackend, spec } from "../helpers/fakeBackend";
import { tmpDir } from "../helpers/tmp";

const tmp = tmpDir();
after(() => tmp.cleanup());
const logger = createLogger({ level: "silent" });
let n = 0;

function req(id: number, takeover: boolean, exclusiveUntil = 1000): NewRequest {
  return {
    requestId: BigInt(id),
    modelId: 1n,
    input: Uint8Array.of(1, 2),
    logTopics: [],
    logData: `0x${id.toString(16).padStart(2, "0")}`,
    blockNumber: 1,
    blockHash: "0x1",
    logIndex: id,
    txHash: "0x",
    callbackGasLimit: 1,
    deadline: 1,
    takeover,
    exclusiveUntil,
  };
}

function setup(check: (rows: RequestRow[]) => Promise<RequestRow[]>) {
  let chainTime = 0;
  const store = new Store(path.join(tmp.dir, `t${n++}.db`), 1, "0x00000000000000000000000000000000000000aa");
  const backend = new FakeBackend(spec(1n, 8));
  const checked: bigint[][] = [];
  const scheduler = new Scheduler(
    store,
    new Map([[1n, backend]]),
    {
      maxBatchSize: 2,
      maxWaitMs: 0,
      maxAttempts: 3,
      chainTime: () => chainTime,
      takeoverDelaySeconds: 5,
      checkTakeovers: async (rows) => {
        checked.push(rows.map((r) => r.requestId));
        return check(rows);
      },
    },
    logger,
    new Metrics(),
  );
  const drain = async () => {
    scheduler.pump();
    await Promise.all([...(scheduler as unknown as { inflight: Set<Promise<void>> }).inflight]);
  };
  return { store, backend, checked, drain, setTime: (t: number) => (chainTime = t) };
}

describe("Scheduler: takeovers", () => {
  it("runs takeovers only after exclusiveUntil plus the delay, and this node's own requests first", async () => {
    const { store, checked, drain, setTime } = setup(async (rows) => rows);
    store.commitScan([req(1, true), req(2, true), req(3, false), req(4, false)], [], 1);
    setTime(1004);
    await drain();
    assert.deepEqual(
      store.requestsInState("inferred").map((r) => r.requestId),
      [3n, 4n],
    );
    await drain();
    assert.deepEqual(checked, [], "no takeover checked before its time");
    assert.equal(store.countByState().seen, 2);
    setTime(1005);
    await drain();
    assert.deepEqual(checked, [[1n, 2n]]);
    assert.equal(store.countByState().inferred, 4);
  });

  it("infers only the takeovers the on-chain check keeps, and does not re-check the others at once", async () => {
    const { store, backend, checked, drain, setTime } = setup(async (rows) => {
      store.transition([rows[0].requestId], "expired", { finalReason: "takeover: answered by another node" });
      return [];
    });
    store.commitScan([req(1, true), req(2, true)], [], 1);
    setTime(2000);
    await drain();
    assert.deepEqual(backend.batches, []);
    assert.equal(store.getRequest(1n)!.state, "expired");
    assert.equal(store.getRequest(2n)!.state, "seen");
    await drain();
    assert.deepEqual(checked, [[1n, 2n]], "the pending one waits before its next check");
  });

  it("leaves takeovers queued when the check itself fails", async () => {
    const { store, backend, drain, setTime } = setup(async () => {
      throw new Error("rpc down");
    });
    store.commitScan([req(1, true)], [], 1);
    setTime(2000);
    await drain();
    assert.deepEqual(backend.batches, []);
    assert.equal(store.getRequest(1n)!.state, "seen");
  });
});
