import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { type Contract, Wallet } from "ethers";
import { resolveConfig } from "../../src/config";
import { createLogger } from "../../src/log";
import { RequestStateCode } from "../../src/oracle";
import { Runner } from "../../src/runner";
import { type RequestState, Store } from "../../src/store";
import { advanceChainTo, counter, createdOf, finalEvents, sleep } from "../helpers/backup";
import { type Deployed, deployStack } from "../helpers/deploy";
import {
  Miner,
  callbackCounts,
  digits,
  eventually,
  runnerConfig,
  sendRequests,
  spawnRunner,
  waitForCallbacks,
  writeConfig,
} from "../helpers/e2e";
import { DEV_KEYS, type LocalNode, startAnvil } from "../helpers/nodes";
import { tmpDir } from "../helpers/tmp";

const WINDOW_S = 300;
const BOND_WEI = 10n ** 17n;

const exited = (c: ChildProcess) =>
  new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once("exit", () => r())));

describe("optimistic mode: the runner finalizes its proposed results after the challenge window (anvil)", () => {
  const tmp = tmpDir();
  let node: LocalNode;
  let d: Deployed;
  let miner: Miner;
  let runner: Runner;
  const dbPath = () => path.join(tmp.dir, "runner.db");
  const raw = () => runnerConfig(d, tmp.dir, [node.url], { confirmations: 1, logLevel: "info" });

  /** Request states read from the runner's database (a second connection, as the runner may be another process). */
  function statesOf(ids: bigint[]): RequestState[] {
    const s = new Store(dbPath(), 31337, d.oracle.target as string);
    try {
      return ids.map((id) => s.getRequest(id)?.state ?? ("missing" as RequestState));
    } finally {
      s.close();
    }
  }

  before(async () => {
    node = await startAnvil();
    d = await deployStack(node.url, tmp.dir);
    await (
      await d.registry.setVerification(d.modelId, {
        mode: 2,
        quorumK: 0,
        quorumN: 0,
        challengeWindowSeconds: WINDOW_S,
        bondWei: BOND_WEI,
      })
    ).wait();
    miner = new Miner(node.url, 100);
    miner.start();
    const cfg = await resolveConfig(raw(), { AXON_NODE_KEY: d.nodeKey }, tmp.dir);
    runner = new Runner(cfg, { logger: createLogger({ level: process.env.AXON_TEST_LOG ?? "silent" }) });
    await runner.start();
  });

  after(async () => {
    await runner?.stop();
    miner?.stop();
    d?.provider.destroy();
    await node?.stop();
    tmp.cleanup();
  });

  it("proposes, finalizes after the window with the fees credited, and leaves a challenged result to its resolution", async () => {
    const ids = await sendRequests(
      d,
      digits(3).map((s) => s.input),
      3,
    );
    await eventually(() => ids.every((id) => runner.store.getRequest(id)?.state === "proposed"), 60_000, "proposals");
    const { callbacks: early } = await callbackCounts(d, ids);
    assert.deepEqual(
      early,
      ids.map(() => 0n),
      "nothing delivered while provisional",
    );
    const created = await createdOf(d);
    const [challenged, ...unchallenged] = ids;
    const challenger = new Wallet(DEV_KEYS[3], d.provider);
    await (
      await (d.oracle.connect(challenger) as Contract).challenge(challenged, created.get(challenged)!.request, {
        value: BOND_WEI,
      })
    ).wait();
    const creditBefore = (await d.oracle.creditOf(d.nodeAddress)) as bigint;

    // inside the window nothing is finalized
    await sleep(1500);
    assert.deepEqual(
      ids.map((id) => runner.store.getRequest(id)!.state),
      ["proposed", "proposed", "proposed"],
    );

    const deadline = Math.max(...ids.map((id) => runner.store.getRequest(id)!.challengeDeadline!));
    await advanceChainTo(d, node.url, deadline + 1);
    await eventually(
      () =>
        unchallenged.every((id) => runner.store.getRequest(id)?.state === "finalized") &&
        runner.store.getRequest(challenged)?.state === "challenged",
      60_000,
      "finalized and challenged",
    );
    await waitForCallbacks(d.consumer, unchallenged, 20_000);
    const expected = unchallenged.reduce((s, id) => s + created.get(id)!.nodeFeeWei + created.get(id)!.gasFeeWei, 0n);
    assert.equal((await d.oracle.creditOf(d.nodeAddress)) - creditBefore, expected, "node and gas shares credited");
    assert.deepEqual(await finalEvents(d, ids), [0, 1, 1]);
    assert.equal(Number((await d.oracle.requestState(challenged))[0]), RequestStateCode.Challenged);
    assert.equal((await d.consumer.callbacks(challenged)) as bigint, 0n);
    assert.equal(await counter(runner.metrics, "optimistic", "proposed"), 3);
    assert.equal(await counter(runner.metrics, "optimistic", "finalized"), 2);
    assert.equal(await counter(runner.metrics, "optimistic", "challenged"), 1);

    // the arbiter rejects the challenge: the result stands, and the runner finalizes it
    await (await d.oracle.resolveChallenge(challenged, created.get(challenged)!.request, true)).wait();
    await eventually(() => runner.store.getRequest(challenged)?.state === "finalized", 30_000, "finalized");
    await waitForCallbacks(d.consumer, [challenged], 20_000);
    assert.deepEqual(await finalEvents(d, ids), [1, 1, 1]);
    assert.equal(await counter(runner.metrics, "optimistic", "finalized"), 3);
  });

  it("finalizes a result whose challenge nobody resolved, taking half the challenger's forfeited bond", async () => {
    const [id] = await sendRequests(
      d,
      digits(1, 40).map((s) => s.input),
      1,
    );
    await eventually(() => runner.store.getRequest(id)?.state === "proposed", 30_000, "proposed");
    const created = await createdOf(d);
    const challenger = new Wallet(DEV_KEYS[3], d.provider);
    await (
      await (d.oracle.connect(challenger) as Contract).challenge(id, created.get(id)!.request, { value: BOND_WEI })
    ).wait();
    const creditBefore = (await d.oracle.creditOf(d.nodeAddress)) as bigint;
    await advanceChainTo(d, node.url, runner.store.getRequest(id)!.challengeDeadline! + 1);
    await eventually(() => runner.store.getRequest(id)?.state === "challenged", 30_000, "challenged");
    // nobody resolves it: past its resolution time the runner finalizes it (issue 12: no refund for the challenger)
    const resolveBy = Number(((await d.oracle.proposalOf(id)) as { resolveBy: bigint }).resolveBy);
    await advanceChainTo(d, node.url, resolveBy + 1);
    await eventually(() => runner.store.getRequest(id)?.state === "finalized", 30_000, "finalized");
    await waitForCallbacks(d.consumer, [id], 20_000);
    assert.equal(Number((await d.oracle.requestState(id))[0]), RequestStateCode.Fulfilled);
    assert.equal(
      (await d.oracle.creditOf(d.nodeAddress)) as bigint,
      creditBefore + created.get(id)!.nodeFeeWei + created.get(id)!.gasFeeWei + BOND_WEI / 2n,
    );
    assert.equal((await d.oracle.creditOf(challenger.address)) as bigint, 0n);
  });

  it("finalizes exactly once across kills between proposal and finalization", { timeout: 180_000 }, async () => {
    await runner.stop();
    const cfgFile = writeConfig(tmp.dir, raw(), "runner-child.json");
    const logFile = path.join(tmp.dir, "runner.log");
    let child = spawnRunner(cfgFile, d.nodeKey, logFile);
    try {
      const ids = await sendRequests(
        d,
        digits(4, 30).map((s) => s.input),
        4,
      );
      await eventually(() => statesOf(ids).every((s) => s === "proposed"), 60_000, "proposals");
      child.kill("SIGKILL");
      await exited(child);

      const s = new Store(dbPath(), 31337, d.oracle.target as string);
      const deadline = Math.max(...ids.map((id) => s.getRequest(id)!.challengeDeadline!));
      s.close();
      await advanceChainTo(d, node.url, deadline + 1);

      // restarted after the window: killed again as soon as it starts finalizing
      child = spawnRunner(cfgFile, d.nodeKey, logFile);
      await eventually(
        () => statesOf(ids).some((st) => st === "finalizing" || st === "finalized"),
        60_000,
        "finalization started",
      );
      child.kill("SIGKILL");
      await exited(child);

      child = spawnRunner(cfgFile, d.nodeKey, logFile);
      await eventually(() => statesOf(ids).every((st) => st === "finalized"), 60_000, "all finalized");
      await waitForCallbacks(d.consumer, ids, 20_000);
      await sleep(1000);
      assert.deepEqual(await finalEvents(d, ids), [1, 1, 1, 1]);
      const { callbacks } = await callbackCounts(d, ids);
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
