import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "../../src/backends/types";
import type { RawConfig } from "../../src/config";
import type { Runner } from "../../src/runner";
import { assertAnsweredOnce, digits, eventually, waitForCallbacks } from "../helpers/e2e";
import { rpc } from "../helpers/nodes";
import { e2eSuite } from "../helpers/suite";

describe("reorgs (anvil snapshot/revert)", () => {
  const env = e2eSuite({ blocks: "manual" });

  const makeRunner = (over: Partial<RawConfig> = {}): Promise<Runner> => env.newRunner({ pollIntervalMs: 50, ...over });

  /** Sends one request per input in a single transaction and mines exactly that block. */
  async function requestNow(inputs: Uint8Array[]): Promise<bigint[]> {
    const first = (await env.d.oracle.nextRequestId()) as bigint;
    const tx = await env.d.consumer.askMany(env.d.modelId, inputs, env.d.callbackGasLimit, { gasLimit: 3_000_000 });
    await env.miner.mine(1);
    await tx.wait();
    return inputs.map((_, i) => first + BigInt(i));
  }

  const head = async () => env.d.provider.getBlockNumber();

  /** Reverts the chain to `snap`; the requester's locally counted nonce goes back with it. */
  async function revertTo(snap: string): Promise<void> {
    await rpc(env.node.url, "evm_revert", [snap]);
    env.d.admin.reset();
  }

  it(
    "re-sends a fulfilment orphaned by a reorg deeper than confirmations, callback still exactly once",
    { timeout: 120_000 },
    async () => {
      const runner = await makeRunner({ confirmations: 2 });
      await runner.start();
      try {
        const ids = await requestNow(digits(3, 200).map((x) => x.input));
        const snap = await rpc<string>(env.node.url, "evm_snapshot");
        const forkHead = await head();
        env.miner.start();
        await waitForCallbacks(env.d.consumer, ids, 30_000);
        await eventually(() => runner.store.countByState().confirmed === 3, 30_000, "3 confirmed");
        env.miner.stop();
        const oldHead = await head();
        assert.ok(oldHead - forkHead > 2, "the fulfilment is deeper than confirmations");
        // the fulfilment never happened on the new, longer chain
        await revertTo(snap);
        assert.equal(await env.d.consumer.callbacks(ids[0]), 0n);
        await env.miner.mine(oldHead - forkHead + 3);
        env.miner.start();
        await waitForCallbacks(env.d.consumer, ids, 60_000);
        await eventually(() => runner.store.countByState().confirmed === 3, 30_000, "3 confirmed again");
        await assertAnsweredOnce(env.d, ids);
        const reorgs = await runner.metrics.registry.getSingleMetricAsString("axon_runner_reorgs_total");
        assert.match(reorgs, /axon_runner_reorgs_total [1-9]/);
      } finally {
        env.miner.stop();
        await runner.stop();
      }
    },
  );

  it("never acts on a request orphaned by a reorg shallower than confirmations", { timeout: 120_000 }, async () => {
    const runner = await makeRunner({ confirmations: 3 });
    await runner.start();
    try {
      const snap = await rpc<string>(env.node.url, "evm_snapshot");
      const [orphan] = await requestNow([digits(1, 300)[0].input]);
      await env.miner.mine(1);
      // two blocks deep, one short of `confirmations`: the runner must not have taken it
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(runner.store.getRequest(orphan), undefined);
      await revertTo(snap);
      // the same id now belongs to a different (malformed) request on the canonical chain
      const [id] = await requestNow([Uint8Array.of(7, 7, 7)]);
      assert.equal(id, orphan);
      env.miner.start();
      await waitForCallbacks(env.d.consumer, [id], 30_000);
      assert.equal(Number(await env.d.consumer.errorCodeOf(id)), ErrorCode.MalformedInput);
      await assertAnsweredOnce(env.d, [id]);
    } finally {
      env.miner.stop();
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
        const snap = await rpc<string>(env.node.url, "evm_snapshot");
        const forkHead = await head();
        const [id] = await requestNow([digits(1, 400)[0].input]);
        env.miner.start();
        await waitForCallbacks(env.d.consumer, [id], 30_000);
        await eventually(() => runner.store.getRequest(id)?.state === "confirmed", 30_000, "confirmed");
        env.miner.stop();
        const oldHead = await head();
        await revertTo(snap);
        const [again] = await requestNow([new Uint8Array(800)]);
        assert.equal(again, id);
        await env.miner.mine(oldHead - forkHead + 3);
        env.miner.start();
        await waitForCallbacks(env.d.consumer, [id], 60_000);
        assert.equal(Number(await env.d.consumer.errorCodeOf(id)), ErrorCode.InputTooLarge);
        await eventually(() => runner.store.getRequest(id)?.state === "confirmed", 30_000, "replacement confirmed");
        await assertAnsweredOnce(env.d, [id]);
      } finally {
        env.miner.stop();
        await runner.stop();
      }
    },
  );
});
