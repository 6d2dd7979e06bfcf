import hre from "hardhat";
import { deployAxon } from "./axon";
import { writeManifest } from "./manifest";
import { PreflightError, preflight } from "./preflight";
import { verifyAxon } from "./verify";

// `npx hardhat run deploy/index.ts --network <name>`: deploys or completes the protocol and writes the manifest.
async function main() {
  const { deployer, balanceWei } = await preflight(hre);
  console.log(`Deploying Axon to ${hre.network.name} from ${deployer} (${hre.ethers.formatEther(balanceWei)} ETH)`);
  const { manifest } = await deployAxon(hre, { log: console.log });
  // deployAxon wrote it after each step; writing the final state again returns the file's name.
  const file = writeManifest(hre.config.paths.root, manifest);
  console.log(`Wrote ${file} (${Object.keys(manifest.contracts).length} contracts)`);
  if (hre.network.name === "sepolia" && process.env.ETHERSCAN_API_KEY) {
    console.log("Verifying on Etherscan");
    await verifyAxon(hre, manifest);
  }
}

main().catch((err) => {
  console.error(err instanceof PreflightError ? `Error: ${err.message}` : err);
  process.exitCode = 1;
});
