import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { ReentrantStakingAttacker } from "../../typechain-types";
import { deployCore, deployProxy } from "../helpers/core";
import {
  ADMIN_DELAY_SECONDS,
  COMPUTE_SERVICE,
  DEFAULT_ADMIN_ROLE,
  MIN_COMPUTE_STAKE,
  MIN_ORACLE_STAKE,
  ORACLE_SERVICE,
  PAUSER_ROLE,
  UNBONDING_DELAY_SECONDS,
  UPGRADER_ROLE,
} from "../helpers/constants";
import { ANYONE, custom, role, shouldEnforceAccessMatrix, AXON_UPGRADEABLE_GUARDS } from "../helpers/accessMatrix";
import { shouldBehaveLikeAxonUpgradeable } from "../common/AxonUpgradeable.behavior";

const ONE = ethers.parseEther("1");
const MAX_UINT128 = (1n << 128n) - 1n;
const EVIDENCE = ethers.id("evidence-1");

/** The core, with one signer authorised as module of both services and two operators. */
async function stakingFixture() {
  const core = await deployCore();
  const [module, operator, operator2, beneficiary, stranger] = core.others;
  await core.staking.setModule(ORACLE_SERVICE, module.address, true);
  await core.staking.setModule(COMPUTE_SERVICE, module.address, true);
  return { ...core, module, operator, operator2, beneficiary, stranger };
}

/** As above, with `operator` staked 5 ETH in the oracle service. */
async function stakedFixture() {
  const f = await stakingFixture();
  await f.staking.connect(f.operator).stake(ORACLE_SERVICE, { value: 5n * ONE });
  return f;
}

async function attackerFixture() {
  const f = await stakedFixture();
  const attacker = (await (
    await ethers.getContractFactory("ReentrantStakingAttacker")
  ).deploy(await f.staking.getAddress())) as unknown as ReentrantStakingAttacker;
  return { ...f, attacker };
}

describe("OperatorStaking", function () {
  describe("initialisation and configuration", function () {
    it("starts with the treasury set and nothing staked", async function () {
      const { staking, treasury } = await loadFixture(stakingFixture);
      expect(await staking.treasury()).to.equal(await treasury.getAddress());
      expect(await staking.totalStaked()).to.equal(0n);
      expect(await staking.totalCredits()).to.equal(0n);
      const cfg = await staking.serviceConfig(ORACLE_SERVICE);
      expect([cfg.minStakeWei, cfg.unbondingDelaySeconds, cfg.enabled]).to.deep.equal([
        MIN_ORACLE_STAKE,
        BigInt(UNBONDING_DELAY_SECONDS),
        true,
      ]);
    });

    it("refuses a zero treasury at initialisation", async function () {
      const [admin] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("OperatorStaking");
      await expect(deployProxy("OperatorStaking", [admin.address, ADMIN_DELAY_SECONDS, ethers.ZeroAddress]))
        .to.be.revertedWithCustomError(factory, "StakingZeroAddress")
        .withArgs("treasury");
    });

    it("configures a service and emits ServiceSet", async function () {
      const { staking } = await loadFixture(stakingFixture);
      const id = ethers.id("axon.service.other");
      await expect(staking.setService(id, 3n, 365 * 24 * 3600, true))
        .to.emit(staking, "ServiceSet")
        .withArgs(id, 3n, 365 * 24 * 3600, true);
      const cfg = await staking.serviceConfig(id);
      expect([cfg.minStakeWei, cfg.unbondingDelaySeconds, cfg.enabled]).to.deep.equal([3n, 365n * 24n * 3600n, true]);
    });

    it("refuses an unbonding delay above 365 days", async function () {
      const { staking } = await loadFixture(stakingFixture);
      const tooLong = 365 * 24 * 3600 + 1;
      await expect(staking.setService(ORACLE_SERVICE, 1n, tooLong, true))
        .to.be.revertedWithCustomError(staking, "StakingDelayTooLong")
        .withArgs(tooLong);
    });

    it("allows and disallows a module with ModuleSet", async function () {
      const { staking, stranger } = await loadFixture(stakingFixture);
      await expect(staking.setModule(ORACLE_SERVICE, stranger.address, true))
        .to.emit(staking, "ModuleSet")
        .withArgs(ORACLE_SERVICE, stranger.address, true);
      expect(await staking.isModule(ORACLE_SERVICE, stranger.address)).to.equal(true);
      expect(await staking.isModule(COMPUTE_SERVICE, stranger.address)).to.equal(false);
      await expect(staking.setModule(ORACLE_SERVICE, stranger.address, false))
        .to.emit(staking, "ModuleSet")
        .withArgs(ORACLE_SERVICE, stranger.address, false);
      expect(await staking.isModule(ORACLE_SERVICE, stranger.address)).to.equal(false);
    });

    it("refuses a zero module address", async function () {
      const { staking } = await loadFixture(stakingFixture);
      await expect(staking.setModule(ORACLE_SERVICE, ethers.ZeroAddress, true))
        .to.be.revertedWithCustomError(staking, "StakingZeroAddress")
        .withArgs("module");
    });

    it("sets the treasury with TreasurySet and refuses zero", async function () {
      const { staking, stranger } = await loadFixture(stakingFixture);
      await expect(staking.setTreasury(stranger.address)).to.emit(staking, "TreasurySet").withArgs(stranger.address);
      expect(await staking.treasury()).to.equal(stranger.address);
      await expect(staking.setTreasury(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(staking, "StakingZeroAddress")
        .withArgs("treasury");
    });
  });

  describe("stake", function () {
    it("adds msg.value to the active stake with Staked", async function () {
      const { staking, operator } = await loadFixture(stakingFixture);
      await expect(staking.connect(operator).stake(ORACLE_SERVICE, { value: MIN_ORACLE_STAKE }))
        .to.emit(staking, "Staked")
        .withArgs(operator.address, ORACLE_SERVICE, MIN_ORACLE_STAKE, MIN_ORACLE_STAKE);
      await expect(staking.connect(operator).stake(ORACLE_SERVICE, { value: 1n }))
        .to.emit(staking, "Staked")
        .withArgs(operator.address, ORACLE_SERVICE, 1n, MIN_ORACLE_STAKE + 1n);
      expect((await staking.stakeOf(operator.address, ORACLE_SERVICE)).activeWei).to.equal(MIN_ORACLE_STAKE + 1n);
      expect(await staking.totalStaked()).to.equal(MIN_ORACLE_STAKE + 1n);
      expect(await ethers.provider.getBalance(await staking.getAddress())).to.equal(MIN_ORACLE_STAKE + 1n);
    });

    it("keeps the stakes of each service apart", async function () {
      const { staking, operator } = await loadFixture(stakingFixture);
      await staking.connect(operator).stake(ORACLE_SERVICE, { value: MIN_ORACLE_STAKE });
      await staking.connect(operator).stake(COMPUTE_SERVICE, { value: MIN_COMPUTE_STAKE });
      expect((await staking.stakeOf(operator.address, ORACLE_SERVICE)).activeWei).to.equal(MIN_ORACLE_STAKE);
      expect((await staking.stakeOf(operator.address, COMPUTE_SERVICE)).activeWei).to.equal(MIN_COMPUTE_STAKE);
      expect(await staking.totalStaked()).to.equal(MIN_ORACLE_STAKE + MIN_COMPUTE_STAKE);
    });

    it("refuses a zero stake", async function () {
      const { staking, operator } = await loadFixture(stakingFixture);
      await expect(staking.connect(operator).stake(ORACLE_SERVICE)).to.be.revertedWithCustomError(
        staking,
        "StakingZeroAmount",
      );
    });

    it("refuses a disabled or unknown service", async function () {
      const { staking, operator } = await loadFixture(stakingFixture);
      await staking.setService(ORACLE_SERVICE, MIN_ORACLE_STAKE, UNBONDING_DELAY_SECONDS, false);
      await expect(staking.connect(operator).stake(ORACLE_SERVICE, { value: ONE }))
        .to.be.revertedWithCustomError(staking, "StakingServiceDisabled")
        .withArgs(ORACLE_SERVICE);
      const unknown = ethers.id("nope");
      await expect(staking.connect(operator).stake(unknown, { value: ONE }))
        .to.be.revertedWithCustomError(staking, "StakingServiceDisabled")
        .withArgs(unknown);
    });

    it("refuses a first stake below the service minimum", async function () {
      const { staking, operator } = await loadFixture(stakingFixture);
      await expect(staking.connect(operator).stake(COMPUTE_SERVICE, { value: MIN_COMPUTE_STAKE - 1n }))
        .to.be.revertedWithCustomError(staking, "StakingBelowMinimum")
        .withArgs(operator.address, COMPUTE_SERVICE, MIN_COMPUTE_STAKE - 1n, MIN_COMPUTE_STAKE);
    });

    it("refuses a stake that would not fit 128 bits", async function () {
      const { staking, operator } = await loadFixture(stakedFixture);
      await setBalance(operator.address, MAX_UINT128 * 2n);
      const active = 5n * ONE + MAX_UINT128;
      await expect(staking.connect(operator).stake(ORACLE_SERVICE, { value: MAX_UINT128 }))
        .to.be.revertedWithCustomError(staking, "StakingAmountOverflow")
        .withArgs(active);
    });

    it("refuses to stake while paused", async function () {
      const { staking, operator } = await loadFixture(stakingFixture);
      await staking.pause();
      await expect(staking.connect(operator).stake(ORACLE_SERVICE, { value: ONE })).to.be.revertedWithCustomError(
        staking,
        "EnforcedPause",
      );
    });
  });

  describe("requestUnbond", function () {
    it("moves stake to unbonding with the release time", async function () {
      const { staking, operator } = await loadFixture(stakedFixture);
      const releaseAt = BigInt(await time.latest()) + 1n + BigInt(UNBONDING_DELAY_SECONDS);
      await time.setNextBlockTimestamp(releaseAt - BigInt(UNBONDING_DELAY_SECONDS));
      await expect(staking.connect(operator).requestUnbond(ORACLE_SERVICE, 2n * ONE))
        .to.emit(staking, "UnbondRequested")
        .withArgs(operator.address, ORACLE_SERVICE, 2n * ONE, releaseAt);
      const st = await staking.stakeOf(operator.address, ORACLE_SERVICE);
      expect([st.activeWei, st.unbondingWei, st.unbondingReleaseAt]).to.deep.equal([3n * ONE, 2n * ONE, releaseAt]);
      expect(await staking.totalStaked()).to.equal(5n * ONE);
    });

    it("merges a second request into the bucket and restarts its clock", async function () {
      const { staking, operator } = await loadFixture(stakedFixture);
      await staking.connect(operator).requestUnbond(ORACLE_SERVICE, ONE);
      await time.increase(1000);
      await staking.connect(operator).requestUnbond(ORACLE_SERVICE, ONE);
      const st = await staking.stakeOf(operator.address, ORACLE_SERVICE);
      expect(st.unbondingWei).to.equal(2n * ONE);
      expect(st.unbondingReleaseAt).to.equal(BigInt(await time.latest()) + BigInt(UNBONDING_DELAY_SECONDS));
    });

    it("allows unbonding everything", async function () {
      const { staking, operator } = await loadFixture(stakedFixture);
      await staking.connect(operator).requestUnbond(ORACLE_SERVICE, 5n * ONE);
      expect((await staking.stakeOf(operator.address, ORACLE_SERVICE)).activeWei).to.equal(0n);
      expect(await staking.isActiveOperator(operator.address, ORACLE_SERVICE)).to.equal(false);
    });

    it("refuses a zero amount", async function () {
      const { staking, operator } = await loadFixture(stakedFixture);
      await expect(staking.connect(operator).requestUnbond(ORACLE_SERVICE, 0n)).to.be.revertedWithCustomError(
        staking,
        "StakingZeroAmount",
      );
    });

    it("refuses more than the unlocked active stake", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      await staking.connect(module).lock(operator.address, ORACLE_SERVICE, 2n * ONE);
      await expect(staking.connect(operator).requestUnbond(ORACLE_SERVICE, 3n * ONE + 1n))
        .to.be.revertedWithCustomError(staking, "StakingInsufficientFreeStake")
        .withArgs(operator.address, ORACLE_SERVICE, 3n * ONE, 3n * ONE + 1n);
    });

    it("refuses to leave a positive stake below the minimum", async function () {
      const { staking, operator } = await loadFixture(stakedFixture);
      const remaining = MIN_ORACLE_STAKE - 1n;
      await expect(staking.connect(operator).requestUnbond(ORACLE_SERVICE, 5n * ONE - remaining))
        .to.be.revertedWithCustomError(staking, "StakingBelowMinimum")
        .withArgs(operator.address, ORACLE_SERVICE, remaining, MIN_ORACLE_STAKE);
    });

    it("refuses while paused", async function () {
      const { staking, operator } = await loadFixture(stakedFixture);
      await staking.pause();
      await expect(staking.connect(operator).requestUnbond(ORACLE_SERVICE, ONE)).to.be.revertedWithCustomError(
        staking,
        "EnforcedPause",
      );
    });
  });

  describe("withdraw", function () {
    async function unbondingFixture() {
      const f = await stakedFixture();
      await f.staking.connect(f.operator).requestUnbond(ORACLE_SERVICE, 2n * ONE);
      const releaseAt = (await f.staking.stakeOf(f.operator.address, ORACLE_SERVICE)).unbondingReleaseAt;
      return { ...f, releaseAt };
    }

    it("refuses at T-1 and pays at T (release time)", async function () {
      const { staking, operator, releaseAt } = await loadFixture(unbondingFixture);
      await time.setNextBlockTimestamp(releaseAt - 1n);
      await expect(staking.connect(operator).withdraw(ORACLE_SERVICE))
        .to.be.revertedWithCustomError(staking, "StakingUnbondingNotReleased")
        .withArgs(operator.address, ORACLE_SERVICE, releaseAt);
      await time.setNextBlockTimestamp(releaseAt);
      const tx = staking.connect(operator).withdraw(ORACLE_SERVICE);
      await expect(tx)
        .to.emit(staking, "Withdrawn")
        .withArgs(operator.address, ORACLE_SERVICE, 2n * ONE);
      await expect(tx).to.changeEtherBalances([operator, staking], [2n * ONE, -2n * ONE]);
      const st = await staking.stakeOf(operator.address, ORACLE_SERVICE);
      expect([st.activeWei, st.unbondingWei, st.unbondingReleaseAt]).to.deep.equal([3n * ONE, 0n, 0n]);
      expect(await staking.totalStaked()).to.equal(3n * ONE);
    });

    it("pays at T+1 too", async function () {
      const { staking, operator, releaseAt } = await loadFixture(unbondingFixture);
      await time.setNextBlockTimestamp(releaseAt + 1n);
      await expect(staking.connect(operator).withdraw(ORACLE_SERVICE)).to.changeEtherBalance(operator, 2n * ONE);
    });

    it("works while paused, so funds can always leave", async function () {
      const { staking, operator, releaseAt } = await loadFixture(unbondingFixture);
      await staking.pause();
      await time.increaseTo(releaseAt);
      await expect(staking.connect(operator).withdraw(ORACLE_SERVICE)).to.changeEtherBalance(operator, 2n * ONE);
    });

    it("refuses when nothing is unbonding", async function () {
      const { staking, operator } = await loadFixture(stakedFixture);
      await expect(staking.connect(operator).withdraw(ORACLE_SERVICE))
        .to.be.revertedWithCustomError(staking, "StakingNothingToWithdraw")
        .withArgs(operator.address);
    });

    it("blocks re-entry from the operator's receive hook and pays once", async function () {
      const { staking, attacker } = await loadFixture(attackerFixture);
      await attacker.stake(ORACLE_SERVICE, { value: 3n * ONE });
      await attacker.requestUnbond(3n * ONE);
      await time.increase(UNBONDING_DELAY_SECONDS);
      await attacker.setMode(1); // ReenterWithdraw
      await expect(attacker.withdraw()).to.changeEtherBalance(attacker, 3n * ONE);
      expect(await attacker.reentries()).to.equal(1n);
      expect(await attacker.reentryRevertData()).to.equal(
        staking.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []),
      );
      expect(await staking.totalStaked()).to.equal(5n * ONE);
    });

    it("reverts the withdrawal when the operator refuses ETH, keeping the stake", async function () {
      const { staking, attacker } = await loadFixture(attackerFixture);
      await attacker.stake(ORACLE_SERVICE, { value: 3n * ONE });
      await attacker.requestUnbond(3n * ONE);
      await time.increase(UNBONDING_DELAY_SECONDS);
      await attacker.setMode(3); // Reject
      await expect(attacker.withdraw())
        .to.be.revertedWithCustomError(attacker, "ReentrantStakingAttackerRejected")
        .withArgs(3n * ONE);
      expect((await staking.stakeOf(await attacker.getAddress(), ORACLE_SERVICE)).unbondingWei).to.equal(3n * ONE);
    });
  });

  describe("lock and unlock", function () {
    it("locks free stake with StakeLocked", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      await expect(staking.connect(module).lock(operator.address, ORACLE_SERVICE, 2n * ONE))
        .to.emit(staking, "StakeLocked")
        .withArgs(operator.address, ORACLE_SERVICE, module.address, 2n * ONE);
      expect(await staking.freeStake(operator.address, ORACLE_SERVICE)).to.equal(3n * ONE);
      expect((await staking.stakeOf(operator.address, ORACLE_SERVICE)).lockedWei).to.equal(2n * ONE);
    });

    it("refuses a zero lock", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      await expect(staking.connect(module).lock(operator.address, ORACLE_SERVICE, 0n)).to.be.revertedWithCustomError(
        staking,
        "StakingZeroAmount",
      );
    });

    it("refuses to lock more than the free stake", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      await staking.connect(module).lock(operator.address, ORACLE_SERVICE, 4n * ONE);
      await expect(staking.connect(module).lock(operator.address, ORACLE_SERVICE, ONE + 1n))
        .to.be.revertedWithCustomError(staking, "StakingInsufficientFreeStake")
        .withArgs(operator.address, ORACLE_SERVICE, ONE, ONE + 1n);
    });

    it("refuses lock, unlock and slash from a module of another service", async function () {
      const { staking, operator, stranger } = await loadFixture(stakedFixture);
      await staking.setModule(COMPUTE_SERVICE, stranger.address, true);
      const s = staking.connect(stranger);
      for (const call of [
        s.lock(operator.address, ORACLE_SERVICE, ONE),
        s.unlock(operator.address, ORACLE_SERVICE, ONE),
        s.slash(operator.address, ORACLE_SERVICE, ONE, ethers.ZeroAddress, 0n, EVIDENCE),
      ]) {
        await expect(call)
          .to.be.revertedWithCustomError(staking, "StakingNotModule")
          .withArgs(ORACLE_SERVICE, stranger.address);
      }
    });

    it("unlocks with StakeUnlocked, capped at what is locked", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      await staking.connect(module).lock(operator.address, ORACLE_SERVICE, 2n * ONE);
      await expect(staking.connect(module).unlock(operator.address, ORACLE_SERVICE, ONE))
        .to.emit(staking, "StakeUnlocked")
        .withArgs(operator.address, ORACLE_SERVICE, module.address, ONE);
      await expect(staking.connect(module).unlock(operator.address, ORACLE_SERVICE, 10n * ONE))
        .to.emit(staking, "StakeUnlocked")
        .withArgs(operator.address, ORACLE_SERVICE, module.address, ONE);
      expect(await staking.freeStake(operator.address, ORACLE_SERVICE)).to.equal(5n * ONE);
    });
  });

  describe("slash", function () {
    it("takes active stake, credits the beneficiary and sends the rest to the treasury", async function () {
      const { staking, treasury, operator, module, beneficiary } = await loadFixture(stakedFixture);
      const tx = staking
        .connect(module)
        .slash(operator.address, ORACLE_SERVICE, 2n * ONE, beneficiary.address, ONE / 2n, EVIDENCE);
      await expect(tx)
        .to.emit(staking, "Slashed")
        .withArgs(operator.address, ORACLE_SERVICE, module.address, 2n * ONE, beneficiary.address, ONE / 2n, EVIDENCE);
      await expect(tx)
        .to.emit(treasury, "EthReceived")
        .withArgs(await staking.getAddress(), (3n * ONE) / 2n);
      await expect(tx).to.changeEtherBalances([staking, treasury], [-(3n * ONE) / 2n, (3n * ONE) / 2n]);
      expect((await staking.stakeOf(operator.address, ORACLE_SERVICE)).activeWei).to.equal(3n * ONE);
      expect(await staking.creditOf(beneficiary.address)).to.equal(ONE / 2n);
      expect(await staking.totalCredits()).to.equal(ONE / 2n);
      expect(await staking.totalStaked()).to.equal(3n * ONE);
      expect(await staking.evidenceUsed(module.address, EVIDENCE)).to.equal(true);
    });

    it("returns the slashed amount", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      expect(
        await staking
          .connect(module)
          .slash.staticCall(operator.address, ORACLE_SERVICE, 9n * ONE, ethers.ZeroAddress, 0n, EVIDENCE),
      ).to.equal(5n * ONE);
    });

    it("takes unbonding stake once the active stake is gone, capped at what is held", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      await staking.connect(operator).requestUnbond(ORACLE_SERVICE, 2n * ONE);
      await expect(
        staking.connect(module).slash(operator.address, ORACLE_SERVICE, 100n * ONE, ethers.ZeroAddress, 0n, EVIDENCE),
      )
        .to.emit(staking, "Slashed")
        .withArgs(operator.address, ORACLE_SERVICE, module.address, 5n * ONE, ethers.ZeroAddress, 0n, EVIDENCE);
      const st = await staking.stakeOf(operator.address, ORACLE_SERVICE);
      expect([st.activeWei, st.unbondingWei]).to.deep.equal([0n, 0n]);
      expect(await staking.totalStaked()).to.equal(0n);
    });

    it("slashes unbonding stake partially after the active stake", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      await staking.connect(operator).requestUnbond(ORACLE_SERVICE, 2n * ONE);
      await staking.connect(module).slash(operator.address, ORACLE_SERVICE, 4n * ONE, ethers.ZeroAddress, 0n, EVIDENCE);
      const st = await staking.stakeOf(operator.address, ORACLE_SERVICE);
      expect([st.activeWei, st.unbondingWei]).to.deep.equal([0n, ONE]);
    });

    it("trims the locked stake to what stays active", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      await staking.connect(module).lock(operator.address, ORACLE_SERVICE, 4n * ONE);
      await staking.connect(module).slash(operator.address, ORACLE_SERVICE, 3n * ONE, ethers.ZeroAddress, 0n, EVIDENCE);
      const st = await staking.stakeOf(operator.address, ORACLE_SERVICE);
      expect([st.activeWei, st.lockedWei]).to.deep.equal([2n * ONE, 2n * ONE]);
    });

    it("consumes the evidence even when nothing is held", async function () {
      const { staking, stranger, module } = await loadFixture(stakedFixture);
      await expect(
        staking.connect(module).slash(stranger.address, ORACLE_SERVICE, ONE, ethers.ZeroAddress, 0n, EVIDENCE),
      )
        .to.emit(staking, "Slashed")
        .withArgs(stranger.address, ORACLE_SERVICE, module.address, 0n, ethers.ZeroAddress, 0n, EVIDENCE);
      expect(await staking.evidenceUsed(module.address, EVIDENCE)).to.equal(true);
    });

    it("refuses a zero evidence id", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      await expect(
        staking.connect(module).slash(operator.address, ORACLE_SERVICE, ONE, ethers.ZeroAddress, 0n, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(staking, "StakingZeroEvidence");
    });

    it("refuses an evidence id the module already used, but not another module's", async function () {
      const { staking, operator, module, stranger } = await loadFixture(stakedFixture);
      await staking.connect(module).slash(operator.address, ORACLE_SERVICE, ONE, ethers.ZeroAddress, 0n, EVIDENCE);
      await expect(
        staking.connect(module).slash(operator.address, COMPUTE_SERVICE, ONE, ethers.ZeroAddress, 0n, EVIDENCE),
      )
        .to.be.revertedWithCustomError(staking, "StakingEvidenceUsed")
        .withArgs(module.address, EVIDENCE);
      await staking.setModule(ORACLE_SERVICE, stranger.address, true);
      await expect(
        staking.connect(stranger).slash(operator.address, ORACLE_SERVICE, ONE, ethers.ZeroAddress, 0n, EVIDENCE),
      ).to.emit(staking, "Slashed");
    });

    it("refuses a beneficiary share above the slashed amount", async function () {
      const { staking, operator, module, beneficiary } = await loadFixture(stakedFixture);
      await expect(
        staking
          .connect(module)
          .slash(operator.address, ORACLE_SERVICE, 10n * ONE, beneficiary.address, 5n * ONE + 1n, EVIDENCE),
      )
        .to.be.revertedWithCustomError(staking, "StakingBeneficiaryShareTooLarge")
        .withArgs(5n * ONE + 1n, 5n * ONE);
    });

    it("refuses a share for the zero beneficiary", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      await expect(
        staking.connect(module).slash(operator.address, ORACLE_SERVICE, ONE, ethers.ZeroAddress, 1n, EVIDENCE),
      )
        .to.be.revertedWithCustomError(staking, "StakingZeroAddress")
        .withArgs("beneficiary");
    });

    it("sends nothing to the treasury when the beneficiary takes it all", async function () {
      const { staking, treasury, operator, module, beneficiary } = await loadFixture(stakedFixture);
      const tx = staking
        .connect(module)
        .slash(operator.address, ORACLE_SERVICE, ONE, beneficiary.address, ONE, EVIDENCE);
      await expect(tx).not.to.emit(treasury, "EthReceived");
      await expect(tx).to.changeEtherBalance(treasury, 0n);
    });

    it("reverts the whole slash when the treasury refuses ETH", async function () {
      const { staking, operator, module, attacker } = await loadFixture(attackerFixture);
      await staking.setTreasury(await attacker.getAddress());
      await attacker.setMode(3); // Reject: it has no depositETH either
      await expect(
        staking.connect(module).slash(operator.address, ORACLE_SERVICE, ONE, ethers.ZeroAddress, 0n, EVIDENCE),
      ).to.be.revertedWithoutReason();
      expect(await staking.evidenceUsed(module.address, EVIDENCE)).to.equal(false);
    });
    it("refuses a treasury that re-enters slash while being paid, even as a module", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      const receiver = await (await ethers.getContractFactory("ReentrantEthReceiver")).deploy();
      const at = await receiver.getAddress();
      await staking.setTreasury(at);
      await staking.setModule(ORACLE_SERVICE, at, true);
      const replay = ethers.id("evidence-2");
      await receiver.setReentry(
        await staking.getAddress(),
        staking.interface.encodeFunctionData("slash", [
          operator.address,
          ORACLE_SERVICE,
          ONE,
          ethers.ZeroAddress,
          0n,
          replay,
        ]),
      );
      await expect(
        staking.connect(module).slash(operator.address, ORACLE_SERVICE, ONE, ethers.ZeroAddress, 0n, EVIDENCE),
      ).to.changeEtherBalance(receiver, ONE);
      expect(await receiver.reentryRevertData()).to.equal(
        staking.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []),
      );
      expect((await staking.stakeOf(operator.address, ORACLE_SERVICE)).activeWei).to.equal(4n * ONE);
    });
  });

  describe("withdrawCredit", function () {
    it("pays the beneficiary's credit with CreditWithdrawn", async function () {
      const { staking, operator, module, beneficiary } = await loadFixture(stakedFixture);
      await staking.connect(module).slash(operator.address, ORACLE_SERVICE, ONE, beneficiary.address, ONE, EVIDENCE);
      const tx = staking.connect(beneficiary).withdrawCredit();
      await expect(tx).to.emit(staking, "CreditWithdrawn").withArgs(beneficiary.address, ONE);
      await expect(tx).to.changeEtherBalances([beneficiary, staking], [ONE, -ONE]);
      expect(await staking.creditOf(beneficiary.address)).to.equal(0n);
      expect(await staking.totalCredits()).to.equal(0n);
    });

    it("refuses when there is no credit", async function () {
      const { staking, beneficiary } = await loadFixture(stakedFixture);
      await expect(staking.connect(beneficiary).withdrawCredit())
        .to.be.revertedWithCustomError(staking, "StakingNothingToWithdraw")
        .withArgs(beneficiary.address);
    });

    it("blocks re-entry from the beneficiary's receive hook and pays once", async function () {
      const { staking, operator, module, attacker } = await loadFixture(attackerFixture);
      const who = await attacker.getAddress();
      await staking.connect(module).slash(operator.address, ORACLE_SERVICE, 2n * ONE, who, 2n * ONE, EVIDENCE);
      await attacker.setMode(2); // ReenterWithdrawCredit
      await expect(attacker.withdrawCredit()).to.changeEtherBalance(attacker, 2n * ONE);
      expect(await attacker.reentryRevertData()).to.equal(
        staking.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []),
      );
      expect(await staking.totalCredits()).to.equal(0n);
    });
  });

  describe("jail and activity", function () {
    it("is active with enough stake, not jailed, in an enabled service", async function () {
      const { staking, operator, operator2 } = await loadFixture(stakedFixture);
      expect(await staking.isActiveOperator(operator.address, ORACLE_SERVICE)).to.equal(true);
      expect(await staking.isActiveOperator(operator2.address, ORACLE_SERVICE)).to.equal(false);
      await staking.setService(ORACLE_SERVICE, 6n * ONE, UNBONDING_DELAY_SECONDS, true);
      expect(await staking.isActiveOperator(operator.address, ORACLE_SERVICE)).to.equal(false);
      await staking.setService(ORACLE_SERVICE, 0n, UNBONDING_DELAY_SECONDS, false);
      expect(await staking.isActiveOperator(operator.address, ORACLE_SERVICE)).to.equal(false);
    });

    it("jails until T: inactive at T-1, active again at T", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      const until = BigInt(await time.latest()) + 3600n;
      await expect(staking.connect(module).jail(operator.address, ORACLE_SERVICE, until))
        .to.emit(staking, "Jailed")
        .withArgs(operator.address, ORACLE_SERVICE, until, module.address);
      await time.increaseTo(until - 1n);
      expect(await staking.isActiveOperator(operator.address, ORACLE_SERVICE)).to.equal(false);
      await time.increaseTo(until);
      expect(await staking.isActiveOperator(operator.address, ORACLE_SERVICE)).to.equal(true);
    });

    it("keeps the longer sentence when a shorter one follows", async function () {
      const { staking, operator, module, admin } = await loadFixture(stakedFixture);
      const until = BigInt(await time.latest()) + 3600n;
      await staking.connect(module).jail(operator.address, ORACLE_SERVICE, until);
      await expect(staking.connect(admin).jail(operator.address, ORACLE_SERVICE, until - 100n))
        .to.emit(staking, "Jailed")
        .withArgs(operator.address, ORACLE_SERVICE, until, admin.address);
      expect((await staking.stakeOf(operator.address, ORACLE_SERVICE)).jailedUntil).to.equal(until);
    });

    it("refuses a release time that is not in the future", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      const now = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(now);
      await expect(staking.connect(module).jail(operator.address, ORACLE_SERVICE, now))
        .to.be.revertedWithCustomError(staking, "StakingJailInPast")
        .withArgs(now, now);
    });

    it("refuses jail from anyone but a module of the service or the admin", async function () {
      const { staking, operator, stranger } = await loadFixture(stakedFixture);
      await expect(staking.connect(stranger).jail(operator.address, ORACLE_SERVICE, 2n ** 40n))
        .to.be.revertedWithCustomError(staking, "StakingNotModule")
        .withArgs(ORACLE_SERVICE, stranger.address);
    });

    it("lets the admin unjail with Unjailed", async function () {
      const { staking, operator, module } = await loadFixture(stakedFixture);
      await staking.connect(module).jail(operator.address, ORACLE_SERVICE, 2n ** 40n);
      await expect(staking.unjail(operator.address, ORACLE_SERVICE))
        .to.emit(staking, "Unjailed")
        .withArgs(operator.address, ORACLE_SERVICE);
      expect(await staking.isActiveOperator(operator.address, ORACLE_SERVICE)).to.equal(true);
    });
  });

  shouldEnforceAccessMatrix("OperatorStaking", async () => {
    const { staking, admin, module, operator, stranger } = await loadFixture(stakedFixture);
    const notModule = custom("StakingNotModule", ["module"]);
    const v2 = await (await ethers.getContractFactory("OperatorStakingV2Mock")).deploy();
    return {
      contract: staking,
      callers: { admin, module, stranger },
      roleHolders: { [DEFAULT_ADMIN_ROLE]: ["admin"], [PAUSER_ROLE]: ["admin"], [UPGRADER_ROLE]: ["admin"] },
      guards: {
        ...AXON_UPGRADEABLE_GUARDS,
        "renounceRole(bytes32,address)": ANYONE,
        "initialize(address,uint48,address)": custom("InvalidInitialization", []),
        "setService(bytes32,uint128,uint64,bool)": role(DEFAULT_ADMIN_ROLE),
        "setModule(bytes32,address,bool)": role(DEFAULT_ADMIN_ROLE),
        "setTreasury(address)": role(DEFAULT_ADMIN_ROLE),
        "unjail(address,bytes32)": role(DEFAULT_ADMIN_ROLE),
        "setStatusListener(bytes32,address)": role(DEFAULT_ADMIN_ROLE),
        "pushStatus(address,bytes32)": ANYONE,
        "stake(bytes32)": ANYONE,
        "requestUnbond(bytes32,uint256)": ANYONE,
        "withdraw(bytes32)": ANYONE,
        "withdrawCredit()": ANYONE,
        "lock(address,bytes32,uint256)": notModule,
        "unlock(address,bytes32,uint256)": notModule,
        "slash(address,bytes32,uint256,address,uint256,bytes32)": notModule,
        "jail(address,bytes32,uint64)": custom("StakingNotModule", ["module", "admin"]),
      },
      args: {
        "grantRole(bytes32,address)": [PAUSER_ROLE, stranger.address],
        "revokeRole(bytes32,address)": [PAUSER_ROLE, stranger.address],
        "upgradeToAndCall(address,bytes)": [await v2.getAddress(), "0x"],
        "lock(address,bytes32,uint256)": [operator.address, ORACLE_SERVICE, ONE],
        "unlock(address,bytes32,uint256)": [operator.address, ORACLE_SERVICE, ONE],
        "slash(address,bytes32,uint256,address,uint256,bytes32)": [
          operator.address,
          ORACLE_SERVICE,
          ONE,
          ethers.ZeroAddress,
          0n,
          EVIDENCE,
        ],
        "jail(address,bytes32,uint64)": [operator.address, ORACLE_SERVICE, 2n ** 40n],
      },
    };
  });

  shouldBehaveLikeAxonUpgradeable("OperatorStaking", async () => {
    const f = await loadFixture(stakedFixture);
    await f.staking.connect(f.module).lock(f.operator.address, ORACLE_SERVICE, ONE);
    await f.staking
      .connect(f.module)
      .slash(f.operator.address, ORACLE_SERVICE, ONE, f.beneficiary.address, 1n, EVIDENCE);
    return {
      contract: f.staking,
      admin: f.admin,
      stranger: f.stranger,
      v2Name: "OperatorStakingV2Mock",
      initArgs: [f.admin.address, ADMIN_DELAY_SECONDS, await f.treasury.getAddress()],
      snapshot: async (c) => {
        const s = c as typeof f.staking;
        return {
          stake: [...(await s.stakeOf(f.operator.address, ORACLE_SERVICE))],
          config: [...(await s.serviceConfig(ORACLE_SERVICE))],
          module: await s.isModule(ORACLE_SERVICE, f.module.address),
          evidence: await s.evidenceUsed(f.module.address, EVIDENCE),
          credit: await s.creditOf(f.beneficiary.address),
          totals: [await s.totalStaked(), await s.totalCredits()],
          treasury: await s.treasury(),
        };
      },
    };
  });
});
