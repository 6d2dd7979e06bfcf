import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { keccak256, toUtf8Bytes } from "ethers";
import type { Artifact } from "./artifacts";

/** Compiles a self-contained test contract with solc-js (cached by source hash). */
export function compileTestContract(file: string, name: string): Artifact {
  const source = readFileSync(file, "utf8");
  const cacheDir = path.join(os.tmpdir(), "axon-runner-solc-cache");
  const cache = path.join(cacheDir, `${name}-${keccak256(toUtf8Bytes(source)).slice(2, 18)}.json`);
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, "utf8")) as Artifact;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { compile(input: string): string };
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { [path.basename(file)]: { content: source } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          evmVersion: "cancun",
          outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
        },
      }),
    ),
  ) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const c = out.contracts[path.basename(file)][name];
  const art: Artifact = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cache, JSON.stringify(art));
  return art;
}
