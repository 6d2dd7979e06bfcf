/**
 * One prover thread of a ProverPool: computes the witness and a Groth16 proof with snarkjs, single-threaded
 * (parallelism comes from the pool, one proof per core at a time).
 */
import threads, { parentPort } from "node:worker_threads";

// snarkjs loads ffjavascript, which loads the `web-worker` shim; in any non-main thread that shim assumes it IS one
// of its own workers and crashes reading its workerData. Proofs here are single-threaded (no shim worker is ever
// started), so the shim is told it runs on a main thread while snarkjs loads.
Object.defineProperty(threads, "isMainThread", { value: true, configurable: true });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const snarkjs = require("snarkjs");
Object.defineProperty(threads, "isMainThread", { value: false, configurable: true });

export interface ProveRequest {
  id: number;
  input: Record<string, string[]>;
  wasm: string;
  zkey: string;
}

export type ProveReply =
  { id: number; ok: true; proof: Groth16Proof; publicSignals: string[] } | { id: number; ok: false; message: string };

export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
}

if (parentPort) {
  const port = parentPort;
  port.on("message", (request: ProveRequest) => {
    snarkjs.groth16
      .fullProve(request.input, request.wasm, request.zkey, undefined, undefined, { singleThread: true })
      .then(({ proof, publicSignals }: { proof: Groth16Proof; publicSignals: string[] }) =>
        port.postMessage({ id: request.id, ok: true, proof, publicSignals } satisfies ProveReply),
      )
      .catch((error: unknown) =>
        port.postMessage({
          id: request.id,
          ok: false,
          message: error instanceof Error ? error.message : String(error),
        } satisfies ProveReply),
      );
  });
}
