import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Wallet } from "ethers";
import { ModelHashMismatchError } from "../../src/modelHash";
import { Runner } from "../../src/runner";
import { assertAnsweredOnce, callbackCounts, digits, eventually, sendRequests, waitForCallbacks } from "../helpers/e2e";
import { FaultProxy } from "../helpers/faultProxy";
import { rpc } from "../helpers/nodes";
import { e2eSuite, testLogger } from "../helpers/suite";

const DEEP = !!process.env.DEEP;

describe("runner under faults (anvil)", () => {
  const env = e2eSuite();

  it(
    "loses and duplicates nothing behind an RPC proxy that drops, delays and errors over 20% of calls",
    { timeout: 300_000 },
    async () => {
      const proxy = new FaultProxy(env.node.url, {
        dropBeforeForward: 0.05,
        dropAfterForward: 0.05,
        error: 0.1,
        delay: 0.1,
        maxDelayMs: 300,
        seed: 7,
      });
      const url = await proxy.start();
      const runner = await env.newRunner({ rpcTimeoutMs: 1000 }, { urls: [url] });
      try {
        // start itself goes through the faulty proxy (hash check, reconciliation)
        await runner.start();
        const count = DEEP ? 120 : 30;
        const ids = await sendRequests(
          env.d,
          digits(count).map((x) => x.input),
          5,
        );
        await waitForCallbacks(env.d.consumer, ids, 150_000);
        await eventually(() => runner.store.countByState().confirmed >= count, 60_000, "all confirmed in the store");
        await assertAnsweredOnce(env.d, ids);
        assert.ok(proxy.stats.total >= 30, `only ${proxy.stats.total} HTTP calls went through the proxy`);
        assert.ok(proxy.faultRate >= 0.2, `fault rate ${proxy.faultRate}`);
        assert.equal(runner.store.countByState().failed, 0);
      } finally {
        await runner.stop();
        await proxy.stop();
      }
    },
  );

  it("resyncs its nonce after the node key sends a transaction outside the runner", { timeout: 120_000 }, async () => {
    const runner = await env.newRunner();
    await runner.start();
    try {
      const outsider = new Wallet(env.d.nodeKey, env.d.provider);
      const first = await sendRequests(
        env.d,
        digits(5).map((x) => x.input),
        5,
      );
      await waitForCallbacks(env.d.consumer, first, 30_000);
      // the same key used elsewhere: the runner's local nonce is now stale
      for (let i = 0; i < 3; i++) await (await outsider.sendTransaction({ to: env.d.adminAddress, value: 1n })).wait();
      const second = await sendRequests(
        env.d,
        digits(5, 5).map((x) => x.input),
        5,
      );
      await waitForCallbacks(env.d.consumer, second, 60_000);
      const { callbacks } = await callbackCounts(env.d, [...first, ...second]);
      assert.deepEqual(
        callbacks,
        [...first, ...second].map(() => 1n),
      );
    } finally {
      await runner.stop();
    }
  });

  it("picks up after a nonce gap left while it was stopped", { timeout: 120_000 }, async () => {
    const runner = await env.newRunner();
    await runner.start();
    const ids = await sendRequests(
      env.d,
      digits(4, 20).map((x) => x.input),
      4,
    );
    await waitForCallbacks(env.d.consumer, ids, 30_000);
    await runner.stop();
    const outsider = new Wallet(env.d.nodeKey, env.d.provider);
    await (await outsider.sendTransaction({ to: env.d.adminAddress, value: 1n })).wait();
    const more = await sendRequests(
      env.d,
      digits(4, 24).map((x) => x.input),
      4,
    );
    const again = new Runner(runner.config, { logger: testLogger });
    await again.start();
    try {
      await waitForCallbacks(env.d.consumer, more, 60_000);
      const { callbacks } = await callbackCounts(env.d, more);
      assert.deepEqual(
        callbacks,
        more.map(() => 1n),
      );
    } finally {
      await again.stop();
    }
  });

  it("bumps the fees of a stuck transaction until it is mined, within the cap", { timeout: 120_000 }, async () => {
    const runner = await env.newRunner({
      submitter: {
        bumpAfterBlocks: 2,
        bumpPercent: 12.5,
        maxFeePerGasCapWei: "200000000000",
        priorityFeeWei: "1000000",
      },
    });
    await runner.start();
    await rpc(env.node.url, "evm_setAutomine", [false]);
    try {
      // from here blocks come only from this test: the runner's transaction waits in the mempool
      env.miner.stop();
      const first = (await env.d.oracle.nextRequestId()) as bigint;
      const ids = [first, first + 1n, first + 2n];
      const sent = await env.d.consumer.askMany(
        env.d.modelId,
        digits(3, 40).map((x) => x.input),
        env.d.callbackGasLimit,
        {
          gasLimit: 2_000_000,
        },
      );
      await env.miner.mine(1);
      await sent.wait();
      // exactly `confirmations` blocks: the runner sees the requests and sends, nothing mines its transaction yet
      await env.miner.mine(2);
      await eventually(() => runner.store.batchesInState("pending").length > 0, 30_000, "a pending batch");
      // the base fee jumps far above what the pending transaction offers
      const offered = runner.store.txsOf(runner.store.batchesInState("pending")[0].id)[0].maxFeePerGas;
      await rpc(env.node.url, "anvil_setNextBlockBaseFeePerGas", ["0x" + (offered * 4n).toString(16)]);
      for (let i = 0; i < 60 && (await env.d.consumer.callbacks(ids[2])) === 0n; i++) {
        await env.miner.mine(1);
        await new Promise((r) => setTimeout(r, 250));
      }
      const metrics = await runner.metrics.registry.getSingleMetricAsString("axon_runner_tx_bumps_total");
      const bumps = Number(/axon_runner_tx_bumps_total (\d+)/.exec(metrics)?.[1] ?? 0);
      assert.ok(bumps >= 1, `expected at least one fee bump, got ${bumps}`);
      const { callbacks } = await callbackCounts(env.d, ids);
      assert.deepEqual(
        callbacks,
        ids.map(() => 1n),
      );
      const bumped = runner.store.db.prepare("SELECT id FROM batches WHERE bumps > 0").all() as { id: number }[];
      assert.ok(bumped.length >= 1);
      const fees = runner.store.txsOf(bumped[0].id).map((t) => t.maxFeePerGas);
      assert.ok(fees.length >= 2 && fees.every((f, i) => i === 0 || f > fees[i - 1]), `fees ${fees} did not rise`);
      assert.ok(fees.every((f) => f <= 200_000_000_000n));
    } finally {
      await rpc(env.node.url, "evm_setAutomine", [true]);
      env.miner.start();
      await runner.stop();
    }
  });

  it("batches under load: many fulfilments share each transaction", { timeout: 180_000 }, async () => {
    const runner = await env.newRunner({
      batching: { maxBatchSize: 64, maxWaitMs: 30, maxTxItems: 40, maxTxWaitMs: 200, maxInFlightTxs: 4 },
    });
    await runner.start();
    try {
      const count = 160;
      const ids = await sendRequests(
        env.d,
        digits(count, 50).map((x) => x.input),
        20,
      );
      await waitForCallbacks(env.d.consumer, ids, 120_000);
      await eventually(() => runner.store.countByState().confirmed >= count, 60_000, "all confirmed");
      const txs = Number(
        /axon_runner_tx_sent_total (\d+)/.exec(
          await runner.metrics.registry.getSingleMetricAsString("axon_runner_tx_sent_total"),
        )?.[1],
      );
      assert.ok(txs <= count / 10, `${count} fulfilments took ${txs} transactions`);
      const { callbacks } = await callbackCounts(env.d, ids);
      assert.deepEqual(
        callbacks,
        ids.map(() => 1n),
      );
    } finally {
      await runner.stop();
    }
  });

  it(
    "refuses to serve a model whose file does not hash to its on-chain weights hash",
    { timeout: 60_000 },
    async () => {
      const wrong = `0x${"ab".repeat(32)}`;
      const registry = env.d.registry;
      await (await registry.setWeightsHash(env.d.modelId, wrong)).wait();
      const runner = await env.newRunner();
      try {
        await assert.rejects(
          runner.start(),
          (e: unknown) =>
            e instanceof ModelHashMismatchError && e.message.includes(wrong) && e.message.includes(env.d.weightsHash),
        );
      } finally {
        await (await registry.setWeightsHash(env.d.modelId, env.d.weightsHash)).wait();
      }
    },
  );

  it("takes one writer per key: a second runner on the same store is refused", { timeout: 60_000 }, async () => {
    const a = await env.newRunner();
    await a.start();
    try {
      const b = new Runner(a.config, { logger: testLogger });
      await assert.rejects(b.start(), /one writer per key/);
    } finally {
      await a.stop();
    }
  });
});
