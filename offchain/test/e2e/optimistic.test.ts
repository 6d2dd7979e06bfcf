import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { type Contract, Wallet } from "ethers";
import type { RawConfig } from "../../src/config";
import { RequestStateCode } from "../../src/oracle";
import { type RequestState, Store } from "../../src/store";
import { advanceChainTo, counter, createdOf, finalEvents, sleep } from "../helpers/backup";
import {
  callbackCounts,
  digits,
  exited,
  eventually,
  runnerConfig,
  sendRequests,
  spawnRunner,
  waitForCallbacks,
  writeConfig,
} from "../helpers/e2e";
import { DEV_KEYS } from "../helpers/nodes";
import { e2eSuite } from "../helpers/suite";

const WINDOW_S = 300;
const BOND_WEI = 10n ** 17n;
/** The runner's config, in process and as a child process alike. */
const RUNNER: Partial<RawConfig> = { confirmations: 1, logLevel: "info" };

describe("optimistic mode: the runner finalizes its proposed results after the challenge window (anvil)", () => {
  const env = e2eSuite({
    async setup({ d }) {
      await (
        await d.registry.setVerification(d.modelId, {
          mode: 2,
          quorumK: 0,
          quorumN: 0,
          challengeWindowSeconds: WINDOW_S,
          bondWei: BOND_WEI,
        })
      ).wait();
    },
    runner: RUNNER,
  });
  const dbPath = () => path.join(env.dir, "runner.db");
  const raw = () => runnerConfig(env.d, env.dir, [env.node.url], RUNNER);

  /** Request states read from the runner's database (a second connection, as the runner may be another process). */
  function statesOf(ids: bigint[]): RequestState[] {
    const s = new Store(dbPath(), 31337, env.d.oracle.target as string);
    try {
      return ids.map((id) => s.getRequest(id)?.state ?? ("missing" as RequestState));
    } finally {
      s.close();
    }
  }

  it("proposes, finalizes after the window with the fees credited, and leaves a challenged result to its resolution", async () => {
    const ids = await sendRequests(
      env.d,
      digits(3).map((s) => s.input),
      3,
    );
    await eventually(
      () => ids.every((id) => env.runner.store.getRequest(id)?.state === "proposed"),
      60_000,
      "proposals",
    );
    const { callbacks: early } = await callbackCounts(env.d, ids);
    assert.deepEqual(
      early,
      ids.map(() => 0n),
      "nothing delivered while provisional",
    );
    const created = await createdOf(env.d);
    const [challenged, ...unchallenged] = ids;
    const challenger = new Wallet(DEV_KEYS[3], env.d.provider);
    await (
      await (env.d.oracle.connect(challenger) as Contract).challenge(challenged, created.get(challenged)!.request, {
        value: BOND_WEI,
      })
    ).wait();
    const creditBefore = (await env.d.oracle.creditOf(env.d.nodeAddress)) as bigint;

    // inside the window nothing is finalized
    await sleep(1500);
    assert.deepEqual(
      ids.map((id) => env.runner.store.getRequest(id)!.state),
      ["proposed", "proposed", "proposed"],
    );

    const deadline = Math.max(...ids.map((id) => env.runner.store.getRequest(id)!.challengeDeadline!));
    await advanceChainTo(env.d, env.node.url, deadline + 1);
    await eventually(
      () =>
        unchallenged.every((id) => env.runner.store.getRequest(id)?.state === "finalized") &&
        env.runner.store.getRequest(challenged)?.state === "challenged",
      60_000,
      "finalized and challenged",
    );
    await waitForCallbacks(env.d.consumer, unchallenged, 20_000);
    const expected = unchallenged.reduce((s, id) => s + created.get(id)!.nodeFeeWei + created.get(id)!.gasFeeWei, 0n);
    assert.equal(
      (await env.d.oracle.creditOf(env.d.nodeAddress)) - creditBefore,
      expected,
      "node and gas shares credited",
    );
    assert.deepEqual(await finalEvents(env.d, ids), [0, 1, 1]);
    assert.equal(Number((await env.d.oracle.requestState(challenged))[0]), RequestStateCode.Challenged);
    assert.equal((await env.d.consumer.callbacks(challenged)) as bigint, 0n);
    assert.equal(await counter(env.runner.metrics, "optimistic", "proposed"), 3);
    assert.equal(await counter(env.runner.metrics, "optimistic", "finalized"), 2);
    assert.equal(await counter(env.runner.metrics, "optimistic", "challenged"), 1);

    // the arbiter rejects the challenge: the result stands, and the runner finalizes it
    await (await env.d.oracle.resolveChallenge(challenged, created.get(challenged)!.request, true)).wait();
    await eventually(() => env.runner.store.getRequest(challenged)?.state === "finalized", 30_000, "finalized");
    await waitForCallbacks(env.d.consumer, [challenged], 20_000);
    assert.deepEqual(await finalEvents(env.d, ids), [1, 1, 1]);
    assert.equal(await counter(env.runner.metrics, "optimistic", "finalized"), 3);
  });

  it("finalizes a result whose challenge nobody resolved, taking half the challenger's forfeited bond", async () => {
    const [id] = await sendRequests(
      env.d,
      digits(1, 40).map((s) => s.input),
      1,
    );
    await eventually(() => env.runner.store.getRequest(id)?.state === "proposed", 30_000, "proposed");
    const created = await createdOf(env.d);
    const challenger = new Wallet(DEV_KEYS[3], env.d.provider);
    await (
      await (env.d.oracle.connect(challenger) as Contract).challenge(id, created.get(id)!.request, { value: BOND_WEI })
    ).wait();
    const creditBefore = (await env.d.oracle.creditOf(env.d.nodeAddress)) as bigint;
    await advanceChainTo(env.d, env.node.url, env.runner.store.getRequest(id)!.challengeDeadline! + 1);
    await eventually(() => env.runner.store.getRequest(id)?.state === "challenged", 30_000, "challenged");
    // nobody resolves it: past its resolution time the runner finalizes it (issue 12: no refund for the challenger)
    const resolveBy = Number(((await env.d.oracle.proposalOf(id)) as { resolveBy: bigint }).resolveBy);
    await advanceChainTo(env.d, env.node.url, resolveBy + 1);
    await eventually(() => env.runner.store.getRequest(id)?.state === "finalized", 30_000, "finalized");
    await waitForCallbacks(env.d.consumer, [id], 20_000);
    assert.equal(Number((await env.d.oracle.requestState(id))[0]), RequestStateCode.Fulfilled);
    assert.equal(
      (await env.d.oracle.creditOf(env.d.nodeAddress)) as bigint,
      creditBefore + created.get(id)!.nodeFeeWei + created.get(id)!.gasFeeWei + BOND_WEI / 2n,
    );
    assert.equal((await env.d.oracle.creditOf(challenger.address)) as bigint, 0n);
  });

  it("finalizes exactly once across kills between proposal and finalization", { timeout: 180_000 }, async () => {
    await env.runner.stop();
    const cfgFile = writeConfig(env.dir, raw(), "runner-child.json");
    const logFile = path.join(env.dir, "runner.log");
    let child = spawnRunner(cfgFile, env.d.nodeKey, logFile);
    try {
      const ids = await sendRequests(
        env.d,
        digits(4, 30).map((s) => s.input),
        4,
      );
      await eventually(() => statesOf(ids).every((s) => s === "proposed"), 60_000, "proposals");
      child.kill("SIGKILL");
      await exited(child);

      const s = new Store(dbPath(), 31337, env.d.oracle.target as string);
      const deadline = Math.max(...ids.map((id) => s.getRequest(id)!.challengeDeadline!));
      s.close();
      await advanceChainTo(env.d, env.node.url, deadline + 1);

      // restarted after the window: killed again as soon as it starts finalizing
      child = spawnRunner(cfgFile, env.d.nodeKey, logFile);
      await eventually(
        () => statesOf(ids).some((st) => st === "finalizing" || st === "finalized"),
        60_000,
        "finalization started",
      );
      child.kill("SIGKILL");
      await exited(child);

      child = spawnRunner(cfgFile, env.d.nodeKey, logFile);
      await eventually(() => statesOf(ids).every((st) => st === "finalized"), 60_000, "all finalized");
      await waitForCallbacks(env.d.consumer, ids, 20_000);
      await sleep(1000);
      assert.deepEqual(await finalEvents(env.d, ids), [1, 1, 1, 1]);
      const { callbacks } = await callbackCounts(env.d, ids);
      assert.deepEqual(
        callbacks,
        ids.map(() => 1n),
      );
    } finally {
      child.kill("SIGTERM");
      await exited(child);
    }
  });
});
