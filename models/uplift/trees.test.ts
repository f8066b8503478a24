// The tree learners on small synthetic data with hand-worked expectations, and their ONNX export
// run by the real onnxruntime-web/wasm (the browser build).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_COUNT } from '../../src/features/spec.js';
import { seededRandom } from '../../src/decide/random.js';
import { OfferwiseError } from '../../src/util/errors.js';
import { readModelMetadata } from './onnx-writer.js';
import { createScorer, type Scorer } from './onnx-scorer.js';
import { writeTreeModel } from './tree-onnx.js';
import {
  binFeatures,
  DEFAULT_UPLIFT_FOREST,
  fitBoostedTLearner,
  fitUpliftForest,
  fitUpliftTree,
  predictTrees,
  type TreeModel,
} from './trees.js';

const F = FEATURE_COUNT;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

interface Data {
  x: Float32Array;
  treated: Uint8Array;
  y: Uint8Array;
  all: number[];
}

function data(samples: { features: number[]; treated: boolean; y: boolean }[]): Data {
  const x = new Float32Array(samples.length * F);
  samples.forEach((s, i) => s.features.forEach((v, j) => (x[i * F + j] = v)));
  return {
    x,
    treated: Uint8Array.from(samples, (s) => (s.treated ? 1 : 0)),
    y: Uint8Array.from(samples, (s) => (s.y ? 1 : 0)),
    all: samples.map((_, i) => i),
  };
}

/**
 * x0 takes four values, 100 treated and 100 control samples each. Control converts at 0.2
 * everywhere; treated at 0.2 for x0 ≤ 0.7 and 0.5 above, so the uplift is +0.3 above 0.7.
 * x1 alternates 0/1 inside every group, so it says nothing about either rate.
 */
const X0 = [0.1, 0.7, 1.3, 2.9];
function stepUplift(): Data {
  const out: { features: number[]; treated: boolean; y: boolean }[] = [];
  for (const x0 of X0) {
    for (const treated of [true, false]) {
      const positives = treated && x0 > 0.7 ? 50 : 20;
      for (let k = 0; k < 100; k++) out.push({ features: [x0, k % 2], treated, y: k < positives });
    }
  }
  return data(out);
}

/** Random features in [0, 1) on columns 0–3; treated converts more when x0 > 0.5. */
function noisy(count: number, seed: number): Data {
  const random = seededRandom(seed);
  const out: { features: number[]; treated: boolean; y: boolean }[] = [];
  for (let i = 0; i < count; i++) {
    const features = [random(), random(), Math.floor(random() * 3), random()];
    const treated = random() < 0.5;
    const rate = 0.2 + 0.2 * features[1]! + (treated && features[0]! > 0.5 ? 0.3 : 0);
    out.push({ features, treated, y: random() < rate });
  }
  return data(out);
}

function rows(values: number[][]): Float32Array {
  const x = new Float32Array(values.length * F);
  values.forEach((row, i) => row.forEach((v, j) => (x[i * F + j] = v)));
  return x;
}

function thrown(run: () => unknown): OfferwiseError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OfferwiseError);
    return error as OfferwiseError;
  }
  throw new Error('expected an OfferwiseError');
}

describe('binFeatures', () => {
  it('uses the distinct values as thresholds when few, real-value quantiles when many', () => {
    const random = seededRandom(3);
    const values = Array.from({ length: 1000 }, () => random());
    const d = data(values.map((v, i) => ({ features: [v, X0[i % 4]!], treated: true, y: false })));
    const { thresholds, codes } = binFeatures(d.x, d.all);
    // Four distinct values: every one but the largest, which would split off nothing.
    expect(Array.from(thresholds[1]!)).toEqual([0.1, 0.7, 1.3].map(Math.fround));
    expect(thresholds[2]!.length).toBe(0);
    // 1000 distinct values: 31 cuts at the k/32 quantiles, each a value of the column.
    const t0 = thresholds[0]!;
    expect(t0.length).toBe(31);
    const sorted = Float32Array.from(values).sort();
    expect(t0[0]).toBe(sorted[Math.ceil(1000 / 32) - 1]);
    expect(t0[15]).toBe(sorted[500 - 1]);
    for (let i = 0; i < 1000; i++) {
      const v = d.x[i * F]!;
      const bin = codes[i * F]!;
      if (bin > 0) expect(v).toBeGreaterThan(t0[bin - 1]!);
      if (bin < t0.length) expect(v).toBeLessThanOrEqual(t0[bin]!);
    }
  });
});

describe('fitUpliftTree', () => {
  const options = { maxDepth: 1, minLeaf: 50, smoothing: 20 };

  it('splits where the uplift steps, with leaf rates smoothed toward the root', () => {
    const d = stepUplift();
    const model = fitUpliftTree(d.x, d.treated, d.y, d.all, options);
    const [tree] = model.trees;
    expect(model.trees.length).toBe(1);
    expect(Array.from(tree!.feature)).toEqual([0, -1, -1]);
    expect(tree!.threshold[0]).toBe(Math.fround(0.7));
    expect([tree!.left[0], tree!.right[0]]).toEqual([1, 2]);
    // Root: 400 treated with 140 positives, 400 control with 80, Laplace-smoothed.
    const rootT = 141 / 402;
    const rootC = 81 / 402;
    expect(tree!.value[0]).toBeCloseTo(rootT, 12);
    expect(tree!.value[1]).toBeCloseTo(rootC, 12);
    // Left (x0 ≤ 0.7): treated 40/200, control 40/200; right: treated 100/200, control 40/200;
    // each pulled toward the root's rate with weight m = 20.
    const leftT = (40 + 20 * rootT) / 220;
    const rightT = (100 + 20 * rootT) / 220;
    const control = (40 + 20 * rootC) / 220;
    expect(Array.from(tree!.value.subarray(2))).toEqual(
      [leftT, control, rightT, control].map((v) => expect.closeTo(v, 12)),
    );
    // A row exactly on the threshold goes left.
    const p = predictTrees(model, rows([[0.7], [0.7000001], [3]]));
    expect(Array.from(p.pTreated)).toEqual(
      [leftT, rightT, rightT].map((v) => expect.closeTo(v, 12)),
    );
    expect(p.uplift[0]).toBeCloseTo(leftT - control, 12);
    expect(p.uplift[1]).toBeCloseTo(rightT - control, 12);
  });

  it('does not split when a child would hold fewer than minLeaf samples of an arm', () => {
    const d = stepUplift();
    // Every split leaves one side with at most 300 treated: 301 forbids them all.
    const model = fitUpliftTree(d.x, d.treated, d.y, d.all, { ...options, minLeaf: 301 });
    expect(Array.from(model.trees[0]!.feature)).toEqual([-1]);
    const deeper = fitUpliftTree(d.x, d.treated, d.y, d.all, { ...options, maxDepth: 3 });
    // Below the first split the rates are flat (x1 is balanced): nothing more to gain.
    expect(Array.from(deeper.trees[0]!.feature)).toEqual([0, -1, -1]);
  });

  it('refuses bad options and inputs, naming the field', () => {
    const d = stepUplift();
    const error = thrown(() =>
      fitUpliftTree(d.x, d.treated, d.y, d.all, { ...options, maxDepth: 0 }),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe('options.maxDepth: got 0, expected an integer from 1 to 16');
    expect(thrown(() => fitUpliftTree(d.x, d.treated, d.y, [0, 800])).message).toContain(
      'indices[1]: got 800',
    );
  });
});

describe('fitBoostedTLearner', () => {
  // Treated converts exactly when x0 = 1, control exactly when x0 = 0: 50 of each arm per value.
  const separable = () => {
    const out: { features: number[]; treated: boolean; y: boolean }[] = [];
    for (const treated of [true, false])
      for (let k = 0; k < 100; k++) {
        const x0 = k % 2;
        out.push({ features: [x0], treated, y: treated ? x0 === 1 : x0 === 0 });
      }
    return data(out);
  };
  const options = {
    rounds: 1,
    learningRate: 0.5,
    maxDepth: 1,
    minLeaf: 10,
    l2: 1,
    sampleFraction: 1,
    seed: 1,
  };

  it('takes one Newton step per leaf from the base logit', () => {
    const d = separable();
    const model = fitBoostedTLearner(d.x, d.treated, d.y, d.all, options);
    // Base: logit((50 + 0.5) / (100 + 1)) = 0, so p = 0.5 and each leaf of 50 samples has
    // G = ±50·0.5 = ±25, H = 50·0.25 = 12.5: step −0.5·G / (H + 1) = ∓12.5 / 13.5.
    expect(model.base).toEqual([0, 0]);
    expect(model.trees.length).toBe(2);
    const step = 12.5 / 13.5;
    const [t, c] = model.trees;
    expect(t!.threshold[0]).toBe(0);
    expect(Array.from(t!.value.subarray(2))).toEqual(
      [-step, 0, step, 0].map((v) => expect.closeTo(v, 12)),
    );
    expect(Array.from(c!.value.subarray(2))).toEqual(
      [0, step, 0, -step].map((v) => expect.closeTo(v, 12)),
    );
    const p = predictTrees(model, rows([[0], [1]]));
    expect(p.pTreated[1]).toBeCloseTo(sigmoid(step), 12);
    expect(p.pControl[1]).toBeCloseTo(sigmoid(-step), 12);
    expect(p.uplift[0]).toBeCloseTo(sigmoid(-step) - sigmoid(step), 12);
  });

  it('separates the arms after more rounds', () => {
    const d = separable();
    const model = fitBoostedTLearner(d.x, d.treated, d.y, d.all, { ...options, rounds: 20 });
    const p = predictTrees(model, rows([[0], [1]]));
    expect(p.pTreated[0]).toBeLessThan(0.02);
    expect(p.pTreated[1]).toBeGreaterThan(0.98);
    expect(p.pControl[0]).toBeGreaterThan(0.98);
    expect(p.uplift[1]).toBeGreaterThan(0.96);
  });
});

describe('tree models in ONNX Runtime Web', () => {
  let scorers: Scorer[] = [];
  const train = noisy(1500, 7);
  const forestOptions = { ...DEFAULT_UPLIFT_FOREST, trees: 12, minLeaf: 20, seed: 5 };
  const boostedOptions = {
    rounds: 15,
    learningRate: 0.3,
    maxDepth: 3,
    minLeaf: 20,
    l2: 1,
    sampleFraction: 0.7,
    seed: 5,
  };
  const models: TreeModel[] = [
    fitUpliftTree(train.x, train.treated, train.y, train.all, {
      maxDepth: 3,
      minLeaf: 30,
      smoothing: 10,
    }),
    fitUpliftForest(train.x, train.treated, train.y, train.all, forestOptions),
    fitBoostedTLearner(train.x, train.treated, train.y, train.all, boostedOptions),
  ];
  const write = (model: TreeModel) =>
    writeTreeModel(model, { featureCount: F, metadata: { z: '1', family: model.family } });

  beforeAll(async () => {
    scorers = await Promise.all(models.map((m) => createScorer(write(m))));
  });
  afterAll(async () => {
    await Promise.all(scorers.map((s) => s.release()));
  });

  it('is deterministic by seed: same model and bytes, another seed another forest', () => {
    const again = fitUpliftForest(train.x, train.treated, train.y, train.all, forestOptions);
    expect(again).toEqual(models[1]);
    expect(Buffer.from(write(again)).equals(Buffer.from(write(models[1]!)))).toBe(true);
    const other = fitUpliftForest(train.x, train.treated, train.y, train.all, {
      ...forestOptions,
      seed: 6,
    });
    expect(other.trees).not.toEqual(models[1]!.trees);
    const boosted = fitBoostedTLearner(train.x, train.treated, train.y, train.all, boostedOptions);
    expect(Buffer.from(write(boosted)).equals(Buffer.from(write(models[2]!)))).toBe(true);
    expect(Object.keys(readModelMetadata(write(boosted)))).toEqual(['family', 'z']);
  });

  it('scores as predictTrees does, thresholds included', async () => {
    for (const [m, model] of models.entries()) {
      // Random rows, and for every split a row on its threshold and one just above.
      const values: number[][] = [];
      const random = seededRandom(11 + m);
      for (let i = 0; i < 40; i++) values.push([random(), random(), Math.floor(random() * 3)]);
      for (const tree of model.trees)
        tree.feature.forEach((j, n) => {
          if (j < 0) return;
          const on = [random(), random(), 1, random()];
          on[j] = tree.threshold[n]!;
          const above = on.slice();
          above[j] = tree.threshold[n]! + 1e-6;
          values.push(on, above);
        });
      const x = rows(values);
      const expected = predictTrees(model, x);
      const got = await scorers[m]!.score(x, F);
      for (const key of ['pTreated', 'pControl', 'uplift'] as const) {
        got[key].forEach((v, i) =>
          expect(Math.abs(v - expected[key][i]!), `${model.family} ${key} row ${i}`).toBeLessThan(
            1e-5,
          ),
        );
      }
    }
  });
});

describe('malformed tree models', () => {
  const d = stepUplift();
  const fitted = () =>
    fitUpliftTree(d.x, d.treated, d.y, d.all, { maxDepth: 1, minLeaf: 50, smoothing: 20 });

  it('refuses a child index out of range, naming the field', () => {
    const model = fitted();
    model.trees[0]!.left[0] = 99;
    const error = thrown(() => writeTreeModel(model, { featureCount: F, metadata: {} }));
    expect(error.code).toBe('model_invalid');
    expect(error.field).toBe('model.trees[0].left[0]');
    expect(error.message).toBe('model.trees[0].left[0]: got 99, expected a node index from 1 to 2');
    expect(thrown(() => predictTrees(model, rows([[0]]))).field).toBe('model.trees[0].left[0]');
  });

  it('refuses a loop, a feature outside the row and a spec of another width', () => {
    const loop = fitted();
    loop.trees[0]!.right[0] = 0;
    expect(thrown(() => predictTrees(loop, rows([[0]]))).field).toBe('model.trees[0].right[0]');
    const wide = fitted();
    wide.trees[0]!.feature[0] = F;
    expect(thrown(() => predictTrees(wide, rows([[0]]))).message).toBe(
      `model.trees[0].feature[0]: got ${F}, expected -1 (a leaf) or a feature index below ${F}`,
    );
    const error = thrown(() => writeTreeModel(fitted(), { featureCount: 3, metadata: {} }));
    expect(error.message).toBe(`spec.featureCount: got 3, expected the model's featureCount ${F}`);
  });
});
