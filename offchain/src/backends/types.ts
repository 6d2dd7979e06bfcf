/** Oracle error codes (must match IAIOracle constants): 0 ok. */
export const ErrorCode = { None: 0, MalformedInput: 1, InputTooLarge: 2, UnknownModel: 3, InferenceFailed: 4 } as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];
export type ExecutionProvider = "cpu" | "webgpu" | "cuda";
export interface ModelSpec {
  modelId: bigint; // on-chain model id
  path?: string; // ONNX file (onnx backend); zk:build directory (proof backend)
  backend: "onnx" | "openai" | "proof";
  executionProvider: ExecutionProvider; // requested; the backend reports the one it actually uses
  openai?: {
    baseUrl: string;
    model: string;
    apiKey?: string;
    maxTokens: number;
    temperature: number;
    timeoutMs: number;
  };
  maxInputBytes: number;
}
export type InferenceResult =
  | { ok: true; output: Uint8Array; proof?: Uint8Array } // canonical bytes delivered on-chain (+ proof, Proof mode)
  | { ok: false; errorCode: ErrorCodeValue; message: string }; // delivered as an error result
export interface InferenceBackend {
  readonly spec: ModelSpec;
  readonly provider: ExecutionProvider; // the provider actually in use after fallback
  /** Runs one batch; never throws for a bad item — that item becomes { ok: false }. Throws only if the backend is broken. */
  infer(inputs: Uint8Array[]): Promise<InferenceResult[]>;
  close(): Promise<void>;
}
