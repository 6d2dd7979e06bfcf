import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { AxonDeployment } from "../../deploy/axon";
import type { Narrator } from "./narrator";

export interface DemoContext {
  hre: HardhatRuntimeEnvironment;
  narrator: Narrator;
  deployment: AxonDeployment;
  /** Rows of the closing balance table, added by each part. */
  balances: { name: string; values: Record<string, string> }[];
}

/** One part of the demo: how many narrated steps it has and how to run them. */
export interface DemoPart {
  count: number;
  run(ctx: DemoContext): Promise<void>;
}
