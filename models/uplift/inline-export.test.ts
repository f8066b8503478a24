import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decide/random.js';
import { FEATURE_COUNT } from '../../src/features/spec.js';
import { scoreInline, type InlineTrees } from '../../src/predictor/inline.js';
import {
  inlineModelFromOnnx,
  inlineNetworkFromOnnx,
  inlineTreesFromOnnx,
} from './inline-export.js';
import { createScorer } from './onnx-scorer.js';
import { writeUpliftNetwork } from './onnx-writer.js';
import { writeTreeModel } from './tree-onnx.js';
import { fitBoostedTLearner, fitUpliftForest, fitUpliftTree, type TreeModel } from './trees.js';
import { smallSpec } from '../../test/support/small-network.js';

const { onnx } = onnxProto;

// The hand-worked network of test/support/small-network.ts.
const SPEC = smallSpec();

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('inlineNetworkFromOnnx', () => {
  it('reads the written layers back bit for bit, named by the file hash', () => {
    const bytes = writeUpliftNetwork(SPEC);
    const inline = inlineNetworkFromOnnx(bytes, 1);
    expect(inline.version).toBe(createHash('sha256').update(bytes).digest('hex').slice(0, 12));
    expect(inline.featureCount).toBe(3);
    expect(inline.layers.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([
      [3, 2, 'relu'],
      [2, 2, 'none'],
    ]);
    expect(inline.layers[0]!.weights).toBe(
      Buffer.from(SPEC.layers[0]!.weights.buffer).toString('base64'),
    );
    expect(inline.layers[1]!.bias).toBe(
      Buffer.from(SPEC.layers[1]!.bias.buffer).toString('base64'),
    );
    // x = [1, 0, 2]: hidden [1 + 1, 0.5 − 2 + 0.5] → ReLU [2, 0]; logits [2 + 0.25, −2 − 0.25].
    const s = scoreInline(inline, Float32Array.of(1, 0, 2), 3);
    expect(s.pTreated[0]).toBe(Math.fround(sigmoid(2.25)));
    expect(s.pControl[0]).toBe(Math.fround(sigmoid(-2.25)));
  });

  it('refuses a graph the writer does not make, naming the node', () => {
    const edit = (change: (m: ReturnType<typeof onnx.ModelProto.decode>) => void) => {
      const model = onnx.ModelProto.decode(writeUpliftNetwork(SPEC));
      change(model);
      return onnx.ModelProto.encode(model).finish();
    };
    const noTrans = edit((m) => {
      m.graph!.node![0]!.attribute = [];
    });
    expect(() => inlineNetworkFromOnnx(noTrans, 1)).toThrow(
      'inline export: node layer0.gemm: transB must be 1',
    );
    const tanh = edit((m) => {
      m.graph!.node![1]!.opType = 'Tanh';
    });
    expect(() => inlineNetworkFromOnnx(tanh, 1)).toThrow('inline export:');
    const noSigmoid = edit((m) => {
      m.graph!.node!.find((n) => n.opType === 'Sigmoid')!.opType = 'Softmax';
    });
    expect(() => inlineNetworkFromOnnx(noSigmoid, 1)).toThrow(
      'after the layers: Softmax, Split, Squeeze, Squeeze, Sub, expected Sigmoid, Split, Squeeze, Squeeze, Sub',
    );
  });
});

const F = FEATURE_COUNT;

/**
 * 3,000 samples on 5 informative features (the rest 0): continuous, integer and two-valued
 * columns; treated converts more when x0 > 0.4, control more with x2.
 */
function synthetic() {
  const random = seededRandom(7);
  const count = 3000;
  const x = new Float32Array(count * F);
  const treated = new Uint8Array(count);
  const y = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const row = [
      random(),
      random() * 10 - 5,
      Math.floor(random() * 6),
      random() < 0.3 ? 1 : 0,
      random(),
    ];
    row.forEach((v, j) => (x[i * F + j] = v));
    treated[i] = random() < 0.5 ? 1 : 0;
    const rate = 0.1 + 0.05 * row[2]! + (treated[i] && row[0]! > 0.4 ? 0.25 : 0) + 0.1 * row[3]!;
    y[i] = random() < rate ? 1 : 0;
  }
  return { x, treated, y, all: Array.from({ length: count }, (_, i) => i) };
}

const DATA = synthetic();
const { x: X, treated: TREATED, y: Y, all: ALL } = DATA;

const upliftTree = () =>
  fitUpliftTree(X, TREATED, Y, ALL, { maxDepth: 3, minLeaf: 50, smoothing: 20 });

const FITS: Array<[string, () => TreeModel]> = [
  ['uplift tree', upliftTree],
  [
    'uplift forest',
    () =>
      fitUpliftForest(X, TREATED, Y, ALL, {
        trees: 12,
        maxDepth: 3,
        minLeaf: 40,
        smoothing: 20,
        featureFraction: 0.5,
        sampleFraction: 0.5,
        seed: 3,
      }),
  ],
  [
    'boosted T-learner',
    () =>
      fitBoostedTLearner(X, TREATED, Y, ALL, {
        rounds: 50,
        learningRate: 0.3,
        maxDepth: 2,
        minLeaf: 40,
        l2: 1,
        sampleFraction: 0.8,
        seed: 2,
      }),
  ],
];

/** The float32 just above `v` (v finite). */
function nextUp(v: number): number {
  const bits = new Int32Array(Float32Array.of(v).buffer);
  bits[0]! += v >= 0 ? 1 : -1;
  if (v === 0) return 2 ** -149;
  return new Float32Array(bits.buffer)[0]!;
}

/**
 * Random rows, then for every split of every tree a row on its threshold and one just above, and
 * rows with NaN in the split features.
 */
function testRows(model: TreeModel): Float32Array {
  const random = seededRandom(11);
  const out: number[][] = [];
  const randomRow = () =>
    Array.from({ length: F }, (_, j) =>
      j === 0 || j === 4
        ? random()
        : j === 1
          ? random() * 10 - 5
          : j === 2
            ? Math.floor(random() * 6)
            : j === 3
              ? random() < 0.3
                ? 1
                : 0
              : 0,
    );
  for (let i = 0; i < 200; i++) out.push(randomRow());
  for (const tree of model.trees) {
    tree.feature.forEach((feature, n) => {
      if (feature < 0) return;
      for (const v of [tree.threshold[n]!, nextUp(tree.threshold[n]!), Number.NaN]) {
        const row = randomRow();
        row[feature] = v;
        out.push(row);
      }
    });
  }
  return Float32Array.from(out.flat());
}

describe('inlineTreesFromOnnx', () => {
  it.each(FITS)('reads a written %s back; it scores as ONNX Runtime does', async (_, fit) => {
    const model = fit();
    const bytes = writeTreeModel(model, { featureCount: F, metadata: {} });
    const inline = inlineModelFromOnnx(bytes, 1) as InlineTrees;
    expect(inline.kind).toBe('trees');
    expect(inline.version).toBe(createHash('sha256').update(bytes).digest('hex').slice(0, 12));
    expect(inline.trees).toHaveLength(model.trees.length);
    expect(inline.aggregate).toBe(model.aggregate === 'mean' ? 'average' : 'sigmoid-sum');
    expect(inline.base).toEqual(model.base.map(Math.fround));
    const first = model.trees[0]!;
    expect(inline.trees[0]!.feature).toEqual(Array.from(first.feature));
    expect(inline.trees[0]!.threshold).toBe(Buffer.from(first.threshold.buffer).toString('base64'));
    // The splits are real: a stump would make the comparison mean little.
    expect(first.feature.filter((f) => f >= 0).length).toBeGreaterThan(1);

    const rows = testRows(model);
    const n = rows.length / F;
    const scorer = await createScorer(bytes);
    try {
      const expected = await scorer.score(rows, F);
      const copy = scoreInline(inline, rows, F);
      let worst = 0;
      for (const key of ['pTreated', 'pControl', 'uplift'] as const) {
        for (let i = 0; i < n; i++)
          worst = Math.max(worst, Math.abs(copy[key][i]! - expected[key][i]!));
      }
      expect(worst).toBeLessThanOrEqual(1e-6);
      if (model.aggregate === 'mean') {
        // No sigmoid in between: the runtime's float32 sums, bit for bit.
        expect(Array.from(copy.pTreated)).toEqual(Array.from(expected.pTreated));
        expect(Array.from(copy.pControl)).toEqual(Array.from(expected.pControl));
      }
      // The rows reach different leaves.
      expect(new Set(Array.from(expected.uplift)).size).toBeGreaterThan(3);
      // One row alone (the runtime's single-row path).
      const one = await scorer.score(rows.subarray(0, F), F);
      expect(Math.abs(one.uplift[0]! - copy.uplift[0]!)).toBeLessThanOrEqual(1e-6);
    } finally {
      await scorer.release();
    }
  });

  it('refuses a tree graph the writer does not make, naming the node and the attribute', () => {
    const tree = upliftTree();
    const edit = (change: (m: ReturnType<typeof onnx.ModelProto.decode>) => void) => {
      const model = onnx.ModelProto.decode(writeTreeModel(tree, { featureCount: F, metadata: {} }));
      change(model);
      return onnx.ModelProto.encode(model).finish();
    };
    const attr = (m: ReturnType<typeof onnx.ModelProto.decode>, name: string) =>
      m.graph!.node![0]!.attribute!.find((a) => a.name === name)!;
    const lt = edit((m) => {
      const modes = attr(m, 'nodes_modes');
      modes.strings = modes.strings!.map((s) =>
        new TextDecoder().decode(s) === 'LEAF' ? s : new TextEncoder().encode('BRANCH_LT'),
      );
    });
    expect(() => inlineTreesFromOnnx(lt, 1)).toThrow(
      'inline export: node trees: node 0 of tree 0 is BRANCH_LT, expected BRANCH_LEQ or LEAF',
    );
    const tracks = edit((m) => {
      m.graph!.node![0]!.attribute!.push({
        name: 'nodes_missing_value_tracks_true',
        type: 7,
        ints: [1],
      });
    });
    expect(() => inlineTreesFromOnnx(tracks, 1)).toThrow(
      "inline export: node trees: attribute nodes_missing_value_tracks_true is not the writer's",
    );
    const sum = edit((m) => {
      attr(m, 'aggregate_function').s = new TextEncoder().encode('SUM');
    });
    expect(() => inlineTreesFromOnnx(sum, 1)).toThrow(
      'inline export: node trees: base_values [], expected two (SUM)',
    );
    const logistic = edit((m) => {
      attr(m, 'post_transform').s = new TextEncoder().encode('LOGISTIC');
    });
    expect(() => inlineTreesFromOnnx(logistic, 1)).toThrow(
      'inline export: node trees: post_transform LOGISTIC, expected NONE',
    );
    const feature = edit((m) => {
      attr(m, 'nodes_featureids').ints![0] = F;
    });
    expect(() => inlineTreesFromOnnx(feature, 1)).toThrow(
      `inline export: inline.trees[0].feature[0]: got ${F}, expected -1 (a leaf) or a feature index below ${F}`,
    );
    const tail = edit((m) => {
      m.graph!.node![1]!.opType = 'Concat';
    });
    expect(() => inlineTreesFromOnnx(tail, 1)).toThrow(
      'inline export: after the trees: Concat, Squeeze, Squeeze, Sub, expected Split, Squeeze, Squeeze, Sub',
    );
    const relu = edit((m) => {
      m.graph!.node![0]!.opType = 'Relu';
      m.graph!.node![0]!.domain = '';
    });
    expect(() => inlineModelFromOnnx(relu, 1)).toThrow(
      'inline export: the first node is Relu, expected Gemm or TreeEnsembleRegressor',
    );
  });
});
