import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { DeploymentManifest } from "./manifest";

/** Constructor arguments of the non-proxy contracts deployAxon creates (implementations and libraries take none). */
function constructorArgs(manifest: DeploymentManifest, name: string): unknown[] {
  if (name === "LabelingBountiesExporter")
    return [manifest.contracts.LabelingBounties.address, manifest.contracts.DataMarket.address];
  if (name === "EthUsdFeed") return [8, 3_000n * 10n ** 8n];
  // Data provenance (issue 17).
  const c = manifest.contracts;
  if (name === "SyntheticProvenance")
    return [c.AIOracle.address, c.ModelRegistry.address, c.DataMarket.address, c.Treasury.address];
  if (name === "CollectionCampaigns") return [c.DataMarket.address];
  return [];
}

/**
 * Verifies every implementation, library and helper contract of a manifest on the block explorer through
 * hardhat-verify (ETHERSCAN_API_KEY). Proxies are ERC1967Proxy instances the explorers recognise once their
 * implementation is verified. A contract that is already verified is reported, not an error.
 */
export async function verifyAxon(hre: HardhatRuntimeEnvironment, manifest: DeploymentManifest, log = console.log) {
  for (const [name, entry] of Object.entries(manifest.contracts)) {
    const address = entry.implementation ?? entry.address;
    try {
      await hre.run("verify:verify", {
        address,
        constructorArguments: constructorArgs(manifest, name),
        libraries: entry.libraries ?? {},
      });
      log(`  verified ${name} at ${address}`);
    } catch (err) {
      const message = (err as Error).message;
      if (/already verified/i.test(message)) log(`  ${name} already verified`);
      else log(`  could not verify ${name} at ${address}: ${message}`);
    }
  }
}
