import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseContract, Signer } from "ethers";
import { ADMIN_DELAY_SECONDS, DEFAULT_ADMIN_ROLE, PAUSER_ROLE, UPGRADER_ROLE } from "../helpers/constants";

/** What the shared AxonUpgradeable behaviour needs from a concrete contract's fixture. */
export interface AxonUpgradeableSubject {
  /** The proxy, connected to the admin. */
  contract: BaseContract;
  admin: Signer;
  stranger: Signer;
  /** A V2 mock in contracts/mocks/ with the same storage and a `version()` returning 2. */
  v2Name: string;
  /** Arguments of `initialize` (used to prove it cannot run twice nor on the implementation). */
  initArgs: unknown[];
  /** Reads the state that an upgrade must preserve. */
  snapshot: (contract: BaseContract) => Promise<unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** Initialisation, pausing, delayed default-admin transfer and UUPS upgrades, shared by every AxonUpgradeable. */
export function shouldBehaveLikeAxonUpgradeable(name: string, fixture: () => Promise<AxonUpgradeableSubject>): void {
  describe(`${name} as AxonUpgradeable`, function () {
    describe("initialisation", function () {
      it("refuses a second initialize on the proxy", async function () {
        const { contract, initArgs } = await fixture();
        await expect((contract as Any).initialize(...initArgs)).to.be.revertedWithCustomError(
          contract,
          "InvalidInitialization",
        );
      });

      it("refuses initialize on the implementation", async function () {
        const { contract, initArgs } = await fixture();
        const impl = await upgrades.erc1967.getImplementationAddress(await contract.getAddress());
        const implementation = contract.attach(impl) as Any;
        await expect(implementation.initialize(...initArgs)).to.be.revertedWithCustomError(
          contract,
          "InvalidInitialization",
        );
      });

      it("grants the admin the default admin, pauser and upgrader roles", async function () {
        const { contract, admin } = await fixture();
        const c = contract as Any;
        expect(await c.defaultAdmin()).to.equal(await admin.getAddress());
        expect(await c.defaultAdminDelay()).to.equal(ADMIN_DELAY_SECONDS);
        for (const r of [DEFAULT_ADMIN_ROLE, PAUSER_ROLE, UPGRADER_ROLE]) {
          expect(await c.hasRole(r, await admin.getAddress())).to.equal(true);
        }
      });
    });

    describe("pausing", function () {
      it("lets the pauser pause and unpause, with events", async function () {
        const { contract, admin } = await fixture();
        const c = contract as Any;
        await expect(c.pause())
          .to.emit(contract, "Paused")
          .withArgs(await admin.getAddress());
        expect(await c.paused()).to.equal(true);
        await expect(c.pause()).to.be.revertedWithCustomError(contract, "EnforcedPause");
        await expect(c.unpause())
          .to.emit(contract, "Unpaused")
          .withArgs(await admin.getAddress());
        expect(await c.paused()).to.equal(false);
        await expect(c.unpause()).to.be.revertedWithCustomError(contract, "ExpectedPause");
      });

      it("refuses pause and unpause from a non-pauser", async function () {
        const { contract, stranger } = await fixture();
        const c = contract.connect(stranger) as Any;
        const who = await stranger.getAddress();
        await expect(c.pause())
          .to.be.revertedWithCustomError(contract, "AccessControlUnauthorizedAccount")
          .withArgs(who, PAUSER_ROLE);
        await expect(c.unpause())
          .to.be.revertedWithCustomError(contract, "AccessControlUnauthorizedAccount")
          .withArgs(who, PAUSER_ROLE);
      });
    });

    describe("default admin transfer", function () {
      it("hands the default admin over only after the delay (refused at T-1 and T, accepted at T+1)", async function () {
        const { contract, admin, stranger } = await fixture();
        const c = contract as Any;
        const next = await stranger.getAddress();
        const tx = await c.beginDefaultAdminTransfer(next);
        const schedule = BigInt(await time.latest()) + BigInt(ADMIN_DELAY_SECONDS);
        await expect(tx).to.emit(contract, "DefaultAdminTransferScheduled").withArgs(next, schedule);
        const [pending, pendingSchedule] = await c.pendingDefaultAdmin();
        expect(pending).to.equal(next);
        expect(pendingSchedule).to.equal(schedule);

        const accept = () => (contract.connect(stranger) as Any).acceptDefaultAdminTransfer();
        await time.setNextBlockTimestamp(schedule - 1n);
        await expect(accept())
          .to.be.revertedWithCustomError(contract, "AccessControlEnforcedDefaultAdminDelay")
          .withArgs(schedule);
        await time.setNextBlockTimestamp(schedule);
        await expect(accept())
          .to.be.revertedWithCustomError(contract, "AccessControlEnforcedDefaultAdminDelay")
          .withArgs(schedule);
        await time.setNextBlockTimestamp(schedule + 1n);
        await expect(accept())
          .to.emit(contract, "RoleRevoked")
          .withArgs(DEFAULT_ADMIN_ROLE, await admin.getAddress(), next)
          .and.to.emit(contract, "RoleGranted")
          .withArgs(DEFAULT_ADMIN_ROLE, next, next);
        expect(await c.defaultAdmin()).to.equal(next);
        expect(await c.hasRole(DEFAULT_ADMIN_ROLE, await admin.getAddress())).to.equal(false);
      });

      it("refuses acceptance by anyone but the pending admin", async function () {
        const { contract, admin, stranger } = await fixture();
        await (contract as Any).beginDefaultAdminTransfer(await stranger.getAddress());
        await time.increase(ADMIN_DELAY_SECONDS + 1);
        await expect((contract as Any).acceptDefaultAdminTransfer())
          .to.be.revertedWithCustomError(contract, "AccessControlInvalidDefaultAdmin")
          .withArgs(await admin.getAddress());
      });

      it("cancels a pending transfer", async function () {
        const { contract, stranger } = await fixture();
        const c = contract as Any;
        await c.beginDefaultAdminTransfer(await stranger.getAddress());
        await expect(c.cancelDefaultAdminTransfer()).to.emit(contract, "DefaultAdminTransferCanceled");
        await time.increase(ADMIN_DELAY_SECONDS + 1);
        await expect((contract.connect(stranger) as Any).acceptDefaultAdminTransfer())
          .to.be.revertedWithCustomError(contract, "AccessControlInvalidDefaultAdmin")
          .withArgs(await stranger.getAddress());
      });

      it("never grants the default admin role directly", async function () {
        const { contract, stranger } = await fixture();
        await expect(
          (contract as Any).grantRole(DEFAULT_ADMIN_ROLE, await stranger.getAddress()),
        ).to.be.revertedWithCustomError(contract, "AccessControlEnforcedDefaultAdminRules");
      });
    });

    describe("upgrades", function () {
      it("has a storage layout that upgrades safely to the V2 mock", async function () {
        const { contract, v2Name } = await fixture();
        const v2 = await ethers.getContractFactory(v2Name);
        await upgrades.validateUpgrade(await contract.getAddress(), v2, { kind: "uups" });
      });

      it("upgrades to the V2 mock and preserves state", async function () {
        const { contract, v2Name, snapshot } = await fixture();
        const before = await snapshot(contract);
        const v2 = await ethers.getContractFactory(v2Name);
        const upgraded = (await upgrades.upgradeProxy(await contract.getAddress(), v2, { kind: "uups" })) as Any;
        expect(await upgraded.version()).to.equal(2n);
        expect(await snapshot(upgraded)).to.deep.equal(before);
      });

      it("refuses an upgrade from a non-upgrader", async function () {
        const { contract, stranger, v2Name } = await fixture();
        const impl = await (await ethers.getContractFactory(v2Name)).deploy();
        await expect((contract.connect(stranger) as Any).upgradeToAndCall(await impl.getAddress(), "0x"))
          .to.be.revertedWithCustomError(contract, "AccessControlUnauthorizedAccount")
          .withArgs(await stranger.getAddress(), UPGRADER_ROLE);
      });

      it("emits Upgraded when the upgrader upgrades", async function () {
        const { contract, v2Name } = await fixture();
        const impl = await (await ethers.getContractFactory(v2Name)).deploy();
        await expect((contract as Any).upgradeToAndCall(await impl.getAddress(), "0x"))
          .to.emit(contract, "Upgraded")
          .withArgs(await impl.getAddress());
      });
    });
  });
}
