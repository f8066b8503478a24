import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decide/random.js';
import { FEATURE_COUNT } from '../../src/features/spec.js';
import { OfferwiseError } from '../../src/util/errors.js';
import { parseHillstrom } from '../lib/hillstrom.js';
import { compareUpliftMethods, fitClassTransformation, fitXLearner } from './meta-learners.js';
import { buildSamples, rowFeatures } from './dataset.js';
import { exportLayers, predict } from './network.js';
import { createScorer } from './onnx-scorer.js';
import { writeUpliftNetwork } from './onnx-writer.js';
import { DEFAULT_SVM, fitHinge, fitLinearSvm, fitPlatt } from './svm.js';
import { crossValidate } from './training.js';

/**
 * Separable 2-D points, positives right of x₁ = 10 and negatives left of it. The closest pair,
 * (12, 0) and (8, 0), alone forces 12a + b ≥ 1 and −(8a + b) ≥ 1, so a ≥ 0.5; at a = 0.5 the bias
 * is pinned to −5 and x₂ is free, so the minimum of a² + c² + b² is w = (0.5, 0), b = −5, with
 * those two points the support vectors (margin exactly 1) and the others at 1.5 and 2.5.
 */
const POINTS = [
  [12, 0, 1],
  [13, 2, 1],
  [13, -2, 1],
  [15, 1, 1],
  [8, 0, -1],
  [7, 2, -1],
  [7, -2, -1],
  [5, -1, -1],
] as const;

function hardMargin(seed: number) {
  const rows = Float64Array.from(POINTS.flatMap(([a, b]) => [a, b]));
  const labels = Int8Array.from(POINTS, (p) => p[2]);
  const fit = fitHinge(rows, labels, 2, {
    c: 1e4,
    balanced: false,
    epochs: 100_000,
    tolerance: 1e-9,
    seed,
  });
  return { fit, rows, labels };
}

/**
 * Samples over one feature (column 0; the rest constant, so inactive) with exact response counts
 * instead of draws: `count` samples per level and arm, of which round(p·count) respond.
 */
function exactSamples(
  levels: readonly number[],
  count: (treated: boolean) => number,
  p: (level: number, treated: boolean) => number,
) {
  const xs: number[] = [];
  const ts: number[] = [];
  const ys: number[] = [];
  for (const level of levels) {
    for (const treated of [true, false]) {
      const n = count(treated);
      const positives = Math.round(p(level, treated) * n);
      for (let k = 0; k < n; k++) {
        xs.push(level);
        ts.push(treated ? 1 : 0);
        ys.push(k < positives ? 1 : 0);
      }
    }
  }
  const x = new Float32Array(xs.length * FEATURE_COUNT);
  xs.forEach((v, i) => (x[i * FEATURE_COUNT] = v));
  return {
    x,
    treated: Uint8Array.from(ts),
    y: Uint8Array.from(ys),
    indices: xs.map((_, i) => i),
  };
}

/** One row per level, for scoring. */
function levelRows(levels: readonly number[]): Float32Array {
  const x = new Float32Array(levels.length * FEATURE_COUNT);
  levels.forEach((v, i) => (x[i * FEATURE_COUNT] = v));
  return x;
}

/** 600 Hillstrom-format rows; the women's e-mail lifts visits of women's buyers. */
function smallHillstrom() {
  const random = seededRandom(11);
  const lines = [
    'row_id,recency,history_segment,history,mens,womens,zip_code,newbie,channel,segment,visit,conversion,spend',
  ];
  const arms = ['Mens E-Mail', 'Womens E-Mail', 'No E-Mail'];
  for (let i = 0; i < 600; i++) {
    const arm = arms[i % 3]!;
    const womens = random() < 0.5 ? 1 : 0;
    const visit = random() < (arm === 'Womens E-Mail' && womens ? 0.5 : 0.15) ? 1 : 0;
    lines.push(
      `${i},${1 + Math.floor(random() * 12)},"2) $100 - $200",${(30 + random() * 400).toFixed(2)},${1 - womens},${womens},Urban,${random() < 0.5 ? 1 : 0},Web,${arm},${visit},0,0`,
    );
  }
  return parseHillstrom(`${lines.join('\n')}\n`);
}

const logit = (p: number) => Math.log(p / (1 - p));
const sigma = (z: number) => 1 / (1 + Math.exp(-z));

describe('hinge SVM by dual coordinate descent', () => {
  it('finds the hard-margin hyperplane of separable points', () => {
    const { fit, rows, labels } = hardMargin(1);
    expect(fit.weights[0]).toBeCloseTo(0.5, 4);
    expect(fit.weights[1]).toBeCloseTo(0, 4);
    expect(fit.bias).toBeCloseTo(-5, 3);
    const margins = Array.from(
      labels,
      (s, i) =>
        s * (fit.weights[0]! * rows[2 * i]! + fit.weights[1]! * rows[2 * i + 1]! + fit.bias),
    );
    for (const m of margins) expect(m).toBeGreaterThanOrEqual(1 - 1e-4);
    // Only the two closest points carry weight, and they sit on the margin.
    const support = Array.from(fit.alpha, (a, i) => (a > 1e-6 ? i : -1)).filter((i) => i >= 0);
    expect(support).toEqual([0, 4]);
    for (const i of support) expect(margins[i]).toBeCloseTo(1, 4);
    expect(margins[1]).toBeCloseTo(1.5, 3);
    expect(margins[7]).toBeCloseTo(2.5, 3);
    // From (w, b) = Σ αᵢsᵢ(xᵢ, 1): 0.5 = 12α₀ − 8α₄ and −5 = α₀ − α₄, so α₀ = 10.125, α₄ = 15.125.
    expect(fit.alpha[0]).toBeCloseTo(10.125, 2);
    expect(fit.alpha[4]).toBeCloseTo(15.125, 2);
  });

  it('replays exactly with a seed, and another seed reaches the same optimum', () => {
    const a = hardMargin(3).fit;
    const b = hardMargin(3).fit;
    expect(Array.from(b.alpha)).toEqual(Array.from(a.alpha));
    expect(b.epochs).toBe(a.epochs);
    const c = hardMargin(4).fit;
    expect(c.weights[0]).toBeCloseTo(a.weights[0]!, 4);
    expect(c.bias).toBeCloseTo(a.bias, 3);
  });
});

describe('Platt scaling', () => {
  it('fits the smoothed targets of two scores exactly', () => {
    // One negative at −1, one positive at +1: targets 1/3 and 2/3 (N± = 1), which
    // σ(a·f + b) meets exactly at b = 0, a = logit(2/3) = ln 2.
    const one = fitPlatt([-1, 1], [0, 1]);
    expect(one.a).toBeCloseTo(Math.log(2), 8);
    expect(one.b).toBeCloseTo(0, 8);
    // Three positives and three negatives (targets 4/5 and 1/5), mixed at two score values:
    // the mean target is (0.8 + 2·0.2)/3 = 0.4 at f = 0 and (2·0.8 + 0.2)/3 = 0.6 at f = 1, so
    // b = logit(0.4) = ln(2/3) and a + b = logit(0.6) = ln 1.5, a = ln 2.25.
    const two = fitPlatt([0, 0, 0, 1, 1, 1], [1, 0, 0, 1, 1, 0]);
    expect(two.a).toBeCloseTo(Math.log(2.25), 8);
    expect(two.b).toBeCloseTo(Math.log(2 / 3), 8);
  });

  it('reaches the minimum of the cross-entropy on a set it cannot fit exactly', () => {
    const scores = [-2, -1, -0.5, 0, 0.3, 1, 1.5, 2.5];
    const labels = [0, 0, 1, 0, 1, 0, 1, 1];
    const fit = fitPlatt(scores, labels);
    // The loss written out independently, with Platt's targets 5/6 and 1/6 (N± = 4).
    const loss = (a: number, b: number) =>
      scores.reduce((sum, f, i) => {
        const t = labels[i] ? 5 / 6 : 1 / 6;
        const p = sigma(a * f + b);
        return sum - t * Math.log(p) - (1 - t) * Math.log(1 - p);
      }, 0);
    const h = 1e-5;
    expect((loss(fit.a + h, fit.b) - loss(fit.a - h, fit.b)) / (2 * h)).toBeCloseTo(0, 6);
    expect((loss(fit.a, fit.b + h) - loss(fit.a, fit.b - h)) / (2 * h)).toBeCloseTo(0, 6);
    for (const [da, db] of [
      [0.05, 0],
      [-0.05, 0],
      [0, 0.05],
      [0, -0.05],
    ])
      expect(loss(fit.a + da!, fit.b + db!)).toBeGreaterThan(loss(fit.a, fit.b));
    expect(fit.a).toBeGreaterThan(0);
  });
});

describe('fitLinearSvm', () => {
  // Treated respond with σ(−2 + x₁), control with σ(−2 + 0.3·x₁), x₁ in 0..3: the uplift is
  // 0, 0.115, 0.303, 0.483.
  const levels = [0, 1, 2, 3];
  const truth = (v: number, t: boolean) => (t ? sigma(-2 + v) : sigma(-2 + 0.3 * v));
  const data = exactSamples(levels, () => 200, truth);
  const options = { ...DEFAULT_SVM, seed: 5 };

  it('is one linear layer of calibrated [treated, control] logits', () => {
    const network = fitLinearSvm(data.x, data.treated, data.y, data.indices, options);
    expect(network.family).toBe('linear-svm');
    expect(network.layers).toHaveLength(1);
    const [layer] = network.layers;
    expect(layer!.outputs).toBe(2);
    // Only column 0 varies: every other weight is 0.
    for (let j = 1; j < FEATURE_COUNT; j++) {
      expect(layer!.weights[j]).toBe(0);
      expect(layer!.weights[FEATURE_COUNT + j]).toBe(0);
    }
    // Platt keeps the SVM's direction: responses rise with x₁ in both arms, faster when treated.
    expect(layer!.weights[0]).toBeGreaterThan(layer!.weights[FEATURE_COUNT]!);
    expect(layer!.weights[FEATURE_COUNT]).toBeGreaterThan(0);
    // Calibrated: with one varying feature, Platt's sigmoid of the SVM score is a logistic in
    // x₁, and the truth is one, so each level's probabilities come back within 0.02.
    const p = predict(network, levelRows(levels));
    levels.forEach((v, i) => {
      expect(Math.abs(p.pTreated[i]! - truth(v, true))).toBeLessThan(0.02);
      expect(Math.abs(p.pControl[i]! - truth(v, false))).toBeLessThan(0.02);
    });
    for (let i = 1; i < levels.length; i++) expect(p.uplift[i]).toBeGreaterThan(p.uplift[i - 1]!);
  });

  it('exports through the ONNX writer, and ONNX Runtime scores it as the trainer does', async () => {
    const rows = smallHillstrom();
    const samples = buildSamples(rows, 'visit');
    const all = Array.from({ length: samples.count }, (_, i) => i);
    const network = fitLinearSvm(samples.x, samples.treated, samples.y, all, {
      ...options,
      groups: samples.row,
    });
    const onnx = writeUpliftNetwork({
      featureCount: FEATURE_COUNT,
      layers: exportLayers(network),
      metadata: {},
    });
    const scorer = await createScorer(onnx);
    const x = rowFeatures(rows.slice(0, 100), 'mens');
    const fromOrt = await scorer.score(x, FEATURE_COUNT);
    await scorer.release();
    const fromTrainer = predict(network, x);
    for (let i = 0; i < 100; i++) {
      expect(fromOrt.pTreated[i]).toBeCloseTo(fromTrainer.pTreated[i]!, 5);
      expect(fromOrt.pControl[i]).toBeCloseTo(fromTrainer.pControl[i]!, 5);
      expect(fromOrt.uplift[i]).toBeCloseTo(fromTrainer.uplift[i]!, 5);
    }
  }, 20_000);

  it('is deterministic by seed', () => {
    const a = fitLinearSvm(data.x, data.treated, data.y, data.indices, options);
    const b = fitLinearSvm(data.x, data.treated, data.y, data.indices, options);
    expect(Array.from(b.layers[0]!.weights)).toEqual(Array.from(a.layers[0]!.weights));
    expect(Array.from(b.layers[0]!.bias)).toEqual(Array.from(a.layers[0]!.bias));
    // Another seed draws other Platt folds, so the calibration differs a little.
    const c = fitLinearSvm(data.x, data.treated, data.y, data.indices, { ...options, seed: 6 });
    expect(Array.from(c.layers[0]!.bias)).not.toEqual(Array.from(a.layers[0]!.bias));
  });

  it('refuses bad options with the field, the value and what was expected', () => {
    const call = (patch: object) => () =>
      fitLinearSvm(data.x, data.treated, data.y, data.indices, { ...options, ...patch });
    expect(call({ c: 0 })).toThrow(OfferwiseError);
    expect(call({ c: 0 })).toThrow('svm.c: got 0, expected a finite number > 0');
    expect(call({ plattFolds: 1 })).toThrow('svm.plattFolds: got 1, expected an integer >= 2');
    expect(() => fitLinearSvm(data.x, data.treated, data.y, [0, 1, 2], options)).toThrow(
      'svm.controlSamples: got 0',
    );
  });
});

describe('meta-learners', () => {
  it('class transformation recovers the sign and order of a known uplift', () => {
    // Control responds at 0.3 everywhere; treatment adds −0.1, 0, +0.1 at x₁ = 0, 1, 2. A quarter
    // of the samples are treated, so without the balancing weights P(Z = 1) would not be
    // (1 + uplift)/2. With them P(Z = 1) = 0.45, 0.5, 0.55, whose logits are linear in x₁, so
    // the logistic on Z recovers the uplift up to its small L2 shrinkage.
    const levels = [0, 1, 2];
    const data = exactSamples(
      levels,
      (t) => (t ? 1000 : 3000),
      (v, t) => 0.3 + (t ? 0.1 * (v - 1) : 0),
    );
    const predictions = fitClassTransformation(
      data.x,
      data.treated,
      data.y,
      data.indices,
    )(levelRows(levels));
    expect(predictions.uplift[0]).toBeLessThan(0);
    expect(predictions.uplift[2]).toBeGreaterThan(0);
    expect(predictions.uplift[0]).toBeCloseTo(-0.1, 2);
    expect(predictions.uplift[1]).toBeCloseTo(0, 2);
    expect(predictions.uplift[2]).toBeCloseTo(0.1, 2);
    for (let i = 0; i < 3; i++) {
      expect(predictions.pControl[i]).toBeCloseTo(0.3, 2);
      expect(predictions.pTreated[i]).toBeCloseTo(
        predictions.pControl[i]! + predictions.uplift[i]!,
        12,
      );
    }
  });

  it('the X-learner recovers a constant effect', () => {
    // Control responds with σ(−1 + 0.5·x₁) (0.269, 0.378, 0.5), treatment adds 0.1 everywhere.
    const levels = [0, 1, 2];
    const data = exactSamples(
      levels,
      () => 2000,
      (v, t) => sigma(-1 + 0.5 * v) + (t ? 0.1 : 0),
    );
    const predictions = fitXLearner(data.x, data.treated, data.y, data.indices)(levelRows(levels));
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(predictions.uplift[i]! - 0.1)).toBeLessThan(0.01);
      expect(predictions.pControl[i]).toBeCloseTo(sigma(-1 + 0.5 * levels[i]!), 2);
    }
    expect(logit(predictions.pControl[2]!) - logit(predictions.pControl[0]!)).toBeCloseTo(1, 1);
  });

  it('the study replays the trainer’s folds: its baseline equals crossValidate’s', () => {
    const rows = smallHillstrom();
    const options = { outcome: 'visit' as const, seed: 2, folds: 2 };
    const [study] = compareUpliftMethods(rows, options, ['two-model-logistic']);
    const trainer = crossValidate(rows, options).find((r) => r.family === 'two-model-logistic')!;
    expect(study!.folds).toHaveLength(2);
    study!.folds.forEach((fold, k) => {
      expect(fold.womens).toBe(trainer.folds[k]!.womens.qini_auc);
      expect(fold.mens).toBe(trainer.folds[k]!.mens.qini_auc);
      expect(fold.any).toBe(trainer.folds[k]!.any.qini_auc);
    });
  });
});
