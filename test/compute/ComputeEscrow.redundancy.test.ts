import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { COMPUTE_SERVICE } from "../helpers/constants";
import {
  BOND,
  deployComputeFixture,
  ETH,
  Fault,
  feeOf,
  Mode,
  PAYMENT,
  postEthJob,
  PROVIDER_STAKE,
  Status,
  type ComputeFixture,
} from "./fixture";

const A = ethers.id("result A");
const B = ethers.id("result B");
const C = ethers.id("result C");

async function redundantJob(f: ComputeFixture, k = 3) {
  return postEthJob(f, { mode: Mode.Redundancy, redundancy: k });
}

async function fullJob(f: ComputeFixture) {
  const id = await redundantJob(f);
  for (const p of [f.provider, f.provider2, f.provider3]) await f.escrow.connect(p).claim(id);
  return id;
}

async function stakeOf(f: ComputeFixture, who: { address: string }) {
  return f.staking.stakeOf(who.address, COMPUTE_SERVICE);
}

describe("ComputeEscrow redundancy mode", function () {
  it("starts the run when the k-th replica claims", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await redundantJob(f);
    await expect(f.escrow.connect(f.provider).claim(id))
      .to.emit(f.escrow, "JobClaimed")
      .withArgs(id, f.provider.address, BOND);
    await f.escrow.connect(f.provider2).claim(id);
    expect((await f.escrow.jobOf(id)).status).to.equal(Status.Open);
    await expect(f.escrow.connect(f.provider3).claim(id)).to.emit(f.escrow, "JobStarted");
    expect((await f.escrow.jobOf(id)).status).to.equal(Status.Running);
    expect(await f.escrow.replicaCounts(id)).to.deep.equal([3n, 0n]);
    expect((await f.escrow.replicaOf(id, 2)).provider).to.equal(f.provider3.address);
    for (const p of [f.provider, f.provider2, f.provider3]) expect((await stakeOf(f, p)).lockedWei).to.equal(BOND);
  });

  it("refuses a second claim by the same provider and cancellation after a claim", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await redundantJob(f);
    await f.escrow.connect(f.provider).claim(id);
    await expect(f.escrow.connect(f.provider).claim(id))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowAlreadyClaimed")
      .withArgs(id, f.provider.address);
    await expect(f.escrow.connect(f.requester).cancel(id))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowAlreadyClaimed")
      .withArgs(id, f.provider.address);
  });

  it("has no start step", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await fullJob(f);
    await expect(f.escrow.connect(f.provider).start(id))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongStatus")
      .withArgs(id, Status.Running);
  });

  it("refuses results from non-replicas and second results", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await fullJob(f);
    await expect(f.escrow.connect(f.stranger).submitResult(id, A, ""))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotProvider")
      .withArgs(id, f.stranger.address);
    await f.escrow.connect(f.provider).submitResult(id, A, "");
    await expect(f.escrow.connect(f.provider).submitResult(id, B, ""))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowAlreadySubmitted")
      .withArgs(id, f.provider.address);
  });

  it("is due once every replica submitted, not before", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await fullJob(f);
    await f.escrow.connect(f.provider).submitResult(id, A, "");
    await f.escrow.connect(f.provider2).submitResult(id, A, "");
    expect(await f.escrow.isDue(id)).to.equal(false);
    await expect(f.escrow.finalize(id)).to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotDue");
    await f.escrow.connect(f.provider3).submitResult(id, A, "");
    expect(await f.escrow.isDue(id)).to.equal(true);
  });

  it("splits the payment among unanimous replicas, the remainder to the first", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await fullJob(f);
    for (const p of [f.provider, f.provider2, f.provider3]) await f.escrow.connect(p).submitResult(id, A, "");
    const fee = feeOf(PAYMENT);
    const share = (PAYMENT - fee) / 3n;
    const first = PAYMENT - fee - 2n * share;
    await expect(f.escrow.finalize(id))
      .to.emit(f.escrow, "MajorityResolved")
      .withArgs(id, A, 3, 3)
      .and.to.emit(f.escrow, "JobPaid")
      .withArgs(id, f.provider.address, first, fee)
      .and.to.emit(f.escrow, "JobPaid")
      .withArgs(id, f.provider2.address, share, 0);
    expect(await f.escrow.creditOf(f.provider3.address, ETH)).to.equal(share);
    expect(first + 2n * share + fee).to.equal(PAYMENT);
    for (const p of [f.provider, f.provider2, f.provider3]) expect((await stakeOf(f, p)).lockedWei).to.equal(0n);
  });

  it("slashes a minority result and pays the majority", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await fullJob(f);
    await f.escrow.connect(f.provider).submitResult(id, B, "");
    await f.escrow.connect(f.provider2).submitResult(id, A, "");
    await f.escrow.connect(f.provider3).submitResult(id, A, "");
    const fee = feeOf(PAYMENT);
    await expect(f.escrow.finalize(id))
      .to.emit(f.escrow, "MajorityResolved")
      .withArgs(id, A, 2, 3)
      .and.to.emit(f.escrow, "ProviderSlashed")
      .withArgs(id, f.provider.address, Fault.MinorityResult, BOND)
      .and.to.emit(f.escrow, "JobPaid")
      .withArgs(id, f.provider2.address, (PAYMENT - fee) / 2n, fee);
    expect((await stakeOf(f, f.provider)).activeWei).to.equal(PROVIDER_STAKE - BOND);
    expect((await stakeOf(f, f.provider2)).activeWei).to.equal(PROVIDER_STAKE);
    expect(await f.escrow.creditOf(f.provider.address, ETH)).to.equal(0n);
    expect((await f.escrow.jobOf(id)).status).to.equal(Status.Paid);
  });

  it("slashes a replica that did not submit by the deadline (T not due, T+1 due)", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await fullJob(f);
    await f.escrow.connect(f.provider).submitResult(id, A, "");
    await f.escrow.connect(f.provider2).submitResult(id, A, "");
    const deadline = Number((await f.escrow.jobOf(id)).deadline);
    await time.setNextBlockTimestamp(deadline);
    await expect(f.escrow.finalize(id)).to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotDue");
    await time.setNextBlockTimestamp(deadline + 1);
    await expect(f.escrow.finalize(id))
      .to.emit(f.escrow, "MajorityResolved")
      .withArgs(id, A, 2, 2)
      .and.to.emit(f.escrow, "ProviderSlashed")
      .withArgs(id, f.provider3.address, Fault.MissedSubmission, BOND);
    await expect(f.escrow.connect(f.provider3).submitResult(id, A, ""))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongStatus")
      .withArgs(id, Status.Paid);
  });

  it("refunds the requester when no result has a strict majority, slashing only the silent", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await fullJob(f);
    await f.escrow.connect(f.provider).submitResult(id, A, "");
    await f.escrow.connect(f.provider2).submitResult(id, B, "");
    await time.increaseTo(Number((await f.escrow.jobOf(id)).deadline) + 1);
    await expect(f.escrow.finalize(id))
      .to.emit(f.escrow, "MajorityResolved")
      .withArgs(id, ethers.ZeroHash, 0, 2)
      .and.to.emit(f.escrow, "JobRefunded")
      .withArgs(id, f.requester.address, PAYMENT)
      .and.to.emit(f.escrow, "ProviderSlashed")
      .withArgs(id, f.provider3.address, Fault.MissedSubmission, BOND);
    expect((await stakeOf(f, f.provider)).activeWei).to.equal(PROVIDER_STAKE);
    expect((await stakeOf(f, f.provider2)).activeWei).to.equal(PROVIDER_STAKE);
    expect((await stakeOf(f, f.provider)).lockedWei).to.equal(0n);
  });

  it("refunds when all three disagree, slashing no one", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await fullJob(f);
    await f.escrow.connect(f.provider).submitResult(id, A, "");
    await f.escrow.connect(f.provider2).submitResult(id, B, "");
    await f.escrow.connect(f.provider3).submitResult(id, C, "");
    await expect(f.escrow.finalize(id)).to.emit(f.escrow, "JobRefunded").and.not.to.emit(f.escrow, "ProviderSlashed");
  });

  it("refunds an unfilled job after the start deadline and releases the claimed bonds", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await redundantJob(f);
    await f.escrow.connect(f.provider).claim(id);
    await f.escrow.connect(f.provider2).claim(id);
    await time.increaseTo(Number((await f.escrow.jobOf(id)).deadline) + 1);
    await expect(f.escrow.finalize(id))
      .to.emit(f.escrow, "JobRefunded")
      .withArgs(id, f.requester.address, PAYMENT)
      .and.not.to.emit(f.escrow, "ProviderSlashed");
    expect((await stakeOf(f, f.provider)).lockedWei).to.equal(0n);
    expect((await stakeOf(f, f.provider2)).lockedWei).to.equal(0n);
  });

  it("can be cancelled before any replica claims", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await redundantJob(f, 2);
    await expect(f.escrow.connect(f.requester).cancel(id)).to.emit(f.escrow, "JobCancelled").withArgs(id);
  });
});
