import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { AxonUpgradeableInitHarness } from "../../typechain-types";
import { deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS, PAUSER_ROLE, UPGRADER_ROLE } from "../helpers/constants";

describe("AxonUpgradeable", function () {
  async function harnessFixture() {
    const [admin, stranger] = await ethers.getSigners();
    const harness = await deployProxy<AxonUpgradeableInitHarness>("AxonUpgradeableInitHarness", [
      admin.address,
      ADMIN_DELAY_SECONDS,
    ]);
    return { harness, admin, stranger };
  }

  it("refuses the base initializer once initialisation is over, so no role can be granted through it", async function () {
    const { harness, stranger } = await loadFixture(harnessFixture);
    await expect(
      harness.connect(stranger).initBaseAgain(stranger.address, ADMIN_DELAY_SECONDS),
    ).to.be.revertedWithCustomError(harness, "NotInitializing");
    for (const r of [PAUSER_ROLE, UPGRADER_ROLE]) {
      expect(await harness.hasRole(r, stranger.address)).to.equal(false);
    }
  });
});
