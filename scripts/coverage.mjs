#!/usr/bin/env node
// Runs `hardhat coverage` and fails unless coverage of contracts/ (without mocks/ and examples/) reaches the gates:
// lines >= COVERAGE_MIN_LINES (default 98 %) and branches >= COVERAGE_MIN_BRANCHES (default 92 %); prints statements
// and functions too, and the figures of every contract below a gate.
// Extra arguments go to hardhat coverage, e.g. `node scripts/coverage.mjs --testfiles "test/staking/*.ts"`.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const minLines = Number(process.env.COVERAGE_MIN_LINES ?? 98);
const minBranches = Number(process.env.COVERAGE_MIN_BRANCHES ?? 92);
const summaryPath = path.join(root, "coverage", "coverage-summary.json");
const excluded = [/\/contracts\/mocks\//, /\/contracts\/examples\//];

// solidity-coverage compiles instrumented sources into Hardhat's own artifacts and cache. Hardhat's cache is keyed by
// the original sources, so a second coverage run would reuse the previous run's instrumented bytecode, whose hit ids
// no longer match this run's instrumentation whenever the instrumented file set changed (hits land on wrong lines).
// Dropping the cache before (fresh instrumentation) and after (plain artifacts next time) avoids both problems.
const solidityFilesCache = path.join(root, "cache", "solidity-files-cache.json");
rmSync(solidityFilesCache, { force: true });
rmSync(summaryPath, { force: true });
// The fhevm plugin refuses to run under solidity-coverage unless told that coverage's network settings apply.
const env = { ...process.env, SOLIDITY_COVERAGE: "true" };
const hardhat = path.join(root, "node_modules", ".bin", "hardhat");
const run = spawnSync(hardhat, ["coverage", ...process.argv.slice(2)], { cwd: root, env, stdio: "inherit" });
rmSync(solidityFilesCache, { force: true });
if (run.status !== 0) {
  console.error(`coverage: hardhat coverage exited with ${run.status ?? run.signal}`);
  process.exit(run.status || 1);
}
if (!existsSync(summaryPath)) {
  console.error("coverage: coverage/coverage-summary.json was not written (is json-summary in .solcover.js?)");
  process.exit(1);
}

const summary = JSON.parse(readFileSync(summaryPath, "utf8"));
const totals = { lines: [0, 0], statements: [0, 0], branches: [0, 0], functions: [0, 0] };
const below = [];
for (const [file, metrics] of Object.entries(summary)) {
  if (file === "total" || excluded.some((re) => re.test(file.replaceAll("\\", "/")))) continue;
  for (const key of Object.keys(totals)) {
    totals[key][0] += metrics[key].covered;
    totals[key][1] += metrics[key].total;
  }
  if (metrics.lines.pct < minLines || metrics.branches.pct < minBranches) {
    below.push(`  ${path.relative(root, file)}: lines ${metrics.lines.pct} %, branches ${metrics.branches.pct} %`);
  }
}
const pct = ([covered, total]) => (total === 0 ? 100 : (100 * covered) / total);
const line = (key) =>
  `${key.padEnd(10)} ${pct(totals[key]).toFixed(2).padStart(6)} %  (${totals[key][0]}/${totals[key][1]})`;
console.log("\ncoverage of contracts/ without mocks/ and examples/:");
for (const key of Object.keys(totals)) console.log(`  ${line(key)}`);
if (below.length)
  console.log(`\nfiles below a gate (lines ${minLines} %, branches ${minBranches} %):\n${below.join("\n")}`);
let failed = false;
if (pct(totals.lines) < minLines) {
  console.error(`coverage: lines ${pct(totals.lines).toFixed(2)} % is below the required ${minLines} %`);
  failed = true;
}
if (pct(totals.branches) < minBranches) {
  console.error(`coverage: branches ${pct(totals.branches).toFixed(2)} % is below the required ${minBranches} %`);
  failed = true;
}
if (failed) process.exit(1);
console.log(`coverage: lines meet the required ${minLines} % and branches the required ${minBranches} %`);
