import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { createBackend, ErrorCode, type InferenceBackend, type ModelSpec } from "../../src/backends";
import { truncateUtf8, type OpenAIBackendOptions } from "../../src/backends/openai";
import { capturingLogger } from "./helpers";

type Handler = (body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse) => void;

/** A tiny OpenAI-compatible server whose behaviour each test scripts, one handler per call. */
class MockServer {
  readonly calls: Array<{ body: Record<string, unknown>; headers: IncomingMessage["headers"]; url?: string }> = [];
  handlers: Handler[] = [];
  fallback: Handler = (body, _req, res) => reply(res, 200, completion(`echo: ${lastMessage(body)}`));
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let raw = "";
      req.on("data", (chunk) => (raw += chunk));
      req.on("end", () => {
        const body = JSON.parse(raw) as Record<string, unknown>;
        this.calls.push({ body, headers: req.headers, url: req.url });
        (this.handlers.shift() ?? this.fallback)(body, req, res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server!.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }
}

const completion = (content: string) => ({
  id: "x",
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
});
const lastMessage = (body: Record<string, unknown>) => (body.messages as Array<{ content: string }>).at(-1)!.content;
function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("openai-compatible backend", () => {
  const server = new MockServer();
  let baseUrl: string;

  const open = (
    overrides: Partial<NonNullable<ModelSpec["openai"]>> = {},
    options: OpenAIBackendOptions = {},
  ): Promise<InferenceBackend> =>
    createBackend(
      {
        modelId: 9n,
        backend: "openai",
        executionProvider: "cpu",
        maxInputBytes: 64,
        openai: {
          baseUrl,
          model: "tiny-llm",
          apiKey: "sk-test",
          maxTokens: 32,
          temperature: 0,
          timeoutMs: 1000,
          ...overrides,
        },
      },
      capturingLogger().logger,
      { openai: { retryDelayMs: 10, ...options } },
    );

  before(async () => {
    baseUrl = await server.start();
  });
  after(() => server.stop());
  beforeEach(() => {
    server.calls.length = 0;
    server.handlers = [];
  });

  it("returns the completion text as UTF-8 bytes and sends a deterministic request", async () => {
    const backend = await open();
    const [result] = await backend.infer([utf8("héllo")]);
    assert.deepEqual(result, { ok: true, output: utf8("echo: héllo") });
    assert.equal(server.calls.length, 1);
    const { body, headers, url } = server.calls[0];
    assert.equal(url, "/v1/chat/completions");
    assert.equal(headers.authorization, "Bearer sk-test");
    assert.deepEqual(body, {
      model: "tiny-llm",
      messages: [{ role: "user", content: "héllo" }],
      max_tokens: 32,
      temperature: 0,
      seed: 0,
      stream: false,
    });
  });

  it("keeps the batch order when items complete out of order", async () => {
    server.handlers = [
      (body, _q, res) => setTimeout(() => reply(res, 200, completion(`slow ${lastMessage(body)}`)), 80),
    ];
    const backend = await open();
    const results = await backend.infer(["a", "b", "c"].map(utf8));
    assert.deepEqual(
      results.map((r) => r.ok && text(r.output)),
      ["slow a", "echo: b", "echo: c"],
    );
  });

  it("retries after an HTTP 500 and then succeeds", async () => {
    server.handlers = [(_b, _q, res) => reply(res, 500, { error: "overloaded" })];
    const backend = await open();
    const [result] = await backend.infer([utf8("retry me")]);
    assert.deepEqual(result, { ok: true, output: utf8("echo: retry me") });
    assert.equal(server.calls.length, 2);
  });

  it("answers InferenceFailed after a bounded number of HTTP 500s", async () => {
    server.handlers = Array.from({ length: 5 }, (): Handler => (_b, _q, res) => reply(res, 503, "down"));
    const backend = await open({}, { maxAttempts: 3 });
    const [result] = await backend.infer([utf8("x")]);
    assert.ok(!result.ok);
    assert.equal(result.errorCode, ErrorCode.InferenceFailed);
    assert.match(result.message, /HTTP 503/);
    assert.equal(server.calls.length, 3);
  });

  it("does not retry a client error", async () => {
    server.handlers = [(_b, _q, res) => reply(res, 400, { error: "bad model" })];
    const backend = await open();
    const [result] = await backend.infer([utf8("x")]);
    assert.ok(!result.ok && result.errorCode === ErrorCode.InferenceFailed && /HTTP 400/.test(result.message));
    assert.equal(server.calls.length, 1);
  });

  it("answers InferenceFailed when the server does not answer within the timeout", async () => {
    server.handlers = Array.from(
      { length: 2 },
      (): Handler => (_b, _q, res) => setTimeout(() => reply(res, 200, completion("late")), 500),
    );
    const backend = await open({ timeoutMs: 100 }, { maxAttempts: 2 });
    const started = Date.now();
    const [result] = await backend.infer([utf8("x")]);
    assert.ok(!result.ok);
    assert.equal(result.errorCode, ErrorCode.InferenceFailed);
    assert.match(result.message, /no answer within 100 ms/);
    assert.ok(Date.now() - started < 450, "each attempt is cut at the timeout");
    assert.equal(server.calls.length, 2);
  });

  it("answers InferenceFailed for an answer without content or not JSON", async () => {
    server.handlers = [(_b, _q, res) => reply(res, 200, { choices: [] }), (_b, _q, res) => reply(res, 200, "<html>")];
    const backend = await open({}, { concurrency: 1 });
    const results = await backend.infer([utf8("a"), utf8("b")]);
    assert.deepEqual(
      results.map((r) => !r.ok && r.errorCode),
      [ErrorCode.InferenceFailed, ErrorCode.InferenceFailed],
    );
  });

  it("answers MalformedInput for invalid UTF-8 or an empty prompt and InputTooLarge above maxInputBytes, without calling the server", async () => {
    const backend = await open();
    const results = await backend.infer([
      new Uint8Array([0xff, 0xfe]),
      new Uint8Array(0),
      new Uint8Array(65).fill(0x61),
    ]);
    assert.deepEqual(
      results.map((r) => !r.ok && r.errorCode),
      [ErrorCode.MalformedInput, ErrorCode.MalformedInput, ErrorCode.InputTooLarge],
    );
    assert.equal(server.calls.length, 0);
  });

  it("caps the completion at maxOutputBytes on a character boundary", async () => {
    server.handlers = [(_b, _q, res) => reply(res, 200, completion("ab€€"))];
    const backend = await open({}, { maxOutputBytes: 6 });
    const [result] = await backend.infer([utf8("x")]);
    assert.deepEqual(result, { ok: true, output: utf8("ab€") });
    assert.deepEqual(truncateUtf8(utf8("€"), 2), new Uint8Array(0));
    assert.deepEqual(truncateUtf8(utf8("abc"), 3), utf8("abc"));
  });

  it("answers InferenceFailed when the server cannot be reached", async () => {
    const backend = await open({ baseUrl: "http://127.0.0.1:1/v1" }, { maxAttempts: 2 });
    const [result] = await backend.infer([utf8("x")]);
    assert.ok(!result.ok && result.errorCode === ErrorCode.InferenceFailed && /request failed/.test(result.message));
  });

  it("refuses a spec without openai settings", async () => {
    await assert.rejects(
      createBackend(
        { modelId: 1n, backend: "openai", executionProvider: "cpu", maxInputBytes: 1 },
        capturingLogger().logger,
      ),
      /needs the openai settings/,
    );
  });
});
