import type { Logger } from "pino";
import { verifyModelHash } from "../modelHash";
import { OnnxBackend } from "./onnx";
import { OpenAIBackend, type OpenAIBackendOptions } from "./openai";
import { ProofBackend, type ProofBackendOptions } from "./zkproof";
import { ErrorCode, type InferenceBackend, type InferenceResult, type ModelSpec } from "./types";

export * from "./types";
export { OnnxBackend } from "./onnx";
export { OpenAIBackend, type OpenAIBackendOptions } from "./openai";
export { ProofBackend, type ProofBackendOptions } from "./zkproof";

export interface CreateBackendOptions {
  /** When given, an onnx model file must hash (keccak256) to it or the backend is refused. */
  expectedWeightsHash?: string;
  openai?: OpenAIBackendOptions;
  proof?: ProofBackendOptions;
}

/** Opens the backend a model spec names. */
export async function createBackend(
  spec: ModelSpec,
  logger: Logger,
  options: CreateBackendOptions = {},
): Promise<InferenceBackend> {
  switch (spec.backend) {
    case "onnx":
      if (!spec.path) throw new Error(`model ${spec.modelId}: backend onnx needs path`);
      if (options.expectedWeightsHash) await verifyModelHash(spec.path, options.expectedWeightsHash);
      return OnnxBackend.create(spec, logger);
    case "openai":
      return OpenAIBackend.create(spec, logger, options.openai);
    case "proof":
      return ProofBackend.create(spec, logger, options.proof);
    default:
      throw new Error(`model ${spec.modelId}: unknown backend ${String((spec as { backend: unknown }).backend)}`);
  }
}

/** The result for a request naming a model this runner does not serve. */
export function unknownModelResult(modelId: bigint): InferenceResult {
  return { ok: false, errorCode: ErrorCode.UnknownModel, message: `model ${modelId} is not served by this runner` };
}
