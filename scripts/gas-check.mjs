#!/usr/bin/env node
// Gas gate: re-measures every operation and fails when one grew by more than the tolerance (1%) over the committed
// bench/gas-snapshot.json, or when an operation was added or removed without updating the snapshot.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const TOLERANCE = Number(process.env.GAS_TOLERANCE ?? "0.01");
if (!existsSync("bench/gas-snapshot.json")) {
  console.error("Gas check: bench/gas-snapshot.json is missing; run `npm run bench` and commit the snapshot first.");
  process.exit(1);
}
const committed = JSON.parse(readFileSync("bench/gas-snapshot.json", "utf8"));
const out = path.join(mkdtempSync(path.join(tmpdir(), "axon-gas-")), "gas-snapshot.json");
execFileSync("npx", ["hardhat", "run", "bench/gas.ts"], { stdio: "inherit", env: { ...process.env, BENCH_OUT: out } });
const fresh = JSON.parse(readFileSync(out, "utf8"));

const problems = [];
for (const [op, gas] of Object.entries(fresh.operations)) {
  const before = committed.operations[op];
  if (before === undefined) problems.push(`${op}: new operation (${gas}) not in the committed snapshot`);
  else if (gas > before * (1 + TOLERANCE)) {
    problems.push(`${op}: ${before} -> ${gas} (+${(((gas - before) / before) * 100).toFixed(2)}%)`);
  }
}
for (const op of Object.keys(committed.operations)) {
  if (!(op in fresh.operations)) problems.push(`${op}: in the committed snapshot but no longer measured`);
}
if (problems.length) {
  console.error(
    `\nGas check failed (tolerance ${(TOLERANCE * 100).toFixed(1)}%); run \`npm run bench\` and commit the snapshot if intended:`,
  );
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(
  `\nGas check passed: ${Object.keys(fresh.operations).length} operations within ${(TOLERANCE * 100).toFixed(1)}% of the snapshot.`,
);
