import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { Wallet } from "ethers";
import type { RawConfig } from "../../src/config";
import type { Runner } from "../../src/runner";
import { Store } from "../../src/store";
import { assertAnsweredOnce, digits, eventually, waitForCallbacks } from "../helpers/e2e";
import { rpc } from "../helpers/nodes";
import { e2eSuite } from "../helpers/suite";

/**
 * The pipelined submitter with blocks mined by the test only (anvil without automine): several fulfilment
 * transactions in flight at once, and what happens to one of them in the middle of the pipeline.
 */
describe("pipelined submitter: several transactions in flight (anvil, manual mining)", () => {
  const env = e2eSuite({ blocks: "manual" });

  const makeRunner = (over: Partial<RawConfig> = {}, dir?: string): Promise<Runner> =>
    env.newRunner(
      {
        confirmations: 1,
        pollIntervalMs: 50,
        batching: { maxBatchSize: 64, maxWaitMs: 10, maxTxItems: 3, maxTxWaitMs: 0, maxInFlightTxs: 4 },
        submitter: { bumpAfterBlocks: 50, baseGas: 100_000, perItemGasOverhead: 80_000 },
        ...over,
      },
      { dir },
    );

  /** `count` requests in one transaction, mined with one more block so the watcher (1 confirmation) sees them. */
  async function request(count: number, offset: number): Promise<bigint[]> {
    const first = (await env.d.oracle.nextRequestId()) as bigint;
    const inputs = digits(count, offset).map((x) => x.input);
    const tx = await env.d.consumer.askMany(env.d.modelId, inputs, env.d.callbackGasLimit, {
      gasLimit: 400_000 * (count + 1),
    });
    await env.miner.mine(1);
    await tx.wait();
    await env.miner.mine(1);
    return inputs.map((_, i) => first + BigInt(i));
  }

  const pending = (r: Runner) => r.store.batchesInState("pending");

  it(
    "keeps maxInFlightTxs transactions pending with consecutive nonces, then settles each exactly once",
    {
      timeout: 120_000,
    },
    async () => {
      const runner = await makeRunner();
      await runner.start();
      try {
        const ids = await request(12, 0);
        await eventually(() => pending(runner).length === 4, 30_000, "4 batches in flight");
        const nonces = pending(runner).map((b) => b.nonce);
        assert.deepEqual(
          nonces,
          [0, 1, 2, 3].map((i) => nonces[0] + i),
        );
        assert.deepEqual(
          pending(runner).map((b) => b.requestIds.length),
          [3, 3, 3, 3],
        );
        // nothing more goes out while the pipeline is full
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(runner.store.batchesInState("pending").length, 4);
        env.miner.start();
        await waitForCallbacks(env.d.consumer, ids, 30_000);
        await eventually(() => runner.store.countByState().confirmed === 12, 30_000, "12 confirmed");
        await assertAnsweredOnce(env.d, ids);
        const batches = runner.store.batchesInState("confirmed");
        assert.equal(batches.length, 4);
      } finally {
        env.miner.stop();
        await runner.stop();
      }
    },
  );

  it(
    "re-sends a middle transaction lost from the pool, so the nonces queued behind it land too",
    {
      timeout: 120_000,
    },
    async () => {
      const runner = await makeRunner();
      await runner.start();
      try {
        const ids = await request(12, 12);
        await eventually(() => pending(runner).length === 4, 30_000, "4 batches in flight");
        const middle = pending(runner)[1];
        const lost = runner.store.txsOf(middle.id)[0].hash;
        await rpc(env.node.url, "anvil_dropTransaction", [lost]);
        await env.miner.mine(1);
        // the first went through; the others wait behind the gap until the runner re-broadcasts the lost one
        await eventually(async () => (await env.d.consumer.callbacks(ids[0])) === 1n, 10_000, "the first batch mined");
        assert.equal(await env.d.consumer.callbacks(ids[3]), 0n);
        assert.equal(await env.d.consumer.callbacks(ids[6]), 0n);
        env.miner.start();
        await waitForCallbacks(env.d.consumer, ids, 30_000);
        await eventually(() => runner.store.countByState().confirmed === 12, 30_000, "all confirmed");
        await assertAnsweredOnce(env.d, ids);
        const settled = runner.store.getBatch(middle.id)!;
        assert.equal(settled.state, "confirmed");
        assert.equal(settled.minedTxHash, lost, "the same signed bytes were sent again");
      } finally {
        env.miner.stop();
        await runner.stop();
      }
    },
  );

  it(
    "drops the batch whose nonce another transaction of the key took, and re-sends its requests under a new nonce",
    {
      timeout: 120_000,
    },
    async () => {
      const runner = await makeRunner();
      await runner.start();
      try {
        const ids = await request(12, 24);
        await eventually(() => pending(runner).length === 4, 30_000, "4 batches in flight");
        const middle = pending(runner)[1];
        const offered = runner.store.txsOf(middle.id)[0];
        // the same key, used elsewhere, replaces the middle transaction in the pool with a better-paying one
        const outsider = new Wallet(env.d.nodeKey, env.d.provider);
        await outsider.sendTransaction({
          to: env.d.adminAddress,
          value: 1n,
          nonce: middle.nonce,
          gasLimit: 21_000,
          maxFeePerGas: offered.maxFeePerGas * 3n,
          maxPriorityFeePerGas: offered.maxFeePerGas * 2n,
        });
        env.miner.start();
        await waitForCallbacks(env.d.consumer, ids, 60_000);
        await eventually(() => runner.store.countByState().confirmed === 12, 30_000, "all confirmed");
        await assertAnsweredOnce(env.d, ids);
        assert.equal(runner.store.getBatch(middle.id)!.state, "dropped");
        const resent = runner.store.getRequest(middle.requestIds[0])!;
        assert.notEqual(resent.batchId, middle.id);
        assert.ok(runner.store.getBatch(resent.batchId!)!.nonce > middle.nonce + 2);
        assert.equal(resent.submitAttempts, 1);
      } finally {
        env.miner.stop();
        await runner.stop();
      }
    },
  );

  it(
    "re-sends only the batch a deep reorg orphaned, leaving the earlier one of the pipeline settled",
    {
      timeout: 120_000,
    },
    async () => {
      const runner = await makeRunner({
        confirmations: 2,
        batching: { maxBatchSize: 64, maxWaitMs: 10, maxTxItems: 3, maxTxWaitMs: 0, maxInFlightTxs: 1 },
      });
      await runner.start();
      try {
        const ids = await request(6, 36);
        await env.miner.mine(1);
        await eventually(() => pending(runner).length === 1, 30_000, "the first batch in flight");
        const first = pending(runner)[0];
        await env.miner.mine(1);
        const snap = await rpc<string>(env.node.url, "evm_snapshot");
        const forkHead = await env.d.provider.getBlockNumber();
        // the first is confirmed two blocks deep, then the second goes out and is confirmed too
        env.miner.start();
        await waitForCallbacks(env.d.consumer, ids, 30_000);
        await eventually(() => runner.store.countByState().confirmed === 6, 30_000, "both batches confirmed");
        env.miner.stop();
        const second = runner.store.getRequest(ids[5])!.batchId!;
        assert.notEqual(second, first.id);
        const oldHead = await env.d.provider.getBlockNumber();
        assert.ok(oldHead - forkHead > 2, "the second fulfilment is deeper than confirmations");
        await rpc(env.node.url, "evm_revert", [snap]);
        env.d.admin.reset();
        assert.equal(await env.d.consumer.callbacks(ids[0]), 1n);
        assert.equal(await env.d.consumer.callbacks(ids[5]), 0n);
        await env.miner.mine(oldHead - forkHead + 3);
        env.miner.start();
        await waitForCallbacks(env.d.consumer, ids, 60_000);
        await eventually(() => runner.store.getBatch(second)!.state === "confirmed", 30_000, "the second re-confirmed");
        await assertAnsweredOnce(env.d, ids);
        const a = runner.store.getBatch(first.id)!;
        assert.equal(a.state, "confirmed");
        assert.equal(a.minedTxHash, runner.store.txsOf(first.id)[0].hash);
        assert.ok(a.minedBlock! <= forkHead, "the first batch stayed on the surviving chain");
      } finally {
        env.miner.stop();
        await runner.stop();
      }
    },
  );

  it(
    "re-sends a confirmed batch orphaned above the watcher's cursor (the scan had not reached the fork yet)",
    { timeout: 120_000 },
    async () => {
      const over: Partial<RawConfig> = {
        confirmations: 2,
        batching: { maxBatchSize: 64, maxWaitMs: 10, maxTxItems: 3, maxTxWaitMs: 0, maxInFlightTxs: 1 },
      };
      const runner = await makeRunner(over);
      const dir = path.dirname(runner.config.dbPath);
      let restarted: Runner | null = null;
      await runner.start();
      try {
        const ids = await request(3, 48);
        const snap = await rpc<string>(env.node.url, "evm_snapshot");
        const forkHead = await env.d.provider.getBlockNumber();
        env.miner.start();
        await waitForCallbacks(env.d.consumer, ids, 30_000);
        await eventually(() => runner.store.countByState().confirmed === 3, 30_000, "the batch confirmed");
        env.miner.stop();
        const batch = runner.store.getRequest(ids[0])!.batchId!;
        assert.ok(runner.store.getBatch(batch)!.minedBlock! > forkHead);
        const oldHead = await env.d.provider.getBlockNumber();
        await runner.stop();
        // the scan lagged: its cursor and recorded hashes end at the fork, below the block the batch was mined in
        const store = new Store(runner.config.dbPath, runner.config.chainId, runner.config.oracleAddress);
        store.rewindTo(forkHead);
        store.close();
        await rpc(env.node.url, "evm_revert", [snap]);
        env.d.admin.reset();
        assert.equal(await env.d.consumer.callbacks(ids[0]), 0n);
        await env.miner.mine(oldHead - forkHead + 3);
        restarted = await makeRunner(over, dir);
        await restarted.start();
        env.miner.start();
        await waitForCallbacks(env.d.consumer, ids, 60_000);
        await eventually(
          () => restarted!.store.getBatch(batch)!.state === "confirmed",
          30_000,
          "the orphaned batch re-confirmed",
        );
        await assertAnsweredOnce(env.d, ids);
        assert.ok(restarted.store.getBatch(batch)!.minedBlock! > forkHead);
      } finally {
        env.miner.stop();
        await runner.stop();
        await restarted?.stop();
      }
    },
  );
});
