import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "../../src/backends/types";
import { decodeClassification } from "../../src/canonical";
import { assertAnsweredOnce, callbackCounts, eventually, digits, sendRequests, waitForCallbacks } from "../helpers/e2e";
import { e2eSuite, nodeKinds } from "../helpers/suite";

for (const kind of nodeKinds("AXON_E2E_NODES", "anvil,hardhat")) {
  describe(`end to end on ${kind}`, () => {
    const env = e2eSuite({ kind, runner: {} });

    it("fulfils real digit requests with the canonical classification, each callback exactly once", async () => {
      const set = digits(20);
      const ids = await sendRequests(
        env.d,
        set.map((s) => s.input),
        10,
      );
      await waitForCallbacks(env.d.consumer, ids, 60_000);
      await assertAnsweredOnce(env.d, ids);
      const logs = await env.d.consumer.queryFilter(env.d.consumer.filters.Answered(), env.d.startBlock, "latest");
      let correct = 0;
      for (const l of logs) {
        const { requestId, errorCode, output } = (
          l as unknown as { args: { requestId: bigint; errorCode: bigint; output: string } }
        ).args;
        assert.equal(Number(errorCode), ErrorCode.None);
        const bytes = Uint8Array.from(Buffer.from(output.slice(2), "hex"));
        assert.equal(bytes.length, 21);
        const c = decodeClassification(bytes);
        if (c.label === set[Number(requestId - ids[0])].label) correct++;
      }
      assert.ok(correct >= 18, `only ${correct}/20 digits classified correctly`);
    });

    it("answers malformed and oversize inputs with error results instead of blocking the queue", async () => {
      const good = digits(2, 100).map((s) => s.input);
      const inputs = [Uint8Array.of(1, 2, 3), good[0], new Uint8Array(785), new Uint8Array(0), good[1]];
      const ids = await sendRequests(env.d, inputs, 5);
      await waitForCallbacks(env.d.consumer, ids, 60_000);
      const codes = await Promise.all(ids.map(async (id) => Number(await env.d.consumer.errorCodeOf(id))));
      assert.deepEqual(codes, [
        ErrorCode.MalformedInput,
        ErrorCode.None,
        ErrorCode.InputTooLarge,
        ErrorCode.MalformedInput,
        ErrorCode.None,
      ]);
      const { callbacks } = await callbackCounts(env.d, ids);
      assert.deepEqual(
        callbacks,
        ids.map(() => 1n),
      );
    });

    it("reports confirmed requests in the store and serves metrics and health", async () => {
      await eventually(() => env.runner.store.countByState().confirmed === 25, 30_000, "25 confirmed requests");
      const counts = env.runner.store.countByState();
      assert.equal(counts.confirmed, 25);
      assert.equal(counts.failed, 0);
      const port = env.runner.metricsPort!;
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /axon_runner_requests_received_total 25/);
      assert.match(metrics, /axon_runner_requests_fulfilled_total\{result="ok"\} 22/);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
      const h = (await health.json()) as { rpc: { lagBlocks: number }; db: { ok: boolean } };
      assert.equal(h.db.ok, true);
      assert.ok(h.rpc.lagBlocks >= 0);
    });
  });
}
