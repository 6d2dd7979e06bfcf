import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { extendEnvironment, task } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";

/**
 * The fhevm plugin's mock mode needs `fhevmTemp/precompiled-fhevm-host-contracts-addresses.json`, which it can only
 * compute on the in-process `hardhat` network. On any other network it tries to generate it by running its own
 * `install-solidity` *subtask* from the command line, which Hardhat refuses (HH312), so a fresh clone could not
 * deploy to anvil or a `hardhat node`. `fhevm:prepare` runs that subtask in-process (a few seconds, offline, no
 * compile), and every non-`hardhat` network whose chain id is the local 31337 runs it in a child process before
 * anything else when the file is missing.
 */
export const FHEVM_PREPARE_COMMAND = "npx hardhat fhevm:prepare --network hardhat";
export const FHEVM_ADDRESSES_FILE = path.join("fhevmTemp", "precompiled-fhevm-host-contracts-addresses.json");
const LOCAL_CHAIN_ID = 31337;

task(
  "fhevm:prepare",
  "Writes the fhevm mock's host contract addresses (fhevmTemp/) that local networks need",
).setAction(async (_args, hre) => {
  if (hre.network.name !== "hardhat")
    throw new HardhatPluginError("axon", `run it on the in-process network: ${FHEVM_PREPARE_COMMAND}`);
  await hre.run({ scope: "fhevm", task: "install-solidity" });
  console.log(`Wrote ${FHEVM_ADDRESSES_FILE}`);
});

extendEnvironment((hre) => {
  if (hre.network.name === "hardhat" || hre.network.config.chainId !== LOCAL_CHAIN_ID) return;
  const file = path.join(hre.config.paths.root, FHEVM_ADDRESSES_FILE);
  if (existsSync(file)) return;
  const cli = require.resolve("hardhat/internal/cli/cli.js", { paths: [hre.config.paths.root] });
  const res = spawnSync(process.execPath, [cli, "fhevm:prepare", "--network", "hardhat"], {
    cwd: hre.config.paths.root,
    env: { ...process.env, HARDHAT_NETWORK: "hardhat" },
    encoding: "utf8",
  });
  if (res.status !== 0 || !existsSync(file)) {
    throw new HardhatPluginError(
      "axon",
      `the fhevm plugin needs ${FHEVM_ADDRESSES_FILE} on network "${hre.network.name}" and generating it failed; ` +
        `run \`${FHEVM_PREPARE_COMMAND}\` and retry.\n${res.stderr ?? ""}${res.error?.message ?? ""}`,
    );
  }
});
