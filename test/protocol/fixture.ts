import { ethers, fhevm, upgrades } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type {
  AIOracle,
  ComputeEscrow,
  DataMarket,
  LabelingBounties,
  ModelOffering,
  ModelRegistry,
  ModelToken,
} from "../../typechain-types";
import type { IAIOracle } from "../../typechain-types/contracts/oracle/AIOracle";
import { ADMIN_DELAY_SECONDS, COMPUTE_SERVICE, ORACLE_SERVICE } from "../helpers/constants";
import { deployCore, deployProxy } from "../helpers/core";
import { jobRequest, OFFER, SETTINGS as COMPUTE_SETTINGS } from "../compute/fixture";
import { defaultParams, E } from "../imo/offeringFixtures";
import { ARBITER_ROLE, REVENUE_MANAGER_ROLE } from "./accessClassification";

export const MODEL_FEE = E("0.01");
export const CALLBACK_GAS = 100_000;
export const NODE_FEE = E("0.001");
export const ORACLE_STAKE = E("5");
/** Issue 12: the Optimistic model's challenge window and bond (proposer's stake lock, challenger's and voter's bond). */
export const OPT_WINDOW_SECONDS = 6 * 3600;
export const OPT_BOND = E("0.5");
export const PROVIDER_STAKE = E("10");
export const JOB_PAYMENT = E("2");

export const ORACLE_FEE_CONFIG = {
  nodeFeeWei: NODE_FEE,
  protocolFeeBps: 100,
  minGasPriceWei: 1n,
  maxGasPriceWei: 10n ** 11n,
};
export const ORACLE_CONFIG = {
  maxInputBytes: 16_384,
  maxOutputBytes: 16_384,
  maxCallbackGasLimit: 500_000,
  requestTimeoutSeconds: 3600,
  gracePeriodSeconds: 60,
  // 6 hours (issue 12): leaves the protocol model time to vote on and rule a challenge between its waits.
  challengeResolutionSeconds: 6 * 3600,
  dissentSlashWei: 0n,
};

/** Deploys an AIOracle proxy linked to a fresh AIOracleLogic library. */
export async function deployOracle(admin: string, registry: string, treasury: string): Promise<AIOracle> {
  const logic = await (await ethers.getContractFactory("AIOracleLogic")).deploy();
  const factory = await ethers.getContractFactory("AIOracle", {
    libraries: { AIOracleLogic: await logic.getAddress() },
  });
  const oracle = await upgrades.deployProxy(
    factory,
    [admin, ADMIN_DELAY_SECONDS, registry, treasury, ORACLE_FEE_CONFIG, ORACLE_CONFIG],
    { kind: "uups", unsafeAllowLinkedLibraries: true },
  );
  return oracle as unknown as AIOracle;
}

/** Deploys a ComputeEscrow proxy linked to a fresh ComputeEscrowLib library. */
export async function deployEscrow(admin: string, staking: string, treasury: string): Promise<ComputeEscrow> {
  const lib = await (await ethers.getContractFactory("ComputeEscrowLib")).deploy();
  const factory = await ethers.getContractFactory("ComputeEscrow", {
    libraries: { ComputeEscrowLib: await lib.getAddress() },
  });
  const escrow = await upgrades.deployProxy(
    factory,
    [admin, ADMIN_DELAY_SECONDS, staking, treasury, COMPUTE_SETTINGS],
    {
      kind: "uups",
      unsafeAllowLinkedLibraries: true,
    },
  );
  return escrow as unknown as ComputeEscrow;
}

/** The request struct a RequestCreated event carries, as a plain object the oracle accepts back. */
export async function createdRequest(oracle: AIOracle, receipt: Awaited<ReturnType<AIOracle["request"]>>) {
  const mined = await receipt.wait();
  const created = mined!.logs.map((l) => oracle.interface.parseLog(l)).find((e) => e?.name === "RequestCreated")!;
  const req = {
    ...created.args.request.toObject(),
    nodes: [...created.args.request.nodes],
  } as IAIOracle.RequestStruct;
  return { requestId: created.args.requestId as bigint, req };
}

/** The job id a posting transaction created. */
export async function createdJob(escrow: ComputeEscrow, tx: Awaited<ReturnType<ComputeEscrow["postJob"]>>) {
  const mined = await tx.wait();
  const posted = mined!.logs.map((l) => escrow.interface.parseLog(l)).find((e) => e?.name === "JobPosted")!;
  return posted.args.jobId as bigint;
}

/**
 * The whole non-FHE protocol wired together as on mainnet: Treasury and OperatorStaking (both services), a
 * ModelRegistry whose model is served by a staked node, the AIOracle (module of the oracle service), a ModelOffering
 * whose IMO sold out so the model's revenue receiver is its ModelToken, a ComputeEscrow (module of the compute
 * service) with a staked provider, and LabelingBounties. The FHE contracts (DataMarket, PrivateScoring) need the
 * fhevm mock and are covered by their domain suites.
 */
export async function deployProtocol() {
  const core = await deployCore();
  const { admin, staking, treasury } = core;
  const [creator, node, requester, provider, alice, bob, stranger, arbiter, node2, provider2] = core.others;
  const registry = await deployProxy<ModelRegistry>("ModelRegistry", [
    admin.address,
    ADMIN_DELAY_SECONDS,
    await staking.getAddress(),
  ]);
  const oracle = await deployOracle(admin.address, await registry.getAddress(), await treasury.getAddress());
  await staking.setModule(ORACLE_SERVICE, await oracle.getAddress(), true);
  await oracle.grantRole(ARBITER_ROLE, arbiter.address);
  for (const n of [node, node2]) await staking.connect(n).stake(ORACLE_SERVICE, { value: ORACLE_STAKE });
  await registry.connect(creator).registerModel(ethers.id("digits-weights"), "ipfs://digits", MODEL_FEE, {
    mode: 0,
    quorumK: 0,
    quorumN: 0,
    challengeWindowSeconds: 0,
    bondWei: 0n,
  });
  const modelId = await registry.modelCount();
  await registry.connect(creator).addNode(modelId, node.address);

  const implementation = await (await ethers.getContractFactory("ModelToken")).deploy();
  const offering = await deployProxy<ModelOffering>("ModelOffering", [
    admin.address,
    ADMIN_DELAY_SECONDS,
    await registry.getAddress(),
    await treasury.getAddress(),
    await implementation.getAddress(),
    250,
  ]);
  await registry.grantRole(REVENUE_MANAGER_ROLE, await offering.getAddress());
  await offering.connect(creator).launch(modelId, await defaultParams());
  await offering.connect(alice).buy(modelId, E("60000"), E("60"), { value: E("60") });
  await offering.connect(bob).buy(modelId, E("40000"), E("40"), { value: E("40") });
  await offering.finalize(modelId);
  const token = (await ethers.getContractAt(
    "ModelToken",
    (await offering.offeringOf(modelId)).token,
  )) as unknown as ModelToken;

  const escrow = await deployEscrow(admin.address, await staking.getAddress(), await treasury.getAddress());
  await staking.setModule(COMPUTE_SERVICE, await escrow.getAddress(), true);
  await escrow.grantRole(ARBITER_ROLE, arbiter.address);
  for (const p of [provider, provider2]) {
    await staking.connect(p).stake(COMPUTE_SERVICE, { value: PROVIDER_STAKE });
    await escrow.connect(p).setOffer(OFFER);
  }

  const bounties = await deployProxy<LabelingBounties>("LabelingBounties", [admin.address, ADMIN_DELAY_SECONDS]);
  // Issue 12 item 4: forfeited labeller bonds are swept to the Treasury.
  await bounties.setTreasury(await treasury.getAddress());

  // --- Issue 12 (oracle incentives): an Optimistic model served by node and node2, one bonded vote decides a
  // challenge (so node2 alone is a "sybil" voter against node's results, and the other way round).
  await registry.connect(creator).registerModel(ethers.id("digits-weights"), "ipfs://digits-optimistic", MODEL_FEE, {
    mode: 2,
    quorumK: 1,
    quorumN: 0,
    challengeWindowSeconds: OPT_WINDOW_SECONDS,
    bondWei: OPT_BOND,
  });
  const optModelId = await registry.modelCount();
  for (const n of [node, node2]) await registry.connect(creator).addNode(optModelId, n.address);

  return {
    ...core,
    registry,
    oracle,
    offering,
    token,
    escrow,
    bounties,
    modelId,
    optModelId,
    creator,
    node,
    node2,
    requester,
    provider,
    provider2,
    alice,
    bob,
    stranger,
    arbiter,
  };
}

export type Protocol = Awaited<ReturnType<typeof deployProtocol>>;

/**
 * The protocol with live entities for the caller-specific guards: a pending oracle request, and compute jobs that are
 * open, claimed, running and submitted.
 */
export async function deployProtocolWithEntities() {
  const p = await deployProtocol();
  const { oracle, escrow, modelId, requester, provider } = p;
  const fee = await oracle.quote(modelId, CALLBACK_GAS);
  const pending = await createdRequest(
    oracle,
    await oracle.connect(requester).request(modelId, "0x01", requester.address, CALLBACK_GAS, "0x", { value: fee }),
  );
  const post = async () =>
    createdJob(
      escrow,
      await escrow
        .connect(requester)
        .postJob(await jobRequest(), ethers.ZeroAddress, JOB_PAYMENT, { value: JOB_PAYMENT }),
    );
  const openJob = await post();
  const claimedJob = await post();
  await escrow.connect(provider).claim(claimedJob);
  const runningJob = await post();
  await escrow.connect(provider).claim(runningJob);
  await escrow.connect(provider).start(runningJob);
  const submittedJob = await post();
  await escrow.connect(provider).claim(submittedJob);
  await escrow.connect(provider).start(submittedJob);
  await escrow.connect(provider).submitResult(submittedJob, ethers.id("result"), "ipfs://result");
  await time.increase(1);
  return { ...p, pending, openJob, claimedJob, runningJob, submittedJob };
}

export const DATA_FEE_BPS = 250;

/** The core proxies the model test upgrades mid-sequence, by the name it reports them under. */
export const UPGRADABLE = [
  "oracle",
  "registry",
  "escrow",
  "market",
  "bounties",
  "staking",
  "treasury",
  "offering",
] as const;
export type Upgradable = (typeof UPGRADABLE)[number];

/**
 * deployProtocol plus the FHE DataMarket (fees to the Treasury), and for every core proxy its current implementation
 * and one pre-deployed alternative (the V2 mocks of the domain upgrade tests; a fresh DataMarket, which has none), so
 * an upgrade mid-sequence costs one transaction instead of a deployment. Each alternative passes the upgrades plugin's
 * storage-layout check against the proxy it will replace.
 */
export async function deployProtocolWithMarket() {
  const p = await deployProtocol();
  const market = await deployProxy<DataMarket>("DataMarket", [
    p.admin.address,
    ADMIN_DELAY_SECONDS,
    await p.treasury.getAddress(),
    DATA_FEE_BPS,
  ]);
  const oracleLogic = await (await ethers.getContractFactory("AIOracleLogic")).deploy();
  const escrowLib = await (await ethers.getContractFactory("ComputeEscrowLib")).deploy();
  const proxies = {
    oracle: p.oracle,
    registry: p.registry,
    escrow: p.escrow,
    market,
    bounties: p.bounties,
    staking: p.staking,
    treasury: p.treasury,
    offering: p.offering,
  };
  /** Deploys `name` as the alternative implementation of `proxy`, once the plugin has checked its storage layout. */
  const alternative = async (proxy: Upgradable, name: string, libraries?: Record<string, string>) => {
    const factory = await ethers.getContractFactory(name, { libraries });
    await upgrades.validateUpgrade(await proxies[proxy].getAddress(), factory, {
      kind: "uups",
      unsafeAllowLinkedLibraries: true,
    });
    return (await factory.deploy()).getAddress();
  };
  const alternatives: Record<Upgradable, string> = {
    oracle: await alternative("oracle", "AIOracleV2Mock", { AIOracleLogic: await oracleLogic.getAddress() }),
    registry: await alternative("registry", "ModelRegistryV2Mock"),
    escrow: await alternative("escrow", "ComputeEscrowV2Mock", { ComputeEscrowLib: await escrowLib.getAddress() }),
    market: await alternative("market", "DataMarket"),
    bounties: await alternative("bounties", "LabelingBountiesV2Mock"),
    staking: await alternative("staking", "OperatorStakingV2Mock"),
    treasury: await alternative("treasury", "TreasuryV2Mock"),
    offering: await alternative("offering", "ModelOfferingV2"),
  };
  const implementations = {} as Record<Upgradable, [string, string]>;
  for (const name of UPGRADABLE) {
    const current = await upgrades.erc1967.getImplementationAddress(await proxies[name].getAddress());
    implementations[name] = [current, alternatives[name]];
  }
  const marketAddress = await market.getAddress();
  /** An encrypted dataset key bound to the market and the seller, as `list` takes it. */
  const encryptKey = (seller: string, key: bigint) =>
    fhevm.createEncryptedInput(marketAddress, seller).add256(key).encrypt();
  return { ...p, market, proxies, implementations, encryptKey };
}
