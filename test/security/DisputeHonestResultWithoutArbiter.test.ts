import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { COMPUTE_SERVICE } from "../helpers/constants";
import {
  BOND,
  deployComputeFixture,
  ETH,
  feeOf,
  PAYMENT,
  PROVIDER_STAKE,
  Status,
  submittedJob,
} from "../compute/fixture";

// Attack: the requester reads the honest result (ResultSubmitted carries its URI), disputes it with no evidence, and
// waits for the arbitration window to lapse without a ruling. Before the fix `finalize` refunded the whole payment:
// the work was free and the provider, who delivered, was unpaid. Defence: an unresolved dispute proves no fault on
// either side, and the requester already holds the result, so the provider is paid (bond released, no slash).
describe("Security: requester disputes an honest result and the arbiter never rules", function () {
  it("pays the provider, not the disputing requester, once the arbitration window lapses", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await submittedJob(f);
    const submitted = await f.escrow.queryFilter(f.escrow.filters.ResultSubmitted(id));
    expect(submitted[0].args.resultURI).to.equal("ipfs://result"); // the requester now holds the output

    await f.escrow.connect(f.requester).dispute(id, ethers.ZeroHash);
    const arbitrateBy = Number((await f.escrow.jobOf(id)).deadline);
    await time.setNextBlockTimestamp(arbitrateBy + 1);
    const fee = feeOf(PAYMENT);
    await expect(f.escrow.connect(f.requester).finalize(id))
      .to.emit(f.escrow, "JobPaid")
      .withArgs(id, f.provider.address, PAYMENT - fee, fee)
      .and.not.to.emit(f.escrow, "JobRefunded");

    expect((await f.escrow.jobOf(id)).status).to.equal(Status.Paid);
    expect(await f.escrow.creditOf(f.requester.address, ETH)).to.equal(0n);
    expect(await f.escrow.creditOf(f.provider.address, ETH)).to.equal(PAYMENT - fee);
    const st = await f.staking.stakeOf(f.provider.address, COMPUTE_SERVICE);
    expect(st.activeWei).to.equal(PROVIDER_STAKE);
    expect(st.lockedWei).to.equal(0n);
  });

  it("still refunds and slashes when the arbiter does rule against the provider in time", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await submittedJob(f);
    await f.escrow.connect(f.requester).dispute(id, ethers.id("wrong output"));
    await expect(f.escrow.connect(f.arbiter).resolveDispute(id, false))
      .to.emit(f.escrow, "JobRefunded")
      .withArgs(id, f.requester.address, PAYMENT);
    expect(await f.escrow.creditOf(f.requester.address, ETH)).to.equal(PAYMENT);
    expect(await f.staking.creditOf(f.requester.address)).to.equal(BOND / 2n);
  });
});
