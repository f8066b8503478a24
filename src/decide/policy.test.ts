import { describe, expect, it } from 'vitest';
import {
  choose,
  decisionRandom,
  DEFAULT_POLICY,
  slotProbabilities,
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
    expect(Math.min(...greedy)).toBeCloseTo(0.025, 12);
    expect(greedy.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
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
    // Slot-1 hand check: scores/0.01 → the best dominates; a: 0.7·softmax + 0.06.
    const w = candidates.map((c) => Math.exp((c.score - 0.05) / 0.01));
    const sum = w.reduce((x, y) => x + y, 0);
    expect(slot1.get('a')!.logged).toBeCloseTo(0.7 * (w[0]! / sum) + 0.06, 12);
  });

  it('fills fewer slots when candidates run out', () => {
    expect(choose([], 3, DEFAULT_POLICY, decisionRandom('z'))).toEqual([]);
    const one = choose([candidates[0]!], 3, DEFAULT_POLICY, decisionRandom('z'));
    expect(one).toEqual([{ offerId: 'a', score: 0.05, propensity: 1 }]);
  });
});
