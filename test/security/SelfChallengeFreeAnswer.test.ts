import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ORACLE_SERVICE } from "../helpers/constants";
import {
  BOND_WEI,
  deployOracleFixture,
  MODE_OPTIMISTIC,
  MODEL_FEE_WEI,
  OUTPUT,
  sendRequest,
  STATE_CHALLENGED,
  STATE_FULFILLED,
  type OracleFixture,
} from "../oracle/fixtures";

/**
 * Issue 12, item 2: the Optimistic output is public in `ResultProposed`; before the fix the requester could read it,
 * challenge its own request and, with nobody resolving the challenge, `refund` after `resolveBy` returned both the fee
 * and the challenge bond while the honest node got nothing. A third party could grief any node the same way at no
 * cost. Now a challenge that nobody upholds settles in the proposer's favour and the challenger forfeits its bond.
 */
async function proposedByA(f: OracleFixture) {
  const r = await sendRequest(f, 3);
  expect(r.request.nodes).to.deep.equal([f.nodeA.address]);
  const tx = await f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0);
  // The requester can read the answer straight from the event.
  const receipt = await tx.wait();
  const proposed = receipt!.logs.map((l) => f.oracle.interface.parseLog(l)).find((e) => e?.name === "ResultProposed")!;
  expect(proposed.args.output).to.equal(OUTPUT);
  return r;
}

describe("security: the requester challenges its own result to get the answer for free (issue 12, item 2)", function () {
  for (const who of ["requester", "stranger"] as const) {
    it(`an unresolved challenge by the ${who} refunds nothing: the node is paid and the bond forfeited`, async function () {
      const f = await loadFixture(deployOracleFixture);
      const r = await proposedByA(f);
      const challenger = f[who];
      await f.oracle.connect(challenger).challenge(r.id, r.request, { value: BOND_WEI });
      const p = await f.oracle.proposalOf(r.id);
      // Before the resolution time nothing can be settled.
      await expect(f.oracle.refund(r.id, r.request))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleRequestNotExpired")
        .withArgs(r.id, p.resolveBy);
      await expect(f.oracle.finalize(r.id, r.request, OUTPUT, 0))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleChallengePending")
        .withArgs(r.id, p.resolveBy);
      await time.increaseTo(p.resolveBy + 1n);
      // The attack: get the fee and the bond back. Refused.
      await expect(f.oracle.connect(challenger).refund(r.id, r.request))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleChallengeNotUpheld")
        .withArgs(r.id);
      const protocolBefore = await f.oracle.protocolFeesWei();
      // Anyone settles it in the node's favour and delivers the result.
      await expect(f.oracle.connect(f.nodeD).finalize(r.id, r.request, OUTPUT, 0))
        .to.emit(f.oracle, "ChallengeResolved")
        .withArgs(r.id, true, f.nodeD.address)
        .and.to.emit(f.oracle, "RequestFulfilled")
        .withArgs(r.id, f.nodeA.address, MODE_OPTIMISTIC, true, true, 0, ethers.keccak256(OUTPUT));
      expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_FULFILLED);
      expect(await f.consumer.results(r.id)).to.equal(OUTPUT);
      expect(await f.oracle.creditOf(f.nodeA.address)).to.equal(BigInt(r.terms.nodeFeeWei) + BOND_WEI / 2n);
      expect(await f.oracle.creditOf(challenger.address)).to.equal(0n);
      expect(await f.oracle.creditOf(f.modelOwner.address)).to.equal(MODEL_FEE_WEI);
      expect(await f.oracle.protocolFeesWei()).to.equal(
        protocolBefore + BigInt(r.terms.protocolFeeWei) + BOND_WEI - BOND_WEI / 2n,
      );
      // The node's bond is released.
      expect((await f.staking.stakeOf(f.nodeA.address, ORACLE_SERVICE)).lockedWei).to.equal(0n);
    });
  }

  it("a challenge rejected by the arbiter pays the node half the bond and the rest to the Treasury", async function () {
    const f = await loadFixture(deployOracleFixture);
    const r = await proposedByA(f);
    await f.oracle.connect(f.requester).challenge(r.id, r.request, { value: BOND_WEI });
    await expect(f.oracle.resolveChallenge(r.id, r.request, true))
      .to.emit(f.oracle, "ChallengeResolved")
      .withArgs(r.id, true, f.admin.address);
    await expect(f.oracle.refund(r.id, r.request)).to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState");
    await f.oracle.finalize(r.id, r.request, OUTPUT, 0);
    expect(await f.oracle.creditOf(f.nodeA.address)).to.equal(BigInt(r.terms.nodeFeeWei) + BOND_WEI / 2n);
    expect(await f.oracle.creditOf(f.requester.address)).to.equal(0n);
  });

  it("the upheld challenge is the only way to a refund", async function () {
    const f = await loadFixture(deployOracleFixture);
    const r = await proposedByA(f);
    await f.oracle.connect(f.requester).challenge(r.id, r.request, { value: BOND_WEI });
    await expect(f.oracle.resolveChallenge(r.id, r.request, false))
      .to.emit(f.oracle, "RequestRefunded")
      .withArgs(r.id, f.requester.address, r.totalWei)
      .and.to.emit(f.oracle, "NodeSlashed")
      .withArgs(f.nodeA.address, r.id, BOND_WEI);
    expect(await f.oracle.creditOf(f.requester.address)).to.equal(r.totalWei + BOND_WEI);
    expect(await f.oracle.creditOf(f.nodeA.address)).to.equal(0n);
  });

  it("finalize refuses a request with no proposed result", async function () {
    const f = await loadFixture(deployOracleFixture);
    const r = await sendRequest(f, 3);
    await expect(f.oracle.finalize(r.id, r.request, OUTPUT, 0))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleInvalidState")
      .withArgs(r.id, 1);
  });

  it("a wrong output cannot settle an open challenge, and a challenged result stays challenged until then", async function () {
    const f = await loadFixture(deployOracleFixture);
    const r = await proposedByA(f);
    await f.oracle.connect(f.requester).challenge(r.id, r.request, { value: BOND_WEI });
    await time.increaseTo((await f.oracle.proposalOf(r.id)).resolveBy + 1n);
    await expect(f.oracle.finalize(r.id, r.request, ethers.id("other"), 0)).to.be.revertedWithCustomError(
      f.oracle,
      "AIOracleResultMismatch",
    );
    expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_CHALLENGED);
  });
});
