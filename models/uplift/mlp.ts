import { FEATURE_COUNT } from '../../src/features/spec.js';
import { fitStandardizer, sigmoid, standardizeRow, type Network } from './network.js';
import { seededRandom } from '../../src/decide/random.js';
import { normal, shuffle } from '../lib/random.js';

export interface MlpOptions {
  hidden: number;
  epochs: number;
  batch: number;
  learningRate: number;
  /** L2 penalty added to the gradient of every weight (not biases). */
  l2: number;
  seed: number;
}

export const DEFAULT_MLP: MlpOptions = {
  hidden: 32,
  epochs: 4,
  batch: 256,
  learningRate: 0.002,
  l2: 1e-4,
  seed: 1,
};

/** Adam state for one parameter vector. */
class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(
    private readonly params: Float64Array,
    private readonly rate: number,
  ) {
    this.m = new Float64Array(params.length);
    this.v = new Float64Array(params.length);
  }
  step(grad: Float64Array): void {
    this.t++;
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    for (let i = 0; i < this.params.length; i++) {
      const g = grad[i]!;
      this.m[i] = b1 * this.m[i]! + (1 - b1) * g;
      this.v[i] = b2 * this.v[i]! + (1 - b2) * g * g;
      this.params[i]! -= (this.rate * (this.m[i]! / c1)) / (Math.sqrt(this.v[i]! / c2) + 1e-8);
    }
  }
}

/**
 * A shared trunk (one ReLU layer) with two logistic heads, [treated, control]. Each sample trains
 * only the head of the arm it was in, so the trunk learns what both arms share and the heads
 * learn how they differ. Deterministic for a given seed.
 */
export function fitTwoHeadMlp(
  x: Float32Array,
  treated: Uint8Array,
  y: Uint8Array,
  indices: ArrayLike<number>,
  options: MlpOptions = DEFAULT_MLP,
): Network {
  const f = FEATURE_COUNT;
  const h = options.hidden;
  const random = seededRandom(options.seed);
  const standardizer = fitStandardizer(x, indices);
  const w1 = new Float64Array(h * f);
  const b1 = new Float64Array(h);
  const w2 = new Float64Array(2 * h);
  const b2 = new Float64Array(2);
  const scale1 = Math.sqrt(2 / f);
  for (let i = 0; i < w1.length; i++) w1[i] = normal(random) * scale1;
  const scale2 = Math.sqrt(1 / h);
  for (let i = 0; i < w2.length; i++) w2[i] = normal(random) * scale2 * 0.1;
  // Start each head at its arm's base rate.
  const counts = [0, 0, 0, 0];
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    const head = treated[i] ? 0 : 1;
    counts[head * 2]! += 1;
    counts[head * 2 + 1]! += y[i]!;
  }
  for (let head = 0; head < 2; head++) {
    const rate = (counts[head * 2 + 1]! + 0.5) / (counts[head * 2]! + 1);
    b2[head] = Math.log(rate / (1 - rate));
  }
  const optimizers = [w1, b1, w2, b2].map((p) => new Adam(p, options.learningRate));
  const g1 = new Float64Array(w1.length);
  const gb1 = new Float64Array(h);
  const g2 = new Float64Array(w2.length);
  const gb2 = new Float64Array(2);
  const input = new Float64Array(f);
  const hidden = new Float64Array(h);
  const order = Array.from(indices);

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffle(order, random);
    for (let start = 0; start < order.length; start += options.batch) {
      const end = Math.min(order.length, start + options.batch);
      g1.fill(0);
      gb1.fill(0);
      g2.fill(0);
      gb2.fill(0);
      for (let k = start; k < end; k++) {
        const i = order[k]!;
        standardizeRow(x, i, standardizer, input);
        for (let u = 0; u < h; u++) {
          let z = b1[u]!;
          const row = u * f;
          for (let j = 0; j < f; j++) z += w1[row + j]! * input[j]!;
          hidden[u] = z > 0 ? z : 0;
        }
        const head = treated[i] ? 0 : 1;
        let z = b2[head]!;
        for (let u = 0; u < h; u++) z += w2[head * h + u]! * hidden[u]!;
        const delta = sigmoid(z) - y[i]!; // d(binary cross-entropy)/dz
        gb2[head]! += delta;
        for (let u = 0; u < h; u++) {
          g2[head * h + u]! += delta * hidden[u]!;
          if (hidden[u]! <= 0) continue;
          const back = delta * w2[head * h + u]!;
          gb1[u]! += back;
          const row = u * f;
          for (let j = 0; j < f; j++) g1[row + j]! += back * input[j]!;
        }
      }
      const n = end - start;
      for (let i = 0; i < g1.length; i++) g1[i] = g1[i]! / n + options.l2 * w1[i]!;
      for (let i = 0; i < h; i++) gb1[i] = gb1[i]! / n;
      for (let i = 0; i < g2.length; i++) g2[i] = g2[i]! / n + options.l2 * w2[i]!;
      for (let i = 0; i < 2; i++) gb2[i] = gb2[i]! / n;
      optimizers[0]!.step(g1);
      optimizers[1]!.step(gb1);
      optimizers[2]!.step(g2);
      optimizers[3]!.step(gb2);
    }
  }
  // Inactive (constant) columns carry no information: make sure nothing reads them at serving.
  for (let u = 0; u < h; u++)
    for (let j = 0; j < f; j++) if (!standardizer.active[j]) w1[u * f + j] = 0;
  return {
    family: 'two-head-mlp',
    standardizer,
    layers: [
      { inputs: f, outputs: h, weights: w1, bias: b1, activation: 'relu' },
      { inputs: h, outputs: 2, weights: w2, bias: b2, activation: 'none' },
    ],
  };
}
