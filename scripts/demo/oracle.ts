import { formatEther, HDNodeWallet, parseEther, type Contract } from "ethers";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import type { HardhatNetworkHDAccountsConfig } from "hardhat/types";
import { resolveConfig } from "../../offchain/src/config";
import { createLogger } from "../../offchain/src/log";
import { Runner } from "../../offchain/src/runner";
import { heldOutDigits, type DemoPart } from "./context";
import { BUNDLED_MODEL } from "./models";

const RESULT_TIMEOUT_MS = 90_000;

/**
 * Consumers and an agent send digit images to the oracle through the example consumer contract; the real runner
 * (watcher → store → scheduler → ONNX Runtime → submitter), started in-process against this chain over JSON-RPC,
 * fulfils them in batches with real inference, and the model's fees accrue to its token.
 */
export const oracleSteps: DemoPart = {
  count: 2,
  async run({ hre, narrator, deployment, actors, shared, short, balances }) {
    const { ethers } = hre;
    const { oracle } = deployment;
    const { admin, node, consumers, agent } = actors;
    const modelId = shared.modelId!;
    const perConsumer = short ? 3 : 10;
    const perAgent = short ? 2 : 10;
    let consumer!: Contract;
    let runner!: Runner;
    let server!: JsonRpcServer;
    const dir = mkdtempSync(path.join(os.tmpdir(), "axon-demo-"));
    // contracts/examples/DigitClassifierConsumer.sol decodes the classification on chain; without it (a checkout
    // lacking the examples) the requests go straight to the oracle and only their fulfilment is checked.
    const hasConsumer = await hre.artifacts.artifactExists("DigitClassifierConsumer");

    await narrator.step(
      "The runner starts in-process: it verifies the model file against the on-chain hash",
      async () => {
        server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
        const { port } = await server.listen();
        const deploymentFile = path.join(dir, "deployment.json");
        writeFileSync(deploymentFile, JSON.stringify(deployment.manifest, null, 2));
        const accounts = hre.config.networks.hardhat.accounts as HardhatNetworkHDAccountsConfig;
        const signers = await ethers.getSigners();
        const nodeIndex = signers.findIndex((s) => s.address === node.address);
        const nodeKey = HDNodeWallet.fromPhrase(
          accounts.mnemonic,
          accounts.passphrase,
          `${accounts.path}/${nodeIndex}`,
        ).privateKey;
        const cfg = await resolveConfig(
          {
            rpcUrls: [`http://127.0.0.1:${port}`],
            chainId: 31337,
            deployment: deploymentFile,
            models: [{ modelId: String(modelId), path: BUNDLED_MODEL, maxInputBytes: 784 }],
            confirmations: 0,
            pollIntervalMs: 100,
            batching: { maxBatchSize: 32, maxWaitMs: 50, maxTxItems: 32, maxTxWaitMs: 100, maxInFlightTxs: 2 },
            dbPath: path.join(dir, "runner.db"),
            metricsPort: 0,
            logLevel: "silent",
          },
          { AXON_NODE_KEY: nodeKey },
          dir,
        );
        runner = new Runner(cfg, { logger: createLogger({ level: "silent" }), serveMetrics: false });
        await runner.start();
        narrator.say(
          `runner for node ${node.address} watching AIOracle at ${await oracle.getAddress()} (ONNX Runtime, CPU)`,
        );
        if (!hasConsumer) {
          narrator.say("the example consumer is not compiled in this checkout: requests go straight to AIOracle");
          return;
        }
        consumer = (await ethers.deployContract("DigitClassifierConsumer", [
          await oracle.getAddress(),
          modelId,
          admin.address,
        ])) as unknown as Contract;
        await consumer.waitForDeployment();
        narrator.say(`example integrator DigitClassifierConsumer deployed at ${await consumer.getAddress()}`);
      },
    );

    await narrator.step(
      "Consumers and an agent send real MNIST digits; the runner answers with real inference",
      async () => {
        const callbackGas: bigint = hasConsumer ? await consumer.CALLBACK_GAS_LIMIT() : 0n;
        const fee: bigint = await oracle.quote(modelId, callbackGas);
        narrator.say(
          `the oracle quotes ${formatEther(fee)} ETH per request (model fee + node fee + callback gas + protocol)`,
        );
        const digits = heldOutDigits(2 * perConsumer + perAgent, 100);
        const senders = [
          ...Array(perConsumer).fill(consumers[0]),
          ...Array(perConsumer).fill(consumers[1]),
          ...Array(perAgent).fill(agent),
        ];
        const first = await oracle.nextRequestId();
        const start = (await ethers.provider.getBlockNumber()) + 1;
        let gas = 0n;
        // The fee depends on the transaction's gas price: send a margin, the excess is refunded at once.
        const value = parseEther("0.02");
        for (const [i, d] of digits.entries()) {
          const sender = senders[i];
          const tx = hasConsumer
            ? await consumer.connect(sender).getFunction("classify")(d.pixels, { value })
            : await oracle.connect(sender).request(modelId, d.pixels, sender.address, 0, "0x", { value });
          gas += (await narrator.tx(`request ${i + 1}`, tx, { quiet: true })).gasUsed;
        }
        narrator.say(
          `${perConsumer} + ${perConsumer} consumer requests and ${perAgent} agent requests sent (gas ${gas.toLocaleString("en-US")})`,
        );
        const ids = digits.map((_, i) => first + BigInt(i));
        const t0 = Date.now();
        let fulfilments = await oracle.queryFilter(oracle.filters.RequestFulfilled(), start);
        while (new Set(fulfilments.map((l) => l.args.requestId)).size < ids.length) {
          if (Date.now() - t0 > RESULT_TIMEOUT_MS)
            throw new Error(
              `only ${fulfilments.length} of ${ids.length} requests answered after ${RESULT_TIMEOUT_MS} ms`,
            );
          await new Promise((r) => setTimeout(r, 200));
          fulfilments = await oracle.queryFilter(oracle.filters.RequestFulfilled(), start);
        }
        const seconds = ((Date.now() - t0) / 1000).toFixed(1);
        const txs = [...new Set(fulfilments.map((l) => l.transactionHash))];
        let runnerGas = 0n;
        for (const h of txs) runnerGas += (await ethers.provider.getTransactionReceipt(h))!.gasUsed;
        narrator.addGas(runnerGas, txs.length);
        const answered = `all ${ids.length} answered in ${seconds} s by ${txs.length} batch fulfilment tx(s) (gas ${runnerGas.toLocaleString("en-US")})`;
        if (!hasConsumer) {
          narrator.say(`${answered}; outputs went to the senders, so the labels are not decoded here`);
        } else {
          let correct = 0;
          for (const [i, id] of ids.entries())
            if (Number((await consumer.resultOf(id)).label) === digits[i].label) correct++;
          narrator.say(`${answered}; ${correct}/${ids.length} digits classified correctly`);
          const predicted = Number((await consumer.resultOf(ids[0])).label);
          const scores: bigint[] = await consumer.scoresOf(ids[0]);
          narrator.say(
            `request ${ids[0]}: true digit ${digits[0].label}, predicted ${predicted}, confidence ${Number(scores[predicted]) / 100}%`,
          );
        }
        shared.requestIds = ids;
        await runner.stop();
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    );

    balances.push(
      { name: "AIOracle", values: { ETH: formatEther(await ethers.provider.getBalance(await oracle.getAddress())) } },
      { name: "oracle node credit", values: { ETH: formatEther(await oracle.creditOf(node.address)) } },
    );
  },
};
