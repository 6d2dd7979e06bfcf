import hre, { ethers } from "hardhat";
import { deployAxon } from "../../deploy/axon";
import type { GasRecorder } from "../lib";

/** Gas of the whole protocol deployment (proxies, implementations, libraries, wiring), read from the mined blocks. */
export default async function (gas: GasRecorder) {
  const from = (await ethers.provider.getBlockNumber()) + 1;
  const deployment = await deployAxon(hre, { writeManifest: false });
  const to = await ethers.provider.getBlockNumber();
  let total = 0n;
  for (let n = from; n <= to; n++) total += (await ethers.provider.getBlock(n))!.gasUsed;
  await gas.record(`deployAxon: full deployment and wiring (${deployment.transactions} txs)`, total);
}
