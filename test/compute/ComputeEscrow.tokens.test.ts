import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  deployComputeFixture,
  ETH,
  feeOf,
  jobRequest,
  PAYMENT,
  postedJobId,
  Status,
  type ComputeFixture,
} from "./fixture";

const AMOUNT = ethers.parseUnits("1000", 18);

async function deployToken(f: ComputeFixture, name: string, args: unknown[] = []) {
  const token = await (await ethers.getContractFactory(name)).deploy(...args);
  const address = await token.getAddress();
  await f.escrow.setTokenAllowed(address, true);
  await token.getFunction("mint")(f.requester.address, AMOUNT * 10n);
  await token.connect(f.requester).getFunction("approve")(await f.escrow.getAddress(), ethers.MaxUint256);
  return { token, address };
}

async function postTokenJob(f: ComputeFixture, token: string, amount = AMOUNT) {
  return postedJobId(f.escrow, await f.escrow.connect(f.requester).postJob(await jobRequest(), token, amount));
}

async function payJob(f: ComputeFixture, id: bigint) {
  await f.escrow.connect(f.provider).claim(id);
  await f.escrow.connect(f.provider).start(id);
  await f.escrow.connect(f.provider).submitResult(id, ethers.id("r"), "");
  await f.escrow.connect(f.requester).accept(id);
}

describe("ComputeEscrow ERC-20 payments (weird tokens)", function () {
  it("allow-lists a token under a fixed asset id", async function () {
    const f = await loadFixture(deployComputeFixture);
    const token = f.stranger.address;
    await expect(f.escrow.setTokenAllowed(token, true)).to.emit(f.escrow, "TokenAllowedSet").withArgs(token, 1, true);
    await expect(f.escrow.setTokenAllowed(token, false)).to.emit(f.escrow, "TokenAllowedSet").withArgs(token, 1, false);
    expect(await f.escrow.isTokenAllowed(token)).to.equal(false);
    await expect(f.escrow.setTokenAllowed(f.keeper.address, true))
      .to.emit(f.escrow, "TokenAllowedSet")
      .withArgs(f.keeper.address, 2, true);
    await expect(f.escrow.setTokenAllowed(ethers.ZeroAddress, true))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowZeroAddress")
      .withArgs("token");
  });

  it("refuses a 256th token once every one-byte asset id is taken, but still toggles known tokens", async function () {
    const f = await loadFixture(deployComputeFixture);
    await f.escrow.setTokenAllowed(f.stranger.address, true);
    // The counters share one slot of the namespace: nextJobId (bits 0-63), expiryCursor (64-127), tokenCount (128-135).
    const slot = BigInt("0x5b2e2ece64c1ebb513c8089859dbd9b1fefbb839c8501f927f336f1dd69c9c00") + 6n;
    const escrow = await f.escrow.getAddress();
    const word = BigInt(await ethers.provider.getStorage(escrow, slot));
    expect((word >> 128n) & 0xffn).to.equal(1n);
    const full = word | (0xffn << 128n);
    await ethers.provider.send("hardhat_setStorageAt", [escrow, ethers.toQuantity(slot), ethers.toBeHex(full, 32)]);
    await expect(f.escrow.setTokenAllowed(f.keeper.address, true)).to.be.revertedWithCustomError(
      f.escrow,
      "ComputeEscrowTooManyTokens",
    );
    await expect(f.escrow.setTokenAllowed(f.stranger.address, false))
      .to.emit(f.escrow, "TokenAllowedSet")
      .withArgs(f.stranger.address, 1, false);
    expect(await f.escrow.nextJobId()).to.equal(1n);
  });

  it("escrows only what a fee-on-transfer token delivered, and pays out exactly that", async function () {
    const f = await loadFixture(deployComputeFixture);
    const { token, address } = await deployToken(f, "FeeOnTransferToken", [100]);
    const received = AMOUNT - AMOUNT / 100n;
    const tx = await f.escrow.connect(f.requester).postJob(await jobRequest(), address, AMOUNT);
    const id = await postedJobId(f.escrow, tx);
    await expect(tx)
      .to.emit(f.escrow, "JobPosted")
      .withArgs(
        id,
        f.requester.address,
        ethers.ZeroAddress,
        address,
        received,
        ethers.id("spec: resnet50 fine-tune"),
        (await jobRequest()).specURI,
        (await jobRequest()).inputURI,
      );
    expect((await f.escrow.jobOf(id)).amount).to.equal(received);
    expect((await f.escrow.jobOf(id)).assetId).to.equal(1);
    await payJob(f, id);
    const fee = feeOf(received);
    expect(await f.escrow.creditOf(f.provider.address, address)).to.equal(received - fee);
    await expect(f.escrow.connect(f.provider).withdraw(address))
      .to.emit(f.escrow, "CreditWithdrawn")
      .withArgs(f.provider.address, address, received - fee);
    await f.treasury.setTokenAllowed(address, true);
    await expect(f.escrow.sweepFees(address)).to.emit(f.escrow, "FeesSwept").withArgs(address, fee);
    expect(await token.getFunction("balanceOf")(await f.escrow.getAddress())).to.equal(0n);
    expect(await f.treasury.tokenBalance(address)).to.equal(fee - fee / 100n);
  });

  it("works with a token that returns no value", async function () {
    const f = await loadFixture(deployComputeFixture);
    const { token, address } = await deployToken(f, "NoReturnToken");
    const id = await postTokenJob(f, address);
    await f.escrow.connect(f.requester).cancel(id);
    await f.escrow.connect(f.requester).withdraw(address);
    expect(await token.getFunction("balanceOf")(f.requester.address)).to.equal(AMOUNT * 10n);
  });

  it("rejects a token that returns false instead of moving funds", async function () {
    const f = await loadFixture(deployComputeFixture);
    const { address } = await deployToken(f, "FalseReturnToken");
    await expect(f.escrow.connect(f.requester).postJob(await jobRequest(), address, AMOUNT))
      .to.be.revertedWithCustomError(f.escrow, "SafeERC20FailedOperation")
      .withArgs(address);
  });

  it("confines a blocked token to its own withdrawals", async function () {
    const f = await loadFixture(deployComputeFixture);
    const { token, address } = await deployToken(f, "RevertingToken");
    await token.getFunction("setBlocked")(false);
    const id = await postTokenJob(f, address);
    await f.escrow.connect(f.requester).cancel(id);
    const ethJob = await postedJobId(
      f.escrow,
      await f.escrow.connect(f.requester).postJob(await jobRequest(), ETH, PAYMENT, { value: PAYMENT }),
    );
    await f.escrow.connect(f.requester).cancel(ethJob);
    await token.getFunction("setBlocked")(true);
    await expect(f.escrow.connect(f.requester).withdraw(address))
      .to.be.revertedWithCustomError(token, "RevertingTokenTransferBlocked")
      .withArgs(await f.escrow.getAddress(), f.requester.address, AMOUNT);
    await expect(f.escrow.connect(f.requester).withdraw(ETH)).to.emit(f.escrow, "CreditWithdrawn");
    expect(await f.escrow.creditOf(f.requester.address, address)).to.equal(AMOUNT);
  });

  it("refuses re-entry from a token callback during posting and withdrawal", async function () {
    const f = await loadFixture(deployComputeFixture);
    const { token, address } = await deployToken(f, "ReentrantToken");
    const escrow = await f.escrow.getAddress();
    const guardError = f.escrow.interface.getError("ReentrancyGuardReentrantCall")!.selector;
    await token.getFunction("setReentry")(escrow, f.escrow.interface.encodeFunctionData("withdraw", [address]));
    const id = await postTokenJob(f, address);
    expect(await token.getFunction("reentrySucceeded")()).to.equal(false);
    expect(await token.getFunction("reentryRevertData")()).to.equal(guardError);
    expect((await f.escrow.jobOf(id)).amount).to.equal(AMOUNT);
    await f.escrow.connect(f.requester).cancel(id);
    await token.getFunction("setReentry")(escrow, f.escrow.interface.encodeFunctionData("sweepFees", [address]));
    await f.escrow.connect(f.requester).withdraw(address);
    expect(await token.getFunction("reentryRevertData")()).to.equal(guardError);
    expect(await token.getFunction("balanceOf")(escrow)).to.equal(0n);
  });

  it("rejects ETH sent along with a token payment", async function () {
    const f = await loadFixture(deployComputeFixture);
    const { address } = await deployToken(f, "NoReturnToken");
    await expect(f.escrow.connect(f.requester).postJob(await jobRequest(), address, AMOUNT, { value: 1 }))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowWrongValue")
      .withArgs(1, 0);
  });

  it("settles a job in a token that was later disallowed", async function () {
    const f = await loadFixture(deployComputeFixture);
    const { address } = await deployToken(f, "FeeOnTransferToken", [0]);
    const id = await postTokenJob(f, address);
    await f.escrow.setTokenAllowed(address, false);
    await payJob(f, id);
    expect((await f.escrow.jobOf(id)).status).to.equal(Status.Paid);
    await expect(f.escrow.connect(f.requester).postJob(await jobRequest(), address, AMOUNT))
      .to.be.revertedWithCustomError(f.escrow, "ComputeEscrowTokenNotAllowed")
      .withArgs(address);
  });
});
