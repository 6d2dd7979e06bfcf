import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { OperatorStaking } from "../../typechain-types";
import { deployCore, deployProxy } from "../helpers/core";
import {
  ADMIN_DELAY_SECONDS,
  DEFAULT_ADMIN_ROLE,
  ORACLE_SERVICE,
  PAUSER_ROLE,
  TREASURER_ROLE,
  UPGRADER_ROLE,
} from "../helpers/constants";
import { ANYONE, custom, role, shouldEnforceAccessMatrix, AXON_UPGRADEABLE_GUARDS } from "../helpers/accessMatrix";
import { shouldBehaveLikeAxonUpgradeable } from "./AxonUpgradeable.behavior";

const ONE = ethers.parseEther("1");

/** The core Treasury, a treasurer who holds only TREASURER_ROLE, a depositor and one token of each weird kind. */
async function treasuryFixture() {
  const { treasury, admin, others } = await deployCore();
  const [treasurer, depositor, recipient, stranger] = others;
  await treasury.grantRole(TREASURER_ROLE, treasurer.address);
  const plain = await (await ethers.getContractFactory("MockERC20")).deploy("Mock", "MOCK");
  const fee = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy(100); // 1 %
  const noReturn = await (await ethers.getContractFactory("NoReturnToken")).deploy();
  const falseReturn = await (await ethers.getContractFactory("FalseReturnToken")).deploy();
  const reverting = await (await ethers.getContractFactory("RevertingToken")).deploy();
  const tokens = { plain, fee, noReturn, falseReturn, reverting };
  const at = await treasury.getAddress();
  for (const t of Object.values(tokens)) {
    await treasury.setTokenAllowed(await t.getAddress(), true);
    await t.mint(depositor.address, 1000n * ONE);
    await t.connect(depositor).approve(at, ethers.MaxUint256);
  }
  return { treasury, admin, treasurer, depositor, recipient, stranger, ...tokens };
}

describe("Treasury", function () {
  describe("ETH", function () {
    it("accepts depositETH with EthReceived", async function () {
      const { treasury, depositor } = await loadFixture(treasuryFixture);
      const tx = treasury.connect(depositor).depositETH({ value: ONE });
      await expect(tx).to.emit(treasury, "EthReceived").withArgs(depositor.address, ONE);
      await expect(tx).to.changeEtherBalance(treasury, ONE);
    });

    it("accepts plain transfers with EthReceived", async function () {
      const { treasury, depositor } = await loadFixture(treasuryFixture);
      const tx = depositor.sendTransaction({ to: await treasury.getAddress(), value: ONE });
      await expect(tx).to.emit(treasury, "EthReceived").withArgs(depositor.address, ONE);
      await expect(tx).to.changeEtherBalance(treasury, ONE);
    });

    it("pays the treasurer's withdrawal with EthWithdrawn", async function () {
      const { treasury, depositor, treasurer, recipient } = await loadFixture(treasuryFixture);
      await treasury.connect(depositor).depositETH({ value: 2n * ONE });
      const tx = treasury.connect(treasurer).withdrawETH(recipient.address, ONE);
      await expect(tx).to.emit(treasury, "EthWithdrawn").withArgs(recipient.address, ONE, treasurer.address);
      await expect(tx).to.changeEtherBalances([treasury, recipient], [-ONE, ONE]);
    });

    it("refuses a withdrawal above the balance", async function () {
      const { treasury, depositor, treasurer, recipient } = await loadFixture(treasuryFixture);
      await treasury.connect(depositor).depositETH({ value: ONE });
      await expect(treasury.connect(treasurer).withdrawETH(recipient.address, ONE + 1n))
        .to.be.revertedWithCustomError(treasury, "TreasuryInsufficientBalance")
        .withArgs(ethers.ZeroAddress, ONE, ONE + 1n);
    });

    it("refuses a zero recipient or a zero amount", async function () {
      const { treasury, treasurer, recipient } = await loadFixture(treasuryFixture);
      await expect(treasury.connect(treasurer).withdrawETH(ethers.ZeroAddress, 1n)).to.be.revertedWithCustomError(
        treasury,
        "TreasuryZeroAddress",
      );
      await expect(treasury.connect(treasurer).withdrawETH(recipient.address, 0n)).to.be.revertedWithCustomError(
        treasury,
        "TreasuryZeroAmount",
      );
    });

    it("bubbles the revert of a recipient that refuses ETH", async function () {
      const { treasury, depositor, treasurer } = await loadFixture(treasuryFixture);
      await treasury.connect(depositor).depositETH({ value: ONE });
      const rejecting = await (await ethers.getContractFactory("ReentrantStakingAttacker")).deploy(ethers.ZeroAddress);
      await rejecting.setMode(3); // Reject
      await expect(treasury.connect(treasurer).withdrawETH(await rejecting.getAddress(), ONE))
        .to.be.revertedWithCustomError(rejecting, "ReentrantStakingAttackerRejected")
        .withArgs(ONE);
    });
  });

  describe("token allow-list", function () {
    it("adds and removes a token with TokenAllowedSet", async function () {
      const { treasury, stranger } = await loadFixture(treasuryFixture);
      await expect(treasury.setTokenAllowed(stranger.address, true))
        .to.emit(treasury, "TokenAllowedSet")
        .withArgs(stranger.address, true);
      expect(await treasury.isTokenAllowed(stranger.address)).to.equal(true);
      await expect(treasury.setTokenAllowed(stranger.address, false))
        .to.emit(treasury, "TokenAllowedSet")
        .withArgs(stranger.address, false);
      expect(await treasury.isTokenAllowed(stranger.address)).to.equal(false);
    });

    it("refuses the zero token", async function () {
      const { treasury } = await loadFixture(treasuryFixture);
      await expect(treasury.setTokenAllowed(ethers.ZeroAddress, true)).to.be.revertedWithCustomError(
        treasury,
        "TreasuryZeroAddress",
      );
    });

    it("refuses deposits of a token that is not allowed", async function () {
      const { treasury, depositor, plain } = await loadFixture(treasuryFixture);
      await treasury.setTokenAllowed(await plain.getAddress(), false);
      await expect(treasury.connect(depositor).depositToken(await plain.getAddress(), ONE))
        .to.be.revertedWithCustomError(treasury, "TreasuryTokenNotAllowed")
        .withArgs(await plain.getAddress());
    });
  });

  describe("token deposits and withdrawals", function () {
    it("credits a plain token deposit with TokenDeposited and pays it out with TokenWithdrawn", async function () {
      const { treasury, depositor, treasurer, recipient, plain } = await loadFixture(treasuryFixture);
      const token = await plain.getAddress();
      expect(await treasury.connect(depositor).depositToken.staticCall(token, 10n * ONE)).to.equal(10n * ONE);
      const dep = treasury.connect(depositor).depositToken(token, 10n * ONE);
      await expect(dep)
        .to.emit(treasury, "TokenDeposited")
        .withArgs(token, depositor.address, 10n * ONE);
      await expect(dep).to.changeTokenBalances(plain, [depositor, treasury], [-10n * ONE, 10n * ONE]);
      expect(await treasury.tokenBalance(token)).to.equal(10n * ONE);
      const wd = treasury.connect(treasurer).withdrawToken(token, recipient.address, 4n * ONE);
      await expect(wd)
        .to.emit(treasury, "TokenWithdrawn")
        .withArgs(token, recipient.address, 4n * ONE, treasurer.address);
      await expect(wd).to.changeTokenBalances(plain, [treasury, recipient], [-4n * ONE, 4n * ONE]);
      expect(await treasury.tokenBalance(token)).to.equal(6n * ONE);
    });

    it("credits a fee-on-transfer deposit by the balance it actually gained", async function () {
      const { treasury, depositor, fee } = await loadFixture(treasuryFixture);
      const token = await fee.getAddress();
      const credited = 99n * ONE; // 1 % burnt on the way in
      expect(await treasury.connect(depositor).depositToken.staticCall(token, 100n * ONE)).to.equal(credited);
      await expect(treasury.connect(depositor).depositToken(token, 100n * ONE))
        .to.emit(treasury, "TokenDeposited")
        .withArgs(token, depositor.address, credited);
      expect(await treasury.tokenBalance(token)).to.equal(credited);
      expect(await fee.balanceOf(await treasury.getAddress())).to.equal(credited);
    });

    it("cannot pay out more fee-on-transfer tokens than it holds", async function () {
      const { treasury, depositor, treasurer, recipient, fee } = await loadFixture(treasuryFixture);
      const token = await fee.getAddress();
      await treasury.connect(depositor).depositToken(token, 100n * ONE);
      await expect(treasury.connect(treasurer).withdrawToken(token, recipient.address, 100n * ONE))
        .to.be.revertedWithCustomError(treasury, "TreasuryInsufficientBalance")
        .withArgs(token, 99n * ONE, 100n * ONE);
      await treasury.connect(treasurer).withdrawToken(token, recipient.address, 99n * ONE);
      expect(await fee.balanceOf(await treasury.getAddress())).to.equal(0n);
      expect(await fee.balanceOf(recipient.address)).to.equal((99n * ONE * 99n) / 100n);
    });

    it("handles a token that returns nothing, both ways", async function () {
      const { treasury, depositor, treasurer, recipient, noReturn } = await loadFixture(treasuryFixture);
      const token = await noReturn.getAddress();
      await expect(treasury.connect(depositor).depositToken(token, 5n * ONE))
        .to.emit(treasury, "TokenDeposited")
        .withArgs(token, depositor.address, 5n * ONE);
      await treasury.connect(treasurer).withdrawToken(token, recipient.address, 5n * ONE);
      expect(await noReturn.balanceOf(recipient.address)).to.equal(5n * ONE);
      expect(await treasury.tokenBalance(token)).to.equal(0n);
    });

    it("refuses a token whose transferFrom returns false", async function () {
      const { treasury, depositor, falseReturn } = await loadFixture(treasuryFixture);
      const token = await falseReturn.getAddress();
      await expect(treasury.connect(depositor).depositToken(token, ONE))
        .to.be.revertedWithCustomError(treasury, "SafeERC20FailedOperation")
        .withArgs(token);
      expect(await treasury.tokenBalance(token)).to.equal(0n);
    });

    it("refuses a withdrawal of a token whose transfer returns false, keeping the credit", async function () {
      const { treasury, depositor, treasurer, recipient, falseReturn } = await loadFixture(treasuryFixture);
      const token = await falseReturn.getAddress();
      await falseReturn.setFailing(false);
      await treasury.connect(depositor).depositToken(token, ONE);
      await falseReturn.setFailing(true);
      await expect(treasury.connect(treasurer).withdrawToken(token, recipient.address, ONE))
        .to.be.revertedWithCustomError(treasury, "SafeERC20FailedOperation")
        .withArgs(token);
      expect(await treasury.tokenBalance(token)).to.equal(ONE);
    });

    it("bubbles a reverting token's error on withdrawal, keeping the credit", async function () {
      const { treasury, depositor, treasurer, recipient, reverting } = await loadFixture(treasuryFixture);
      const token = await reverting.getAddress();
      await reverting.setBlocked(false);
      await treasury.connect(depositor).depositToken(token, ONE);
      await reverting.setBlocked(true);
      await expect(treasury.connect(treasurer).withdrawToken(token, recipient.address, ONE))
        .to.be.revertedWithCustomError(reverting, "RevertingTokenTransferBlocked")
        .withArgs(await treasury.getAddress(), recipient.address, ONE);
      expect(await treasury.tokenBalance(token)).to.equal(ONE);
    });

    it("bubbles a reverting token's error on deposit", async function () {
      const { treasury, depositor, reverting } = await loadFixture(treasuryFixture);
      const token = await reverting.getAddress();
      await expect(treasury.connect(depositor).depositToken(token, ONE))
        .to.be.revertedWithCustomError(reverting, "RevertingTokenTransferBlocked")
        .withArgs(depositor.address, await treasury.getAddress(), ONE);
    });

    it("refuses zero amounts, zero recipients and over-withdrawals", async function () {
      const { treasury, depositor, treasurer, recipient, plain } = await loadFixture(treasuryFixture);
      const token = await plain.getAddress();
      await expect(treasury.connect(depositor).depositToken(token, 0n)).to.be.revertedWithCustomError(
        treasury,
        "TreasuryZeroAmount",
      );
      await treasury.connect(depositor).depositToken(token, ONE);
      const t = treasury.connect(treasurer);
      await expect(t.withdrawToken(token, ethers.ZeroAddress, 1n)).to.be.revertedWithCustomError(
        treasury,
        "TreasuryZeroAddress",
      );
      await expect(t.withdrawToken(ethers.ZeroAddress, recipient.address, 1n)).to.be.revertedWithCustomError(
        treasury,
        "TreasuryZeroAddress",
      );
      await expect(t.withdrawToken(token, recipient.address, 0n)).to.be.revertedWithCustomError(
        treasury,
        "TreasuryZeroAmount",
      );
      await expect(t.withdrawToken(token, recipient.address, ONE + 1n))
        .to.be.revertedWithCustomError(treasury, "TreasuryInsufficientBalance")
        .withArgs(token, ONE, ONE + 1n);
    });

    it("never pays out tokens sent to it outside depositToken", async function () {
      const { treasury, depositor, treasurer, recipient, plain } = await loadFixture(treasuryFixture);
      const token = await plain.getAddress();
      await plain.connect(depositor).transfer(await treasury.getAddress(), ONE);
      expect(await treasury.tokenBalance(token)).to.equal(0n);
      await expect(treasury.connect(treasurer).withdrawToken(token, recipient.address, ONE))
        .to.be.revertedWithCustomError(treasury, "TreasuryInsufficientBalance")
        .withArgs(token, 0n, ONE);
    });
  });

  describe("pausing", function () {
    it("stops withdrawals while paused but keeps accepting deposits", async function () {
      const { treasury, depositor, treasurer, recipient, plain } = await loadFixture(treasuryFixture);
      const token = await plain.getAddress();
      await treasury.pause();
      await expect(treasury.connect(depositor).depositETH({ value: ONE })).to.changeEtherBalance(treasury, ONE);
      await expect(depositor.sendTransaction({ to: await treasury.getAddress(), value: ONE })).to.emit(
        treasury,
        "EthReceived",
      );
      await expect(treasury.connect(depositor).depositToken(token, ONE)).to.emit(treasury, "TokenDeposited");
      await expect(treasury.connect(treasurer).withdrawETH(recipient.address, ONE)).to.be.revertedWithCustomError(
        treasury,
        "EnforcedPause",
      );
      await expect(
        treasury.connect(treasurer).withdrawToken(token, recipient.address, ONE),
      ).to.be.revertedWithCustomError(treasury, "EnforcedPause");
      await treasury.unpause();
      await expect(treasury.connect(treasurer).withdrawETH(recipient.address, ONE)).to.changeEtherBalance(
        recipient,
        ONE,
      );
      await expect(treasury.connect(treasurer).withdrawToken(token, recipient.address, ONE)).to.changeTokenBalance(
        plain,
        recipient,
        ONE,
      );
    });

    it("lets a slash reach a paused treasury", async function () {
      const { treasury, admin } = await loadFixture(treasuryFixture);
      const staking = await deployProxy<OperatorStaking>("OperatorStaking", [
        admin.address,
        ADMIN_DELAY_SECONDS,
        await treasury.getAddress(),
      ]);
      const [, , , , , operator] = await ethers.getSigners();
      await staking.setService(ORACLE_SERVICE, ONE, 0, true);
      await staking.setModule(ORACLE_SERVICE, admin.address, true);
      await staking.connect(operator).stake(ORACLE_SERVICE, { value: ONE });
      await treasury.pause();
      await expect(
        staking.slash(operator.address, ORACLE_SERVICE, ONE, ethers.ZeroAddress, 0n, ethers.id("paused-treasury")),
      ).to.changeEtherBalance(treasury, ONE);
    });
  });

  describe("re-entrancy", function () {
    it("refuses a token that re-enters depositToken mid-transfer, crediting the outer deposit once", async function () {
      const { treasury, depositor } = await loadFixture(treasuryFixture);
      const token = await (await ethers.getContractFactory("ReentrantToken")).deploy();
      const at = await token.getAddress();
      await treasury.setTokenAllowed(at, true);
      await token.mint(depositor.address, 10n * ONE);
      await token.connect(depositor).approve(await treasury.getAddress(), ethers.MaxUint256);
      await token.setReentry(
        await treasury.getAddress(),
        treasury.interface.encodeFunctionData("depositToken", [at, 1n]),
      );
      await expect(treasury.connect(depositor).depositToken(at, ONE))
        .to.emit(treasury, "TokenDeposited")
        .withArgs(at, depositor.address, ONE);
      expect(await token.reentrySucceeded()).to.equal(false);
      expect(await token.reentryRevertData()).to.equal(
        treasury.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []),
      );
      expect(await treasury.tokenBalance(at)).to.equal(ONE);
    });

    it("refuses a token that re-enters withdrawToken mid-transfer, even holding the treasurer role", async function () {
      const { treasury, depositor, treasurer, recipient } = await loadFixture(treasuryFixture);
      const token = await (await ethers.getContractFactory("ReentrantToken")).deploy();
      const at = await token.getAddress();
      await treasury.setTokenAllowed(at, true);
      await token.mint(depositor.address, 10n * ONE);
      await token.connect(depositor).approve(await treasury.getAddress(), ethers.MaxUint256);
      await treasury.connect(depositor).depositToken(at, 2n * ONE);
      await treasury.grantRole(TREASURER_ROLE, at);
      await token.setReentry(
        await treasury.getAddress(),
        treasury.interface.encodeFunctionData("withdrawToken", [at, recipient.address, ONE]),
      );
      await treasury.connect(treasurer).withdrawToken(at, recipient.address, ONE);
      expect(await token.reentryRevertData()).to.equal(
        treasury.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []),
      );
      expect(await treasury.tokenBalance(at)).to.equal(ONE);
      expect(await token.balanceOf(recipient.address)).to.equal(ONE);
    });

    it("refuses a recipient that re-enters withdrawETH, even holding the treasurer role", async function () {
      const { treasury, depositor, treasurer } = await loadFixture(treasuryFixture);
      await treasury.connect(depositor).depositETH({ value: 3n * ONE });
      const receiver = await (await ethers.getContractFactory("ReentrantEthReceiver")).deploy();
      const at = await receiver.getAddress();
      await treasury.grantRole(TREASURER_ROLE, at);
      await receiver.setReentry(
        await treasury.getAddress(),
        treasury.interface.encodeFunctionData("withdrawETH", [at, ONE]),
      );
      await expect(treasury.connect(treasurer).withdrawETH(at, ONE)).to.changeEtherBalance(receiver, ONE);
      expect(await receiver.reentryRevertData()).to.equal(
        treasury.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []),
      );
    });
  });

  shouldEnforceAccessMatrix("Treasury", async () => {
    const { treasury, admin, treasurer, depositor, stranger, plain } = await loadFixture(treasuryFixture);
    await treasury.connect(depositor).depositETH({ value: ONE });
    await treasury.connect(depositor).depositToken(await plain.getAddress(), ONE);
    const v2 = await (await ethers.getContractFactory("TreasuryV2Mock")).deploy();
    return {
      contract: treasury,
      callers: { admin, treasurer, stranger },
      roleHolders: {
        [DEFAULT_ADMIN_ROLE]: ["admin"],
        [PAUSER_ROLE]: ["admin"],
        [UPGRADER_ROLE]: ["admin"],
        [TREASURER_ROLE]: ["admin", "treasurer"],
      },
      guards: {
        ...AXON_UPGRADEABLE_GUARDS,
        "renounceRole(bytes32,address)": ANYONE,
        "initialize(address,uint48)": custom("InvalidInitialization", []),
        "depositETH()": ANYONE,
        "depositToken(address,uint256)": ANYONE,
        "setTokenAllowed(address,bool)": role(DEFAULT_ADMIN_ROLE),
        "withdrawETH(address,uint256)": role(TREASURER_ROLE),
        "withdrawToken(address,address,uint256)": role(TREASURER_ROLE),
      },
      args: {
        "grantRole(bytes32,address)": [PAUSER_ROLE, stranger.address],
        "revokeRole(bytes32,address)": [PAUSER_ROLE, stranger.address],
        "upgradeToAndCall(address,bytes)": [await v2.getAddress(), "0x"],
        "withdrawETH(address,uint256)": [stranger.address, 1n],
        "withdrawToken(address,address,uint256)": [await plain.getAddress(), stranger.address, 1n],
      },
    };
  });

  shouldBehaveLikeAxonUpgradeable("Treasury", async () => {
    const f = await loadFixture(treasuryFixture);
    await f.treasury.connect(f.depositor).depositETH({ value: ONE });
    await f.treasury.connect(f.depositor).depositToken(await f.plain.getAddress(), 3n * ONE);
    return {
      contract: f.treasury,
      admin: f.admin,
      stranger: f.stranger,
      v2Name: "TreasuryV2Mock",
      initArgs: [f.admin.address, ADMIN_DELAY_SECONDS],
      snapshot: async (c) => {
        const t = c as typeof f.treasury;
        return {
          eth: await ethers.provider.getBalance(await t.getAddress()),
          allowed: await t.isTokenAllowed(await f.plain.getAddress()),
          balance: await t.tokenBalance(await f.plain.getAddress()),
          treasurer: await t.hasRole(TREASURER_ROLE, f.treasurer.address),
        };
      },
    };
  });
});
