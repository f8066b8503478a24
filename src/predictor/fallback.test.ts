import { describe, expect, it } from 'vitest';
import { DEFAULT_FALLBACK } from './default-fallback.js';
import { scoreFallback, type LinearUpliftModel } from './fallback.js';

const model: LinearUpliftModel = {
  version: 'fallback-test',
  featureSpecVersion: 1,
  featureCount: 2,
  weights: [
    [1, -1],
    [0.5, 0],
  ],
  bias: [0, -1],
};

describe('scoreFallback', () => {
  it('computes both logistic heads and their difference', () => {
    // Row [1, 1]: treated logit 1 − 1 + 0 = 0 → 0.5; control logit 0.5 − 1 = −0.5 → 0.3775407.
    // Row [2, 0]: treated logit 2 → 0.8807971; control logit 0 → 0.5.
    const scores = scoreFallback(model, Float32Array.of(1, 1, 2, 0), 2);
    expect(Array.from(scores.pTreated)).toEqual([0.5, Math.fround(0.8807970779778823)]);
    expect(Array.from(scores.pControl)).toEqual([Math.fround(0.3775406687981454), 0.5]);
    expect(scores.uplift[0]).toBeCloseTo(0.5 - 0.3775406687981454, 6);
    expect(scores.uplift[1]).toBeCloseTo(0.3807970779778823, 6);
  });

  it('treats non-finite features as missing (0) and never returns NaN', () => {
    const scores = scoreFallback(model, Float32Array.of(Number.NaN, Number.POSITIVE_INFINITY), 2);
    expect(scores.pTreated[0]).toBe(0.5);
    expect(scores.pControl[0]).toBeCloseTo(0.2689414, 6);
  });

  it('returns nothing for no rows, and ships coefficients for every feature', () => {
    expect(scoreFallback(model, new Float32Array(0), 2).uplift).toHaveLength(0);
    expect(DEFAULT_FALLBACK.weights[0]).toHaveLength(DEFAULT_FALLBACK.featureCount);
    expect(DEFAULT_FALLBACK.weights[1]).toHaveLength(DEFAULT_FALLBACK.featureCount);
    expect(
      [
        ...DEFAULT_FALLBACK.weights[0],
        ...DEFAULT_FALLBACK.weights[1],
        ...DEFAULT_FALLBACK.bias,
      ].every(Number.isFinite),
    ).toBe(true);
  });
});
