import hre from "hardhat";
import { deployAxon } from "../deploy/axon";
import { Narrator } from "./demo/narrator";
import { stakingSteps } from "./demo/staking";

// `npm run demo`: the whole protocol on an in-process Hardhat chain, narrated step by step.
async function main() {
  const steps = [stakingSteps];
  const count = steps.reduce((n, s) => n + s.count, 1);
  const narrator = new Narrator(count);
  console.log("Axon demo: an in-process chain, the full deployment, every contract exercised end to end.");

  let deployment!: Awaited<ReturnType<typeof deployAxon>>;
  await narrator.step("Deploy the protocol behind UUPS proxies", async () => {
    deployment = await deployAxon(hre, { writeManifest: false, log: (l) => narrator.say(l.trim()) });
  });
  const ctx = { hre, narrator, deployment, balances: [] as { name: string; values: Record<string, string> }[] };
  for (const s of steps) await s.run(ctx);
  narrator.summary(ctx.balances);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
