import * as ort from "onnxruntime-node";
import type { Logger } from "pino";
import { NonFiniteLogitsError, encodeClassification } from "../canonical";
import { prepareWebGpuEnvironment } from "../providers";
import {
  ErrorCode,
  type ErrorCodeValue,
  type ExecutionProvider,
  type InferenceBackend,
  type InferenceResult,
  type ModelSpec,
} from "./types";

/** Session options per execution provider; non-cpu attempts log only fatal errors since a failure is handled here. */
function sessionOptions(provider: ExecutionProvider): ort.InferenceSession.SessionOptions {
  return { executionProviders: [provider], logSeverityLevel: provider === "cpu" ? 3 : 4 };
}

/** Creates a session on `provider`, throwing if that provider cannot start on this host. */
export async function createSession(path: string, provider: ExecutionProvider): Promise<ort.InferenceSession> {
  if (provider === "webgpu") prepareWebGpuEnvironment();
  return ort.InferenceSession.create(path, sessionOptions(provider));
}

interface InputLayout {
  name: string;
  type: "uint8" | "float32";
  /** Elements per item. */
  features: number;
  /** Dimensions of one item as the model declares them (e.g. [784] or [1, 28, 28]). */
  itemDims: number[];
}

/**
 * The model's input: a tensor [N, ...features] of uint8 (fed the bytes as they are) or float32 (fed bytes / 255, the
 * preprocessing the bundled model does in its graph). A dynamic feature dimension falls back to 784 (28x28 digits).
 */
function inputLayout(session: ort.InferenceSession): InputLayout {
  const meta = session.inputMetadata[0];
  if (!meta || !meta.isTensor) throw new Error(`model input ${session.inputNames[0]} is not a tensor`);
  if (meta.type !== "uint8" && meta.type !== "float32") {
    throw new Error(`model input ${meta.name} has type ${meta.type}; the onnx backend feeds uint8 or float32`);
  }
  const dims = meta.shape.slice(1);
  const itemDims = dims.length > 0 && dims.every((d) => typeof d === "number") ? (dims as number[]) : [784];
  return { name: meta.name, type: meta.type, features: itemDims.reduce((a, b) => a * b, 1), itemDims };
}

const failed = (errorCode: ErrorCodeValue, message: string): InferenceResult => ({ ok: false, errorCode, message });

/** ONNX Runtime classifier: one session run per batch, canonical classification bytes per item. */
export class OnnxBackend implements InferenceBackend {
  private closed = false;

  private constructor(
    readonly spec: ModelSpec,
    readonly provider: ExecutionProvider,
    private readonly session: ort.InferenceSession,
    private readonly input: InputLayout,
    private readonly outputName: string,
  ) {}

  /** Opens the model on the requested provider, falling back to cpu (with one warning) when it cannot start. */
  static async create(spec: ModelSpec, logger: Logger): Promise<OnnxBackend> {
    if (!spec.path) throw new Error(`model ${spec.modelId}: the onnx backend needs a model file path`);
    let provider = spec.executionProvider;
    let session: ort.InferenceSession;
    try {
      session = await createSession(spec.path, provider);
    } catch (error) {
      if (provider === "cpu") throw error;
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      logger.warn(
        { modelId: spec.modelId.toString(), requested: provider, reason },
        `execution provider ${provider} could not start for model ${spec.modelId}, falling back to cpu: ${reason}`,
      );
      provider = "cpu";
      session = await createSession(spec.path, provider);
    }
    const backend = new OnnxBackend(spec, provider, session, inputLayout(session), session.outputNames[0]);
    logger.info(
      { modelId: spec.modelId.toString(), path: spec.path, provider, input: backend.input },
      `model ${spec.modelId} loaded on ${provider}`,
    );
    return backend;
  }

  async infer(inputs: Uint8Array[]): Promise<InferenceResult[]> {
    if (this.closed) throw new Error(`model ${this.spec.modelId}: backend is closed`);
    const results: (InferenceResult | undefined)[] = inputs.map((bytes) => this.validate(bytes));
    const valid = inputs.map((_, i) => i).filter((i) => results[i] === undefined);
    if (valid.length === 0) return results as InferenceResult[];
    let outputs: InferenceResult[];
    try {
      outputs = await this.run(valid.map((i) => inputs[i]));
    } catch (batchError) {
      // Isolate the item that breaks the batch so one poison input cannot block the others.
      if (valid.length === 1) throw batchError;
      outputs = [];
      for (const i of valid) {
        try {
          outputs.push(...(await this.run([inputs[i]])));
        } catch (error) {
          outputs.push(
            failed(
              ErrorCode.InferenceFailed,
              `inference failed: ${error instanceof Error ? error.message : String(error)}`,
            ),
          );
        }
      }
      if (outputs.every((r) => !r.ok && r.errorCode === ErrorCode.InferenceFailed)) throw batchError;
    }
    valid.forEach((i, k) => (results[i] = outputs[k]));
    return results as InferenceResult[];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }

  private validate(bytes: Uint8Array): InferenceResult | undefined {
    if (bytes.length > this.spec.maxInputBytes) {
      return failed(
        ErrorCode.InputTooLarge,
        `input is ${bytes.length} bytes, above the limit of ${this.spec.maxInputBytes}`,
      );
    }
    if (bytes.length !== this.input.features) {
      return failed(
        ErrorCode.MalformedInput,
        `input is ${bytes.length} bytes; model ${this.spec.modelId} takes exactly ${this.input.features}`,
      );
    }
    return undefined;
  }

  private async run(items: Uint8Array[]): Promise<InferenceResult[]> {
    const { name, type, features, itemDims } = this.input;
    const n = items.length;
    let tensor: ort.Tensor;
    if (type === "uint8") {
      const data = new Uint8Array(n * features);
      items.forEach((item, k) => data.set(item, k * features));
      tensor = new ort.Tensor("uint8", data, [n, ...itemDims]);
    } else {
      const data = new Float32Array(n * features);
      items.forEach((item, k) => item.forEach((v, j) => (data[k * features + j] = v / 255)));
      tensor = new ort.Tensor("float32", data, [n, ...itemDims]);
    }
    const output = (await this.session.run({ [name]: tensor }))[this.outputName];
    if (output.type !== "float32" || output.dims.length !== 2 || output.dims[0] !== n) {
      throw new Error(
        `model ${this.spec.modelId} returned ${output.type} [${output.dims.join(", ")}], expected float32 [${n}, classes]`,
      );
    }
    const classes = output.dims[1];
    const logits = output.data as Float32Array;
    return items.map((_, k) => {
      try {
        return { ok: true, output: encodeClassification(logits.subarray(k * classes, (k + 1) * classes)) };
      } catch (error) {
        if (error instanceof NonFiniteLogitsError) return failed(ErrorCode.InferenceFailed, error.message);
        throw error;
      }
    });
  }
}
