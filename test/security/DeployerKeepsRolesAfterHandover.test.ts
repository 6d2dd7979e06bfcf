import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { rmSync } from "node:fs";
import { deployAxon } from "../../deploy/axon";
import { upgradeAxon } from "../../deploy/upgrades";
import { tmpDeploymentsDir } from "../deploy/helpers";
import { ADMIN_DELAY_SECONDS, PAUSER_ROLE, UPGRADER_ROLE } from "../helpers/constants";

const HANDED_OVER = ["ARBITER_ROLE", "TREASURER_ROLE", "TOKEN_ADMIN_ROLE", "MODEL_MANAGER_ROLE", "UPGRADER_ROLE"];

// Attack: the deployer key (a hot EOA that sent ~40 transactions) is compromised after launch. Without a hand-over
// it holds UPGRADER_ROLE on all nine proxies, and an upgrade takes effect at once: the default-admin delay only
// guards the admin seat, not the roles the admin already granted. Moving the default admin alone does not help:
// the deployer keeps UPGRADER_ROLE and PAUSER_ROLE until it renounces them. Defence: `deployAxon({ owner })` (or
// AXON_OWNER) moves every role to the owner (a TimelockController, so upgrades wait its delay) and PAUSER_ROLE to a
// guardian, the deployer renouncing each, and offers the default admin to the owner.
describe("Security: the deployer keeps its roles after the hand-over", function () {
  it("without an owner, the deployer upgrades any proxy at once (what AXON_OWNER is for)", async function () {
    const [deployer] = await ethers.getSigners();
    const d = await deployAxon(hre, { writeManifest: false });
    const v2 = await ethers.getContractFactory("TreasuryV2Mock");
    expect(await d.treasury.hasRole(UPGRADER_ROLE, deployer.address)).to.equal(true);
    await upgrades.upgradeProxy(await d.treasury.getAddress(), v2, { kind: "uups" });
  });

  it("with an owner, leaves the deployer no role but a pending default admin, then none", async function () {
    const [deployer, owner, guardian] = await ethers.getSigners();
    const d = await deployAxon(hre, { writeManifest: false, owner: owner.address, guardian: guardian.address });
    const proxies = [
      d.treasury,
      d.staking,
      d.registry,
      d.oracle,
      d.offering,
      d.market,
      d.bounties,
      d.escrow,
      d.scoring,
    ];
    for (const c of proxies) {
      const name = await c.getAddress();
      expect(await c.hasRole(PAUSER_ROLE, deployer.address), name).to.equal(false);
      expect(await c.hasRole(PAUSER_ROLE, guardian.address), name).to.equal(true);
      for (const role of HANDED_OVER) expect(await c.hasRole(ethers.id(role), deployer.address), role).to.equal(false);
      expect(await c.hasRole(UPGRADER_ROLE, owner.address), name).to.equal(true);
      expect((await c.pendingDefaultAdmin()).newAdmin).to.equal(owner.address);
    }
    for (const [c, role] of [
      [d.treasury, "TREASURER_ROLE"],
      [d.oracle, "ARBITER_ROLE"],
      [d.offering, "TOKEN_ADMIN_ROLE"],
      [d.escrow, "ARBITER_ROLE"],
      [d.scoring, "MODEL_MANAGER_ROLE"],
    ] as const)
      expect(await c.hasRole(ethers.id(role), owner.address), role).to.equal(true);

    await expect(d.treasury.connect(deployer).upgradeToAndCall(await d.staking.getAddress(), "0x"))
      .to.be.revertedWithCustomError(d.treasury, "AccessControlUnauthorizedAccount")
      .withArgs(deployer.address, UPGRADER_ROLE);
    await expect(d.escrow.connect(deployer).pause())
      .to.be.revertedWithCustomError(d.escrow, "AccessControlUnauthorizedAccount")
      .withArgs(deployer.address, PAUSER_ROLE);

    await time.increase(ADMIN_DELAY_SECONDS + 1);
    for (const c of proxies) await c.connect(owner).acceptDefaultAdminTransfer();
    for (const c of proxies) {
      expect(await c.defaultAdmin()).to.equal(owner.address);
      expect(await c.hasRole(ethers.ZeroHash, deployer.address)).to.equal(false);
    }
  });

  it("after the hand-over, the upgrade script upgrades nothing as the deployer and gives the owner its calldata", async function () {
    const [deployer, owner] = await ethers.getSigners();
    const saved = process.env.AXON_DEPLOYMENTS_DIR;
    const dir = tmpDeploymentsDir();
    process.env.AXON_DEPLOYMENTS_DIR = dir;
    try {
      const d = await deployAxon(hre, { owner: owner.address });
      const proxy = await d.treasury.getAddress();
      const before = await upgrades.erc1967.getImplementationAddress(proxy);
      const [r] = await upgradeAxon(hre, { only: ["Treasury"], implementations: { Treasury: "TreasuryV2Mock" } });
      expect(r.changed).to.equal(true);
      expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(before);
      expect(await d.treasury.hasRole(UPGRADER_ROLE, deployer.address)).to.equal(false);
      await owner.sendTransaction({ to: proxy, data: r.ownerCalldata });
      expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(r.to);
      expect(await (await ethers.getContractAt("TreasuryV2Mock", proxy)).version()).to.equal(2n);
    } finally {
      if (saved === undefined) delete process.env.AXON_DEPLOYMENTS_DIR;
      else process.env.AXON_DEPLOYMENTS_DIR = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
