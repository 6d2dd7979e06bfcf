// Issue #20's "done means": runs docs/INTEGRATING.md's integrator path as written on a fresh clone against anvil.
// The clone gets the docs' DigitReader as consumer/DigitReader.sol (as the docs tell the reader to save it), then
// the ```bash blocks marked <!-- integrator-path --> run in one bash session: deploy, stake, register, start the
// runner, build and deploy the consumer with forge, request, see the runner's callback, withdraw the excess fee, then
// the cast recipes. Usage: node --require ts-node/register/transpile-only scripts/integrator-path.ts
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startAnvil } from "./anvil";
import { freshClone } from "./fresh-clone";
import { ROOT, solidityFiles } from "./outside-project";

const MARK = "<!-- integrator-path -->";

/** The bash blocks that follow the marker, in order. */
export function integratorBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const re = new RegExp(`${MARK}\\n\`\`\`bash\\n([\\s\\S]*?)\`\`\``, "g");
  for (const m of markdown.matchAll(re)) blocks.push(m[1]);
  return blocks;
}

/** Newest modification time (ms) under `p`. */
function newest(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((m, n) => Math.max(m, newest(path.join(p, n))), 0);
}

/** Seeds the clone's offchain/dist from this checkout when it is built, so the runner's first start skips tsc. */
function seedRunnerBuild(clone: string) {
  const dist = path.join(ROOT, "offchain", "dist");
  if (!existsSync(path.join(dist, "cli.js")) || newest(path.join(ROOT, "offchain", "src")) > newest(dist)) return;
  // Copied after the sources, so it is newer than them and scripts/runner.mjs does not rebuild it.
  cpSync(dist, path.join(clone, "offchain", "dist"), { recursive: true });
}

async function main() {
  const started = Date.now();
  const docs = readFileSync(path.join(ROOT, "docs", "INTEGRATING.md"), "utf8");
  const blocks = integratorBlocks(docs);
  if (blocks.length === 0) throw new Error(`docs/INTEGRATING.md has no ${MARK} bash block`);
  const reader = solidityFiles(path.join(ROOT, "docs", "INTEGRATING.md")).find((s) => s.name === "DigitReader");
  if (!reader) throw new Error("docs/INTEGRATING.md has no DigitReader contract");

  const clone = freshClone({ seedCompileCache: true });
  seedRunnerBuild(clone);
  mkdirSync(path.join(clone, "consumer"));
  writeFileSync(path.join(clone, "consumer", "DigitReader.sol"), reader.source);
  writeFileSync(path.join(clone, "integrator-path.sh"), ["set -euo pipefail", "set -x", ...blocks].join("\n"));
  const anvil = await startAnvil();
  let code = 1;
  try {
    code = await new Promise<number>((resolve) => {
      // Its own process group, so that anything a block left running (the runner) is stopped with it.
      const child = spawn("bash", ["integrator-path.sh"], {
        cwd: clone,
        stdio: "inherit",
        detached: true,
        env: { ...process.env, ANVIL_RPC_URL: anvil.url, AXON_DEPLOYMENTS_DIR: "", TS_NODE_TRANSPILE_ONLY: "1" },
      });
      child.on("exit", (c) => {
        try {
          process.kill(-child.pid!, "SIGTERM");
        } catch {
          // the group is already gone
        }
        resolve(c ?? 1);
      });
    });
    if (code !== 0 && existsSync(path.join(clone, "runner.log"))) {
      console.error("--- runner.log ---");
      console.error(readFileSync(path.join(clone, "runner.log"), "utf8").slice(-4000));
    }
  } finally {
    await anvil.stop();
    if (code === 0 || process.env.KEEP_CLONE !== "1") rmSync(clone, { recursive: true, force: true });
    else console.error(`kept ${clone}`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (code !== 0) {
    console.error(`integrator path failed (exit ${code}) after ${seconds} s`);
    console.log("# pass 0\n# fail 1");
    process.exit(1);
  }
  console.log(`integrator path: ${blocks.length} block(s) of docs/INTEGRATING.md ran as written in ${seconds} s`);
  console.log("# pass 1\n# fail 0");
}

if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
