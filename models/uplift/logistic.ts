import { FEATURE_COUNT } from '../../src/features/spec.js';
import {
  fitStandardizer,
  sigmoid,
  standardizeRow,
  type Layer,
  type Network,
  type Standardizer,
} from './network.js';

export interface LogisticOptions {
  /** L2 penalty on the standardized weights (not the intercept). */
  l2: number;
  /** Newton iterations at most. */
  iterations: number;
}

export const DEFAULT_LOGISTIC: LogisticOptions = { l2: 1, iterations: 25 };

/** Solves `a·x = b` for a symmetric positive-definite `a` (n×n, row-major) by Cholesky. */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(sum, 1e-12));
      else l[i * n + j] = sum / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
    y[i] = sum / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}

/**
 * A GLM on standardized features with an L2 penalty `l2` on the weights (not the intercept), by
 * Newton's method: `link` 'logit' is logistic regression (IRLS) on targets in [0, 1], 'identity'
 * ridge regression (one step is exact). `target` and `sampleWeight` (1 each when absent) are
 * indexed like `indices`: position k belongs to sample `indices[k]`. Returns the weights per
 * feature (0 for inactive ones) and the intercept.
 */
export function fitGlm(
  x: Float32Array,
  target: ArrayLike<number>,
  sampleWeight: ArrayLike<number> | undefined,
  indices: ArrayLike<number>,
  standardizer: Standardizer,
  link: 'logit' | 'identity',
  l2: number,
  iterations: number,
): { weights: Float64Array; bias: number } {
  const f = FEATURE_COUNT;
  const columns: number[] = [];
  for (let j = 0; j < f; j++) if (standardizer.active[j]) columns.push(j);
  const d = columns.length + 1; // + intercept (last)
  const beta = new Float64Array(d);
  const row = new Float64Array(f);
  const z = new Float64Array(d);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const hessian = new Float64Array(d * d);
    const gradient = new Float64Array(d);
    for (let k = 0; k < indices.length; k++) {
      standardizeRow(x, indices[k]!, standardizer, row);
      for (let c = 0; c < columns.length; c++) z[c] = row[columns[c]!]!;
      z[d - 1] = 1;
      let eta = 0;
      for (let c = 0; c < d; c++) eta += beta[c]! * z[c]!;
      const mean = link === 'logit' ? sigmoid(eta) : eta;
      const sw = sampleWeight ? sampleWeight[k]! : 1;
      const curvature = sw * (link === 'logit' ? Math.max(mean * (1 - mean), 1e-10) : 1);
      const residual = sw * (mean - target[k]!);
      for (let a = 0; a < d; a++) {
        gradient[a]! += residual * z[a]!;
        const ca = curvature * z[a]!;
        for (let b = 0; b <= a; b++) hessian[a * d + b]! += ca * z[b]!;
      }
    }
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < a; b++) hessian[b * d + a] = hessian[a * d + b]!;
      if (a < d - 1) {
        hessian[a * d + a]! += l2;
        gradient[a]! += l2 * beta[a]!;
      }
    }
    const step = choleskySolve(hessian, gradient, d);
    let largest = 0;
    for (let a = 0; a < d; a++) {
      beta[a]! -= step[a]!;
      largest = Math.max(largest, Math.abs(step[a]!));
    }
    if (largest < 1e-10) break;
  }
  const weights = new Float64Array(f);
  columns.forEach((j, c) => (weights[j] = beta[c]!));
  return { weights, bias: beta[d - 1]! };
}

/**
 * L2-regularised logistic regression by Newton's method (IRLS) on standardized features.
 * Returns the weights per feature (0 for inactive ones) and the intercept.
 */
export function fitLogistic(
  x: Float32Array,
  y: Uint8Array,
  indices: ArrayLike<number>,
  standardizer: Standardizer,
  options: LogisticOptions = DEFAULT_LOGISTIC,
): { weights: Float64Array; bias: number } {
  const target = Float64Array.from(indices, (i) => y[i]!);
  return fitGlm(
    x,
    target,
    undefined,
    indices,
    standardizer,
    'logit',
    options.l2,
    options.iterations,
  );
}

/**
 * The baseline: two independent logistic regressions, one on treated samples and one on control
 * samples, as one layer whose two outputs are the logits of [treated, control].
 */
export function fitTwoModelLogistic(
  x: Float32Array,
  treated: Uint8Array,
  y: Uint8Array,
  indices: ArrayLike<number>,
  options: LogisticOptions = DEFAULT_LOGISTIC,
): Network {
  const standardizer = fitStandardizer(x, indices);
  const t: number[] = [];
  const c: number[] = [];
  for (let k = 0; k < indices.length; k++) (treated[indices[k]!] ? t : c).push(indices[k]!);
  const fitT = fitLogistic(x, y, t, standardizer, options);
  const fitC = fitLogistic(x, y, c, standardizer, options);
  const weights = new Float64Array(2 * FEATURE_COUNT);
  weights.set(fitT.weights, 0);
  weights.set(fitC.weights, FEATURE_COUNT);
  const layer: Layer = {
    inputs: FEATURE_COUNT,
    outputs: 2,
    weights,
    bias: Float64Array.of(fitT.bias, fitC.bias),
    activation: 'none',
  };
  return { family: 'two-model-logistic', standardizer, layers: [layer] };
}
