import { FEATURE_COUNT } from '../../src/features/spec.js';

/** A dense layer in training precision. `weights` is row-major `[outputs][inputs]`. */
export interface Layer {
  inputs: number;
  outputs: number;
  weights: Float64Array;
  bias: Float64Array;
  activation: 'relu' | 'none';
}

/** Per-feature mean and standard deviation; a column with no spread is left out (`active` false). */
export interface Standardizer {
  mean: Float64Array;
  sd: Float64Array;
  active: Uint8Array;
}

/**
 * An uplift network as trained: inputs are standardized, then dense layers, the last giving the
 * logits of [treated, control].
 */
export interface Network {
  family: 'two-model-logistic' | 'linear-svm' | 'two-head-mlp';
  standardizer: Standardizer;
  layers: Layer[];
}

export interface Predictions {
  pTreated: Float64Array;
  pControl: Float64Array;
  uplift: Float64Array;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Mean and standard deviation of each column over the selected samples. */
export function fitStandardizer(
  x: Float32Array,
  indices: ArrayLike<number>,
  f = FEATURE_COUNT,
): Standardizer {
  const mean = new Float64Array(f);
  const sd = new Float64Array(f);
  const n = indices.length;
  for (let k = 0; k < n; k++) {
    const base = indices[k]! * f;
    for (let j = 0; j < f; j++) mean[j]! += x[base + j]!;
  }
  for (let j = 0; j < f; j++) mean[j]! /= n;
  for (let k = 0; k < n; k++) {
    const base = indices[k]! * f;
    for (let j = 0; j < f; j++) {
      const d = x[base + j]! - mean[j]!;
      sd[j]! += d * d;
    }
  }
  const active = new Uint8Array(f);
  for (let j = 0; j < f; j++) {
    sd[j] = Math.sqrt(sd[j]! / n);
    active[j] = sd[j]! > 1e-9 ? 1 : 0;
  }
  return { mean, sd, active };
}

/** Writes the standardized features of sample `index` into `out` (inactive columns are 0). */
export function standardizeRow(
  x: Float32Array,
  index: number,
  s: Standardizer,
  out: Float64Array,
): void {
  const f = s.mean.length;
  const base = index * f;
  for (let j = 0; j < f; j++) out[j] = s.active[j] ? (x[base + j]! - s.mean[j]!) / s.sd[j]! : 0;
}

/** Runs the network on raw feature rows `[N, F]`, in float64. */
export function predict(network: Network, x: Float32Array): Predictions {
  const f = network.standardizer.mean.length;
  const n = x.length / f;
  const pTreated = new Float64Array(n);
  const pControl = new Float64Array(n);
  const uplift = new Float64Array(n);
  const input = new Float64Array(f);
  const widest = Math.max(f, ...network.layers.map((l) => l.outputs));
  const buffers = [new Float64Array(widest), new Float64Array(widest)];
  for (let i = 0; i < n; i++) {
    standardizeRow(x, i, network.standardizer, input);
    let current: Float64Array = input;
    network.layers.forEach((layer, li) => {
      const next = buffers[li % 2]!;
      for (let o = 0; o < layer.outputs; o++) {
        let z = layer.bias[o]!;
        const row = o * layer.inputs;
        for (let j = 0; j < layer.inputs; j++) z += layer.weights[row + j]! * current[j]!;
        next[o] = layer.activation === 'relu' && z < 0 ? 0 : z;
      }
      current = next;
    });
    pTreated[i] = sigmoid(current[0]!);
    pControl[i] = sigmoid(current[1]!);
    uplift[i] = pTreated[i]! - pControl[i]!;
  }
  return { pTreated, pControl, uplift };
}

/**
 * The network on raw features: standardization folded into the first layer
 * (w' = w / sd, b' = b − Σ w·mean / sd; inactive columns get weight 0), in float32 for ONNX.
 */
export function exportLayers(network: Network) {
  const s = network.standardizer;
  return network.layers.map((layer, li) => {
    const weights = new Float32Array(layer.weights.length);
    const bias = new Float32Array(layer.outputs);
    for (let o = 0; o < layer.outputs; o++) {
      let b = layer.bias[o]!;
      for (let j = 0; j < layer.inputs; j++) {
        const w = layer.weights[o * layer.inputs + j]!;
        if (li > 0) {
          weights[o * layer.inputs + j] = w;
        } else if (s.active[j]) {
          weights[o * layer.inputs + j] = w / s.sd[j]!;
          b -= (w * s.mean[j]!) / s.sd[j]!;
        }
      }
      bias[o] = b;
    }
    return {
      inputs: layer.inputs,
      outputs: layer.outputs,
      weights,
      bias,
      activation: layer.activation,
    };
  });
}
