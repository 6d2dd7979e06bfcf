import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { arm64Sysroot, smokeArm64 } from "../../scripts/bundle";

const OFFCHAIN = path.join(__dirname, "..", "..");
const TARBALL = path.join(OFFCHAIN, ".gpu-bundle", "axon-runner-linux-arm64.tar.xz");
const hasQemu = spawnSync("sh", ["-c", "command -v qemu-aarch64-static"]).status === 0;

// The arm64 edge bundle (issue 16) runs its selftest (ONNX Runtime's arm64 binding classifying held-out digits) under
// qemu-user-static. Building the bundle takes minutes, so a plain run smoke-tests a bundle already built and DEEP=1
// builds one first.
function skipReason(): string | false {
  if (!hasQemu) return "qemu-aarch64-static is not installed (Debian: apt-get install qemu-user-static)";
  if (!existsSync(TARBALL) && !process.env.DEEP)
    return "no arm64 bundle built: run npm run runner:bundle -- --arch arm64 (or set DEEP=1 to build it here)";
  return false;
}

describe("arm64 runner bundle", () => {
  it("runs its selftest under qemu-aarch64-static", { skip: skipReason(), timeout: 20 * 60_000 }, (t) => {
    let sysroot: string;
    try {
      sysroot = arm64Sysroot(path.join(OFFCHAIN, ".gpu-bundle", "cache"));
    } catch (err) {
      t.skip((err as Error).message);
      return;
    }
    if (!existsSync(TARBALL))
      execFileSync(
        process.execPath,
        [require.resolve("ts-node/dist/bin"), "--transpile-only", "scripts/bundle.ts", "--arch", "arm64"],
        {
          cwd: OFFCHAIN,
          stdio: "inherit",
        },
      );
    smokeArm64(TARBALL, 20, sysroot);
  });
});
