import { describe, expect, it } from 'vitest';
import { seededRandom } from '../decide/random.js';
import {
  dailyReport,
  debiasWeight,
  MAX_GROUPS_PER_DAY,
  randomizeGroup,
  responseProbabilities,
} from './randomized-response.js';

describe('k-ary randomized response', () => {
  it('reports the true group with p = e^ε / (e^ε + k − 1), each other with q', () => {
    // k = 8, ε = 2: e² = 7.389056; p = 7.389056 / 14.389056 = 0.513519, q = 1 / 14.389056.
    const { p, q } = responseProbabilities(8, 2);
    expect(p).toBeCloseTo(0.513519, 6);
    expect(q).toBeCloseTo(0.069497, 6);
    expect(p + 7 * q).toBeCloseTo(1, 12);
    // ε-LDP: the ratio of any two outputs' probabilities is e^ε.
    expect(p / q).toBeCloseTo(Math.exp(2), 9);
    expect(responseProbabilities(4, Infinity)).toEqual({ p: 1, q: 0 });
    // The draw follows it: 200,000 draws of group 3 of 8.
    const random = seededRandom(11);
    const counts = Array<number>(8).fill(0);
    for (let i = 0; i < 200_000; i++) counts[randomizeGroup(3, 8, 2, random)]!++;
    expect(Math.abs(counts[3]! / 200_000 - p)).toBeLessThan(0.004);
    for (const g of [0, 1, 2, 4, 5, 6, 7])
      expect(Math.abs(counts[g]! / 200_000 - q)).toBeLessThan(0.003);
  });

  it('de-biasing weights undo the channel exactly in expectation', () => {
    // For a report drawn from true group t, E[w(report, g)] = 1 if g = t else 0, worked out over
    // the channel: p·w(t, g) + q·Σ_{r ≠ t} w(r, g).
    const k = 5;
    const epsilon = 1.5;
    const { p, q } = responseProbabilities(k, epsilon);
    for (let t = 0; t < k; t++) {
      for (let g = 0; g < k; g++) {
        let expected = 0;
        for (let r = 0; r < k; r++) expected += (r === t ? p : q) * debiasWeight(r, g, k, epsilon);
        expect(expected).toBeCloseTo(t === g ? 1 : 0, 12);
      }
    }
    // By hand for k = 5, ε = 1.5: e^1.5 = 4.481689, p = 0.528396, q = 0.117901; a report of g
    // weighs (1 − q)/(p − q) = 2.148868, any other report −q/(p − q) = −0.287217.
    expect(debiasWeight(2, 2, k, epsilon)).toBeCloseTo(2.148868, 5);
    expect(debiasWeight(1, 2, k, epsilon)).toBeCloseTo(-0.287217, 5);
  });

  it('repeats the day’s answer per true group, draws at most 3 groups a day', () => {
    const random = seededRandom(5);
    let memo = undefined as Parameters<typeof dailyReport>[0];
    const first = dailyReport(memo, 2, 100, 'seg-a/2', 8, 2, random);
    memo = first.memo;
    for (let i = 0; i < 20; i++) {
      const again = dailyReport(memo, 2, 100, 'seg-a/2', 8, 2, random);
      expect(again.reported).toBe(first.reported);
      memo = again.memo;
    }
    for (const g of [4, 6]) memo = dailyReport(memo, g, 100, 'seg-a/2', 8, 2, random).memo;
    expect(memo.draws).toHaveLength(MAX_GROUPS_PER_DAY);
    expect(dailyReport(memo, 7, 100, 'seg-a/2', 8, 2, random).reported).toBeUndefined();
    // A new day starts over.
    expect(dailyReport(memo, 7, 101, 'seg-a/2', 8, 2, random).memo.draws).toHaveLength(1);
    // New segments or ε the same day start new answers, but the day's cap still counts the
    // draws made: the budget cannot be reset by renaming the file or changing ε.
    const renamed = dailyReport(memo, 7, 100, 'seg-b/2', 8, 2, random);
    expect(renamed.reported).toBeUndefined();
    expect(renamed.memo).toEqual({ day: 100, key: 'seg-b/2', draws: [], spent: 3 });
  });

  it('after one draw under another key the same day, two more groups may be drawn', () => {
    const random = seededRandom(9);
    const a = dailyReport(undefined, 1, 100, 'seg-a/2', 8, 2, random).memo;
    let memo = dailyReport(a, 1, 100, 'seg-a/1', 8, 1, random).memo;
    expect(memo.spent).toBe(1);
    expect(memo.draws.map((d) => d.group)).toEqual([1]);
    memo = dailyReport(memo, 2, 100, 'seg-a/1', 8, 1, random).memo;
    expect(dailyReport(memo, 3, 100, 'seg-a/1', 8, 1, random).reported).toBeUndefined();
    // Switching back the same day: the earlier key's answers are forgotten but still counted.
    expect(dailyReport(memo, 1, 100, 'seg-a/2', 8, 2, random)).toEqual({
      reported: undefined,
      memo: { day: 100, key: 'seg-a/2', draws: [], spent: 3 },
    });
  });
});
