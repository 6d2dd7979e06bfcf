import { ethers, upgrades } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ModelOffering, ModelToken } from "../../typechain-types";
import type { IModelOffering } from "../../typechain-types/contracts/imo/ModelOffering";
import { deployCore, deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS } from "../helpers/constants";

export const E = ethers.parseEther;
export const MODEL_ID = 1n;
export const FEE_BPS = 250n;
export const DAY = 24 * 3600;

/** Core + a mock registry + a ModelOffering proxy allowed to lock revenue receivers. */
export async function deployOffering() {
  const core = await deployCore();
  const [creator, alice, bob, carol, stranger] = core.others;
  const registry = await (await ethers.getContractFactory("MockModelRegistry")).deploy();
  const implementation = await (await ethers.getContractFactory("ModelToken")).deploy();
  const offering = await deployProxy<ModelOffering>("ModelOffering", [
    core.admin.address,
    ADMIN_DELAY_SECONDS,
    await registry.getAddress(),
    await core.treasury.getAddress(),
    await implementation.getAddress(),
    FEE_BPS,
  ]);
  await registry.setRevenueManager(await offering.getAddress());
  await registry.setOwner(MODEL_ID, creator.address);
  return { ...core, creator, alice, bob, carol, stranger, registry, implementation, offering };
}

export async function defaultParams(
  overrides: Partial<IModelOffering.LaunchParamsStruct> = {},
): Promise<IModelOffering.LaunchParamsStruct> {
  return {
    name: "Axon Digits",
    symbol: "AXD",
    totalSupply: E("1000000"),
    creatorAllocation: E("200000"),
    cliffSeconds: 30 * DAY,
    vestingSeconds: 360 * DAY,
    priceMode: 0,
    startPriceWei: E("0.001"),
    slopeWei: 0n,
    hardCapTokens: E("100000"),
    softCapTokens: E("40000"),
    deadline: (await time.latest()) + 7 * DAY,
    streamPeriodSeconds: 7 * DAY,
    redeemBps: 1_000,
    ...overrides,
  };
}

/** An offering launched with the default fixed-price parameters. */
export async function launched() {
  const base = await deployOffering();
  const params = await defaultParams();
  await base.offering.connect(base.creator).launch(MODEL_ID, params);
  const token = (await ethers.getContractAt(
    "ModelToken",
    (await base.offering.offeringOf(MODEL_ID)).token,
  )) as unknown as ModelToken;
  return { ...base, params, token };
}

/** A launched offering that sold out to alice (60%) and bob (40%) and was finalized. */
export async function succeeded() {
  const base = await launched();
  const { offering, alice, bob } = base;
  await offering.connect(alice).buy(MODEL_ID, E("60000"), E("60"), { value: E("60") });
  await offering.connect(bob).buy(MODEL_ID, E("40000"), E("40"), { value: E("40") });
  await offering.finalize(MODEL_ID);
  return base;
}

export { upgrades };
