import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { COMPUTE_SERVICE } from "../helpers/constants";
import {
  BOND,
  deployComputeFixture,
  ETH,
  Fault,
  feeOf,
  Mode,
  OFFER,
  PAYMENT,
  postEthJob,
  PROVIDER_STAKE,
} from "../compute/fixture";

// Attack: a requester posts a 3-replica redundancy job and claims two of the replicas with its own staked sybil
// providers; one honest provider claims the third and submits the real result, whose URI ResultSubmitted publishes.
// The sybils submit an agreeing garbage hash: the majority pays the sybils (the requester's own addresses) and
// slashes the honest replica's bond as a MinorityResult. Before the fix the requester was the slash beneficiary and
// took slashBeneficiaryBps (50%) of the honest bond: with PAYMENT = 2 ETH and BOND = 1 ETH it got the work and
// +0.45 ETH (0.5 ETH of bond minus the 0.05 ETH fee). Defence: a minority result harms no requester (it is paid the
// majority's answer), so its slash goes wholly to the Treasury; the requester's cost is then the fee plus the
// staked capital of k/2+1 sybils, and it gains nothing from the honest replica's bond. What remains (the requester
// reads the honest result for the fee, and the honest replica is slashed) is the k-of-n collusion assumption of
// redundancy mode, priced in docs/THREAT_MODEL.md.
describe("Security: a requester's sybil replicas outvote an honest replica to take its bond", function () {
  it("sends the honest minority's slash to the Treasury, nothing to the requester", async function () {
    const f = await loadFixture(deployComputeFixture);
    const [sybil1, sybil2] = f.others.slice(8);
    for (const s of [sybil1, sybil2]) {
      await f.staking.connect(s).stake(COMPUTE_SERVICE, { value: PROVIDER_STAKE });
      await f.escrow.connect(s).setOffer(OFFER);
    }
    const id = await postEthJob(f, { mode: Mode.Redundancy, redundancy: 3 });
    for (const p of [sybil1, f.provider, sybil2]) await f.escrow.connect(p).claim(id);

    const honest = ethers.id("the real output");
    const garbage = ethers.id("garbage");
    await f.escrow.connect(f.provider).submitResult(id, honest, "ipfs://real-output");
    await f.escrow.connect(sybil1).submitResult(id, garbage, "");
    const treasuryBefore = await ethers.provider.getBalance(await f.treasury.getAddress());
    const fee = feeOf(PAYMENT);
    await expect(f.escrow.connect(sybil2).submitResult(id, garbage, "")).to.not.be.reverted;
    await expect(f.escrow.finalize(id))
      .to.emit(f.escrow, "ProviderSlashed")
      .withArgs(id, f.provider.address, Fault.MinorityResult, BOND)
      .and.to.emit(f.staking, "Slashed")
      .withArgs(
        f.provider.address,
        COMPUTE_SERVICE,
        await f.escrow.getAddress(),
        BOND,
        f.requester.address,
        0n,
        ethers.keccak256(
          ethers.AbiCoder.defaultAbiCoder().encode(
            ["uint256", "uint8", "address"],
            [id, Fault.MinorityResult, f.provider.address],
          ),
        ),
      );

    expect(await f.staking.creditOf(f.requester.address)).to.equal(0n);
    expect((await ethers.provider.getBalance(await f.treasury.getAddress())) - treasuryBefore).to.equal(BOND);
    // The sybils are paid the job (the requester's own money back, less the fee): no gain from the honest bond.
    const paidToSybils =
      (await f.escrow.creditOf(sybil1.address, ETH)) + (await f.escrow.creditOf(sybil2.address, ETH));
    expect(paidToSybils).to.equal(PAYMENT - fee);
  });

  it("still pays the requester its share when a replica misses its submission", async function () {
    const f = await loadFixture(deployComputeFixture);
    const id = await postEthJob(f, { mode: Mode.Redundancy, redundancy: 2 });
    for (const p of [f.provider, f.provider2]) await f.escrow.connect(p).claim(id);
    await f.escrow.connect(f.provider).submitResult(id, ethers.id("out"), "");
    const { deadline } = await f.escrow.jobOf(id);
    await ethers.provider.send("evm_setNextBlockTimestamp", [Number(deadline) + 1]);
    await expect(f.escrow.finalize(id))
      .to.emit(f.escrow, "ProviderSlashed")
      .withArgs(id, f.provider2.address, Fault.MissedSubmission, BOND);
    expect(await f.staking.creditOf(f.requester.address)).to.equal(BOND / 2n);
  });
});
