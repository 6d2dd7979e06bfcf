import hre from "hardhat";
import { readManifest } from "./manifest";
import { upgradeAxon } from "./upgrades";
import { PreflightError, preflight } from "./preflight";
import { verifyAxon } from "./verify";

// `npx hardhat run deploy/upgrade.ts --network <name>` [CONTRACTS=AIOracle,DataMarket]: validates each proxy's
// storage layout against the new implementation, then upgrades it and updates deployments/<network>.json.
// Issue 13 (compact request tuple, hot-path cache): the layouts only append, so validation passes, but requests opened
// under the old 18-field tuple can no longer be fulfilled or refunded by the new code: pause `request`, drain the open
// requests (fulfil or refund), then upgrade AIOracle, ModelRegistry and OperatorStaking together, and wire the cache
// (`registry.setOracle`, `staking.setStatusListener`, then `pushStatus` per node and `pushModel` per model). See
// docs/oracle.md, "Upgrading from the issue-12 layout".
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
