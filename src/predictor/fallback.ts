import type { UpliftScores } from './types.js';

/**
 * A two-model logistic regression on raw features: row 0 of `weights` gives the logit of
 * P(outcome | shown), row 1 that of P(outcome | not shown). The shipped one is the baseline that
 * `npm run train` fits on the same data as the default model (`default-fallback.ts`).
 */
export interface LinearUpliftModel {
  /** The model it was trained with (for `modelVersion` of fallback results). */
  version: string;
  featureSpecVersion: number;
  featureCount: number;
  weights: [readonly number[], readonly number[]];
  bias: [number, number];
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Scores rows in plain TypeScript when the model cannot be used. Non-finite features count as 0
 * (the spec's missing value), so a bad row never yields NaN.
 */
export function scoreFallback(
  model: LinearUpliftModel,
  rows: Float32Array,
  featureCount: number,
): UpliftScores {
  const f = featureCount;
  const n = f > 0 ? Math.floor(rows.length / f) : 0;
  const pTreated = new Float32Array(n);
  const pControl = new Float32Array(n);
  const uplift = new Float32Array(n);
  const [wt, wc] = model.weights;
  const width = Math.min(f, wt.length, wc.length);
  for (let i = 0; i < n; i++) {
    let zt = model.bias[0];
    let zc = model.bias[1];
    const base = i * f;
    for (let j = 0; j < width; j++) {
      const v = rows[base + j]!;
      if (!Number.isFinite(v)) continue;
      zt += wt[j]! * v;
      zc += wc[j]! * v;
    }
    const t = sigmoid(zt);
    const c = sigmoid(zc);
    pTreated[i] = t;
    pControl[i] = c;
    uplift[i] = t - c;
  }
  return { pTreated, pControl, uplift };
}
