import { ethers, upgrades } from "hardhat";
import type { ContractTransactionResponse, Signer } from "ethers";
import type { AIOracle, IAIOracle, ModelRegistry, StoringConsumer } from "../../typechain-types";
import { deployCore, deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS, MIN_ORACLE_STAKE, ORACLE_SERVICE } from "../helpers/constants";
import { RING_SIZE } from "./hotSlot";

export const MODE_NONE = 0;
export const MODE_QUORUM = 1;
export const MODE_OPTIMISTIC = 2;

export const STATE_NONE = 0;
export const STATE_PENDING = 1;
export const STATE_PROVISIONAL = 2;
export const STATE_FULFILLED = 3;
export const STATE_REFUNDED = 4;
export const STATE_CHALLENGED = 5;

export const ERROR_MALFORMED_INPUT = 1;
export const ERROR_INFERENCE_FAILED = 4;

export const ARBITER_ROLE = ethers.id("ARBITER_ROLE");
export const REVENUE_MANAGER_ROLE = ethers.id("REVENUE_MANAGER_ROLE");

export const MODEL_FEE_WEI = ethers.parseEther("0.01");
export const BOND_WEI = ethers.parseEther("0.5");
export const CHALLENGE_WINDOW_SECONDS = 3600;
export const CALLBACK_GAS = 100_000;
export const WEIGHTS_HASH = ethers.id("mnist-mlp-v1.onnx");

export const FEE_CONFIG: IAIOracle.FeeConfigStruct = {
  nodeFeeWei: ethers.parseEther("0.002"),
  protocolFeeBps: 500,
  minGasPriceWei: ethers.parseUnits("1", "gwei"),
  maxGasPriceWei: ethers.parseUnits("100", "gwei"),
};

export const CONFIG: IAIOracle.ConfigStruct = {
  maxInputBytes: 16 * 1024,
  maxOutputBytes: 16 * 1024,
  maxCallbackGasLimit: 2_000_000,
  requestTimeoutSeconds: 3600,
  gracePeriodSeconds: 300,
  challengeResolutionSeconds: 86_400,
  dissentSlashWei: ethers.parseEther("0.25"),
};

export const NONE_VERIFICATION = { mode: MODE_NONE, quorumK: 0, quorumN: 0, challengeWindowSeconds: 0, bondWei: 0 };
export const QUORUM_VERIFICATION = { mode: MODE_QUORUM, quorumK: 2, quorumN: 3, challengeWindowSeconds: 0, bondWei: 0 };
export const OPTIMISTIC_VERIFICATION = {
  mode: MODE_OPTIMISTIC,
  quorumK: 2,
  quorumN: 0,
  challengeWindowSeconds: CHALLENGE_WINDOW_SECONDS,
  bondWei: BOND_WEI,
};

/** Deploys the AIOracle implementation (linked to its AIOracleLogic library) behind a UUPS proxy. */
export async function deployOracle(
  admin: string,
  registry: string,
  treasury: string,
  feeConfig: IAIOracle.FeeConfigStruct = FEE_CONFIG,
  config: IAIOracle.ConfigStruct = CONFIG,
): Promise<AIOracle> {
  const logic = await (await ethers.getContractFactory("AIOracleLogic")).deploy();
  const factory = await ethers.getContractFactory("AIOracle", {
    libraries: { AIOracleLogic: await logic.getAddress() },
  });
  const proxy = await upgrades.deployProxy(
    factory,
    [admin, ADMIN_DELAY_SECONDS, registry, treasury, feeConfig, config],
    { kind: "uups", unsafeAllowLinkedLibraries: true },
  );
  await proxy.waitForDeployment();
  return proxy as unknown as AIOracle;
}

/** The registry alone on the core (Treasury, OperatorStaking), with three staked oracle nodes. */
export async function deployRegistryFixture() {
  const core = await deployCore();
  const [nodeA, nodeB, nodeC, nodeD, modelOwner, requester, stranger, challenger, revenueManager] = core.others;
  const registry = await deployProxy<ModelRegistry>("ModelRegistry", [
    core.admin.address,
    ADMIN_DELAY_SECONDS,
    await core.staking.getAddress(),
  ]);
  for (const node of [nodeA, nodeB, nodeC, nodeD]) {
    await core.staking.connect(node).stake(ORACLE_SERVICE, { value: MIN_ORACLE_STAKE * 2n });
  }
  await registry.grantRole(REVENUE_MANAGER_ROLE, revenueManager.address);
  return {
    ...core,
    registry,
    nodeA,
    nodeB,
    nodeC,
    nodeD,
    modelOwner,
    requester,
    stranger,
    challenger,
    revenueManager,
  };
}

/**
 * Makes the registry and the staking contract push into the oracle's hot-path cache (as deploy/axon.ts does), and
 * pushes the nodes that staked before it listened.
 */
export async function wireOracleCache(
  base: Pick<
    Awaited<ReturnType<typeof deployRegistryFixture>>,
    "registry" | "staking" | "nodeA" | "nodeB" | "nodeC" | "nodeD"
  >,
  oracle: AIOracle,
) {
  const address = await oracle.getAddress();
  await base.registry.setOracle(address);
  await base.staking.setStatusListener(ORACLE_SERVICE, address);
  for (const node of [base.nodeA, base.nodeB, base.nodeC, base.nodeD]) {
    await base.staking.pushStatus(node.address, ORACLE_SERVICE);
  }
}

/**
 * The whole oracle stack: registry, oracle (module of the oracle service), a storing consumer, and three models:
 * 1 = None served by nodeA only, 2 = Quorum 2-of-3 served by A, B, C, 3 = Optimistic served by nodeA only (B, C and D
 * serve it too once added by a test).
 */
export async function deployOracleFixture() {
  const base = await deployRegistryFixture();
  const { admin, registry, staking, treasury, modelOwner, nodeA, nodeB, nodeC } = base;
  const oracle = await deployOracle(admin.address, await registry.getAddress(), await treasury.getAddress());
  await staking.setModule(ORACLE_SERVICE, await oracle.getAddress(), true);
  await wireOracleCache(base, oracle);
  const consumer = (await (await ethers.getContractFactory("StoringConsumer")).deploy()) as unknown as StoringConsumer;

  const reg = registry.connect(modelOwner);
  await reg.registerModel(WEIGHTS_HASH, "ipfs://none", MODEL_FEE_WEI, NONE_VERIFICATION);
  await reg.registerModel(WEIGHTS_HASH, "ipfs://quorum", MODEL_FEE_WEI, QUORUM_VERIFICATION);
  await reg.registerModel(WEIGHTS_HASH, "ipfs://optimistic", MODEL_FEE_WEI, OPTIMISTIC_VERIFICATION);
  await reg.addNode(1, nodeA.address);
  for (const node of [nodeA, nodeB, nodeC]) await reg.addNode(2, node.address);
  await reg.addNode(3, nodeA.address);
  return { ...base, oracle, consumer };
}

export type OracleFixture = Awaited<ReturnType<typeof deployOracleFixture>>;

/** The snapshotted terms of a request, decoded from its packed words (`AIOracleRequests` in IAIOracle.sol). */
export interface Terms {
  requester: string;
  modelId: bigint;
  revenueReceiver: string;
  modelFeeWei: bigint;
  nodeFeeWei: bigint;
  gasFeeWei: bigint;
  protocolFeeBps: bigint;
  protocolFeeWei: bigint;
  callbackGasLimit: bigint;
  mode: number;
  quorumK: number;
  exclusiveUntil: bigint;
  deadline: bigint;
  challengeWindowSeconds: bigint;
  bondWei: bigint;
  nodes: string[];
}

/** A request as emitted in RequestCreated, ready to pass back to the oracle, with its decoded terms. */
export interface Emitted {
  id: bigint;
  request: IAIOracle.RequestStruct;
  terms: Terms;
  input: string;
  totalWei: bigint;
}

const bits = (word: bigint, shift: number, width: number): bigint =>
  (word >> BigInt(shift)) & ((1n << BigInt(width)) - 1n);

/** Decodes the packed words of a Request (the layout of `AIOracleRequests`). */
export function termsOf(r: IAIOracle.RequestStruct): Terms {
  const receiverFee = BigInt(r.receiverFee);
  const fees = BigInt(r.fees);
  const timing = BigInt(r.timing);
  const modelFeeWei = receiverFee >> 160n;
  const nodeFeeWei = bits(fees, 0, 96);
  const gasFeeWei = bits(fees, 96, 96);
  const protocolFeeBps = bits(fees, 192, 16);
  return {
    requester: String(r.requester),
    modelId: BigInt(r.modelId),
    revenueReceiver: ethers.getAddress(ethers.toBeHex(bits(receiverFee, 0, 160), 20)),
    modelFeeWei,
    nodeFeeWei,
    gasFeeWei,
    protocolFeeBps,
    protocolFeeWei: ((modelFeeWei + nodeFeeWei + gasFeeWei) * protocolFeeBps) / 10_000n,
    callbackGasLimit: bits(fees, 208, 32),
    mode: Number(bits(fees, 240, 8)),
    quorumK: Number(bits(fees, 248, 8)),
    exclusiveUntil: bits(timing, 0, 40),
    deadline: bits(timing, 40, 40),
    challengeWindowSeconds: bits(timing, 80, 32),
    bondWei: bits(timing, 112, 128),
    nodes: [...(r.nodes as Iterable<string>)].map(String),
  };
}

/** Deep-copies an ethers Result (the emitted request) into a plain object. */
export function plainRequest(r: unknown): IAIOracle.RequestStruct {
  const res = r as { toObject(): Record<string, unknown> };
  const o = res.toObject() as unknown as IAIOracle.RequestStruct;
  return { ...o, nodes: [...(o.nodes as Iterable<string>)] };
}

/** The whole fee a request paid (what a refund returns). */
export function totalFeeOf(r: IAIOracle.RequestStruct): bigint {
  const t = termsOf(r);
  return t.modelFeeWei + t.nodeFeeWei + t.gasFeeWei + t.protocolFeeWei;
}

/** Decodes the RequestCreated event of a request transaction. */
export async function emittedRequest(oracle: AIOracle, tx: ContractTransactionResponse): Promise<Emitted> {
  const receipt = await tx.wait();
  for (const log of receipt!.logs) {
    const parsed = oracle.interface.parseLog(log);
    if (parsed?.name === "RequestCreated") {
      const request = plainRequest(parsed.args.request);
      return {
        id: parsed.args.requestId,
        request,
        terms: termsOf(request),
        input: parsed.args.input,
        totalWei: totalFeeOf(request),
      };
    }
  }
  throw new Error("no RequestCreated event");
}

/** The commitment preimage documented in docs/oracle.md, computed independently of the contract. */
export function commitmentOf(r: IAIOracle.RequestStruct): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["address", "address", "uint256", "bytes32", "uint256", "uint256", "uint256", "bytes32", "bytes32"],
      [
        r.requester,
        r.callback,
        r.modelId,
        r.inputHash,
        r.receiverFee,
        r.fees,
        r.timing,
        ethers.keccak256(r.callbackData),
        ethers.keccak256(ethers.solidityPacked(["address[]"], [r.nodes])),
      ],
    ),
  );
}

/**
 * Marks every empty commitment ring slot free (`warmCommitmentRing` in chunks that fit a block), as the first 4,096
 * requests of a running oracle leave them: from then on each request rewrites a used slot (steady state).
 * Returns the transactions.
 */
export async function warmCommitmentRing(oracle: AIOracle, chunk = 512) {
  const txs = [];
  for (let from = 0; from < Number(RING_SIZE); from += chunk) txs.push(await oracle.warmCommitmentRing(from, chunk));
  return txs;
}

/** Sends a request for `modelId` paying the quote and returns the emitted request. */
export async function sendRequest(
  f: OracleFixture,
  modelId: number,
  opts: { input?: string; callback?: string; gas?: number; from?: Signer; callbackData?: string } = {},
): Promise<Emitted> {
  const gas = opts.gas ?? CALLBACK_GAS;
  const fee = await f.oracle.quote(modelId, gas);
  const tx = await f.oracle
    .connect(opts.from ?? f.requester)
    .request(
      modelId,
      opts.input ?? ethers.toUtf8Bytes("hello, axon!"),
      opts.callback ?? (await f.consumer.getAddress()),
      gas,
      opts.callbackData ?? "0x",
      { value: fee },
    );
  return emittedRequest(f.oracle, tx);
}

/** A 32-byte output. */
export const OUTPUT = ethers.id("the answer");
