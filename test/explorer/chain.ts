import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { type AxonDeployment, deployAxon } from "../../deploy/axon";
import { bountySteps } from "../../scripts/demo/bounty";
import { computeSteps } from "../../scripts/demo/compute";
import { type DemoContext, type DemoPart, runDemoParts } from "../../scripts/demo/context";
import { edgeSteps } from "../../scripts/demo/edge";
import { modelSteps } from "../../scripts/demo/models";
import { Narrator } from "../../scripts/demo/narrator";
import { oracleSteps } from "../../scripts/demo/oracle";
import { revenueSteps } from "../../scripts/demo/revenue";
import { stakingSteps } from "../../scripts/demo/staking";
import { syntheticSteps } from "../../scripts/demo/synthetic";
import { ensureFhevm } from "../../tasks/fhe";

/**
 * A chain with the protocol's real activity for the Explorer's browser tests and screenshots: the demo's own parts
 * (npm run demo, short) on the in-process Hardhat network — staked operators, a dataset sold through a labelling
 * bounty, a model with an IMO and token holders, requests fulfilled by the real runner, a synthetic dataset with
 * provenance, revenue streamed to the holders, a compute job and DePIN edge nodes. The privacy part is left out: it
 * adds nothing an Explorer view shows.
 */
export const EXPLORER_DEMO_PARTS: DemoPart[] = [
  stakingSteps,
  bountySteps,
  modelSteps,
  oracleSteps,
  syntheticSteps,
  revenueSteps,
  computeSteps,
  edgeSteps,
];

export interface DemoChain {
  deployment: AxonDeployment;
  ctx: DemoContext;
}

/** Deploys Axon and runs the demo's parts quietly (`log` receives the narration, e.g. for a script's progress). */
export async function demoChain(
  hre: HardhatRuntimeEnvironment,
  { short = true, log = () => {} }: { short?: boolean; log?: (line: string) => void } = {},
): Promise<DemoChain> {
  if (hre.network.name !== "hardhat") throw new Error("the demo chain runs on the in-process hardhat network only");
  await ensureFhevm(hre);
  const narrator = new Narrator(
    EXPLORER_DEMO_PARTS.reduce((n, p) => n + p.count, 0),
    log,
  );
  const deployment = await deployAxon(hre, { writeManifest: false });
  const ctx = await runDemoParts(hre, narrator, deployment, EXPLORER_DEMO_PARTS, short);
  return { deployment, ctx };
}
