/**
 * Proof mode across a runner restart (issue 15): a proof is expensive (~0.7 s of CPU), so the runner keeps it in its
 * SQLite store with the output and, after a stop or a crash, sends the stored proof instead of proving again.
 * Two cuts, both on anvil with a JSON-RPC gate in front of the node that refuses what the first runner must not
 * get through:
 *  - stopped after proving, before submitting: the gate refuses the `fulfilProof`/`fulfilProofBatch` simulations
 *    (a transient error), so the proven results wait in the store; the runner is stopped;
 *  - SIGKILLed while submitting: the gate swallows `eth_sendRawTransaction`, so the fulfilment was signed and stored
 *    but never reached the node; the process is killed.
 * A second runner on the same store (straight to the node) must deliver each request exactly once, with the proof
 * the first runner made (the calldata carries the very bytes; a Groth16 proof is randomised, a new one would
 * differ), without calling its prover once, and with one inference attempt per request in the store.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Transaction, hexlify } from "ethers";
import { createBackend } from "../../src/backends";
import type { InferenceBackend } from "../../src/backends/types";
import { resolveConfig } from "../../src/config";
import { createLogger } from "../../src/log";
import { Runner } from "../../src/runner";
import { Store } from "../../src/store";
import { downsample28 } from "../../src/backends/zkmlp";
import { loadMnist } from "../../scripts/lib/mnist";
import { type Deployed, deployStack } from "../helpers/deploy";
import {
  Miner,
  callbackCounts,
  eventually,
  runnerConfig,
  sendRequests,
  spawnRunner,
  waitForCallbacks,
  writeConfig,
} from "../helpers/e2e";
import { type LocalNode, startAnvil } from "../helpers/nodes";
import { tmpDir } from "../helpers/tmp";
import { type ProofModelDeployment, ZK_DIR, deployProofModel } from "../helpers/zk";
import type { RawConfig } from "../../src/config";

interface RpcCall {
  jsonrpc: string;
  id: unknown;
  method: string;
  params?: unknown[];
}

/**
 * Forwards JSON-RPC to the node, answering the calls `refuse` picks with a transient node error instead (a message
 * the runner reads as "try again"); counts and keeps what it refused.
 */
class RpcGate {
  private server: http.Server | null = null;
  readonly refused: RpcCall[] = [];
  url = "";

  constructor(
    private readonly upstream: string,
    private readonly refuse: (c: RpcCall) => boolean,
  ) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        void this.handle(body).then(
          (answer) => res.writeHead(200, { "content-type": "application/json" }).end(answer),
          () => res.writeHead(503).end("gate: upstream failed"),
        );
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(body: string): Promise<string> {
    const parsed = JSON.parse(body) as RpcCall | RpcCall[];
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    const answers = await Promise.all(
      calls.map(async (c) => {
        if (this.refuse(c)) {
          this.refused.push(c);
          return { jsonrpc: "2.0", id: c.id, error: { code: -32000, message: "gate: node unavailable, try again" } };
        }
        const r = await fetch(this.upstream, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(c),
        });
        return r.json();
      }),
    );
    return JSON.stringify(Array.isArray(parsed) ? answers : answers[0]);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

const exited = (c: ChildProcess) =>
  new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once("exit", () => r())));

describe("Proof mode: the runner stopped or killed between proving and submitting", { timeout: 300_000 }, () => {
  const tmp = tmpDir();
  let node: LocalNode;
  let d: Deployed;
  let p: ProofModelDeployment;
  let miner: Miner;
  let proofSelectors: string[];
  const gates: RpcGate[] = [];
  const runners: Runner[] = [];
  const children: ChildProcess[] = [];

  before(async () => {
    node = await startAnvil();
    d = await deployStack(node.url, tmp.dir);
    p = await deployProofModel(d);
    miner = new Miner(node.url, 100);
    miner.start();
    proofSelectors = ["fulfilProof", "fulfilProofBatch"].map((f) => d.oracle.interface.getFunction(f)!.selector);
  });

  after(async () => {
    for (const r of runners) await r.stop();
    for (const c of children) {
      c.kill("SIGKILL");
      await exited(c);
    }
    for (const g of gates) await g.stop();
    miner?.stop();
    d?.provider.destroy();
    await node?.stop();
    tmp.cleanup();
  });

  /** The runner's configuration with the Proof model, its store in `dir`, talking to `url`. */
  const rawConfig = (dir: string, url: string): RawConfig => {
    const raw = runnerConfig(d, dir, [url]);
    raw.models = [
      ...(raw.models ?? []),
      { modelId: String(p.modelId), backend: "proof", path: ZK_DIR, maxInputBytes: 196 },
    ];
    return raw;
  };

  /** An in-process runner whose Proof backend counts the inputs it is asked to prove. */
  const startRunner = async (raw: RawConfig): Promise<{ runner: Runner; proven: () => number }> => {
    let proven = 0;
    const cfg = await resolveConfig(raw, { AXON_NODE_KEY: d.nodeKey }, tmp.dir);
    const runner = new Runner(cfg, {
      logger: createLogger({ level: process.env.AXON_TEST_LOG ?? "silent" }),
      backendFactory: async (spec, logger) => {
        const backend = await createBackend(spec, logger);
        if (spec.backend !== "proof") return backend;
        const counting: InferenceBackend = {
          spec: backend.spec,
          provider: backend.provider,
          infer: (inputs) => {
            proven += inputs.length;
            return backend.infer(inputs);
          },
          close: () => backend.close(),
        };
        return counting;
      },
    });
    runners.push(runner);
    await runner.start();
    return { runner, proven: () => proven };
  };

  const stopRunner = async (runner: Runner) => {
    await runner.stop();
    runners.splice(runners.indexOf(runner), 1);
  };

  const isProofCall = (data: unknown) => typeof data === "string" && proofSelectors.includes(data.slice(0, 10));

  /** The calldata of the transaction that fulfilled `id` on chain. */
  const fulfilmentData = async (id: bigint): Promise<string> => {
    const logs = await d.oracle.queryFilter(d.oracle.filters.RequestFulfilled(id), d.startBlock, "latest");
    assert.equal(logs.length, 1, `request ${id} fulfilled once`);
    return (await d.provider.getTransaction(logs[0].transactionHash))!.data;
  };

  const assertExactlyOnce = async (ids: bigint[]) => {
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
  };

  const digits = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => downsample28(loadMnist().test.images[from + i * 97]));

  it("stopped after proving, before submitting: the restarted runner sends the stored proofs, proving nothing", async () => {
    const dir = join(tmp.dir, "before-submit");
    mkdirSync(dir);
    const gate = new RpcGate(
      node.url,
      (c) => c.method === "eth_call" && isProofCall((c.params?.[0] as { data?: string })?.data),
    );
    gates.push(gate);
    await gate.start();
    const first = await startRunner(rawConfig(dir, gate.url));
    const ids = await sendRequests({ ...d, modelId: p.modelId }, digits(10, 3), 3);

    // proven and stored, and the submitter has tried (and been refused) at least once for every request
    await eventually(
      () => ids.every((id) => first.runner.store.getRequest(id)?.proof?.length === 256),
      120_000,
      "three proofs in the store",
    );
    await eventually(() => gate.refused.length >= ids.length, 30_000, "the fulfilProof simulations refused");
    const stored = new Map(ids.map((id) => [id, hexlify(first.runner.store.getRequest(id)!.proof!)]));
    for (const id of ids) {
      const row = first.runner.store.getRequest(id)!;
      assert.equal(row.state, "inferred", `request ${id} proven, not submitted`);
      assert.equal(row.batchId, null);
    }
    assert.equal(first.proven(), ids.length, "the first runner proved each request once");
    assert.equal(first.runner.store.batchesInState("pending").length, 0, "no transaction was signed");
    await stopRunner(first.runner);
    assert.deepEqual(
      (await callbackCounts(d, ids)).callbacks,
      ids.map(() => 0n),
      "nothing delivered before the restart",
    );

    const second = await startRunner(rawConfig(dir, node.url));
    await waitForCallbacks(d.consumer, ids, 120_000);
    await assertExactlyOnce(ids);
    for (const id of ids) {
      const data = await fulfilmentData(id);
      assert.ok(isProofCall(data), `request ${id} fulfilled through fulfilProof(Batch)`);
      assert.ok(data.includes(stored.get(id)!.slice(2)), `request ${id}: the stored proof was sent`);
    }
    assert.equal(second.proven(), 0, "the restarted runner proved nothing");
    await eventually(
      () => ids.every((id) => second.runner.store.getRequest(id)?.state === "confirmed"),
      30_000,
      "the requests confirmed in the store",
    );
    for (const id of ids) {
      const row = second.runner.store.getRequest(id)!;
      assert.equal(row.attempts, 1, `request ${id}: one proving attempt across both runs`);
      assert.equal(hexlify(row.proof!), stored.get(id));
    }
    await stopRunner(second.runner);
  });

  it("SIGKILLed after signing, the broadcast lost: the restarted runner re-sends the stored transaction, proving nothing", async () => {
    const dir = join(tmp.dir, "while-submitting");
    mkdirSync(dir);
    const gate = new RpcGate(node.url, (c) => c.method === "eth_sendRawTransaction");
    gates.push(gate);
    await gate.start();
    const logFile = join(dir, "runner.log");
    const cfgFile = writeConfig(tmp.dir, rawConfig(dir, gate.url), "while-submitting.json");
    const child = spawnRunner(cfgFile, d.nodeKey, logFile);
    children.push(child);
    const [id] = await sendRequests({ ...d, modelId: p.modelId }, digits(20, 1), 1);

    // the runner signed a fulfilProof for the request (stored before its broadcast), which never reached the node
    const signed = () =>
      gate.refused
        .map((c) => Transaction.from(c.params![0] as string))
        .filter((tx) => isProofCall(tx.data) && tx.data.includes(id.toString(16).padStart(64, "0")));
    await eventually(() => signed().length > 0, 120_000, "a signed fulfilProof refused at the gate");
    child.kill("SIGKILL");
    await exited(child);
    children.splice(children.indexOf(child), 1);
    const sentData = signed()[0].data;
    assert.equal((await callbackCounts(d, [id])).callbacks[0], 0n, "nothing delivered before the restart");
    const before = new Store(join(dir, "runner.db"), 31337, await d.oracle.getAddress());
    const row = before.getRequest(id)!;
    before.close();
    assert.equal(row.state, "submitted", "the crash left the request submitted");
    assert.ok(sentData.includes(hexlify(row.proof!).slice(2)), "the signed transaction carries the stored proof");

    const second = await startRunner(rawConfig(dir, node.url));
    await waitForCallbacks(d.consumer, [id], 120_000);
    await assertExactlyOnce([id]);
    assert.equal(await fulfilmentData(id), sentData, "the transaction signed before the crash (or its fee bump)");
    assert.equal(second.proven(), 0, "the restarted runner proved nothing");
    await eventually(
      () => second.runner.store.getRequest(id)?.state === "confirmed",
      30_000,
      "the request confirmed in the store",
    );
    assert.equal(second.runner.store.getRequest(id)!.attempts, 1, "one proving attempt across both runs");
    await stopRunner(second.runner);
  });
});
