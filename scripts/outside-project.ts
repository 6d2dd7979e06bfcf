import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

// Builds throw-away projects outside this repository that depend on the @axon/contracts package (contracts/), to check
// that what docs/INTEGRATING.md tells an integrator to write compiles there exactly as written.

export const ROOT = path.resolve(__dirname, "..");
const MODULES = realpathSync(path.join(ROOT, "node_modules"));

/** The ```solidity blocks of a Markdown file that are whole source files (they import something). */
export function solidityFiles(markdownFile: string): { name: string; source: string }[] {
  const text = readFileSync(markdownFile, "utf8");
  const out: { name: string; source: string }[] = [];
  for (const m of text.matchAll(/```solidity\n([\s\S]*?)```/g)) {
    const source = m[1];
    if (!/^import\s/m.test(source)) continue;
    const contract = /^(?:abstract\s+)?contract\s+(\w+)/m.exec(source);
    if (!contract) throw new Error(`${markdownFile}: a solidity block with imports declares no contract`);
    out.push({ name: contract[1], source });
  }
  return out;
}

/** The files `npm pack ./contracts` would publish, installed into `<project>/node_modules/@axon/contracts`. */
export function installContractsPackage(project: string): string {
  const listing = JSON.parse(
    execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts", "./contracts"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }),
  ) as { files: { path: string }[] }[];
  const dest = path.join(project, "node_modules", "@axon", "contracts");
  for (const { path: f } of listing[0].files) {
    mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    cpSync(path.join(ROOT, "contracts", f), path.join(dest, f));
  }
  return dest;
}

function linkModules(project: string, names: string[]) {
  for (const n of names) {
    mkdirSync(path.dirname(path.join(project, "node_modules", n)), { recursive: true });
    symlinkSync(path.join(MODULES, n), path.join(project, "node_modules", n), "dir");
  }
}

export interface Compiled {
  dir: string;
  code: number;
  output: string;
}

/**
 * A Hardhat project with `sources` in contracts/ and @axon/contracts installed, compiled with `hardhat compile`. Its
 * config only adds what this offline machine needs (solc-js from npm instead of the compiler download).
 */
export function compileInHardhatProject(sources: { name: string; source: string }[]): Compiled {
  const dir = mkdtempSync(path.join(os.tmpdir(), "axon-outside-hardhat-"));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "my-consumer", private: true }));
  writeFileSync(
    path.join(dir, "hardhat.config.js"),
    `const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");
// offline: serve the npm solc-js build instead of downloading the compiler
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async () => ({
  compilerPath: require.resolve("solc/soljson.js"), isSolcJs: true, version: "0.8.28", longVersion: "0.8.28+commit.7893614a",
}));
module.exports = { solidity: { version: "0.8.28", settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" } } };
`,
  );
  mkdirSync(path.join(dir, "contracts"));
  for (const s of sources) writeFileSync(path.join(dir, "contracts", `${s.name}.sol`), s.source);
  linkModules(dir, ["hardhat", "solc"]);
  installContractsPackage(dir);
  const res = spawnSync(process.execPath, [path.join(MODULES, "hardhat", "internal", "cli", "cli.js"), "compile"], {
    cwd: dir,
    encoding: "utf8",
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("HARDHAT_"))),
  });
  return { dir, code: res.status ?? -1, output: `${res.stdout}${res.stderr}${res.error?.message ?? ""}` };
}

export function forgeBinary(): string {
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch as "x64" | "arm64"];
  return path.join(MODULES, "@foundry-rs", `forge-${process.platform}-${arch}`, "bin", "forge");
}

/** A Foundry project with `sources` in src/ and @axon/contracts installed under node_modules, built with `forge build`. */
export function compileInFoundryProject(sources: { name: string; source: string }[]): Compiled {
  const dir = mkdtempSync(path.join(os.tmpdir(), "axon-outside-foundry-"));
  writeFileSync(
    path.join(dir, "foundry.toml"),
    `[profile.default]
src = "src"
libs = ["node_modules"]
remappings = ["@axon/contracts/=node_modules/@axon/contracts/"]
evm_version = "cancun"
`,
  );
  mkdirSync(path.join(dir, "src"));
  for (const s of sources) writeFileSync(path.join(dir, "src", `${s.name}.sol`), s.source);
  installContractsPackage(dir);
  const res = spawnSync(forgeBinary(), ["build"], {
    cwd: dir,
    encoding: "utf8",
    // offline: forge cannot download solc; this repository's wrapper compiles with solc-js
    env: { ...process.env, FOUNDRY_SOLC: path.join(ROOT, "scripts", "solc"), FOUNDRY_OFFLINE: "true" },
  });
  return { dir, code: res.status ?? -1, output: `${res.stdout}${res.stderr}${res.error?.message ?? ""}` };
}

/** `sources` built by forge inside this repository (foundry.toml maps @axon/contracts/ to contracts/). */
export function compileInRepoWithForge(sources: { name: string; source: string }[]): Compiled {
  const rel = path.join("cache_forge", "docs-snippets");
  const dir = path.join(ROOT, rel);
  mkdirSync(path.join(dir, "src"), { recursive: true });
  for (const s of sources) writeFileSync(path.join(dir, "src", `${s.name}.sol`), s.source);
  const res = spawnSync(process.execPath, [path.join(ROOT, "scripts", "forge.mjs"), "build"], {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      FOUNDRY_SRC: path.join(rel, "src"),
      FOUNDRY_TEST: path.join(rel, "src"), // not the invariant suites
      FOUNDRY_OUT: path.join(rel, "out"),
      FOUNDRY_CACHE_PATH: path.join(rel, "cache"),
    },
  });
  return { dir, code: res.status ?? -1, output: `${res.stdout}${res.stderr}${res.error?.message ?? ""}` };
}
