/**
 * The runner's backend for a `Proof` model: integer inference exactly as the circuit computes it (zkmlp.ts), then
 * a Groth16 proof from the committed proving key, generated in a pool of worker threads (one proof per core, off
 * the event loop). Each result carries the output bytes and the proof the oracle's IProofVerifier checks.
 *
 * Model directory (zk/build/<model>/, written by `npm run zk:build`): model.json (integer weights), circuit.wasm,
 * circuit.zkey, manifest.json. The backend refuses a directory whose files do not hash to its manifest.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { ProverPool, type ProofWithSignals } from "./proverPool";
import {
  ErrorCode,
  type ExecutionProvider,
  type InferenceBackend,
  type InferenceResult,
  type ModelSpec,
} from "./types";
import {
  circuitInput,
  encodeProvenClassification,
  inferInteger,
  packPublicInputs,
  validateModel,
  type QuantisedMlp,
} from "./zkmlp";

export interface ProofManifest {
  model: string;
  constraints: number;
  publicInputs: number;
  inputBytes: number;
  outputBytes: number;
  vkHash: string;
  sha256: Record<string, string>;
}

export interface ProofModel {
  dir: string;
  manifest: ProofManifest;
  model: QuantisedMlp;
  wasm: string;
  zkey: string;
}

const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

/** Loads a zk:build output directory, checking every file against the manifest's hashes. */
export function loadProofModel(dir: string): ProofModel {
  const manifestPath = join(dir, "manifest.json");
  if (!existsSync(manifestPath)) throw new Error(`${dir} has no manifest.json (run npm run zk:build)`);
  const manifest: ProofManifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  for (const file of ["model.json", "circuit.wasm", "circuit.zkey"]) {
    const path = join(dir, file);
    if (!existsSync(path)) throw new Error(`${dir} has no ${file}`);
    const actual = sha256(path);
    if (actual !== manifest.sha256[file]) {
      throw new Error(`${path} hashes to ${actual}, the manifest says ${manifest.sha256[file]}`);
    }
  }
  const model: QuantisedMlp = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  validateModel(model);
  return { dir, manifest, model, wasm: join(dir, "circuit.wasm"), zkey: join(dir, "circuit.zkey") };
}

/** A snarkjs proof as the 256 bytes IProofVerifier takes: a, b (G2 in precompile order), c. */
export function encodeProof(proof: ProofWithSignals["proof"]): Uint8Array {
  const words = [
    proof.pi_a[0],
    proof.pi_a[1],
    proof.pi_b[0][1],
    proof.pi_b[0][0],
    proof.pi_b[1][1],
    proof.pi_b[1][0],
    proof.pi_c[0],
    proof.pi_c[1],
  ];
  const out = new Uint8Array(32 * words.length);
  words.forEach((word, i) => {
    const hex = BigInt(word).toString(16).padStart(64, "0");
    out.set(Buffer.from(hex, "hex"), 32 * i);
  });
  return out;
}

export interface ProofBackendOptions {
  /** Prover threads (default: one per core). */
  workers?: number;
}

export class ProofBackend implements InferenceBackend {
  readonly provider: ExecutionProvider = "cpu";
  private closed = false;

  private constructor(
    readonly spec: ModelSpec,
    readonly proofModel: ProofModel,
    private readonly pool: ProverPool,
    private readonly logger: Logger,
  ) {}

  static create(spec: ModelSpec, logger: Logger, options: ProofBackendOptions = {}): ProofBackend {
    if (!spec.path) throw new Error(`model ${spec.modelId}: backend proof needs path (a zk:build directory)`);
    const proofModel = loadProofModel(spec.path);
    const pool = new ProverPool(proofModel.wasm, proofModel.zkey, options.workers);
    logger.info(
      {
        modelId: spec.modelId.toString(),
        model: proofModel.manifest.model,
        constraints: proofModel.manifest.constraints,
        vkHash: proofModel.manifest.vkHash,
        workers: pool.size,
      },
      "proof backend ready",
    );
    return new ProofBackend(spec, proofModel, pool, logger);
  }

  /** The output bytes for one input (what the circuit proves), without a proof. */
  output(input: Uint8Array): Uint8Array {
    return encodeProvenClassification(inferInteger(this.proofModel.model, input));
  }

  async infer(inputs: Uint8Array[]): Promise<InferenceResult[]> {
    if (this.closed) throw new Error(`model ${this.spec.modelId}: the proof backend is closed`);
    return Promise.all(inputs.map((input) => this.inferOne(input)));
  }

  private async inferOne(input: Uint8Array): Promise<InferenceResult> {
    const expected = this.proofModel.model.inputs;
    if (input.length !== expected) {
      return {
        ok: false,
        errorCode: ErrorCode.MalformedInput,
        message: `a proof model input is ${expected} bytes, got ${input.length}`,
      };
    }
    const output = this.output(input);
    let proven: ProofWithSignals;
    try {
      proven = await this.pool.prove(circuitInput(input, output));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error({ modelId: this.spec.modelId.toString(), err: message }, "proving failed");
      return { ok: false, errorCode: ErrorCode.InferenceFailed, message: `proving failed: ${message}` };
    }
    // The circuit's public signals must be exactly the binding of (input, output): the proof is useless otherwise.
    const expectedSignals = packPublicInputs(input, output).map(String);
    if (proven.publicSignals.join() !== expectedSignals.join()) {
      return { ok: false, errorCode: ErrorCode.InferenceFailed, message: "the proof's public signals do not bind" };
    }
    return { ok: true, output, proof: encodeProof(proven.proof) };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.close();
  }
}
