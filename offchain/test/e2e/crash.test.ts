import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Store } from "../../src/store";
import { type Deployed, deployStack } from "../helpers/deploy";
import {
  Miner,
  callbackCounts,
  digits,
  runnerConfig,
  sendRequests,
  spawnRunner,
  waitForCallbacks,
  writeConfig,
} from "../helpers/e2e";
import { type LocalNode, startAnvil } from "../helpers/nodes";
import { tmpDir } from "../helpers/tmp";

const DEEP = !!process.env.DEEP;
const KILLS = DEEP ? 24 : 4;
const SEED = 0xc0ffee;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const exited = (c: ChildProcess) =>
  new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once("exit", () => r())));

describe("crash safety: the runner process killed with SIGKILL at random points", () => {
  const tmp = tmpDir();
  let node: LocalNode;
  let d: Deployed;
  let miner: Miner;

  before(async () => {
    node = await startAnvil();
    d = await deployStack(node.url, tmp.dir);
    miner = new Miner(node.url, 100);
    miner.start();
  });

  after(async () => {
    miner?.stop();
    d?.provider.destroy();
    await node?.stop();
    tmp.cleanup();
  });

  it(
    `fulfils every request exactly once across ${KILLS} kills and restarts`,
    { timeout: DEEP ? 900_000 : 240_000 },
    async () => {
      const rand = prng(SEED);
      const cfg = writeConfig(
        tmp.dir,
        runnerConfig(d, tmp.dir, [node.url], {
          batching: { maxBatchSize: 16, maxWaitMs: 20, maxTxItems: 8, maxTxWaitMs: 30, maxInFlightTxs: 2 },
          logLevel: "info",
        }),
      );
      const logFile = path.join(tmp.dir, "runner.log");
      const perWave = 6;
      const pool = digits(perWave * (KILLS + 2));
      const ids: bigint[] = [];
      let wave = 0;
      for (let k = 0; k < KILLS; k++) {
        const child = spawnRunner(cfg, d.nodeKey, logFile);
        // requests arrive while the process starts, infers and submits; the kill lands anywhere in that
        ids.push(
          ...(await sendRequests(
            d,
            pool.slice(wave * perWave, ++wave * perWave).map((p) => p.input),
            3,
          )),
        );
        await new Promise((r) => setTimeout(r, 300 + rand() * 3500));
        child.kill("SIGKILL");
        await exited(child);
      }
      ids.push(
        ...(await sendRequests(
          d,
          pool.slice(wave * perWave, ++wave * perWave).map((p) => p.input),
          3,
        )),
      );
      const last = spawnRunner(cfg, d.nodeKey, logFile);
      try {
        await waitForCallbacks(d.consumer, ids, 120_000);
        // give a duplicate (if any) the time to land before counting
        await new Promise((r) => setTimeout(r, 1500));
        const { callbacks, events } = await callbackCounts(d, ids);
        assert.deepEqual(
          callbacks,
          ids.map(() => 1n),
          "every request called back exactly once",
        );
        assert.deepEqual(
          events,
          ids.map(() => 1),
          "every request fulfilled exactly once on chain",
        );
      } finally {
        last.kill("SIGTERM");
        await exited(last);
      }
      const store = new Store(path.join(tmp.dir, "runner.db"), 31337, await d.oracle.getAddress());
      const counts = store.countByState();
      store.close();
      assert.equal(counts.failed, 0);
      assert.equal(counts.seen + counts.inferring + counts.inferred, 0);
    },
  );
});
