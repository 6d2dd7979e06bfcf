#!/usr/bin/env node
// The package is CommonJS by default (dist/cjs); dist/esm gets its own package.json so Node reads it as ES modules.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "dist");
writeFileSync(path.join(dist, "esm", "package.json"), JSON.stringify({ type: "module", sideEffects: false }) + "\n");
