import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { COMPUTE_SERVICE } from "../helpers/constants";
import {
  BOND,
  deployComputeFixture,
  ETH,
  Fault,
  feeOf,
  gpu,
  jobRequest,
  Mode,
  OFFER,
  PAYMENT,
  postEthJob,
  runningJob,
  SETTINGS,
  Status,
  submittedJob,
} from "./fixture";

const RESULT = ethers.id("result");

describe("ComputeEscrow lifecycle (acceptance mode)", function () {
  describe("posting", function () {
    it("escrows the ETH payment and stores the job's three slots", async function () {
      const f = await loadFixture(deployComputeFixture);
      const request = await jobRequest();
      const tx = f.escrow.connect(f.requester).postJob(request, ETH, PAYMENT, { value: PAYMENT });
      await expect(tx)
        .to.emit(f.escrow, "JobPosted")
        .withArgs(
          1n,
          f.requester.address,
          ethers.ZeroAddress,
          ETH,
          PAYMENT,
          request.specHash,
          request.specURI,
          request.inputURI,
        );
      await expect(tx).to.changeEtherBalances([f.requester, f.escrow], [-PAYMENT, PAYMENT]);
      const job = await f.escrow.jobOf(1);
      expect(job.requester).to.equal(f.requester.address);
      expect(job.status).to.equal(Status.Open);
      expect(job.mode).to.equal(Mode.Acceptance);
      expect(job.redundancy).to.equal(1);
      expect(job.deadline).to.equal(request.startDeadline);
      expect(job.amount).to.equal(PAYMENT);
      expect(job.bondWei).to.equal(BOND);
      expect(job.feeBps).to.equal(SETTINGS.protocolFeeBps);
      expect(job.gpuModel).to.equal(gpu("H100SXM"));
      expect(await f.escrow.nextJobId()).to.equal(2n);
    });

    it("rejects a value that differs from the ETH amount", async function () {
      const f = await loadFixture(deployComputeFixture);
      await expect(f.escrow.connect(f.requester).postJob(await jobRequest(), ETH, PAYMENT, { value: PAYMENT - 1n }))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongValue")
        .withArgs(PAYMENT - 1n, PAYMENT);
    });

    it("rejects a zero payment", async function () {
      const f = await loadFixture(deployComputeFixture);
      await expect(f.escrow.connect(f.requester).postJob(await jobRequest(), ETH, 0)).to.be.revertedWithCustomError(
        f.escrow,
        "ComputeEscrowZeroPayment",
      );
    });

    it("rejects an amount above 128 bits", async function () {
      const f = await loadFixture(deployComputeFixture);
      const huge = 2n ** 128n;
      await ethers.provider.send("hardhat_setBalance", [f.requester.address, ethers.toQuantity(huge * 2n)]);
      await expect(f.escrow.connect(f.requester).postJob(await jobRequest(), ETH, huge, { value: huge }))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowAmountOverflow")
        .withArgs(huge);
    });

    it("rejects a job without GPUs", async function () {
      const f = await loadFixture(deployComputeFixture);
      await expect(f.escrow.postJob(await jobRequest({ gpuCount: 0 }), ETH, PAYMENT, { value: PAYMENT }))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInvalidGpuCount")
        .withArgs(0);
    });

    for (const duration of [0, 30 * 24 * 3600 + 1]) {
      it(`rejects a maximum duration of ${duration} seconds`, async function () {
        const f = await loadFixture(deployComputeFixture);
        await expect(
          f.escrow.postJob(await jobRequest({ maxDurationSeconds: duration }), ETH, PAYMENT, { value: PAYMENT }),
        )
          .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInvalidDuration")
          .withArgs(duration);
      });
    }

    it("rejects a start deadline that is not in the future or beyond 30 days", async function () {
      const f = await loadFixture(deployComputeFixture);
      const now = await time.latest();
      await time.setNextBlockTimestamp(now + 10);
      await expect(f.escrow.postJob(await jobRequest({ startDeadline: now + 10 }), ETH, PAYMENT, { value: PAYMENT }))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInvalidStartDeadline")
        .withArgs(now + 10, now + 10);
      const far = now + 20 + 30 * 24 * 3600 + 1;
      await time.setNextBlockTimestamp(now + 20);
      await expect(f.escrow.postJob(await jobRequest({ startDeadline: far }), ETH, PAYMENT, { value: PAYMENT }))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInvalidStartDeadline")
        .withArgs(far, now + 20);
    });

    it("rejects redundancy settings that do not fit the mode", async function () {
      const f = await loadFixture(deployComputeFixture);
      const cases = [
        { mode: Mode.Acceptance, redundancy: 2, provider: ethers.ZeroAddress },
        { mode: Mode.Redundancy, redundancy: 1, provider: ethers.ZeroAddress },
        { mode: Mode.Redundancy, redundancy: 6, provider: ethers.ZeroAddress },
        { mode: Mode.Redundancy, redundancy: 3, provider: f.provider.address },
      ];
      for (const c of cases) {
        await expect(f.escrow.postJob(await jobRequest(c), ETH, PAYMENT, { value: PAYMENT }))
          .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInvalidRedundancy")
          .withArgs(c.mode, c.redundancy);
      }
    });

    it("rejects a bond below the minimum", async function () {
      const f = await loadFixture(deployComputeFixture);
      const low = BigInt(SETTINGS.minBondWei) - 1n;
      await expect(f.escrow.postJob(await jobRequest({ bondWei: low }), ETH, PAYMENT, { value: PAYMENT }))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowBondTooLow")
        .withArgs(low, SETTINGS.minBondWei);
    });

    it("rejects a token that is not allowed", async function () {
      const f = await loadFixture(deployComputeFixture);
      await expect(f.escrow.postJob(await jobRequest(), f.stranger.address, PAYMENT))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowTokenNotAllowed")
        .withArgs(f.stranger.address);
    });

    it("cannot post, claim or publish offers while paused", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await postEthJob(f);
      await f.escrow.pause();
      await expect(
        f.escrow.connect(f.requester).postJob(await jobRequest(), ETH, PAYMENT, { value: PAYMENT }),
      ).to.be.revertedWithCustomError(f.escrow, "EnforcedPause");
      await expect(f.escrow.connect(f.provider).claim(id)).to.be.revertedWithCustomError(f.escrow, "EnforcedPause");
      await expect(f.escrow.connect(f.provider).setOffer(OFFER)).to.be.revertedWithCustomError(
        f.escrow,
        "EnforcedPause",
      );
    });

    it("lets a running job finish while paused, so no provider misses a deadline because of a pause", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await runningJob(f);
      await f.escrow.pause();
      await f.escrow.connect(f.provider).submitResult(id, RESULT, "ipfs://r");
      await expect(f.escrow.connect(f.requester).accept(id)).to.emit(f.escrow, "JobPaid");
    });
  });

  describe("cancelling", function () {
    it("refunds an unclaimed job in full", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await postEthJob(f);
      await expect(f.escrow.connect(f.requester).cancel(id))
        .to.emit(f.escrow, "JobCancelled")
        .withArgs(id)
        .and.to.emit(f.escrow, "JobRefunded")
        .withArgs(id, f.requester.address, PAYMENT);
      expect(await f.escrow.creditOf(f.requester.address, ETH)).to.equal(PAYMENT);
      expect((await f.escrow.jobOf(id)).status).to.equal(Status.Refunded);
    });

    it("is refused to anyone but the requester", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await postEthJob(f);
      await expect(f.escrow.connect(f.stranger).cancel(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotRequester")
        .withArgs(id, f.stranger.address);
    });

    it("is refused once the job is claimed, and for unknown ids", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await postEthJob(f);
      await f.escrow.connect(f.provider).claim(id);
      await expect(f.escrow.connect(f.requester).cancel(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongStatus")
        .withArgs(id, Status.Claimed);
      await expect(f.escrow.connect(f.requester).cancel(99))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongStatus")
        .withArgs(99, Status.None);
    });
  });

  describe("claiming", function () {
    it("locks the bond from the provider's stake", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await postEthJob(f);
      await expect(f.escrow.connect(f.provider).claim(id))
        .to.emit(f.escrow, "JobClaimed")
        .withArgs(id, f.provider.address, BOND)
        .and.to.emit(f.staking, "StakeLocked")
        .withArgs(f.provider.address, COMPUTE_SERVICE, await f.escrow.getAddress(), BOND);
      expect((await f.staking.stakeOf(f.provider.address, COMPUTE_SERVICE)).lockedWei).to.equal(BOND);
      const job = await f.escrow.jobOf(id);
      expect(job.status).to.equal(Status.Claimed);
      expect(job.provider).to.equal(f.provider.address);
    });

    it("is refused to an operator without compute stake or a jailed one", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await postEthJob(f);
      await expect(f.escrow.connect(f.stranger).claim(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInactiveProvider")
        .withArgs(f.stranger.address);
      await f.staking.jail(f.provider.address, COMPUTE_SERVICE, (await time.latest()) + 1000);
      await expect(f.escrow.connect(f.provider).claim(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInactiveProvider")
        .withArgs(f.provider.address);
    });

    it("is refused when the offer does not meet the requirements", async function () {
      const f = await loadFixture(deployComputeFixture);
      const cases = [{ gpuCount: 9 }, { memoryGiB: 81 }, { gpuModel: gpu("A100") }];
      for (const c of cases) {
        const id = await postEthJob(f, c);
        await expect(f.escrow.connect(f.provider).claim(id))
          .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowRequirementsNotMet")
          .withArgs(id, f.provider.address);
      }
      const anyModel = await postEthJob(f, { gpuModel: ethers.ZeroHash.slice(0, 18) });
      await expect(f.escrow.connect(f.provider).claim(anyModel)).to.emit(f.escrow, "JobClaimed");
    });

    it("is refused to a provider without an offer", async function () {
      const f = await loadFixture(deployComputeFixture);
      await expect(f.escrow.connect(f.provider).removeOffer())
        .to.emit(f.escrow, "OfferRemoved")
        .withArgs(f.provider.address);
      const id = await postEthJob(f);
      await expect(f.escrow.connect(f.provider).claim(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowRequirementsNotMet")
        .withArgs(id, f.provider.address);
    });

    it("reserves a job for the chosen provider", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await postEthJob(f, { provider: f.provider2.address });
      await expect(f.escrow.connect(f.provider).claim(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowProviderNotChosen")
        .withArgs(id, f.provider2.address, f.provider.address);
      await expect(f.escrow.connect(f.provider2).claim(id)).to.emit(f.escrow, "JobClaimed");
    });

    it("fails when the provider's free stake cannot cover the bond", async function () {
      const f = await loadFixture(deployComputeFixture);
      const bond = ethers.parseEther("11");
      const id = await postEthJob(f, { bondWei: bond });
      await expect(f.escrow.connect(f.provider).claim(id))
        .to.be.revertedWithCustomError(f.staking, "StakingInsufficientFreeStake")
        .withArgs(f.provider.address, COMPUTE_SERVICE, ethers.parseEther("10"), bond);
    });

    it("is refused twice", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await postEthJob(f);
      await f.escrow.connect(f.provider).claim(id);
      await expect(f.escrow.connect(f.provider2).claim(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongStatus")
        .withArgs(id, Status.Claimed);
    });

    it("is allowed at the start deadline T-1 and T, refused at T+1", async function () {
      const f = await loadFixture(deployComputeFixture);
      const deadline = (await time.latest()) + 1000;
      const ids = [
        await postEthJob(f, { startDeadline: deadline }),
        await postEthJob(f, { startDeadline: deadline }),
        await postEthJob(f, { startDeadline: deadline }),
      ];
      await time.setNextBlockTimestamp(deadline - 1);
      await expect(f.escrow.connect(f.provider).claim(ids[0])).to.emit(f.escrow, "JobClaimed");
      await time.setNextBlockTimestamp(deadline);
      await expect(f.escrow.connect(f.provider).claim(ids[1])).to.emit(f.escrow, "JobClaimed");
      await time.setNextBlockTimestamp(deadline + 1);
      await expect(f.escrow.connect(f.provider).claim(ids[2]))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowDeadlinePassed")
        .withArgs(ids[2], deadline);
    });
  });

  describe("starting", function () {
    it("starts the run clock", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await postEthJob(f);
      await f.escrow.connect(f.provider).claim(id);
      const at = (await time.latest()) + 5;
      await time.setNextBlockTimestamp(at);
      await expect(f.escrow.connect(f.provider).start(id))
        .to.emit(f.escrow, "JobStarted")
        .withArgs(id, at + 7_200);
      expect((await f.escrow.jobOf(id)).status).to.equal(Status.Running);
    });

    it("is refused to anyone but the claiming provider, and before a claim", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await postEthJob(f);
      await expect(f.escrow.connect(f.provider).start(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongStatus")
        .withArgs(id, Status.Open);
      await f.escrow.connect(f.provider).claim(id);
      await expect(f.escrow.connect(f.provider2).start(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotProvider")
        .withArgs(id, f.provider2.address);
    });

    it("is allowed until the start deadline T and refused at T+1", async function () {
      const f = await loadFixture(deployComputeFixture);
      const deadline = (await time.latest()) + 1000;
      const a = await postEthJob(f, { startDeadline: deadline });
      const b = await postEthJob(f, { startDeadline: deadline });
      await f.escrow.connect(f.provider).claim(a);
      await f.escrow.connect(f.provider).claim(b);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.escrow.connect(f.provider).start(a)).to.emit(f.escrow, "JobStarted");
      await time.setNextBlockTimestamp(deadline + 1);
      await expect(f.escrow.connect(f.provider).start(b))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowDeadlinePassed")
        .withArgs(b, deadline);
    });
  });

  describe("submitting", function () {
    it("records the result and opens the challenge window", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await runningJob(f);
      const at = (await time.latest()) + 5;
      await time.setNextBlockTimestamp(at);
      await expect(f.escrow.connect(f.provider).submitResult(id, RESULT, "ipfs://result"))
        .to.emit(f.escrow, "ResultSubmitted")
        .withArgs(id, f.provider.address, RESULT, "ipfs://result");
      const job = await f.escrow.jobOf(id);
      expect(job.status).to.equal(Status.Submitted);
      expect(job.resultHash).to.equal(RESULT);
      expect(job.deadline).to.equal(at + Number(SETTINGS.challengeWindowSeconds));
    });

    it("rejects a zero result hash, another provider, and a job not running", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await runningJob(f);
      await expect(f.escrow.connect(f.provider).submitResult(id, ethers.ZeroHash, "")).to.be.revertedWithCustomError(
        f.escrow,
        "ComputeEscrowZeroResultHash",
      );
      await expect(f.escrow.connect(f.provider2).submitResult(id, RESULT, ""))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotProvider")
        .withArgs(id, f.provider2.address);
      await f.escrow.connect(f.provider).submitResult(id, RESULT, "");
      await expect(f.escrow.connect(f.provider).submitResult(id, RESULT, ""))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongStatus")
        .withArgs(id, Status.Submitted);
    });

    it("is allowed until the run deadline T and refused at T+1", async function () {
      const f = await loadFixture(deployComputeFixture);
      const a = await runningJob(f);
      const deadlineA = Number((await f.escrow.jobOf(a)).deadline);
      await time.setNextBlockTimestamp(deadlineA - 1);
      await expect(f.escrow.connect(f.provider).submitResult(a, RESULT, "")).to.emit(f.escrow, "ResultSubmitted");
      const b = await runningJob(f);
      const deadlineB = Number((await f.escrow.jobOf(b)).deadline);
      await time.setNextBlockTimestamp(deadlineB);
      await expect(f.escrow.connect(f.provider).submitResult(b, RESULT, "")).to.emit(f.escrow, "ResultSubmitted");
      const c = await runningJob(f);
      const deadlineC = Number((await f.escrow.jobOf(c)).deadline);
      await time.setNextBlockTimestamp(deadlineC + 1);
      await expect(f.escrow.connect(f.provider).submitResult(c, RESULT, ""))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowDeadlinePassed")
        .withArgs(c, deadlineC);
    });
  });

  describe("accepting", function () {
    it("credits the provider the payment less the fee and releases the bond", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await submittedJob(f);
      const fee = feeOf(PAYMENT);
      await expect(f.escrow.connect(f.requester).accept(id))
        .to.emit(f.escrow, "JobPaid")
        .withArgs(id, f.provider.address, PAYMENT - fee, fee)
        .and.to.emit(f.staking, "StakeUnlocked")
        .withArgs(f.provider.address, COMPUTE_SERVICE, await f.escrow.getAddress(), BOND);
      expect(await f.escrow.creditOf(f.provider.address, ETH)).to.equal(PAYMENT - fee);
      expect(await f.escrow.feesAccrued(ETH)).to.equal(fee);
      expect((await f.staking.stakeOf(f.provider.address, COMPUTE_SERVICE)).lockedWei).to.equal(0n);
      expect((await f.escrow.jobOf(id)).status).to.equal(Status.Paid);
    });

    it("is refused to anyone but the requester, and before a submission", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await runningJob(f);
      await expect(f.escrow.connect(f.requester).accept(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongStatus")
        .withArgs(id, Status.Running);
      await f.escrow.connect(f.provider).submitResult(id, RESULT, "");
      await expect(f.escrow.connect(f.provider).accept(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotRequester")
        .withArgs(id, f.provider.address);
    });

    it("never pays a job twice", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await submittedJob(f);
      await f.escrow.connect(f.requester).accept(id);
      await expect(f.escrow.connect(f.requester).accept(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongStatus")
        .withArgs(id, Status.Paid);
      await expect(f.escrow.finalize(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotDue")
        .withArgs(id, Status.Paid, anyValue);
    });

    it("auto-accepts after the challenge window: not due at T, paid at T+1", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await submittedJob(f);
      const deadline = Number((await f.escrow.jobOf(id)).deadline);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.escrow.connect(f.keeper).finalize(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotDue")
        .withArgs(id, Status.Submitted, deadline);
      await time.setNextBlockTimestamp(deadline + 1);
      await expect(f.escrow.connect(f.keeper).finalize(id))
        .to.emit(f.escrow, "JobPaid")
        .withArgs(id, f.provider.address, PAYMENT - feeOf(PAYMENT), feeOf(PAYMENT));
    });
  });

  describe("disputing", function () {
    it("is allowed within the challenge window (T-1, T) and refused at T+1", async function () {
      const f = await loadFixture(deployComputeFixture);
      const a = await submittedJob(f);
      const deadline = Number((await f.escrow.jobOf(a)).deadline);
      await time.setNextBlockTimestamp(deadline - 1);
      await expect(f.escrow.connect(f.requester).dispute(a, ethers.id("wrong output")))
        .to.emit(f.escrow, "JobDisputed")
        .withArgs(a, ethers.id("wrong output"), deadline - 1 + Number(SETTINGS.arbitrationWindowSeconds));
      const b = await submittedJob(f);
      const deadlineB = Number((await f.escrow.jobOf(b)).deadline);
      await time.setNextBlockTimestamp(deadlineB);
      await expect(f.escrow.connect(f.requester).dispute(b, ethers.ZeroHash)).to.emit(f.escrow, "JobDisputed");
      const c = await submittedJob(f);
      const deadlineC = Number((await f.escrow.jobOf(c)).deadline);
      await time.setNextBlockTimestamp(deadlineC + 1);
      await expect(f.escrow.connect(f.requester).dispute(c, ethers.ZeroHash))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowDeadlinePassed")
        .withArgs(c, deadlineC);
    });

    it("is refused to anyone but the requester, and outside Submitted", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await submittedJob(f);
      await expect(f.escrow.connect(f.stranger).dispute(id, ethers.ZeroHash))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotRequester")
        .withArgs(id, f.stranger.address);
      await f.escrow.connect(f.requester).dispute(id, ethers.ZeroHash);
      await expect(f.escrow.connect(f.requester).dispute(id, ethers.ZeroHash))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongStatus")
        .withArgs(id, Status.Disputed);
      await expect(f.escrow.connect(f.requester).accept(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongStatus")
        .withArgs(id, Status.Disputed);
    });

    it("pays the provider when the arbiter rules for it", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await submittedJob(f);
      await f.escrow.connect(f.requester).dispute(id, ethers.ZeroHash);
      await expect(f.escrow.connect(f.arbiter).resolveDispute(id, true))
        .to.emit(f.escrow, "DisputeResolved")
        .withArgs(id, true, f.arbiter.address)
        .and.to.emit(f.escrow, "JobPaid")
        .withArgs(id, f.provider.address, PAYMENT - feeOf(PAYMENT), feeOf(PAYMENT));
      expect((await f.staking.stakeOf(f.provider.address, COMPUTE_SERVICE)).lockedWei).to.equal(0n);
    });

    it("refunds the requester and slashes the provider when it loses", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await submittedJob(f);
      await f.escrow.connect(f.requester).dispute(id, ethers.ZeroHash);
      const share = (BOND * BigInt(SETTINGS.slashBeneficiaryBps)) / 10_000n;
      const evidence = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(
          ["uint256", "uint8", "address"],
          [id, Fault.LostDispute, f.provider.address],
        ),
      );
      const tx = f.escrow.connect(f.arbiter).resolveDispute(id, false);
      await expect(tx).to.changeEtherBalance(f.treasury, BOND - share);
      await expect(tx)
        .to.emit(f.escrow, "JobRefunded")
        .withArgs(id, f.requester.address, PAYMENT)
        .and.to.emit(f.escrow, "ProviderSlashed")
        .withArgs(id, f.provider.address, Fault.LostDispute, BOND)
        .and.to.emit(f.staking, "Slashed")
        .withArgs(
          f.provider.address,
          COMPUTE_SERVICE,
          await f.escrow.getAddress(),
          BOND,
          f.requester.address,
          share,
          evidence,
        );
      expect(await f.escrow.creditOf(f.requester.address, ETH)).to.equal(PAYMENT);
      expect(await f.staking.creditOf(f.requester.address)).to.equal(share);
      const st = await f.staking.stakeOf(f.provider.address, COMPUTE_SERVICE);
      expect(st.activeWei).to.equal(ethers.parseEther("9"));
      expect(st.lockedWei).to.equal(0n);
      expect(await f.staking.evidenceUsed(await f.escrow.getAddress(), evidence)).to.equal(true);
    });

    it("is resolvable by the arbiter only, and only while disputed", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await submittedJob(f);
      await expect(f.escrow.connect(f.arbiter).resolveDispute(id, true))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongStatus")
        .withArgs(id, Status.Submitted);
      await f.escrow.connect(f.requester).dispute(id, ethers.ZeroHash);
      await expect(f.escrow.connect(f.requester).resolveDispute(id, false))
        .to.be.revertedWithCustomError(f.escrow, "AccessControlUnauthorizedAccount")
        .withArgs(f.requester.address, ethers.id("ARBITER_ROLE"));
    });

    it("pays the provider without slashing when the arbiter misses its window (T not due, T+1 due)", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await submittedJob(f);
      await f.escrow.connect(f.requester).dispute(id, ethers.ZeroHash);
      const deadline = Number((await f.escrow.jobOf(id)).deadline);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.escrow.finalize(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotDue")
        .withArgs(id, Status.Disputed, deadline);
      await time.setNextBlockTimestamp(deadline + 1);
      await expect(f.escrow.finalize(id))
        .to.emit(f.escrow, "JobPaid")
        .withArgs(id, f.provider.address, PAYMENT - feeOf(PAYMENT), feeOf(PAYMENT))
        .and.not.to.emit(f.escrow, "ProviderSlashed");
      const st = await f.staking.stakeOf(f.provider.address, COMPUTE_SERVICE);
      expect(st.activeWei).to.equal(ethers.parseEther("10"));
      expect(st.lockedWei).to.equal(0n);
    });
  });

  describe("expiry", function () {
    it("refunds an unclaimed job after its start deadline, without slashing anyone", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await postEthJob(f);
      const deadline = Number((await f.escrow.jobOf(id)).deadline);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.escrow.finalize(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotDue")
        .withArgs(id, Status.Open, deadline);
      await time.setNextBlockTimestamp(deadline + 1);
      await expect(f.escrow.finalize(id))
        .to.emit(f.escrow, "JobRefunded")
        .withArgs(id, f.requester.address, PAYMENT)
        .and.not.to.emit(f.escrow, "ProviderSlashed");
    });

    it("slashes a provider that claimed but did not start by the start deadline", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await postEthJob(f);
      await f.escrow.connect(f.provider).claim(id);
      await time.increaseTo(Number((await f.escrow.jobOf(id)).deadline) + 1);
      await expect(f.escrow.finalize(id))
        .to.emit(f.escrow, "ProviderSlashed")
        .withArgs(id, f.provider.address, Fault.MissedStart, BOND)
        .and.to.emit(f.escrow, "JobRefunded")
        .withArgs(id, f.requester.address, PAYMENT);
    });

    it("slashes a provider that started but did not submit by the run deadline", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await runningJob(f);
      const deadline = Number((await f.escrow.jobOf(id)).deadline);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.escrow.finalize(id))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotDue")
        .withArgs(id, Status.Running, deadline);
      await time.setNextBlockTimestamp(deadline + 1);
      await expect(f.escrow.finalize(id))
        .to.emit(f.escrow, "ProviderSlashed")
        .withArgs(id, f.provider.address, Fault.MissedSubmission, BOND);
      expect((await f.escrow.jobOf(id)).status).to.equal(Status.Refunded);
    });

    it("reports an unknown id as not due", async function () {
      const f = await loadFixture(deployComputeFixture);
      await expect(f.escrow.finalize(42))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNotDue")
        .withArgs(42, Status.None, 0);
      expect(await f.escrow.isDue(42)).to.equal(false);
    });
  });

  describe("withdrawing", function () {
    it("pays out a credit once", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await submittedJob(f);
      await f.escrow.connect(f.requester).accept(id);
      const credit = PAYMENT - feeOf(PAYMENT);
      const tx = f.escrow.connect(f.provider).withdraw(ETH);
      await expect(tx).to.changeEtherBalances([f.provider, f.escrow], [credit, -credit]);
      await expect(tx).to.emit(f.escrow, "CreditWithdrawn").withArgs(f.provider.address, ETH, credit);
      await expect(f.escrow.connect(f.provider).withdraw(ETH))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNothingToWithdraw")
        .withArgs(f.provider.address, ETH);
    });

    it("lets a requester that rejects ETH block only itself", async function () {
      const f = await loadFixture(deployComputeFixture);
      const mock = await (await ethers.getContractFactory("ComputeRequesterMock")).deploy(await f.escrow.getAddress());
      const tx = await mock.post(await jobRequest(), { value: PAYMENT });
      const id = (await f.escrow.nextJobId()) - 1n;
      await tx.wait();
      await mock.cancel(id);
      await mock.setMode(1);
      await expect(mock.withdraw()).to.be.revertedWithCustomError(mock, "ComputeRequesterMockRejects");
      const other = await submittedJob(f);
      await f.escrow.connect(f.requester).accept(other);
      await expect(f.escrow.connect(f.provider).withdraw(ETH)).to.emit(f.escrow, "CreditWithdrawn");
      expect(await f.escrow.creditOf(await mock.getAddress(), ETH)).to.equal(PAYMENT);
    });

    it("refuses a re-entrant withdrawal", async function () {
      const f = await loadFixture(deployComputeFixture);
      const mock = await (await ethers.getContractFactory("ComputeRequesterMock")).deploy(await f.escrow.getAddress());
      await mock.post(await jobRequest(), { value: PAYMENT });
      await mock.cancel((await f.escrow.nextJobId()) - 1n);
      await mock.setMode(2);
      await expect(mock.withdraw()).to.be.revertedWithCustomError(f.escrow, "ReentrancyGuardReentrantCall");
    });
  });

  describe("protocol fees", function () {
    it("sweeps accrued ETH fees to the Treasury in one call", async function () {
      const f = await loadFixture(deployComputeFixture);
      for (let i = 0; i < 2; i++) {
        const id = await submittedJob(f);
        await f.escrow.connect(f.requester).accept(id);
      }
      const fees = 2n * feeOf(PAYMENT);
      const tx = f.escrow.connect(f.stranger).sweepFees(ETH);
      await expect(tx).to.changeEtherBalance(f.treasury, fees);
      await expect(tx)
        .to.emit(f.escrow, "FeesSwept")
        .withArgs(ETH, fees)
        .and.to.emit(f.treasury, "EthReceived")
        .withArgs(await f.escrow.getAddress(), fees);
      await expect(f.escrow.sweepFees(ETH))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNothingToWithdraw")
        .withArgs(await f.escrow.getAddress(), ETH);
    });

    it("charges the fee snapshotted at posting, not the one in force at payment", async function () {
      const f = await loadFixture(deployComputeFixture);
      const id = await submittedJob(f);
      await f.escrow.setSettings({ ...SETTINGS, protocolFeeBps: 1_000 });
      await expect(f.escrow.connect(f.requester).accept(id))
        .to.emit(f.escrow, "JobPaid")
        .withArgs(id, f.provider.address, PAYMENT - feeOf(PAYMENT), feeOf(PAYMENT));
    });
  });

  describe("offers", function () {
    it("publishes an offer of an active provider", async function () {
      const f = await loadFixture(deployComputeFixture);
      const offer = { ...OFFER, gpuCount: 4, pricePerGpuHour: 250n, unit: 1 };
      await expect(f.escrow.connect(f.provider).setOffer(offer))
        .to.emit(f.escrow, "OfferSet")
        .withArgs(f.provider.address, offer.gpuModel, 4, offer.memoryGiB, 1, 250n);
      expect((await f.escrow.offerOf(f.provider.address)).gpuCount).to.equal(4);
    });

    it("refuses offers from inactive operators and empty offers", async function () {
      const f = await loadFixture(deployComputeFixture);
      await expect(f.escrow.connect(f.stranger).setOffer(OFFER))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInactiveProvider")
        .withArgs(f.stranger.address);
      await expect(f.escrow.connect(f.provider).setOffer({ ...OFFER, gpuCount: 0 })).to.be.revertedWithCustomError(
        f.escrow,
        "ComputeEscrowInvalidOffer",
      );
      await expect(
        f.escrow.connect(f.provider).setOffer({ ...OFFER, pricePerGpuHour: 0 }),
      ).to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInvalidOffer");
      await expect(f.escrow.connect(f.stranger).removeOffer())
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNoOffer")
        .withArgs(f.stranger.address);
    });

    it("quotes a wei-priced offer for a duration, rounding up", async function () {
      const f = await loadFixture(deployComputeFixture);
      // 8 GPUs x 0.001 ETH per GPU-hour x 1.5 h.
      expect(await f.escrow.quoteWei(f.provider.address, 5_400)).to.equal(ethers.parseEther("0.012"));
      await expect(f.escrow.quoteWei(f.stranger.address, 3_600))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowNoOffer")
        .withArgs(f.stranger.address);
    });
  });
});
