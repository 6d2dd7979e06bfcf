import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { MIN_ORACLE_STAKE, ORACLE_SERVICE, UNBONDING_DELAY_SECONDS } from "../helpers/constants";
import {
  BOND_WEI,
  CONFIG,
  deployOracleFixture,
  OUTPUT,
  sendRequest,
  STATE_REFUNDED,
  type OracleFixture,
} from "../oracle/fixtures";

/**
 * Issue 12, item 1: a node that unbonded its whole stake stayed in the model's node set, kept being assigned
 * (`requestTerms` never checked the stake), kept fulfilling (`_checkFulfil` checked assignment only) and kept earning;
 * a Quorum dissent slash then found nothing. On the code before the fix, the request below was assigned to the
 * unstaked node and its `fulfil` credited it the node fee.
 */
const WRONG = ethers.id("a wrong answer");
const STAKE = MIN_ORACLE_STAKE * 2n;
const TIMEOUT = Number(CONFIG.requestTimeoutSeconds);

async function unbondAll(f: OracleFixture, node: { address: string }) {
  const signer = [f.nodeA, f.nodeB, f.nodeC, f.nodeD].find((s) => s.address === node.address)!;
  const free = await f.staking.freeStake(node.address, ORACLE_SERVICE);
  await f.staking.connect(signer).requestUnbond(ORACLE_SERVICE, free);
  return free;
}

describe("security: an unstaked node keeps serving (issue 12, item 1)", function () {
  it("never assigns a node that unbonded and withdrew its stake, and says so when no node is active", async function () {
    const f = await loadFixture(deployOracleFixture);
    await unbondAll(f, f.nodeA);
    await time.increase(UNBONDING_DELAY_SECONDS);
    await f.staking.connect(f.nodeA).withdraw(ORACLE_SERVICE);
    // nodeA is still in model 1's node set (nobody pruned it) ...
    expect(await f.registry.nodesOf(1)).to.deep.equal([f.nodeA.address]);
    // ... but it is no longer assigned: the attack request cannot be created at all.
    await expect(f.oracle.quote(1, 100_000))
      .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEnoughActiveNodes")
      .withArgs(1, 0, 1);
    await expect(sendRequest(f, 1))
      .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEnoughActiveNodes")
      .withArgs(1, 0, 1);
  });

  it("skips inactive nodes when assigning, whatever the seed", async function () {
    const f = await loadFixture(deployOracleFixture);
    await f.registry.connect(f.modelOwner).addNode(1, f.nodeB.address);
    await unbondAll(f, f.nodeA);
    for (let i = 0; i < 4; ++i) {
      const r = await sendRequest(f, 1);
      expect(r.request.nodes).to.deep.equal([f.nodeB.address]);
    }
    // A jailed node is skipped too.
    await f.staking.jail(f.nodeB.address, ORACLE_SERVICE, (await time.latest()) + 3600);
    await expect(sendRequest(f, 1))
      .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEnoughActiveNodes")
      .withArgs(1, 0, 1);
  });

  it("needs quorumN active nodes for a Quorum request", async function () {
    const f = await loadFixture(deployOracleFixture);
    await f.registry.connect(f.modelOwner).addNode(2, f.nodeD.address);
    await unbondAll(f, f.nodeC);
    const r = await sendRequest(f, 2);
    expect(r.request.nodes).to.have.length(3);
    expect(r.request.nodes).to.not.include(f.nodeC.address);
    await unbondAll(f, f.nodeD);
    await expect(sendRequest(f, 2))
      .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEnoughActiveNodes")
      .withArgs(2, 2, 3);
  });

  it("refuses the answer of an assigned node that unbonded after the request, and earns it nothing", async function () {
    const f = await loadFixture(deployOracleFixture);
    const r = await sendRequest(f, 1);
    expect(r.request.nodes).to.deep.equal([f.nodeA.address]);
    await unbondAll(f, f.nodeA);
    expect(await f.oracle.canFulfil(r.id, r.request, f.nodeA.address)).to.equal(false);
    await expect(f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleNotActiveOperator")
      .withArgs(r.id, f.nodeA.address);
    await expect(f.oracle.connect(f.nodeA).fulfilBatch([r.id], [r.request], [OUTPUT], [0]))
      .to.emit(f.oracle, "FulfilmentSkipped")
      .withArgs(r.id, f.nodeA.address, f.oracle.interface.getError("AIOracleNotActiveOperator")!.selector);
    expect(await f.oracle.creditOf(f.nodeA.address)).to.equal(0n);
    // The requester gets everything back after the deadline.
    await time.increase(TIMEOUT + 1);
    await expect(f.oracle.refund(r.id, r.request)).to.emit(f.oracle, "RequestRefunded");
    expect((await f.oracle.requestState(r.id))[0]).to.equal(STATE_REFUNDED);
  });

  it("refuses a Quorum vote from an assigned node that was jailed after the request", async function () {
    const f = await loadFixture(deployOracleFixture);
    const r = await sendRequest(f, 2);
    await f.staking.jail(f.nodeB.address, ORACLE_SERVICE, (await time.latest()) + 3600);
    await expect(f.oracle.connect(f.nodeB).fulfil(r.id, r.request, OUTPUT, 0))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleNotActiveOperator")
      .withArgs(r.id, f.nodeB.address);
  });

  it("slashes in full a Quorum dissenter that unbonds right after voting", async function () {
    const f = await loadFixture(deployOracleFixture);
    const r = await sendRequest(f, 2);
    await f.oracle.connect(f.nodeC).fulfil(r.id, r.request, WRONG, 0);
    await unbondAll(f, f.nodeC);
    // It cannot withdraw before the quorum completes (the delay exceeds the oracle's slashing horizon) ...
    await expect(f.staking.connect(f.nodeC).withdraw(ORACLE_SERVICE)).to.be.revertedWithCustomError(
      f.staking,
      "StakingUnbondingNotReleased",
    );
    await f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0);
    await expect(f.oracle.connect(f.nodeB).fulfil(r.id, r.request, OUTPUT, 0))
      .to.emit(f.oracle, "NodeSlashed")
      .withArgs(f.nodeC.address, r.id, CONFIG.dissentSlashWei);
    // ... so the whole dissent slash came out of its unbonding stake.
    const st = await f.staking.stakeOf(f.nodeC.address, ORACLE_SERVICE);
    expect(st.activeWei).to.equal(0n);
    expect(st.unbondingWei).to.equal(STAKE - BigInt(CONFIG.dissentSlashWei));
  });

  it("slashes in full an Optimistic proposer that unbonds its free stake right after answering", async function () {
    const f = await loadFixture(deployOracleFixture);
    const r = await sendRequest(f, 3);
    await f.oracle.connect(f.nodeA).fulfil(r.id, r.request, WRONG, 0);
    // All it can: its free stake down to the service minimum (the bond itself is locked).
    expect(await f.staking.freeStake(f.nodeA.address, ORACLE_SERVICE)).to.equal(STAKE - BOND_WEI);
    await f.staking.connect(f.nodeA).requestUnbond(ORACLE_SERVICE, STAKE - MIN_ORACLE_STAKE);
    await f.oracle.connect(f.challenger).challenge(r.id, r.request, { value: BOND_WEI });
    // Wait as long as possible: the challenge is resolved at the very end of its resolution time.
    const p = await f.oracle.proposalOf(r.id);
    await time.setNextBlockTimestamp(p.resolveBy);
    await expect(f.oracle.resolveChallenge(r.id, r.request, false))
      .to.emit(f.oracle, "NodeSlashed")
      .withArgs(f.nodeA.address, r.id, BOND_WEI);
    await expect(f.staking.connect(f.nodeA).withdraw(ORACLE_SERVICE)).to.be.revertedWithCustomError(
      f.staking,
      "StakingUnbondingNotReleased",
    );
  });

  describe("the unbonding delay provably outlasts every slashable answer (enforced both ways)", function () {
    it("reports the oracle's slashing horizon", async function () {
      const f = await loadFixture(deployOracleFixture);
      const maxWindow = await f.registry.MAX_CHALLENGE_WINDOW_SECONDS();
      expect(await f.oracle.slashingHorizonSeconds()).to.equal(
        BigInt(CONFIG.requestTimeoutSeconds) + maxWindow + BigInt(CONFIG.challengeResolutionSeconds),
      );
      expect(await f.staking.requiredUnbondingDelay(ORACLE_SERVICE)).to.equal(await f.oracle.slashingHorizonSeconds());
      expect(await f.staking.modulesOf(ORACLE_SERVICE)).to.deep.equal([await f.oracle.getAddress()]);
    });

    it("staking refuses an oracle-service delay that does not exceed the oracle's horizon", async function () {
      const f = await loadFixture(deployOracleFixture);
      const horizon = await f.oracle.slashingHorizonSeconds();
      const oracle = await f.oracle.getAddress();
      for (const delay of [0n, 60n, horizon]) {
        await expect(f.staking.setService(ORACLE_SERVICE, MIN_ORACLE_STAKE, delay, true))
          .to.be.revertedWithCustomError(f.staking, "StakingUnbondingTooShort")
          .withArgs(ORACLE_SERVICE, oracle, delay, horizon);
      }
      await expect(f.staking.setService(ORACLE_SERVICE, MIN_ORACLE_STAKE, horizon + 1n, true))
        .to.emit(f.staking, "ServiceSet")
        .withArgs(ORACLE_SERVICE, MIN_ORACLE_STAKE, horizon + 1n, true);
    });

    it("staking refuses the oracle as a module while the delay is too short, and forgets it once removed", async function () {
      const f = await loadFixture(deployOracleFixture);
      const oracle = await f.oracle.getAddress();
      const horizon = await f.oracle.slashingHorizonSeconds();
      await expect(f.staking.setModule(ORACLE_SERVICE, oracle, false))
        .to.emit(f.staking, "ModuleSet")
        .withArgs(ORACLE_SERVICE, oracle, false);
      expect(await f.staking.modulesOf(ORACLE_SERVICE)).to.deep.equal([]);
      expect(await f.staking.requiredUnbondingDelay(ORACLE_SERVICE)).to.equal(0n);
      await f.staking.setService(ORACLE_SERVICE, MIN_ORACLE_STAKE, 60, true);
      await expect(f.staking.setModule(ORACLE_SERVICE, oracle, true))
        .to.be.revertedWithCustomError(f.staking, "StakingUnbondingTooShort")
        .withArgs(ORACLE_SERVICE, oracle, 60, horizon);
      // An EOA module or a contract without the hook has no horizon.
      await expect(f.staking.setModule(ORACLE_SERVICE, f.stranger.address, true)).to.emit(f.staking, "ModuleSet");
      await expect(f.staking.setModule(ORACLE_SERVICE, await f.registry.getAddress(), true)).to.emit(
        f.staking,
        "ModuleSet",
      );
      expect(await f.staking.requiredUnbondingDelay(ORACLE_SERVICE)).to.equal(0n);
    });

    it("the oracle refuses a config whose horizon reaches the unbonding delay, but not before it is a module", async function () {
      const f = await loadFixture(deployOracleFixture);
      const maxWindow = await f.registry.MAX_CHALLENGE_WINDOW_SECONDS();
      const tooSlow = { ...CONFIG, challengeResolutionSeconds: UNBONDING_DELAY_SECONDS };
      const horizon = BigInt(CONFIG.requestTimeoutSeconds) + maxWindow + BigInt(UNBONDING_DELAY_SECONDS);
      await expect(f.oracle.setConfig(tooSlow))
        .to.be.revertedWithCustomError(f.oracle, "AIOracleHorizonNotBelowUnbonding")
        .withArgs(horizon, UNBONDING_DELAY_SECONDS);
      const justBelow = Number(BigInt(UNBONDING_DELAY_SECONDS) - 1n - maxWindow - BigInt(CONFIG.requestTimeoutSeconds));
      await expect(f.oracle.setConfig({ ...CONFIG, challengeResolutionSeconds: justBelow })).to.emit(
        f.oracle,
        "ConfigSet",
      );
      expect(await f.oracle.slashingHorizonSeconds()).to.equal(BigInt(UNBONDING_DELAY_SECONDS) - 1n);
      // Not a module: nothing to protect yet, and adding it later is checked by OperatorStaking.
      await f.staking.setModule(ORACLE_SERVICE, await f.oracle.getAddress(), false);
      await expect(f.oracle.setConfig(tooSlow)).to.emit(f.oracle, "ConfigSet");
      await expect(f.staking.setModule(ORACLE_SERVICE, await f.oracle.getAddress(), true))
        .to.be.revertedWithCustomError(f.staking, "StakingUnbondingTooShort")
        .withArgs(ORACLE_SERVICE, await f.oracle.getAddress(), UNBONDING_DELAY_SECONDS, horizon);
    });
  });
});
