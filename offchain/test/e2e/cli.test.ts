import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { promisify } from "node:util";
import { REQUEST_CREATED_TOPIC } from "../../src/oracle";
import { type NewRequest, Store } from "../../src/store";
import { runnerConfig, writeConfig } from "../helpers/e2e";
import { OFFCHAIN_DIR } from "../helpers/nodes";
import { e2eSuite } from "../helpers/suite";

const run = promisify(execFile);

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--require", "ts-node/register/transpile-only", path.join(OFFCHAIN_DIR, "src", "cli.ts"), ...args],
      { cwd: OFFCHAIN_DIR, env: { ...process.env, ...env }, timeout: 120_000 },
    );
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

describe("axon-runner CLI", () => {
  const env = e2eSuite({ blocks: "automine" });
  let config: string;

  before(() => {
    config = writeConfig(env.dir, runnerConfig(env.d, env.dir, [env.node.url]));
  });

  it("doctor checks RPC, key, contracts, model hash and execution providers without printing the key", async () => {
    const { code, out } = await cli(["--config", config, "doctor"], { AXON_NODE_KEY: env.d.nodeKey });
    assert.equal(code, 0, out);
    assert.match(out, /ok\s+rpc http:\/\/127\.0\.0\.1:\d+: chain 31337/);
    assert.match(out, /ok\s+contract AIOracle/);
    assert.match(out, /ok\s+oracle encoding: compact Request; this node served 0 results/);
    assert.match(out, /ok\s+model 1 node set: this node serves it/);
    assert.match(out, new RegExp(`ok\\s+model 1 hash: file ${env.d.weightsHash}`));
    assert.match(out, /ok\s+execution provider cpu/);
    assert.match(out, /execution provider webgpu/);
    assert.ok(!out.includes(env.d.nodeKey.slice(2)), "the key leaked");
  });

  it("doctor fails with a message that names the wrong config value", async () => {
    const bad = writeConfig(
      env.dir,
      { ...runnerConfig(env.d, env.dir, [env.node.url]), confirmations: -1 },
      "bad.json",
    );
    const { code, out } = await cli(["--config", bad, "doctor"], { AXON_NODE_KEY: env.d.nodeKey });
    assert.equal(code, 1);
    assert.match(out, /FAIL\s+config: .*confirmations/);
  });

  it("status prints the store's cursor and request states", async () => {
    const { code, out } = await cli(["--config", config, "status"], { AXON_NODE_KEY: env.d.nodeKey });
    assert.equal(code, 0, out);
    const status = JSON.parse(out) as { requests: Record<string, number>; pendingBatches: unknown[] };
    assert.equal(status.requests.confirmed, 0);
    assert.deepEqual(status.pendingBatches, []);
  });

  it("start refuses a store holding requests of the previous encoding; expire-legacy closes them", async () => {
    const dir = path.join(env.dir, "legacy");
    mkdirSync(dir);
    const cfg = runnerConfig(env.d, dir, [env.node.url]);
    const file = writeConfig(dir, cfg, "legacy.json");
    const store = new Store(cfg.dbPath!, 31337, await env.d.oracle.getAddress());
    const old = (id: bigint, topic: string): NewRequest => ({
      requestId: id,
      modelId: env.d.modelId,
      input: Uint8Array.of(1),
      logTopics: [topic, "0x01"],
      logData: "0x",
      blockNumber: 1,
      blockHash: `0x${"b".repeat(64)}`,
      logIndex: Number(id),
      txHash: "0xtx",
      callbackGasLimit: 100_000,
      deadline: 999,
    });
    store.commitScan([old(7n, `0x${"0d".repeat(32)}`), old(8n, REQUEST_CREATED_TOPIC)], [], 1);
    store.close();
    const refused = await cli(["--config", file, "start"], { AXON_NODE_KEY: env.d.nodeKey });
    assert.equal(refused.code, 1);
    assert.match(refused.out, /holds 1 request\(s\) in progress from the previous AIOracle encoding \(7\)/);
    assert.match(refused.out, /axon-runner expire-legacy/);
    const closed = await cli(["--config", file, "expire-legacy"], { AXON_NODE_KEY: env.d.nodeKey });
    assert.equal(closed.code, 0, closed.out);
    assert.deepEqual(JSON.parse(closed.out).expired, [{ id: "7", was: "seen" }]);
    const after = new Store(cfg.dbPath!, 31337, await env.d.oracle.getAddress());
    assert.equal(after.getRequest(7n)!.state, "expired");
    assert.match(after.getRequest(7n)!.finalReason!, /previous AIOracle encoding/);
    assert.equal(after.getRequest(8n)!.state, "seen");
    assert.deepEqual(after.openRequestsOfOtherEvent(REQUEST_CREATED_TOPIC), []);
    after.close();
  });

  it("start refuses a missing key with a clear message", async () => {
    const { code, out } = await cli(["--config", config, "start"], { AXON_NODE_KEY: "" });
    assert.equal(code, 1);
    assert.match(out, /AXON_NODE_KEY/);
  });
});
