import hre from "hardhat";
import { readManifest } from "./manifest";
import { upgradeAxon } from "./upgrades";
import { PreflightError, preflight } from "./preflight";
import { verifyAxon } from "./verify";

// `npx hardhat run deploy/upgrade.ts --network <name>` [CONTRACTS=AIOracle,DataMarket]: validates each proxy's
// storage layout against the new implementation, then upgrades it and updates deployments/<network>.json.
async function main() {
  const only = process.env.CONTRACTS?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  await preflight(hre);
  console.log(`Upgrading Axon on ${hre.network.name}${only ? ` (${only.join(", ")})` : ""}`);
  const results = await upgradeAxon(hre, { only, log: console.log });
  for (const r of results) {
    console.log(`${r.name.padEnd(18)} ${r.changed ? `${r.from} -> ${r.to}` : `unchanged (${r.to})`}`);
    if (r.ownerCalldata && r.changed) console.log(`${"".padEnd(18)} owner must send: ${r.ownerCalldata}`);
  }
  if (hre.network.name === "sepolia" && process.env.ETHERSCAN_API_KEY)
    await verifyAxon(hre, readManifest(hre.config.paths.root, hre.network.name, hre.network.config.chainId)!);
}

main().catch((err) => {
  console.error(err instanceof PreflightError ? `Error: ${err.message}` : err);
  process.exitCode = 1;
});
