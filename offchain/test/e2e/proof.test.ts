/**
 * Proof mode end to end (issue 15): the runner takes a Proof request assigned to another node, computes the output
 * with the integer backend, proves it in the prover pool, submits `fulfilProof`; the oracle verifies the Groth16
 * proof, runs the callback and pays the runner. A request the circuit cannot take is never submitted.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Contract, keccak256 } from "ethers";
import { downsample28, encodeProvenClassification, inferInteger, type QuantisedMlp } from "../../src/backends/zkmlp";
import { loadMnist } from "../../scripts/lib/mnist";
import { eventually, sendRequests, waitForCallbacks } from "../helpers/e2e";
import { e2eSuite, nodeKinds } from "../helpers/suite";
import { type ProofModelDeployment, ZK_DIR, deployProofModel } from "../helpers/zk";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const MODE_PROOF = 3n;
const STATE_PENDING = 1n;

for (const kind of nodeKinds("AXON_E2E_PROOF_NODES", "anvil")) {
  describe(`Proof mode end to end on ${kind}`, { timeout: 180_000 }, () => {
    let p: ProofModelDeployment;
    const model = JSON.parse(readFileSync(join(ZK_DIR, "model.json"), "utf8")) as QuantisedMlp;
    const env = e2eSuite({
      kind,
      async setup({ d }) {
        p = await deployProofModel(d);
      },
      runner: (raw) => ({
        ...raw,
        models: [
          ...(raw.models ?? []),
          { modelId: String(p.modelId), backend: "proof", path: ZK_DIR, maxInputBytes: 196 },
        ],
      }),
    });

    it("proves Proof requests assigned to another node and fulfils them in one fulfilProofBatch: callbacks, payment, proofs kept in the store", async () => {
      const { test } = loadMnist();
      const inputs = [0, 700, 1500].map((i) => downsample28(test.images[i]));
      const creditBefore = (await env.d.oracle.creditOf(env.d.nodeAddress)) as bigint;
      const ids = await sendRequests({ ...env.d, modelId: p.modelId }, inputs, 3);

      await waitForCallbacks(env.d.consumer, ids, 120_000);
      for (const [i, id] of ids.entries()) {
        const expected = encodeProvenClassification(inferInteger(model, inputs[i]));
        assert.equal(await env.d.consumer.outputHashOf(id), keccak256(expected), `request ${id}: the proven output`);
        assert.equal(Number(await env.d.consumer.errorCodeOf(id)), 0);
      }
      const fulfilled = await env.d.oracle.queryFilter(
        env.d.oracle.filters.RequestFulfilled(),
        env.d.startBlock,
        "latest",
      );
      const ours = fulfilled
        .map(
          (l) => (l as unknown as { args: { requestId: bigint; node: string; mode: bigint; isFinal: boolean } }).args,
        )
        .filter((a) => ids.includes(a.requestId));
      assert.equal(ours.length, ids.length);
      for (const a of ours) {
        assert.equal(a.node, env.d.nodeAddress, "the runner, not the assigned node, fulfilled it");
        assert.notEqual(a.node, p.assignedNode);
        assert.equal(a.mode, MODE_PROOF);
        assert.equal(a.isFinal, true);
      }
      // the three proofs were ready together: they went out from the runner's key as one fulfilProofBatch
      const batchSelector = env.d.oracle.interface.getFunction("fulfilProofBatch")!.selector;
      const txHashes = new Set(
        fulfilled
          .filter((l) => ids.includes((l as unknown as { args: { requestId: bigint } }).args.requestId))
          .map((l) => l.transactionHash),
      );
      assert.equal(txHashes.size, 1, "one transaction for the three proofs");
      for (const hash of txHashes) {
        const tx = await env.d.provider.getTransaction(hash);
        assert.equal(tx!.from, env.d.nodeAddress);
        assert.equal(tx!.data.slice(0, 10), batchSelector);
      }
      assert.ok(((await env.d.oracle.creditOf(env.d.nodeAddress)) as bigint) > creditBefore, "the runner was paid");
      await eventually(
        () => ids.every((id) => env.runner.store.getRequest(id)?.state === "confirmed"),
        30_000,
        "proof requests confirmed in the store",
      );
      for (const id of ids) {
        const row = env.runner.store.getRequest(id)!;
        assert.equal(row.mode, 3);
        assert.equal(row.takeover, false);
        assert.equal(row.proof?.length, 256);
      }
    });

    it("fulfils a lone proven result with fulfilProof", async () => {
      const { test } = loadMnist();
      const input = downsample28(test.images[42]);
      const [id] = await sendRequests({ ...env.d, modelId: p.modelId }, [input], 1);
      await waitForCallbacks(env.d.consumer, [id], 120_000);
      const expected = encodeProvenClassification(inferInteger(model, input));
      assert.equal(await env.d.consumer.outputHashOf(id), keccak256(expected));
      const [log] = await env.d.oracle.queryFilter(
        env.d.oracle.filters.RequestFulfilled(id),
        env.d.startBlock,
        "latest",
      );
      const tx = await env.d.provider.getTransaction(log.transactionHash);
      assert.equal(tx!.data.slice(0, 10), env.d.oracle.interface.getFunction("fulfilProof")!.selector);
      const receipt = await env.d.provider.getTransactionReceipt(log.transactionHash);
      assert.ok(receipt!.gasUsed < tx!.gasLimit, `${receipt!.gasUsed} gas used of ${tx!.gasLimit}`);
    });

    it("never submits a request the circuit cannot take: it stays open and refundable on chain", async () => {
      const [id] = await sendRequests({ ...env.d, modelId: p.modelId }, [Uint8Array.of(1, 2, 3)], 1);
      await eventually(
        () => env.runner.store.getRequest(id)?.state === "failed",
        30_000,
        "the malformed request failed",
      );
      const row = env.runner.store.getRequest(id)!;
      assert.match(row.finalReason ?? "", /no proof to submit/);
      assert.equal(((await env.d.oracle.requestState(id)) as bigint[])[0], STATE_PENDING);
      assert.equal(await (env.d.consumer as Contract).callbacks(id), 0n);
    });
  });
}
