import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Contract, ContractFactory, type InterfaceAbi } from "ethers";
import { decodeClassification } from "../../src/canonical";
import { artifact, ensureCompiled } from "../helpers/artifacts";
import { digits, eventually } from "../helpers/e2e";
import { e2eSuite } from "../helpers/suite";

describe("the example DigitClassifierConsumer served by the runner (anvil)", () => {
  let classifier: Contract;
  const env = e2eSuite({
    runner: {},
    async setup({ d }) {
      ensureCompiled(["DigitClassifierConsumer"]);
      const art = artifact("DigitClassifierConsumer");
      const factory = new ContractFactory(art.abi as InterfaceAbi, art.bytecode, d.admin);
      classifier = (await factory.deploy(await d.oracle.getAddress(), d.modelId, d.adminAddress)) as Contract;
      await classifier.waitForDeployment();
    },
  });

  it(
    "classifies real digits on chain: the consumer decodes the runner's canonical bytes",
    { timeout: 120_000 },
    async () => {
      const set = digits(10, 500);
      const quote = (await env.d.oracle.quote(env.d.modelId, await classifier.CALLBACK_GAS_LIMIT())) as bigint;
      const ids: bigint[] = [];
      for (const s of set) {
        const tx = await classifier.classify(s.input, { value: quote });
        const receipt = await tx.wait();
        const ev = receipt!.logs
          .map((l: { topics: string[]; data: string }) => classifier.interface.parseLog(l))
          .find((e: { name: string } | null) => e?.name === "ClassificationRequested");
        ids.push(ev!.args.requestId as bigint);
      }
      const classified = new Map<bigint, { label: number; scores: number[] }>();
      await eventually(
        async () => {
          const logs = await classifier.queryFilter(classifier.filters.DigitClassified(), env.d.startBlock, "latest");
          for (const l of logs) {
            const a = (l as unknown as { args: { requestId: bigint; label: bigint; scores: bigint[] } }).args;
            classified.set(a.requestId, { label: Number(a.label), scores: a.scores.map(Number) });
          }
          return ids.every((id) => classified.has(id));
        },
        90_000,
        "10 DigitClassified events",
      );
      let correct = 0;
      for (const [i, id] of ids.entries()) {
        const got = classified.get(id)!;
        // the consumer's on-chain decoding agrees with the bytes the runner delivered
        const delivered = decodeClassification(env.runner.store.getRequest(id)!.output!);
        assert.equal(got.label, delivered.label);
        assert.deepEqual(got.scores, delivered.scoresBps);
        const fulfilments = await env.d.oracle.queryFilter(
          env.d.oracle.filters.RequestFulfilled(id),
          env.d.startBlock,
          "latest",
        );
        assert.equal(fulfilments.length, 1);
        if (got.label === set[i].label) correct++;
      }
      assert.ok(correct >= 9, `${correct}/10 digits classified correctly`);
    },
  );
});
