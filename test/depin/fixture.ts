import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { EdgeNodeRegistry, ServedCounterMock } from "../../typechain-types";
import { deployCore, deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS, UNBONDING_DELAY_SECONDS } from "../helpers/constants";
import { edgeDomain, signHeartbeat } from "../../tasks/edgeTree";

export const EDGE_SERVICE = ethers.id("axon.service.edge");
export const MIN_EDGE_STAKE = ethers.parseEther("1");
export const EPOCH = 3600;
export const SLOT = 600;
export const SLOTS = EPOCH / SLOT;
export const CONFIG = {
  epochSeconds: EPOCH,
  slotSeconds: SLOT,
  reportDeadlineSeconds: 3600,
  challengeWindowSeconds: 1800,
  answerWindowSeconds: 1800,
  reporterBondWei: ethers.parseEther("0.5"),
  challengeBondWei: ethers.parseEther("0.1"),
  epochRewardWei: ethers.parseEther("1"),
  servedRewardWei: ethers.parseEther("0.01"),
};
export const DE = "0x4445";
export const US = "0x5553";

/** Core + an edge service + the registry as its slashing module, with an ETH pool and a served-count mock. */
export async function edgeFixture() {
  const core = await deployCore();
  const { staking, admin } = core;
  const [nodeA, nodeB, reporter, challenger, sponsor, keyA, keyB, stranger] = core.others;
  await staking.setService(EDGE_SERVICE, MIN_EDGE_STAKE, UNBONDING_DELAY_SECONDS, true);
  const registry = await deployProxy<EdgeNodeRegistry>("EdgeNodeRegistry", [
    admin.address,
    ADMIN_DELAY_SECONDS,
    await staking.getAddress(),
    EDGE_SERVICE,
    ethers.ZeroAddress,
    CONFIG,
  ]);
  await staking.setModule(EDGE_SERVICE, await registry.getAddress(), true);
  const served = (await (
    await ethers.getContractFactory("ServedCounterMock")
  ).deploy()) as unknown as ServedCounterMock;
  await registry.setServedSource(await served.getAddress());
  for (const s of [nodeA, nodeB, reporter]) await staking.connect(s).stake(EDGE_SERVICE, { value: MIN_EDGE_STAKE });
  const domain = edgeDomain((await ethers.provider.getNetwork()).chainId, await registry.getAddress());
  const sign = (key: typeof keyA, node: string, epoch: bigint | number, slot: number) =>
    signHeartbeat(key, domain, node, epoch, slot);
  return { ...core, registry, served, nodeA, nodeB, reporter, challenger, sponsor, keyA, keyB, stranger, domain, sign };
}

export type EdgeFixture = Awaited<ReturnType<typeof edgeFixture>>;

/** Moves to the start of `epoch` plus `offset` seconds. */
export async function toEpoch(registry: EdgeNodeRegistry, epoch: number | bigint, offset = 0) {
  const start = await registry.epochStart(epoch);
  await time.increaseTo(start + BigInt(offset));
}
