import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import hre, { network } from "hardhat";
import { EVM_VERSION, OPTIMIZER_RUNS, REDUCED_OPTIMIZER_RUNS, SOLC_VERSION } from "../hardhat.config";
import { gasOf, type GasBenchmark } from "./lib";

// Runs every module in bench/gas/ on a fresh chain state and writes bench/gas-snapshot.json (sorted, deterministic).
async function main() {
  const only = process.env.BENCH_ONLY?.split(",");
  const dir = path.join(__dirname, "gas");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .sort();
  const operations: Record<string, number> = {};
  for (const file of files) {
    const domain = path.basename(file, ".ts");
    if (only && !only.includes(domain)) continue;
    await network.provider.send("hardhat_reset");
    const mod = (await import(path.join(dir, file))) as { default: GasBenchmark };
    await mod.default({
      async record(name, tx) {
        const used = await gasOf(tx);
        const key = `${domain}.${name}`;
        if (key in operations) throw new Error(`gas benchmark ${key} recorded twice`);
        operations[key] = Number(used);
        console.log(`${key.padEnd(56)} ${used.toString().padStart(10)}`);
        return used;
      },
    });
  }
  const snapshot = {
    meta: {
      solc: SOLC_VERSION,
      optimizerRuns: OPTIMIZER_RUNS,
      // Sources compiled at fewer runs to fit EIP-170.
      optimizerRunsOverrides: REDUCED_OPTIMIZER_RUNS,
      evmVersion: EVM_VERSION,
      hardhat: (await import("hardhat/package.json")).version,
      note: "gasUsed of one mined transaction per operation on the in-process Hardhat network",
    },
    operations: Object.fromEntries(Object.entries(operations).sort(([a], [b]) => a.localeCompare(b))),
  };
  const out = process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : path.join(__dirname, "gas-snapshot.json");
  if (only) {
    // A partial run merges into the existing snapshot instead of dropping the other domains.
    const { existsSync, readFileSync } = await import("node:fs");
    if (existsSync(out)) {
      const prev = JSON.parse(readFileSync(out, "utf8"));
      for (const [k, v] of Object.entries(prev.operations as Record<string, number>)) {
        if (!only.includes(k.split(".")[0])) operations[k] = v;
      }
      snapshot.operations = Object.fromEntries(Object.entries(operations).sort(([a], [b]) => a.localeCompare(b)));
    }
  }
  writeFileSync(out, JSON.stringify(snapshot, null, 2) + "\n");
  console.log(
    `wrote ${path.relative(hre.config.paths.root, out)} (${Object.keys(snapshot.operations).length} operations)`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
