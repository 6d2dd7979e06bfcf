import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ORACLE_SERVICE } from "../helpers/constants";
import {
  BOND_WEI,
  CONFIG,
  deployOracleFixture,
  MODE_OPTIMISTIC,
  MODE_QUORUM,
  MODEL_FEE_WEI,
  OUTPUT,
  sendRequest,
  STATE_CHALLENGED,
  STATE_FULFILLED,
  STATE_PENDING,
  STATE_PROVISIONAL,
  STATE_REFUNDED,
  type OracleFixture,
} from "./fixtures";

const WRONG = ethers.id("a wrong answer");
const H = ethers.keccak256(OUTPUT);
const result = (errorCode: number, output: string) =>
  ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(["uint8", "bytes32"], [errorCode, ethers.keccak256(output)]),
  );

/** Optimistic model 3 also served by nodeB, nodeC and nodeD (the challenge voters). */
async function optimisticFixture() {
  const f = await deployOracleFixture();
  for (const n of [f.nodeB, f.nodeC, f.nodeD]) await f.registry.connect(f.modelOwner).addNode(3, n.address);
  return f;
}

async function proposed(f: OracleFixture, output = OUTPUT) {
  const r = await sendRequest(f, 3);
  const proposer = (r.request.nodes as string[])[0];
  const signer = [f.nodeA, f.nodeB, f.nodeC, f.nodeD].find((s) => s.address === proposer)!;
  await f.oracle.connect(signer).fulfil(r.id, r.request, output, 0);
  const voters = [f.nodeA, f.nodeB, f.nodeC, f.nodeD].filter((s) => s.address !== proposer);
  return { r, proposer: signer, voters };
}

describe("AIOracle verification modes", function () {
  describe("Quorum (2 of 3)", function () {
    it("assigns three nodes, records a lone vote as provisional and finalises on the second agreeing vote", async function () {
      const f = await loadFixture(deployOracleFixture);
      const r = await sendRequest(f, 2);
      expect(r.request.nodes).to.have.length(3);
      expect(r.terms.nodeFeeWei).to.equal(3n * 2_000_000_000_000_000n);
      await expect(f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(r.id, f.nodeA.address, MODE_QUORUM, false, false, 0, H);
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_PROVISIONAL);
      expect(await f.oracle.voteOf(r.id, f.nodeA.address)).to.equal(result(0, OUTPUT));
      await expect(f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleAlreadyVoted")
        .withArgs(r.id, f.nodeA.address);
      expect(await f.consumer.calls()).to.equal(0n);
      await expect(f.oracle.connect(f.nodeB).fulfil(r.id, r.request, OUTPUT, 0))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(r.id, f.nodeB.address, MODE_QUORUM, true, true, 0, H);
      expect(await f.consumer.results(r.id)).to.equal(OUTPUT);
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_FULFILLED);
      const share = BigInt(r.terms.nodeFeeWei) / 2n;
      expect(await f.oracle.creditOf(f.nodeA.address)).to.equal(share);
      expect(await f.oracle.creditOf(f.nodeB.address)).to.equal(
        BigInt(r.terms.nodeFeeWei) - share + BigInt(r.terms.gasFeeWei),
      );
      expect(await f.oracle.creditOf(f.modelOwner.address)).to.equal(MODEL_FEE_WEI);
      await expect(f.oracle.connect(f.nodeC).fulfil(r.id, r.request, OUTPUT, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(r.id, STATE_FULFILLED);
    });

    it("slashes a wrong minority once the honest quorum finalises", async function () {
      const f = await loadFixture(deployOracleFixture);
      const r = await sendRequest(f, 2);
      const before = (await f.staking.stakeOf(f.nodeB.address, ORACLE_SERVICE)).activeWei;
      await f.oracle.connect(f.nodeB).fulfil(r.id, r.request, WRONG, 0);
      await f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0);
      await expect(f.oracle.connect(f.nodeC).fulfil(r.id, r.request, OUTPUT, 0))
        .to.emit(f.oracle, "NodeSlashed")
        .withArgs(f.nodeB.address, r.id, CONFIG.dissentSlashWei)
        .and.to.emit(f.oracle, "RequestFulfilled")
        .withArgs(r.id, f.nodeC.address, MODE_QUORUM, true, true, 0, H);
      expect((await f.staking.stakeOf(f.nodeB.address, ORACLE_SERVICE)).activeWei).to.equal(
        before - BigInt(CONFIG.dissentSlashWei),
      );
      expect(await f.oracle.creditOf(f.nodeB.address)).to.equal(0n);
    });

    it("keeps a dissenter's stake when the dissent slash is configured to zero", async function () {
      const f = await loadFixture(deployOracleFixture);
      await f.oracle.setConfig({ ...CONFIG, dissentSlashWei: 0 });
      const r = await sendRequest(f, 2);
      const before = await f.staking.stakeOf(f.nodeB.address, ORACLE_SERVICE);
      await f.oracle.connect(f.nodeB).fulfil(r.id, r.request, WRONG, 0);
      await f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0);
      await expect(f.oracle.connect(f.nodeC).fulfil(r.id, r.request, OUTPUT, 0))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(r.id, f.nodeC.address, MODE_QUORUM, true, true, 0, H)
        .and.not.to.emit(f.oracle, "NodeSlashed");
      const after = await f.staking.stakeOf(f.nodeB.address, ORACLE_SERVICE);
      expect(after.activeWei).to.equal(before.activeWei);
      expect(await f.oracle.creditOf(f.nodeB.address)).to.equal(0n);
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_FULFILLED);
    });

    it("never finalises a wrong majority below k, and refunds after the deadline", async function () {
      const f = await loadFixture(deployOracleFixture);
      await f.registry.connect(f.modelOwner).setVerification(2, {
        mode: MODE_QUORUM,
        quorumK: 3,
        quorumN: 3,
        challengeWindowSeconds: 0,
        bondWei: 0,
      });
      const r = await sendRequest(f, 2);
      await f.oracle.connect(f.nodeA).fulfil(r.id, r.request, WRONG, 0);
      await f.oracle.connect(f.nodeB).fulfil(r.id, r.request, WRONG, 0);
      await expect(f.oracle.connect(f.nodeC).fulfil(r.id, r.request, OUTPUT, 0))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(r.id, f.nodeC.address, MODE_QUORUM, false, false, 0, H);
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_PROVISIONAL);
      expect(await f.consumer.calls()).to.equal(0n);
      await expect(f.oracle.refund(r.id, r.request))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleRequestNotExpired")
        .withArgs(r.id, r.terms.deadline);
      await time.increaseTo(BigInt(r.terms.deadline) + 1n);
      await expect(f.oracle.refund(r.id, r.request))
        .to.emit(f.oracle, "RequestRefunded")
        .withArgs(r.id, f.requester.address, BigInt(r.totalWei));
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_REFUNDED);
    });

    it("marks only the assigned nodes that never voted as late", async function () {
      const f = await loadFixture(deployOracleFixture);
      const r = await sendRequest(f, 2);
      await f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0);
      await time.increaseTo(BigInt(r.terms.deadline) + 1n);
      const tx = f.oracle.refund(r.id, r.request);
      await expect(tx).to.emit(f.oracle, "NodeLate").withArgs(f.nodeB.address, r.id, 1n);
      await expect(tx).to.emit(f.oracle, "NodeLate").withArgs(f.nodeC.address, r.id, 1n);
      expect(await f.oracle.latenessOf(f.nodeA.address)).to.equal(0n);
    });

    it("refuses votes from nodes outside the assignment, even after the grace period", async function () {
      const f = await loadFixture(deployOracleFixture);
      await f.registry.connect(f.modelOwner).addNode(2, f.nodeD.address);
      const r = await sendRequest(f, 2);
      const outsider = [f.nodeA, f.nodeB, f.nodeC, f.nodeD].find(
        (s) => !(r.request.nodes as string[]).includes(s.address),
      )!;
      await time.increaseTo(BigInt(r.terms.exclusiveUntil) + 1n);
      await expect(f.oracle.connect(outsider).fulfil(r.id, r.request, OUTPUT, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleNotAssigned")
        .withArgs(r.id, outsider.address);
    });
  });

  describe("Optimistic", function () {
    it("locks the proposer's bond, keeps the result provisional through the window, then anyone finalises", async function () {
      const f = await loadFixture(optimisticFixture);
      const { r, proposer } = await proposed(f);
      expect((await f.staking.stakeOf(proposer.address, ORACLE_SERVICE)).lockedWei).to.equal(BOND_WEI);
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_PROVISIONAL);
      const p = await f.oracle.proposalOf(r.id);
      expect(p.node).to.equal(proposer.address);
      await time.setNextBlockTimestamp(p.challengeDeadline);
      await expect(f.oracle.connect(f.stranger).finalize(r.id, r.request, OUTPUT, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleChallengeWindow")
        .withArgs(r.id, p.challengeDeadline);
      await expect(f.oracle.connect(f.stranger).finalize(r.id, r.request, WRONG, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleResultMismatch")
        .withArgs(r.id, result(0, OUTPUT));
      await expect(f.oracle.connect(f.stranger).finalize(r.id, r.request, OUTPUT, 0))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(r.id, proposer.address, MODE_OPTIMISTIC, true, true, 0, H);
      expect(await f.consumer.results(r.id)).to.equal(OUTPUT);
      expect((await f.staking.stakeOf(proposer.address, ORACLE_SERVICE)).lockedWei).to.equal(0n);
      expect(await f.oracle.creditOf(proposer.address)).to.equal(r.terms.nodeFeeWei);
      expect(await f.oracle.creditOf(f.stranger.address)).to.equal(r.terms.gasFeeWei);
    });

    it("refuses a second proposal while the first is provisional", async function () {
      const f = await loadFixture(optimisticFixture);
      const { r, proposer } = await proposed(f);
      await expect(f.oracle.connect(proposer).fulfil(r.id, r.request, WRONG, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(r.id, STATE_PROVISIONAL);
      expect((await f.oracle.proposalOf(r.id)).node).to.equal(proposer.address);
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_PROVISIONAL);
    });

    it("emits the proposal with its output and refuses a proposal the node cannot bond", async function () {
      const f = await loadFixture(optimisticFixture);
      const r = await sendRequest(f, 3);
      const node = [f.nodeA, f.nodeB, f.nodeC, f.nodeD].find((s) => s.address === (r.request.nodes as string[])[0])!;
      const free = await f.staking.freeStake(node.address, ORACLE_SERVICE);
      await f.staking.setModule(ORACLE_SERVICE, f.admin.address, true);
      await f.staking.lock(node.address, ORACLE_SERVICE, free);
      await expect(f.oracle.connect(node).fulfil(r.id, r.request, OUTPUT, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleBondUnavailable")
        .withArgs(r.id, node.address, BOND_WEI);
      await f.staking.unlock(node.address, ORACLE_SERVICE, free);
      const tx = f.oracle.connect(node).fulfil(r.id, r.request, OUTPUT, 0);
      await expect(tx).to.emit(f.oracle, "ResultProposed");
      await expect(tx)
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(r.id, node.address, MODE_OPTIMISTIC, false, false, 0, H);
    });

    it("lets a challenger win through the arbiter: proposer slashed, challenger repaid, requester refunded", async function () {
      const f = await loadFixture(optimisticFixture);
      const { r, proposer } = await proposed(f, WRONG);
      const p = await f.oracle.proposalOf(r.id);
      await expect(f.oracle.connect(proposer).challenge(r.id, r.request, { value: BOND_WEI }))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleProposerCannotChallenge")
        .withArgs(r.id, proposer.address);
      await expect(f.oracle.connect(f.challenger).challenge(r.id, r.request, { value: 1n }))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleWrongBond")
        .withArgs(1n, BOND_WEI);
      await time.setNextBlockTimestamp(p.challengeDeadline);
      const resolveBy = p.challengeDeadline + BigInt(CONFIG.challengeResolutionSeconds);
      await expect(f.oracle.connect(f.challenger).challenge(r.id, r.request, { value: BOND_WEI }))
        .to.emit(f.oracle, "ResultChallenged")
        .withArgs(r.id, f.challenger.address, BOND_WEI, resolveBy);
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_CHALLENGED);
      const stakeBefore = (await f.staking.stakeOf(proposer.address, ORACLE_SERVICE)).activeWei;
      await expect(f.oracle.resolveChallenge(r.id, r.request, false))
        .to.emit(f.oracle, "ChallengeResolved")
        .withArgs(r.id, false, f.admin.address)
        .and.to.emit(f.oracle, "NodeSlashed")
        .withArgs(proposer.address, r.id, BOND_WEI)
        .and.to.emit(f.oracle, "RequestRefunded")
        .withArgs(r.id, f.requester.address, r.totalWei);
      expect((await f.staking.stakeOf(proposer.address, ORACLE_SERVICE)).activeWei).to.equal(stakeBefore - BOND_WEI);
      expect(await f.staking.creditOf(f.challenger.address)).to.equal(BOND_WEI / 2n);
      expect(await f.oracle.creditOf(f.challenger.address)).to.equal(BOND_WEI);
      expect(await f.oracle.creditOf(f.requester.address)).to.equal(r.totalWei);
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_REFUNDED);
      expect(await f.consumer.calls()).to.equal(0n);
    });

    it("lets the proposer win through the serving nodes' bonded votes once the resolution time is over", async function () {
      const f = await loadFixture(optimisticFixture);
      const { r, proposer, voters } = await proposed(f);
      await expect(f.oracle.connect(f.challenger).challenge(r.id, r.request, { value: BOND_WEI })).to.emit(
        f.oracle,
        "ResultChallenged",
      );
      await expect(f.oracle.connect(f.stranger).voteChallenge(r.id, r.request, true))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleNotEligibleVoter")
        .withArgs(r.id, f.stranger.address);
      await expect(f.oracle.connect(proposer).voteChallenge(r.id, r.request, true))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleNotEligibleVoter")
        .withArgs(r.id, proposer.address);
      await expect(f.oracle.connect(voters[0]).voteChallenge(r.id, r.request, true))
        .to.emit(f.oracle, "ChallengeVoted")
        .withArgs(r.id, voters[0].address, true);
      await expect(f.oracle.connect(voters[0]).voteChallenge(r.id, r.request, true))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleAlreadyVoted")
        .withArgs(r.id, voters[0].address);
      // Issue 12: votes are bonded and only take effect after `resolveBy` (the arbiter may overrule them until then).
      await expect(f.oracle.connect(voters[1]).voteChallenge(r.id, r.request, true))
        .to.emit(f.oracle, "ChallengeVoted")
        .withArgs(r.id, voters[1].address, true);
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_CHALLENGED);
      await expect(
        f.oracle.connect(f.challenger).challenge(r.id, r.request, { value: BOND_WEI }),
      ).to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState");
      await time.increaseTo((await f.oracle.proposalOf(r.id)).resolveBy + 1n);
      await expect(f.oracle.finalize(r.id, r.request, OUTPUT, 0))
        .to.emit(f.oracle, "ChallengeResolved")
        .withArgs(r.id, true, f.admin.address)
        .and.to.emit(f.oracle, "RequestFulfilled")
        .withArgs(r.id, proposer.address, MODE_OPTIMISTIC, true, true, 0, H);
      // Half of the challenger's forfeited bond goes to the proposer (the rest to the Treasury).
      expect(await f.oracle.creditOf(proposer.address)).to.equal(BigInt(r.terms.nodeFeeWei) + BOND_WEI / 2n);
    });

    it("keeps challenges and challenge votes open while the oracle is paused", async function () {
      const f = await loadFixture(optimisticFixture);
      const { r, voters } = await proposed(f);
      await f.oracle.pause();
      await expect(f.oracle.connect(f.challenger).challenge(r.id, r.request, { value: BOND_WEI })).to.emit(
        f.oracle,
        "ResultChallenged",
      );
      await expect(f.oracle.connect(voters[0]).voteChallenge(r.id, r.request, false))
        .to.emit(f.oracle, "ChallengeVoted")
        .withArgs(r.id, voters[0].address, false);
    });

    it("refuses a challenge after the window and a resolution after its deadline, then settles for the proposer", async function () {
      const f = await loadFixture(optimisticFixture);
      const { r } = await proposed(f);
      const p = await f.oracle.proposalOf(r.id);
      await f.oracle.connect(f.challenger).challenge(r.id, r.request, { value: BOND_WEI });
      const q = await f.oracle.proposalOf(r.id);
      await expect(f.oracle.refund(r.id, r.request))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleRequestNotExpired")
        .withArgs(r.id, q.resolveBy);
      await time.increaseTo(q.resolveBy + 1n);
      await expect(f.oracle.resolveChallenge(r.id, r.request, true))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleResolutionExpired")
        .withArgs(r.id, q.resolveBy);
      // Issue 12: an unresolved challenge no longer refunds both sides; it settles in the proposer's favour.
      await expect(f.oracle.refund(r.id, r.request))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleChallengeNotUpheld")
        .withArgs(r.id);
      await expect(f.oracle.finalize(r.id, r.request, OUTPUT, 0))
        .to.emit(f.oracle, "RequestFulfilled")
        .withArgs(r.id, p.node, MODE_OPTIMISTIC, true, true, 0, H);
      expect(await f.oracle.creditOf(f.challenger.address)).to.equal(0n);
      expect((await f.staking.stakeOf(p.node, ORACLE_SERVICE)).lockedWei).to.equal(0n);

      const late = await proposed(f);
      const lp = await f.oracle.proposalOf(late.r.id);
      await time.setNextBlockTimestamp(lp.challengeDeadline + 1n);
      await expect(f.oracle.connect(f.challenger).challenge(late.r.id, late.r.request, { value: BOND_WEI }))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleChallengeWindow")
        .withArgs(late.r.id, lp.challengeDeadline);
    });

    it("refuses Optimistic entry points on other modes and an unchallenged refund", async function () {
      const f = await loadFixture(optimisticFixture);
      const none = await sendRequest(f, 1);
      await expect(f.oracle.finalize(none.id, none.request, OUTPUT, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleWrongMode")
        .withArgs(none.id, 0);
      const { r } = await proposed(f);
      await expect(f.oracle.resolveChallenge(r.id, r.request, true))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(r.id, STATE_PROVISIONAL);
      await time.increaseTo(BigInt(r.terms.deadline) + 1n);
      await expect(f.oracle.refund(r.id, r.request))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
        .withArgs(r.id, STATE_PROVISIONAL);
      expect((await f.oracle.requestState(r.id))[0]).to.not.equal(STATE_PENDING);
    });
  });
});
