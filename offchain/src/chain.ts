import { FetchRequest, JsonRpcProvider, Network, isError } from "ethers";
import type { Logger } from "./log";

export interface RetryOptions {
  /** Attempts over all providers before the error is raised (bounded). */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Node-level network failures that carry no ethers code. */
const NETWORK_ERRNOS = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
]);

/** JSON-RPC error messages that describe a passing condition of the endpoint rather than a verdict on the call. */
const TRANSIENT_NODE_MESSAGES =
  /internal error|timeout|timed out|busy|rate limit|limit exceeded|unavailable|try again|overloaded|header not found/i;

/**
 * True when the failure says nothing about the request itself (the endpoint timed out, dropped the connection,
 * answered garbage or a generic server error), so the same call may succeed on a retry or another endpoint.
 * A revert that carries revert data, a nonce error or insufficient funds is an answer, not a fault.
 */
export function isTransientRpcError(err: unknown): boolean {
  if (err instanceof JsonRpcError) {
    // an answer about the call (a revert, a nonce or funds verdict) versus a passing condition of the endpoint
    if (err.data !== undefined || /revert/i.test(err.message)) return false;
    return TRANSIENT_NODE_MESSAGES.test(err.message);
  }
  if (isError(err, "CALL_EXCEPTION")) {
    // a real revert carries data (at least a selector, or "0x" for a bare revert with a reason string in message);
    // a call that failed before reaching the EVM carries none
    const data = (err as { data?: string | null }).data;
    return data === undefined || data === null;
  }
  if (
    isError(err, "NONCE_EXPIRED") ||
    isError(err, "REPLACEMENT_UNDERPRICED") ||
    isError(err, "INSUFFICIENT_FUNDS") ||
    isError(err, "TRANSACTION_REPLACED") ||
    isError(err, "INVALID_ARGUMENT") ||
    isError(err, "ACTION_REJECTED")
  )
    return false;
  if (
    isError(err, "TIMEOUT") ||
    isError(err, "NETWORK_ERROR") ||
    isError(err, "SERVER_ERROR") ||
    isError(err, "BAD_DATA")
  )
    return true;
  if (isError(err, "UNKNOWN_ERROR")) {
    // the node answered with a JSON-RPC error: retry only what reads as a passing condition on its side
    const inner = (err as { error?: { message?: string } }).error?.message;
    return inner === undefined || TRANSIENT_NODE_MESSAGES.test(inner);
  }
  const code = (err as { code?: string } | null)?.code;
  return typeof code === "string" && NETWORK_ERRNOS.has(code);
}

/** An error object answered by the node on the thin JSON-RPC path (`data` carries revert data when there is any). */
export class JsonRpcError extends Error {
  constructor(
    readonly method: string,
    readonly rpcCode: number,
    message: string,
    readonly data?: string,
  ) {
    super(message);
    this.name = "JsonRpcError";
  }
}

/** A transport failure on the thin path, with the ethers-style code `isTransientRpcError` treats as transient. */
function transportError(code: "TIMEOUT" | "NETWORK_ERROR" | "SERVER_ERROR" | "BAD_DATA", message: string): Error {
  return Object.assign(new Error(message), { code, shortMessage: message });
}

interface RpcAnswer {
  id?: unknown;
  result?: unknown;
  error?: { code?: number; message?: string; data?: unknown };
}

function answerError(method: string, e: NonNullable<RpcAnswer["error"]>): JsonRpcError {
  const data = typeof e.data === "string" && e.data.startsWith("0x") ? e.data : undefined;
  return new JsonRpcError(method, e.code ?? 0, e.message ?? "JSON-RPC error", data);
}

/**
 * Several JSON-RPC endpoints for one chain: each call goes to the current endpoint and, on a transient failure,
 * moves to the next one with a bounded exponential backoff. The network is static (no chain-id polling), so a
 * flaky endpoint costs only the calls it fails.
 */
export class RpcPool {
  readonly providers: JsonRpcProvider[];
  private current = 0;
  /** Calls that failed transiently and were retried (for metrics/tests). */
  retries = 0;

  constructor(
    readonly urls: string[],
    readonly chainId: number,
    private readonly logger: Logger,
    private readonly timeoutMs = 10_000,
    private readonly retry: Required<RetryOptions> = { attempts: 8, baseDelayMs: 50, maxDelayMs: 2000 },
  ) {
    const network = Network.from(chainId);
    this.providers = urls.map((url) => {
      const req = new FetchRequest(url);
      req.timeout = timeoutMs;
      return new JsonRpcProvider(req, network, {
        staticNetwork: network,
        batchMaxCount: 100,
        batchStallTime: 2,
        cacheTimeout: -1,
      });
    });
  }

  get provider(): JsonRpcProvider {
    return this.providers[this.current];
  }

  /** Runs `fn` against an endpoint, retrying transient failures (rotating endpoints) up to the attempt bound. */
  async call<T>(label: string, fn: (p: JsonRpcProvider) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
    return this.withRetry(label, (idx) => fn(this.providers[idx]), opts);
  }

  /**
   * One JSON-RPC call on the thin path: the body is sent and the answer parsed with nothing but `JSON`, for large
   * payloads (130 KB transactions, 256 KB receipts) where ethers' formatting costs more than the round trip.
   * Retries like `call`; a node's error answer is raised as a `JsonRpcError`.
   */
  async send<T = unknown>(label: string, method: string, params: unknown[], opts: RetryOptions = {}): Promise<T> {
    return this.withRetry(
      label,
      async (idx) => {
        const a = (await this.post(idx, JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }))) as RpcAnswer;
        if (Array.isArray(a) || typeof a !== "object" || a === null) throw transportError("BAD_DATA", "bad answer");
        if (a.error) throw answerError(method, a.error);
        return a.result as T;
      },
      opts,
    );
  }

  /**
   * Several calls as one JSON-RPC batch (one HTTP request), answers in call order: `{ result }` or `{ error }` per
   * call. The batch is retried whole on a transport fault, or when any answer is a transient node error.
   */
  async batch(
    label: string,
    calls: { method: string; params: unknown[] }[],
    opts: RetryOptions = {},
  ): Promise<({ result: unknown; error?: undefined } | { result?: undefined; error: JsonRpcError })[]> {
    if (calls.length === 0) return [];
    const body = JSON.stringify(calls.map((c, i) => ({ jsonrpc: "2.0", id: i, method: c.method, params: c.params })));
    return this.withRetry(
      label,
      async (idx) => {
        const answers = await this.post(idx, body);
        if (!Array.isArray(answers)) {
          // a whole-batch error (proxy or node): transient if it says so, otherwise a malformed answer
          const e = (answers as RpcAnswer | null)?.error;
          if (e) throw answerError(calls[0].method, e);
          throw transportError("BAD_DATA", "batch answer is not an array");
        }
        const byId = new Map<number, RpcAnswer>();
        for (const a of answers as RpcAnswer[]) if (typeof a?.id === "number") byId.set(a.id, a);
        return calls.map((c, i) => {
          const a = byId.get(i);
          if (!a) throw transportError("BAD_DATA", `batch answer lacks id ${i}`);
          if (a.error) {
            const err = answerError(c.method, a.error);
            if (isTransientRpcError(err)) throw err;
            return { error: err };
          }
          return { result: a.result };
        });
      },
      opts,
    );
  }

  private async post(idx: number, body: string): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.urls[idx], {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const name = (err as Error).name;
      if (name === "TimeoutError" || name === "AbortError") throw transportError("TIMEOUT", "request timed out");
      throw transportError("NETWORK_ERROR", `fetch failed: ${(err as Error).message}`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw transportError("NETWORK_ERROR", `body read failed: ${(err as Error).message}`);
    }
    if (res.status !== 200) throw transportError("SERVER_ERROR", `HTTP ${res.status}: ${text.slice(0, 100)}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw transportError("BAD_DATA", `not JSON: ${text.slice(0, 100)}`);
    }
  }

  private async withRetry<T>(label: string, fn: (idx: number) => Promise<T>, opts: RetryOptions): Promise<T> {
    const attempts = opts.attempts ?? this.retry.attempts;
    const base = opts.baseDelayMs ?? this.retry.baseDelayMs;
    const max = opts.maxDelayMs ?? this.retry.maxDelayMs;
    let lastErr: unknown;
    for (let i = 0; i < attempts; i++) {
      const idx = this.current;
      try {
        return await fn(idx);
      } catch (err) {
        if (!isTransientRpcError(err)) throw err;
        lastErr = err;
        this.retries++;
        if (this.providers.length > 1 && this.current === idx) this.current = (idx + 1) % this.providers.length;
        const delay = Math.min(max, base * 2 ** i) * (0.5 + Math.random() / 2);
        this.logger.debug(
          { label, attempt: i + 1, err: shortError(err), url: this.urls[idx] },
          "rpc call failed, retrying",
        );
        await sleep(delay);
      }
    }
    throw lastErr;
  }

  async blockNumber(): Promise<number> {
    return this.call("blockNumber", (p) => p.getBlockNumber());
  }

  destroy(): void {
    for (const p of this.providers) p.destroy();
  }
}

export function shortError(err: unknown): string {
  if (err && typeof err === "object") {
    const e = err as { shortMessage?: string; message?: string; code?: string; error?: { message?: string } };
    const inner = e.error?.message ? ` (${e.error.message})` : "";
    return `${e.code ?? "ERR"}: ${e.shortMessage ?? e.message ?? String(err)}${inner}`.slice(0, 300);
  }
  return String(err).slice(0, 300);
}
