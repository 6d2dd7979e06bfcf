import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Contract, ContractFactory, type InterfaceAbi } from "ethers";
import { decodeClassification } from "../../src/canonical";
import { resolveConfig } from "../../src/config";
import { createLogger } from "../../src/log";
import { Runner } from "../../src/runner";
import { artifact, ensureCompiled } from "../helpers/artifacts";
import { type Deployed, deployStack } from "../helpers/deploy";
import { Miner, digits, eventually, runnerConfig } from "../helpers/e2e";
import { type LocalNode, startAnvil } from "../helpers/nodes";
import { tmpDir } from "../helpers/tmp";

describe("the example DigitClassifierConsumer served by the runner (anvil)", () => {
  const tmp = tmpDir();
  let node: LocalNode;
  let d: Deployed;
  let miner: Miner;
  let runner: Runner;
  let classifier: Contract;

  before(async () => {
    ensureCompiled(["DigitClassifierConsumer"]);
    node = await startAnvil();
    d = await deployStack(node.url, tmp.dir);
    const art = artifact("DigitClassifierConsumer");
    const factory = new ContractFactory(art.abi as InterfaceAbi, art.bytecode, d.admin);
    classifier = (await factory.deploy(await d.oracle.getAddress(), d.modelId, d.adminAddress)) as Contract;
    await classifier.waitForDeployment();
    miner = new Miner(node.url, 100);
    miner.start();
    const cfg = await resolveConfig(runnerConfig(d, tmp.dir, [node.url]), { AXON_NODE_KEY: d.nodeKey }, tmp.dir);
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

  it(
    "classifies real digits on chain: the consumer decodes the runner's canonical bytes",
    { timeout: 120_000 },
    async () => {
      const set = digits(10, 500);
      const quote = (await d.oracle.quote(d.modelId, await classifier.CALLBACK_GAS_LIMIT())) as bigint;
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
          const logs = await classifier.queryFilter(classifier.filters.DigitClassified(), d.startBlock, "latest");
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
        const delivered = decodeClassification(runner.store.getRequest(id)!.output!);
        assert.equal(got.label, delivered.label);
        assert.deepEqual(got.scores, delivered.scoresBps);
        const fulfilments = await d.oracle.queryFilter(d.oracle.filters.RequestFulfilled(id), d.startBlock, "latest");
        assert.equal(fulfilments.length, 1);
        if (got.label === set[i].label) correct++;
      }
      assert.ok(correct >= 9, `${correct}/10 digits classified correctly`);
    },
  );
});
