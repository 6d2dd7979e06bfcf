import { expect } from "chai";
import { rmSync } from "node:fs";
import hre, { ethers } from "hardhat";
import { deployAxon } from "../../deploy/axon";
import { tmpDeploymentsDir } from "../deploy/helpers";

// Attack: the operator rotates ComputeEscrow's arbiter (a compromised or retired key) by re-running the deployment
// with a new `computeArbiter`. Before the fix the re-run only granted the new arbiter: the old key kept ARBITER_ROLE
// and could still rule every dispute (refund + slash an honest provider, or pay a cheating one). Defence: the re-run
// revokes the role from every earlier holder it finds in the escrow's RoleGranted logs.
describe("Security: rotating the compute arbiter by re-running the deployment", function () {
  const saved = process.env.AXON_DEPLOYMENTS_DIR;
  let dir: string;
  before(function () {
    dir = tmpDeploymentsDir();
    process.env.AXON_DEPLOYMENTS_DIR = dir;
  });
  after(function () {
    if (saved === undefined) delete process.env.AXON_DEPLOYMENTS_DIR;
    else process.env.AXON_DEPLOYMENTS_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("revokes the old arbiter, which can no longer rule", async function () {
    const [deployer, oldArbiter, newArbiter] = await ethers.getSigners();
    const first = await deployAxon(hre, { computeArbiter: oldArbiter.address });
    const role = await first.escrow.ARBITER_ROLE();
    expect(await first.escrow.hasRole(role, oldArbiter.address)).to.equal(true);
    expect(await first.escrow.hasRole(role, deployer.address)).to.equal(false);

    const second = await deployAxon(hre, { computeArbiter: newArbiter.address });
    expect(second.transactions).to.equal(2); // grant the new arbiter, revoke the old one
    await expect(second.escrow.connect(oldArbiter).resolveDispute(1, false))
      .to.be.revertedWithCustomError(second.escrow, "AccessControlUnauthorizedAccount")
      .withArgs(oldArbiter.address, role);
    expect(await second.escrow.hasRole(role, newArbiter.address)).to.equal(true);

    const third = await deployAxon(hre, { computeArbiter: newArbiter.address });
    expect(third.transactions).to.equal(0);
  });
});
