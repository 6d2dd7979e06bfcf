import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { MIN_ORACLE_STAKE, ORACLE_SERVICE } from "../helpers/constants";
import {
  BOND_WEI,
  deployOracleFixture,
  OUTPUT,
  sendRequest,
  STATE_CHALLENGED,
  STATE_FULFILLED,
  STATE_REFUNDED,
} from "../oracle/fixtures";

/**
 * Issue 12, item 3: challenge votes were unbonded and final; a challenger with two sybil serving nodes (quorumK = 2)
 * voted an honest proposer's result invalid, slashed its whole bond and took half. Now each vote bonds `bondWei` of
 * the voter's stake, a vote decision only takes effect after `resolveBy`, the arbiter's ruling before then is final,
 * and voters on the losing side are slashed their bond.
 */
async function sybilFixture() {
  const f = await deployOracleFixture();
  // The attacker's sybils B and C serve the Optimistic model (quorumK = 2) next to the honest proposer A.
  for (const n of [f.nodeB, f.nodeC]) await f.registry.connect(f.modelOwner).addNode(3, n.address);
  const r = await sendRequest(f, 3);
  const proposer = [f.nodeA, f.nodeB, f.nodeC].find((s) => s.address === (r.request.nodes as string[])[0])!;
  // Make A the proposer whatever the seed: the sybils are the other two.
  const sybils = [f.nodeA, f.nodeB, f.nodeC].filter((s) => s !== proposer);
  await f.oracle.connect(proposer).fulfil(r.id, r.request, OUTPUT, 0);
  await f.oracle.connect(f.challenger).challenge(r.id, r.request, { value: BOND_WEI });
  return { ...f, r, proposer, sybils };
}

describe("security: sybil challenge votes slash an honest proposer (issue 12, item 3)", function () {
  it("sybil votes bond stake, decide nothing at once, and are slashed when the arbiter overrules them", async function () {
    const f = await loadFixture(sybilFixture);
    const { r, proposer, sybils } = f;
    for (const s of sybils) {
      await expect(f.oracle.connect(s).voteChallenge(r.id, r.request, false))
        .to.emit(f.oracle, "ChallengeVoted")
        .withArgs(r.id, s.address, false)
        .and.to.emit(f.staking, "StakeLocked")
        .withArgs(s.address, ORACLE_SERVICE, await f.oracle.getAddress(), BOND_WEI);
    }
    // Before the fix the second vote slashed the proposer here. Now the challenge is still open.
    expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_CHALLENGED);
    expect((await f.staking.stakeOf(proposer.address, ORACLE_SERVICE)).activeWei).to.equal(MIN_ORACLE_STAKE * 2n);
    // The arbiter overrules within the resolution time: the sybils lose their vote bonds.
    const tx = f.oracle.resolveChallenge(r.id, r.request, true);
    for (const s of sybils) await expect(tx).to.emit(f.oracle, "NodeSlashed").withArgs(s.address, r.id, BOND_WEI);
    await expect(tx).to.emit(f.oracle, "ChallengeResolved").withArgs(r.id, true, f.admin.address);
    for (const s of sybils) {
      const st = await f.staking.stakeOf(s.address, ORACLE_SERVICE);
      expect(st.activeWei).to.equal(MIN_ORACLE_STAKE * 2n - BOND_WEI);
      expect(st.lockedWei).to.equal(0n);
    }
    await f.oracle.finalize(r.id, r.request, OUTPUT, 0);
    expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_FULFILLED);
    expect(await f.oracle.creditOf(proposer.address)).to.equal(BigInt(r.terms.nodeFeeWei) + BOND_WEI / 2n);
    expect(await f.oracle.creditOf(f.challenger.address)).to.equal(0n);
  });

  it("a vote decision takes effect only after the resolution time, and no more votes are taken", async function () {
    const f = await loadFixture(sybilFixture);
    const { r, proposer, sybils } = f;
    for (const s of sybils) await f.oracle.connect(s).voteChallenge(r.id, r.request, false);
    await f.registry.connect(f.modelOwner).addNode(3, f.nodeD.address);
    await expect(f.oracle.connect(f.nodeD).voteChallenge(r.id, r.request, true))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleChallengeDecided")
      .withArgs(r.id, false);
    const p = await f.oracle.proposalOf(r.id);
    await expect(f.oracle.refund(r.id, r.request))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleRequestNotExpired")
      .withArgs(r.id, p.resolveBy);
    await time.increaseTo(p.resolveBy + 1n);
    await expect(f.oracle.resolveChallenge(r.id, r.request, true))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleResolutionExpired")
      .withArgs(r.id, p.resolveBy);
    await expect(f.oracle.finalize(r.id, r.request, OUTPUT, 0))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleChallengeUpheld")
      .withArgs(r.id);
    // Unopposed, the upheld vote settles through refund: proposer slashed, voters' bonds released.
    const tx = f.oracle.refund(r.id, r.request);
    await expect(tx).to.emit(f.oracle, "ChallengeResolved").withArgs(r.id, false, f.admin.address);
    await expect(tx).to.emit(f.oracle, "NodeSlashed").withArgs(proposer.address, r.id, BOND_WEI);
    expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_REFUNDED);
    for (const s of sybils) expect((await f.staking.stakeOf(s.address, ORACLE_SERVICE)).lockedWei).to.equal(0n);
  });

  it("honest votes win: the voters against the result are slashed and the proposer paid", async function () {
    const f = await loadFixture(sybilFixture);
    const { r, proposer, sybils } = f;
    await f.registry.connect(f.modelOwner).addNode(3, f.nodeD.address);
    await f.oracle.connect(sybils[0]).voteChallenge(r.id, r.request, false);
    await f.oracle.connect(sybils[1]).voteChallenge(r.id, r.request, true);
    await f.oracle.connect(f.nodeD).voteChallenge(r.id, r.request, true);
    await time.increaseTo((await f.oracle.proposalOf(r.id)).resolveBy + 1n);
    await expect(f.oracle.refund(r.id, r.request)).to.be.revertedWithCustomError(
      f.oracle,
      "AIOracleChallengeNotUpheld",
    );
    const tx = f.oracle.finalize(r.id, r.request, OUTPUT, 0);
    await expect(tx).to.emit(f.oracle, "NodeSlashed").withArgs(sybils[0].address, r.id, BOND_WEI);
    await expect(tx).to.emit(f.oracle, "ChallengeResolved").withArgs(r.id, true, f.admin.address);
    expect(await f.oracle.creditOf(proposer.address)).to.equal(BigInt(r.terms.nodeFeeWei) + BOND_WEI / 2n);
    for (const s of [sybils[1], f.nodeD]) {
      const st = await f.staking.stakeOf(s.address, ORACLE_SERVICE);
      expect(st.lockedWei).to.equal(0n);
      expect(st.activeWei).to.equal(MIN_ORACLE_STAKE * 2n);
    }
  });

  it("only active serving nodes with free stake vote, never the proposer, challenger or requester", async function () {
    const f = await loadFixture(sybilFixture);
    const { r, proposer, sybils } = f;
    for (const who of [proposer, f.stranger, f.requester, f.challenger]) {
      await expect(f.oracle.connect(who).voteChallenge(r.id, r.request, false))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleNotEligibleVoter")
        .withArgs(r.id, who.address);
    }
    // A serving node that unbonded (inactive) cannot vote.
    await f.staking.connect(sybils[0]).requestUnbond(ORACLE_SERVICE, MIN_ORACLE_STAKE * 2n);
    await expect(f.oracle.connect(sybils[0]).voteChallenge(r.id, r.request, false))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleNotEligibleVoter")
      .withArgs(r.id, sybils[0].address);
    // A node whose free stake cannot cover the vote bond cannot vote.
    await f.registry.connect(f.modelOwner).addNode(3, f.nodeD.address);
    await f.staking.setService(ORACLE_SERVICE, ethers.parseEther("0.1"), 7 * 24 * 3600, true);
    await f.staking.connect(f.nodeD).requestUnbond(ORACLE_SERVICE, MIN_ORACLE_STAKE * 2n - ethers.parseEther("0.2"));
    await expect(f.oracle.connect(f.nodeD).voteChallenge(r.id, r.request, false))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleBondUnavailable")
      .withArgs(r.id, f.nodeD.address, BOND_WEI);
    // A node votes once.
    await f.oracle.connect(sybils[1]).voteChallenge(r.id, r.request, true);
    await expect(f.oracle.connect(sybils[1]).voteChallenge(r.id, r.request, true))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleAlreadyVoted")
      .withArgs(r.id, sybils[1].address);
  });
});
