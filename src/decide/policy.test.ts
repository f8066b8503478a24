import { describe, expect, it } from 'vitest';
import {
  choose,
  decisionRandom,
  DEFAULT_POLICY,
  propensityGrid,
  slotProbabilities,
  toUnits,
  type Candidate,
} from './policy.js';

const candidates: Candidate[] = [
  { offerId: 'a', category: 'womens', score: 0.05 },
  { offerId: 'b', category: 'womens', score: 0.04 },
  { offerId: 'c', category: 'mens', score: 0.03 },
  { offerId: 'd', category: 'any', score: 0.01 },
  { offerId: 'e', category: 'kids', score: -0.02 },
];

describe('slotProbabilities', () => {
  it('mixes a softmax with a uniform floor', () => {
    // Temperature 1, scores [0, ln 3]: softmax [1/4, 3/4]; with 20% exploration: 0.8·q + 0.1.
    const p = slotProbabilities([0, Math.log(3)], {
      temperature: 1,
      exploration: 0.2,
      diversify: true,
    });
    expect(p[0]).toBeCloseTo(0.3, 12);
    expect(p[1]).toBeCloseTo(0.7, 12);
    // Every candidate keeps at least exploration / n.
    const greedy = slotProbabilities([10, 0, 0, 0], {
      temperature: 0.01,
      exploration: 0.1,
      diversify: true,
    });
    // Continuous: [0.925, 0.025, 0.025, 0.025]; on the 1/100 grid the floor 2.5 points rounds
    // up to 3, and the best gets the rest.
    expect(greedy).toEqual([0.91, 0.03, 0.03, 0.03]);
  });

  it('puts the probabilities on a grid of whole points, finer only when the floor needs it', () => {
    expect(propensityGrid(4, 0.1)).toBe(100); // floor 2.5 points
    expect(propensityGrid(10, 0.1)).toBe(100); // floor exactly 1 point
    expect(propensityGrid(11, 0.1)).toBe(1000); // 0.91 points: tenths of a point
    expect(propensityGrid(200, 0.1)).toBe(10_000); // 0.05 points
    expect(propensityGrid(50_000, 0.1)).toBe(10_000); // capped
    expect(propensityGrid(200, 0)).toBe(100); // greedy: no floor to keep
    // 11 candidates, 10% floor: 0.00909… each → 10 of 1,000 units; the best takes 900.
    const p = slotProbabilities([1, ...Array<number>(10).fill(0)], {
      temperature: 0.01,
      exploration: 0.1,
      diversify: false,
    });
    expect(p).toEqual([0.9, ...Array<number>(10).fill(0.01)]);
    // Greedy among ties: the earlier one takes the leftover unit.
    expect(
      slotProbabilities([0, 0, 0], { temperature: 1, exploration: 0, diversify: false }),
    ).toEqual([0.34, 0.33, 0.33]);
  });
});

describe('toUnits', () => {
  it('keeps the sum, the minimum and the largest remainders', () => {
    expect(toUnits([0.5198, 0.2292, 0.1222, 0.0684, 0.0604], 100)).toEqual([52, 23, 12, 7, 6]);
    // Minimum 3 units: 0.99 → 99 is cut to 88 to make room for the four lifted ones.
    expect(toUnits([0.99, 0.0025, 0.0025, 0.0025, 0.0025], 100, 3)).toEqual([88, 3, 3, 3, 3]);
    // More entries than units: no minimum can hold, the largest shares win.
    expect(toUnits([0.4, 0.3, 0.2, 0.1], 2, 1)).toEqual([1, 1, 0, 0]);
  });
});

describe('choose', () => {
  it('replays exactly from the decision id', () => {
    const first = choose(candidates, 3, DEFAULT_POLICY, decisionRandom('d-1'));
    const again = choose(candidates, 3, DEFAULT_POLICY, decisionRandom('d-1'));
    expect(again).toEqual(first);
  });

  it('never shows two offers of one category, but "any" conflicts with nothing', () => {
    for (let i = 0; i < 2000; i++) {
      const picks = choose(
        candidates,
        5,
        { ...DEFAULT_POLICY, exploration: 0.9 },
        decisionRandom(`x${i}`),
      );
      const categories = picks
        .map((p) => candidates.find((c) => c.offerId === p.offerId)!.category)
        .filter((c) => c !== 'any');
      expect(new Set(categories).size).toBe(categories.length);
      expect(picks).toHaveLength(4); // womens once, mens, any, kids
    }
  });

  it('logs propensities that match the empirical frequencies within 1 point over 100,000 decisions', () => {
    const options = { temperature: 0.01, exploration: 0.3, diversify: true };
    const n = 100_000;
    const slot1 = new Map<string, { count: number; logged: number }>();
    // Slot 2 is conditional on slot 1: group by the first pick.
    const slot2 = new Map<string, Map<string, { count: number; logged: number }>>();
    const firsts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const [a, b] = choose(candidates, 2, options, decisionRandom(`decision-${i}`));
      const s1 = slot1.get(a!.offerId) ?? { count: 0, logged: a!.propensity };
      s1.count++;
      expect(a!.propensity).toBe(s1.logged); // the same slot-1 probability every time
      slot1.set(a!.offerId, s1);
      firsts.set(a!.offerId, (firsts.get(a!.offerId) ?? 0) + 1);
      const group = slot2.get(a!.offerId) ?? new Map();
      const s2 = group.get(b!.offerId) ?? { count: 0, logged: b!.propensity };
      s2.count++;
      expect(b!.propensity).toBe(s2.logged);
      group.set(b!.offerId, s2);
      slot2.set(a!.offerId, group);
    }
    expect(slot1.size).toBe(5); // the floor reaches every offer
    for (const { count, logged } of slot1.values())
      expect(Math.abs(count / n - logged)).toBeLessThan(0.01);
    for (const [first, group] of slot2) {
      const total = firsts.get(first)!;
      if (total < 10_000) continue; // too few draws for a one-point bound
      for (const { count, logged } of group.values())
        expect(Math.abs(count / total - logged)).toBeLessThan(0.01);
    }
    // Slot-1 hand check: scores/0.01 → softmax weights 1, e^-1, e^-2, e^-4, e^-7 → continuous
    // 0.7·softmax + 0.06 = 0.5198, 0.2292, 0.1222, 0.0684, 0.0604 → whole points 51, 22, 12, 6, 6
    // and the 3 left to the largest remainders (a, b, d): 52, 23, 12, 7, 6.
    expect(['a', 'b', 'c', 'd', 'e'].map((id) => slot1.get(id)!.logged)).toEqual([
      0.52, 0.23, 0.12, 0.07, 0.06,
    ]);
  });

  it('fills fewer slots when candidates run out', () => {
    expect(choose([], 3, DEFAULT_POLICY, decisionRandom('z'))).toEqual([]);
    const one = choose([candidates[0]!], 3, DEFAULT_POLICY, decisionRandom('z'));
    expect(one).toEqual([{ offerId: 'a', score: 0.05, propensity: 1 }]);
  });
});
