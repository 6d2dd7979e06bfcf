/**
 * A pool of prover worker threads: proofs run off the event loop, one per worker at a time, so N workers use N
 * cores. Requests queue when every worker is busy. A worker that dies fails its proof and is replaced.
 */
import { cpus } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { Groth16Proof, ProveReply, ProveRequest } from "./zkproof.worker";

export interface ProofWithSignals {
  proof: Groth16Proof;
  publicSignals: string[];
}

interface Job {
  request: ProveRequest;
  resolve: (value: ProofWithSignals) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/** Thrown for a proof the worker could not produce (e.g. the witness violates a constraint). */
export class ProvingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProvingError";
  }
}

function workerEntry(): { file: string; execArgv: string[] } {
  // Under ts-node (tests, scripts) the worker is the .ts source and needs the same loader; built, it is .js.
  if (__filename.endsWith(".ts")) {
    return { file: join(__dirname, "zkproof.worker.ts"), execArgv: ["--require", "ts-node/register/transpile-only"] };
  }
  return { file: join(__dirname, "zkproof.worker.js"), execArgv: [] };
}

export class ProverPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly wasm: string,
    private readonly zkey: string,
    readonly size: number = Math.max(1, cpus().length),
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a prover pool needs >= 1 worker, got ${size}`);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const { file, execArgv } = workerEntry();
    const slot: Slot = { worker: new Worker(file, { execArgv }) };
    slot.worker.on("message", (reply: ProveReply) => {
      const job = slot.job;
      slot.job = undefined;
      if (job) {
        if (reply.ok) job.resolve({ proof: reply.proof, publicSignals: reply.publicSignals });
        else job.reject(new ProvingError(reply.message));
      }
      this.dispatch();
    });
    slot.worker.on("error", (error) => this.replace(slot, error));
    slot.worker.on("exit", (code) => {
      if (!this.closed) this.replace(slot, new ProvingError(`prover worker exited with code ${code}`));
    });
    return slot;
  }

  private replace(slot: Slot, error: Error): void {
    const at = this.slots.indexOf(slot);
    if (at < 0) return;
    const job = slot.job;
    slot.job = undefined;
    job?.reject(error instanceof ProvingError ? error : new ProvingError(error.message));
    void slot.worker.terminate();
    this.slots[at] = this.spawn();
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job) continue;
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.worker.postMessage(job.request);
    }
  }

  /** Proves one witness input; resolves with the proof and the circuit's public signals. */
  prove(input: Record<string, string[]>): Promise<ProofWithSignals> {
    if (this.closed) return Promise.reject(new ProvingError("the prover pool is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, input, wasm: this.wasm, zkey: this.zkey }, resolve, reject });
      this.dispatch();
    });
  }

  /** Proofs waiting for a worker. */
  get pending(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new ProvingError("the prover pool is closed"));
    for (const slot of this.slots) {
      slot.job?.reject(new ProvingError("the prover pool is closed"));
      slot.job = undefined;
    }
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}
