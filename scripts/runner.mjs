#!/usr/bin/env node
// `npm run runner -- <args>`: starts the runner CLI (offchain/dist/cli.js), compiling the TypeScript first only when
// dist/ is missing or older than a source or build setting, so a start costs no `tsc` run when nothing changed.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const offchain = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "offchain");
const entry = path.join(offchain, "dist", "cli.js");

/** Newest modification time (ms) under `p` (a file or a folder). */
function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((m, name) => Math.max(m, newest(path.join(p, name))), 0);
}

function isStale() {
  if (!existsSync(entry)) return true;
  const built = newest(path.join(offchain, "dist"));
  const sources = Math.max(
    newest(path.join(offchain, "src")),
    newest(path.join(offchain, "tsconfig.json")),
    newest(path.join(offchain, "package.json")),
  );
  return sources > built;
}

// AXON_RUNNER_CHECK=1: only say whether a build is due (tests).
if (process.env.AXON_RUNNER_CHECK === "1") {
  console.log(isStale() ? "stale" : "fresh");
  process.exit(0);
}
if (isStale()) {
  process.stderr.write("runner: offchain/dist is missing or older than offchain/src; building it (npm run build)\n");
  const build = spawnSync("npm", ["run", "--silent", "build", "--workspace", "offchain"], { stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
// The CLI runs as a child; SIGINT/SIGTERM sent to this process (npm, a service manager, `kill`) reach it, so `start`
// drains and exits as it does when run directly.
const child = spawn(process.execPath, [entry, ...process.argv.slice(2)], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
