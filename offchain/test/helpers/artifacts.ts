import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./nodes";

export interface Artifact {
  abi: unknown[];
  bytecode: string;
  linkReferences?: Record<string, Record<string, { start: number; length: number }[]>>;
}

/** Fills the library placeholders of `art.bytecode` with deployed library addresses (by library name). */
export function link(art: Artifact, libraries: Record<string, string>): Artifact {
  let code = art.bytecode;
  for (const refs of Object.values(art.linkReferences ?? {}))
    for (const [name, places] of Object.entries(refs)) {
      const address = libraries[name];
      if (!address) throw new Error(`library ${name} not deployed`);
      for (const { start, length } of places)
        code = code.slice(0, 2 + start * 2) + address.slice(2).toLowerCase() + code.slice(2 + (start + length) * 2);
    }
  return { ...art, bytecode: code };
}

const ARTIFACTS = path.join(REPO_ROOT, "artifacts");

/** Compiles the contracts once (Hardhat, in the repository root) if the artifacts the tests need are missing. */
export function ensureCompiled(names: string[]): void {
  if (names.every((n) => findArtifact(n))) return;
  execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, "node_modules/hardhat/internal/cli/cli.js"), "compile", "--quiet"],
    {
      cwd: REPO_ROOT,
      stdio: "inherit",
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" },
    },
  );
}

function findArtifact(name: string): string | undefined {
  const stack = [path.join(ARTIFACTS, "contracts")];
  while (stack.length) {
    const dir = stack.pop()!;
    if (!existsSync(dir)) continue;
    const direct = path.join(dir, `${name}.sol`, `${name}.json`);
    if (existsSync(direct)) return direct;
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory() && !e.name.endsWith(".sol")) stack.push(path.join(dir, e.name));
  }
  return undefined;
}

export function artifact(name: string): Artifact {
  if (name === "ERC1967Proxy") {
    const file = path.join(
      REPO_ROOT,
      "node_modules/@openzeppelin/upgrades-core/artifacts/@openzeppelin/contracts-v5/proxy/ERC1967/ERC1967Proxy.sol/ERC1967Proxy.json",
    );
    return JSON.parse(readFileSync(file, "utf8")) as Artifact;
  }
  const file = findArtifact(name);
  if (!file) throw new Error(`no artifact for ${name}: run npx hardhat compile`);
  return JSON.parse(readFileSync(file, "utf8")) as Artifact;
}
