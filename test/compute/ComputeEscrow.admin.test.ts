import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ANYONE, custom, role, shouldEnforceAccessMatrix, AXON_UPGRADEABLE_GUARDS } from "../helpers/accessMatrix";
import { ADMIN_DELAY_SECONDS, DEFAULT_ADMIN_ROLE, PAUSER_ROLE, UPGRADER_ROLE } from "../helpers/constants";
import {
  ARBITER_ROLE,
  computeEscrowFactory,
  deployComputeFixture,
  ETH,
  jobRequest,
  OFFER,
  PAYMENT,
  postEthJob,
  runningJob,
  SETTINGS,
  Status,
  submittedJob,
} from "./fixture";

describe("ComputeEscrow administration", function () {
  it("initializes its settings, collaborators and counters", async function () {
    const f = await loadFixture(deployComputeFixture);
    const s = await f.escrow.settings();
    expect(s.protocolFeeBps).to.equal(SETTINGS.protocolFeeBps);
    expect(s.minBondWei).to.equal(SETTINGS.minBondWei);
    expect(await f.escrow.staking()).to.equal(await f.staking.getAddress());
    expect(await f.escrow.treasury()).to.equal(await f.treasury.getAddress());
    expect(await f.escrow.nextJobId()).to.equal(1n);
    expect(await f.escrow.expiryCursor()).to.equal(1n);
    expect(await f.escrow.hasRole(DEFAULT_ADMIN_ROLE, f.admin.address)).to.equal(true);
  });

  it("cannot be initialized twice", async function () {
    const f = await loadFixture(deployComputeFixture);
    await expect(
      f.escrow.initialize(f.admin.address, 0, await f.staking.getAddress(), await f.treasury.getAddress(), SETTINGS),
    ).to.be.revertedWithCustomError(f.escrow, "InvalidInitialization");
  });

  it("refuses zero collaborators at initialization", async function () {
    const f = await loadFixture(deployComputeFixture);
    const staking = await f.staking.getAddress();
    const treasury = await f.treasury.getAddress();
    const opts = { kind: "uups" as const, unsafeAllowLinkedLibraries: true };
    await expect(upgrades.deployProxy(f.factory, [f.admin.address, 0, ethers.ZeroAddress, treasury, SETTINGS], opts))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowZeroAddress")
      .withArgs("staking");
    await expect(upgrades.deployProxy(f.factory, [f.admin.address, 0, staking, ethers.ZeroAddress, SETTINGS], opts))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowZeroAddress")
      .withArgs("treasury");
  });

  it("sets and validates the protocol settings", async function () {
    const f = await loadFixture(deployComputeFixture);
    const next = { ...SETTINGS, protocolFeeBps: 1_000, slashBeneficiaryBps: 10_000, challengeWindowSeconds: 60 };
    await expect(f.escrow.setSettings(next))
      .to.emit(f.escrow, "SettingsSet")
      .withArgs(1_000, 10_000, 60, SETTINGS.arbitrationWindowSeconds, SETTINGS.minBondWei);
    await expect(f.escrow.setSettings({ ...SETTINGS, protocolFeeBps: 1_001 }))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowBpsTooHigh")
      .withArgs(1_001, 1_000);
    await expect(f.escrow.setSettings({ ...SETTINGS, slashBeneficiaryBps: 10_001 }))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowBpsTooHigh")
      .withArgs(10_001, 10_000);
    for (const w of [0, 30 * 24 * 3600 + 1]) {
      await expect(f.escrow.setSettings({ ...SETTINGS, challengeWindowSeconds: w }))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInvalidWindow")
        .withArgs(w);
      await expect(f.escrow.setSettings({ ...SETTINGS, arbitrationWindowSeconds: w }))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInvalidWindow")
        .withArgs(w);
    }
  });

  describe("upgrades", function () {
    it("upgrades to a V2 implementation with every job, credit and setting preserved", async function () {
      const f = await loadFixture(deployComputeFixture);
      const open = await postEthJob(f);
      const running = await runningJob(f);
      const paid = await submittedJob(f);
      await f.escrow.connect(f.requester).accept(paid);
      const before = await Promise.all([open, running, paid].map((id) => f.escrow.jobOf(id)));
      const credit = await f.escrow.creditOf(f.provider.address, ETH);
      const settings = await f.escrow.settings();
      const feed = await f.escrow.feedConfig();
      const v2Factory = await computeEscrowFactory("ComputeEscrowV2Mock");
      await upgrades.validateUpgrade(f.escrow, v2Factory, { kind: "uups", unsafeAllowLinkedLibraries: true });
      const v2 = await upgrades.upgradeProxy(f.escrow, v2Factory, { kind: "uups", unsafeAllowLinkedLibraries: true });
      expect(await v2.getAddress()).to.equal(await f.escrow.getAddress());
      expect(await v2.getFunction("version")()).to.equal(2n);
      const after = await Promise.all([open, running, paid].map((id) => f.escrow.jobOf(id)));
      expect(after).to.deep.equal(before);
      expect(await f.escrow.creditOf(f.provider.address, ETH)).to.equal(credit);
      expect(await f.escrow.settings()).to.deep.equal(settings);
      expect(await f.escrow.feedConfig()).to.deep.equal(feed);
      expect(await f.escrow.nextJobId()).to.equal(4n);
      await f.escrow.connect(f.provider).submitResult(running, ethers.id("after upgrade"), "");
      expect((await f.escrow.jobOf(running)).status).to.equal(Status.Submitted);
    });

    it("refuses an upgrade from anyone but the upgrader", async function () {
      const f = await loadFixture(deployComputeFixture);
      await expect(f.escrow.connect(f.stranger).upgradeToAndCall(f.stranger.address, "0x"))
        .to.be.revertedWithCustomError(f.escrow, "AccessControlUnauthorizedAccount")
        .withArgs(f.stranger.address, UPGRADER_ROLE);
    });
  });

  shouldEnforceAccessMatrix("ComputeEscrow", async () => {
    const f = await loadFixture(deployComputeFixture);
    const open = await postEthJob(f);
    const claimed = await postEthJob(f);
    await f.escrow.connect(f.provider).claim(claimed);
    const running = await runningJob(f);
    const submitted = await submittedJob(f);
    const request = await jobRequest();
    const implementation = await (await computeEscrowFactory()).deploy();
    return {
      contract: f.escrow,
      callers: {
        admin: f.admin,
        arbiter: f.arbiter,
        requester: f.requester,
        provider: f.provider,
        stranger: f.stranger,
      },
      roleHolders: {
        [DEFAULT_ADMIN_ROLE]: ["admin"],
        [PAUSER_ROLE]: ["admin"],
        [UPGRADER_ROLE]: ["admin"],
        [ARBITER_ROLE]: ["arbiter"],
      },
      guards: {
        ...AXON_UPGRADEABLE_GUARDS,
        "renounceRole(bytes32,address)": ANYONE,
        "initialize(address,uint48,address,address,(uint16,uint16,uint32,uint32,uint128))": custom(
          "InvalidInitialization",
          [],
        ),
        "setSettings((uint16,uint16,uint32,uint32,uint128))": role(DEFAULT_ADMIN_ROLE),
        "setFeed(address,uint32,int256,int256)": role(DEFAULT_ADMIN_ROLE),
        "setTokenAllowed(address,bool)": role(DEFAULT_ADMIN_ROLE),
        "resolveDispute(uint256,bool)": role(ARBITER_ROLE),
        "setOffer((bytes8,uint16,uint16,uint8,uint128))": custom("ComputeEscrowInactiveProvider", ["provider"]),
        "removeOffer()": custom("ComputeEscrowNoOffer", ["provider"]),
        "claim(uint256)": custom("ComputeEscrowInactiveProvider", ["provider"]),
        "start(uint256)": custom("ComputeEscrowNotProvider", ["provider"]),
        "submitResult(uint256,bytes32,string)": custom("ComputeEscrowNotProvider", ["provider"]),
        "cancel(uint256)": custom("ComputeEscrowNotRequester", ["requester"]),
        "accept(uint256)": custom("ComputeEscrowNotRequester", ["requester"]),
        "dispute(uint256,bytes32)": custom("ComputeEscrowNotRequester", ["requester"]),
        "postJob((bytes32,string,string,bytes8,uint16,uint16,uint32,uint32,address,uint8,uint8,uint112),address,uint256)":
          ANYONE,
        "postJobUsd((bytes32,string,string,bytes8,uint16,uint16,uint32,uint32,address,uint8,uint8,uint112),uint256)":
          ANYONE,
        "finalize(uint256)": ANYONE,
        "processExpired(uint256[])": ANYONE,
        "performUpkeep(bytes)": ANYONE,
        "withdraw(address)": ANYONE,
        "sweepFees(address)": ANYONE,
      },
      args: {
        "upgradeToAndCall(address,bytes)": [await implementation.getAddress(), "0x"],
        "grantRole(bytes32,address)": [ARBITER_ROLE, f.stranger.address],
        "revokeRole(bytes32,address)": [ARBITER_ROLE, f.arbiter.address],
        "setOffer((bytes8,uint16,uint16,uint8,uint128))": [OFFER],
        "claim(uint256)": [open],
        "start(uint256)": [claimed],
        "submitResult(uint256,bytes32,string)": [running, ethers.id("r"), ""],
        "cancel(uint256)": [open],
        "accept(uint256)": [submitted],
        "dispute(uint256,bytes32)": [submitted, ethers.ZeroHash],
        "postJob((bytes32,string,string,bytes8,uint16,uint16,uint32,uint32,address,uint8,uint8,uint112),address,uint256)":
          [request, ETH, PAYMENT],
      },
    };
  });
});
