import { describe, expect, it } from 'vitest';
import { classification, meanDifference, newcombe, sweep, wilson } from './stats.js';

describe('report statistics', () => {
  it('Wilson intervals match the textbook values', () => {
    // 1/3: centre (p + z²/2n)/(1 + z²/n) = 0.4269, half-width 0.3654.
    const a = wilson(1, 3)!;
    expect(a.rate).toBeCloseTo(1 / 3, 12);
    expect(a.lo).toBeCloseTo(0.0615, 4);
    expect(a.hi).toBeCloseTo(0.7923, 4);
    // 0/10: the interval still has width (upper z²/(n + z²) = 0.2775).
    const b = wilson(0, 10)!;
    expect(b.lo).toBe(0);
    expect(b.hi).toBeCloseTo(0.2775, 4);
    expect(wilson(0, 0)).toBeNull();
  });

  it("Newcombe's hybrid score interval reproduces Newcombe (1998), example (a)", () => {
    // 56/70 − 48/80 = 0.2, method 10: 0.0524 to 0.3339.
    const d = newcombe(56, 70, 48, 80)!;
    expect(d.diff).toBeCloseTo(0.2, 12);
    expect(d.lo).toBeCloseTo(0.0524, 4);
    expect(d.hi).toBeCloseTo(0.3339, 4);
    expect(d.lift).toBeCloseTo(0.8 / 0.6 - 1, 12);
    expect(d.significant).toBe(true);
    expect(newcombe(1, 3, 1, 3)!.significant).toBe(false);
    expect(newcombe(1, 0, 1, 3)).toBeNull();
  });

  it('difference of means from sums (Welch)', () => {
    // 100, 50, 0 vs 30, 0, 0: means 50 and 10, variances 2500 and 300.
    const d = meanDifference({ n: 3, sum: 150, sumSq: 12_500 }, { n: 3, sum: 30, sumSq: 900 })!;
    expect(d.diff).toBeCloseTo(40, 10);
    const se = Math.sqrt(2500 / 3 + 300 / 3);
    expect(d.lo).toBeCloseTo(40 - 1.959964 * se, 4);
    expect(d.hi).toBeCloseTo(40 + 1.959964 * se, 4);
    expect(d.significant).toBe(false);
  });

  it('precision, recall and F1, and the threshold sweep over propensity buckets', () => {
    expect(classification(0.5, 1, 1, 0, 2)).toMatchObject({
      precision: 0.5,
      recall: 1,
      f1: 2 / 3,
    });
    expect(classification(0.5, 0, 0, 3, 1)).toMatchObject({ precision: null, recall: 0, f1: 0 });
    const buckets = [
      { bucket: 5, n: 1, responded: 0 },
      { bucket: 30, n: 1, responded: 0 },
      { bucket: 90, n: 2, responded: 1 },
    ];
    const [t30, t31, t90, t91] = sweep(buckets, [0.3, 0.31, 0.9, 0.91]);
    expect(t30).toMatchObject({ tp: 1, fp: 2, fn: 0, tn: 1 });
    expect(t30!.f1).toBeCloseTo(0.5, 12);
    expect(t31).toMatchObject({ tp: 1, fp: 1, fn: 0, tn: 2, precision: 0.5, recall: 1 });
    expect(t90!.f1).toBeCloseTo(2 / 3, 12);
    expect(t91).toMatchObject({ tp: 0, fp: 0, fn: 1, tn: 3, f1: 0 });
  });
});
