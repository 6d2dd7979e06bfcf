#!/usr/bin/env node
// Copies the ABIs the runner needs from the Hardhat artifacts into src/abi/, so the runner never needs Hardhat at
// runtime. Run `npx hardhat compile` in the repository root first.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const out = path.resolve(here, "..", "src", "abi");
const wanted = {
  AIOracle: ["contracts/oracle/AIOracle.sol/AIOracle.json"],
  ModelRegistry: ["contracts/models/ModelRegistry.sol/ModelRegistry.json"],
};

for (const [name, candidates] of Object.entries(wanted)) {
  const file = candidates.map((c) => path.join(root, "artifacts", c)).find((f) => existsSync(f));
  if (!file) {
    console.error(`export-abi: no artifact for ${name} (run \`npx hardhat compile\` in ${root})`);
    process.exit(1);
  }
  const { abi } = JSON.parse(readFileSync(file, "utf8"));
  writeFileSync(path.join(out, `${name}.json`), JSON.stringify(abi, null, 1) + "\n");
  console.log(`export-abi: ${name} (${abi.length} entries) <- ${path.relative(root, file)}`);
}
