import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export function tmpDir(prefix = "axon-runner-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
