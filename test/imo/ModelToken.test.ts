import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { shouldEnforceAccessMatrix, ANYONE, custom } from "../helpers/accessMatrix";
import {
  DAY,
  deployClone,
  deployLiveModelToken,
  deployModelToken,
  ETH,
  MAX_SUPPLY,
  REDEEM_BPS,
  SCALE,
  STREAM_PERIOD,
} from "./fixtures";

const E = ethers.parseEther;

/** What one holder has accrued `elapsed` seconds into a single stream of `amount` (mirrors the integer spec). */
function streamed(amount: bigint, elapsed: bigint, balance: bigint, supply: bigint, redeemBps = BigInt(REDEEM_BPS)) {
  const toHolders = amount - (amount * redeemBps) / 10_000n;
  const rate = (toHolders * SCALE) / BigInt(STREAM_PERIOD);
  const rps = (elapsed * rate) / supply;
  return (rps * balance) / SCALE;
}

describe("ModelToken", function () {
  async function twoHolders() {
    return deployLiveModelToken([E("300"), E("100")]);
  }

  /** Live, but nobody holds a token yet. */
  async function noHolders() {
    return deployLiveModelToken([]);
  }

  async function withTokens() {
    const base = await deployLiveModelToken([E("300"), E("100")]);
    const erc20 = await (await ethers.getContractFactory("MintableTestToken")).deploy();
    const fot = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy(100);
    const noReturn = await (await ethers.getContractFactory("NoReturnToken")).deploy();
    const falseReturn = await (await ethers.getContractFactory("FalseReturnToken")).deploy();
    const [depositor] = base.signers;
    for (const t of [erc20, fot, noReturn, falseReturn]) {
      await t.mint(depositor.address, E("1000"));
      await t.connect(depositor).approve(await base.token.getAddress(), ethers.MaxUint256);
    }
    return { ...base, depositor, erc20, fot, noReturn, falseReturn };
  }

  describe("initialisation", function () {
    it("records its configuration and lists ETH", async function () {
      const { token, offering } = await loadFixture(twoHolders);
      expect(await token.name()).to.equal("Axon Model 7");
      expect(await token.symbol()).to.equal("AXM7");
      expect(await token.offering()).to.equal(await offering.getAddress());
      expect(await token.modelId()).to.equal(7n);
      expect(await token.streamPeriodSeconds()).to.equal(STREAM_PERIOD);
      expect(await token.redeemBps()).to.equal(REDEEM_BPS);
      expect(await token.revenueAssets()).to.deep.equal([ETH]);
      expect((await token.streamOf(ETH)).listed).to.equal(true);
    });

    it("cannot be initialised twice, nor the implementation at all", async function () {
      const { token, implementation, offering } = await loadFixture(twoHolders);
      await expect(
        token.initialize("x", "x", await offering.getAddress(), 1, 1, STREAM_PERIOD, 0),
      ).to.be.revertedWithCustomError(token, "InvalidInitialization");
      await expect(
        implementation.initialize("x", "x", await offering.getAddress(), 1, 1, STREAM_PERIOD, 0),
      ).to.be.revertedWithCustomError(implementation, "InvalidInitialization");
    });

    it("rejects a stream period or redeem share out of range", async function () {
      await expect(deployModelToken({ streamPeriod: 3599 }))
        .to.be.revertedWithCustomError(
          await ethers.getContractFactory("ModelToken"),
          "ModelTokenStreamPeriodOutOfRange",
        )
        .withArgs(3599);
      await expect(deployModelToken({ redeemBps: 5001 }))
        .to.be.revertedWithCustomError(await ethers.getContractFactory("ModelToken"), "ModelTokenRedeemBpsTooHigh")
        .withArgs(5001);
    });
  });

  describe("before the offering succeeds", function () {
    async function notLive() {
      const base = await deployModelToken();
      const [, , a, b] = await ethers.getSigners();
      await base.token.connect(base.offering).mint(a.address, E("10"));
      return { ...base, a, b };
    }

    it("refuses transfers, deposits and redemptions", async function () {
      const { token, a, b } = await loadFixture(notLive);
      await expect(token.connect(a).transfer(b.address, 1n)).to.be.revertedWithCustomError(token, "ModelTokenNotLive");
      await expect(a.sendTransaction({ to: await token.getAddress(), value: 1n })).to.be.revertedWithCustomError(
        token,
        "ModelTokenNotLive",
      );
      await expect(token.connect(a).redeem(1n)).to.be.revertedWithCustomError(token, "ModelTokenNotLive");
    });

    it("lets the offering burn a refunded buyer's tokens, and activate once", async function () {
      const { token, offering, a } = await loadFixture(notLive);
      await expect(token.connect(offering).burnFrom(a.address, E("4")))
        .to.emit(token, "Transfer")
        .withArgs(a.address, ethers.ZeroAddress, E("4"));
      await expect(token.connect(offering).activate()).to.emit(token, "Activated");
      await expect(token.connect(offering).activate()).to.be.revertedWithCustomError(token, "ModelTokenAlreadyLive");
      await expect(token.connect(offering).burnFrom(a.address, 1n)).to.be.revertedWithCustomError(
        token,
        "ModelTokenAlreadyLive",
      );
    });

    it("never mints past the maximum supply", async function () {
      const { token, offering, a } = await loadFixture(notLive);
      const cap = await token.maxSupply();
      await expect(token.connect(offering).mint(a.address, cap))
        .to.be.revertedWithCustomError(token, "ModelTokenCapExceeded")
        .withArgs(cap + E("10"), cap);
    });
  });

  describe("ETH revenue", function () {
    it("accounts plain ETH as a deposit split between holders and the redeem pool", async function () {
      const { token, signers } = await loadFixture(twoHolders);
      await expect(signers[0].sendTransaction({ to: await token.getAddress(), value: E("10") }))
        .to.emit(token, "RevenueDeposited")
        .withArgs(ETH, signers[0].address, E("10"), E("1"));
      const [toHolders, toPool] = await token.unreleasedOf(ETH);
      expect(toHolders).to.be.closeTo(E("9"), 1n);
      expect(toPool).to.be.closeTo(E("1"), 1n);
    });

    it("refuses a zero deposit", async function () {
      const { token, signers } = await loadFixture(twoHolders);
      await expect(
        signers[0].sendTransaction({ to: await token.getAddress(), value: 0n }),
      ).to.be.revertedWithCustomError(token, "ModelTokenZeroAmount");
    });

    it("holds the holder share while nobody holds tokens and streams it to the first holder", async function () {
      const { token, offering, signers } = await loadFixture(noHolders);
      const holder = signers[2];
      const deposit = E("7");
      await signers[0].sendTransaction({ to: await token.getAddress(), value: deposit });
      const depositedAt = BigInt(await time.latest());
      await time.increase(DAY);
      expect(await token.totalSupply()).to.equal(0n);
      expect(await token.claimableOf(ETH, holder.address)).to.equal(0n);
      expect(await token.previewRedeem(ETH, E("1"))).to.equal(0n);
      await token.connect(offering).mint(holder.address, E("100"));
      const mintedAt = BigInt(await time.latest());
      // The holder stream paused while the supply was zero: its finish moved on by the time nobody held tokens.
      expect((await token.streamOf(ETH)).periodFinish).to.equal(
        depositedAt + BigInt(STREAM_PERIOD) + mintedAt - depositedAt,
      );
      await time.increase(STREAM_PERIOD);
      // The first holder receives the whole holder share (less rounding), streamed from the mint.
      const expected = streamed(deposit, BigInt(STREAM_PERIOD), E("100"), E("100"));
      expect(await token.claimableOf(ETH, holder.address)).to.equal(expected);
      await expect(token.connect(holder).claim(ETH)).to.changeEtherBalance(holder, expected);
    });

    it("releases each deposit linearly: nothing at once, all at the end of the period (T-1, T, T+1)", async function () {
      const { token, signers, holders } = await loadFixture(twoHolders);
      const supply = E("400");
      await signers[0].sendTransaction({ to: await token.getAddress(), value: E("40") });
      const start = BigInt(await time.latest());
      expect(await token.claimableOf(ETH, holders[0].address)).to.equal(0n);
      const end = start + BigInt(STREAM_PERIOD);
      for (const t of [end - 1n, end, end + 1n]) {
        await time.increaseTo(t);
        const elapsed = (t < end ? t : end) - start;
        expect(await token.claimableOf(ETH, holders[0].address)).to.equal(streamed(E("40"), elapsed, E("300"), supply));
      }
      expect(await token.claimableOf(ETH, holders[0].address)).to.be.closeTo(E("27"), 10n ** 6n);
      expect(await token.claimableOf(ETH, holders[1].address)).to.be.closeTo(E("9"), 10n ** 6n);
    });

    it("merges a new deposit with what is still streaming", async function () {
      const { token, signers } = await loadFixture(twoHolders);
      const addr = await token.getAddress();
      await signers[0].sendTransaction({ to: addr, value: E("70") });
      const t0 = await time.latest();
      await time.setNextBlockTimestamp(t0 + STREAM_PERIOD / 2);
      await signers[0].sendTransaction({ to: addr, value: E("7") });
      const s = await token.streamOf(ETH);
      const remaining = BigInt(STREAM_PERIOD / 2);
      const firstRate = (E("63") * SCALE) / BigInt(STREAM_PERIOD);
      // The deposit adds its own rate; the merged stream runs at the summed rate until the merged total is out.
      const added = (E("7") * 9n * SCALE) / 10n;
      const total = added + remaining * firstRate;
      const duration = total / (firstRate + added / BigInt(STREAM_PERIOD));
      expect(s.holderRateScaled).to.equal(total / duration);
      expect(s.holderRateScaled).to.be.gte(firstRate + added / BigInt(STREAM_PERIOD));
      expect(s.periodFinish).to.equal(BigInt(t0 + STREAM_PERIOD / 2) + duration);
      expect(s.periodFinish).to.be.lte(BigInt(t0 + STREAM_PERIOD / 2 + STREAM_PERIOD));
      expect(s.poolPeriodFinish).to.equal(s.periodFinish);
    });

    it("pays a claim, records it, and refuses a second claim with nothing accrued", async function () {
      const { token, signers, holders } = await loadFixture(twoHolders);
      await signers[0].sendTransaction({ to: await token.getAddress(), value: E("40") });
      const start = await time.latest();
      await time.setNextBlockTimestamp(start + STREAM_PERIOD);
      const expected = streamed(E("40"), BigInt(STREAM_PERIOD), E("100"), E("400"));
      const tx = token.connect(holders[1]).claim(ETH);
      await expect(tx).to.emit(token, "RevenueClaimed").withArgs(ETH, holders[1].address, expected);
      await expect(tx).to.changeEtherBalances([holders[1], token], [expected, -expected]);
      await expect(token.connect(holders[1]).claim(ETH))
        .to.be.revertedWithCustomError(token, "ModelTokenNothingToClaim")
        .withArgs(ETH, holders[1].address);
    });

    it("keeps accrued revenue with the sender of a transfer and starts the receiver from zero", async function () {
      const { token, signers, holders } = await loadFixture(twoHolders);
      await signers[0].sendTransaction({ to: await token.getAddress(), value: E("40") });
      const start = await time.latest();
      await time.setNextBlockTimestamp(start + STREAM_PERIOD / 2);
      await token.connect(holders[0]).transfer(holders[1].address, E("300"));
      const half = streamed(E("40"), BigInt(STREAM_PERIOD / 2), E("300"), E("400"));
      await time.increaseTo(start + STREAM_PERIOD);
      expect(await token.claimableOf(ETH, holders[0].address)).to.equal(half);
      const full = streamed(E("40"), BigInt(STREAM_PERIOD), E("400"), E("400"));
      expect(await token.claimableOf(ETH, holders[1].address)).to.be.closeTo(full - half, 2n);
    });

    it("accepts the oracle-style gas-capped push with no calldata", async function () {
      const { token, signers } = await loadFixture(twoHolders);
      const source = await (await ethers.getContractFactory("PendingRevenueSource")).deploy();
      await signers[0].sendTransaction({ to: await source.getAddress(), value: E("1") });
      await source.push(await token.getAddress());
      await signers[0].sendTransaction({ to: await source.getAddress(), value: E("1") });
      await expect(source.push(await token.getAddress()))
        .to.emit(token, "RevenueDeposited")
        .withArgs(ETH, await source.getAddress(), E("1"), E("0.1"));
    });
  });

  describe("flash-loaned capital", function () {
    async function lenderHoldsHalf() {
      const base = await deployLiveModelToken([E("250"), E("250")]);
      const lender = await (await ethers.getContractFactory("ModelTokenFlashLender")).deploy();
      const source = await (await ethers.getContractFactory("PendingRevenueSource")).deploy();
      const attacker = await (
        await ethers.getContractFactory("FlashLoanRevenueAttacker")
      ).deploy(await lender.getAddress(), await source.getAddress());
      await base.token.connect(base.holders[0]).transfer(await lender.getAddress(), E("250"));
      // A stream is already running when the attack starts, so there is something to grab if the design leaked.
      await base.signers[0].sendTransaction({ to: await base.token.getAddress(), value: E("5") });
      await time.increase(DAY_S);
      return { ...base, lender, source, attacker };
    }
    const DAY_S = 24 * 3600;

    it("captures at most 0.1% of revenue pushed inside a one-transaction loan of half the supply", async function () {
      const { token, source, attacker, signers } = await loadFixture(lenderHoldsHalf);
      const deposit = E("100");
      await signers[0].sendTransaction({ to: await source.getAddress(), value: deposit });
      await attacker.attack(await token.getAddress(), E("250"));
      await time.increase(STREAM_PERIOD * 2);
      const gained = (await attacker.gainedWei()) + (await token.claimableOf(ETH, await attacker.getAddress()));
      expect(await token.balanceOf(await attacker.getAddress())).to.equal(0n);
      expect(gained).to.be.lte(deposit / 1000n);
      expect(gained).to.equal(0n);
    });
  });

  describe("burn-to-redeem", function () {
    it("streams the redeem share and credits the burner's pro-rata share, paid by claim", async function () {
      const { token, signers, holders } = await loadFixture(twoHolders);
      await signers[0].sendTransaction({ to: await token.getAddress(), value: E("100") });
      await time.increase(STREAM_PERIOD);
      expect(await token.redeemPoolOf(ETH)).to.be.closeTo(E("10"), 1n);
      const preview = await token.previewRedeem(ETH, E("100"));
      expect(preview).to.be.closeTo(E("2.5"), 1n);
      const accrued = await token.claimableOf(ETH, holders[1].address);
      await expect(token.connect(holders[1]).redeem(E("100")))
        .to.emit(token, "RedeemCredited")
        .withArgs(ETH, holders[1].address, preview)
        .and.to.emit(token, "Redeemed")
        .withArgs(holders[1].address, E("100"));
      expect(await token.balanceOf(holders[1].address)).to.equal(0n);
      expect(await token.totalSupply()).to.equal(E("300"));
      expect(await token.claimableOf(ETH, holders[1].address)).to.equal(accrued + preview);
      await expect(token.connect(holders[1]).claim(ETH)).to.changeEtherBalance(holders[1], accrued + preview);
    });

    it("refuses a zero redemption and one above the balance", async function () {
      const { token, holders } = await loadFixture(twoHolders);
      await expect(token.connect(holders[1]).redeem(0n)).to.be.revertedWithCustomError(token, "ModelTokenZeroAmount");
      await expect(token.connect(holders[1]).redeem(E("101")))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(holders[1].address, E("100"), E("101"));
    });

    it("gives nothing for a deposit pushed in the same block as the redemption", async function () {
      const { token, signers, holders } = await loadFixture(twoHolders);
      const addr = await token.getAddress();
      await ethers.provider.send("evm_setAutomine", [false]);
      await signers[0].sendTransaction({ to: addr, value: E("100") });
      const redeemTx = await token.connect(holders[1]).redeem(E("100"));
      await ethers.provider.send("evm_mine", []);
      await ethers.provider.send("evm_setAutomine", [true]);
      await expect(redeemTx).to.not.emit(token, "RedeemCredited");
    });
  });

  describe("ERC-20 revenue", function () {
    it("lists up to three ERC-20 assets and refuses ETH or a fourth", async function () {
      const { token, offering, erc20, fot, noReturn, falseReturn } = await loadFixture(withTokens);
      for (const t of [erc20, fot, noReturn]) {
        await expect(token.connect(offering).setRevenueAsset(await t.getAddress(), true))
          .to.emit(token, "RevenueAssetSet")
          .withArgs(await t.getAddress(), true);
      }
      await expect(token.connect(offering).setRevenueAsset(await falseReturn.getAddress(), true))
        .to.be.revertedWithCustomError(token, "ModelTokenTooManyAssets")
        .withArgs(3);
      await expect(token.connect(offering).setRevenueAsset(ETH, false)).to.be.revertedWithCustomError(
        token,
        "ModelTokenEthAlwaysListed",
      );
      await expect(
        token.connect(offering).setRevenueAsset(await token.getAddress(), true),
      ).to.be.revertedWithCustomError(token, "ModelTokenSelfAsset");
      expect(await token.revenueAssets()).to.deep.equal([
        ETH,
        await erc20.getAddress(),
        await fot.getAddress(),
        await noReturn.getAddress(),
      ]);
    });

    it("refuses deposits of unlisted or delisted assets but keeps what was deposited claimable", async function () {
      const { token, offering, erc20, depositor, holders } = await loadFixture(withTokens);
      const a = await erc20.getAddress();
      await expect(token.connect(depositor).depositRevenue(a, 1n))
        .to.be.revertedWithCustomError(token, "ModelTokenAssetNotListed")
        .withArgs(a);
      await expect(token.connect(depositor).depositRevenue(ETH, 1n))
        .to.be.revertedWithCustomError(token, "ModelTokenAssetNotListed")
        .withArgs(ETH);
      await token.connect(offering).setRevenueAsset(a, true);
      await token.connect(depositor).depositRevenue(a, E("40"));
      await token.connect(offering).setRevenueAsset(a, false);
      await expect(token.connect(depositor).depositRevenue(a, 1n)).to.be.revertedWithCustomError(
        token,
        "ModelTokenAssetNotListed",
      );
      await time.increase(STREAM_PERIOD);
      const owed = await token.claimableOf(a, holders[0].address);
      expect(owed).to.be.closeTo(E("27"), 10n ** 6n);
      await expect(token.connect(holders[0]).claim(a)).to.changeTokenBalances(
        erc20,
        [holders[0], token],
        [owed, -owed],
      );
    });

    it("reports nothing claimable in an asset that was never listed", async function () {
      const { token, erc20, holders } = await loadFixture(withTokens);
      expect(await token.claimableOf(await erc20.getAddress(), holders[0].address)).to.equal(0n);
    });

    it("refuses an ERC-20 deposit that delivers nothing", async function () {
      const { token, offering, erc20, depositor } = await loadFixture(withTokens);
      const a = await erc20.getAddress();
      await token.connect(offering).setRevenueAsset(a, true);
      await expect(token.connect(depositor).depositRevenue(a, 0n)).to.be.revertedWithCustomError(
        token,
        "ModelTokenZeroAmount",
      );
    });

    it("refuses a deposit so large its stream rate would not fit the packed rate", async function () {
      const { token, offering, erc20, depositor } = await loadFixture(withTokens);
      const a = await erc20.getAddress();
      await token.connect(offering).setRevenueAsset(a, true);
      // (amount - 10% pool) * 1e27 / 7 days > 2^176 - 1 from about 6.4e31 wei.
      const huge = 10n ** 33n;
      await erc20.mint(depositor.address, huge);
      await expect(token.connect(depositor).depositRevenue(a, huge))
        .to.be.revertedWithCustomError(token, "ModelTokenDepositTooLarge")
        .withArgs(a, huge);
      expect(await token.unreleasedOf(a)).to.deep.equal([0n, 0n]);
    });

    it("accounts a fee-on-transfer token by the amount actually received", async function () {
      const { token, offering, fot, depositor } = await loadFixture(withTokens);
      const a = await fot.getAddress();
      await token.connect(offering).setRevenueAsset(a, true);
      await expect(token.connect(depositor).depositRevenue(a, E("100")))
        .to.emit(token, "RevenueDeposited")
        .withArgs(a, depositor.address, E("99"), E("9.9"));
      const [h, p] = await token.unreleasedOf(a);
      expect(h + p).to.be.lte(await fot.balanceOf(await token.getAddress()));
    });

    it("handles a token whose transfers return no value", async function () {
      const { token, offering, noReturn, depositor, holders } = await loadFixture(withTokens);
      const a = await noReturn.getAddress();
      await token.connect(offering).setRevenueAsset(a, true);
      await token.connect(depositor).depositRevenue(a, E("40"));
      await time.increase(STREAM_PERIOD);
      const owed = await token.claimableOf(a, holders[1].address);
      await token.connect(holders[1]).claim(a);
      expect(await noReturn.balanceOf(holders[1].address)).to.equal(owed);
    });

    it("refuses a token that reports failure by returning false", async function () {
      const { token, offering, falseReturn, depositor } = await loadFixture(withTokens);
      const a = await falseReturn.getAddress();
      await token.connect(offering).setRevenueAsset(a, true);
      await expect(token.connect(depositor).depositRevenue(a, E("1")))
        .to.be.revertedWithCustomError(token, "SafeERC20FailedOperation")
        .withArgs(a);
    });

    it("isolates a token that starts reverting: its claims fail, ETH claims and transfers go on", async function () {
      const base = await loadFixture(withTokens);
      const { token, offering, depositor, holders, signers } = base;
      const rvt = await (await ethers.getContractFactory("RevertingToken")).deploy();
      await rvt.setBlocked(false);
      await rvt.mint(depositor.address, E("10"));
      await rvt.connect(depositor).approve(await token.getAddress(), ethers.MaxUint256);
      const a = await rvt.getAddress();
      await token.connect(offering).setRevenueAsset(a, true);
      await token.connect(depositor).depositRevenue(a, E("10"));
      await signers[0].sendTransaction({ to: await token.getAddress(), value: E("10") });
      await time.increase(STREAM_PERIOD);
      await rvt.setBlocked(true);
      await expect(token.connect(holders[0]).claim(a))
        .to.be.revertedWithCustomError(rvt, "RevertingTokenTransferBlocked")
        .withArgs(await token.getAddress(), holders[0].address, anyValue);
      await expect(token.connect(holders[0]).claim(ETH)).to.emit(token, "RevenueClaimed");
      await expect(token.connect(holders[0]).transfer(holders[1].address, 1n)).to.emit(token, "Transfer");
    });

    it("credits redemptions in every listed asset", async function () {
      const { token, offering, erc20, depositor, holders } = await loadFixture(withTokens);
      const a = await erc20.getAddress();
      await token.connect(offering).setRevenueAsset(a, true);
      await token.connect(depositor).depositRevenue(a, E("100"));
      await time.increase(STREAM_PERIOD);
      const preview = await token.previewRedeem(a, E("100"));
      expect(preview).to.be.closeTo(E("2.5"), 1n);
      await expect(token.connect(holders[1]).redeem(E("100")))
        .to.emit(token, "RedeemCredited")
        .withArgs(a, holders[1].address, preview);
    });
  });

  describe("re-entrancy", function () {
    async function reentrantHolder() {
      const base = await deployLiveModelToken([E("100")]);
      const claimer = await (await ethers.getContractFactory("ReentrantClaimer")).deploy(await base.token.getAddress());
      await base.token.connect(base.holders[0]).transfer(await claimer.getAddress(), E("50"));
      await base.signers[0].sendTransaction({ to: await base.token.getAddress(), value: E("10") });
      await time.increase(STREAM_PERIOD);
      return { ...base, claimer };
    }

    it("blocks a claim re-entered from the ETH payout", async function () {
      const { token, claimer } = await loadFixture(reentrantHolder);
      await expect(claimer.claim()).to.be.revertedWithCustomError(token, "ReentrancyGuardReentrantCall");
    });

    it("blocks a deposit re-entered from the revenue token's transfer hook", async function () {
      const { token, offering, depositor } = await loadFixture(withTokens);
      const hook = await (await ethers.getContractFactory("ReentrantToken")).deploy();
      const a = await hook.getAddress();
      await token.connect(offering).setRevenueAsset(a, true);
      await hook.mint(depositor.address, E("100"));
      await hook.connect(depositor).approve(await token.getAddress(), ethers.MaxUint256);
      await hook.setReentry(await token.getAddress(), token.interface.encodeFunctionData("depositRevenue", [a, 1n]));
      await expect(token.connect(depositor).depositRevenue(a, E("10")))
        .to.emit(token, "RevenueDeposited")
        .withArgs(a, depositor.address, E("10"), E("1"));
      expect(await hook.reentered()).to.equal(true);
      expect(await hook.reentrySucceeded()).to.equal(false);
      expect(token.interface.parseError(await hook.reentryRevertData())!.name).to.equal("ReentrancyGuardReentrantCall");
      expect(await hook.balanceOf(await token.getAddress())).to.equal(E("10"));
    });

    /** A live token whose offering is its own revenue asset, so the offering acts from the asset's transfer hook. */
    async function assetIsOffering() {
      const [deployer, depositor] = await ethers.getSigners();
      // The asset is also the token's offering, so the offering's calls run from the asset's transfer hook.
      const hook = await (await ethers.getContractFactory("ReentrantToken")).deploy();
      const a = await hook.getAddress();
      const implementation = await (await ethers.getContractFactory("ModelToken")).deploy();
      const token = await ethers.getContractAt(
        "ModelToken",
        await deployClone(deployer, await implementation.getAddress()),
      );
      const t = await token.getAddress();
      await token.initialize("Axon Model 7", "AXM7", a, 7n, MAX_SUPPLY, STREAM_PERIOD, REDEEM_BPS);
      await hook.mint(depositor.address, E("100"));
      await hook.connect(depositor).approve(t, ethers.MaxUint256);
      const asOffering = async (data: string) => {
        await hook.setReentry(t, data);
        await hook.connect(depositor).transfer(depositor.address, 0n);
        if (!(await hook.reentrySucceeded())) throw new Error("the offering call from the hook failed");
      };
      await asOffering(token.interface.encodeFunctionData("mint", [depositor.address, E("1")]));
      await asOffering(token.interface.encodeFunctionData("activate"));
      await asOffering(token.interface.encodeFunctionData("setRevenueAsset", [a, true]));
      return { token, hook, depositor, a, t };
    }

    it("refuses a deposit whose asset the offering delists while the transfer is in flight", async function () {
      const { token, hook, depositor, a, t } = await loadFixture(assetIsOffering);
      await hook.setReentry(t, token.interface.encodeFunctionData("setRevenueAsset", [a, false]));
      await expect(token.connect(depositor).depositRevenue(a, E("10")))
        .to.be.revertedWithCustomError(token, "ModelTokenAssetNotListed")
        .withArgs(a);
      expect(await token.revenueAssets()).to.deep.equal([ETH, a]);
      expect(await hook.balanceOf(t)).to.equal(0n);
    });

    it("accounts ETH deposited back from inside a claim payout as new revenue", async function () {
      const { token, claimer } = await loadFixture(reentrantHolder);
      await claimer.setDepositBack(true);
      const owed = await token.claimableOf(ETH, await claimer.getAddress());
      await expect(claimer.claim())
        .to.emit(token, "RevenueDeposited")
        .withArgs(ETH, await claimer.getAddress(), owed, anyValue);
      expect(await token.claimableOf(ETH, await claimer.getAddress())).to.equal(0n);
    });
  });

  describe("configuration", function () {
    it("lets the offering change the stream period and the redeem share, within bounds", async function () {
      const { token, offering } = await loadFixture(twoHolders);
      await expect(token.connect(offering).setStreamPeriod(3600)).to.emit(token, "StreamPeriodSet").withArgs(3600);
      await expect(token.connect(offering).setStreamPeriod(366 * 24 * 3600))
        .to.be.revertedWithCustomError(token, "ModelTokenStreamPeriodOutOfRange")
        .withArgs(366 * 24 * 3600);
      await expect(token.connect(offering).setRedeemBps(5000)).to.emit(token, "RedeemBpsSet").withArgs(5000);
      await expect(token.connect(offering).setRedeemBps(5001))
        .to.be.revertedWithCustomError(token, "ModelTokenRedeemBpsTooHigh")
        .withArgs(5001);
    });
  });

  describe("permit and votes", function () {
    it("sets an allowance from an EIP-2612 signature", async function () {
      const { token, holders } = await loadFixture(twoHolders);
      const [owner, spender] = holders;
      const deadline = (await time.latest()) + 3600;
      const { chainId } = await ethers.provider.getNetwork();
      const sig = ethers.Signature.from(
        await owner.signTypedData(
          { name: "Axon Model 7", version: "1", chainId, verifyingContract: await token.getAddress() },
          {
            Permit: [
              { name: "owner", type: "address" },
              { name: "spender", type: "address" },
              { name: "value", type: "uint256" },
              { name: "nonce", type: "uint256" },
              { name: "deadline", type: "uint256" },
            ],
          },
          { owner: owner.address, spender: spender.address, value: E("5"), nonce: 0n, deadline },
        ),
      );
      await token.permit(owner.address, spender.address, E("5"), deadline, sig.v, sig.r, sig.s);
      expect(await token.allowance(owner.address, spender.address)).to.equal(E("5"));
      expect(await token.nonces(owner.address)).to.equal(1n);
    });

    it("moves delegated votes with transfers", async function () {
      const { token, holders } = await loadFixture(twoHolders);
      await token.connect(holders[0]).delegate(holders[0].address);
      await token.connect(holders[1]).delegate(holders[1].address);
      await token.connect(holders[0]).transfer(holders[1].address, E("50"));
      expect(await token.getVotes(holders[0].address)).to.equal(E("250"));
      expect(await token.getVotes(holders[1].address)).to.equal(E("150"));
    });
  });

  shouldEnforceAccessMatrix("ModelToken", async () => {
    const { token, offering, holders } = await deployLiveModelToken([E("1")]);
    const [stranger] = holders;
    return {
      contract: token,
      callers: { offering, stranger },
      roleHolders: {},
      guards: {
        "activate()": custom("ModelTokenOnlyOffering", ["offering"]),
        "approve(address,uint256)": ANYONE,
        "burnFrom(address,uint256)": custom("ModelTokenOnlyOffering", ["offering"]),
        "claim(address)": ANYONE,
        "delegate(address)": ANYONE,
        "delegateBySig(address,uint256,uint256,uint8,bytes32,bytes32)": ANYONE,
        "depositRevenue(address,uint256)": ANYONE,
        "initialize(string,string,address,uint256,uint256,uint32,uint16)": custom("InvalidInitialization", []),
        "mint(address,uint256)": custom("ModelTokenOnlyOffering", ["offering"]),
        "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)": ANYONE,
        "redeem(uint256)": ANYONE,
        "setRedeemBps(uint16)": custom("ModelTokenOnlyOffering", ["offering"]),
        "setRevenueAsset(address,bool)": custom("ModelTokenOnlyOffering", ["offering"]),
        "setStreamPeriod(uint32)": custom("ModelTokenOnlyOffering", ["offering"]),
        "transfer(address,uint256)": ANYONE,
        "transferFrom(address,address,uint256)": ANYONE,
      },
      args: {
        "setStreamPeriod(uint32)": [3600],
        "setRevenueAsset(address,bool)": [holders[0].address, true],
      },
    };
  });
});
