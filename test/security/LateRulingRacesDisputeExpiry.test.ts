import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployComputeFixture, ETH, feeOf, PAYMENT, Status, submittedJob } from "../compute/fixture";

// Attack: once a dispute's arbitration deadline has passed, `finalize` settles it (the provider is paid), yet the
// arbiter could still rule. Whoever loses by the ruling races it: a provider that sees a late ruling against it in
// the mempool front-runs it with `finalize` (or, before the unresolved-dispute fix, a requester front-ran a late
// ruling for the provider to take a refund). The outcome was decided by transaction ordering, not by the arbiter.
// Defence: `resolveDispute` is refused after the deadline (ComputeEscrowDeadlinePassed), so from T+1 on only
// `finalize` settles, and up to T only the arbiter does.
describe("Security: a late arbiter ruling races the expiry of its dispute", function () {
  it("accepts a ruling at the deadline T and refuses one at T+1, where finalize settles", async function () {
    const f = await loadFixture(deployComputeFixture);
    const onTime = await submittedJob(f);
    await f.escrow.connect(f.requester).dispute(onTime, ethers.id("wrong output"));
    const late = await submittedJob(f);
    await f.escrow.connect(f.requester).dispute(late, ethers.id("wrong output"));

    const onTimeBy = Number((await f.escrow.jobOf(onTime)).deadline);
    await time.setNextBlockTimestamp(onTimeBy);
    await expect(f.escrow.connect(f.arbiter).resolveDispute(onTime, false))
      .to.emit(f.escrow, "DisputeResolved")
      .withArgs(onTime, false, f.arbiter.address);

    const lateBy = Number((await f.escrow.jobOf(late)).deadline);
    await time.setNextBlockTimestamp(lateBy + 1);
    await expect(f.escrow.connect(f.arbiter).resolveDispute(late, false))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowDeadlinePassed")
      .withArgs(late, lateBy);
    const fee = feeOf(PAYMENT);
    await expect(f.escrow.connect(f.provider).finalize(late))
      .to.emit(f.escrow, "JobPaid")
      .withArgs(late, f.provider.address, PAYMENT - fee, fee);
    expect((await f.escrow.jobOf(late)).status).to.equal(Status.Paid);
    expect(await f.escrow.creditOf(f.requester.address, ETH)).to.equal(PAYMENT); // from the on-time ruling only
  });
});
