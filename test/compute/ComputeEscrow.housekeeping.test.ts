import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployComputeFixture, ETH, jobRequest, PAYMENT, postEthJob, Status, type ComputeFixture } from "./fixture";

const coder = ethers.AbiCoder.defaultAbiCoder();
const decodeIds = (data: string) => (coder.decode(["uint256[]"], data)[0] as bigint[]).map((x) => x);

/** Posts `count` jobs with one start deadline in a single block. */
async function postMany(f: ComputeFixture, count: number, startDeadline: number) {
  const request = await jobRequest({ startDeadline });
  await network.provider.send("evm_setAutomine", [false]);
  try {
    for (let i = 0; i < count; i++) {
      await f.escrow.connect(f.requester2).postJob(request, ETH, PAYMENT, { value: PAYMENT, gasLimit: 300_000 });
    }
    await network.provider.send("evm_mine");
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
}

describe("ComputeEscrow housekeeping (Chainlink Automation)", function () {
  it("needs no upkeep when nothing is due", async function () {
    const f = await loadFixture(deployComputeFixture);
    await postEthJob(f);
    const [needed, data] = await f.escrow.checkUpkeep("0x");
    expect(needed).to.equal(false);
    expect(decodeIds(data)).to.deep.equal([]);
  });

  it("finds expired jobs, and performUpkeep settles them and advances the cursor", async function () {
    const f = await loadFixture(deployComputeFixture);
    const a = await postEthJob(f);
    const b = await postEthJob(f);
    await f.escrow.connect(f.provider).claim(b);
    const c = await postEthJob(f, { startDeadline: (await time.latest()) + 10 * 24 * 3600 });
    await time.increaseTo(Number((await f.escrow.jobOf(b)).deadline) + 1);
    const [needed, data] = await f.escrow.checkUpkeep("0x");
    expect(needed).to.equal(true);
    expect(decodeIds(data)).to.deep.equal([a, b]);
    await expect(f.escrow.connect(f.keeper).performUpkeep(data))
      .to.emit(f.escrow, "JobRefunded")
      .withArgs(a, f.requester.address, PAYMENT)
      .and.to.emit(f.escrow, "ProviderSlashed")
      .and.to.emit(f.escrow, "ExpiryCursorAdvanced")
      .withArgs(c);
    expect(await f.escrow.expiryCursor()).to.equal(c);
    expect((await f.escrow.checkUpkeep("0x"))[0]).to.equal(false);
  });

  it("skips ids that are not due, so racing keepers never revert each other", async function () {
    const f = await loadFixture(deployComputeFixture);
    const a = await postEthJob(f);
    const b = await postEthJob(f, { startDeadline: (await time.latest()) + 10 * 24 * 3600 });
    await time.increaseTo(Number((await f.escrow.jobOf(a)).deadline) + 1);
    expect(await f.escrow.processExpired.staticCall([a, b, 999n])).to.equal(1n);
    await f.escrow.processExpired([a, b, 999n]);
    expect(await f.escrow.processExpired.staticCall([a, b])).to.equal(0n);
    expect((await f.escrow.jobOf(b)).status).to.equal(Status.Open);
  });

  it("refuses batches longer than MAX_BATCH", async function () {
    const f = await loadFixture(deployComputeFixture);
    const ids = Array.from({ length: 51 }, (_, i) => BigInt(i + 1));
    await expect(f.escrow.processExpired(ids))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowBatchTooLarge")
      .withArgs(51, 50);
    await expect(f.escrow.performUpkeep(coder.encode(["uint256[]"], [ids])))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowBatchTooLarge")
      .withArgs(51, 50);
  });

  it("keeps the cursor at the oldest unfinished job and moves it once that job settles", async function () {
    const f = await loadFixture(deployComputeFixture);
    const slow = await postEthJob(f, { startDeadline: (await time.latest()) + 10 * 24 * 3600 });
    const fast = await postEthJob(f);
    await time.increaseTo(Number((await f.escrow.jobOf(fast)).deadline) + 1);
    await f.escrow.processExpired([fast]);
    expect(await f.escrow.expiryCursor()).to.equal(slow);
    await f.escrow.connect(f.requester).cancel(slow);
    const [needed, data] = await f.escrow.checkUpkeep("0x");
    expect(needed).to.equal(true);
    await expect(f.escrow.performUpkeep(data))
      .to.emit(f.escrow, "ExpiryCursorAdvanced")
      .withArgs(fast + 1n);
  });

  it("scans at most SCAN_LIMIT ids and returns at most MAX_BATCH per call; checkData moves the window", async function () {
    const f = await loadFixture(deployComputeFixture);
    const deadline = (await time.latest()) + 3_600;
    await postMany(f, 205, deadline);
    const late = await postEthJob(f, { startDeadline: deadline + 100 });
    await time.increaseTo(deadline + 1);
    const [, first] = await f.escrow.checkUpkeep("0x");
    const ids = decodeIds(first);
    expect(ids.length).to.equal(50);
    expect(ids[0]).to.equal(1n);
    expect(ids[49]).to.equal(50n);
    await f.escrow.performUpkeep(first);
    expect(await f.escrow.expiryCursor()).to.equal(51n);
    // From id 190 the window reaches the job that is not due yet, which is left out.
    const [, windowed] = await f.escrow.checkUpkeep(coder.encode(["uint256"], [190]));
    expect(decodeIds(windowed)).to.deep.equal(Array.from({ length: 16 }, (_, i) => BigInt(190 + i)));
    expect(late).to.equal(206n);
  });
});
