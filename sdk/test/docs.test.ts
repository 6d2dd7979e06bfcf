// docs/INTEGRATING.md's SDK sections run as written: the request script (with `@axon/sdk` resolved to these
// sources), answered end to end by the real runner, and the `cast` block driving the deployment from the manifest
// and the ABIs alone.
import { expect } from "chai";
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Hex, toHex } from "viem";
import { ROOT, type TestChain, testChain } from "./chain";
import { type Runner, startRunner } from "./runner";

const DOCS = path.join(ROOT, "docs", "INTEGRATING.md");
const RUNNER_NODE = 9;

/** The fenced block of `lang` right after `<!-- marker -->`. */
export function markedBlock(markdown: string, marker: string, lang: string): string {
  const m = markdown.match(new RegExp(`<!-- ${marker} -->\\n\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``));
  if (!m) throw new Error(`docs/INTEGRATING.md has no ${lang} block after <!-- ${marker} -->`);
  return m[1];
}

function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  cwd = ROOT,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

describe("docs/INTEGRATING.md: the SDK sections", function () {
  let c: TestChain;
  let runner: Runner | undefined;
  let tmp: string;

  before(async function () {
    c = await testChain();
    tmp = mkdtempSync(path.join(os.tmpdir(), "axon-sdk-docs-"));
  });
  after(async function () {
    await runner?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("the request script prints the real runner's decoded classification", async function () {
    runner = await startRunner(c, RUNNER_NODE, c.manifestFile);
    const script = markedBlock(readFileSync(DOCS, "utf8"), "sdk-script", "js");
    // ES module imports become requires and the top-level awaits an async body (ts-node runs CommonJS here).
    const imports = script.match(/^import .*;$/gm) ?? [];
    const body = script.replace(/^import .*;$/gm, "");
    const file = path.join(tmp, "request.ts");
    writeFileSync(
      file,
      `${imports.join("\n")}\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(1); });\n`,
    );
    const key = toHex(c.account(0).getHdKey().privateKey!) as Hex;
    const res = await run(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "-r", path.join(__dirname, "resolve-ts.cjs"), file],
      {
        TS_NODE_PROJECT: path.join(ROOT, "sdk", "tsconfig.json"),
        NODE_PATH: path.join(ROOT, "node_modules"), // the script lives outside the repository
        ANVIL_RPC_URL: c.anvil.url,
        MANIFEST: c.manifestFile,
        KEY: key,
        MODEL: String(runner.modelId),
        READER: c.account(2).address,
      },
    );
    expect(res.code, `${res.out}\n--- runner ---\n${runner.log().slice(-3000)}`).to.equal(0);
    expect(res.out).to.match(/^request \d+ paid \d+ wei$/m);
    const m = res.out.match(/^fulfilled \{\s+label: (\d),\s+scoresBps: \[([\d,\s]+)\]\s+\}$/m);
    expect(m, res.out).to.not.equal(null);
    const scores = m![2].split(",").map((s) => Number(s.trim()));
    expect(scores).to.have.length(10);
    expect(scores[Number(m![1])]).to.equal(Math.max(...scores)); // the label is the argmax
    expect(Math.abs(scores.reduce((a, b) => a + b, 0) - 10_000)).to.be.lessThan(10); // basis points, rounded
  });

  it("the cast block drives the deployment from the manifest and the ABIs alone", async function () {
    const block = markedBlock(readFileSync(DOCS, "utf8"), "sdk-cast", "bash");
    // `npx cast` as the reader types it, without npx's start-up cost: a shim that runs the installed binary.
    const bin = path.join(tmp, "bin");
    await run("mkdir", ["-p", bin], {});
    writeFileSync(path.join(bin, "npx"), '#!/bin/sh\nexec "$@"\n');
    chmodSync(path.join(bin, "npx"), 0o755);
    writeFileSync(path.join(tmp, "cast.sh"), `set -eu\n${block}`);
    const res = await run("bash", [path.join(tmp, "cast.sh")], {
      PATH: `${bin}:${path.join(ROOT, "node_modules", ".bin")}:${process.env.PATH}`,
      ANVIL_RPC_URL: c.anvil.url,
      MANIFEST: c.manifestFile,
      ABI: path.join(ROOT, "sdk", "dist", "abi"),
    });
    expect(res.code, res.out).to.equal(0);
    const lines = res.out.trim().split("\n");
    expect(lines[0]).to.equal(`[${c.account(1).address}]`);
    expect(lines[1]).to.match(/^\d+ \[\d\.\d+e\d+\]$/);
    expect(lines.slice(2)).to.deep.equal(["ModelRegistryUnknownModel(uint256)", "999"]);
  });
});
