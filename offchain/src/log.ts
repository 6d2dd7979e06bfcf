import pino from "pino";

export type Logger = pino.Logger;

/** Paths that may carry key material; pino replaces them before anything is written. */
export const REDACT_PATHS = [
  "nodeKey",
  "privateKey",
  "password",
  "keystorePassword",
  "*.nodeKey",
  "*.privateKey",
  "*.password",
  "*.apiKey",
  "config.nodeKey",
  "config.keystore.password",
  "config.models[*].openai.apiKey",
];

export interface LoggerOptions {
  level?: string;
  name?: string;
  destination?: pino.DestinationStream;
}

/** JSON logs on stdout (or a given stream) with key material redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const opts: pino.LoggerOptions = {
    name: options.name ?? "axon-runner",
    level: options.level ?? process.env.AXON_LOG_LEVEL ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: { pid: process.pid },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

/**
 * A throttled progress line for long work: logs `done/total`, rate and ETA at most once per `intervalMs`,
 * and always on completion.
 */
export class Progress {
  private done = 0;
  private lastLogMs = 0;
  private readonly startMs = Date.now();

  constructor(
    private readonly logger: Logger,
    private readonly label: string,
    private readonly total: number,
    private readonly intervalMs = 2000,
  ) {}

  tick(count = 1): void {
    this.done += count;
    const now = Date.now();
    if (this.done >= this.total || now - this.lastLogMs >= this.intervalMs) {
      this.lastLogMs = now;
      const elapsedS = Math.max((now - this.startMs) / 1000, 1e-3);
      const rate = this.done / elapsedS;
      const etaS = rate > 0 ? Math.max(this.total - this.done, 0) / rate : Infinity;
      this.logger.info(
        {
          progress: this.label,
          done: this.done,
          total: this.total,
          ratePerS: +rate.toFixed(1),
          etaS: +etaS.toFixed(1),
        },
        `${this.label}: ${this.done}/${this.total} (${rate.toFixed(1)}/s, eta ${etaS.toFixed(1)}s)`,
      );
    }
  }
}
