import { ethers, upgrades } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import type { ComputeEscrow, MockEthUsdAggregator } from "../../typechain-types";
import type { IComputeEscrow } from "../../typechain-types/contracts/compute/ComputeEscrow";
import { deployCore } from "../helpers/core";
import { ADMIN_DELAY_SECONDS, COMPUTE_SERVICE } from "../helpers/constants";

export const ARBITER_ROLE = ethers.id("ARBITER_ROLE");
export const ETH = ethers.ZeroAddress;

/** Job statuses, verification modes, price units and faults as the contract numbers them. */
export const Status = { None: 0, Open: 1, Claimed: 2, Running: 3, Submitted: 4, Disputed: 5, Paid: 6, Refunded: 7 };
export const Mode = { Acceptance: 0, Redundancy: 1 };
export const Unit = { Wei: 0, UsdCents: 1 };
export const Fault = { MissedStart: 0, MissedSubmission: 1, LostDispute: 2, MinorityResult: 3 };

export const SETTINGS: IComputeEscrow.SettingsStruct = {
  protocolFeeBps: 250,
  slashBeneficiaryBps: 5_000,
  challengeWindowSeconds: 3_600,
  arbitrationWindowSeconds: 86_400,
  minBondWei: ethers.parseEther("0.1"),
};

export const PROVIDER_STAKE = ethers.parseEther("10");
export const BOND = ethers.parseEther("1");
export const PAYMENT = ethers.parseEther("2");
export const FEED_DECIMALS = 8;
export const ETH_USD = 3_000n * 10n ** 8n;
export const FEED_STALENESS = 3_600;
export const FEED_MIN = 100n * 10n ** 8n;
export const FEED_MAX = 100_000n * 10n ** 8n;

/** A GPU model code as the contracts store it: ASCII, right-padded to 8 bytes. */
export const gpu = (name: string) => ethers.zeroPadBytes(ethers.toUtf8Bytes(name), 8);

export const OFFER: IComputeEscrow.OfferStruct = {
  gpuModel: gpu("H100SXM"),
  gpuCount: 8,
  memoryGiB: 80,
  unit: Unit.Wei,
  pricePerGpuHour: ethers.parseEther("0.001"),
};

/** Deploys the ComputeEscrow implementation linked to a fresh ComputeEscrowLib. */
export async function computeEscrowFactory(name = "ComputeEscrow") {
  const lib = await (await ethers.getContractFactory("ComputeEscrowLib")).deploy();
  return ethers.getContractFactory(name, { libraries: { ComputeEscrowLib: await lib.getAddress() } });
}

/** A job request for the latest block's time, with the given fields replaced. */
export async function jobRequest(
  overrides: Partial<IComputeEscrow.JobRequestStruct> = {},
): Promise<IComputeEscrow.JobRequestStruct> {
  const now = await time.latest();
  return {
    specHash: ethers.id("spec: resnet50 fine-tune"),
    specURI: "oci://ghcr.io/axon/resnet50-train@sha256:5d1c4f0b",
    inputURI: "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
    gpuModel: gpu("H100SXM"),
    gpuCount: 1,
    memoryGiB: 40,
    maxDurationSeconds: 7_200,
    startDeadline: now + 3_600,
    provider: ethers.ZeroAddress,
    mode: Mode.Acceptance,
    redundancy: 0,
    bondWei: BOND,
    ...overrides,
  };
}

/**
 * The compute fixture: the shared core (Treasury, OperatorStaking), a ComputeEscrow proxy registered as a module of
 * the compute service, an ETH/USD mock feed, an arbiter, and three staked providers with an 8xH100 offer.
 */
export async function deployComputeFixture() {
  const core = await deployCore();
  const { admin, staking, treasury } = core;
  const [requester, provider, provider2, provider3, arbiter, stranger, keeper, requester2] = core.others;
  const factory = await computeEscrowFactory();
  const escrow = (await upgrades.deployProxy(
    factory,
    [admin.address, ADMIN_DELAY_SECONDS, await staking.getAddress(), await treasury.getAddress(), SETTINGS],
    { kind: "uups", unsafeAllowLinkedLibraries: true },
  )) as unknown as ComputeEscrow;
  await escrow.waitForDeployment();
  await staking.setModule(COMPUTE_SERVICE, await escrow.getAddress(), true);
  await escrow.grantRole(ARBITER_ROLE, arbiter.address);
  const feed = (await (
    await ethers.getContractFactory("MockEthUsdAggregator")
  ).deploy(FEED_DECIMALS, ETH_USD)) as unknown as MockEthUsdAggregator;
  await escrow.setFeed(await feed.getAddress(), FEED_STALENESS, FEED_MIN, FEED_MAX);
  for (const p of [provider, provider2, provider3]) {
    await staking.connect(p).stake(COMPUTE_SERVICE, { value: PROVIDER_STAKE });
    await escrow.connect(p).setOffer(OFFER);
  }
  return {
    ...core,
    escrow,
    feed,
    factory,
    requester,
    requester2,
    provider,
    provider2,
    provider3,
    arbiter,
    stranger,
    keeper,
  };
}

export type ComputeFixture = Awaited<ReturnType<typeof deployComputeFixture>>;

/** The job id a posting transaction created, read from its JobPosted event. */
export async function postedJobId(escrow: ComputeEscrow, tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  for (const log of receipt!.logs) {
    const parsed = escrow.interface.parseLog(log);
    if (parsed?.name === "JobPosted") return parsed.args.jobId as bigint;
  }
  throw new Error("no JobPosted event");
}

/** Posts an ETH acceptance-mode job from `f.requester` and returns its id. */
export async function postEthJob(
  f: ComputeFixture,
  overrides: Partial<IComputeEscrow.JobRequestStruct> = {},
  amount = PAYMENT,
): Promise<bigint> {
  const tx = await f.escrow.connect(f.requester).postJob(await jobRequest(overrides), ETH, amount, { value: amount });
  return postedJobId(f.escrow, tx);
}

/** Posts, claims and starts a job with `f.provider`; returns its id. */
export async function runningJob(f: ComputeFixture, overrides: Partial<IComputeEscrow.JobRequestStruct> = {}) {
  const id = await postEthJob(f, overrides);
  await f.escrow.connect(f.provider).claim(id);
  await f.escrow.connect(f.provider).start(id);
  return id;
}

/** Posts, claims, starts and submits a job with `f.provider`; returns its id. */
export async function submittedJob(f: ComputeFixture, overrides: Partial<IComputeEscrow.JobRequestStruct> = {}) {
  const id = await runningJob(f, overrides);
  await f.escrow.connect(f.provider).submitResult(id, ethers.id("result"), "ipfs://result");
  return id;
}

/** The fee the escrow takes from a paid job of `amount`. */
export const feeOf = (amount: bigint) => (amount * BigInt(SETTINGS.protocolFeeBps)) / 10_000n;
