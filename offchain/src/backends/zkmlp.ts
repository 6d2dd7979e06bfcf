/**
 * The integer MLP of a `Proof` model and the bytes it is proven over, computed exactly as the circom circuit that
 * `npm run zk:build` generates from the same weights (zk/circuit.ts): no floating point anywhere, so the runner's
 * output is bit-identical to the circuit's and to what the on-chain binding (ProofBinding.sol) packs.
 *
 * Model: input = `inputs` unsigned bytes; hidden_j = relu(Σ_i w1[j][i]·x_i + b1[j]) >> shift (floor); logit_k =
 * Σ_j w2[k][j]·hidden_j + b2[k]; label = argmax (lowest index on ties).
 * Output (the "proven classification" encoding): 1 byte label, then one big-endian two's-complement int32 per class.
 * Public inputs: the bytes input ‖ output cut into 31-byte chunks, each read as a big-endian integer (< 2^248).
 */
export const CHUNK_BYTES = 31;
export const LOGIT_BITS = 32;

export interface QuantisedMlp {
  name: string;
  /** Input bytes per request (e.g. 196 for a 14x14 greyscale image). */
  inputs: number;
  hidden: number;
  classes: number;
  /** Right shift (floor division by 2^shift) applied to the first layer's ReLU output. */
  shift: number;
  /** Bits that hold acc1 + 2^(accBits-1) for every input: the first layer's range, proven by the circuit. */
  accBits: number;
  /** w1[j][i]: hidden unit j, input i. */
  w1: number[][];
  b1: number[];
  /** w2[k][j]: class k, hidden unit j. */
  w2: number[][];
  b2: number[];
}

/** Thrown for an input the model cannot take (wrong length): the backend answers MalformedInput. */
export class ProofInputError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`a proof model input is ${expected} bytes, got ${actual}`);
    this.name = "ProofInputError";
  }
}

/** Largest |acc1| the first layer can reach over all byte inputs. */
export function firstLayerBound(model: QuantisedMlp): number {
  let bound = 0;
  model.w1.forEach((row, j) => {
    let sum = Math.abs(model.b1[j]);
    for (const w of row) sum += Math.abs(w) * 255;
    bound = Math.max(bound, sum);
  });
  return bound;
}

/** Largest |logit| over all byte inputs (hidden units are at most (bound >> shift)). */
export function logitBound(model: QuantisedMlp): number {
  const hiddenMax = Math.floor(firstLayerBound(model) / 2 ** model.shift);
  let bound = 0;
  model.w2.forEach((row, k) => {
    let sum = Math.abs(model.b2[k]);
    for (const w of row) sum += Math.abs(w) * hiddenMax;
    bound = Math.max(bound, sum);
  });
  return bound;
}

/** Checks that a model's shapes and ranges fit the circuit (every intermediate stays an exact JS integer). */
export function validateModel(model: QuantisedMlp): void {
  const shape = (what: string, rows: number[][], r: number, c: number) => {
    if (rows.length !== r || rows.some((row) => row.length !== c))
      throw new Error(`model ${model.name}: ${what} must be ${r}x${c}`);
  };
  shape("w1", model.w1, model.hidden, model.inputs);
  shape("w2", model.w2, model.classes, model.hidden);
  if (model.b1.length !== model.hidden || model.b2.length !== model.classes)
    throw new Error(`model ${model.name}: bias lengths must be ${model.hidden} and ${model.classes}`);
  for (const v of [...model.w1.flat(), ...model.w2.flat(), ...model.b1, ...model.b2])
    if (!Number.isSafeInteger(v)) throw new Error(`model ${model.name}: parameter ${v} is not an integer`);
  if (model.classes < 2 || model.classes > 256) throw new Error(`model ${model.name}: 2..256 classes`);
  if (2 * firstLayerBound(model) >= 2 ** model.accBits)
    throw new Error(`model ${model.name}: accBits ${model.accBits} cannot hold the first layer's range`);
  if (model.shift < 0 || model.shift >= model.accBits - 1) throw new Error(`model ${model.name}: bad shift`);
  if (logitBound(model) >= 2 ** (LOGIT_BITS - 1)) throw new Error(`model ${model.name}: logits overflow int32`);
}

export interface IntegerInference {
  label: number;
  logits: number[];
}

/** The integer forward pass (what the circuit computes). */
export function inferInteger(model: QuantisedMlp, input: Uint8Array): IntegerInference {
  if (input.length !== model.inputs) throw new ProofInputError(model.inputs, input.length);
  const hidden = new Array<number>(model.hidden);
  const divisor = 2 ** model.shift;
  for (let j = 0; j < model.hidden; j++) {
    const row = model.w1[j];
    let acc = model.b1[j];
    for (let i = 0; i < model.inputs; i++) acc += row[i] * input[i];
    hidden[j] = acc > 0 ? Math.floor(acc / divisor) : 0;
  }
  const logits = model.w2.map((row, k) => {
    let acc = model.b2[k];
    for (let j = 0; j < model.hidden; j++) acc += row[j] * hidden[j];
    return acc;
  });
  let label = 0;
  for (let k = 1; k < model.classes; k++) if (logits[k] > logits[label]) label = k;
  return { label, logits };
}

// The proven classification bytes (label, then big-endian two's-complement int32 logits) are encoded and decoded by
// the canonical module the SDK shares with the runner: one implementation for nodes and integrators.
export { decodeProvenClassification, encodeProvenClassification } from "../canonical";

/** Output bytes of a model (1 + 4 per class). */
export const outputBytes = (model: QuantisedMlp): number => 1 + 4 * model.classes;

/** Number of public inputs of a model's circuit. */
export const publicInputCount = (model: QuantisedMlp): number =>
  Math.ceil((model.inputs + outputBytes(model)) / CHUNK_BYTES);

/** input ‖ output as 31-byte big-endian chunks: the circuit's public inputs (and ProofBinding.publicInputs). */
export function packPublicInputs(input: Uint8Array, output: Uint8Array): bigint[] {
  const data = new Uint8Array(input.length + output.length);
  data.set(input, 0);
  data.set(output, input.length);
  const chunks: bigint[] = [];
  for (let at = 0; at < data.length; at += CHUNK_BYTES) {
    let value = 0n;
    for (const byte of data.subarray(at, at + CHUNK_BYTES)) value = (value << 8n) | BigInt(byte);
    chunks.push(value);
  }
  return chunks;
}

/** The witness inputs of the circuit for one request: public chunks and private pixels. */
export function circuitInput(input: Uint8Array, output: Uint8Array): { chunk: string[]; pixel: string[] } {
  return {
    chunk: packPublicInputs(input, output).map((c) => c.toString()),
    pixel: Array.from(input, (b) => b.toString()),
  };
}

/** 28x28 → 14x14 by averaging 2x2 blocks (rounded half up): how a client turns an MNIST digit into the input. */
export function downsample28(image: Uint8Array): Uint8Array {
  if (image.length !== 784) throw new ProofInputError(784, image.length);
  const out = new Uint8Array(196);
  for (let y = 0; y < 14; y++)
    for (let x = 0; x < 14; x++) {
      const at = 2 * y * 28 + 2 * x;
      out[y * 14 + x] = Math.floor((image[at] + image[at + 1] + image[at + 28] + image[at + 29] + 2) / 4);
    }
  return out;
}
