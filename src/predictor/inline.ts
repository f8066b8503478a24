import { fieldError } from '../util/errors.js';
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
  /** Absent in copies made before tree models: a copy without `kind` is a network. */
  kind?: 'network';
  /** First 12 hex digits of the model file's SHA-256: the model it reproduces. */
  version: string;
  featureSpecVersion: number;
  featureCount: number;
  /** The last layer has two outputs: the logits of [treated, control]. */
  layers: readonly InlineLayer[];
}

/**
 * One tree of a shipped tree ensemble in flat per-node arrays, node 0 the root: a row goes to
 * `left` when `x[feature] <= threshold` (float32), else (NaN included) to `right`.
 */
export interface InlineTree {
  /** The feature tested, or -1 at a leaf. */
  feature: readonly number[];
  /** The float32 split values, base64 of their little-endian bytes (0 at a leaf). */
  threshold: string;
  left: readonly number[];
  right: readonly number[];
  /** `[nodes × 2]` float32 [treated, control] that a leaf adds, base64 (0 at a split). */
  value: string;
}

/**
 * A copy of a shipped ONNX tree ensemble (TreeEnsembleRegressor, BRANCH_LEQ, as
 * models/uplift/tree-onnx.ts writes it), for the same use as {@link InlineNetwork}.
 * `average`: [p_treated, p_control] is the mean of the leaves' values over the trees;
 * `sigmoid-sum`: each is sigmoid(base + the sum of the leaves' values).
 */
export interface InlineTrees {
  kind: 'trees';
  version: string;
  featureSpecVersion: number;
  featureCount: number;
  aggregate: 'average' | 'sigmoid-sum';
  /** The float32 logits the sum starts from, [treated, control]; [0, 0] for `average`. */
  base: readonly [number, number];
  trees: readonly InlineTree[];
}

/** The main thread's copy of a shipped model. */
export type InlineModel = InlineNetwork | InlineTrees;

interface DecodedLayer {
  inputs: number;
  outputs: number;
  relu: boolean;
  weights: Float32Array;
  bias: Float32Array;
}

interface DecodedTree {
  feature: readonly number[];
  threshold: Float32Array;
  left: readonly number[];
  right: readonly number[];
  value: Float32Array;
}

const bad = (field: string, value: unknown, expected: string) =>
  fieldError('model_invalid', `inline.${field}`, value, expected);

function floats(base64: unknown, count: number, field: string): Float32Array {
  const text = typeof base64 === 'string' ? atob(base64) : '';
  if (text.length !== count * 4) {
    throw bad(field, base64, `base64 of ${count} float32 (${count * 4} bytes)`);
  }
  const view = new DataView(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) view.setUint8(i, text.charCodeAt(i));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

const decodedCache = new WeakMap<InlineModel, DecodedLayer[] | DecodedTree[]>();

/** The layers as float32 arrays, decoded once per network (≈ 0.1 ms for the shipped model). */
function decodeLayers(network: InlineNetwork): DecodedLayer[] {
  let width = network.featureCount;
  const layers = network.layers.map((l, i) => {
    if (l.inputs !== width) throw bad(`layers[${i}].inputs`, l.inputs, `${width}`);
    width = l.outputs;
    return {
      inputs: l.inputs,
      outputs: l.outputs,
      relu: l.activation === 'relu',
      weights: floats(l.weights, l.inputs * l.outputs, `layers[${i}].weights`),
      bias: floats(l.bias, l.outputs, `layers[${i}].bias`),
    };
  });
  if (width !== 2) throw bad(`layers[${layers.length - 1}].outputs`, width, '2 (the last layer)');
  return layers;
}

/**
 * The trees with their floats decoded, checked once per copy: every split's feature inside the
 * row and both its children numbered after it (so a walk ends: no cycle can be written).
 */
function decodeTrees(model: InlineTrees): DecodedTree[] {
  const f = model.featureCount;
  if (model.aggregate !== 'average' && model.aggregate !== 'sigmoid-sum') {
    throw bad('aggregate', model.aggregate, "'average' or 'sigmoid-sum'");
  }
  if (!(model.base?.length === 2 && model.base.every(Number.isFinite))) {
    throw bad('base', model.base, 'two finite logits [treated, control]');
  }
  if (!(model.trees?.length > 0)) throw bad('trees', model.trees, 'at least one tree');
  return model.trees.map((tree, t) => {
    const at = `trees[${t}]`;
    const n = Array.isArray(tree.feature) ? tree.feature.length : 0;
    if (n === 0) throw bad(`${at}.feature`, tree.feature, 'a non-empty array');
    for (const side of ['left', 'right'] as const) {
      if (!Array.isArray(tree[side]) || tree[side].length !== n) {
        throw bad(`${at}.${side}`, tree[side], `an array of ${n} (one per node)`);
      }
    }
    for (let i = 0; i < n; i++) {
      const j = tree.feature[i];
      if (j === -1) continue;
      if (!Number.isInteger(j) || j! < 0 || j! >= f) {
        throw bad(`${at}.feature[${i}]`, j, `-1 (a leaf) or a feature index below ${f}`);
      }
      for (const side of ['left', 'right'] as const) {
        const child = tree[side][i]!;
        if (!Number.isInteger(child) || child <= i || child >= n) {
          throw bad(`${at}.${side}[${i}]`, child, `a node index from ${i + 1} to ${n - 1}`);
        }
      }
    }
    return {
      feature: tree.feature,
      threshold: floats(tree.threshold, n, `${at}.threshold`),
      left: tree.left,
      right: tree.right,
      value: floats(tree.value, 2 * n, `${at}.value`),
    };
  });
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Scores `rows` (`N × featureCount` float32) as ONNX Runtime scores the model file, and
 * `uplift = p_treated − p_control` in float32.
 *
 * A network: the same float32 weights, sums in float64 (ONNX Runtime sums float32 in another
 * order; the two agree to about 1e-7 in probability), float32 outputs. Non-finite features
 * propagate as they do in the runtime; the caller checks the outputs.
 *
 * Trees: the runtime's TreeEnsembleRegressor walk (`x <= threshold` in float32, NaN to the right)
 * and its float32 sums in tree order, so the trees' outputs match it bit for bit; only the
 * boosted model's sigmoid (computed here in float64) differs, by about 1e-7.
 *
 * Throws an `OfferwiseError` (`model_invalid`) naming the field when the copy is malformed.
 */
export function scoreInline(
  model: InlineModel,
  rows: Float32Array,
  featureCount: number,
): UpliftScores {
  if (featureCount !== model.featureCount) {
    throw fieldError('invalid_input', 'featureCount', featureCount, `${model.featureCount}`);
  }
  const isTrees = model.kind === 'trees';
  let decoded = decodedCache.get(model);
  if (!decoded) {
    decoded = isTrees ? decodeTrees(model) : decodeLayers(model);
    decodedCache.set(model, decoded);
  }
  const n = featureCount > 0 ? Math.floor(rows.length / featureCount) : 0;
  const pTreated = new Float32Array(n);
  const pControl = new Float32Array(n);
  const uplift = new Float32Array(n);
  const score = isTrees
    ? treesScorer(model, decoded as DecodedTree[], rows)
    : networkScorer(decoded as DecodedLayer[], rows, featureCount);
  for (let r = 0; r < n; r++) {
    const [t, c] = score(r * featureCount);
    pTreated[r] = t;
    pControl[r] = c;
    uplift[r] = pTreated[r]! - pControl[r]!;
  }
  return { pTreated, pControl, uplift };
}

type RowScorer = (offset: number) => [number, number];

function networkScorer(layers: DecodedLayer[], rows: Float32Array, featureCount: number) {
  const widest = Math.max(featureCount, ...layers.map((l) => l.outputs));
  let a = new Float64Array(widest);
  let b = new Float64Array(widest);
  return ((offset) => {
    for (let j = 0; j < featureCount; j++) a[j] = rows[offset + j]!;
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
    return [sigmoid(a[0]!), sigmoid(a[1]!)];
  }) satisfies RowScorer;
}

function treesScorer(model: InlineTrees, trees: DecodedTree[], rows: Float32Array) {
  const average = model.aggregate === 'average';
  const f32 = Math.fround;
  return ((offset) => {
    let t = 0;
    let c = 0;
    for (const tree of trees) {
      let k = 0;
      // NaN fails the test and goes right, as in the runtime (the writer sets no missing-value
      // tracks).
      while (tree.feature[k]! >= 0) {
        k = rows[offset + tree.feature[k]!]! <= tree.threshold[k]! ? tree.left[k]! : tree.right[k]!;
      }
      // The runtime accumulates in float32, tree by tree.
      t = f32(t + tree.value[2 * k]!);
      c = f32(c + tree.value[2 * k + 1]!);
    }
    return average
      ? [t / trees.length, c / trees.length]
      : [sigmoid(f32(f32(model.base[0]) + t)), sigmoid(f32(f32(model.base[1]) + c))];
  }) satisfies RowScorer;
}
