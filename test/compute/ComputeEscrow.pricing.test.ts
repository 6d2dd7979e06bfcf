import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  deployComputeFixture,
  ETH,
  ETH_USD,
  FEED_MAX,
  FEED_MIN,
  FEED_STALENESS,
  jobRequest,
  OFFER,
  postedJobId,
  Unit,
} from "./fixture";

// 1 cent at 3,000 USD/ETH: 1e16 * 1e8 / 3000e8 wei, rounded up.
const weiFor = (cents: bigint, answer = ETH_USD) => (cents * 10n ** 24n + answer - 1n) / answer;

describe("ComputeEscrow USD pricing (Chainlink ETH/USD feed)", function () {
  it("converts USD cents to wei at the feed's price, rounding against the requester", async function () {
    const f = await loadFixture(deployComputeFixture);
    const [amountWei, answer] = await f.escrow.usdCentsToWei(12_345);
    expect(answer).to.equal(ETH_USD);
    expect(amountWei).to.equal(weiFor(12_345n));
    expect(amountWei * ETH_USD).to.be.gte(12_345n * 10n ** 24n);
  });

  it("escrows the converted wei and credits the overpayment back", async function () {
    const f = await loadFixture(deployComputeFixture);
    const cents = 50_00n;
    const amountWei = weiFor(cents);
    const tx = await f.escrow.connect(f.requester).postJobUsd(await jobRequest(), cents, { value: amountWei + 777n });
    const id = await postedJobId(f.escrow, tx);
    await expect(tx).to.emit(f.escrow, "JobPricedInUsd").withArgs(id, cents, ETH_USD, amountWei);
    await expect(tx).to.emit(f.escrow, "JobPosted");
    expect((await f.escrow.jobOf(id)).amount).to.equal(amountWei);
    expect(await f.escrow.creditOf(f.requester.address, ETH)).to.equal(777n);
  });

  it("keeps the escrowed wei when the price moves after posting", async function () {
    const f = await loadFixture(deployComputeFixture);
    const amountWei = weiFor(100_00n);
    const id = await postedJobId(
      f.escrow,
      await f.escrow.connect(f.requester).postJobUsd(await jobRequest(), 100_00n, { value: amountWei }),
    );
    await f.feed.setAnswer(1_500n * 10n ** 8n);
    await f.escrow.connect(f.requester).cancel(id);
    expect(await f.escrow.creditOf(f.requester.address, ETH)).to.equal(amountWei);
  });

  it("rejects a payment below the converted price", async function () {
    const f = await loadFixture(deployComputeFixture);
    const amountWei = weiFor(100n);
    await expect(f.escrow.connect(f.requester).postJobUsd(await jobRequest(), 100n, { value: amountWei - 1n }))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongValue")
      .withArgs(amountWei - 1n, amountWei);
  });

  for (const answer of [0n, -1n, -3_000n * 10n ** 8n]) {
    it(`rejects a feed answer of ${answer}`, async function () {
      const f = await loadFixture(deployComputeFixture);
      await f.feed.setAnswer(answer);
      await expect(f.escrow.usdCentsToWei(100))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowFeedAnswerNotPositive")
        .withArgs(answer);
      await expect(f.escrow.postJobUsd(await jobRequest(), 100, { value: ethers.parseEther("1") }))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowFeedAnswerNotPositive")
        .withArgs(answer);
    });
  }

  it("rejects an incomplete round: zero updatedAt, or answered in an earlier round", async function () {
    const f = await loadFixture(deployComputeFixture);
    await f.feed.setRound(7, ETH_USD, 0, 7);
    await expect(f.escrow.usdCentsToWei(100))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowFeedRoundIncomplete")
      .withArgs(7, 7, 0);
    const now = await time.latest();
    await f.feed.setRound(8, ETH_USD, now, 7);
    await expect(f.escrow.usdCentsToWei(100))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowFeedRoundIncomplete")
      .withArgs(8, 7, now);
    await f.feed.setRound(9, ETH_USD, now + 1_000, 9);
    await expect(f.escrow.usdCentsToWei(100))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowFeedRoundIncomplete")
      .withArgs(9, 9, now + 1_000);
  });

  it("accepts an answer exactly maxStaleness old and rejects one a second older", async function () {
    const f = await loadFixture(deployComputeFixture);
    const updatedAt = (await time.latest()) + 1;
    await time.setNextBlockTimestamp(updatedAt);
    await f.feed.setAnswer(ETH_USD);
    await time.increaseTo(updatedAt + FEED_STALENESS - 1);
    expect((await f.escrow.usdCentsToWei(100))[1]).to.equal(ETH_USD);
    await time.increaseTo(updatedAt + FEED_STALENESS);
    expect((await f.escrow.usdCentsToWei(100))[1]).to.equal(ETH_USD);
    await time.increaseTo(updatedAt + FEED_STALENESS + 1);
    const now = await time.latest();
    await expect(f.escrow.usdCentsToWei(100))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowFeedStale")
      .withArgs(updatedAt, FEED_STALENESS, now);
  });

  it("rejects answers outside the admin bounds and accepts the bounds themselves", async function () {
    const f = await loadFixture(deployComputeFixture);
    for (const answer of [FEED_MIN, FEED_MAX]) {
      await f.feed.setAnswer(answer);
      expect((await f.escrow.usdCentsToWei(100))[1]).to.equal(answer);
    }
    for (const answer of [FEED_MIN - 1n, FEED_MAX + 1n]) {
      await f.feed.setAnswer(answer);
      await expect(f.escrow.usdCentsToWei(100))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowFeedAnswerOutOfBounds")
        .withArgs(answer, FEED_MIN, FEED_MAX);
    }
  });

  it("refuses USD pricing before a feed is set", async function () {
    const f = await loadFixture(deployComputeFixture);
    const fresh = await (
      await import("hardhat")
    ).upgrades.deployProxy(
      f.factory,
      [f.admin.address, 0, await f.staking.getAddress(), await f.treasury.getAddress(), await f.escrow.settings()],
      { kind: "uups", unsafeAllowLinkedLibraries: true },
    );
    await expect(fresh.getFunction("usdCentsToWei")(100)).to.be.revertedWithCustomError(
      f.escrow,
      "ComputeEscrowFeedNotSet",
    );
  });

  it("quotes a USD-priced offer in wei at the current price", async function () {
    const f = await loadFixture(deployComputeFixture);
    await f.escrow.connect(f.provider).setOffer({ ...OFFER, gpuCount: 2, unit: Unit.UsdCents, pricePerGpuHour: 250n });
    // 2 GPUs x 2.50 USD x 2 h = 1,000 cents.
    expect(await f.escrow.quoteWei(f.provider.address, 7_200)).to.equal(weiFor(1_000n));
    await f.feed.setAnswer(2_000n * 10n ** 8n);
    expect(await f.escrow.quoteWei(f.provider.address, 7_200)).to.equal(weiFor(1_000n, 2_000n * 10n ** 8n));
  });

  it("validates and records the feed configuration", async function () {
    const f = await loadFixture(deployComputeFixture);
    const feed = await f.feed.getAddress();
    await expect(f.escrow.setFeed(feed, 60, 1, 2))
      .to.emit(f.escrow, "FeedSet")
      .withArgs(feed, 60, 1, 2);
    const cfg = await f.escrow.feedConfig();
    expect(cfg.decimals).to.equal(8);
    expect(cfg.maxStalenessSeconds).to.equal(60);
    await expect(f.escrow.setFeed(ethers.ZeroAddress, 60, 1, 2))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowZeroAddress")
      .withArgs("feed");
    for (const [stale, min, max] of [
      [0, 1, 2],
      [60, 0, 2],
      [60, 3, 2],
      [60, -5, 2],
    ]) {
      await expect(f.escrow.setFeed(feed, stale, min, max))
        .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowInvalidFeedConfig")
        .withArgs(min, max, stale);
    }
  });
});
