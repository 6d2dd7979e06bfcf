import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ClassifierAgent, RejectingAgentPayee, ReentrantAgentPayee } from "../../typechain-types";
import { decodeClassification, encodeClassification } from "../../sdk/src/canonical";
import { ANYONE, custom, shouldEnforceAccessMatrix } from "../helpers/accessMatrix";
import { CONFIG, deployOracleFixture, emittedRequest, ERROR_INFERENCE_FAILED, type Emitted } from "../oracle/fixtures";

// The ClassifierAgent acts on the runner's canonical classification (offchain/src/canonical.ts); every output below is
// built by that encoder from logits, exactly as the runner builds it from the model's output.

const CLASSES = 10;
const UNIT_WEI = ethers.parseEther("0.001");
const MAX_PER_ACTION_WEI = 9n * UNIT_WEI;
const MAX_PER_DAY_WEI = 20n * UNIT_WEI;
const MIN_CONFIDENCE_BPS = 9000;
const DAY = 86_400;

enum Rejection {
  Malformed,
  RecipientNotAllowed,
  OverActionCap,
  OverDailyCap,
  InsufficientFunds,
  OracleError,
}

/** Logits the model would produce reading `label`, with a margin of `margin` over every other class. */
function logitsFor(label: number, margin: number, classes = CLASSES): Float32Array {
  const logits = new Float32Array(classes);
  logits[label] = margin;
  return logits;
}

/** The runner's canonical output for `logits`, hex. */
function canonical(logits: Float32Array): string {
  return ethers.hexlify(encodeClassification(logits));
}

/** The predicted class's score in the canonical output of `logits`, per the runner's own decoder. */
function confidenceOf(logits: Float32Array): number {
  const { label, scoresBps } = decodeClassification(encodeClassification(logits));
  return scoresBps[label];
}

/** A confident reading of `label` (margin 10: ~99.96%) and a doubtful one (margin 1: ~23%). */
const confident = (label: number) => canonical(logitsFor(label, 10));
const doubtful = (label: number) => canonical(logitsFor(label, 1));

async function deployAgent(f: Awaited<ReturnType<typeof deployOracleFixture>>, owner: string, classes = CLASSES) {
  return (await (
    await ethers.getContractFactory("ClassifierAgent")
  ).deploy(await f.oracle.getAddress(), 1, owner, classes)) as unknown as ClassifierAgent;
}

/**
 * A "cheque reader" on model 1 (None mode, served by nodeA): digit d pays d × 0.001 ETH to `payee` (digit 0 has no
 * action), from a 1 ETH balance, with caps of 0.009 ETH per action and 0.02 ETH per day and a 90% minimum confidence.
 */
async function agentFixture() {
  const f = await deployOracleFixture();
  const [, , , , , , , , , , payee, owner, otherPayee] = f.others;
  const agent = (await deployAgent(f, owner.address)).connect(owner);
  await owner.sendTransaction({ to: await agent.getAddress(), value: ethers.parseEther("1") });
  await agent.setLimits(MAX_PER_ACTION_WEI, MAX_PER_DAY_WEI);
  await agent.setRecipientAllowed(payee.address, true);
  for (let d = 1; d < CLASSES; d++) await agent.setClassAction(d, payee.address, BigInt(d) * UNIT_WEI);
  await agent.setMinConfidence(MIN_CONFIDENCE_BPS);
  return { ...f, agent, owner, payee, otherPayee };
}

/** An agent (connected to its owner) on the oracle fixture's model 1, which nodeA serves. */
type AgentOn = Pick<Awaited<ReturnType<typeof agentFixture>>, "oracle" | "agent" | "nodeA">;

async function think(f: AgentOn, prompt: Uint8Array = ethers.randomBytes(784)): Promise<Emitted> {
  return emittedRequest(f.oracle, await f.agent.think(prompt));
}

/** The agent thinks, and nodeA answers with `output` (or the error `errorCode`). */
async function thinkAndAnswer(f: AgentOn, output: string, errorCode = 0) {
  const r = await think(f);
  return { r, tx: f.oracle.connect(f.nodeA).fulfil(r.id, r.request, errorCode ? "0x" : output, errorCode) };
}

describe("ClassifierAgent", function () {
  describe("deployment", function () {
    it("derives the canonical output size from the class count", async function () {
      const f = await loadFixture(deployOracleFixture);
      const agent = await deployAgent(f, f.admin.address);
      expect(await agent.classCount()).to.equal(10n);
      expect(await agent.outputBytes()).to.equal(21n);
      expect(await agent.modelId()).to.equal(1n);
      expect(await agent.owner()).to.equal(f.admin.address);
      expect(await agent.minConfidenceBps()).to.equal(0n);
      expect(await (await deployAgent(f, f.admin.address, 256)).outputBytes()).to.equal(513n);
    });

    it("refuses a class count outside 1..256", async function () {
      const f = await loadFixture(deployOracleFixture);
      const factory = await ethers.getContractFactory("ClassifierAgent");
      for (const count of [0, 257]) {
        await expect(factory.deploy(await f.oracle.getAddress(), 1, f.admin.address, count))
          .to.be.revertedWithCustomError(factory, "ClassifierAgentBadClassCount")
          .withArgs(count);
      }
    });
  });

  describe("policy", function () {
    it("maps a class to a payment and clears it, with events", async function () {
      const f = await loadFixture(agentFixture);
      await expect(f.agent.setClassAction(0, f.otherPayee.address, 5n))
        .to.emit(f.agent, "ClassActionSet")
        .withArgs(0, f.otherPayee.address, 5n);
      expect([...(await f.agent.classActionOf(0))]).to.deep.equal([f.otherPayee.address, 5n]);
      await expect(f.agent.clearClassAction(0)).to.emit(f.agent, "ClassActionCleared").withArgs(0);
      expect([...(await f.agent.classActionOf(0))]).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("refuses an action for an unknown class, to no one, or of nothing", async function () {
      const f = await loadFixture(agentFixture);
      await expect(f.agent.setClassAction(10, f.payee.address, 1n))
        .to.be.revertedWithCustomError(f.agent, "ClassifierAgentUnknownClass")
        .withArgs(10, 10);
      await expect(f.agent.clearClassAction(255))
        .to.be.revertedWithCustomError(f.agent, "ClassifierAgentUnknownClass")
        .withArgs(255, 10);
      await expect(f.agent.setClassAction(3, ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(f.agent, "ClassifierAgentZeroRecipient")
        .withArgs(3);
      await expect(f.agent.setClassAction(3, f.payee.address, 0n))
        .to.be.revertedWithCustomError(f.agent, "ClassifierAgentZeroAmount")
        .withArgs(3);
    });

    it("sets the minimum confidence up to 10000 basis points", async function () {
      const f = await loadFixture(agentFixture);
      await expect(f.agent.setMinConfidence(10_000)).to.emit(f.agent, "MinConfidenceSet").withArgs(10_000);
      expect(await f.agent.minConfidenceBps()).to.equal(10_000n);
      await expect(f.agent.setMinConfidence(10_001))
        .to.be.revertedWithCustomError(f.agent, "ClassifierAgentConfidenceAboveMax")
        .withArgs(10_001, 10_000);
    });

    it("sets the limits and the allow-list, with events", async function () {
      const f = await loadFixture(agentFixture);
      await expect(f.agent.setLimits(1n, 2n)).to.emit(f.agent, "LimitsSet").withArgs(1n, 2n);
      expect([...(await f.agent.limits())]).to.deep.equal([1n, 2n, 0n]);
      await expect(f.agent.setRecipientAllowed(f.otherPayee.address, true))
        .to.emit(f.agent, "RecipientAllowedSet")
        .withArgs(f.otherPayee.address, true);
      expect(await f.agent.isRecipientAllowed(f.otherPayee.address)).to.equal(true);
    });
  });

  describe("thinking", function () {
    it("pays the oracle's quote from its own balance and sends the prompt as the input", async function () {
      const f = await loadFixture(agentFixture);
      const prompt = ethers.randomBytes(784);
      const before = await ethers.provider.getBalance(await f.agent.getAddress());
      const tx = await f.agent.think(prompt);
      const r = await emittedRequest(f.oracle, tx);
      await expect(tx).to.emit(f.agent, "Thought").withArgs(r.id, r.totalWei);
      expect(r.input).to.equal(ethers.hexlify(prompt));
      expect(r.terms.callbackGasLimit).to.equal(await f.agent.CALLBACK_GAS_LIMIT());
      expect(await ethers.provider.getBalance(await f.agent.getAddress())).to.equal(before - r.totalWei);
    });

    it("refuses to think when its free balance cannot pay the fee", async function () {
      const f = await loadFixture(deployOracleFixture);
      const agent = await deployAgent(f, f.admin.address);
      await f.admin.sendTransaction({ to: await agent.getAddress(), value: 1000n });
      // The quote's gas part uses the transaction's gas price: pin it so the expected fee is exact.
      const gasPrice = ethers.parseUnits("2", "gwei");
      const fee = await f.oracle.quote.staticCall(1, await agent.CALLBACK_GAS_LIMIT(), { gasPrice });
      await expect(agent.think("0x01", { gasPrice }))
        .to.be.revertedWithCustomError(agent, "AIAgentInsufficientFunds")
        .withArgs(1000n, fee);
    });
  });

  describe("acting on a reading", function () {
    it("pays the class's recipient as a pull credit when the model reads a mapped digit confidently", async function () {
      const f = await loadFixture(agentFixture);
      const { r, tx } = await thinkAndAnswer(f, confident(7));
      await expect(tx)
        .to.emit(f.agent, "Classified")
        .withArgs(r.id, 7, confidenceOf(logitsFor(7, 10)))
        .and.to.emit(f.agent, "Paid")
        .withArgs(r.id, f.payee.address, 7n * UNIT_WEI);
      expect(await f.agent.owedTo(f.payee.address)).to.equal(7n * UNIT_WEI);
      expect((await f.agent.limits()).spentTodayWei).to.equal(7n * UNIT_WEI);
      const balance = await ethers.provider.getBalance(await f.agent.getAddress());
      expect(await f.agent.freeBalance()).to.equal(balance - 7n * UNIT_WEI);
    });

    it("holds when the read class's score is below the minimum confidence", async function () {
      const f = await loadFixture(agentFixture);
      const { r, tx } = await thinkAndAnswer(f, doubtful(7));
      await expect(tx)
        .to.emit(f.agent, "Classified")
        .withArgs(r.id, 7, confidenceOf(logitsFor(7, 1)))
        .and.to.emit(f.agent, "Held")
        .withArgs(r.id)
        .and.not.to.emit(f.agent, "Paid");
      expect(await f.agent.owedTo(f.payee.address)).to.equal(0n);
    });

    it("acts at exactly the minimum confidence and holds one basis point below it", async function () {
      const f = await loadFixture(agentFixture);
      const logits = logitsFor(4, 3);
      const score = confidenceOf(logits);
      await f.agent.setMinConfidence(score);
      const at = await thinkAndAnswer(f, canonical(logits));
      await expect(at.tx)
        .to.emit(f.agent, "Paid")
        .withArgs(at.r.id, f.payee.address, 4n * UNIT_WEI);
      await f.agent.setMinConfidence(score + 1);
      const above = await thinkAndAnswer(f, canonical(logits));
      await expect(above.tx).to.emit(f.agent, "Held").withArgs(above.r.id);
    });

    it("holds when the read class has no action, or no longer has one", async function () {
      const f = await loadFixture(agentFixture);
      const zero = await thinkAndAnswer(f, confident(0));
      await expect(zero.tx).to.emit(f.agent, "Held").withArgs(zero.r.id);
      await f.agent.clearClassAction(5);
      const five = await thinkAndAnswer(f, confident(5));
      await expect(five.tx)
        .to.emit(f.agent, "Classified")
        .withArgs(five.r.id, 5, confidenceOf(logitsFor(5, 10)))
        .and.to.emit(f.agent, "Held")
        .withArgs(five.r.id);
    });

    it("rejects a payment to a recipient not on the allow-list", async function () {
      const f = await loadFixture(agentFixture);
      await f.agent.setClassAction(2, f.otherPayee.address, UNIT_WEI);
      const a = await thinkAndAnswer(f, confident(2));
      await expect(a.tx).to.emit(f.agent, "Rejected").withArgs(a.r.id, Rejection.RecipientNotAllowed);
      await expect(f.agent.setRecipientAllowed(f.payee.address, false))
        .to.emit(f.agent, "RecipientAllowedSet")
        .withArgs(f.payee.address, false);
      const b = await thinkAndAnswer(f, confident(3));
      await expect(b.tx).to.emit(f.agent, "Rejected").withArgs(b.r.id, Rejection.RecipientNotAllowed);
      expect(await f.agent.owedTo(f.otherPayee.address)).to.equal(0n);
    });

    it("pays exactly the per-action cap and rejects one wei more", async function () {
      const f = await loadFixture(agentFixture);
      await f.agent.setLimits(8n * UNIT_WEI, MAX_PER_DAY_WEI);
      const at = await thinkAndAnswer(f, confident(8));
      await expect(at.tx)
        .to.emit(f.agent, "Paid")
        .withArgs(at.r.id, f.payee.address, 8n * UNIT_WEI);
      await f.agent.setLimits(8n * UNIT_WEI - 1n, MAX_PER_DAY_WEI);
      const over = await thinkAndAnswer(f, confident(8));
      await expect(over.tx).to.emit(f.agent, "Rejected").withArgs(over.r.id, Rejection.OverActionCap);
    });

    it("pays up to exactly the daily cap and rejects one wei more", async function () {
      const f = await loadFixture(agentFixture);
      for (const d of [9, 9]) await (await thinkAndAnswer(f, confident(d))).tx;
      const over = await thinkAndAnswer(f, confident(3));
      await expect(over.tx).to.emit(f.agent, "Rejected").withArgs(over.r.id, Rejection.OverDailyCap);
      const at = await thinkAndAnswer(f, confident(2));
      await expect(at.tx)
        .to.emit(f.agent, "Paid")
        .withArgs(at.r.id, f.payee.address, 2n * UNIT_WEI);
      expect((await f.agent.limits()).spentTodayWei).to.equal(MAX_PER_DAY_WEI);
      await f.agent.setClassAction(1, f.payee.address, 1n);
      const oneWei = await thinkAndAnswer(f, confident(1));
      await expect(oneWei.tx).to.emit(f.agent, "Rejected").withArgs(oneWei.r.id, Rejection.OverDailyCap);
    });

    it("resets the daily cap at the UTC day boundary (T-1 rejected, T and T+1 paid from a fresh day)", async function () {
      const f = await loadFixture(agentFixture);
      await f.agent.setLimits(MAX_PER_ACTION_WEI, MAX_PER_ACTION_WEI);
      const boundary = (Math.floor((await time.latest()) / DAY) + 2) * DAY;
      await time.increaseTo(boundary - 1800);
      await (
        await thinkAndAnswer(f, confident(9))
      ).tx;
      const [before, atT, afterT, full] = [await think(f), await think(f), await think(f), await think(f)];
      const fulfilAt = async (r: Emitted, at: number, digit: number) => {
        await time.setNextBlockTimestamp(at);
        return f.oracle.connect(f.nodeA).fulfil(r.id, r.request, confident(digit), 0);
      };
      await expect(fulfilAt(before, boundary - 1, 1))
        .to.emit(f.agent, "Rejected")
        .withArgs(before.id, Rejection.OverDailyCap);
      await expect(fulfilAt(atT, boundary, 4))
        .to.emit(f.agent, "Paid")
        .withArgs(atT.id, f.payee.address, 4n * UNIT_WEI);
      await expect(fulfilAt(afterT, boundary + 1, 5))
        .to.emit(f.agent, "Paid")
        .withArgs(afterT.id, f.payee.address, 5n * UNIT_WEI);
      expect((await f.agent.limits()).spentTodayWei).to.equal(9n * UNIT_WEI);
      await expect(fulfilAt(full, boundary + 2, 1))
        .to.emit(f.agent, "Rejected")
        .withArgs(full.id, Rejection.OverDailyCap);
    });

    it("rejects a payment its free balance cannot cover (credits already owed are not spent twice)", async function () {
      const f = await loadFixture(deployOracleFixture);
      const [, , , , , , , , , , payee, owner] = f.others;
      const agent = (await deployAgent(f, owner.address)).connect(owner);
      await agent.setLimits(ethers.parseEther("1"), ethers.parseEther("1"));
      await agent.setRecipientAllowed(payee.address, true);
      await agent.setClassAction(7, payee.address, ethers.parseEther("0.05"));
      const fee = await f.oracle.quote(1, await agent.CALLBACK_GAS_LIMIT());
      // Enough for two fees and one payment, with a margin for the gas price of the think transactions.
      await owner.sendTransaction({ to: await agent.getAddress(), value: 4n * fee + ethers.parseEther("0.05") });
      const paid = await thinkAndAnswer({ ...f, agent }, confident(7));
      await expect(paid.tx).to.emit(agent, "Paid");
      const poor = await thinkAndAnswer({ ...f, agent }, confident(7));
      await expect(poor.tx).to.emit(agent, "Rejected").withArgs(poor.r.id, Rejection.InsufficientFunds);
      const balance = await ethers.provider.getBalance(await agent.getAddress());
      expect(await agent.freeBalance()).to.equal(balance - ethers.parseEther("0.05"));
      expect(await agent.owedTo(payee.address)).to.equal(ethers.parseEther("0.05"));
    });

    it("rejects an oracle error result", async function () {
      const f = await loadFixture(agentFixture);
      const { r, tx } = await thinkAndAnswer(f, "0x", ERROR_INFERENCE_FAILED);
      await expect(tx)
        .to.emit(f.agent, "Rejected")
        .withArgs(r.id, Rejection.OracleError)
        .and.not.to.emit(f.agent, "Classified");
    });

    describe("a malformed output is rejected, never reverted, so the request still settles", function () {
      const good = () => ethers.getBytes(confident(7));
      const cases: [string, () => string][] = [
        ["empty", () => "0x"],
        ["one byte short", () => ethers.hexlify(good().slice(0, 20))],
        ["one byte long", () => ethers.concat([good(), "0x00"])],
        ["the AIAgent's 37-byte action", () => ethers.hexlify(new Uint8Array(37))],
        ["a 12-class classification", () => canonical(logitsFor(7, 10, 12))],
        [
          "a label out of range",
          () => {
            const b = good();
            b[0] = 10;
            return ethers.hexlify(b);
          },
        ],
        [
          "a label that is not the top score",
          () => {
            const b = good();
            b[0] = 3;
            return ethers.hexlify(b);
          },
        ],
        ["scores above 10000 basis points", () => ethers.concat(["0x07", ...Array(10).fill("0xffff")])],
      ];
      for (const [name, build] of cases) {
        it(`rejects ${name} as Malformed`, async function () {
          const f = await loadFixture(agentFixture);
          const { r, tx } = await thinkAndAnswer(f, build());
          await expect(tx)
            .to.emit(f.agent, "Rejected")
            .withArgs(r.id, Rejection.Malformed)
            .and.not.to.emit(f.agent, "Classified");
          const fulfilled = await f.oracle.queryFilter(f.oracle.filters.RequestFulfilled(r.id));
          expect(fulfilled.map((l) => [l.args.isFinal, l.args.callbackSucceeded])).to.deep.equal([[true, true]]);
        });
      }
    });

    it("acts on a 256-class classification within its callback gas limit", async function () {
      const f = await loadFixture(agentFixture);
      const agent = (await deployAgent(f, f.owner.address, 256)).connect(f.owner);
      await f.owner.sendTransaction({ to: await agent.getAddress(), value: ethers.parseEther("1") });
      await agent.setLimits(MAX_PER_ACTION_WEI, MAX_PER_DAY_WEI);
      await agent.setRecipientAllowed(f.payee.address, true);
      await agent.setClassAction(255, f.payee.address, UNIT_WEI);
      const r = await emittedRequest(f.oracle, await agent.think("0x01"));
      const tx = f.oracle.connect(f.nodeA).fulfil(r.id, r.request, canonical(logitsFor(255, 12, 256)), 0);
      await expect(tx).to.emit(agent, "Paid").withArgs(r.id, f.payee.address, UNIT_WEI);
      const fulfilled = await f.oracle.queryFilter(f.oracle.filters.RequestFulfilled(r.id));
      expect(fulfilled[0].args.callbackSucceeded).to.equal(true);
    });
  });

  describe("decoding agrees with the runner's canonical encoding", function () {
    it("reads the label and its score exactly as the runner's decoder does, for any logits", async function () {
      const f = await loadFixture(agentFixture);
      const logit = fc.float({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true });
      await fc.assert(
        fc.asyncProperty(fc.array(logit, { minLength: CLASSES, maxLength: CLASSES }), async (values) => {
          const bytes = encodeClassification(Float32Array.from(values));
          const expected = decodeClassification(bytes);
          const [ok, label, confidenceBps] = await f.agent.decode(bytes);
          expect([ok, Number(label), Number(confidenceBps)]).to.deep.equal([
            true,
            expected.label,
            expected.scoresBps[expected.label],
          ]);
        }),
        { numRuns: process.env.DEEP ? 500 : 60, seed: 8 },
      );
    });

    it("accepts an arbitrary 21-byte output only if the runner's decoder does and the label has the top score", async function () {
      const f = await loadFixture(agentFixture);
      const score = fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 0xffff }));
      const output = fc.tuple(fc.integer({ min: 0, max: 12 }), fc.array(score, { minLength: 10, maxLength: 10 }));
      await fc.assert(
        fc.asyncProperty(output, async ([label, scores]) => {
          const bytes = new Uint8Array(21);
          bytes[0] = label;
          scores.forEach((s, i) => new DataView(bytes.buffer).setUint16(1 + 2 * i, s, false));
          let expected: [boolean, number, number] = [false, 0, 0];
          try {
            const d = decodeClassification(bytes);
            if (d.scoresBps[d.label] === Math.max(...d.scoresBps)) expected = [true, d.label, d.scoresBps[d.label]];
          } catch {
            // The runner's decoder refuses it: so must the agent.
          }
          const [ok, l, c] = await f.agent.decode(bytes);
          expect([ok, Number(l), Number(c)]).to.deep.equal(expected);
        }),
        { numRuns: process.env.DEEP ? 500 : 60, seed: 8 },
      );
    });

    it("matches a vector produced by the runner's encoder byte for byte", async function () {
      const f = await loadFixture(agentFixture);
      const logits = Float32Array.from([-1.5, 0.25, 2, 7.75, 0, -3, 1, 6.5, 0.5, -0.25]);
      const bytes = encodeClassification(logits);
      const decoded = decodeClassification(bytes);
      expect(bytes.length).to.equal(Number(await f.agent.outputBytes()));
      expect(decoded.label).to.equal(3);
      expect(decoded.scoresBps.reduce((a, b) => a + b, 0)).to.be.within(10_000 - 5, 10_000 + 5);
      expect([...(await f.agent.decode(bytes))]).to.deep.equal([true, 3n, BigInt(decoded.scoresBps[3])]);
    });
  });

  describe("claiming", function () {
    it("pays a recipient its credit once, on its own call", async function () {
      const f = await loadFixture(agentFixture);
      await (
        await thinkAndAnswer(f, confident(6))
      ).tx;
      const tx = f.agent.connect(f.payee).claim();
      await expect(tx)
        .to.emit(f.agent, "Claimed")
        .withArgs(f.payee.address, 6n * UNIT_WEI);
      await expect(tx).to.changeEtherBalances([f.payee, f.agent], [6n * UNIT_WEI, -6n * UNIT_WEI]);
      expect(await f.agent.owedTo(f.payee.address)).to.equal(0n);
      await expect(f.agent.connect(f.payee).claim())
        .to.be.revertedWithCustomError(f.agent, "AIAgentNothingOwed")
        .withArgs(f.payee.address);
    });

    it("refuses a recipient that re-enters claim from its receive hook", async function () {
      const f = await loadFixture(agentFixture);
      const payee = (await (
        await ethers.getContractFactory("ReentrantAgentPayee")
      ).deploy(await f.agent.getAddress())) as unknown as ReentrantAgentPayee;
      await f.agent.setRecipientAllowed(await payee.getAddress(), true);
      await f.agent.setClassAction(3, await payee.getAddress(), 3n * UNIT_WEI);
      await (
        await thinkAndAnswer(f, confident(3))
      ).tx;
      await expect(payee.claim()).to.changeEtherBalance(payee, 3n * UNIT_WEI);
      expect(await payee.reentered()).to.equal(true);
      expect(await payee.reentrySucceeded()).to.equal(false);
      expect(await payee.reentryRevertData()).to.equal(
        f.agent.interface.getError("ReentrancyGuardReentrantCall")!.selector,
      );
      expect(await f.agent.owedTo(await payee.getAddress())).to.equal(0n);
    });

    it("keeps a credit whose recipient refuses ETH, without blocking anyone else", async function () {
      const f = await loadFixture(agentFixture);
      const rejecting = (await (
        await ethers.getContractFactory("RejectingAgentPayee")
      ).deploy(await f.agent.getAddress())) as unknown as RejectingAgentPayee;
      await f.agent.setRecipientAllowed(await rejecting.getAddress(), true);
      await f.agent.setClassAction(2, await rejecting.getAddress(), 2n * UNIT_WEI);
      for (const d of [2, 5]) await (await thinkAndAnswer(f, confident(d))).tx;
      await expect(rejecting.claim())
        .to.be.revertedWithCustomError(rejecting, "RejectingAgentPayeeRefused")
        .withArgs(2n * UNIT_WEI);
      expect(await f.agent.owedTo(await rejecting.getAddress())).to.equal(2n * UNIT_WEI);
      await expect(f.agent.connect(f.payee).claim()).to.changeEtherBalance(f.payee, 5n * UNIT_WEI);
    });

    it("pulls an oracle refund of an unanswered request back into its balance", async function () {
      const f = await loadFixture(agentFixture);
      const r = await think(f);
      await time.increase(Number(CONFIG.requestTimeoutSeconds) + 1);
      await f.oracle.connect(f.stranger).refund(r.id, r.request);
      expect(await f.oracle.creditOf(await f.agent.getAddress())).to.equal(r.totalWei);
      await expect(f.agent.connect(f.stranger).pullRefunds()).to.changeEtherBalance(f.agent, r.totalWei);
    });
  });

  describe("model (fast-check)", function () {
    // Mostly readings (three in four confident), so that days fill up and roll over; constantFrom rather than
    // integer because fast-check biases integers towards 0.
    const op = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          kind: fc.constant("read" as const),
          digit: fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
          sure: fc.constantFrom(true, true, true, false),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("error" as const) }) },
      {
        weight: 3,
        arbitrary: fc.record({ kind: fc.constant("advance" as const), seconds: fc.constantFrom(3600, 43_200, DAY) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("limits" as const),
          perActionUnits: fc.constantFrom(0, 4, 8, 9),
          perDayUnits: fc.constantFrom(0, 6, 12, 20),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("allow" as const), allowed: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("claim" as const) }) },
    );

    it("pays, holds or rejects exactly as a model of its policy and limits says, and owes what it paid", async function () {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 8, maxLength: 20 }), async (ops) => {
          const f = await loadFixture(agentFixture);
          const agentAddress = await f.agent.getAddress();
          // A daily cap of two or three readings, so that days fill up and roll over often.
          const m = { perAction: MAX_PER_ACTION_WEI, perDay: 12n * UNIT_WEI, allowed: true, day: -1, spent: 0n };
          await f.agent.setLimits(m.perAction, m.perDay);
          let owed = 0n;
          for (const o of ops) {
            if (o.kind === "read" || o.kind === "error") {
              const r = await think(f);
              const output = o.kind === "read" ? (o.sure ? confident(o.digit) : doubtful(o.digit)) : "0x";
              const tx = await f.oracle
                .connect(f.nodeA)
                .fulfil(r.id, r.request, output, o.kind === "error" ? ERROR_INFERENCE_FAILED : 0);
              const receipt = (await tx.wait())!;
              const day = Math.floor((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp / DAY);
              const spent = m.day === day ? m.spent : 0n;
              const amount = o.kind === "read" ? BigInt(o.digit) * UNIT_WEI : 0n;
              let expected: [string, ...unknown[]];
              if (o.kind === "error") expected = ["Rejected", r.id, BigInt(Rejection.OracleError)];
              else if (!o.sure || o.digit === 0) expected = ["Held", r.id];
              else if (!m.allowed) expected = ["Rejected", r.id, BigInt(Rejection.RecipientNotAllowed)];
              else if (amount > m.perAction) expected = ["Rejected", r.id, BigInt(Rejection.OverActionCap)];
              else if (spent + amount > m.perDay) expected = ["Rejected", r.id, BigInt(Rejection.OverDailyCap)];
              else {
                expected = ["Paid", r.id, f.payee.address, amount];
                [m.day, m.spent, owed] = [day, spent + amount, owed + amount];
              }
              const acts = receipt.logs
                .filter((l) => l.address === agentAddress)
                .map((l) => f.agent.interface.parseLog(l)!)
                .filter((e) => e.name !== "Classified")
                .map((e) => [e.name, ...e.args]);
              expect(acts).to.deep.equal([expected]);
            } else if (o.kind === "advance") {
              await time.increase(o.seconds);
            } else if (o.kind === "limits") {
              [m.perAction, m.perDay] = [BigInt(o.perActionUnits) * UNIT_WEI, BigInt(o.perDayUnits) * UNIT_WEI];
              await f.agent.setLimits(m.perAction, m.perDay);
            } else if (o.kind === "allow") {
              m.allowed = o.allowed;
              await f.agent.setRecipientAllowed(f.payee.address, o.allowed);
            } else if (owed > 0n) {
              await expect(f.agent.connect(f.payee).claim()).to.changeEtherBalance(f.payee, owed);
              owed = 0n;
            } else {
              await expect(f.agent.connect(f.payee).claim()).to.be.revertedWithCustomError(
                f.agent,
                "AIAgentNothingOwed",
              );
            }
            expect(await f.agent.owedTo(f.payee.address)).to.equal(owed);
            expect(await f.agent.freeBalance()).to.equal((await ethers.provider.getBalance(agentAddress)) - owed);
          }
        }),
        { numRuns: process.env.DEEP ? 100 : 20, seed: 8 },
      );
    });
  });

  shouldEnforceAccessMatrix("ClassifierAgent", async () => {
    const f = await loadFixture(agentFixture);
    const owner = custom("OwnableUnauthorizedAccount", ["owner"]);
    return {
      contract: f.agent,
      callers: { owner: f.owner, payee: f.payee, stranger: f.stranger },
      roleHolders: {},
      guards: {
        "claim()": ANYONE,
        "clearClassAction(uint8)": owner,
        // Only the oracle (a contract, so not a named caller) may deliver results.
        "onAIOracleResult(uint256,uint8,bytes,bytes)": custom("AIOracleConsumerOnlyOracle", []),
        "pullRefunds()": ANYONE,
        "renounceOwnership()": owner,
        "setClassAction(uint8,address,uint96)": owner,
        "setLimits(uint128,uint128)": owner,
        "setMinConfidence(uint16)": owner,
        "setRecipientAllowed(address,bool)": owner,
        "think(bytes)": owner,
        "transferOwnership(address)": owner,
      },
      args: { "setClassAction(uint8,address,uint96)": [1, f.payee.address, 1n] },
    };
  });
});
