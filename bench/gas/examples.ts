import { ethers } from "hardhat";
import type { ClassifierAgent } from "../../typechain-types";
import { encodeClassification } from "../../sdk/src/canonical";
import { fixedBytes, type GasRecorder } from "../lib";
import { deployOracleFixture, emittedRequest, warmCommitmentRing } from "../../test/oracle/fixtures";

const UNIT_WEI = ethers.parseEther("0.001");
const IMAGE = fixedBytes(784, "axon.bench.image");

/** The runner's canonical output for a reading of `label` with logit margin `margin` over the other classes. */
function reading(label: number, margin: number, classes = 10): Uint8Array {
  const logits = new Float32Array(classes);
  logits[label] = margin;
  return encodeClassification(logits);
}

// ClassifierAgent (the demo's cheque reader): think with a 784-byte image, and the fulfilments that pay, hold or
// reject, in steady state (the payee already owed, today's spending slot already written); then the payee's claim.
export default async function (gas: GasRecorder): Promise<void> {
  const f = await deployOracleFixture();
  await warmCommitmentRing(f.oracle);
  const [, , , , , , , , , , payee, owner] = f.others;
  const deploy = async (classes: number) => {
    const agent = (await (
      await ethers.getContractFactory("ClassifierAgent")
    ).deploy(await f.oracle.getAddress(), 1, owner.address, classes)) as unknown as ClassifierAgent;
    const a = agent.connect(owner);
    await owner.sendTransaction({ to: await agent.getAddress(), value: ethers.parseEther("10") });
    await a.setLimits(ethers.parseEther("1"), ethers.parseEther("5"));
    await a.setRecipientAllowed(payee.address, true);
    return a;
  };
  const agent = await deploy(10);
  await gas.record("classifierAgent.setClassAction", await agent.setClassAction(7, payee.address, 7n * UNIT_WEI));
  await agent.setMinConfidence(9_000);

  const answer = async (a: ClassifierAgent, output: Uint8Array) => {
    const r = await emittedRequest(f.oracle, await a.think(IMAGE));
    return f.oracle.connect(f.nodeA).fulfil(r.id, r.request, output, 0);
  };
  await answer(agent, reading(7, 10));

  const thinkTx = await agent.think(IMAGE);
  await gas.record("classifierAgent.think.image784B", thinkTx);
  const r = await emittedRequest(f.oracle, thinkTx);
  await gas.record(
    "classifierAgent.fulfil.pay",
    await f.oracle.connect(f.nodeA).fulfil(r.id, r.request, reading(7, 10), 0),
  );
  await gas.record("classifierAgent.fulfil.holdLowConfidence", await answer(agent, reading(7, 1)));
  await gas.record("classifierAgent.fulfil.holdNoAction", await answer(agent, reading(3, 10)));
  await gas.record("classifierAgent.fulfil.rejectMalformed", await answer(agent, new Uint8Array(21)));
  await gas.record("classifierAgent.claim", await agent.connect(payee).claim());

  const wide = await deploy(256);
  await wide.setClassAction(255, payee.address, UNIT_WEI);
  await answer(wide, reading(255, 12, 256));
  await gas.record("classifierAgent256.fulfil.pay", await answer(wide, reading(255, 12, 256)));
}
