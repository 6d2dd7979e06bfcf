import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { makeError } from "ethers";
import { RpcPool, isTransientRpcError } from "../../src/chain";
import { createLogger } from "../../src/log";
import { Metrics, MetricsServer } from "../../src/metrics";
import { Wake } from "../../src/wake";

const logger = createLogger({ level: "silent" });

describe("isTransientRpcError", () => {
  it("retries transport faults and answers without revert data, never reverts, nonce or funds errors", () => {
    assert.equal(isTransientRpcError(makeError("t", "TIMEOUT")), true);
    assert.equal(isTransientRpcError(makeError("t", "SERVER_ERROR")), true);
    assert.equal(isTransientRpcError(makeError("t", "UNKNOWN_ERROR")), true);
    assert.equal(isTransientRpcError(Object.assign(new Error("reset"), { code: "ECONNRESET" })), true);
    assert.equal(isTransientRpcError(makeError("t", "CALL_EXCEPTION", { data: null } as never)), true);
    assert.equal(isTransientRpcError(makeError("t", "CALL_EXCEPTION", { data: "0x12345678" } as never)), false);
    assert.equal(isTransientRpcError(makeError("t", "NONCE_EXPIRED")), false);
    const answer = (message: string) => makeError("t", "UNKNOWN_ERROR", { error: { code: -32003, message } });
    assert.equal(isTransientRpcError(answer("max fee per gas less than block base fee")), false);
    assert.equal(isTransientRpcError(answer("injected internal error")), true);
    assert.equal(isTransientRpcError(makeError("t", "INSUFFICIENT_FUNDS")), false);
  });
});

describe("RpcPool", () => {
  let bad: http.Server;
  let good: http.Server;
  let badHits = 0;
  const urls: string[] = [];
  before(async () => {
    bad = http.createServer((_req, res) => {
      badHits++;
      res.writeHead(503).end("unavailable");
    });
    good = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const { id } = JSON.parse(body);
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x2a" }));
      });
    });
    for (const s of [bad, good]) await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    urls.push(
      `http://127.0.0.1:${(bad.address() as AddressInfo).port}`,
      `http://127.0.0.1:${(good.address() as AddressInfo).port}`,
    );
  });
  after(() => {
    bad.close();
    good.close();
  });

  it("falls back to the next endpoint when the first one fails", async () => {
    const pool = new RpcPool(urls, 31337, logger, 2000, { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 });
    assert.equal(await pool.blockNumber(), 42);
    assert.ok(badHits >= 1);
    assert.ok(pool.retries >= 1);
    assert.equal(await pool.blockNumber(), 42);
    pool.destroy();
  });

  it("gives up after the bounded number of attempts", async () => {
    const pool = new RpcPool([urls[0]], 31337, logger, 2000, { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 });
    const before = badHits;
    await assert.rejects(pool.blockNumber());
    assert.equal(badHits - before, 3);
    pool.destroy();
  });
});

describe("MetricsServer", () => {
  it("serves Prometheus metrics and a health document with 503 when unhealthy", async () => {
    const m = new Metrics();
    m.received.inc(3);
    let healthy = true;
    const server = new MetricsServer(m, async () => ({ ok: healthy, rpc: { lagBlocks: 1 } }));
    const port = await server.listen(0);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /axon_runner_requests_received_total 3/);
    const h = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { ok: true, rpc: { lagBlocks: 1 } });
    healthy = false;
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 503);
    assert.equal((await fetch(`http://127.0.0.1:${port}/nope`)).status, 404);
    await server.close();
  });
});

describe("Wake", () => {
  it("resolves early on notify and remembers a notify that came before the wait", async () => {
    const w = new Wake();
    const t0 = Date.now();
    setTimeout(() => w.notify(), 10);
    await w.wait(5000);
    assert.ok(Date.now() - t0 < 1000);
    w.notify();
    const t1 = Date.now();
    await w.wait(5000);
    assert.ok(Date.now() - t1 < 50);
  });
});
