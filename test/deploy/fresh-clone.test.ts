import { expect } from "chai";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { freshClone } from "../../scripts/fresh-clone";
import { type Anvil, startAnvil } from "./helpers";

/** Runs `npx hardhat …` in `cwd` exactly as a user types it. */
function npx(cwd: string, args: string[], env: Record<string, string>, timeoutMs = 600_000) {
  return new Promise<{ code: number; out: string }>((resolve, reject) => {
    const child = spawn("npx", args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}

// Issue #20, point 1: the fhevm plugin needs fhevmTemp/ (which only a run on the in-process network created), so a
// fresh clone could not deploy to anvil (HH312). Child processes cannot run under coverage's instrumentation.
(process.env.SOLIDITY_COVERAGE === "true" ? describe.skip : describe)("a fresh clone deploying to anvil", function () {
  this.timeout(900_000);
  let anvil: Anvil;
  let clone: string;

  before(async function () {
    anvil = await startAnvil();
    clone = freshClone({ seedCompileCache: true });
  });

  after(async function () {
    await anvil?.stop();
    if (clone) rmSync(clone, { recursive: true, force: true });
  });

  it("runs `npx hardhat run deploy/index.ts --network anvil` first time, without fhevmTemp/", async function () {
    expect(existsSync(path.join(clone, "fhevmTemp"))).to.equal(false);
    const res = await npx(clone, ["hardhat", "run", "deploy/index.ts", "--network", "anvil"], {
      ANVIL_RPC_URL: anvil.url,
      AXON_DEPLOYMENTS_DIR: "",
    });
    expect(res.code, res.out).to.equal(0);
    expect(res.out).to.match(/45 transaction\(s\) sent/);
    expect(existsSync(path.join(clone, "fhevmTemp", "precompiled-fhevm-host-contracts-addresses.json"))).to.equal(true);
    const manifest = JSON.parse(readFileSync(path.join(clone, "deployments", "31337.json"), "utf8"));
    expect(manifest.chainId).to.equal(31337);
  });

  it("names the cause and the one command that fixes it when fhevmTemp/ cannot be generated", async function () {
    rmSync(path.join(clone, "fhevmTemp"), { recursive: true, force: true });
    // A file where the plugin's cache folder must go: generating it fails.
    require("node:fs").writeFileSync(path.join(clone, "fhevmTemp"), "not a folder");
    const res = await npx(clone, ["hardhat", "run", "--no-compile", "deploy/index.ts", "--network", "anvil"], {
      ANVIL_RPC_URL: anvil.url,
      AXON_DEPLOYMENTS_DIR: "",
    });
    expect(res.code).to.not.equal(0);
    expect(res.out).to.match(/fhevmTemp\/precompiled-fhevm-host-contracts-addresses\.json/);
    expect(res.out).to.include("npx hardhat fhevm:prepare --network hardhat");
  });
});
