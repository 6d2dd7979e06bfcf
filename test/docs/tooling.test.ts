import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, utimesSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../../scripts/fresh-clone";

// Issue #20, point 6: npm commands print no warning about an unknown project config, ONNX Runtime's CUDA download
// stays off without it, and `npm run runner` compiles the runner only when its build is stale.
describe("integrator tooling", function () {
  it("npm warns about no unknown config, and onnxruntime-node's install script is denied in allowScripts", function () {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (/onnxruntime/i.test(k)) delete env[k];
    const res = spawnSync("npm", ["pkg", "get", "name"], { cwd: ROOT, env, encoding: "utf8" });
    expect(res.status, res.stderr).to.equal(0);
    expect(res.stderr).to.not.match(/Unknown (project|env|user) config/);
    expect(readFileSync(path.join(ROOT, ".npmrc"), "utf8")).to.not.match(/onnxruntime/);
    // npm skips a denied package's install script silently: onnxruntime-node's only downloads the CUDA provider
    // (its CPU and WebGPU builds ship in the package).
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.allowScripts["onnxruntime-node"]).to.equal(false);
    const ort = JSON.parse(readFileSync(path.join(ROOT, "node_modules", "onnxruntime-node", "package.json"), "utf8"));
    expect(ort.scripts.postinstall).to.equal("node ./script/install");
  });

  it("`npm run runner` builds offchain/dist only when a source is newer than it", function () {
    const check = () =>
      spawnSync(process.execPath, [path.join(ROOT, "scripts", "runner.mjs")], {
        cwd: ROOT,
        env: { ...process.env, AXON_RUNNER_CHECK: "1" },
        encoding: "utf8",
      }).stdout.trim();
    const built = spawnSync("npm", ["run", "--silent", "runner", "--", "--help"], { cwd: ROOT, encoding: "utf8" });
    expect(built.status, built.stderr).to.equal(0);
    expect(built.stdout).to.match(/axon-runner/);
    expect(check()).to.equal("fresh");
    const again = spawnSync("npm", ["run", "--silent", "runner", "--", "--help"], { cwd: ROOT, encoding: "utf8" });
    expect(again.stderr).to.not.match(/building it/);
    const src = path.join(ROOT, "offchain", "src", "cli.ts");
    const { atime, mtime } = statSync(src);
    try {
      const later = new Date(Date.now() + 60_000);
      utimesSync(src, later, later);
      expect(check()).to.equal("stale");
    } finally {
      utimesSync(src, atime, mtime);
    }
    expect(check()).to.equal("fresh");
  });
});
