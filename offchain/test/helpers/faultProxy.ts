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
  /**
   * A deterministic rule on top of the random faults: each JSON-RPC call it picks (also inside a batch) is answered
   * with a transient node error ("try again") instead of being forwarded, and kept in `refused`.
   */
  refuse?: (call: RpcCall) => boolean;
}

/** One JSON-RPC call as the proxy sees it. */
export interface RpcCall {
  jsonrpc: string;
  id: unknown;
  method: string;
  params?: unknown[];
}

const NO_FAULTS: FaultOptions = {
  dropAfterForward: 0,
  dropBeforeForward: 0,
  error: 0,
  delay: 0,
  maxDelayMs: 0,
  seed: 1,
};

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
 * A JSON-RPC proxy in front of a node that drops, delays and errors a share of the calls (and refuses the calls
 * `refuse` picks). `faulty` can be turned off to let the test settle. Counts every outcome so a test can assert the
 * fault rate it actually applied.
 */
export class FaultProxy {
  private server: http.Server | null = null;
  private rand: () => number;
  private readonly opts: FaultOptions;
  faulty = true;
  stats = { total: 0, droppedBefore: 0, droppedAfter: 0, errors: 0, delayed: 0 };
  /** The calls `refuse` picked, in arrival order. */
  readonly refused: RpcCall[] = [];
  url = "";

  /** Options left out inject nothing: `new FaultProxy(url, { refuse })` only refuses. */
  constructor(
    private readonly upstream: string,
    opts: Partial<FaultOptions>,
  ) {
    this.opts = { ...NO_FAULTS, ...opts };
    this.rand = prng(this.opts.seed);
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
    if (this.opts.refuse && (await this.refuseCalls(body, res))) return;
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

  /**
   * Answers the request itself when `refuse` picks one of its calls: those get a transient error, the others of a
   * batch are forwarded one by one. Returns false (nothing answered) when it picks none.
   */
  private async refuseCalls(body: string, res: http.ServerResponse): Promise<boolean> {
    let parsed: RpcCall | RpcCall[];
    try {
      parsed = JSON.parse(body) as RpcCall | RpcCall[];
    } catch {
      return false;
    }
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    if (!calls.some((c) => this.opts.refuse!(c))) return false;
    const answers = await Promise.all(
      calls.map(async (c) => {
        if (this.opts.refuse!(c)) {
          this.refused.push(c);
          return { jsonrpc: "2.0", id: c.id, error: { code: -32000, message: "refused: node unavailable, try again" } };
        }
        const r = await fetch(this.upstream, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(c),
        });
        return r.json();
      }),
    );
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify(Array.isArray(parsed) ? answers : answers[0]));
    return true;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
