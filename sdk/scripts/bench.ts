// SDK benchmark (issue #19), written to bench/sdk.json:
//  - bundle size: esbuild bundles of dist/esm (minified, tree-shaken, browser target), with viem inside and without
//    (the SDK's own share), for one domain client (`new OracleClient(createAxonContext(...))`) and for
//    `createAxonClient` (every domain); raw and gzip bytes.
//  - latency: wall time from `createAxonClient` to a decoded classification on anvil, answered by the real runner
//    (request, runner inference and fulfil, waitForResult at 1 confirmation), median of several requests.
// Usage: npm run sdk:build && npm run bench:sdk
// esbuild is a dev dependency of the repository (ESBUILD_DIR may point at another install).
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { createAxonClient } from "../src/index.js";
import { ROOT, image, stopTestChain, testChain } from "../test/chain";
import { startRunner } from "../test/runner";

const ESM = path.join(ROOT, "sdk", "dist", "esm", "index.js");
const OUT = path.join(ROOT, "bench", "sdk.json");
const SAMPLES = Number(process.env.SAMPLES ?? 7);

async function bundles() {
  const dirs = [process.env.ESBUILD_DIR, ROOT].filter(Boolean) as string[];
  const esbuildPath = dirs.map((d) => path.join(d, "node_modules", "esbuild")).find((p) => existsSync(p));
  if (!esbuildPath) throw new Error("esbuild not found: set ESBUILD_DIR to a folder where `npm install esbuild` ran");
  if (!existsSync(ESM)) throw new Error("sdk/dist/esm is missing: run `npm run sdk:build` first");
  const esbuild = require(esbuildPath) as typeof import("esbuild");
  const entries = {
    oracleClientOnly: `import { createAxonContext, OracleClient } from ${JSON.stringify(ESM)};
export const make = (config) => new OracleClient(createAxonContext(config));`,
    createAxonClient: `import { createAxonClient } from ${JSON.stringify(ESM)};
export const make = (config) => createAxonClient(config);`,
  };
  const result: Record<string, unknown> = { esbuild: esbuild.version };
  for (const [name, contents] of Object.entries(entries))
    for (const withViem of [true, false]) {
      const out = await esbuild.build({
        stdin: { contents, resolveDir: ROOT, loader: "js" },
        bundle: true,
        minify: true,
        treeShaking: true,
        format: "esm",
        platform: "browser",
        target: "es2022",
        write: false,
        // the relayer SDK is an optional peer, loaded by data.decryptKey only: never part of the bundle
        external: [
          "@zama-fhe/relayer-sdk",
          "@zama-fhe/relayer-sdk/*",
          ...(withViem ? [] : ["viem", "viem/*", "abitype"]),
        ],
      });
      const code = out.outputFiles[0].contents;
      result[`${name}${withViem ? "WithViem" : "SdkOnly"}`] = { bytes: code.length, gzipBytes: gzipSync(code).length };
    }
  return result;
}

async function latency() {
  const c = await testChain();
  const runner = await startRunner(c, 9, c.manifestFile);
  try {
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES + 1; i++) {
      const t0 = performance.now();
      const axon = createAxonClient({
        publicClient: c.publicClient,
        walletClient: c.wallet(3),
        manifest: c.manifest,
        pollingIntervalMs: 50,
      });
      const { requestId } = await axon.oracle.request({
        modelId: runner.modelId,
        input: image(i),
        callback: c.account(2).address,
        callbackGasLimit: 100_000,
      });
      const r = await axon.oracle.waitForResult(requestId, { decode: "classification", timeoutMs: 60_000 });
      if (r.status !== "fulfilled" || !r.classification) throw new Error(`request ${requestId}: ${r.status}`);
      if (i > 0) samples.push(performance.now() - t0); // the first warms the runner's model session
    }
    samples.sort((a, b) => a - b);
    return {
      samples: samples.length,
      medianMs: Math.round(samples[Math.floor(samples.length / 2)]),
      minMs: Math.round(samples[0]),
      maxMs: Math.round(samples.at(-1)!),
      setup:
        "anvil automine (1 s blocks not simulated), runner pollIntervalMs 100 and confirmations 0, SDK polling 50 ms, confirmations 1",
    };
  } finally {
    await runner.stop();
    await stopTestChain();
  }
}

async function main() {
  const bundle = await bundles();
  const lat = await latency();
  const report = {
    measuredAt: new Date().toISOString(),
    host: `${process.platform}-${process.arch}, node ${process.version}`,
    bundle,
    createAxonClientToDecodedResult: lat,
  };
  writeFileSync(OUT, JSON.stringify(report, null, 2) + "\n");
  console.log(JSON.stringify(report, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
