import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..");

export interface FreshCloneOptions {
  /**
   * Seed artifacts/ and cache/ from this checkout (paths rewritten), so the clone's first `hardhat compile` finds
   * every source unchanged instead of spending minutes in solc-js. Hardhat still checks each source's content hash,
   * so anything that differs is recompiled. fhevmTemp/ is never copied: a fresh clone has none.
   */
  seedCompileCache?: boolean;
}

/**
 * A fresh copy of this checkout as `git clone` would give it (the tracked and untracked-but-not-ignored files of the
 * working tree, so uncommitted edits are included), with node_modules symlinked to the shared install.
 */
export function freshClone(opts: FreshCloneOptions = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "axon-clone-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f && existsSync(path.join(ROOT, f)));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    cpSync(path.join(ROOT, f), path.join(dir, f));
  }
  const modules = realpathSync(path.join(ROOT, "node_modules"));
  symlinkSync(modules, path.join(dir, "node_modules"), "dir");
  if (opts.seedCompileCache && existsSync(path.join(ROOT, "cache", "solidity-files-cache.json"))) {
    cpSync(path.join(ROOT, "artifacts"), path.join(dir, "artifacts"), { recursive: true });
    const cache = JSON.parse(readFileSync(path.join(ROOT, "cache", "solidity-files-cache.json"), "utf8")) as {
      files: Record<string, { artifacts?: unknown }>;
    };
    const files2: Record<string, unknown> = {};
    const linked = path.join(ROOT, "node_modules") + path.sep;
    for (const [key, entry] of Object.entries(cache.files)) {
      // Hardhat keys sources by absolute path; libraries may resolve through the node_modules symlink or to its target.
      if (key.startsWith(linked)) files2[path.join(modules, key.slice(linked.length))] = entry;
      files2[key.startsWith(ROOT + path.sep) ? path.join(dir, key.slice(ROOT.length + 1)) : key] = entry;
    }
    // The rest of cache/ too: without OpenZeppelin's validations.json the upgrades plugin forces a full recompile.
    cpSync(path.join(ROOT, "cache"), path.join(dir, "cache"), { recursive: true });
    writeFileSync(path.join(dir, "cache", "solidity-files-cache.json"), JSON.stringify({ ...cache, files: files2 }));
  }
  return dir;
}
