import http from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The runner's Prometheus metrics, on a private registry (several runners can live in one process in tests). */
export class Metrics {
  readonly registry = new Registry();
  readonly received = new Counter({
    name: "axon_runner_requests_received_total",
    help: "Oracle requests seen on chain",
    registers: [this.registry],
  });
  readonly fulfilled = new Counter({
    name: "axon_runner_requests_fulfilled_total",
    help: "Requests fulfilled by this node (confirmed), by result",
    labelNames: ["result"],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "axon_runner_errors_total",
    help: "Errors by pipeline stage",
    labelNames: ["stage"],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: "axon_runner_queue_depth",
    help: "Requests per state in the store",
    labelNames: ["state"],
    registers: [this.registry],
  });
  readonly inferenceBatchSize = new Histogram({
    name: "axon_runner_inference_batch_size",
    help: "Requests per inference batch",
    labelNames: ["model"],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });
  readonly txBatchSize = new Histogram({
    name: "axon_runner_tx_batch_size",
    help: "Fulfilments per transaction",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });
  readonly inferenceLatency = new Histogram({
    name: "axon_runner_inference_latency_seconds",
    help: "Wall time of one inference batch",
    labelNames: ["model"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly txBumps = new Counter({
    name: "axon_runner_tx_bumps_total",
    help: "Fee bumps of stuck transactions",
    registers: [this.registry],
  });
  readonly txSent = new Counter({
    name: "axon_runner_tx_sent_total",
    help: "Fulfilment transactions broadcast",
    registers: [this.registry],
  });
  readonly balance = new Gauge({
    name: "axon_runner_balance_wei",
    help: "Native balance of the node key (wei, as a float)",
    registers: [this.registry],
  });
  readonly headBlock = new Gauge({ name: "axon_runner_head_block", help: "Chain head", registers: [this.registry] });
  readonly cursorBlock = new Gauge({
    name: "axon_runner_cursor_block",
    help: "Last block fully scanned",
    registers: [this.registry],
  });
  readonly takeovers = new Counter({
    name: "axon_runner_takeovers_total",
    help: "Requests of other nodes taken over after their exclusivity, by outcome (attempted, fulfilled, dropped)",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly optimistic = new Counter({
    name: "axon_runner_optimistic_results_total",
    help: "Optimistic results of this node by event (proposed, finalized, finalized_elsewhere, challenged, refunded)",
    labelNames: ["event"],
    registers: [this.registry],
  });
  readonly reorgs = new Counter({
    name: "axon_runner_reorgs_total",
    help: "Reorgs detected",
    registers: [this.registry],
  });

  readonly stageLatency = new Histogram({
    name: "axon_runner_stage_latency_seconds",
    help: "Wall time of one pass of a pipeline stage (scan, infer, check, simulate, encode, sign, persist, broadcast, track, settle)",
    labelNames: ["stage"],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly stageCpu = new Histogram({
    name: "axon_runner_stage_cpu_seconds",
    help:
      "Process CPU time (user + system) spent during one pass of a stage; exact for the synchronous stages " +
      "(encode, sign, persist, settle), an upper bound for those that await the node (other work interleaves)",
    labelNames: ["stage"],
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5],
    registers: [this.registry],
  });

  /** Starts timing one pass of `stage`; the returned function records its wall and CPU time. */
  stageTimer(stage: string): () => void {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    return () => {
      const c = process.cpuUsage(c0);
      this.stageLatency.observe({ stage }, (performance.now() - t0) / 1000);
      this.stageCpu.observe({ stage }, (c.user + c.system) / 1e6);
    };
  }

  constructor(withDefaults = false) {
    if (withDefaults) collectDefaultMetrics({ register: this.registry, prefix: "axon_runner_" });
  }
}

export interface Health {
  ok: boolean;
  [k: string]: unknown;
}

/** Serves `/metrics` (Prometheus text) and `/healthz` (JSON; 200 when healthy, 503 otherwise). */
export class MetricsServer {
  private server: http.Server | null = null;

  constructor(
    private readonly metrics: Metrics,
    private readonly health: () => Promise<Health>,
  ) {}

  async listen(port: number, host = "127.0.0.1"): Promise<number> {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, host, () => resolve());
    });
    const addr = this.server.address();
    return typeof addr === "object" && addr ? addr.port : port;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      if (req.url === "/metrics") {
        const body = await this.metrics.registry.metrics();
        res.writeHead(200, { "content-type": this.metrics.registry.contentType });
        res.end(body);
      } else if (req.url === "/healthz") {
        const h = await this.health();
        res.writeHead(h.ok ? 200 : 503, { "content-type": "application/json" });
        res.end(JSON.stringify(h));
      } else {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not found\n");
      }
    } catch (err) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`error: ${(err as Error).message}\n`);
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
