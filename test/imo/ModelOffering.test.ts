import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { shouldEnforceAccessMatrix, ANYONE, custom, role, AXON_UPGRADEABLE_GUARDS } from "../helpers/accessMatrix";
import { ADMIN_DELAY_SECONDS, DEFAULT_ADMIN_ROLE, PAUSER_ROLE, UPGRADER_ROLE } from "../helpers/constants";
import { deployProxy } from "../helpers/core";
import type { ModelOffering, ModelRegistry } from "../../typechain-types";
import {
  DAY,
  E,
  FEE_BPS,
  MODEL_ID,
  defaultParams,
  deployOffering,
  launched,
  succeeded,
  upgrades,
} from "./offeringFixtures";

const TOKEN_ADMIN_ROLE = ethers.id("TOKEN_ADMIN_ROLE");
const Status = { None: 0n, Active: 1n, Failed: 2n, Succeeded: 3n };

/** Linear-curve cost, rounded up like the contract: start*a/1e18 + slope*a*(2s+a)/2e36. */
function curveCost(start: bigint, slope: bigint, sold: bigint, amount: bigint) {
  const ceil = (n: bigint, d: bigint) => (n + d - 1n) / d;
  return ceil(start * amount, 10n ** 18n) + ceil(slope * amount * (2n * sold + amount), 2n * 10n ** 36n);
}

describe("ModelOffering", function () {
  describe("launch", function () {
    it("creates the model token as a clone configured for the model", async function () {
      const { offering, creator, implementation } = await loadFixture(deployOffering);
      const params = await defaultParams();
      await expect(offering.connect(creator).launch(MODEL_ID, params))
        .to.emit(offering, "OfferingLaunched")
        .withArgs(MODEL_ID, anyValue, creator.address, anyValue);
      const o = await offering.offeringOf(MODEL_ID);
      const token = await ethers.getContractAt("ModelToken", o.token);
      expect(o.creator).to.equal(creator.address);
      expect(await token.offering()).to.equal(await offering.getAddress());
      expect(await token.modelId()).to.equal(MODEL_ID);
      expect(await token.maxSupply()).to.equal(E("1000000"));
      expect(await token.live()).to.equal(false);
      expect(await offering.statusOf(MODEL_ID)).to.equal(Status.Active);
      const code = await ethers.provider.getCode(o.token);
      expect(code.toLowerCase()).to.contain((await implementation.getAddress()).slice(2).toLowerCase());
    });

    it("only lets the model owner launch, once", async function () {
      const { offering, creator, stranger } = await loadFixture(deployOffering);
      const params = await defaultParams();
      await expect(offering.connect(stranger).launch(MODEL_ID, params))
        .to.be.revertedWithCustomError(offering, "ModelOfferingNotModelOwner")
        .withArgs(MODEL_ID, stranger.address, creator.address);
      await offering.connect(creator).launch(MODEL_ID, params);
      await expect(offering.connect(creator).launch(MODEL_ID, params))
        .to.be.revertedWithCustomError(offering, "ModelOfferingExists")
        .withArgs(MODEL_ID);
    });

    it("rejects inconsistent caps, deadlines, vesting and prices", async function () {
      const { offering, creator } = await loadFixture(deployOffering);
      const bad = async (o: Parameters<typeof defaultParams>[0]) =>
        offering.connect(creator).launch(MODEL_ID, await defaultParams(o));
      await expect(bad({ hardCapTokens: E("800001") }))
        .to.be.revertedWithCustomError(offering, "ModelOfferingCapsInvalid")
        .withArgs(E("1000000"), E("200000"), E("800001"), E("40000"));
      await expect(bad({ softCapTokens: E("100001") })).to.be.revertedWithCustomError(
        offering,
        "ModelOfferingCapsInvalid",
      );
      await expect(bad({ creatorAllocation: E("1000001") })).to.be.revertedWithCustomError(
        offering,
        "ModelOfferingCapsInvalid",
      );
      const now = await time.latest();
      await expect(bad({ deadline: now }))
        .to.be.revertedWithCustomError(offering, "ModelOfferingDeadlineInvalid")
        .withArgs(now);
      await expect(bad({ cliffSeconds: 400 * DAY }))
        .to.be.revertedWithCustomError(offering, "ModelOfferingVestingInvalid")
        .withArgs(400 * DAY, 360 * DAY);
      await expect(bad({ slopeWei: 1n }))
        .to.be.revertedWithCustomError(offering, "ModelOfferingPriceInvalid")
        .withArgs(0, E("0.001"), 1n);
      await expect(bad({ priceMode: 1, startPriceWei: 0n, slopeWei: 0n }))
        .to.be.revertedWithCustomError(offering, "ModelOfferingPriceInvalid")
        .withArgs(1, 0n, 0n);
    });

    it("rejects a zero hard cap, a deadline past the longest sale and vesting past the longest schedule", async function () {
      const { offering, creator } = await loadFixture(deployOffering);
      const bad = async (o: Parameters<typeof defaultParams>[0]) =>
        offering.connect(creator).launch(MODEL_ID, await defaultParams(o));
      await expect(bad({ hardCapTokens: 0n, softCapTokens: 0n }))
        .to.be.revertedWithCustomError(offering, "ModelOfferingCapsInvalid")
        .withArgs(E("1000000"), E("200000"), 0n, 0n);
      const tooFar = (await time.latest()) + 1 + Number(await offering.MAX_SALE_SECONDS()) + 1;
      await expect(bad({ deadline: tooFar }))
        .to.be.revertedWithCustomError(offering, "ModelOfferingDeadlineInvalid")
        .withArgs(tooFar);
      const tooLong = (await offering.MAX_VESTING_SECONDS()) + 1n;
      await expect(bad({ vestingSeconds: tooLong }))
        .to.be.revertedWithCustomError(offering, "ModelOfferingVestingInvalid")
        .withArgs(30 * DAY, tooLong);
      expect(await offering.statusOf(MODEL_ID)).to.equal(Status.None);
    });

    it("reports an unknown model as None", async function () {
      const { offering } = await loadFixture(launched);
      expect(await offering.statusOf(99n)).to.equal(Status.None);
      expect(await offering.statusOf(MODEL_ID)).to.equal(Status.Active);
    });
  });

  describe("buying", function () {
    it("mints the tokens, records the purchase and returns the ETH sent above the cost", async function () {
      const { offering, token, alice } = await loadFixture(launched);
      const tx = offering.connect(alice).buy(MODEL_ID, E("1000"), E("2"), { value: E("2") });
      await expect(tx).to.emit(offering, "TokensBought").withArgs(MODEL_ID, alice.address, E("1000"), E("1"));
      await expect(tx).to.changeEtherBalances([alice, offering], [-E("1"), E("1")]);
      expect(await token.balanceOf(alice.address)).to.equal(E("1000"));
      expect(await offering.purchaseOf(MODEL_ID, alice.address)).to.deep.equal([E("1000"), E("1")]);
      expect((await offering.offeringOf(MODEL_ID)).raisedWei).to.equal(E("1"));
    });

    it("refuses zero, underpayment, an unknown model and a purchase past the hard cap", async function () {
      const { offering, alice } = await loadFixture(launched);
      await expect(offering.connect(alice).buy(MODEL_ID, 0n, 0n)).to.be.revertedWithCustomError(
        offering,
        "ModelOfferingZeroAmount",
      );
      await expect(offering.connect(alice).buy(MODEL_ID, E("1000"), E("1"), { value: E("0.5") }))
        .to.be.revertedWithCustomError(offering, "ModelOfferingUnderpaid")
        .withArgs(E("0.5"), E("1"));
      await expect(offering.connect(alice).buy(99n, 1n, 0n))
        .to.be.revertedWithCustomError(offering, "ModelOfferingUnknown")
        .withArgs(99n);
      await offering.connect(alice).buy(MODEL_ID, E("99000"), E("99"), { value: E("99") });
      await expect(offering.connect(alice).buy(MODEL_ID, E("1001"), E("2"), { value: E("2") }))
        .to.be.revertedWithCustomError(offering, "ModelOfferingHardCapExceeded")
        .withArgs(MODEL_ID, E("1001"), E("1000"));
    });

    it("prices a linear curve by its integral, rounded up", async function () {
      const { offering, creator, alice, bob } = await loadFixture(deployOffering);
      const start = E("0.001");
      const slope = E("0.00001");
      await offering
        .connect(creator)
        .launch(MODEL_ID, await defaultParams({ priceMode: 1, startPriceWei: start, slopeWei: slope }));
      const first = curveCost(start, slope, 0n, E("1000"));
      expect(await offering.quote(MODEL_ID, E("1000"))).to.equal(first);
      await offering.connect(alice).buy(MODEL_ID, E("1000"), first, { value: first });
      const second = curveCost(start, slope, E("1000"), E("333.333333333333333333"));
      expect(second).to.be.gt((first * 333n) / 1000n);
      await expect(offering.connect(bob).buy(MODEL_ID, E("333.333333333333333333"), second, { value: second })).to.emit(
        offering,
        "TokensBought",
      );
    });

    it("charges a split purchase at least the single purchase and at most two wei more per split (two terms rounded up)", async function () {
      const { offering, creator } = await loadFixture(deployOffering);
      const signers = await ethers.getSigners();
      await offering
        .connect(creator)
        .launch(MODEL_ID, await defaultParams({ priceMode: 1, startPriceWei: 12_345n, slopeWei: E("0.0000001") }));
      const id = await ethers.provider.send("evm_snapshot", []);
      let snapshot = id;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.bigInt({ min: 1n, max: E("5000") }), { minLength: 1, maxLength: 6 }),
          async (parts) => {
            await ethers.provider.send("evm_revert", [snapshot]);
            snapshot = await ethers.provider.send("evm_snapshot", []);
            const total = parts.reduce((x, y) => x + y, 0n);
            const whole = await offering.quote(MODEL_ID, total);
            let paid = 0n;
            for (const [i, amount] of parts.entries()) {
              const cost = await offering.quote(MODEL_ID, amount);
              await offering.connect(signers[10 + i]).buy(MODEL_ID, amount, cost, { value: cost });
              paid += cost;
            }
            expect(paid).to.be.gte(whole);
            expect(paid - whole).to.be.lte(BigInt(parts.length) * 2n);
            expect((await offering.offeringOf(MODEL_ID)).raisedWei).to.equal(paid);
            expect(await ethers.provider.getBalance(await offering.getAddress())).to.equal(paid);
          },
        ),
        { numRuns: process.env.DEEP ? 100 : 15, seed: 7 },
      );
      await ethers.provider.send("evm_revert", [snapshot]);
    });

    it("protects a buyer from a price move between quote and inclusion", async function () {
      const { offering, creator, alice, bob } = await loadFixture(deployOffering);
      await offering.connect(creator).launch(MODEL_ID, await defaultParams({ priceMode: 1, slopeWei: E("0.0000001") }));
      const quoted = await offering.quote(MODEL_ID, E("1000"));
      await offering.connect(alice).buy(MODEL_ID, E("5000"), E("10"), { value: E("10") });
      const now = await offering.quote(MODEL_ID, E("1000"));
      await expect(offering.connect(bob).buy(MODEL_ID, E("1000"), quoted, { value: quoted }))
        .to.be.revertedWithCustomError(offering, "ModelOfferingPriceAboveMax")
        .withArgs(now, quoted);
    });

    it("sells until the deadline inclusive (T-1, T) and not after (T+1)", async function () {
      const { offering, alice, params } = await loadFixture(launched);
      const deadline = BigInt(params.deadline);
      await time.setNextBlockTimestamp(deadline - 1n);
      await expect(offering.connect(alice).buy(MODEL_ID, E("1"), E("1"), { value: E("1") })).to.emit(
        offering,
        "TokensBought",
      );
      await time.setNextBlockTimestamp(deadline);
      await expect(offering.connect(alice).buy(MODEL_ID, E("1"), E("1"), { value: E("1") })).to.emit(
        offering,
        "TokensBought",
      );
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(offering.connect(alice).buy(MODEL_ID, E("1"), E("1"), { value: E("1") }))
        .to.be.revertedWithCustomError(offering, "ModelOfferingClosed")
        .withArgs(MODEL_ID, deadline);
    });

    it("stops buying while paused", async function () {
      const { offering, admin, alice } = await loadFixture(launched);
      await offering.connect(admin).pause();
      await expect(
        offering.connect(alice).buy(MODEL_ID, E("1"), E("1"), { value: E("1") }),
      ).to.be.revertedWithCustomError(offering, "EnforcedPause");
    });

    it("stops launching and finalizing while paused", async function () {
      const { offering, admin, creator, alice } = await loadFixture(deployOffering);
      await offering.connect(admin).pause();
      await expect(offering.connect(creator).launch(MODEL_ID, await defaultParams())).to.be.revertedWithCustomError(
        offering,
        "EnforcedPause",
      );
      await offering.connect(admin).unpause();
      await offering.connect(creator).launch(MODEL_ID, await defaultParams());
      await offering.connect(alice).buy(MODEL_ID, E("100000"), E("100"), { value: E("100") });
      await offering.connect(admin).pause();
      await expect(offering.finalize(MODEL_ID)).to.be.revertedWithCustomError(offering, "EnforcedPause");
      expect(await offering.statusOf(MODEL_ID)).to.equal(Status.Active);
    });

    it("refuses re-entry into buy, finalize, refund, claimVested and withdraw from a buyer's overpayment refund", async function () {
      const { offering } = await loadFixture(launched);
      const buyer = await (await ethers.getContractFactory("ReentrantOfferingBuyer")).deploy();
      const target = await offering.getAddress();
      const i = offering.interface;
      const reentries = [
        i.encodeFunctionData("buy", [MODEL_ID, E("1"), E("1")]),
        i.encodeFunctionData("finalize", [MODEL_ID]),
        i.encodeFunctionData("refund", [MODEL_ID]),
        i.encodeFunctionData("claimVested", [MODEL_ID]),
        i.encodeFunctionData("withdraw"),
      ];
      const cost = E("0.001"); // 1 token at the fixed 0.001 ETH start price
      for (const call of reentries) {
        await buyer.setReentry(target, call);
        const tx = buyer.exec(target, i.encodeFunctionData("buy", [MODEL_ID, E("1"), 2n * cost]), {
          value: 2n * cost,
        });
        await expect(tx)
          .to.emit(offering, "TokensBought")
          .withArgs(MODEL_ID, await buyer.getAddress(), E("1"), cost);
        // The buyer contract keeps the refunded excess of the value it forwarded; the offering keeps the cost.
        await expect(tx).to.changeEtherBalances([buyer, offering], [cost, cost]);
        expect(await buyer.reentered()).to.equal(true);
        expect(await buyer.reentrySucceeded()).to.equal(false);
        expect(offering.interface.parseError(await buyer.reentryRevertData())!.name).to.equal(
          "ReentrancyGuardReentrantCall",
        );
      }
      const n = BigInt(reentries.length);
      expect(await offering.purchaseOf(MODEL_ID, await buyer.getAddress())).to.deep.equal([n * E("1"), n * cost]);
      expect((await offering.offeringOf(MODEL_ID)).soldTokens).to.equal(n * E("1"));
    });
  });

  describe("when the hard cap is reached", function () {
    it("finalizes before the deadline: creator credited, fee to treasury, token live, receiver locked", async function () {
      const { offering, token, registry, treasury, creator, alice, bob } = await loadFixture(launched);
      await offering.connect(alice).buy(MODEL_ID, E("60000"), E("60"), { value: E("60") });
      await offering.connect(bob).buy(MODEL_ID, E("40000"), E("40"), { value: E("40") });
      const fee = (E("100") * FEE_BPS) / 10_000n;
      const tx = offering.finalize(MODEL_ID);
      await expect(tx).to.emit(offering, "OfferingFinalized").withArgs(MODEL_ID, E("100"), fee);
      await expect(tx).to.emit(token, "Activated");
      await expect(tx).to.changeEtherBalances([offering, treasury], [-fee, fee]);
      expect(await registry.revenueReceiverOf(MODEL_ID)).to.equal(await token.getAddress());
      expect(await registry.isRevenueLocked(MODEL_ID)).to.equal(true);
      expect(await offering.statusOf(MODEL_ID)).to.equal(Status.Succeeded);
      expect(await offering.creditOf(creator.address)).to.equal(E("100") - fee);
      await expect(offering.connect(creator).withdraw())
        .to.emit(offering, "Withdrawn")
        .withArgs(creator.address, E("100") - fee);
      await expect(offering.connect(creator).withdraw())
        .to.be.revertedWithCustomError(offering, "ModelOfferingNothingDue")
        .withArgs(creator.address);
      await expect(token.connect(alice).transfer(bob.address, E("1"))).to.emit(token, "Transfer");
      await expect(offering.finalize(MODEL_ID))
        .to.be.revertedWithCustomError(offering, "ModelOfferingNotFinalizable")
        .withArgs(MODEL_ID, Status.Succeeded);
      await expect(offering.connect(alice).buy(MODEL_ID, 1n, E("1"), { value: E("1") })).to.be.revertedWithCustomError(
        offering,
        "ModelOfferingClosed",
      );
    });

    it("does not finalize early while the hard cap is not reached", async function () {
      const { offering, alice } = await loadFixture(launched);
      await offering.connect(alice).buy(MODEL_ID, E("50000"), E("50"), { value: E("50") });
      await expect(offering.finalize(MODEL_ID))
        .to.be.revertedWithCustomError(offering, "ModelOfferingNotFinalizable")
        .withArgs(MODEL_ID, Status.Active);
    });

    it("does not finalize before the deadline while the soft cap is not met", async function () {
      const { offering, alice } = await loadFixture(launched);
      await expect(offering.finalize(MODEL_ID))
        .to.be.revertedWithCustomError(offering, "ModelOfferingNotFinalizable")
        .withArgs(MODEL_ID, Status.Active);
      await offering.connect(alice).buy(MODEL_ID, E("39999"), E("40"), { value: E("40") });
      await expect(offering.finalize(MODEL_ID))
        .to.be.revertedWithCustomError(offering, "ModelOfferingNotFinalizable")
        .withArgs(MODEL_ID, Status.Active);
    });

    it("finalizes with a zero protocol fee: the creator credited in full, nothing sent to the treasury", async function () {
      const { offering, treasury, admin, creator, alice } = await loadFixture(launched);
      await offering.connect(admin).setProtocolFeeBps(0);
      await offering.connect(alice).buy(MODEL_ID, E("100000"), E("100"), { value: E("100") });
      const tx = offering.finalize(MODEL_ID);
      await expect(tx).to.emit(offering, "OfferingFinalized").withArgs(MODEL_ID, E("100"), 0n);
      await expect(tx).to.changeEtherBalances([offering, treasury], [0n, 0n]);
      expect(await offering.creditOf(creator.address)).to.equal(E("100"));
    });

    it("finalizes after the deadline once the soft cap is met", async function () {
      const { offering, alice, params } = await loadFixture(launched);
      await offering.connect(alice).buy(MODEL_ID, E("40000"), E("40"), { value: E("40") });
      await time.increaseTo(BigInt(params.deadline) + 1n);
      await expect(offering.finalize(MODEL_ID)).to.emit(offering, "OfferingFinalized");
    });
  });

  describe("when the soft cap is missed", function () {
    async function failed() {
      const base = await launched();
      await base.offering.connect(base.alice).buy(MODEL_ID, E("10000"), E("10"), { value: E("10") });
      await base.offering.connect(base.bob).buy(MODEL_ID, E("5000"), E("5"), { value: E("5") });
      return base;
    }

    it("refuses refunds before the deadline and finalization after it", async function () {
      const { offering, alice, params } = await loadFixture(failed);
      await expect(offering.connect(alice).refund(MODEL_ID))
        .to.be.revertedWithCustomError(offering, "ModelOfferingNotFailed")
        .withArgs(MODEL_ID, Status.Active);
      await time.increaseTo(BigInt(params.deadline) + 1n);
      expect(await offering.statusOf(MODEL_ID)).to.equal(Status.Failed);
      await expect(offering.finalize(MODEL_ID))
        .to.be.revertedWithCustomError(offering, "ModelOfferingNotFinalizable")
        .withArgs(MODEL_ID, Status.Failed);
    });

    it("opens refunds only after the deadline (T: still active, T+1: failed)", async function () {
      const { offering, alice, params } = await loadFixture(failed);
      const deadline = BigInt(params.deadline);
      await time.setNextBlockTimestamp(deadline);
      await expect(offering.connect(alice).refund(MODEL_ID))
        .to.be.revertedWithCustomError(offering, "ModelOfferingNotFailed")
        .withArgs(MODEL_ID, Status.Active);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(offering.connect(alice).refund(MODEL_ID)).to.emit(offering, "Refunded");
    });

    it("refunds every buyer in full and burns their tokens", async function () {
      const { offering, token, alice, bob, params } = await loadFixture(failed);
      await time.increaseTo(BigInt(params.deadline) + 1n);
      for (const [buyer, tokens, paid] of [
        [alice, E("10000"), E("10")],
        [bob, E("5000"), E("5")],
      ] as const) {
        const tx = offering.connect(buyer).refund(MODEL_ID);
        await expect(tx).to.emit(offering, "Refunded").withArgs(MODEL_ID, buyer.address, tokens, paid);
        await expect(tx).to.changeEtherBalances([buyer, offering], [paid, -paid]);
        expect(await token.balanceOf(buyer.address)).to.equal(0n);
        await expect(offering.connect(buyer).refund(MODEL_ID))
          .to.be.revertedWithCustomError(offering, "ModelOfferingNothingDue")
          .withArgs(buyer.address);
      }
      expect(await token.totalSupply()).to.equal(0n);
      expect(await ethers.provider.getBalance(await offering.getAddress())).to.equal(0n);
    });
  });

  describe("creator vesting", function () {
    it("vests nothing before finalization or the cliff, linearly after, everything at the end", async function () {
      const { offering, token, creator } = await loadFixture(launched);
      await expect(offering.claimVested(MODEL_ID))
        .to.be.revertedWithCustomError(offering, "ModelOfferingNotSucceeded")
        .withArgs(MODEL_ID);
      const { alice } = await loadFixture(launched);
      await offering.connect(alice).buy(MODEL_ID, E("100000"), E("100"), { value: E("100") });
      await offering.finalize(MODEL_ID);
      const start = BigInt((await offering.offeringOf(MODEL_ID)).finalizedAt);
      const cliff = start + BigInt(30 * DAY);
      await time.increaseTo(cliff - 1n);
      expect(await offering.vestedOf(MODEL_ID)).to.equal(0n);
      await time.setNextBlockTimestamp(cliff);
      const atCliff = (E("200000") * 30n) / 360n;
      await expect(offering.claimVested(MODEL_ID))
        .to.emit(offering, "VestedClaimed")
        .withArgs(MODEL_ID, creator.address, atCliff);
      expect(await token.balanceOf(creator.address)).to.equal(atCliff);
      await expect(offering.claimVested(MODEL_ID))
        .to.emit(offering, "VestedClaimed")
        .withArgs(
          MODEL_ID,
          creator.address,
          (E("200000") * (30n * 86400n + 1n)) / (360n * 86400n) - (E("200000") * 30n) / 360n,
        );
      await time.increaseTo(start + BigInt(360 * DAY) + 1n);
      await offering.claimVested(MODEL_ID);
      expect(await token.balanceOf(creator.address)).to.equal(E("200000"));
      await expect(offering.claimVested(MODEL_ID))
        .to.be.revertedWithCustomError(offering, "ModelOfferingNothingDue")
        .withArgs(creator.address);
      expect(await token.totalSupply()).to.equal(E("300000"));
    });
  });

  describe("creator vesting without a schedule", function () {
    it("reports nothing vested before finalization, then vests the whole allocation at once", async function () {
      const { offering, creator, alice } = await loadFixture(deployOffering);
      await offering.connect(creator).launch(MODEL_ID, await defaultParams({ cliffSeconds: 0, vestingSeconds: 0 }));
      await offering.connect(alice).buy(MODEL_ID, E("100000"), E("100"), { value: E("100") });
      expect(await offering.vestedOf(MODEL_ID)).to.equal(0n);
      await offering.finalize(MODEL_ID);
      expect(await offering.vestedOf(MODEL_ID)).to.equal(E("200000"));
      await expect(offering.claimVested(MODEL_ID))
        .to.emit(offering, "VestedClaimed")
        .withArgs(MODEL_ID, creator.address, E("200000"));
      const token = await ethers.getContractAt("ModelToken", (await offering.offeringOf(MODEL_ID)).token);
      expect(await token.balanceOf(creator.address)).to.equal(E("200000"));
    });
  });

  describe("with the real ModelRegistry", function () {
    async function realRegistry() {
      const core = await deployOffering();
      const { admin, creator, staking, treasury, implementation } = core;
      const registry = await deployProxy<ModelRegistry>("ModelRegistry", [
        admin.address,
        ADMIN_DELAY_SECONDS,
        await staking.getAddress(),
      ]);
      await registry.connect(creator).registerModel(ethers.id("weights"), "ipfs://model", E("0.01"), {
        mode: 0,
        quorumK: 0,
        quorumN: 0,
        challengeWindowSeconds: 0,
        bondWei: 0n,
      });
      const offering = await deployProxy<ModelOffering>("ModelOffering", [
        admin.address,
        ADMIN_DELAY_SECONDS,
        await registry.getAddress(),
        await treasury.getAddress(),
        await implementation.getAddress(),
        FEE_BPS,
      ]);
      await registry.connect(admin).grantRole(await registry.REVENUE_MANAGER_ROLE(), await offering.getAddress());
      return { ...core, registry, offering };
    }

    it("locks the model's revenue receiver to its token so the owner can no longer redirect it", async function () {
      const { registry, offering, creator, alice } = await loadFixture(realRegistry);
      await offering.connect(creator).launch(MODEL_ID, await defaultParams());
      const token = (await offering.offeringOf(MODEL_ID)).token;
      await offering.connect(alice).buy(MODEL_ID, E("100000"), E("100"), { value: E("100") });
      await expect(offering.finalize(MODEL_ID))
        .to.emit(registry, "RevenueReceiverLocked")
        .withArgs(MODEL_ID, token, await offering.getAddress());
      expect(await registry.revenueReceiverOf(MODEL_ID)).to.equal(token);
      await expect(registry.connect(creator).setRevenueReceiver(MODEL_ID, creator.address))
        .to.be.revertedWithCustomError(registry, "ModelRegistryRevenueReceiverLocked")
        .withArgs(MODEL_ID, token);
    });
  });

  describe("administration", function () {
    it("sets the fee within bounds, the treasury and the implementation, with events", async function () {
      const { offering, admin, stranger } = await loadFixture(deployOffering);
      await expect(offering.connect(admin).setProtocolFeeBps(1000))
        .to.emit(offering, "ProtocolFeeBpsSet")
        .withArgs(1000);
      await expect(offering.connect(admin).setProtocolFeeBps(1001))
        .to.be.revertedWithCustomError(offering, "ModelOfferingFeeTooHigh")
        .withArgs(1001);
      await expect(offering.connect(admin).setTreasury(stranger.address))
        .to.emit(offering, "TreasurySet")
        .withArgs(stranger.address);
      await expect(offering.connect(admin).setTreasury(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        offering,
        "ModelOfferingZeroAddress",
      );
      await expect(offering.connect(admin).setTokenImplementation(stranger.address))
        .to.emit(offering, "TokenImplementationSet")
        .withArgs(stranger.address);
    });

    it("refuses a zero registry or token implementation at initialisation, and a zero implementation later", async function () {
      const { offering, admin, registry, treasury, implementation } = await loadFixture(deployOffering);
      const args = [
        admin.address,
        ADMIN_DELAY_SECONDS,
        await registry.getAddress(),
        await treasury.getAddress(),
        await implementation.getAddress(),
        FEE_BPS,
      ];
      const factory = await ethers.getContractFactory("ModelOffering");
      for (const index of [2, 4]) {
        const bad = [...args];
        bad[index] = ethers.ZeroAddress;
        await expect(deployProxy<ModelOffering>("ModelOffering", bad)).to.be.revertedWithCustomError(
          factory,
          "ModelOfferingZeroAddress",
        );
      }
      await expect(offering.connect(admin).setTokenImplementation(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        offering,
        "ModelOfferingZeroAddress",
      );
      expect(await offering.tokenImplementation()).to.equal(await implementation.getAddress());
    });

    it("forwards token configuration from the token admin", async function () {
      const { offering, token, admin } = await loadFixture(succeeded);
      const erc20 = await (await ethers.getContractFactory("MintableTestToken")).deploy();
      await expect(offering.connect(admin).setTokenRevenueAsset(MODEL_ID, await erc20.getAddress(), true))
        .to.emit(token, "RevenueAssetSet")
        .withArgs(await erc20.getAddress(), true);
      await expect(offering.connect(admin).setTokenStreamPeriod(MODEL_ID, 3600))
        .to.emit(token, "StreamPeriodSet")
        .withArgs(3600);
      await expect(offering.connect(admin).setTokenRedeemBps(MODEL_ID, 0)).to.emit(token, "RedeemBpsSet").withArgs(0);
    });

    it("upgrades to a V2 with its state and layout intact", async function () {
      const { offering, token } = await loadFixture(succeeded);
      const V2 = await ethers.getContractFactory("ModelOfferingV2");
      await upgrades.validateUpgrade(offering, V2, { kind: "uups" });
      const upgraded = await upgrades.upgradeProxy(offering, V2, { kind: "uups" });
      expect(await upgraded.version()).to.equal(2n);
      expect((await upgraded.offeringOf(MODEL_ID)).token).to.equal(await token.getAddress());
      expect(await upgraded.protocolFeeBps()).to.equal(FEE_BPS);
    });
  });

  shouldEnforceAccessMatrix("ModelOffering", async () => {
    const { offering, admin, stranger } = await succeeded();
    const holder = (await ethers.getSigners())[0];
    const v2 = await (await ethers.getContractFactory("ModelOfferingV2")).deploy();
    return {
      contract: offering,
      callers: { admin, stranger },
      roleHolders: {
        [DEFAULT_ADMIN_ROLE]: ["admin"],
        [PAUSER_ROLE]: ["admin"],
        [UPGRADER_ROLE]: ["admin"],
        [TOKEN_ADMIN_ROLE]: ["admin"],
      },
      guards: {
        ...AXON_UPGRADEABLE_GUARDS,
        "buy(uint256,uint256,uint256)": ANYONE,
        "claimVested(uint256)": ANYONE,
        "finalize(uint256)": ANYONE,
        "initialize(address,uint48,address,address,address,uint16)": custom("InvalidInitialization", []),
        "launch(uint256,(string,string,uint256,uint256,uint64,uint64,uint8,uint256,uint256,uint256,uint256,uint64,uint32,uint16))":
          ANYONE,
        "refund(uint256)": ANYONE,
        "renounceRole(bytes32,address)": ANYONE,
        "setProtocolFeeBps(uint16)": role(DEFAULT_ADMIN_ROLE),
        "setTokenImplementation(address)": role(DEFAULT_ADMIN_ROLE),
        "setTokenRedeemBps(uint256,uint16)": role(TOKEN_ADMIN_ROLE),
        "setTokenRevenueAsset(uint256,address,bool)": role(TOKEN_ADMIN_ROLE),
        "setTokenStreamPeriod(uint256,uint32)": role(TOKEN_ADMIN_ROLE),
        "setTreasury(address)": role(DEFAULT_ADMIN_ROLE),
        "withdraw()": ANYONE,
      },
      args: {
        "setTokenImplementation(address)": [holder.address],
        "setTreasury(address)": [holder.address],
        "setTokenRedeemBps(uint256,uint16)": [MODEL_ID, 0],
        "setTokenRevenueAsset(uint256,address,bool)": [MODEL_ID, holder.address, true],
        "setTokenStreamPeriod(uint256,uint32)": [MODEL_ID, 3600],
        "grantRole(bytes32,address)": [PAUSER_ROLE, stranger.address],
        "revokeRole(bytes32,address)": [PAUSER_ROLE, stranger.address],
        "upgradeToAndCall(address,bytes)": [await v2.getAddress(), "0x"],
      },
    };
  });
});
