import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { COMPUTE_SERVICE, UNBONDING_DELAY_SECONDS } from "../helpers/constants";
import { BOND, deployComputeFixture, Fault, postEthJob, runningJob, SETTINGS } from "./fixture";

const evidenceOf = (id: bigint, fault: number, provider: string) =>
  ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint8", "address"], [id, fault, provider]));

describe("ComputeEscrow slashing against the real OperatorStaking", function () {
  it("slashes a provider whose free stake is unbonding: the locked bond stays slashable", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await runningJob(f);
    // The provider unbonds all it can: 10 ETH staked, 1 ETH bonded, the 2 ETH minimum kept, 8 ETH unbonding.
    await f.staking.connect(f.provider).requestUnbond(COMPUTE_SERVICE, ethers.parseEther("8"));
    await time.increaseTo(Number((await f.escrow.jobOf(id)).deadline) + 1);
    await expect(f.escrow.finalize(id))
      .to.emit(f.escrow, "ProviderSlashed")
      .withArgs(id, f.provider.address, Fault.MissedSubmission, BOND);
    const st = await f.staking.stakeOf(f.provider.address, COMPUTE_SERVICE);
    expect(st.activeWei).to.equal(ethers.parseEther("1"));
    expect(st.unbondingWei).to.equal(ethers.parseEther("8"));
  });

  it("takes the bond from unbonding stake when another module already took the active stake", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await runningJob(f);
    await f.staking.connect(f.provider).requestUnbond(COMPUTE_SERVICE, ethers.parseEther("8"));
    // A second authorised module slashes the whole active stake (the locked bond included) first.
    await f.staking.setModule(COMPUTE_SERVICE, f.admin.address, true);
    const active = ethers.parseEther("2");
    await f.staking.slash(f.provider.address, COMPUTE_SERVICE, active, ethers.ZeroAddress, 0, ethers.id("other fault"));
    await time.increaseTo(Number((await f.escrow.jobOf(id)).deadline) + 1);
    await expect(f.escrow.finalize(id))
      .to.emit(f.escrow, "ProviderSlashed")
      .withArgs(id, f.provider.address, Fault.MissedSubmission, BOND);
    const st = await f.staking.stakeOf(f.provider.address, COMPUTE_SERVICE);
    expect(st.activeWei).to.equal(0n);
    expect(st.unbondingWei).to.equal(ethers.parseEther("7"));
  });

  it("slashes what is left, without reverting, when the stake no longer covers the bond", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await runningJob(f);
    await f.staking.setModule(COMPUTE_SERVICE, f.admin.address, true);
    const taken = ethers.parseEther("9.5");
    await f.staking.slash(f.provider.address, COMPUTE_SERVICE, taken, ethers.ZeroAddress, 0, ethers.id("other"));
    await time.increaseTo(Number((await f.escrow.jobOf(id)).deadline) + 1);
    const left = ethers.parseEther("0.5");
    await expect(f.escrow.finalize(id))
      .to.emit(f.escrow, "ProviderSlashed")
      .withArgs(id, f.provider.address, Fault.MissedSubmission, left);
    expect(await f.staking.creditOf(f.requester.address)).to.equal(
      (left * BigInt(SETTINGS.slashBeneficiaryBps)) / 10_000n,
    );
  });

  it("handles a withdrawal and a slash in the same block: the withdrawal gets the unbonded stake, the slash the bond", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await postEthJob(f, { startDeadline: (await time.latest()) + UNBONDING_DELAY_SECONDS + 3_600 });
    await f.escrow.connect(f.provider).claim(id);
    await f.staking.connect(f.provider).requestUnbond(COMPUTE_SERVICE, ethers.parseEther("8"));
    await time.increaseTo(Number((await f.escrow.jobOf(id)).deadline) + 1);
    const before = await ethers.provider.getBalance(f.provider.address);
    await network.provider.send("evm_setAutomine", [false]);
    try {
      const withdrawTx = await f.staking.connect(f.provider).withdraw(COMPUTE_SERVICE);
      const slashTx = await f.escrow.connect(f.keeper).finalize(id);
      await network.provider.send("evm_mine");
      const [w, s] = [await withdrawTx.wait(), await slashTx.wait()];
      expect(w!.blockNumber).to.equal(s!.blockNumber);
      const feeWei = w!.gasUsed * w!.gasPrice;
      expect(await ethers.provider.getBalance(f.provider.address)).to.equal(before + ethers.parseEther("8") - feeWei);
      await expect(slashTx)
        .to.emit(f.escrow, "ProviderSlashed")
        .withArgs(id, f.provider.address, Fault.MissedStart, BOND);
    } finally {
      await network.provider.send("evm_setAutomine", [true]);
    }
    const st = await f.staking.stakeOf(f.provider.address, COMPUTE_SERVICE);
    expect(st.activeWei).to.equal(ethers.parseEther("1"));
    expect(st.unbondingWei).to.equal(0n);
  });

  it("uses each fault's evidence once, distinct per job, fault and provider", async function () {
    const f = await loadFixture(deployComputeFixture);
    const escrow = await f.escrow.getAddress();
    const a = await runningJob(f);
    const b = await runningJob(f);
    await time.increaseTo(Number((await f.escrow.jobOf(b)).deadline) + 1);
    await f.escrow.processExpired([a, b]);
    for (const id of [a, b]) {
      expect(await f.staking.evidenceUsed(escrow, evidenceOf(id, Fault.MissedSubmission, f.provider.address))).to.equal(
        true,
      );
      expect(await f.staking.evidenceUsed(escrow, evidenceOf(id, Fault.MissedStart, f.provider.address))).to.equal(
        false,
      );
    }
    // A settled job is never slashed again: it is no longer due, and a repeated batch skips it.
    await expect(f.escrow.processExpired([a, b])).not.to.emit(f.escrow, "ProviderSlashed");
    expect((await f.staking.stakeOf(f.provider.address, COMPUTE_SERVICE)).activeWei).to.equal(ethers.parseEther("8"));
    // The same evidence id cannot be replayed through OperatorStaking either.
    await f.staking.setModule(COMPUTE_SERVICE, f.admin.address, true);
    const e = evidenceOf(a, Fault.MissedSubmission, f.provider.address);
    await f.staking.slash(f.provider.address, COMPUTE_SERVICE, 1, ethers.ZeroAddress, 0, e);
    await expect(f.staking.slash(f.provider.address, COMPUTE_SERVICE, 1, ethers.ZeroAddress, 0, e))
      .to.be.revertedWithCustomError(f.staking, "StakingEvidenceUsed")
      .withArgs(f.admin.address, e);
  });

  it("releases only its own bond when slashing, leaving the provider's other bonds locked", async function () {
    const f = await loadFixture(deployComputeFixture);
    const late = await runningJob(f);
    const held = await postEthJob(f, { startDeadline: (await time.latest()) + 30 * 24 * 3600 });
    await f.escrow.connect(f.provider).claim(held);
    await time.increaseTo(Number((await f.escrow.jobOf(late)).deadline) + 1);
    await f.escrow.finalize(late);
    const st = await f.staking.stakeOf(f.provider.address, COMPUTE_SERVICE);
    expect(st.lockedWei).to.equal(BOND);
    expect(st.activeWei).to.equal(ethers.parseEther("9"));
  });
});
