import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ErrorCode } from "../../src/backends/types";
import { createLogger } from "../../src/log";
import { Metrics } from "../../src/metrics";
import { Scheduler } from "../../src/scheduler";
import { type NewRequest, Store } from "../../src/store";
import { FakeBackend, spec } from "../helpers/fakeBackend";
import { tmpDir } from "../helpers/tmp";

const tmp = tmpDir();
after(() => tmp.cleanup());
const logger = createLogger({ level: "silent" });
let n = 0;

function setup(opts: { maxBatchSize?: number; maxWaitMs?: number; maxAttempts?: number; now?: () => number } = {}) {
  const store = new Store(path.join(tmp.dir, `q${n++}.db`), 1, "0x00000000000000000000000000000000000000aa", opts.now);
  const backend = new FakeBackend(spec(1n, 8));
  const scheduler = new Scheduler(
    store,
    new Map([[1n, backend]]),
    {
      maxBatchSize: opts.maxBatchSize ?? 4,
      maxWaitMs: opts.maxWaitMs ?? 1_000_000,
      maxAttempts: opts.maxAttempts ?? 3,
    },
    logger,
    new Metrics(),
  );
  return { store, backend, scheduler };
}

function reqs(from: number, count: number, model = 1n, input = Uint8Array.of(1, 2)): NewRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    requestId: BigInt(from + i),
    modelId: model,
    input,
    logTopics: [],
    logData: `0x${(from + i).toString(16).padStart(2, "0")}`,
    blockNumber: 1,
    blockHash: "0x1",
    logIndex: i,
    txHash: "0x",
    callbackGasLimit: 1,
    deadline: 1,
  }));
}

async function drain(s: Scheduler, now?: number): Promise<void> {
  s.pump(now);
  await Promise.all([...(s as unknown as { inflight: Set<Promise<void>> }).inflight]);
}

describe("Scheduler", () => {
  it("waits for a full batch, then infers exactly maxBatchSize together", async () => {
    const { store, backend, scheduler } = setup({ maxBatchSize: 4 });
    store.commitScan(reqs(1, 3), [], 1);
    await drain(scheduler);
    assert.deepEqual(backend.batches, []);
    store.commitScan(reqs(4, 3), [], 2);
    await drain(scheduler);
    assert.deepEqual(backend.batches, [4]);
    assert.equal(store.countByState().inferred, 4);
    assert.equal(store.countByState().seen, 2);
  });

  it("dispatches a partial batch once the oldest request has waited maxWaitMs", async () => {
    const t = 1_000;
    const { store, backend, scheduler } = setup({ maxBatchSize: 10, maxWaitMs: 50, now: () => t });
    store.commitScan(reqs(1, 2), [], 1);
    const due = scheduler.pump(t + 49);
    assert.equal(due, 1);
    await drain(scheduler, t + 50);
    assert.deepEqual(backend.batches, [2]);
  });

  it("answers oversize inputs with InputTooLarge without calling the backend", async () => {
    const { store, backend, scheduler } = setup({ maxBatchSize: 1, maxWaitMs: 0 });
    store.commitScan(reqs(1, 1, 1n, new Uint8Array(9)), [], 1);
    await drain(scheduler);
    assert.deepEqual(backend.batches, []);
    const r = store.getRequest(1n)!;
    assert.equal(r.state, "inferred");
    assert.equal(r.errorCode, ErrorCode.InputTooLarge);
    assert.equal(r.output!.length, 0);
  });

  it("answers a malformed item with its error and the rest of the batch normally", async () => {
    const { store, scheduler } = setup({ maxBatchSize: 2, maxWaitMs: 0 });
    store.commitScan([...reqs(1, 1, 1n, Uint8Array.of(0xff)), ...reqs(2, 1)], [], 1);
    await drain(scheduler);
    assert.equal(store.getRequest(1n)!.errorCode, ErrorCode.MalformedInput);
    assert.equal(store.getRequest(2n)!.errorCode, ErrorCode.None);
    assert.deepEqual([...store.getRequest(2n)!.output!], [2]);
  });

  it("answers requests for a model this node does not run with UnknownModel", async () => {
    const { store, scheduler } = setup({ maxBatchSize: 1, maxWaitMs: 0 });
    store.commitScan(reqs(1, 1, 42n), [], 1);
    await drain(scheduler);
    assert.equal(store.getRequest(1n)!.errorCode, ErrorCode.UnknownModel);
  });

  it("retries a broken batch and gives up with InferenceFailed after maxAttempts", async () => {
    const { store, backend, scheduler } = setup({ maxBatchSize: 1, maxWaitMs: 0, maxAttempts: 2 });
    backend.failNext = 5;
    store.commitScan(reqs(1, 1), [], 1);
    await drain(scheduler);
    assert.equal(store.getRequest(1n)!.state, "seen");
    await drain(scheduler);
    assert.equal(store.getRequest(1n)!.attempts, 2);
    await drain(scheduler);
    const r = store.getRequest(1n)!;
    assert.equal(r.state, "inferred");
    assert.equal(r.errorCode, ErrorCode.InferenceFailed);
    assert.equal(backend.batches.length, 2);
  });

  it("runs the loop until stopped, never more than one batch of a model at a time", async () => {
    const { store, backend, scheduler } = setup({ maxBatchSize: 8, maxWaitMs: 5 });
    let concurrent = 0;
    let maxConcurrent = 0;
    const inner = backend.infer.bind(backend);
    backend.infer = async (inputs) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await new Promise((r) => setTimeout(r, 10));
      concurrent--;
      return inner(inputs);
    };
    scheduler.start();
    for (let i = 0; i < 10; i++) {
      store.commitScan(reqs(1 + i * 10, 10), [], i);
      scheduler.wake.notify();
      await new Promise((r) => setTimeout(r, 3));
    }
    for (let i = 0; i < 100 && store.countByState().inferred < 100; i++) await new Promise((r) => setTimeout(r, 20));
    await scheduler.stop();
    assert.equal(store.countByState().inferred, 100);
    assert.equal(maxConcurrent, 1);
    assert.ok(backend.batches.every((b) => b <= 8));
    assert.ok(backend.batches.length < 100, "batches were formed");
  });
});
