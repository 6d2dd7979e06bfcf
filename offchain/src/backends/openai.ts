import type { Logger } from "pino";
import { ErrorCode, type ErrorCodeValue, type InferenceBackend, type InferenceResult, type ModelSpec } from "./types";

export interface OpenAIBackendOptions {
  /** Attempts per item, the first included (retried: network errors, timeouts, HTTP 408, 429 and 5xx). */
  maxAttempts?: number;
  /** Delay before the second attempt; doubles after each further one. */
  retryDelayMs?: number;
  /** Items of one batch in flight at once (the server batches them itself). */
  concurrency?: number;
  /** Cap on the completion's UTF-8 bytes, cut at a character boundary (the oracle's maxOutputBytes). */
  maxOutputBytes?: number;
  /** Sent as `seed` so servers that support it (vLLM, llama.cpp, Ollama) answer deterministically. */
  seed?: number;
}

const DEFAULTS: Required<OpenAIBackendOptions> = {
  maxAttempts: 3,
  retryDelayMs: 200,
  concurrency: 8,
  maxOutputBytes: 4096,
  seed: 0,
};

class RetryableError extends Error {}

const failed = (errorCode: ErrorCodeValue, message: string): InferenceResult => ({ ok: false, errorCode, message });

/** Truncates UTF-8 bytes to at most `max`, never splitting a character. */
export function truncateUtf8(bytes: Uint8Array, max: number): Uint8Array {
  if (bytes.length <= max) return bytes;
  let end = max;
  // Step back over continuation bytes (10xxxxxx) so the cut lands on a character start.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/**
 * An OpenAI-compatible chat/completions backend (vLLM, llama.cpp server, Ollama): the input bytes are the UTF-8
 * prompt, the canonical output the UTF-8 completion text. Never throws for an item: after the bounded retries an
 * item that still fails is an InferenceFailed result.
 */
export class OpenAIBackend implements InferenceBackend {
  readonly provider = "cpu" as const;
  private readonly options: Required<OpenAIBackendOptions>;
  private readonly config: NonNullable<ModelSpec["openai"]>;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  private readonly encoder = new TextEncoder();
  private closed = false;

  private constructor(
    readonly spec: ModelSpec,
    private readonly logger: Logger,
    options: OpenAIBackendOptions,
  ) {
    if (!spec.openai) throw new Error(`model ${spec.modelId}: backend openai needs the openai settings`);
    this.config = spec.openai;
    this.options = { ...DEFAULTS, ...options };
  }

  static async create(spec: ModelSpec, logger: Logger, options: OpenAIBackendOptions = {}): Promise<OpenAIBackend> {
    const backend = new OpenAIBackend(spec, logger, options);
    logger.info(
      { modelId: spec.modelId.toString(), baseUrl: backend.config.baseUrl, model: backend.config.model },
      `model ${spec.modelId} served by the OpenAI-compatible server ${backend.config.baseUrl}`,
    );
    return backend;
  }

  async infer(inputs: Uint8Array[]): Promise<InferenceResult[]> {
    if (this.closed) throw new Error(`model ${this.spec.modelId}: backend is closed`);
    const results: InferenceResult[] = new Array(inputs.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < inputs.length) {
        const i = next++;
        results[i] = await this.inferOne(inputs[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, inputs.length) }, worker));
    return results;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async inferOne(input: Uint8Array): Promise<InferenceResult> {
    if (input.length > this.spec.maxInputBytes) {
      return failed(
        ErrorCode.InputTooLarge,
        `prompt is ${input.length} bytes, above the limit of ${this.spec.maxInputBytes}`,
      );
    }
    let prompt: string;
    try {
      prompt = this.decoder.decode(input);
    } catch {
      return failed(ErrorCode.MalformedInput, "prompt is not valid UTF-8");
    }
    if (prompt.length === 0) return failed(ErrorCode.MalformedInput, "prompt is empty");
    let lastError = "";
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, this.options.retryDelayMs * 2 ** (attempt - 2)));
      try {
        const text = await this.complete(prompt);
        return { ok: true, output: truncateUtf8(this.encoder.encode(text), this.options.maxOutputBytes) };
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        if (!(error instanceof RetryableError)) break;
        this.logger.warn(
          { modelId: this.spec.modelId.toString(), attempt, error: lastError },
          "completion attempt failed",
        );
      }
    }
    return failed(ErrorCode.InferenceFailed, `completion failed: ${lastError}`);
  }

  private async complete(prompt: string): Promise<string> {
    const { baseUrl, model, apiKey, maxTokens, temperature, timeoutMs } = this.config;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    let response: Response;
    try {
      response = await fetch(`${baseUrl.replace(/\/+$/, "")}/chat/completions`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          model,
          messages: [{ role: "user", content: prompt }],
          max_tokens: maxTokens,
          temperature,
          seed: this.options.seed,
          stream: false,
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      throw new RetryableError(timedOut ? `no answer within ${timeoutMs} ms` : `request failed: ${String(error)}`);
    }
    let body: string;
    try {
      body = await response.text();
    } catch (error) {
      throw new RetryableError(`reading the answer failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!response.ok) {
      const message = `HTTP ${response.status}: ${body.slice(0, 200)}`;
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      throw retryable ? new RetryableError(message) : new Error(message);
    }
    let content: unknown;
    try {
      content = JSON.parse(body)?.choices?.[0]?.message?.content;
    } catch {
      throw new Error(`answer is not JSON: ${body.slice(0, 200)}`);
    }
    if (typeof content !== "string") throw new Error("answer has no choices[0].message.content");
    return content;
  }
}
