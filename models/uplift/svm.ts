/**
 * A linear SVM response model: per arm (treated, control) an L2-regularised linear SVM with hinge
 * loss, turned into probabilities by Platt scaling. Because Platt's sigmoid of a linear score is
 * itself a logistic of the features, σ(A·(w·x + b) + B) = σ((A·w)·x + (A·b + B)), each arm
 * collapses into one linear logit and the model is a one-layer `Network` that exports through the
 * ONNX writer like the logistic baseline. Deterministic for a given seed.
 */
import { FEATURE_COUNT } from '../../src/features/spec.js';
import { fieldError } from '../../src/util/errors.js';
import { seededRandom } from '../../src/decide/random.js';
import { shuffle } from '../lib/random.js';
import {
  fitStandardizer,
  sigmoid,
  standardizeRow,
  type Layer,
  type Network,
  type Standardizer,
} from './network.js';

export interface SvmOptions {
  /** Cost of the hinge loss: the primal is ½(‖w‖² + b²) + c·Σ max(0, 1 − s·(w·x + b)). */
  c: number;
  /**
   * Scales each class's cost by n / (2·n_class), so that both classes weigh half the loss: with
   * a rare outcome the plain hinge is minimised by a near-constant "no" and ranks nothing.
   */
  balanced: boolean;
  /** Passes of dual coordinate descent at most. */
  epochs: number;
  /** Stops when the projected gradients of a pass span less than this (Hsieh et al.'s test). */
  tolerance: number;
  /** Internal folds whose out-of-fold scores fit Platt's sigmoid (at least 2). */
  plattFolds: number;
  /** Seeds the coordinate order of every pass and the internal folds. */
  seed: number;
  /**
   * A group id per sample, indexed like the samples (Hillstrom: `Samples.row`): a group's samples
   * share an internal fold, so Platt never sees a score of a row whose other copy was trained on.
   * Without it each sample is its own group.
   */
  groups?: ArrayLike<number>;
}

export const DEFAULT_SVM: SvmOptions = {
  c: 0.01,
  balanced: true,
  epochs: 1000,
  tolerance: 1e-3,
  plattFolds: 3,
  seed: 1,
};

export interface HingeFit {
  /** Weights of the `d` columns. */
  weights: Float64Array;
  bias: number;
  /** The dual variables, one per sample, each in [0, its class's cost]. */
  alpha: Float64Array;
  /** Passes run. */
  epochs: number;
}

/**
 * Dual coordinate descent for the L1-loss (hinge) linear SVM (Hsieh, Chang, Lin, Keerthi, Sathiya
 * 2008, "A dual coordinate descent method for large-scale linear SVM"). The bias is a constant
 * feature of value 1 appended to every row, as in LIBLINEAR: the dual then has no equality
 * constraint, so each coordinate step is closed-form, at the price of b entering the penalty.
 * `rows` is `[n, d]` row-major, `labels` are ±1. Coordinates are visited in a fresh seeded
 * permutation each pass (random order converges faster than cyclic and stays reproducible).
 */
export function fitHinge(
  rows: Float64Array,
  labels: Int8Array,
  d: number,
  options: Pick<SvmOptions, 'c' | 'balanced' | 'epochs' | 'tolerance' | 'seed'>,
): HingeFit {
  const n = labels.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]! > 0) positives++;
  const costPositive =
    options.balanced && positives > 0 ? (options.c * n) / (2 * positives) : options.c;
  const costNegative =
    options.balanced && positives < n ? (options.c * n) / (2 * (n - positives)) : options.c;
  const w = new Float64Array(d + 1); // bias last
  const alpha = new Float64Array(n);
  const diagonal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let q = 1;
    for (let j = 0; j < d; j++) q += rows[i * d + j]! ** 2;
    diagonal[i] = q;
  }
  const random = seededRandom(options.seed ^ 0x5f3759df);
  const order = Array.from({ length: n }, (_, i) => i);
  let epoch = 0;
  while (epoch < options.epochs) {
    epoch++;
    shuffle(order, random);
    let highest = -Infinity;
    let lowest = Infinity;
    for (const i of order) {
      const s = labels[i]!;
      const c = s > 0 ? costPositive : costNegative;
      const base = i * d;
      let margin = w[d]!;
      for (let j = 0; j < d; j++) margin += w[j]! * rows[base + j]!;
      const gradient = s * margin - 1;
      const a = alpha[i]!;
      // The projected gradient is 0 where the box stops the step: those coordinates are optimal.
      const projected =
        a === 0 ? Math.min(gradient, 0) : a === c ? Math.max(gradient, 0) : gradient;
      if (projected > highest) highest = projected;
      if (projected < lowest) lowest = projected;
      if (projected === 0) continue;
      const next = Math.min(Math.max(a - gradient / diagonal[i]!, 0), c);
      const delta = (next - a) * s;
      if (delta === 0) continue;
      alpha[i] = next;
      for (let j = 0; j < d; j++) w[j]! += delta * rows[base + j]!;
      w[d]! += delta;
    }
    if (highest - lowest < options.tolerance) break;
  }
  return { weights: w.slice(0, d), bias: w[d]!, alpha, epochs: epoch };
}

/**
 * Platt's sigmoid P(y = 1 | f) = σ(a·f + b) fitted to decision values by Newton's method with a
 * backtracking line search (the algorithm of Lin, Lin and Weng 2007, "A note on Platt's
 * probabilistic outputs", in this sign convention), on Platt's smoothed targets
 * (N₊ + 1)/(N₊ + 2) for positives and 1/(N₋ + 2) for negatives, which keep a separable set from
 * driving `a` to infinity.
 */
export function fitPlatt(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
): { a: number; b: number } {
  const n = scores.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]! > 0) positives++;
  const negatives = n - positives;
  const high = (positives + 1) / (positives + 2);
  const low = 1 / (negatives + 2);
  const target = (i: number) => (labels[i]! > 0 ? high : low);
  // softplus(z) − t·z is the cross-entropy of σ(z) against t, without overflow for large |z|.
  const loss = (a: number, b: number) => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const z = a * scores[i]! + b;
      total += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - target(i) * z;
    }
    return total;
  };
  let a = 0;
  let b = Math.log((positives + 1) / (negatives + 1));
  let value = loss(a, b);
  for (let iteration = 0; iteration < 100; iteration++) {
    // A tiny ridge on the Hessian keeps it invertible when every score is equal.
    let haa = 1e-12;
    let hbb = 1e-12;
    let hab = 0;
    let ga = 0;
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const f = scores[i]!;
      const p = sigmoid(a * f + b);
      const w = p * (1 - p);
      haa += f * f * w;
      hab += f * w;
      hbb += w;
      const r = p - target(i);
      ga += f * r;
      gb += r;
    }
    if (Math.abs(ga) < 1e-9 * Math.max(1, n) && Math.abs(gb) < 1e-9 * Math.max(1, n)) break;
    const det = haa * hbb - hab * hab;
    const da = -(hbb * ga - hab * gb) / det;
    const db = -(haa * gb - hab * ga) / det;
    const slope = ga * da + gb * db;
    let step = 1;
    let moved = false;
    while (step >= 1e-10) {
      const next = loss(a + step * da, b + step * db);
      if (next < value + 1e-4 * step * slope) {
        a += step * da;
        b += step * db;
        value = next;
        moved = true;
        break;
      }
      step /= 2;
    }
    if (!moved) break;
  }
  return { a, b };
}

/** The standardized active columns of the selected samples, `[n, d]`. */
function designOf(
  x: Float32Array,
  indices: readonly number[],
  standardizer: Standardizer,
  columns: readonly number[],
): Float64Array {
  const d = columns.length;
  const out = new Float64Array(indices.length * d);
  const row = new Float64Array(standardizer.mean.length);
  indices.forEach((i, k) => {
    standardizeRow(x, i, standardizer, row);
    for (let c = 0; c < d; c++) out[k * d + c] = row[columns[c]!]!;
  });
  return out;
}

function decision(fit: HingeFit, rows: Float64Array, k: number, d: number): number {
  let f = fit.bias;
  for (let j = 0; j < d; j++) f += fit.weights[j]! * rows[k * d + j]!;
  return f;
}

function checkOptions(options: SvmOptions): void {
  const positive = (field: keyof SvmOptions, value: number, expected: string) => {
    if (!Number.isFinite(value) || value <= 0)
      throw fieldError('invalid_input', `svm.${field}`, value, expected);
  };
  positive('c', options.c, 'a finite number > 0');
  positive('tolerance', options.tolerance, 'a finite number > 0');
  if (!Number.isInteger(options.epochs) || options.epochs < 1)
    throw fieldError('invalid_input', 'svm.epochs', options.epochs, 'an integer >= 1');
  if (!Number.isInteger(options.plattFolds) || options.plattFolds < 2)
    throw fieldError('invalid_input', 'svm.plattFolds', options.plattFolds, 'an integer >= 2');
  if (!Number.isInteger(options.seed))
    throw fieldError('invalid_input', 'svm.seed', options.seed, 'an integer');
}

/**
 * One arm: the SVM on all its samples, and Platt's sigmoid fitted on out-of-fold scores of
 * `plattFolds` internal SVMs (folds drawn by group with the seed). Platt on the scores of the SVM
 * that was trained on the same samples would see margins pushed to ±1 by training and come out
 * overconfident, and holding a part out instead would lose that part for the SVM itself. Returns
 * the calibrated logit's weights over the active columns and its bias.
 */
function fitArm(
  x: Float32Array,
  y: Uint8Array,
  indices: readonly number[],
  standardizer: Standardizer,
  columns: readonly number[],
  options: SvmOptions,
  armSeed: number,
): { weights: Float64Array; bias: number } {
  const d = columns.length;
  const rows = designOf(x, indices, standardizer, columns);
  const labels = Int8Array.from(indices, (i) => (y[i] ? 1 : -1));
  const solver = { ...options, seed: armSeed };
  const full = fitHinge(rows, labels, d, solver);

  const groups = options.groups;
  const foldOfGroup = new Map<number, number>();
  const ids = indices.map((i) => (groups ? groups[i]! : i));
  const distinct = [...new Set(ids)].sort((p, q) => p - q);
  shuffle(distinct, seededRandom(armSeed ^ 0x9e3779b9)).forEach((g, k) =>
    foldOfGroup.set(g, k % options.plattFolds),
  );
  const outOfFold = new Float64Array(indices.length);
  for (let fold = 0; fold < options.plattFolds; fold++) {
    const inside: number[] = [];
    const outside: number[] = [];
    ids.forEach((g, k) => (foldOfGroup.get(g) === fold ? outside : inside).push(k));
    if (outside.length === 0) continue;
    const part = new Float64Array(inside.length * d);
    inside.forEach((k, r) => part.set(rows.subarray(k * d, (k + 1) * d), r * d));
    const fit = fitHinge(
      part,
      Int8Array.from(inside, (k) => labels[k]!),
      d,
      {
        ...solver,
        seed: armSeed * 31 + 1 + fold,
      },
    );
    for (const k of outside) outOfFold[k] = decision(fit, rows, k, d);
  }
  const platt = fitPlatt(outOfFold, labels);
  const weights = new Float64Array(d);
  for (let j = 0; j < d; j++) weights[j] = platt.a * full.weights[j]!;
  return { weights, bias: platt.a * full.bias + platt.b };
}

/**
 * The linear-SVM response model, a T-learner like the logistic baseline: one calibrated SVM on
 * treated samples and one on control samples, over features standardized on `indices`. The layer's
 * two outputs are the logits of [treated, control]; constant columns get weight 0.
 */
export function fitLinearSvm(
  x: Float32Array,
  treated: Uint8Array,
  y: Uint8Array,
  indices: ArrayLike<number>,
  options: SvmOptions = DEFAULT_SVM,
): Network {
  checkOptions(options);
  const standardizer = fitStandardizer(x, indices);
  const columns: number[] = [];
  for (let j = 0; j < FEATURE_COUNT; j++) if (standardizer.active[j]) columns.push(j);
  const arms: [number[], number[]] = [[], []];
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    arms[treated[i] ? 0 : 1].push(i);
  }
  arms.forEach((arm, a) => {
    if (arm.length < options.plattFolds)
      throw fieldError(
        'invalid_input',
        a === 0 ? 'svm.treatedSamples' : 'svm.controlSamples',
        arm.length,
        `at least plattFolds (${options.plattFolds}) samples in each arm`,
      );
  });
  const weights = new Float64Array(2 * FEATURE_COUNT);
  const bias = new Float64Array(2);
  arms.forEach((arm, a) => {
    const fit = fitArm(x, y, arm, standardizer, columns, options, options.seed * 2 + a);
    columns.forEach((j, c) => (weights[a * FEATURE_COUNT + j] = fit.weights[c]!));
    bias[a] = fit.bias;
  });
  const layer: Layer = { inputs: FEATURE_COUNT, outputs: 2, weights, bias, activation: 'none' };
  // 'linear-svm' is not in Network['family'] until the trainer lists it (see the report).
  return { family: 'linear-svm', standardizer, layers: [layer] };
}
