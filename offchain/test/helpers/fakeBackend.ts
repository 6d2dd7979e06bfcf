import {
  ErrorCode,
  type ExecutionProvider,
  type InferenceBackend,
  type InferenceResult,
  type ModelSpec,
} from "../../src/backends/types";

/** Unit tests only: echoes the input length; an input starting with 0xff is malformed; `failNext` breaks a batch. */
export class FakeBackend implements InferenceBackend {
  readonly provider: ExecutionProvider = "cpu";
  batches: number[] = [];
  failNext = 0;

  constructor(readonly spec: ModelSpec) {}

  async infer(inputs: Uint8Array[]): Promise<InferenceResult[]> {
    this.batches.push(inputs.length);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("backend broken");
    }
    return inputs.map((i) =>
      i[0] === 0xff
        ? { ok: false, errorCode: ErrorCode.MalformedInput, message: "bad" }
        : { ok: true, output: Uint8Array.of(i.length & 0xff) },
    );
  }

  async close(): Promise<void> {}
}

export function spec(modelId: bigint, maxInputBytes = 784): ModelSpec {
  return { modelId, backend: "onnx", executionProvider: "cpu", maxInputBytes, path: "/dev/null" };
}
