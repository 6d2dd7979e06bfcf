import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before } from "node:test";
import { type RawConfig, resolveConfig } from "../../src/config";
import { createLogger } from "../../src/log";
import { Runner, type RunnerOptions } from "../../src/runner";
import { type Deployed, deployStack } from "./deploy";
import { Miner, runnerConfig } from "./e2e";
import { type LocalNode, rpc, startAnvil, startHardhatNode } from "./nodes";
import { tmpDir } from "./tmp";

export type NodeKind = "anvil" | "hardhat";

/** The logger every in-process test runner gets (`AXON_TEST_LOG=info` to see it). */
export const testLogger = createLogger({ level: process.env.AXON_TEST_LOG ?? "silent" });

/** The node kinds a suite runs on: the comma-separated `envVar`, else `fallback`. */
export function nodeKinds(envVar: string, fallback: string): NodeKind[] {
  return (process.env[envVar] ?? fallback).split(",") as NodeKind[];
}

/** How a suite's runner config differs from `runnerConfig`: fields to override, or a function of the default. */
export type RunnerConfigEdit = Partial<RawConfig> | ((raw: RawConfig) => RawConfig);

/** A local chain with the Axon stack deployed, shared by the tests of one `describe`; filled in by its `before`. */
export interface E2eSuite {
  /** The suite's temporary directory, removed after the suite. */
  readonly dir: string;
  node: LocalNode;
  d: Deployed;
  miner: Miner;
  /** The runner started in `before` (only when the suite asked for one). */
  runner: Runner;
  /**
   * A new in-process runner (not started) on the suite's chain: `runnerConfig` edited by `config`, with its store in
   * `dir` (default: a fresh subdirectory), RPC `urls` (default: the node), node `key` (default: the deployment's)
   * and `backendFactory` (default: the real backends).
   */
  newRunner(config?: RunnerConfigEdit, opts?: NewRunnerOptions): Promise<Runner>;
}

export interface NewRunnerOptions {
  urls?: string[];
  dir?: string;
  key?: string;
  backendFactory?: RunnerOptions["backendFactory"];
}

export interface E2eOptions {
  /** Default anvil. */
  kind?: NodeKind;
  /**
   * Where blocks come from: "interval" (default) the node's automine plus a block every 100 ms; "automine" the
   * node's automine only; "manual" only the test (`evm_setAutomine false`). The miner is there to start in each case.
   */
  blocks?: "interval" | "automine" | "manual";
  /** Runs once the stack is deployed, before the miner starts (extra contracts, verification settings). */
  setup?: (s: E2eSuite) => Promise<void>;
  /** Starts `s.runner` with its store in the suite's directory, its config `runnerConfig` edited by this. */
  runner?: RunnerConfigEdit;
}

/**
 * Registers the `before`/`after` hooks of a runner end-to-end suite: temporary directory, node, deployed stack,
 * miner and optionally a started runner; `after` stops every runner made by `newRunner`, the miner and the node,
 * and removes the directory.
 */
export function e2eSuite(opts: E2eOptions = {}): E2eSuite {
  const tmp = tmpDir();
  const runners: Runner[] = [];
  let n = 0;
  const s = {
    dir: tmp.dir,
    async newRunner(config: RunnerConfigEdit = {}, o: NewRunnerOptions = {}) {
      const dir = o.dir ?? path.join(tmp.dir, `r${n++}`);
      mkdirSync(dir, { recursive: true });
      const base = runnerConfig(s.d, dir, o.urls ?? [s.node.url]);
      const raw = typeof config === "function" ? config(base) : { ...base, ...config };
      const r = new Runner(await resolveConfig(raw, { AXON_NODE_KEY: o.key ?? s.d.nodeKey }, dir), {
        logger: testLogger,
        backendFactory: o.backendFactory,
      });
      runners.push(r);
      return r;
    },
  } as E2eSuite;

  before(async () => {
    s.node = (opts.kind ?? "anvil") === "anvil" ? await startAnvil() : await startHardhatNode();
    s.d = await deployStack(s.node.url, tmp.dir);
    const blocks = opts.blocks ?? "interval";
    if (blocks === "manual") await rpc(s.node.url, "evm_setAutomine", [false]);
    await opts.setup?.(s);
    s.miner = new Miner(s.node.url, 100);
    if (blocks === "interval") s.miner.start();
    if (opts.runner) {
      s.runner = await s.newRunner(opts.runner, { dir: tmp.dir });
      await s.runner.start();
    }
  });

  after(async () => {
    for (const r of runners.reverse()) await r.stop();
    s.miner?.stop();
    s.d?.provider.destroy();
    await s.node?.stop();
    tmp.cleanup();
  });

  return s;
}
