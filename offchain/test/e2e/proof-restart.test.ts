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
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Transaction, hexlify } from "ethers";
import { createBackend } from "../../src/backends";
import type { InferenceBackend } from "../../src/backends/types";
import type { RawConfig } from "../../src/config";
import type { Runner } from "../../src/runner";
import { Store } from "../../src/store";
import { downsample28 } from "../../src/backends/zkmlp";
import { loadMnist } from "../../scripts/lib/mnist";
import {
  assertAnsweredOnce,
  callbackCounts,
  eventually,
  exited,
  runnerConfig,
  sendRequests,
  spawnRunner,
  waitForCallbacks,
  writeConfig,
} from "../helpers/e2e";
import { FaultProxy } from "../helpers/faultProxy";
import { e2eSuite } from "../helpers/suite";
import { type ProofModelDeployment, ZK_DIR, deployProofModel } from "../helpers/zk";

describe("Proof mode: the runner stopped or killed between proving and submitting", { timeout: 300_000 }, () => {
  let p: ProofModelDeployment;
  let proofSelectors: string[];
  const env = e2eSuite({
    setup: async (s) => {
      p = await deployProofModel(s.d);
      proofSelectors = ["fulfilProof", "fulfilProofBatch"].map((f) => s.d.oracle.interface.getFunction(f)!.selector);
    },
  });
  const gates: FaultProxy[] = [];
  const children: ChildProcess[] = [];

  after(async () => {
    for (const c of children) {
      c.kill("SIGKILL");
      await exited(c);
    }
    for (const g of gates) await g.stop();
  });

  /** The Proof model added to a runner's configuration. */
  const withProofModel = (raw: RawConfig): RawConfig => ({
    ...raw,
    models: [...(raw.models ?? []), { modelId: String(p.modelId), backend: "proof", path: ZK_DIR, maxInputBytes: 196 }],
  });

  /** A JSON-RPC gate in front of the node that refuses (as a transient error) the calls `refuse` picks. */
  const startGate = async (refuse: ConstructorParameters<typeof FaultProxy>[1]["refuse"]): Promise<FaultProxy> => {
    const gate = new FaultProxy(env.node.url, { refuse });
    gates.push(gate);
    await gate.start();
    return gate;
  };

  /** An in-process runner with the Proof model, its store in `dir`, whose Proof backend counts what it proves. */
  const startRunner = async (dir: string, url: string): Promise<{ runner: Runner; proven: () => number }> => {
    let proven = 0;
    const runner = await env.newRunner(withProofModel, {
      dir,
      urls: [url],
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
    await runner.start();
    return { runner, proven: () => proven };
  };

  const isProofCall = (data: unknown) => typeof data === "string" && proofSelectors.includes(data.slice(0, 10));

  /** The calldata of the transaction that fulfilled `id` on chain. */
  const fulfilmentData = async (id: bigint): Promise<string> => {
    const logs = await env.d.oracle.queryFilter(env.d.oracle.filters.RequestFulfilled(id), env.d.startBlock, "latest");
    assert.equal(logs.length, 1, `request ${id} fulfilled once`);
    return (await env.d.provider.getTransaction(logs[0].transactionHash))!.data;
  };

  const assertExactlyOnce = async (ids: bigint[]) => {
    // give a duplicate (if any) the time to land before counting
    await new Promise((r) => setTimeout(r, 1500));
    await assertAnsweredOnce(env.d, ids);
  };

  const digits = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => downsample28(loadMnist().test.images[from + i * 97]));

  it("stopped after proving, before submitting: the restarted runner sends the stored proofs, proving nothing", async () => {
    const dir = join(env.dir, "before-submit");
    const gate = await startGate(
      (c) => c.method === "eth_call" && isProofCall((c.params?.[0] as { data?: string })?.data),
    );
    const first = await startRunner(dir, gate.url);
    const ids = await sendRequests({ ...env.d, modelId: p.modelId }, digits(10, 3), 3);

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
    await first.runner.stop();
    assert.deepEqual(
      (await callbackCounts(env.d, ids)).callbacks,
      ids.map(() => 0n),
      "nothing delivered before the restart",
    );

    const second = await startRunner(dir, env.node.url);
    await waitForCallbacks(env.d.consumer, ids, 120_000);
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
    await second.runner.stop();
  });

  it("SIGKILLed after signing, the broadcast lost: the restarted runner re-sends the stored transaction, proving nothing", async () => {
    const dir = join(env.dir, "while-submitting");
    mkdirSync(dir);
    const gate = await startGate((c) => c.method === "eth_sendRawTransaction");
    const logFile = join(dir, "runner.log");
    const cfgFile = writeConfig(env.dir, withProofModel(runnerConfig(env.d, dir, [gate.url])), "while-submitting.json");
    const child = spawnRunner(cfgFile, env.d.nodeKey, logFile);
    children.push(child);
    const [id] = await sendRequests({ ...env.d, modelId: p.modelId }, digits(20, 1), 1);

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
    assert.equal((await callbackCounts(env.d, [id])).callbacks[0], 0n, "nothing delivered before the restart");
    const before = new Store(join(dir, "runner.db"), 31337, await env.d.oracle.getAddress());
    const row = before.getRequest(id)!;
    before.close();
    assert.equal(row.state, "submitted", "the crash left the request submitted");
    assert.ok(sentData.includes(hexlify(row.proof!).slice(2)), "the signed transaction carries the stored proof");

    const second = await startRunner(dir, env.node.url);
    await waitForCallbacks(env.d.consumer, [id], 120_000);
    await assertExactlyOnce([id]);
    assert.equal(await fulfilmentData(id), sentData, "the transaction signed before the crash (or its fee bump)");
    assert.equal(second.proven(), 0, "the restarted runner proved nothing");
    await eventually(
      () => second.runner.store.getRequest(id)?.state === "confirmed",
      30_000,
      "the request confirmed in the store",
    );
    assert.equal(second.runner.store.getRequest(id)!.attempts, 1, "one proving attempt across both runs");
    await second.runner.stop();
  });
});
