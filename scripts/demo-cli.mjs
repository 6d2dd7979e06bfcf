#!/usr/bin/env node
// `npm run demo [-- --short] [-- --explore [--port N]]`: Hardhat's `run` takes no script flags, so they travel to
// scripts/demo.ts as DEMO_SHORT / DEMO_EXPLORE / DEMO_EXPLORE_PORT.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

const hardhatCli = createRequire(import.meta.url).resolve("hardhat/internal/cli/cli.js");

const args = process.argv.slice(2);
const env = { ...process.env };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--short") env.DEMO_SHORT = "1";
  else if (a === "--explore") env.DEMO_EXPLORE = "1";
  else if (a === "--port" && args[i + 1]) env.DEMO_EXPLORE_PORT = args[++i];
  else {
    console.error(`demo: unknown option ${a} (options: --short, --explore [--port N])`);
    process.exit(2);
  }
}
const child = spawn(process.execPath, [hardhatCli, "run", "scripts/demo.ts"], { stdio: "inherit", env });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
