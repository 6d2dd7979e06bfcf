import hre from "hardhat";
import { formatEther } from "ethers";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { deployAxon } from "../deploy/axon";
import { ensureFhevm } from "../tasks/fhe";
import { bountySteps } from "./demo/bounty";
import { computeSteps } from "./demo/compute";
import { edgeSteps } from "./demo/edge";
import { runDemoParts } from "./demo/context";
import { modelSteps } from "./demo/models";
import { Narrator } from "./demo/narrator";
import { oracleSteps } from "./demo/oracle";
import { privacySteps } from "./demo/privacy";
import { proofSteps } from "./demo/proof";
import { revenueSteps } from "./demo/revenue";
import { stakingSteps } from "./demo/staking";
import { syntheticSteps } from "./demo/synthetic";

// `npm run demo`: the whole protocol on an in-process Hardhat chain, narrated step by step. DEMO_SHORT=1 sends fewer
// items and requests; DEMO_EXPLORE=1 (`--explore`) then serves the Explorer over the chain. Exits non-zero if any
// step fails.
async function main() {
  if (hre.network.name !== "hardhat") throw new Error("the demo runs on the in-process hardhat network only");
  const short = process.env.DEMO_SHORT === "1";
  const parts = [
    stakingSteps,
    bountySteps,
    modelSteps,
    oracleSteps,
    // Proof mode: a proven inference (issue 15).
    proofSteps,
    syntheticSteps,
    revenueSteps,
    computeSteps,
    privacySteps,
    // DePIN edge nodes (issue 16).
    edgeSteps,
  ];
  const count = parts.reduce((n, s) => n + s.count, 1);
  const narrator = new Narrator(count);
  console.log(
    `Axon demo${short ? " (short)" : ""}: an in-process chain, the full deployment, the bundled model and the runner ` +
      "in-process, and the whole economy end to end.",
  );
  await ensureFhevm(hre);

  let deployment!: Awaited<ReturnType<typeof deployAxon>>;
  await narrator.step("Deploy the protocol behind UUPS proxies and wire its roles", async () => {
    const from = (await hre.ethers.provider.getBlockNumber()) + 1;
    deployment = await deployAxon(hre, {
      writeManifest: false,
      log: (l) => (l.includes("deployed") || l.includes("transaction") ? narrator.say(l.trim()) : undefined),
    });
    // Deployment transactions are sent by the upgrades plugin, not the narrator: count them from the blocks.
    const to = await hre.ethers.provider.getBlockNumber();
    for (let n = from; n <= to; n++) {
      const block = await hre.ethers.provider.getBlock(n);
      narrator.addGas(block!.gasUsed, block!.transactions.length);
    }
  });
  const ctx = await runDemoParts(hre, narrator, deployment, parts, short);

  const { actors } = ctx;
  const people: [string, string][] = [
    ["bounty requester", actors.bountyRequester.address],
    ["labeller 1", actors.labellers[0].address],
    ["data buyer", actors.dataBuyer.address],
    ["model creator", actors.modelCreator.address],
    ["investor 1", actors.investors[0].address],
    ["investor 2", actors.investors[1].address],
    ["consumer 1", actors.consumers[0].address],
    ["agent owner", actors.agent.address],
    ["agent payee", actors.agentPayee.address],
    ["oracle node", actors.node.address],
    ["compute requester", actors.computeRequester.address],
    ["GPU provider", actors.gpuProvider.address],
  ];
  for (const [name, address] of people) {
    const wei = await hre.ethers.provider.getBalance(address);
    ctx.balances.push({ name, values: { ETH: Number(formatEther(wei)).toFixed(6) } });
  }
  narrator.summary(ctx.balances);
  // `npm run demo -- --explore` (issue 18): the in-process chain stays up and the Explorer serves it until Ctrl-C.
  if (process.env.DEMO_EXPLORE === "1") await explore(deployment);
}

async function explore(deployment: Awaited<ReturnType<typeof deployAxon>>): Promise<never> {
  const { startExplorer } = await import("../explorer/server/main");
  const dir = mkdtempSync(path.join(os.tmpdir(), "axon-demo-explorer-"));
  const explorer = await startExplorer({
    provider: hre.ethers.provider,
    manifest: deployment.manifest,
    port: Number(process.env.DEMO_EXPLORE_PORT ?? 8550),
    dbPath: path.join(dir, "explorer-hardhat.sqlite"),
    autoIndex: false,
    log: (l) => console.error(l),
  });
  await explorer.indexer!.syncToHead();
  explorer.indexer!.start();
  console.log(
    `\nAxon Explorer over the demo chain: ${explorer.url}  (JSON API: ${explorer.url}api/overview; Ctrl-C stops)`,
  );
  return new Promise<never>((_resolve, reject) => {
    const stop = () => void explorer.close().then(() => process.exit(0), reject);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
