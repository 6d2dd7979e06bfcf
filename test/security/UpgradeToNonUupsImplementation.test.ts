import { expect } from "chai";
import hre, { ethers } from "hardhat";
import type { BaseContract, Signer } from "ethers";
import { deployAxon, PROXIES } from "../../deploy/axon";
import { UPGRADER_ROLE } from "../helpers/constants";

// Attacks on the upgrade path: (1) an upgrader (or a mistaken upgrade script) points a proxy at a contract that is
// not UUPS, at another proxy, or at an address without code: with no `upgradeToAndCall` left behind the proxy, it
// would be bricked for good. (2) Anyone calls `upgradeToAndCall` or `initialize` directly on an implementation to
// take it over. (3) Anyone front-runs `initialize` on a fresh proxy. Defence (no exploit): OpenZeppelin's UUPS
// checks `proxiableUUID()` of the target (ERC1967InvalidImplementation otherwise), `onlyProxy` refuses calls on the
// implementation, every constructor runs `_disableInitializers()`, and `deployProxy` initialises in the proxy's own
// constructor, so there is no block between deployment and initialisation to front-run.
/** Calls `initialize` on `c` with all-zero arguments of its own signature, as `from`. */
function callInitialize(c: BaseContract, from: Signer) {
  const init = c.interface.getFunction("initialize")!;
  const zeros = new Uint8Array(32 * 16);
  const args = init.inputs.map((p) => ethers.AbiCoder.defaultAbiCoder().decode([p], zeros)[0]);
  return from.sendTransaction({ to: c.target as string, data: c.interface.encodeFunctionData(init, args) });
}

describe("Security: upgrading to a non-UUPS implementation, or taking over an implementation", function () {
  it("refuses a non-UUPS target, another proxy and an address without code, and the proxy keeps working", async function () {
    const [deployer] = await ethers.getSigners();
    const d = await deployAxon(hre, { writeManifest: false });
    const treasury = d.treasury;
    const before = await hre.upgrades.erc1967.getImplementationAddress(await treasury.getAddress());
    const plain = await ethers.deployContract("MockEthUsdAggregator", [8, 1n]);
    for (const target of [await plain.getAddress(), await d.staking.getAddress()]) {
      await expect(treasury.connect(deployer).upgradeToAndCall(target, "0x"))
        .to.be.revertedWithCustomError(treasury, "ERC1967InvalidImplementation")
        .withArgs(target);
    }
    // No code: Solidity's extcodesize check reverts the `try` itself, before OpenZeppelin's catch can name it.
    await expect(
      treasury.connect(deployer).upgradeToAndCall(ethers.Wallet.createRandom().address, "0x"),
    ).to.be.revertedWithoutReason();
    expect(await hre.upgrades.erc1967.getImplementationAddress(await treasury.getAddress())).to.equal(before);
    expect(await treasury.hasRole(UPGRADER_ROLE, deployer.address)).to.equal(true);
  });

  it("refuses initialize and upgradeToAndCall on every deployed implementation", async function () {
    const [, attacker] = await ethers.getSigners();
    const d = await deployAxon(hre, { writeManifest: false });
    for (const name of PROXIES) {
      const entry = d.manifest.contracts[name];
      const impl = await ethers.getContractAt(name, entry.implementation!);
      const uups = await ethers.getContractAt("AxonUpgradeable", entry.implementation!);
      await expect(uups.connect(attacker).upgradeToAndCall(attacker.address, "0x"), name).to.be.revertedWithCustomError(
        impl,
        "UUPSUnauthorizedCallContext",
      );
      await expect(callInitialize(impl, attacker), name).to.be.revertedWithCustomError(impl, "InvalidInitialization");
    }
    const token = await ethers.getContractAt("ModelToken", d.manifest.contracts.ModelTokenImplementation.address);
    await expect(callInitialize(token, attacker)).to.be.revertedWithCustomError(token, "InvalidInitialization");
  });

  it("initialises each proxy in the transaction that creates it (nothing to front-run)", async function () {
    const d = await deployAxon(hre, { writeManifest: false });
    for (const name of PROXIES) {
      const proxy = await ethers.getContractAt("AxonUpgradeable", d.manifest.contracts[name].address);
      const [created] = await proxy.queryFilter(proxy.filters.Upgraded());
      const [initialized] = await proxy.queryFilter(proxy.filters.Initialized());
      expect(initialized.transactionHash, name).to.equal(created.transactionHash);
    }
  });
});
