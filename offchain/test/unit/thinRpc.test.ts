import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { JsonRpcError, RpcPool, isTransientRpcError } from "../../src/chain";
import { createLogger } from "../../src/log";

const logger = createLogger({ level: "silent" });
type Handler = (body: unknown) => { status?: number; json?: unknown; text?: string; destroy?: boolean };

/** A JSON-RPC endpoint whose answers the test scripts call by call (the last handler repeats). */
function scripted(handlers: Handler[]): { server: http.Server; bodies: unknown[] } {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const body = JSON.parse(raw) as unknown;
      bodies.push(body);
      const h = handlers[Math.min(bodies.length - 1, handlers.length - 1)](body);
      if (h.destroy) {
        req.socket.destroy();
        return;
      }
      res.writeHead(h.status ?? 200, { "content-type": "application/json" }).end(h.text ?? JSON.stringify(h.json));
    });
  });
  return { server, bodies };
}

async function listen(s: http.Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };
const echo = (body: unknown) =>
  (body as { id: number; params: unknown[] }[]).map((c) => ({ jsonrpc: "2.0", id: c.id, result: c.params[0] }));

describe("RpcPool thin JSON-RPC path", () => {
  const servers: http.Server[] = [];
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });
  async function pool(handlers: Handler[]): Promise<{ rpc: RpcPool; bodies: unknown[] }> {
    const { server, bodies } = scripted(handlers);
    servers.push(server);
    return { rpc: new RpcPool([await listen(server)], 31337, logger, 2000, fast), bodies };
  }

  let okUrl = "";
  before(async () => {
    const { server } = scripted([(b) => ({ json: echo(b).reverse() })]);
    servers.push(server);
    okUrl = await listen(server);
  });

  it("sends a batch as one HTTP request and returns the answers in call order whatever order they come in", async () => {
    const rpc = new RpcPool([okUrl], 31337, logger, 2000, fast);
    const calls = Array.from({ length: 150 }, (_, i) => ({ method: "eth_call", params: [`0x${i.toString(16)}`] }));
    const answers = await rpc.batch("t", calls);
    assert.deepEqual(
      answers.map((a) => a.result),
      calls.map((c) => c.params[0]),
    );
    assert.deepEqual(await rpc.batch("t", []), []);
  });

  it("retries a batch after a 503, a dropped connection and a whole-batch internal error", async () => {
    const { rpc, bodies } = await pool([
      () => ({ status: 503, text: "unavailable" }),
      () => ({ destroy: true }),
      () => ({ json: { jsonrpc: "2.0", id: null, error: { code: -32603, message: "injected internal error" } } }),
      (b) => ({ json: echo(b) }),
    ]);
    const answers = await rpc.batch("t", [{ method: "m", params: ["0x01"] }]);
    assert.equal(answers[0].result, "0x01");
    assert.equal(bodies.length, 4);
    assert.equal(rpc.retries, 3);
  });

  it("returns a revert as that call's error, with its data, and retries nothing", async () => {
    const { rpc, bodies } = await pool([
      (b) => ({
        json: (b as { id: number }[]).map((c) =>
          c.id === 1
            ? { jsonrpc: "2.0", id: 1, error: { code: 3, message: "execution reverted", data: "0xdeadbeef" } }
            : { jsonrpc: "2.0", id: c.id, result: "0x" },
        ),
      }),
    ]);
    const answers = await rpc.batch("t", [
      { method: "eth_call", params: [] },
      { method: "eth_call", params: [] },
    ]);
    assert.equal(answers[0].result, "0x");
    assert.ok(answers[1].error instanceof JsonRpcError);
    assert.equal(answers[1].error.data, "0xdeadbeef");
    assert.equal(isTransientRpcError(answers[1].error), false);
    assert.equal(bodies.length, 1);
  });

  it("raises a node's error answer from send, transient only when it reads as a passing condition", async () => {
    const { rpc } = await pool([
      () => ({ json: { jsonrpc: "2.0", id: 1, error: { code: -32000, message: "nonce too low" } } }),
    ]);
    await assert.rejects(
      rpc.send("t", "eth_sendRawTransaction", ["0x"]),
      (e: unknown) => e instanceof JsonRpcError && e.message === "nonce too low" && !isTransientRpcError(e),
    );
    assert.equal(rpc.retries, 0);
    assert.equal(isTransientRpcError(new JsonRpcError("m", -32603, "internal error")), true);
    assert.equal(isTransientRpcError(new JsonRpcError("m", 3, "execution reverted")), false);
  });

  it("gives up after the attempt bound on an endpoint that answers garbage, naming the fault", async () => {
    const { rpc, bodies } = await pool([() => ({ text: "<html>" })]);
    await assert.rejects(rpc.send("t", "eth_blockNumber", []), /not JSON: <html>/);
    assert.equal(bodies.length, fast.attempts);
  });

  it("treats a batch answer that lacks a call's id as a fault of the endpoint", async () => {
    const { rpc } = await pool([() => ({ json: [] })]);
    await assert.rejects(rpc.batch("t", [{ method: "m", params: [] }]), /batch answer lacks id 0/);
  });
});
