import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ErrorCode } from "../../src/backends/types";
import { type RawConfig, resolveConfig } from "../../src/config";
import { createLogger } from "../../src/log";
import { Runner } from "../../src/runner";
import { type Deployed, deployStack } from "../helpers/deploy";
import { Miner, callbackCounts, digits, eventually, runnerConfig, waitForCallbacks } from "../helpers/e2e";
import { type LocalNode, rpc, startAnvil } from "../helpers/nodes";
import { tmpDir } from "../helpers/tmp";

const logger = createLogger({ level: process.env.AXON_TEST_LOG ?? "silent" });

describe("reorgs (anvil snapshot/revert)", () => {
  const tmp = tmpDir();
  let node: LocalNode;
  let d: Deployed;
  let miner: Miner;
  let n = 0;

  async function makeRunner(over: Partial<RawConfig> = {}): Promise<Runner> {
    const dir = path.join(tmp.dir, `r${n++}`);
    mkdirSync(dir);
    const raw = runnerConfig(d, dir, [node.url], { pollIntervalMs: 50, ...over });
    return new Runner(await resolveConfig(raw, { AXON_NODE_KEY: d.nodeKey }, dir), { logger });
  }

  /** Sends one request per input in a single transaction and mines exactly that block. */
  async function requestNow(inputs: Uint8Array[]): Promise<bigint[]> {
    const first = (await d.oracle.nextRequestId()) as bigint;
    const tx = await d.consumer.askMany(d.modelId, inputs, d.callbackGasLimit, { gasLimit: 3_000_000 });
    await miner.mine(1);
    await tx.wait();
    return inputs.map((_, i) => first + BigInt(i));
  }

  const head = async () => d.provider.getBlockNumber();

  /** Reverts the chain to `snap`; the requester's locally counted nonce goes back with it. */
  async function revertTo(snap: string): Promise<void> {
    await rpc(node.url, "evm_revert", [snap]);
    d.admin.reset();
  }

  before(async () => {
    node = await startAnvil();
    d = await deployStack(node.url, tmp.dir);
    await rpc(node.url, "evm_setAutomine", [false]);
    miner = new Miner(node.url, 100);
  });

  after(async () => {
    miner?.stop();
    d?.provider.destroy();
    await node?.stop();
    tmp.cleanup();
  });

  it(
    "re-sends a fulfilment orphaned by a reorg deeper than confirmations, callback still exactly once",
    { timeout: 120_000 },
    async () => {
      const runner = await makeRunner({ confirmations: 2 });
      await runner.start();
      try {
        const ids = await requestNow(digits(3, 200).map((x) => x.input));
        const snap = await rpc<string>(node.url, "evm_snapshot");
        const forkHead = await head();
        miner.start();
        await waitForCallbacks(d.consumer, ids, 30_000);
        await eventually(() => runner.store.countByState().confirmed === 3, 30_000, "3 confirmed");
        miner.stop();
        const oldHead = await head();
        assert.ok(oldHead - forkHead > 2, "the fulfilment is deeper than confirmations");
        // the fulfilment never happened on the new, longer chain
        await revertTo(snap);
        assert.equal(await d.consumer.callbacks(ids[0]), 0n);
        await miner.mine(oldHead - forkHead + 3);
        miner.start();
        await waitForCallbacks(d.consumer, ids, 60_000);
        await eventually(() => runner.store.countByState().confirmed === 3, 30_000, "3 confirmed again");
        const { callbacks, events } = await callbackCounts(d, ids);
        assert.deepEqual(callbacks, [1n, 1n, 1n]);
        assert.deepEqual(events, [1, 1, 1]);
        const reorgs = await runner.metrics.registry.getSingleMetricAsString("axon_runner_reorgs_total");
        assert.match(reorgs, /axon_runner_reorgs_total [1-9]/);
      } finally {
        miner.stop();
        await runner.stop();
      }
    },
  );

  it("never acts on a request orphaned by a reorg shallower than confirmations", { timeout: 120_000 }, async () => {
    const runner = await makeRunner({ confirmations: 3 });
    await runner.start();
    try {
      const snap = await rpc<string>(node.url, "evm_snapshot");
      const [orphan] = await requestNow([digits(1, 300)[0].input]);
      await miner.mine(1);
      // two blocks deep, one short of `confirmations`: the runner must not have taken it
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(runner.store.getRequest(orphan), undefined);
      await revertTo(snap);
      // the same id now belongs to a different (malformed) request on the canonical chain
      const [id] = await requestNow([Uint8Array.of(7, 7, 7)]);
      assert.equal(id, orphan);
      miner.start();
      await waitForCallbacks(d.consumer, [id], 30_000);
      assert.equal(Number(await d.consumer.errorCodeOf(id)), ErrorCode.MalformedInput);
      const { callbacks, events } = await callbackCounts(d, [id]);
      assert.deepEqual(callbacks, [1n]);
      assert.deepEqual(events, [1]);
    } finally {
      miner.stop();
      await runner.stop();
    }
  });

  it(
    "serves the replacement when a deep reorg swaps a fulfilled request for another with the same id",
    { timeout: 120_000 },
    async () => {
      const runner = await makeRunner({ confirmations: 2 });
      await runner.start();
      try {
        const snap = await rpc<string>(node.url, "evm_snapshot");
        const forkHead = await head();
        const [id] = await requestNow([digits(1, 400)[0].input]);
        miner.start();
        await waitForCallbacks(d.consumer, [id], 30_000);
        await eventually(() => runner.store.getRequest(id)?.state === "confirmed", 30_000, "confirmed");
        miner.stop();
        const oldHead = await head();
        await revertTo(snap);
        const [again] = await requestNow([new Uint8Array(800)]);
        assert.equal(again, id);
        await miner.mine(oldHead - forkHead + 3);
        miner.start();
        await waitForCallbacks(d.consumer, [id], 60_000);
        assert.equal(Number(await d.consumer.errorCodeOf(id)), ErrorCode.InputTooLarge);
        await eventually(() => runner.store.getRequest(id)?.state === "confirmed", 30_000, "replacement confirmed");
        const { callbacks, events } = await callbackCounts(d, [id]);
        assert.deepEqual(callbacks, [1n]);
        assert.deepEqual(events, [1]);
      } finally {
        miner.stop();
        await runner.stop();
      }
    },
  );
});
