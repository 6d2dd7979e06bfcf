#!/usr/bin/env node
// `npm test`: lint, Hardhat tests, type checks, runner tests, Foundry invariants and the docs' integrator path in order; stops at the first failing stage and
// ends with one summary line counting every test of every stage.
import { spawn } from "node:child_process";

const stages = [
  { name: "lint", cmd: "npm", args: ["run", "--silent", "lint"] },
  { name: "hardhat", cmd: "npx", args: ["hardhat", "test"] },
  // the Explorer (issue 18): its API against an indexed in-process chain, and its page in headless chromium
  { name: "explorer", cmd: "npm", args: ["run", "--silent", "test:explorer"] },
  // after the Hardhat stage, which compiles the contracts and generates the typechain types the code imports
  { name: "types", cmd: "npm", args: ["run", "--silent", "typecheck"] },
  { name: "runner", cmd: "npm", args: ["test", "--silent", "--workspace", "offchain"] },
  { name: "forge", cmd: "node", args: ["scripts/forge.mjs", "test"] },
  // the integrator SDK (sdk/, issue #19): its clients against a fresh anvil deployment, its error table, its type tests
  { name: "sdk", cmd: "npm", args: ["test", "--silent", "--prefix", "sdk"] },
  // docs/INTEGRATING.md's integrator path, run as written on a fresh clone against anvil (issue #20)
  {
    name: "integrator",
    cmd: "node",
    args: ["--require", "ts-node/register/transpile-only", "scripts/integrator-path.ts"],
  },
];

// Each runner's own closing lines: mocha, node:test, forge.
const counters = [
  { re: /^\s*(\d+) passing/m, key: "passed" },
  { re: /^\s*(\d+) failing/m, key: "failed" },
  { re: /^\s*(\d+) pending/m, key: "skipped" },
  { re: /^# pass (\d+)/m, key: "passed" },
  { re: /^# fail (\d+)/m, key: "failed" },
  { re: /^# skipped (\d+)/m, key: "skipped" },
  { re: /(\d+) tests passed, (\d+) failed, (\d+) skipped/m, keys: ["passed", "failed", "skipped"] },
];

// Debug output that @fhevm/mock-utils prints on every evm_revert (each loadFixture): thousands of lines that would
// bury the test report. Only whole lines that match exactly are dropped.
const NOISE = /^HANDLE REVERT HERE!! \d+$/;

/** Forwards a child's stream line by line to `sink`, dropping known noise; returns a flush for the last line. */
function forward(stream, sink, record) {
  let pending = "";
  const emit = (line) => {
    if (NOISE.test(line)) return;
    record(line + "\n");
    sink.write(line + "\n");
  };
  stream.on("data", (d) => {
    const lines = (pending + d).split("\n");
    pending = lines.pop();
    lines.forEach(emit);
  });
  return () => {
    if (pending) emit(pending);
    pending = "";
  };
}

function run(stage) {
  return new Promise((resolve) => {
    const child = spawn(stage.cmd, stage.args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let out = "";
    const record = (s) => (out += s);
    const flushOut = forward(child.stdout, process.stdout, record);
    const flushErr = forward(child.stderr, process.stderr, record);
    child.on("close", (code) => {
      flushOut();
      flushErr();
      resolve({ code: code ?? 1, out });
    });
  });
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const only = process.argv.slice(2);
let exitCode = 0;
for (const stage of stages) {
  if (only.length && !only.includes(stage.name)) continue;
  console.log(`\n=== ${stage.name} ===`);
  const { code, out } = await run(stage);
  for (const c of counters) {
    const m = out.match(c.re);
    if (!m) continue;
    if (c.keys) c.keys.forEach((k, i) => (totals[k] += Number(m[i + 1])));
    else totals[c.key] += Number(m[1]);
  }
  if (code !== 0) {
    console.error(`\nstage "${stage.name}" failed with exit code ${code}`);
    exitCode = code;
    break;
  }
}
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode || (totals.failed > 0 ? 1 : 0));
