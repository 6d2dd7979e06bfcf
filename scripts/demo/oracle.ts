import { formatEther, parseEther, type Contract, type Result } from "ethers";
import { heldOutDigits, type DemoPart } from "./context";
import { startDemoRunner } from "./runner";

const RESULT_TIMEOUT_MS = 90_000;

/** The agent's policy: a cheque reader paying `digit × UNIT_WEI` to its payee for digits 1..9 (0 pays nothing). */
const UNIT_WEI = parseEther("0.001");
const AGENT_FUNDING_WEI = parseEther("0.1");
const MAX_PER_ACTION_WEI = parseEther("0.009");
const MAX_PER_DAY_WEI = parseEther("0.03");
const MIN_CONFIDENCE_BPS = 9_000;
const DIGITS = 10;
/** AIAgentBase.Rejection, in order. */
const REJECTIONS = [
  "the output is malformed",
  "the payee is not allowed",
  "over the per-action cap",
  "over the daily cap",
  "the free balance is too low",
  "the oracle reported an error",
];

/**
 * Consumers send digit images to the oracle through the example consumer contract, and an on-chain agent contract
 * (contracts/examples/ClassifierAgent.sol) sends its own as a "cheque reader"; the real runner (watcher → store →
 * scheduler → ONNX Runtime → submitter), started in-process against this chain over JSON-RPC, fulfils them in batches
 * with real inference; the agent pays its payee per the digit it read, within its limits, and the model's fees accrue
 * to its token.
 */
export const oracleSteps: DemoPart = {
  count: 4,
  async run({ hre, narrator, deployment, actors, shared, short, balances }) {
    const { ethers } = hre;
    const { oracle } = deployment;
    const { admin, node, consumers, agent, agentPayee } = actors;
    const modelId = shared.modelId!;
    const perConsumer = short ? 3 : 10;
    const perAgent = short ? 3 : 10;
    let consumer!: Contract;
    let agentContract!: Contract;
    let stopRunner!: () => Promise<void>;
    // contracts/examples/{DigitClassifierConsumer,ClassifierAgent}.sol decode the classification on chain; without
    // them (a checkout lacking the examples) the requests go straight to the oracle and only their fulfilment is
    // checked.
    const hasExamples =
      (await hre.artifacts.artifactExists("DigitClassifierConsumer")) &&
      (await hre.artifacts.artifactExists("ClassifierAgent"));

    await narrator.step(
      "The runner starts in-process: it verifies the model file against the on-chain hash",
      async () => {
        stopRunner = await startDemoRunner(hre, deployment, node.address, modelId);
        narrator.say(
          `runner for node ${node.address} watching AIOracle at ${await oracle.getAddress()} (ONNX Runtime, CPU)`,
        );
        if (!hasExamples) {
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
      "An on-chain agent contract reads cheques: digit d pays d x 0.001 ETH to its payee, within limits",
      async () => {
        if (!hasExamples) {
          narrator.say("the example agent is not compiled in this checkout: the agent account sends requests itself");
          return;
        }
        agentContract = (await ethers.deployContract(
          "ClassifierAgent",
          [await oracle.getAddress(), modelId, agent.address, DIGITS],
          agent,
        )) as unknown as Contract;
        await narrator.tx(
          `agent owner deploys ClassifierAgent (10 classes) at ${await agentContract.getAddress()}`,
          agentContract.deploymentTransaction()!,
        );
        const a = agentContract.connect(agent) as Contract;
        await narrator.tx(
          `agent owner funds it with ${formatEther(AGENT_FUNDING_WEI)} ETH (it pays its own oracle fees)`,
          agent.sendTransaction({ to: await agentContract.getAddress(), value: AGENT_FUNDING_WEI }),
        );
        await narrator.tx(
          `limits: at most ${formatEther(MAX_PER_ACTION_WEI)} ETH per payment and ${formatEther(MAX_PER_DAY_WEI)} ETH per day`,
          a.getFunction("setLimits")(MAX_PER_ACTION_WEI, MAX_PER_DAY_WEI),
        );
        await narrator.tx(
          `allow-list: the payee ${agentPayee.address}`,
          a.getFunction("setRecipientAllowed")(agentPayee.address, true),
        );
        let policyGas = 0n;
        for (let d = 1; d < DIGITS; d++) {
          const receipt = await narrator.tx(
            `policy: digit ${d}`,
            a.getFunction("setClassAction")(d, agentPayee.address, BigInt(d) * UNIT_WEI),
            { quiet: true },
          );
          policyGas += receipt.gasUsed;
        }
        narrator.say(
          `policy: digit d (1..9) pays d x ${formatEther(UNIT_WEI)} ETH to the payee, 0 pays nothing ` +
            `(9 setClassAction txs, gas ${policyGas.toLocaleString("en-US")})`,
        );
        await narrator.tx(
          `minimum confidence: ${MIN_CONFIDENCE_BPS / 100}% (the read digit's softmax score); below it the agent holds`,
          a.getFunction("setMinConfidence")(MIN_CONFIDENCE_BPS),
        );
      },
    );

    const consumerCount = 2 * perConsumer;
    const digits = heldOutDigits(consumerCount + perAgent, 100);
    let ids: bigint[] = [];
    await narrator.step(
      "Consumers and the agent send real MNIST digits; the runner answers with real inference",
      async () => {
        const callbackGas: bigint = hasExamples ? await consumer.CALLBACK_GAS_LIMIT() : 0n;
        const fee: bigint = await oracle.quote(modelId, callbackGas);
        narrator.say(
          `the oracle quotes ${formatEther(fee)} ETH per request (model fee + node fee + callback gas + protocol)`,
        );
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
          // The agent contract pays its own fee from its balance: its owner only tells it to think about the image.
          const tx = !hasExamples
            ? await oracle.connect(sender).request(modelId, d.pixels, sender.address, 0, "0x", { value })
            : i < consumerCount
              ? await consumer.connect(sender).getFunction("classify")(d.pixels, { value })
              : await agentContract.connect(agent).getFunction("think")(d.pixels);
          gas += (await narrator.tx(`request ${i + 1}`, tx, { quiet: true })).gasUsed;
        }
        narrator.say(
          `${perConsumer} + ${perConsumer} consumer requests and ${perAgent} agent requests sent (gas ${gas.toLocaleString("en-US")})`,
        );
        ids = digits.map((_, i) => first + BigInt(i));
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
        if (!hasExamples) {
          narrator.say(`${answered}; outputs went to the senders, so the labels are not decoded here`);
        } else {
          let correct = 0;
          for (const [i, id] of ids.slice(0, consumerCount).entries())
            if (Number((await consumer.resultOf(id)).label) === digits[i].label) correct++;
          narrator.say(`${answered}; ${correct}/${consumerCount} consumer digits classified correctly`);
          const predicted = Number((await consumer.resultOf(ids[0])).label);
          const scores: bigint[] = await consumer.scoresOf(ids[0]);
          narrator.say(
            `request ${ids[0]}: true digit ${digits[0].label}, predicted ${predicted}, confidence ${Number(scores[predicted]) / 100}%`,
          );
        }
        shared.requestIds = ids;
        await stopRunner();
      },
    );

    await narrator.step("The agent acted on what it read; its payee claims the payments", async () => {
      if (!hasExamples) {
        narrator.say("no agent contract in this checkout: nothing acted on the answers");
        return;
      }
      const outcomes = await agentOutcomes(agentContract, ids.slice(consumerCount));
      let correct = 0;
      let paidWei = 0n;
      for (const [k, o] of outcomes.entries()) {
        const truth = digits[consumerCount + k].label;
        if (o.label === truth) correct++;
        const read =
          o.label === undefined ? "read nothing" : `read ${o.label} (true ${truth}, ${o.confidenceBps! / 100}%)`;
        if (o.paidWei !== undefined) {
          // The contract must have paid exactly what its policy says for the digit it read.
          if (o.paidWei !== BigInt(o.label!) * UNIT_WEI)
            throw new Error(`request ${o.id}: paid ${o.paidWei} wei for digit ${o.label}`);
          paidWei += o.paidWei;
          narrator.say(`agent ${read} -> paid ${formatEther(o.paidWei)} ETH to payee`);
        } else if (o.held) {
          const why =
            o.confidenceBps! < MIN_CONFIDENCE_BPS
              ? `confidence below ${MIN_CONFIDENCE_BPS / 100}%`
              : `digit ${o.label} pays nothing`;
          narrator.say(`agent ${read} -> held (${why})`);
        } else {
          narrator.say(`agent ${read} -> rejected: ${REJECTIONS[o.rejection!]}`);
        }
      }
      if (paidWei > MAX_PER_DAY_WEI) throw new Error(`the agent paid ${paidWei} wei, above its daily cap`);
      narrator.say(
        `the agent read ${correct}/${outcomes.length} digits correctly and paid ${formatEther(paidWei)} ETH ` +
          `in ${outcomes.filter((o) => o.paidWei !== undefined).length} payment(s)`,
      );
      const owed: bigint = await agentContract.owedTo(agentPayee.address);
      if (owed !== paidWei) throw new Error(`the agent owes the payee ${owed} wei, not ${paidWei}`);
      if (owed > 0n)
        await narrator.tx(
          `payee claims ${formatEther(owed)} ETH from the agent (pull payment)`,
          agentContract.connect(agentPayee).getFunction("claim")(),
        );
      balances.push({
        name: "agent (contract)",
        values: { ETH: formatEther(await ethers.provider.getBalance(await agentContract.getAddress())) },
      });
    });

    balances.push(
      { name: "AIOracle", values: { ETH: formatEther(await ethers.provider.getBalance(await oracle.getAddress())) } },
      { name: "oracle node credit", values: { ETH: formatEther(await oracle.creditOf(node.address)) } },
    );
  },
};

/** What the agent did with one answer: the digit it read (absent for a malformed output or an error) and its act. */
interface AgentOutcome {
  id: bigint;
  label?: number;
  confidenceBps?: number;
  paidWei?: bigint;
  held?: boolean;
  rejection?: number;
}

/** Reads the agent's Classified / Paid / Held / Rejected events of `ids`. */
async function agentOutcomes(agent: Contract, ids: bigint[]): Promise<AgentOutcome[]> {
  const byId = new Map<bigint, AgentOutcome>(ids.map((id) => [id, { id }]));
  const events = async (name: string) =>
    (await agent.queryFilter(agent.filters[name]())).map((l) => (l as unknown as { args: Result }).args);
  for (const a of await events("Classified")) {
    const o = byId.get(a.requestId);
    if (o) [o.label, o.confidenceBps] = [Number(a.label), Number(a.confidenceBps)];
  }
  for (const a of await events("Paid")) {
    const o = byId.get(a.requestId);
    if (o) o.paidWei = a.amountWei;
  }
  for (const a of await events("Held")) {
    const o = byId.get(a.requestId);
    if (o) o.held = true;
  }
  for (const a of await events("Rejected")) {
    const o = byId.get(a.requestId);
    if (o) o.rejection = Number(a.reason);
  }
  for (const o of byId.values())
    if (o.paidWei === undefined && !o.held && o.rejection === undefined)
      throw new Error(`the agent neither paid, held nor rejected request ${o.id}`);
  return [...byId.values()];
}
