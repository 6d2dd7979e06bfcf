import { ErrorCode, type ErrorCodeValue, type InferenceBackend, type InferenceResult } from "./backends/types";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import type { RequestRow, Store } from "./store";
import { Wake } from "./wake";

export interface SchedulerOptions {
  maxBatchSize: number;
  maxWaitMs: number;
  /** Inference attempts per request (a crash mid-batch counts) before it is answered with InferenceFailed. */
  maxAttempts: number;
  /** Idle poll interval when nothing wakes the loop. */
  idleMs?: number;
  /** Latest chain time (block timestamp) known; takeovers become runnable against it. Default: none run. */
  chainTime?: () => number;
  /** Takeovers run only once chain time reaches their `exclusiveUntil` plus this delay. */
  takeoverDelaySeconds?: number;
  /**
   * Re-checks takeovers on chain just before inference and returns those still ours to fulfil; it moves the
   * others to their final state itself (a takeover left `seen` is tried again later).
   */
  checkTakeovers?: (rows: RequestRow[]) => Promise<RequestRow[]>;
}

/**
 * Per-model dynamic batching: a model's pending requests run as one batch when `maxBatchSize` are waiting or the
 * oldest has waited `maxWaitMs`. One batch per model is in flight at a time (the accelerator stays busy, batches
 * grow under load), different models run concurrently. Bad items never block the queue: they are answered with
 * an error result.
 */
export class Scheduler {
  private readonly busy = new Set<string>();
  /** Takeovers whose on-chain check said "not yet": not re-checked before `at` (ms; backoff doubles per try). */
  private readonly takeoverRetry = new Map<bigint, { at: number; tries: number }>();
  private readonly inflight = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> | null = null;
  readonly wake = new Wake();

  constructor(
    private readonly store: Store,
    private readonly backends: Map<bigint, InferenceBackend>,
    private readonly opts: SchedulerOptions,
    private readonly logger: Logger,
    private readonly metrics: Metrics | null,
    /** Called after results are stored, so the submitter can pick them up at once. */
    private readonly onInferred: () => void = () => {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake.notify();
    await this.loop;
    await Promise.all([...this.inflight]);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let nextMs = this.opts.idleMs ?? 200;
      try {
        nextMs = Math.min(nextMs, this.pump());
      } catch (err) {
        this.logger.error({ err }, "scheduler pump failed");
      }
      await this.wake.wait(Math.max(nextMs, 1));
    }
  }

  /** Dispatches every batch that is due; returns ms until the next one may be due. */
  pump(now = Date.now()): number {
    // a bounded window of the oldest requests: enough to fill every model's next batch, never the whole backlog
    let nextMsFloor = Number.POSITIVE_INFINITY;
    // assigned requests first, then takeovers whose exclusivity is over
    // every model busy: nothing could be dispatched, so the window is not read (pumps come on every wake)
    if (this.backends.size > 0 && this.busy.size >= this.backends.size) return this.opts.idleMs ?? 200;
    // one model: its next batch is the oldest maxBatchSize rows; several: a wider window so one model's backlog
    // does not hide the others' requests
    const models = Math.max(this.backends.size, 1);
    const seen = this.store.schedulable(
      this.opts.maxBatchSize * models * (models > 1 ? 4 : 1),
      this.opts.chainTime?.() ?? 0,
      this.opts.takeoverDelaySeconds ?? 0,
    );
    const byModel = new Map<bigint, RequestRow[]>();
    for (const r of seen) {
      const retry = r.takeover ? this.takeoverRetry.get(r.requestId) : undefined;
      if (retry !== undefined && retry.at > now) {
        nextMsFloor = Math.min(nextMsFloor, retry.at - now);
        continue;
      }
      const list = byModel.get(r.modelId);
      if (list) list.push(r);
      else byModel.set(r.modelId, [r]);
    }
    let nextMs = nextMsFloor;
    for (const [modelId, rows] of byModel) {
      const backend = this.backends.get(modelId);
      if (!backend) {
        this.answer(
          rows,
          rows.map(() => err(ErrorCode.UnknownModel, `model ${modelId} is not served by this node`)),
        );
        continue;
      }
      const key = modelId.toString();
      if (this.busy.has(key)) continue;
      const oldest = rows[0].seenAtMs;
      const dueIn = oldest + this.opts.maxWaitMs - now;
      if (rows.length < this.opts.maxBatchSize && dueIn > 0) {
        nextMs = Math.min(nextMs, dueIn);
        continue;
      }
      const batch = rows.slice(0, this.opts.maxBatchSize);
      this.busy.add(key);
      const p = this.runBatch(backend, batch).finally(() => {
        this.busy.delete(key);
        this.inflight.delete(p);
        this.wake.notify();
      });
      this.inflight.add(p);
    }
    return nextMs;
  }

  private async runBatch(backend: InferenceBackend, candidates: RequestRow[]): Promise<void> {
    let rows = candidates;
    const takeovers = rows.filter((r) => r.takeover);
    if (takeovers.length > 0) {
      let keep: RequestRow[] = [];
      try {
        keep = this.opts.checkTakeovers ? await this.opts.checkTakeovers(takeovers) : [];
      } catch (e) {
        this.metrics?.errors.inc({ stage: "takeover_check" });
        this.logger.warn({ err: e, size: takeovers.length }, "takeover check failed; retrying later");
      }
      const kept = new Set(keep.map((r) => r.requestId));
      for (const r of takeovers) {
        if (kept.has(r.requestId) || this.store.getRequest(r.requestId)?.state !== "seen") {
          this.takeoverRetry.delete(r.requestId);
          continue;
        }
        const tries = (this.takeoverRetry.get(r.requestId)?.tries ?? 0) + 1;
        this.takeoverRetry.set(r.requestId, { at: Date.now() + Math.min(60_000, 500 * 2 ** tries), tries });
      }
      rows = rows.filter((r) => !r.takeover || kept.has(r.requestId));
    }
    // requests that already used their attempts (e.g. an input that crashed the process) are answered now
    const exhausted = rows.filter((r) => r.attempts >= this.opts.maxAttempts);
    if (exhausted.length > 0)
      this.answer(
        exhausted,
        exhausted.map((r) => err(ErrorCode.InferenceFailed, `inference failed ${r.attempts} times`)),
      );
    const live = rows.filter((r) => r.attempts < this.opts.maxAttempts);
    const tooLarge = live.filter((r) => r.input.length > backend.spec.maxInputBytes);
    if (tooLarge.length > 0)
      this.answer(
        tooLarge,
        tooLarge.map((r) =>
          err(ErrorCode.InputTooLarge, `input is ${r.input.length} bytes, limit ${backend.spec.maxInputBytes}`),
        ),
      );
    const work = live.filter((r) => r.input.length <= backend.spec.maxInputBytes);
    if (work.length === 0) return;
    const ids = work.map((r) => r.requestId);
    this.store.transition(ids, "inferring", { incAttempts: true }, ["seen"]);
    const startedNs = process.hrtime.bigint();
    const stage = this.metrics?.stageTimer("infer");
    let results: InferenceResult[];
    try {
      results = await backend.infer(work.map((r) => r.input));
      if (results.length !== work.length)
        throw new Error(`backend returned ${results.length} results for ${work.length} inputs`);
    } catch (e) {
      this.metrics?.errors.inc({ stage: "inference" });
      this.logger.warn({ err: e, modelId: String(backend.spec.modelId), size: work.length }, "inference batch failed");
      // back to the queue; the attempt counter bounds how often this can happen
      this.store.transition(ids, "seen", {}, ["inferring"]);
      return;
    }
    stage?.();
    const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
    this.metrics?.inferenceLatency.observe({ model: String(backend.spec.modelId) }, seconds);
    this.metrics?.inferenceBatchSize.observe({ model: String(backend.spec.modelId) }, work.length);
    this.answer(work, results);
  }

  private answer(rows: RequestRow[], results: InferenceResult[]): void {
    const stage = this.metrics?.stageTimer("store_results");
    this.store.db.transaction(() => {
      rows.forEach((r, i) => {
        const res = results[i];
        if (res.ok) {
          this.store.transition([r.requestId], "inferred", {
            output: res.output,
            proof: res.proof ?? null,
            errorCode: ErrorCode.None,
          });
        } else {
          this.metrics?.errors.inc({ stage: `input_${res.errorCode}` });
          this.store.transition([r.requestId], "inferred", {
            output: new Uint8Array(0),
            errorCode: res.errorCode,
            errorMessage: res.message,
          });
        }
      });
    })();
    stage?.();
    this.onInferred();
  }
}

function err(errorCode: ErrorCodeValue, message: string): InferenceResult {
  return { ok: false, errorCode, message };
}
