import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, it } from "node:test";
import { getAddress } from "ethers";
import type { EventLog } from "ethers";
import type { Runner } from "../../src/runner";
import { addServingNode, advanceChainTo, counter, createdOf, sleep } from "../helpers/backup";
import { assertAnsweredOnce, callbackCounts, digits, eventually, sendRequests, waitForCallbacks } from "../helpers/e2e";
import { DEV_KEYS } from "../helpers/nodes";
import { e2eSuite } from "../helpers/suite";

const EXTRA_DELAY_S = 10;

describe("backup node: takeover of another node's requests after their exclusivity (anvil)", () => {
  let backupAddress: string;
  let backup: Runner;
  const env = e2eSuite({
    async setup({ d }) {
      backupAddress = await addServingNode(d, DEV_KEYS[2]);
    },
  });

  async function startRunner(key: string, db: string): Promise<Runner> {
    const over = {
      confirmations: 1,
      dbPath: path.join(env.dir, db),
      takeover: { enabled: true, extraDelaySeconds: EXTRA_DELAY_S },
    };
    const r = await env.newRunner(over, { dir: env.dir, key });
    await r.start();
    return r;
  }

  before(async () => {
    // the assigned node (dev account 1) is not running: only the backup is
    backup = await startRunner(DEV_KEYS[2], "backup.db");
  });

  /** Splits `ids` into those assigned to the backup node and those assigned to the other (dead) node. */
  async function split(ids: bigint[]): Promise<{ own: bigint[]; others: bigint[]; exclusiveUntil: number }> {
    const created = await createdOf(env.d);
    const own = ids.filter((id) => created.get(id)!.nodes.includes(backupAddress));
    const others = ids.filter((id) => !created.get(id)!.nodes.includes(backupAddress));
    assert.ok(own.length > 0 && others.length > 0, "requests are spread over both nodes");
    const exclusiveUntil = Math.max(...others.map((id) => created.get(id)!.exclusiveUntil));
    return { own, others, exclusiveUntil };
  }

  it("fulfils a dead node's requests only once chain time passes exclusiveUntil plus the extra delay", async () => {
    const ids = await sendRequests(
      env.d,
      digits(8).map((s) => s.input),
      8,
    );
    const { own, others, exclusiveUntil } = await split(ids);
    await waitForCallbacks(env.d.consumer, own, 60_000);

    // past the contract's exclusivity but inside the configured extra delay: still not taken
    await advanceChainTo(env.d, env.node.url, exclusiveUntil + 1);
    await sleep(1500);
    const before = await callbackCounts(env.d, others);
    assert.deepEqual(
      before.callbacks,
      others.map(() => 0n),
    );
    for (const id of others) {
      const row = backup.store.getRequest(id)!;
      assert.equal(row.takeover, true);
      assert.equal(row.state, "seen");
      assert.equal(row.exclusiveUntil, exclusiveUntil);
    }
    assert.equal(await counter(backup.metrics, "takeovers", "attempted"), 0);

    await advanceChainTo(env.d, env.node.url, exclusiveUntil + EXTRA_DELAY_S + 1);
    await waitForCallbacks(env.d.consumer, others, 60_000);
    await assertAnsweredOnce(env.d, ids);
    const fulfilled = await env.d.oracle.queryFilter(
      env.d.oracle.filters.RequestFulfilled(),
      env.d.startBlock,
      "latest",
    );
    for (const l of fulfilled as EventLog[])
      assert.equal(getAddress(l.args.node as string), backupAddress, "every result came from the backup node");
    await eventually(
      async () => (await counter(backup.metrics, "takeovers", "fulfilled")) === others.length,
      20_000,
      "takeovers counted as fulfilled",
    );
    assert.equal(await counter(backup.metrics, "takeovers", "attempted"), others.length);
    assert.equal(await counter(backup.metrics, "takeovers", "dropped"), 0);
  });

  it("sends nothing for requests the assigned node answered within its window", async () => {
    // the assigned node comes back (the suite stops it with the backup)
    await startRunner(env.d.nodeKey, "assigned.db");
    const ids = await sendRequests(
      env.d,
      digits(8, 40).map((s) => s.input),
      8,
    );
    const { others, exclusiveUntil } = await split(ids);
    await waitForCallbacks(env.d.consumer, ids, 60_000);
    await eventually(
      () => {
        const c = backup.store.countByState();
        return c.inferring + c.inferred + c.submitted === 0;
      },
      20_000,
      "the backup's own requests settled",
    );
    const nonce = await env.d.provider.getTransactionCount(backupAddress, "latest");
    const attempted = await counter(backup.metrics, "takeovers", "attempted");

    await advanceChainTo(env.d, env.node.url, exclusiveUntil + EXTRA_DELAY_S + 1);
    await eventually(
      () => others.every((id) => backup.store.getRequest(id)?.state === "expired"),
      20_000,
      "the backup drops the answered takeovers",
    );
    for (const id of others) assert.match(backup.store.getRequest(id)!.finalReason!, /answered by another node/);
    await sleep(500);
    assert.equal(await env.d.provider.getTransactionCount(backupAddress, "latest"), nonce, "the backup sent no tx");
    assert.equal(await counter(backup.metrics, "takeovers", "attempted"), attempted);
    assert.equal(await counter(backup.metrics, "takeovers", "dropped"), others.length);
    const { callbacks } = await callbackCounts(env.d, ids);
    assert.deepEqual(
      callbacks,
      ids.map(() => 1n),
    );
  });
});
