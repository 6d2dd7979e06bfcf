import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { MIN_ORACLE_STAKE, ORACLE_SERVICE, UNBONDING_DELAY_SECONDS } from "../helpers/constants";
import {
  CALLBACK_GAS,
  deployOracle,
  deployOracleFixture,
  deployRegistryFixture,
  MODEL_FEE_WEI,
  NONE_VERIFICATION,
  OUTPUT,
  sendRequest,
  WEIGHTS_HASH,
  type OracleFixture,
} from "./fixtures";

// The hot-path cache (issue 13): the registry pushes model terms and node sets, OperatorStaking pushes node stakes,
// jail times and the oracle service's configuration, so request and fulfil read the oracle's own storage. A model or
// node never pushed, or pushed while its source no longer listened, is read from the source: the cache may be
// missing, never stale. Every test checks the behaviour an integrator sees (quotes, assignment, who may fulfil).

async function unbondAll(f: OracleFixture, signer: typeof f.nodeA) {
  const free = await f.staking.freeStake(signer.address, ORACLE_SERVICE);
  await f.staking.connect(signer).requestUnbond(ORACLE_SERVICE, free);
}

/** The registry and staking contract without any listener, and an oracle nobody pushes into. */
async function unwiredFixture() {
  const base = await deployRegistryFixture();
  const oracle = await deployOracle(
    base.admin.address,
    await base.registry.getAddress(),
    await base.treasury.getAddress(),
  );
  await base.staking.setModule(ORACLE_SERVICE, await oracle.getAddress(), true);
  const consumer = await (await ethers.getContractFactory("StoringConsumer")).deploy();
  const reg = base.registry.connect(base.modelOwner);
  await reg.registerModel(WEIGHTS_HASH, "ipfs://none", MODEL_FEE_WEI, NONE_VERIFICATION);
  await reg.addNode(1, base.nodeA.address);
  return { ...base, oracle, consumer };
}

describe("AIOracle hot-path cache", function () {
  it("wires through the registry and the staking contract, with events", async function () {
    const f = await loadFixture(unwiredFixture);
    const oracle = await f.oracle.getAddress();
    await expect(f.registry.setOracle(oracle)).to.emit(f.registry, "OracleSet").withArgs(oracle);
    await expect(f.staking.setStatusListener(ORACLE_SERVICE, oracle))
      .to.emit(f.staking, "StatusListenerSet")
      .withArgs(ORACLE_SERVICE, oracle);
    expect(await f.registry.oracle()).to.equal(oracle);
    expect(await f.staking.statusListener(ORACLE_SERVICE)).to.equal(oracle);
    // Nothing pushed yet for model 1 or nodeA: everything still comes from the sources.
    const r = await sendRequest(f as unknown as OracleFixture, 1);
    expect(r.terms.nodes).to.deep.equal([f.nodeA.address]);
    await f.registry.pushModel(1);
    await f.staking.pushStatus(f.nodeA.address, ORACLE_SERVICE);
    const s = await sendRequest(f as unknown as OracleFixture, 1);
    expect(s.terms.nodes).to.deep.equal([f.nodeA.address]);
    expect(s.terms.modelFeeWei).to.equal(MODEL_FEE_WEI);
    await f.oracle.connect(f.nodeA).fulfil(s.id, s.request, OUTPUT, 0);
    expect(await f.oracle.servedCount(f.nodeA.address)).to.equal(1n);
    await expect(f.registry.pushModel(99))
      .to.be.revertedWithCustomError(f.registry, "ModelRegistryUnknownModel")
      .withArgs(99);
  });

  it("serves an unwired oracle from the registry and the staking contract (no listener: pushes are no-ops)", async function () {
    const f = await loadFixture(unwiredFixture);
    await f.registry.pushModel(1);
    await f.staking.pushStatus(f.nodeA.address, ORACLE_SERVICE);
    const r = await sendRequest(f as unknown as OracleFixture, 1);
    await f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0);
    await unbondAll(f as unknown as OracleFixture, f.nodeA);
    await expect(f.oracle.quote(1, CALLBACK_GAS))
      .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEnoughActiveNodes")
      .withArgs(1, 0, 1);
  });

  it("follows the registry: fee, revenue receiver, verification, pause and node set changes", async function () {
    const f = await loadFixture(deployOracleFixture);
    const reg = f.registry.connect(f.modelOwner);
    const before = await f.oracle.quote(1, CALLBACK_GAS);
    await reg.setFee(1, MODEL_FEE_WEI * 2n);
    expect(await f.oracle.quote(1, CALLBACK_GAS)).to.be.greaterThan(before);
    await reg.setRevenueReceiver(1, f.stranger.address);
    expect((await sendRequest(f, 1)).terms.revenueReceiver).to.equal(f.stranger.address);
    await f.registry.connect(f.revenueManager).lockRevenueReceiver(1, f.challenger.address);
    expect((await sendRequest(f, 1)).terms.revenueReceiver).to.equal(f.challenger.address);
    await reg.setModelActive(1, false);
    await expect(f.oracle.quote(1, CALLBACK_GAS))
      .to.be.revertedWithCustomError(f.registry, "ModelRegistryModelInactive")
      .withArgs(1);
    await reg.setModelActive(1, true);
    await reg.setVerification(1, { mode: 1, quorumK: 1, quorumN: 2, challengeWindowSeconds: 0, bondWei: 0 });
    await expect(f.oracle.quote(1, CALLBACK_GAS))
      .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEnoughNodes")
      .withArgs(1, 1, 2);
    await reg.addNode(1, f.nodeB.address);
    const q = await sendRequest(f, 1);
    expect(q.terms.mode).to.equal(1);
    expect([...q.terms.nodes].sort()).to.deep.equal([f.nodeA.address, f.nodeB.address].sort());
    await reg.removeNode(1, f.nodeA.address);
    await expect(f.oracle.quote(1, CALLBACK_GAS))
      .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEnoughNodes")
      .withArgs(1, 1, 2);
  });

  it("follows the staking contract: unbonding, slashing below the minimum, jail and its expiry, unjail", async function () {
    const f = await loadFixture(deployOracleFixture);
    const reg = f.registry.connect(f.modelOwner);
    await reg.addNode(1, f.nodeB.address);
    // Jailed nodeA: never assigned, and cannot fulfil what it was assigned before.
    const r = await sendRequest(f, 1, {});
    const assigned = r.terms.nodes[0] === f.nodeA.address ? f.nodeA : f.nodeB;
    const until = BigInt(await time.latest()) + 1000n;
    await f.staking.jail(assigned.address, ORACLE_SERVICE, until);
    await expect(f.oracle.connect(assigned).fulfil(r.id, r.request, OUTPUT, 0))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleNotActiveOperator")
      .withArgs(r.id, assigned.address);
    for (let i = 0; i < 3; i++) expect((await sendRequest(f, 1)).terms.nodes).to.not.include(assigned.address);
    // The jail expires by itself (the cache holds the jail time, not a flag).
    await time.increaseTo(until + 1n);
    await f.oracle.connect(assigned).fulfil(r.id, r.request, OUTPUT, 0);
    await f.staking.jail(assigned.address, ORACLE_SERVICE, BigInt(await time.latest()) + 1000n);
    await f.staking.unjail(assigned.address, ORACLE_SERVICE);
    const s = await sendRequest(f, 1);
    const t = await sendRequest(f, 1);
    expect([s.terms.nodes[0], t.terms.nodes[0]]).to.include(assigned.address);
    // Unbonded nodeB: never assigned again.
    await unbondAll(f, f.nodeB);
    for (let i = 0; i < 3; i++) expect((await sendRequest(f, 1)).terms.nodes).to.deep.equal([f.nodeA.address]);
    await time.increase(UNBONDING_DELAY_SECONDS);
    await f.staking.connect(f.nodeB).withdraw(ORACLE_SERVICE);
    expect((await sendRequest(f, 1)).terms.nodes).to.deep.equal([f.nodeA.address]);
  });

  it("follows the oracle service's configuration: a higher minimum or a disabled service deactivates nodes", async function () {
    const f = await loadFixture(deployOracleFixture);
    const delay = (await f.staking.serviceConfig(ORACLE_SERVICE)).unbondingDelaySeconds;
    await f.staking.setService(ORACLE_SERVICE, MIN_ORACLE_STAKE * 3n, delay, true);
    await expect(f.oracle.quote(1, CALLBACK_GAS))
      .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEnoughActiveNodes")
      .withArgs(1, 0, 1);
    await f.staking.setService(ORACLE_SERVICE, MIN_ORACLE_STAKE, delay, false);
    await expect(f.oracle.quote(1, CALLBACK_GAS))
      .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEnoughActiveNodes")
      .withArgs(1, 0, 1);
    await f.staking.setService(ORACLE_SERVICE, MIN_ORACLE_STAKE, delay, true);
    expect((await sendRequest(f, 1)).terms.nodes).to.deep.equal([f.nodeA.address]);
  });

  it("never trusts what it cached once a source stops listening, even after it listens again", async function () {
    const f = await loadFixture(deployOracleFixture);
    const oracle = await f.oracle.getAddress();
    // Staking moves its pushes elsewhere; nodeA then unbonds: this oracle is not told, and must ask staking.
    await f.staking.setStatusListener(ORACLE_SERVICE, ethers.ZeroAddress);
    const r = await sendRequest(f, 1);
    await unbondAll(f, f.nodeA);
    await expect(f.oracle.connect(f.nodeA).fulfil(r.id, r.request, OUTPUT, 0))
      .to.be.revertedWithCustomError(f.oracle, "AIOracleNotActiveOperator")
      .withArgs(r.id, f.nodeA.address);
    // Listening again: nodeA's old entry (active) is from a past epoch and is ignored until pushed.
    await f.staking.setStatusListener(ORACLE_SERVICE, oracle);
    await expect(f.oracle.quote(1, CALLBACK_GAS))
      .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEnoughActiveNodes")
      .withArgs(1, 0, 1);
    await f.staking.connect(f.nodeA).stake(ORACLE_SERVICE, { value: MIN_ORACLE_STAKE });
    expect((await sendRequest(f, 1)).terms.nodes).to.deep.equal([f.nodeA.address]);

    // The registry moves its pushes elsewhere; the fee then changes: this oracle asks the registry.
    await f.registry.setOracle(ethers.ZeroAddress);
    await f.registry.connect(f.modelOwner).setFee(1, 1n);
    expect((await sendRequest(f, 1)).terms.modelFeeWei).to.equal(1n);
    // Listening again: model 1's cached fee is from a past epoch, so the registry still answers until pushed.
    await f.registry.setOracle(oracle);
    expect((await sendRequest(f, 1)).terms.modelFeeWei).to.equal(1n);
    await f.registry.pushModel(1);
    expect((await sendRequest(f, 1)).terms.modelFeeWei).to.equal(1n);
  });
});
