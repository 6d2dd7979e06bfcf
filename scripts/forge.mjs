#!/usr/bin/env node
// Runs forge (from the @foundry-rs/forge npm package) from the repository root, compiling through scripts/solc.
// Usage: node scripts/forge.mjs <forge args...>   e.g. `node scripts/forge.mjs test --match-contract OperatorStaking`
// solc-js is slow, so by default forge compiles only the invariant suites and what they import (src = the test
// folder); FORGE_FULL=1 compiles every contract under contracts/ as foundry.toml says. FOUNDRY_PROFILE=deep runs the
// long invariant campaign.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "package.json"));

function forgeBinary() {
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch];
  const platform = process.platform === "win32" ? "win32" : process.platform;
  const exe = process.platform === "win32" ? "forge.exe" : "forge";
  try {
    const pkg = require.resolve(`@foundry-rs/forge-${platform}-${arch}/package.json`);
    const bin = path.join(path.dirname(pkg), "bin", exe);
    if (existsSync(bin)) return { command: bin, prefix: [] };
  } catch {
    // Fall back to the wrapper, which finds the platform binary itself.
  }
  return {
    command: process.execPath,
    prefix: [require.resolve("@foundry-rs/forge/bin.mjs")],
  };
}

const env = {
  ...process.env,
  FOUNDRY_SOLC: path.join(root, "scripts", "solc"),
  FOUNDRY_OFFLINE: "true",
};
if (process.env.FORGE_FULL !== "1" && !process.env.FOUNDRY_SRC) env.FOUNDRY_SRC = "test/invariant";

const { command, prefix } = forgeBinary();
const result = spawnSync(command, [...prefix, ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: "inherit",
});
if (result.error) {
  console.error(`scripts/forge.mjs: cannot run forge: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
