import type { UpliftScores } from './types.js';

/**
 * One dense layer of a shipped uplift network, as stored in the bundle: float32 weights,
 * row-major `[outputs][inputs]`, and the bias, each as base64 of their little-endian bytes (the
 * exact bits of the model file's initializers; a decimal text would round them).
 */
export interface InlineLayer {
  inputs: number;
  outputs: number;
  activation: 'relu' | 'none';
  weights: string;
  bias: string;
}

/**
 * A copy of a shipped ONNX uplift network (Gemm → Relu … → Gemm → Sigmoid, as `npm run train`
 * writes it) that the main thread can run while the worker and ONNX Runtime are still starting, or
 * where they cannot run. `npm run train` generates it from the model file it writes and checks it
 * against ONNX Runtime; it applies only to the model whose version it names.
 */
export interface InlineNetwork {
  /** First 12 hex digits of the model file's SHA-256: the model it reproduces. */
  version: string;
  featureSpecVersion: number;
  featureCount: number;
  /** The last layer has two outputs: the logits of [treated, control]. */
  layers: readonly InlineLayer[];
}

interface DecodedLayer {
  inputs: number;
  outputs: number;
  relu: boolean;
  weights: Float32Array;
  bias: Float32Array;
}

function floats(base64: string, count: number, what: string): Float32Array {
  const text = atob(base64);
  if (text.length !== count * 4) {
    throw new Error(`inline model ${what}: got ${text.length} bytes, expected ${count * 4}`);
  }
  const view = new DataView(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) view.setUint8(i, text.charCodeAt(i));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

const decodedCache = new WeakMap<InlineNetwork, DecodedLayer[]>();

/** The layers as float32 arrays, decoded once per network (≈ 0.1 ms for the shipped model). */
function decoded(network: InlineNetwork): DecodedLayer[] {
  let layers = decodedCache.get(network);
  if (!layers) {
    let width = network.featureCount;
    layers = network.layers.map((l, i) => {
      if (l.inputs !== width) {
        throw new Error(`inline model layers[${i}].inputs: got ${l.inputs}, expected ${width}`);
      }
      width = l.outputs;
      return {
        inputs: l.inputs,
        outputs: l.outputs,
        relu: l.activation === 'relu',
        weights: floats(l.weights, l.inputs * l.outputs, `layers[${i}].weights`),
        bias: floats(l.bias, l.outputs, `layers[${i}].bias`),
      };
    });
    if (width !== 2)
      throw new Error(`inline model: the last layer has ${width} outputs, expected 2`);
    decodedCache.set(network, layers);
  }
  return layers;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Scores `rows` (`N × featureCount` float32) as ONNX Runtime scores the model file: the same
 * float32 weights, sums in float64 (ONNX Runtime sums float32 in another order; the two agree to
 * about 1e-7 in probability), float32 outputs and `uplift = p_treated − p_control` in float32.
 * Non-finite features propagate as they do in the runtime; the caller checks the outputs.
 * Throws when the stored layers are malformed.
 */
export function scoreInline(
  network: InlineNetwork,
  rows: Float32Array,
  featureCount: number,
): UpliftScores {
  const layers = decoded(network);
  const n = featureCount > 0 ? Math.floor(rows.length / featureCount) : 0;
  const pTreated = new Float32Array(n);
  const pControl = new Float32Array(n);
  const uplift = new Float32Array(n);
  const widest = Math.max(featureCount, ...layers.map((l) => l.outputs));
  let a = new Float64Array(widest);
  let b = new Float64Array(widest);
  for (let r = 0; r < n; r++) {
    const base = r * featureCount;
    for (let j = 0; j < featureCount; j++) a[j] = rows[base + j]!;
    for (const layer of layers) {
      const { inputs, weights, bias } = layer;
      for (let o = 0; o < layer.outputs; o++) {
        let z = 0;
        const row = o * inputs;
        for (let j = 0; j < inputs; j++) z += weights[row + j]! * a[j]!;
        // Gemm's result is float32 before the next node reads it.
        const y = Math.fround(z + bias[o]!);
        b[o] = layer.relu && y < 0 ? 0 : y;
      }
      [a, b] = [b, a];
    }
    pTreated[r] = sigmoid(a[0]!);
    pControl[r] = sigmoid(a[1]!);
    uplift[r] = pTreated[r]! - pControl[r]!;
  }
  return { pTreated, pControl, uplift };
}
