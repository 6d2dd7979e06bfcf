import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  BOND_WEI,
  deployOracleFixture,
  ERROR_INFERENCE_FAILED,
  OUTPUT,
  sendRequest,
  STATE_REFUNDED,
  type OracleFixture,
} from "./fixtures";

const WRONG = ethers.id("a wrong answer");

/** Optimistic model 3 also served by nodeB, nodeC and nodeD (the challenge voters). */
async function optimisticFixture() {
  const f = await deployOracleFixture();
  for (const n of [f.nodeB, f.nodeC, f.nodeD]) await f.registry.connect(f.modelOwner).addNode(3, n.address);
  return f;
}

async function served(f: OracleFixture) {
  return Promise.all([f.nodeA, f.nodeB, f.nodeC, f.nodeD].map((n) => f.oracle.servedCount(n.address)));
}

function signerOf(f: OracleFixture, address: string) {
  return [f.nodeA, f.nodeB, f.nodeC, f.nodeD].find((s) => s.address === address)!;
}

// servedCount(node): results a node delivered that became final and were paid (the DePIN rewards read it as
// "requests actually served"). It shares the node's credit slot, so paying the credit out never resets it.
describe("AIOracle servedCount", function () {
  it("None: counts each final result (an error result too) at fulfilment, and survives a withdrawal", async function () {
    const f = await loadFixture(deployOracleFixture);
    expect(await f.oracle.servedCount(f.nodeA.address)).to.equal(0n);
    const a = await sendRequest(f, 1);
    await f.oracle.connect(f.nodeA).fulfil(a.id, a.request, OUTPUT, 0);
    expect(await f.oracle.servedCount(f.nodeA.address)).to.equal(1n);
    expect(await f.oracle.creditOf(f.nodeA.address)).to.equal(a.terms.nodeFeeWei + a.terms.gasFeeWei);
    const b = await sendRequest(f, 1);
    await f.oracle.connect(f.nodeA).fulfil(b.id, b.request, "0x", ERROR_INFERENCE_FAILED);
    expect(await f.oracle.servedCount(f.nodeA.address)).to.equal(2n);
    const creditWei = await f.oracle.creditOf(f.nodeA.address);
    await expect(f.oracle.connect(f.nodeA).withdrawCredit()).to.changeEtherBalance(f.nodeA, creditWei);
    expect(await f.oracle.creditOf(f.nodeA.address)).to.equal(0n);
    expect(await f.oracle.servedCount(f.nodeA.address)).to.equal(2n);
    await expect(f.oracle.connect(f.nodeA).withdrawCredit())
      .to.be.revertedWithCustomError(f.oracle, "AIOracleNothingToWithdraw")
      .withArgs(f.nodeA.address);
    // Batched fulfilment counts each delivered item.
    const c = await sendRequest(f, 1);
    const d = await sendRequest(f, 1);
    await f.oracle.connect(f.nodeA).fulfilBatch([c.id, d.id], [c.request, d.request], [OUTPUT, OUTPUT], [0, 0]);
    expect(await f.oracle.servedCount(f.nodeA.address)).to.equal(4n);
  });

  it("None: a refunded request serves nobody", async function () {
    const f = await loadFixture(deployOracleFixture);
    const r = await sendRequest(f, 1);
    await time.increaseTo(r.terms.deadline + 1n);
    await f.oracle.connect(f.stranger).refund(r.id, r.request);
    expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_REFUNDED);
    expect(await served(f)).to.deep.equal([0n, 0n, 0n, 0n]);
  });

  it("Quorum: counts every agreeing node when the quorum completes, never a vote alone or a dissenter", async function () {
    const f = await loadFixture(deployOracleFixture);
    const r = await sendRequest(f, 2);
    const [first, second, third] = r.terms.nodes.map((n) => signerOf(f, n));
    await f.oracle.connect(first).fulfil(r.id, r.request, WRONG, 0);
    await f.oracle.connect(second).fulfil(r.id, r.request, OUTPUT, 0);
    expect(await f.oracle.servedCount(first.address)).to.equal(0n);
    expect(await f.oracle.servedCount(second.address)).to.equal(0n);
    await f.oracle.connect(third).fulfil(r.id, r.request, OUTPUT, 0);
    expect(await f.oracle.servedCount(first.address)).to.equal(0n);
    expect(await f.oracle.servedCount(second.address)).to.equal(1n);
    expect(await f.oracle.servedCount(third.address)).to.equal(1n);
  });

  it("Optimistic: counts the proposer when its result is finalized, never while provisional", async function () {
    const f = await loadFixture(optimisticFixture);
    const r = await sendRequest(f, 3);
    const proposer = signerOf(f, r.terms.nodes[0]);
    await f.oracle.connect(proposer).fulfil(r.id, r.request, OUTPUT, 0);
    expect(await f.oracle.servedCount(proposer.address)).to.equal(0n);
    const p = await f.oracle.proposalOf(r.id);
    await time.increaseTo(p.challengeDeadline + 1n);
    await f.oracle.connect(f.stranger).finalize(r.id, r.request, OUTPUT, 0);
    expect(await f.oracle.servedCount(proposer.address)).to.equal(1n);
    // The finalizer ran the callback and earned the gas share, but served nothing.
    expect(await f.oracle.servedCount(f.stranger.address)).to.equal(0n);
    expect(await f.oracle.creditOf(f.stranger.address)).to.equal(r.terms.gasFeeWei);
  });

  it("Optimistic: an upheld result counts once finalized; a result proven wrong never counts", async function () {
    const f = await loadFixture(optimisticFixture);
    const good = await sendRequest(f, 3);
    const goodProposer = signerOf(f, good.terms.nodes[0]);
    await f.oracle.connect(goodProposer).fulfil(good.id, good.request, OUTPUT, 0);
    await f.oracle.connect(f.challenger).challenge(good.id, good.request, { value: BOND_WEI });
    await f.oracle.resolveChallenge(good.id, good.request, true);
    expect(await f.oracle.servedCount(goodProposer.address)).to.equal(0n);
    await f.oracle.connect(f.stranger).finalize(good.id, good.request, OUTPUT, 0);
    expect(await f.oracle.servedCount(goodProposer.address)).to.equal(1n);

    const bad = await sendRequest(f, 3);
    const badProposer = signerOf(f, bad.terms.nodes[0]);
    const before = await f.oracle.servedCount(badProposer.address);
    await f.oracle.connect(badProposer).fulfil(bad.id, bad.request, WRONG, 0);
    await f.oracle.connect(f.challenger).challenge(bad.id, bad.request, { value: BOND_WEI });
    await f.oracle.resolveChallenge(bad.id, bad.request, false);
    expect((await f.oracle.requestState(bad.id))[0]).to.equal(STATE_REFUNDED);
    expect(await f.oracle.servedCount(badProposer.address)).to.equal(before);
  });
});
