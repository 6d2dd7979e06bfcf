import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FaultOptions {
  /** Probability that the request is forwarded but the response is never delivered (socket destroyed). */
  dropAfterForward: number;
  /** Probability that the request is dropped before reaching the node. */
  dropBeforeForward: number;
  /** Probability of an error answer (HTTP 503 or a JSON-RPC internal error) without forwarding. */
  error: number;
  /** Probability of a delay of up to `maxDelayMs` before forwarding. */
  delay: number;
  maxDelayMs: number;
  seed: number;
}

/** mulberry32: a small seeded PRNG so a failing fault schedule can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A JSON-RPC proxy in front of a node that drops, delays and errors a share of the calls. `faulty` can be turned
 * off to let the test settle. Counts every outcome so a test can assert the fault rate it actually applied.
 */
export class FaultProxy {
  private server: http.Server | null = null;
  private rand: () => number;
  faulty = true;
  stats = { total: 0, droppedBefore: 0, droppedAfter: 0, errors: 0, delayed: 0 };
  url = "";

  constructor(
    private readonly upstream: string,
    private readonly opts: FaultOptions,
  ) {
    this.rand = prng(opts.seed);
  }

  get faultRate(): number {
    const s = this.stats;
    return s.total === 0 ? 0 : (s.droppedBefore + s.droppedAfter + s.errors + s.delayed) / s.total;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => void this.handle(body, req, res));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  private async handle(body: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.stats.total++;
    const r = this.rand();
    const o = this.opts;
    if (this.faulty) {
      if (r < o.dropBeforeForward) {
        this.stats.droppedBefore++;
        req.socket.destroy();
        return;
      }
      if (r < o.dropBeforeForward + o.error) {
        this.stats.errors++;
        if (this.rand() < 0.5) {
          res.writeHead(503, { "content-type": "text/plain" }).end("injected: service unavailable");
        } else {
          let id: unknown = null;
          try {
            id = (JSON.parse(body) as { id?: unknown }).id ?? null;
          } catch {
            id = null;
          }
          res
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32603, message: "injected internal error" } }));
        }
        return;
      }
      if (r < o.dropBeforeForward + o.error + o.delay) {
        this.stats.delayed++;
        await new Promise((x) => setTimeout(x, this.rand() * o.maxDelayMs));
      }
    }
    let upstream: Response;
    try {
      upstream = await fetch(this.upstream, { method: "POST", headers: { "content-type": "application/json" }, body });
    } catch {
      req.socket.destroy();
      return;
    }
    const text = await upstream.text();
    if (this.faulty && this.rand() < o.dropAfterForward) {
      this.stats.droppedAfter++;
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, { "content-type": "application/json" }).end(text);
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
