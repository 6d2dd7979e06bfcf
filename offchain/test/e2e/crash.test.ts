import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { Store } from "../../src/store";
import {
  assertAnsweredOnce,
  digits,
  exited,
  runnerConfig,
  sendRequests,
  spawnRunner,
  waitForCallbacks,
  writeConfig,
} from "../helpers/e2e";
import { e2eSuite } from "../helpers/suite";

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

describe("crash safety: the runner process killed with SIGKILL at random points", () => {
  const env = e2eSuite();

  it(
    `fulfils every request exactly once across ${KILLS} kills and restarts`,
    { timeout: DEEP ? 900_000 : 240_000 },
    async () => {
      const rand = prng(SEED);
      const cfg = writeConfig(
        env.dir,
        runnerConfig(env.d, env.dir, [env.node.url], {
          batching: { maxBatchSize: 16, maxWaitMs: 20, maxTxItems: 8, maxTxWaitMs: 30, maxInFlightTxs: 2 },
          logLevel: "info",
        }),
      );
      const logFile = path.join(env.dir, "runner.log");
      const perWave = 6;
      const pool = digits(perWave * (KILLS + 2));
      const ids: bigint[] = [];
      let wave = 0;
      for (let k = 0; k < KILLS; k++) {
        const child = spawnRunner(cfg, env.d.nodeKey, logFile);
        // requests arrive while the process starts, infers and submits; the kill lands anywhere in that
        ids.push(
          ...(await sendRequests(
            env.d,
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
          env.d,
          pool.slice(wave * perWave, ++wave * perWave).map((p) => p.input),
          3,
        )),
      );
      const last = spawnRunner(cfg, env.d.nodeKey, logFile);
      try {
        await waitForCallbacks(env.d.consumer, ids, 120_000);
        // give a duplicate (if any) the time to land before counting
        await new Promise((r) => setTimeout(r, 1500));
        await assertAnsweredOnce(env.d, ids);
      } finally {
        last.kill("SIGTERM");
        await exited(last);
      }
      const store = new Store(path.join(env.dir, "runner.db"), 31337, await env.d.oracle.getAddress());
      const counts = store.countByState();
      store.close();
      assert.equal(counts.failed, 0);
      assert.equal(counts.seen + counts.inferring + counts.inferred, 0);
    },
  );
});
