import { expect } from "chai";
import hre, { ethers, network } from "hardhat";
import { PreflightError, preflight } from "../../deploy/preflight";

describe("deployment preflight", function () {
  it("returns the deployer and its balance on a usable network", async function () {
    const [deployer] = await ethers.getSigners();
    const result = await preflight(hre);
    expect(result.deployer).to.equal(deployer.address);
    expect(result.balanceWei).to.equal(await ethers.provider.getBalance(deployer.address));
  });

  it("refuses a deployer without ETH for gas, naming it", async function () {
    const [deployer] = await ethers.getSigners();
    const balance = await ethers.provider.getBalance(deployer.address);
    await network.provider.send("hardhat_setBalance", [deployer.address, "0x0"]);
    try {
      await expect(preflight(hre)).to.be.rejectedWith(
        PreflightError,
        `the deployer ${deployer.address} has no ETH on --network hardhat to pay for gas`,
      );
    } finally {
      await network.provider.send("hardhat_setBalance", [deployer.address, ethers.toQuantity(balance)]);
    }
  });
});
