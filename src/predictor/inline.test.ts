import { describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURE_SPEC_VERSION } from '../features/spec.js';
import { OfferwiseError } from '../util/errors.js';
import { scoreInline, type InlineNetwork, type InlineTree, type InlineTrees } from './inline.js';
import { Predictor } from './predictor.js';

const b64 = (...values: number[]) =>
  Buffer.from(new Uint8Array(Float32Array.from(values).buffer)).toString('base64');

// 2 features → 2 hidden (ReLU) → 2 logits [treated, control].
const NETWORK: InlineNetwork = {
  version: 'test00000000',
  featureSpecVersion: 1,
  featureCount: 2,
  layers: [
    { inputs: 2, outputs: 2, activation: 'relu', weights: b64(1, -1, 0.5, 0.25), bias: b64(0, -1) },
    { inputs: 2, outputs: 2, activation: 'none', weights: b64(1, 2, -1, 0), bias: b64(0.5, 0) },
  ],
};

describe('scoreInline', () => {
  it('runs the layers as the ONNX graph does: Gemm, ReLU, Gemm, sigmoid, difference', () => {
    // Row [2, 1]: hidden [2 − 1, 1 + 0.25 − 1] = [1, 0.25]; logits [1 + 0.5 + 0.5, −1] = [2, −1].
    // Row [0, 4]: hidden [−4, 1 − 1] → ReLU [0, 0]; logits [0.5, 0].
    const s = scoreInline(NETWORK, Float32Array.of(2, 1, 0, 4), 2);
    const t = [Math.fround(0.8807970779778823), Math.fround(0.6224593312018546)];
    const c = [Math.fround(0.2689414213699951), 0.5];
    expect(Array.from(s.pTreated)).toEqual(t);
    expect(Array.from(s.pControl)).toEqual(c);
    expect(Array.from(s.uplift)).toEqual([Math.fround(t[0]! - c[0]!), Math.fround(t[1]! - c[1]!)]);
  });

  it('gives nothing for no rows, and NaN (for the caller to refuse) for a NaN feature', () => {
    expect(scoreInline(NETWORK, new Float32Array(0), 2).uplift).toHaveLength(0);
    expect(Number.isNaN(scoreInline(NETWORK, Float32Array.of(Number.NaN, 1), 2).pTreated[0])).toBe(
      true,
    );
  });

  it('refuses stored layers of the wrong size or shape, naming them', () => {
    const short: InlineNetwork = {
      ...NETWORK,
      layers: [{ ...NETWORK.layers[0]!, weights: b64(1, 2, 3) }, NETWORK.layers[1]!],
    };
    expect(() => scoreInline(short, Float32Array.of(1, 1), 2)).toThrow(
      'inline.layers[0].weights: got "AACAPwAAAEAAAEBA", expected base64 of 4 float32 (16 bytes)',
    );
    const chained: InlineNetwork = {
      ...NETWORK,
      layers: [NETWORK.layers[0]!, { ...NETWORK.layers[1]!, inputs: 3 }],
    };
    expect(() => scoreInline(chained, Float32Array.of(1, 1), 2)).toThrow(
      'inline.layers[1].inputs: got 3, expected 2',
    );
    const three: InlineNetwork = {
      ...NETWORK,
      layers: [
        {
          inputs: 2,
          outputs: 3,
          activation: 'none',
          weights: b64(1, 1, 1, 1, 1, 1),
          bias: b64(0, 0, 0),
        },
      ],
    };
    expect(() => scoreInline(three, Float32Array.of(1, 1), 2)).toThrow(
      'inline.layers[0].outputs: got 3, expected 2 (the last layer)',
    );
  });
});

// Two trees over 2 features. A: x0 <= 0.1 (float32) → leaf 1, else leaf 2. B: x1 <= 2 → leaf 1,
// else node 2: x0 <= -1 → leaf 3, else leaf 4. Leaf values are [treated, control].
const TREE_A: InlineTree = {
  feature: [0, -1, -1],
  threshold: b64(0.1, 0, 0),
  left: [1, 0, 0],
  right: [2, 0, 0],
  value: b64(0, 0, 0.25, 0.125, 0.5, 0.375),
};
const TREE_B: InlineTree = {
  feature: [1, -1, 0, -1, -1],
  threshold: b64(2, 0, -1, 0, 0),
  left: [1, 0, 3, 0, 0],
  right: [2, 0, 4, 0, 0],
  value: b64(0, 0, 0.125, 0.25, 0, 0, 0.75, 0.5, 1, 0),
};
const TREES: InlineTrees = {
  kind: 'trees',
  version: 'trees0000000',
  featureSpecVersion: 1,
  featureCount: 2,
  aggregate: 'average',
  base: [0, 0],
  trees: [TREE_A, TREE_B],
};

// Rows: [0.1, 2] sits exactly on both roots' thresholds (left, left); [0.5, 3] goes right, right,
// then right at node 2 (0.5 > −1); [−1, NaN]: left in A, NaN goes right in B, then −1 <= −1 left;
// [NaN, 0]: right in A, left in B.
const ROWS = Float32Array.of(0.1, 2, 0.5, 3, -1, Number.NaN, Number.NaN, 0);
// Leaf sums [treated, control] of the rows over the two trees.
const SUMS = [
  [0.25 + 0.125, 0.125 + 0.25],
  [0.5 + 1, 0.375 + 0],
  [0.25 + 0.75, 0.125 + 0.5],
  [0.5 + 0.125, 0.375 + 0.25],
];

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('scoreInline with a tree ensemble', () => {
  it('averages the leaves the rows reach: x <= threshold goes left, NaN goes right', () => {
    const s = scoreInline(TREES, ROWS, 2);
    expect(Array.from(s.pTreated)).toEqual([0.1875, 0.75, 0.5, 0.3125]);
    expect(Array.from(s.pControl)).toEqual([0.1875, 0.1875, 0.3125, 0.3125]);
    expect(Array.from(s.uplift)).toEqual([0, 0.5625, 0.1875, 0]);
    // Just above the float32 threshold goes right in A: [0.5 + 0.125, 0.375 + 0.25] / 2.
    const above = scoreInline(TREES, Float32Array.of(0.10000001, 2), 2);
    expect([above.pTreated[0], above.pControl[0]]).toEqual([0.3125, 0.3125]);
  });

  it('adds the leaves to the base logits and takes the sigmoid (boosted)', () => {
    const boosted: InlineTrees = { ...TREES, aggregate: 'sigmoid-sum', base: [0.5, -0.25] };
    const s = scoreInline(boosted, ROWS, 2);
    const t = SUMS.map(([sum]) => Math.fround(sigmoid(0.5 + sum!)));
    const c = SUMS.map(([, sum]) => Math.fround(sigmoid(-0.25 + sum!)));
    expect(Array.from(s.pTreated)).toEqual(t);
    expect(Array.from(s.pControl)).toEqual(c);
    expect(Array.from(s.uplift)).toEqual(t.map((v, i) => Math.fround(v - c[i]!)));
  });

  it('sums the leaves in float32, tree by tree, as ONNX Runtime does', () => {
    // 1 + 2^-24 rounds to 1 in float32, twice: the mean is float32(1/3), where a float64 sum
    // (1 + 2^-23) / 3 would round to the next float32 up.
    const leaf = (v: number): InlineTree => ({
      feature: [-1],
      threshold: b64(0),
      left: [0],
      right: [0],
      value: b64(v, 0),
    });
    const tiny = 2 ** -24;
    const model: InlineTrees = { ...TREES, trees: [leaf(1), leaf(tiny), leaf(tiny)] };
    const s = scoreInline(model, Float32Array.of(0, 0), 2);
    expect(s.pTreated[0]).toBe(Math.fround(1 / 3));
    expect(Math.fround((1 + 2 * tiny) / 3)).not.toBe(Math.fround(1 / 3));
  });

  it('refuses a malformed copy, naming the field, the value and what was expected', () => {
    const withA = (change: Partial<InlineTree>): InlineTrees => ({
      ...TREES,
      trees: [{ ...TREE_A, ...change }, TREE_B],
    });
    const withB = (change: Partial<InlineTree>): InlineTrees => ({
      ...TREES,
      trees: [TREE_A, { ...TREE_B, ...change }],
    });
    const cases: Array<[InlineTrees, string]> = [
      [
        withB({ right: [2, 0, 5, 0, 0] }),
        'inline.trees[1].right[2]: got 5, expected a node index from 3 to 4',
      ],
      // A child pointing back up would loop for ever.
      [
        withB({ left: [1, 0, 0, 0, 0] }),
        'inline.trees[1].left[2]: got 0, expected a node index from 3 to 4',
      ],
      [
        withA({ feature: [2, -1, -1] }),
        'inline.trees[0].feature[0]: got 2, expected -1 (a leaf) or a feature index below 2',
      ],
      [
        withA({ left: [1, 0] }),
        'inline.trees[0].left: got array(2), expected an array of 3 (one per node)',
      ],
      [withA({ feature: [] }), 'inline.trees[0].feature: got array(0), expected a non-empty array'],
      [
        withA({ value: b64(0, 0, 1, 1) }),
        'inline.trees[0].value: got "AAAAAAAAAAAAAIA/AACAPw==", expected base64 of 6 float32 (24 bytes)',
      ],
      [
        withA({ threshold: b64(0.1) }),
        'inline.trees[0].threshold: got "zczMPQ==", expected base64 of 3 float32 (12 bytes)',
      ],
      [{ ...TREES, trees: [] }, 'inline.trees: got array(0), expected at least one tree'],
      [
        { ...TREES, aggregate: 'mean' as 'average' },
        `inline.aggregate: got "mean", expected 'average' or 'sigmoid-sum'`,
      ],
      [
        { ...TREES, base: [0, Number.NaN] },
        'inline.base: got array(2), expected two finite logits [treated, control]',
      ],
    ];
    for (const [model, message] of cases) {
      let error: unknown;
      try {
        scoreInline(model, ROWS, 2);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(OfferwiseError);
      expect((error as OfferwiseError).code).toBe('model_invalid');
      expect((error as OfferwiseError).message).toBe(message);
    }
    expect(() => scoreInline(TREES, ROWS, 4)).toThrow('featureCount: got 4, expected 2');
  });

  it("is the Predictor's first answer, and a malformed copy gives way to the fallback", async () => {
    // A tree on the last feature of the real spec: rows of zeros reach leaf 1.
    const copy: InlineTrees = {
      ...TREES,
      featureSpecVersion: FEATURE_SPEC_VERSION,
      featureCount: FEATURE_COUNT,
      trees: [{ ...TREE_A, feature: [FEATURE_COUNT - 1, -1, -1] }],
    };
    const noWorker = () => {
      throw new DOMException('Refused to create a worker', 'SecurityError');
    };
    const rows = new Float32Array(FEATURE_COUNT);
    const good = new Predictor({ createWorker: noWorker, inline: copy });
    const broken = new Predictor({
      createWorker: noWorker,
      inline: { ...copy, trees: [{ ...copy.trees[0]!, left: [3, 0, 0] }] },
    });
    try {
      const first = await good.score(rows, FEATURE_COUNT, { budgetMs: 0 });
      expect(first).toMatchObject({
        source: 'model',
        engine: 'inline',
        modelVersion: copy.version,
      });
      expect([first.pTreated[0], first.pControl[0]]).toEqual([0.25, 0.125]);
      const fallback = await broken.score(rows, FEATURE_COUNT, { budgetMs: 0 });
      expect(fallback.source).toBe('fallback');
    } finally {
      good.destroy();
      broken.destroy();
    }
  });
});
