/**
 * `npm run zk:build [model]` (default mnist14): zk/models/<model>.json → circom 2 circuit → circom2 (wasm, offline)
 * → a local powers of tau sized to the circuit → Groth16 setup → verification key, proving key, Solidity verifier.
 *
 * Both phases' only contribution is a beacon derived from a fixed string, so the build is reproducible: anyone can regenerate the
 * committed artifacts and compare hashes. That also means the toxic waste is PUBLIC: this setup proves nothing
 * against a malicious prover. Production needs a real multi-party ceremony (see docs/zkml.md).
 *
 * Committed (zk/build/<model>/): model.json (the integer weights), circuit.circom, circuit.wasm, circuit.zkey, verification_key.json,
 * manifest.json (hashes, constraint count, vk hash); contracts/oracle/proof/<Model>Groth16Verifier.sol.
 * Regenerated into the git-ignored zk/.cache/<model>/: r1cs, sym, powers of tau.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { generateCircuit } from "./circuit";
import { vkHash } from "./vk";
import { publicInputCount, outputBytes, type QuantisedMlp } from "../offchain/src/backends/zkmlp";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const snarkjs = require("snarkjs");

const ROOT = join(__dirname, "..");
const ENTROPY = "axon zk:build deterministic entropy: NOT A CEREMONY";
// snarkjs' contribute mixes in OS randomness; a beacon is deterministic, so both phases use one derived from ENTROPY.
const BEACON = createHash("sha256").update(ENTROPY).digest("hex");
const BEACON_ITERATIONS_EXP = 10;

const SNARKJS_DIR = join(dirname(require.resolve("snarkjs")), "..");
const SNARKJS_VERSION: string = JSON.parse(readFileSync(join(SNARKJS_DIR, "package.json"), "utf8")).version;
const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");
const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

export async function build(modelName: string): Promise<void> {
  const modelPath = join(__dirname, "models", `${modelName}.json`);
  if (!existsSync(modelPath)) throw new Error(`no model ${modelPath} (train one with npm run zk:train)`);
  const model: QuantisedMlp = JSON.parse(readFileSync(modelPath, "utf8")).model;
  const out = join(__dirname, "build", modelName);
  const cache = join(__dirname, ".cache", modelName);
  mkdirSync(out, { recursive: true });
  mkdirSync(cache, { recursive: true });
  const log = (line: string) => process.stdout.write(`${line}\n`);

  const circom = join(out, "circuit.circom");
  writeFileSync(circom, generateCircuit(model, "circomlib"));
  log(`generated ${circom}`);
  // circom2 runs in WASI and sees only the working directory's tree: give it a real copy of circomlib's circuits.
  cpSync(
    join(dirname(require.resolve("circomlib/package.json")), "circuits"),
    join(cache, "lib", "circomlib", "circuits"),
    {
      recursive: true,
      dereference: true,
    },
  );
  copyFileSync(circom, join(cache, "circuit.circom"));
  execFileSync(
    process.execPath,
    [require.resolve("circom2/cli.js"), "circuit.circom", "--r1cs", "--wasm", "--sym", "-l", "lib", "-o", "."],
    { cwd: cache, stdio: ["ignore", "inherit", "inherit"] },
  );
  copyFileSync(join(cache, "circuit_js", "circuit.wasm"), join(out, "circuit.wasm"));

  const r1cs = join(cache, "circuit.r1cs");
  const info = await snarkjs.r1cs.info(r1cs);
  const constraints: number = info.nConstraints;
  // Groth16 needs a domain of at least constraints + public inputs + 1.
  const power = Math.max(8, Math.ceil(Math.log2(constraints + info.nPubInputs + 1)));
  log(`${constraints} constraints, ${info.nPubInputs} public inputs, ${info.nVars} wires: powers of tau 2^${power}`);

  // The phase-1 file depends only on the power and the entropy: it is cached (preparing it takes minutes).
  const ptau0 = join(cache, `pot${power}_0.ptau`);
  const ptau1 = join(cache, `pot${power}_1.ptau`);
  const ptau = join(cache, `pot${power}_final.ptau`);
  if (!existsSync(ptau)) {
    await snarkjs.powersOfTau.newAccumulator(await snarkjs.curves.getCurveFromName("bn128"), power, ptau0);
    await snarkjs.powersOfTau.beacon(ptau0, ptau1, "axon local beacon", BEACON, BEACON_ITERATIONS_EXP);
    await snarkjs.powersOfTau.preparePhase2(ptau1, join(cache, "pot_tmp.ptau"));
    renameSync(join(cache, "pot_tmp.ptau"), ptau);
    rmSync(ptau0);
    rmSync(ptau1);
  } else log(`reusing ${ptau}`);
  const zkey0 = join(cache, "circuit_0.zkey");
  const zkey = join(out, "circuit.zkey");
  await snarkjs.zKey.newZKey(r1cs, ptau, zkey0);
  await snarkjs.zKey.beacon(zkey0, zkey, "axon local beacon", BEACON, BEACON_ITERATIONS_EXP);
  const vk = await snarkjs.zKey.exportVerificationKey(zkey);
  writeFileSync(join(out, "verification_key.json"), JSON.stringify(vk, null, 1) + "\n");

  const templates = join(SNARKJS_DIR, "templates");
  const solidity: string = await snarkjs.zKey.exportSolidityVerifier(zkey, {
    groth16: readFileSync(join(templates, "verifier_groth16.sol.ejs"), "utf8"),
  });
  const contract = `${pascal(modelName)}Groth16Verifier`;
  const verifierPath = join(ROOT, "contracts", "oracle", "proof", `${contract}.sol`);
  writeFileSync(
    verifierPath,
    "// SPDX-License-Identifier: GPL-3.0\n" +
      `// Generated by \`npm run zk:build ${modelName}\` (snarkjs ${SNARKJS_VERSION}): do not edit.\n` +
      "/* solhint-disable */\n" +
      solidity
        .replace(/^\/\/ SPDX-License-Identifier: GPL-3.0\n/, "")
        .replace(/pragma solidity [^;]+;/, "pragma solidity 0.8.28;")
        .replace(/contract Groth16Verifier/, `contract ${contract}`),
  );

  // The integer weights travel with the keys: the runner's backend loads this directory only.
  writeFileSync(join(out, "model.json"), JSON.stringify(model) + "\n");

  execFileSync(process.execPath, [require.resolve("prettier/bin/prettier.cjs"), "--write", verifierPath], {
    stdio: "ignore",
  });

  const manifest = {
    model: modelName,
    constraints,
    publicInputs: info.nPubInputs,
    wires: info.nVars,
    inputBytes: model.inputs,
    outputBytes: outputBytes(model),
    powersOfTau: power,
    vkHash: vkHash(vk),
    verifier: `contracts/oracle/proof/${contract}.sol`,
    entropy: ENTROPY,
    beacon: BEACON,
    snarkjs: SNARKJS_VERSION,
    sha256: {
      "model.json": sha256(join(out, "model.json")),
      "circuit.circom": sha256(circom),
      "circuit.wasm": sha256(join(out, "circuit.wasm")),
      "circuit.zkey": sha256(zkey),
      "verification_key.json": sha256(join(out, "verification_key.json")),
    },
  };
  if (manifest.publicInputs !== publicInputCount(model)) throw new Error("public input count mismatch");
  writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  log(`wrote ${out} and ${verifierPath}; vk hash ${manifest.vkHash}`);
}

if (require.main === module) {
  build(process.argv[2] ?? "mnist14")
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
