import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { AIAgent, DigitClassifierConsumer } from "../../typechain-types";
import { deployOracleFixture, emittedRequest, ERROR_MALFORMED_INPUT } from "./fixtures";

/** 21 bytes: label then 10 big-endian uint16 basis-point scores. */
function digitOutput(label: number, scores: number[]): string {
  const bytes = new Uint8Array(21);
  bytes[0] = label;
  scores.forEach((s, i) => {
    bytes[1 + 2 * i] = s >> 8;
    bytes[2 + 2 * i] = s & 0xff;
  });
  return ethers.hexlify(bytes);
}

/** 37 bytes: action, recipient, 16-byte big-endian amount. */
function agentOutput(action: number, recipient: string, amountWei: bigint): string {
  return ethers.concat([ethers.toBeHex(action, 1), recipient, ethers.toBeHex(amountWei, 16)]);
}

const SCORES = [10, 20, 30, 40, 50, 60, 70, 9620, 50, 50];

async function classifierFixture() {
  const f = await deployOracleFixture();
  const classifier = (await (
    await ethers.getContractFactory("DigitClassifierConsumer")
  ).deploy(await f.oracle.getAddress(), 1, f.admin.address)) as unknown as DigitClassifierConsumer;
  return { ...f, classifier };
}

async function agentFixture() {
  const f = await deployOracleFixture();
  const [, , , , , , , , , , payee] = f.others;
  const agent = (await (
    await ethers.getContractFactory("AIAgent")
  ).deploy(await f.oracle.getAddress(), 1, f.admin.address)) as unknown as AIAgent;
  await f.admin.sendTransaction({ to: await agent.getAddress(), value: ethers.parseEther("2") });
  await agent.setLimits(ethers.parseEther("0.5"), ethers.parseEther("0.8"));
  await agent.setRecipientAllowed(payee.address, true);
  return { ...f, agent, payee };
}

describe("example consumers", function () {
  describe("DigitClassifierConsumer", function () {
    it("sends a 784-byte image, refunds excess, and stores the decoded label and scores", async function () {
      const f = await loadFixture(classifierFixture);
      const image = ethers.randomBytes(784);
      const fee = await f.oracle.quote(1, await f.classifier.CALLBACK_GAS_LIMIT());
      const tx = await f.classifier.connect(f.requester).classify(image, { value: fee + 1000n });
      await expect(tx).to.changeEtherBalance(f.requester, -fee);
      const r = await emittedRequest(f.oracle, tx);
      await expect(tx).to.emit(f.classifier, "ClassificationRequested").withArgs(r.id, f.requester.address);
      expect(r.input).to.equal(ethers.hexlify(image));
      await expect(f.oracle.connect(f.nodeA).fulfil(r.id, r.request, digitOutput(7, SCORES), 0))
        .to.emit(f.classifier, "DigitClassified")
        .withArgs(r.id, f.requester.address, 7, SCORES);
      const res = await f.classifier.resultOf(r.id);
      expect([res.label, res.classified]).to.deep.equal([7n, true]);
      expect((await f.classifier.scoresOf(r.id)).map(Number)).to.deep.equal(SCORES);
    });

    it("refuses an image of the wrong size or an underpayment", async function () {
      const f = await loadFixture(classifierFixture);
      await expect(f.classifier.classify(ethers.randomBytes(783), { value: ethers.parseEther("1") }))
        .to.be.revertedWithCustomError(f.classifier, "DigitClassifierBadImageSize")
        .withArgs(783n);
      const fee = await f.oracle.quote(1, await f.classifier.CALLBACK_GAS_LIMIT());
      await expect(f.classifier.classify(ethers.randomBytes(784), { value: fee - 1n }))
        .to.be.revertedWithCustomError(f.classifier, "DigitClassifierInsufficientFee")
        .withArgs(fee - 1n, fee);
    });

    it("reports a non-canonical output and an oracle error instead of storing them", async function () {
      const f = await loadFixture(classifierFixture);
      const fee = await f.oracle.quote(1, await f.classifier.CALLBACK_GAS_LIMIT());
      const a = await emittedRequest(f.oracle, await f.classifier.classify(ethers.randomBytes(784), { value: fee }));
      await expect(f.oracle.connect(f.nodeA).fulfil(a.id, a.request, digitOutput(10, SCORES), 0))
        .to.emit(f.classifier, "ClassificationFailed")
        .withArgs(a.id, 255);
      const b = await emittedRequest(f.oracle, await f.classifier.classify(ethers.randomBytes(784), { value: fee }));
      await expect(f.oracle.connect(f.nodeA).fulfil(b.id, b.request, "0x", ERROR_MALFORMED_INPUT))
        .to.emit(f.classifier, "ClassificationFailed")
        .withArgs(b.id, ERROR_MALFORMED_INPUT);
      expect((await f.classifier.resultOf(a.id)).classified).to.equal(false);
      // The model share of the error result was credited back to the classifier; its owner collects it.
      expect(await f.oracle.creditOf(await f.classifier.getAddress())).to.equal(b.terms.modelFeeWei);
      await expect(f.classifier.withdrawRefunds(f.admin.address)).to.changeEtherBalance(f.admin, b.terms.modelFeeWei);
    });

    it("accepts results only from the oracle", async function () {
      const f = await loadFixture(classifierFixture);
      await expect(f.classifier.onAIOracleResult(1, 0, digitOutput(1, SCORES), "0x"))
        .to.be.revertedWithCustomError(f.classifier, "AIOracleConsumerOnlyOracle")
        .withArgs(f.admin.address);
    });
  });

  describe("AIOracleConsumer base", function () {
    it("refuses a zero oracle at construction", async function () {
      const f = await loadFixture(deployOracleFixture);
      const factory = await ethers.getContractFactory("DigitClassifierConsumer");
      await expect(factory.deploy(ethers.ZeroAddress, 1, f.admin.address)).to.be.revertedWithCustomError(
        factory,
        "AIOracleConsumerZeroOracle",
      );
    });
  });

  describe("AIAgent", function () {
    async function think(f: Awaited<ReturnType<typeof agentFixture>>) {
      return emittedRequest(f.oracle, await f.agent.think(ethers.toUtf8Bytes("pay the invoice?")));
    }

    it("pays an allowed recipient within the caps, as a pull credit", async function () {
      const f = await loadFixture(agentFixture);
      const r = await think(f);
      const amount = ethers.parseEther("0.3");
      await expect(f.oracle.connect(f.nodeA).fulfil(r.id, r.request, agentOutput(1, f.payee.address, amount), 0))
        .to.emit(f.agent, "Paid")
        .withArgs(r.id, f.payee.address, amount);
      expect(await f.agent.owedTo(f.payee.address)).to.equal(amount);
      await expect(f.agent.connect(f.payee).claim()).to.changeEtherBalance(f.payee, amount);
      await expect(f.agent.connect(f.payee).claim())
        .to.be.revertedWithCustomError(f.agent, "AIAgentNothingOwed")
        .withArgs(f.payee.address);
    });

    it("refuses actions outside its limits and holds when told to", async function () {
      const f = await loadFixture(agentFixture);
      const cases: [string, number][] = [
        [agentOutput(1, f.stranger.address, 1n), 1],
        [agentOutput(1, f.payee.address, ethers.parseEther("0.6")), 2],
        ["0x0102", 0],
      ];
      for (const [out, reason] of cases) {
        const r = await think(f);
        await expect(f.oracle.connect(f.nodeA).fulfil(r.id, r.request, out, 0))
          .to.emit(f.agent, "Rejected")
          .withArgs(r.id, reason);
      }
      const first = await think(f);
      await f.oracle
        .connect(f.nodeA)
        .fulfil(first.id, first.request, agentOutput(1, f.payee.address, ethers.parseEther("0.5")), 0);
      const second = await think(f);
      await expect(
        f.oracle
          .connect(f.nodeA)
          .fulfil(second.id, second.request, agentOutput(1, f.payee.address, ethers.parseEther("0.5")), 0),
      )
        .to.emit(f.agent, "Rejected")
        .withArgs(second.id, 3);
      const hold = await think(f);
      await expect(f.oracle.connect(f.nodeA).fulfil(hold.id, hold.request, agentOutput(0, ethers.ZeroAddress, 0n), 0))
        .to.emit(f.agent, "Held")
        .withArgs(hold.id);
      const err = await think(f);
      await expect(f.oracle.connect(f.nodeA).fulfil(err.id, err.request, "0x", 4))
        .to.emit(f.agent, "Rejected")
        .withArgs(err.id, 5);
    });

    it("lets only the owner set limits and think", async function () {
      const f = await loadFixture(agentFixture);
      await expect(f.agent.connect(f.stranger).think("0x"))
        .to.be.revertedWithCustomError(f.agent, "OwnableUnauthorizedAccount")
        .withArgs(f.stranger.address);
      await expect(f.agent.connect(f.stranger).setLimits(1, 1))
        .to.be.revertedWithCustomError(f.agent, "OwnableUnauthorizedAccount")
        .withArgs(f.stranger.address);
      await expect(f.agent.setLimits(1, 2)).to.emit(f.agent, "LimitsSet").withArgs(1, 2);
      await expect(f.agent.setRecipientAllowed(f.stranger.address, true))
        .to.emit(f.agent, "RecipientAllowedSet")
        .withArgs(f.stranger.address, true);
    });
  });
});
