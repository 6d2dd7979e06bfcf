import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { COMPUTE_SERVICE, UNBONDING_DELAY_SECONDS } from "../helpers/constants";
import { deployComputeFixture, OFFER, PROVIDER_STAKE, postEthJob } from "../compute/fixture";

// Attack: a provider jailed for a year unbonds its whole stake, withdraws it after the unbonding delay and stakes
// again from the same address, hoping a fresh stake starts a fresh record. Defence (no exploit): the jail sentence
// lives on the operator's stake record, which withdrawal does not delete, so the re-staked operator stays inactive
// and can neither publish an offer nor claim a job. Escaping needs a new address (a sybil), which costs a fresh
// minimum stake and forfeits the jailed stake's history; see docs/THREAT_MODEL.md.
describe("Security: jail bypass by unbonding, withdrawing and re-staking", function () {
  it("keeps the jail sentence across a full withdrawal and a re-stake", async function () {
    const f = await loadFixture(deployComputeFixture);
    const until = (await time.latest()) + 365 * 24 * 3600;
    await f.staking.jail(f.provider.address, COMPUTE_SERVICE, until);

    await f.staking.connect(f.provider).requestUnbond(COMPUTE_SERVICE, PROVIDER_STAKE);
    await time.increase(UNBONDING_DELAY_SECONDS);
    await expect(f.staking.connect(f.provider).withdraw(COMPUTE_SERVICE))
      .to.emit(f.staking, "Withdrawn")
      .withArgs(f.provider.address, COMPUTE_SERVICE, PROVIDER_STAKE);
    await f.staking.connect(f.provider).stake(COMPUTE_SERVICE, { value: PROVIDER_STAKE });

    expect((await f.staking.stakeOf(f.provider.address, COMPUTE_SERVICE)).jailedUntil).to.equal(until);
    expect(await f.staking.isActiveOperator(f.provider.address, COMPUTE_SERVICE)).to.equal(false);
    await expect(f.escrow.connect(f.provider).setOffer(OFFER))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInactiveProvider")
      .withArgs(f.provider.address);
    const id = await postEthJob(f);
    await expect(f.escrow.connect(f.provider).claim(id))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInactiveProvider")
      .withArgs(f.provider.address);
  });

  it("lets a shorter jail never shorten a running sentence", async function () {
    const f = await loadFixture(deployComputeFixture);
    const until = (await time.latest()) + 30 * 24 * 3600;
    await f.staking.jail(f.provider.address, COMPUTE_SERVICE, until);
    await expect(f.staking.jail(f.provider.address, COMPUTE_SERVICE, until - 1))
      .to.emit(f.staking, "Jailed")
      .withArgs(f.provider.address, COMPUTE_SERVICE, until, (await ethers.getSigners())[0].address);
    expect((await f.staking.stakeOf(f.provider.address, COMPUTE_SERVICE)).jailedUntil).to.equal(until);
  });
});
