import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { COMPUTE_SERVICE, ORACLE_SERVICE } from "../helpers/constants";
import { deployComputeFixture, PROVIDER_STAKE } from "../compute/fixture";

// Attack: a contract that is a module of one service (here an oracle-service module, e.g. a buggy or malicious
// AIOracle upgrade) slashes, locks, unlocks or jails an operator's stake in another service (compute), or replays a
// piece of evidence another module already used. Defence (no exploit): every module call is checked against
// `modules[service][msg.sender]` for the service it touches, and evidence is single-use per module, so a module
// can only reach the service it was granted on, and one fault is slashed once by the module that saw it.
describe("Security: slashing through a module of another service", function () {
  async function fixture() {
    const f = await deployComputeFixture();
    const [oracleModule] = f.others.slice(8);
    await f.staking.setModule(ORACLE_SERVICE, oracleModule.address, true);
    return { ...f, oracleModule };
  }

  it("refuses slash, lock, unlock and jail on the compute service from an oracle-service module", async function () {
    const f = await loadFixture(fixture);
    const m = f.staking.connect(f.oracleModule);
    const evidence = ethers.id("fabricated");
    const op = f.provider.address;
    const notModule = (tx: Promise<unknown>) =>
      expect(tx)
        .to.be.revertedWithCustomError(f.staking, "StakingNotModule")
        .withArgs(COMPUTE_SERVICE, f.oracleModule.address);
    await notModule(m.slash(op, COMPUTE_SERVICE, PROVIDER_STAKE, f.oracleModule.address, PROVIDER_STAKE, evidence));
    await notModule(m.lock(op, COMPUTE_SERVICE, PROVIDER_STAKE));
    await notModule(m.unlock(op, COMPUTE_SERVICE, 1n));
    await notModule(m.jail(op, COMPUTE_SERVICE, 4_000_000_000n));
    const st = await f.staking.stakeOf(op, COMPUTE_SERVICE);
    expect([st.activeWei, st.lockedWei, st.jailedUntil]).to.deep.equal([PROVIDER_STAKE, 0n, 0n]);
  });

  it("lets a module of the service slash one piece of evidence once", async function () {
    const f = await loadFixture(fixture);
    const [computeModule] = f.others.slice(9);
    await f.staking.setModule(COMPUTE_SERVICE, computeModule.address, true);
    const m = f.staking.connect(computeModule);
    const evidence = ethers.id("job 7 missed its start");
    const op = f.provider.address;
    const oneEth = ethers.parseEther("1");
    await expect(m.slash(op, COMPUTE_SERVICE, oneEth, computeModule.address, 0n, evidence))
      .to.emit(f.staking, "Slashed")
      .withArgs(op, COMPUTE_SERVICE, computeModule.address, oneEth, computeModule.address, 0n, evidence);
    await expect(m.slash(op, COMPUTE_SERVICE, oneEth, computeModule.address, 0n, evidence))
      .to.be.revertedWithCustomError(f.staking, "StakingEvidenceUsed")
      .withArgs(computeModule.address, evidence);
    expect((await f.staking.stakeOf(op, COMPUTE_SERVICE)).activeWei).to.equal(PROVIDER_STAKE - oneEth);
  });
});
