import { Prng } from "./prng";
import { CLASSES, IMAGE_BYTES, IMAGE_SIDE } from "./mnist";

/** A dense layer y = x·W + b with W stored [in][out] row-major (the layout of ONNX Gemm's B with transB = 0). */
export interface DenseLayer {
  inputs: number;
  outputs: number;
  weights: Float32Array;
  bias: Float32Array;
}

export interface TrainOptions {
  hidden: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Multiplies the learning rate after every epoch. */
  learningRateDecay: number;
  /** Random translation of each training image by up to this many pixels per axis. */
  maxShiftPixels: number;
  seed: number;
  /** Input features (784 unless a preprocess changes the image's size). */
  inputs?: number;
  /** Turns a (shifted) 28x28 byte image into the float input; defaults to toFloatInput. */
  preprocess?: (image: Uint8Array, out: Float32Array) => void;
}

/** The bytes → float preprocessing, identical to the exported graph's Cast + Div(255). */
export function toFloatInput(image: Uint8Array, out: Float32Array): void {
  for (let i = 0; i < IMAGE_BYTES; i++) out[i] = image[i] / 255;
}

/** Translates a 28x28 image by (dx, dy) pixels, filling with zeros. */
export function shiftImage(image: Uint8Array, dx: number, dy: number, out: Uint8Array): void {
  out.fill(0);
  for (let y = 0; y < IMAGE_SIDE; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= IMAGE_SIDE) continue;
    for (let x = 0; x < IMAGE_SIDE; x++) {
      const sx = x - dx;
      if (sx < 0 || sx >= IMAGE_SIDE) continue;
      out[y * IMAGE_SIDE + x] = image[sy * IMAGE_SIDE + sx];
    }
  }
}

/** A multi-layer perceptron with ReLU hidden layers trained by Adam on softmax cross-entropy. */
export class Mlp {
  readonly layers: DenseLayer[];
  // Per-layer activations of the sample being processed: acts[0] is the input, acts[l + 1] the output of layer l.
  private readonly acts: Float32Array[];
  private readonly deltas: Float32Array[];

  constructor(hidden: number[], prng: Prng, inputs = IMAGE_BYTES) {
    const sizes = [inputs, ...hidden, CLASSES];
    this.layers = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const inputs = sizes[l];
      const outputs = sizes[l + 1];
      const weights = new Float32Array(inputs * outputs);
      // He-uniform initialisation keeps the ReLU activations' variance stable across layers.
      const limit = Math.sqrt(6 / inputs);
      for (let i = 0; i < weights.length; i++) weights[i] = (prng.next() * 2 - 1) * limit;
      this.layers.push({ inputs, outputs, weights, bias: new Float32Array(outputs) });
    }
    this.acts = sizes.map((n) => new Float32Array(n));
    this.deltas = sizes.map((n) => new Float32Array(n));
  }

  /** Forward pass of one sample; returns the logits (a view valid until the next call). */
  forward(input: Float32Array): Float32Array {
    this.acts[0].set(input);
    this.layers.forEach((layer, l) => {
      const x = this.acts[l];
      const y = this.acts[l + 1];
      y.set(layer.bias);
      const { outputs, weights } = layer;
      for (let i = 0; i < layer.inputs; i++) {
        const xi = x[i];
        // Inputs are mostly zero (blank pixels, dead ReLUs): skipping them is the main speed-up of this trainer.
        if (xi === 0) continue;
        const row = i * outputs;
        for (let o = 0; o < outputs; o++) y[o] += xi * weights[row + o];
      }
      if (l + 1 < this.layers.length) for (let o = 0; o < outputs; o++) if (y[o] < 0) y[o] = 0;
    });
    return this.acts[this.layers.length];
  }

  /** Backward pass for the sample last given to forward(); accumulates gradients; returns its loss. */
  backward(label: number, gradW: Float32Array[], gradB: Float32Array[]): number {
    const last = this.layers.length;
    const logits = this.acts[last];
    let max = -Infinity;
    for (let o = 0; o < CLASSES; o++) max = Math.max(max, logits[o]);
    let sum = 0;
    for (let o = 0; o < CLASSES; o++) sum += Math.exp(logits[o] - max);
    const delta = this.deltas[last];
    for (let o = 0; o < CLASSES; o++) delta[o] = Math.exp(logits[o] - max) / sum - (o === label ? 1 : 0);
    const loss = -(logits[label] - max - Math.log(sum));
    for (let l = last - 1; l >= 0; l--) {
      const { inputs, outputs, weights } = this.layers[l];
      const x = this.acts[l];
      const dy = this.deltas[l + 1];
      const dx = this.deltas[l];
      const gw = gradW[l];
      const gb = gradB[l];
      for (let o = 0; o < outputs; o++) gb[o] += dy[o];
      for (let i = 0; i < inputs; i++) {
        const xi = x[i];
        const row = i * outputs;
        if (xi !== 0) for (let o = 0; o < outputs; o++) gw[row + o] += xi * dy[o];
        if (l > 0) {
          // ReLU gate: x is the previous layer's output, so x = 0 means the unit was off.
          if (xi === 0) {
            dx[i] = 0;
            continue;
          }
          let s = 0;
          for (let o = 0; o < outputs; o++) s += weights[row + o] * dy[o];
          dx[i] = s;
        }
      }
    }
    return loss;
  }

  /** Index of the largest logit (lowest index on ties). */
  predict(input: Float32Array): number {
    const logits = this.forward(input);
    let best = 0;
    for (let o = 1; o < CLASSES; o++) if (logits[o] > logits[best]) best = o;
    return best;
  }
}

/** Adam (Kingma & Ba) over every layer's weights and biases. */
class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private step = 0;

  constructor(
    private readonly params: Float32Array[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = params.map((p) => new Float32Array(p.length));
    this.v = params.map((p) => new Float32Array(p.length));
  }

  apply(grads: Float32Array[], learningRate: number, scale: number): void {
    this.step++;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    this.params.forEach((p, k) => {
      const g = grads[k];
      const m = this.m[k];
      const v = this.v[k];
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * scale;
        m[i] = this.beta1 * m[i] + (1 - this.beta1) * gi;
        v[i] = this.beta2 * v[i] + (1 - this.beta2) * gi * gi;
        p[i] -= (learningRate * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + this.epsilon);
      }
    });
  }
}

export interface EpochReport {
  epoch: number;
  loss: number;
  testAccuracy: number;
  seconds: number;
}

/** Accuracy of the model on a labelled set of byte images. */
export function accuracy(
  model: Mlp,
  images: Uint8Array[],
  labels: number[],
  preprocess: (image: Uint8Array, out: Float32Array) => void = toFloatInput,
): number {
  const x = new Float32Array(model.layers[0].inputs);
  let correct = 0;
  images.forEach((image, n) => {
    preprocess(image, x);
    if (model.predict(x) === labels[n]) correct++;
  });
  return correct / images.length;
}

/** Trains an MLP with minibatch Adam and shift augmentation; calls onEpoch after every epoch. */
export function trainMlp(
  train: { images: Uint8Array[]; labels: number[] },
  test: { images: Uint8Array[]; labels: number[] },
  options: TrainOptions,
  onEpoch: (report: EpochReport) => void,
): Mlp {
  const prng = new Prng(options.seed);
  const preprocess = options.preprocess ?? toFloatInput;
  const model = new Mlp(options.hidden, prng, options.inputs ?? IMAGE_BYTES);
  const params = model.layers.flatMap((layer) => [layer.weights, layer.bias]);
  const gradW = model.layers.map((layer) => new Float32Array(layer.weights.length));
  const gradB = model.layers.map((layer) => new Float32Array(layer.bias.length));
  const grads = model.layers.flatMap((_, l) => [gradW[l], gradB[l]]);
  const adam = new Adam(params);
  const order = train.images.map((_, n) => n);
  const shifted = new Uint8Array(IMAGE_BYTES);
  const x = new Float32Array(options.inputs ?? IMAGE_BYTES);
  let learningRate = options.learningRate;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const started = Date.now();
    prng.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < order.length; start += options.batchSize) {
      const batch = order.slice(start, start + options.batchSize);
      grads.forEach((g) => g.fill(0));
      for (const n of batch) {
        const span = 2 * options.maxShiftPixels + 1;
        const dx = prng.int(span) - options.maxShiftPixels;
        const dy = prng.int(span) - options.maxShiftPixels;
        shiftImage(train.images[n], dx, dy, shifted);
        preprocess(shifted, x);
        model.forward(x);
        lossSum += model.backward(train.labels[n], gradW, gradB);
      }
      adam.apply(grads, learningRate, 1 / batch.length);
    }
    learningRate *= options.learningRateDecay;
    onEpoch({
      epoch,
      loss: lossSum / order.length,
      testAccuracy: accuracy(model, test.images, test.labels, preprocess),
      seconds: (Date.now() - started) / 1000,
    });
  }
  return model;
}
