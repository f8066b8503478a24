import { describe, expect, it } from 'vitest';
import { profileVectorNames } from '../../src/features/profile-vector.js';
import { placeShopper, validateSegments } from '../../src/learning/segments.js';
import { hillstromRow } from '../../test/support/hillstrom-row.js';
import { browsingWorldOf, DEFAULT_BROWSING_WORLD, readWorld } from '../campaign/world-file.js';
import { SIM_START } from '../campaign/world.js';
import {
  dimensionWeights,
  fitSegments,
  groupLabel,
  groupSizes,
  kForEpsilon,
} from './fit-segments.js';
import { unstandardize } from './kmeans.js';
import { browsingProfiles, hillstromProfile } from './profiles.js';

const CATEGORIES = ['womens', 'mens', 'shoes'];

/** A raw profile vector from named values (0 elsewhere). */
function raw(values: Record<string, number>): number[] {
  return profileVectorNames(CATEGORIES).map((n) => values[n] ?? 0);
}

describe('group labels', () => {
  it('name purchases, spend, coupon use, browsing focus and price level', () => {
    expect(
      groupLabel(
        raw({
          has_purchased: 1,
          recency_months: 1,
          log_spend_365: Math.log1p(300),
          bought_womens: 1,
          interest_womens: 0.6,
          interest_shoes: 0.3,
          log_engagement: Math.log1p(5),
          log_price: Math.log1p(20),
        }),
        CATEGORIES,
      ),
    ).toBe('recent big-spending buyers of womens, browsing womens, low prices');
    expect(
      groupLabel(
        raw({
          recency_months: 13,
          interest_womens: 0.35,
          interest_mens: 0.25,
          log_engagement: Math.log1p(2),
          log_price: Math.log1p(100),
        }),
        CATEGORIES,
      ),
    ).toBe('no purchase yet, browsing womens and mens, high prices');
    expect(
      groupLabel(raw({ has_purchased: 1, recency_months: 10, discounted_share: 0.5 }), CATEGORIES),
    ).toBe('lapsed coupon-using buyers, no browsing');
  });
});

describe('fitting groups on a browsing world’s traffic', () => {
  it('writes a file the SDK accepts, every profile in one group, the same for a seed', () => {
    const world = browsingWorldOf(readWorld(DEFAULT_BROWSING_WORLD), DEFAULT_BROWSING_WORLD);
    const profiles = browsingProfiles(world, 250, 4, SIM_START);
    const fit = fitSegments(profiles, world.categories, { seed: 2, kMin: 4, kMax: 6 });
    expect(fit.scores.map((s) => s.k)).toEqual([4, 5, 6]);
    const best = Math.max(...fit.scores.map((s) => s.silhouette));
    const chosen = fit.scores.find((s) => s.k === fit.k)!;
    expect(chosen.silhouette).toBeGreaterThanOrEqual(0.7 * best);
    for (const s of fit.scores) if (s.k > fit.k) expect(s.silhouette).toBeLessThan(0.7 * best);
    const segments = validateSegments(fit.segments);
    expect(segments.centroids).toHaveLength(fit.k);
    expect(new Set(segments.labels).size).toBe(fit.k);
    // Largest group first; the sizes are those of nearest-centroid placement.
    expect(fit.sizes.reduce((a, b) => a + b, 0)).toBe(profiles.length);
    expect([...fit.sizes].sort((a, b) => b - a)).toEqual(fit.sizes);
    expect(groupSizes(profiles, fit.segments)).toEqual(fit.sizes);
    const again = fitSegments(profiles, world.categories, { seed: 2, kMin: 4, kMax: 6 });
    expect(JSON.stringify(again.segments)).toBe(JSON.stringify(fit.segments));
  }, 60_000);
});

describe('groups on chosen dimensions (--dims)', () => {
  // Hillstrom-like rows: buyers of mens only (recency 2 months), of womens only (4), of both (6),
  // with spends that differ inside each kind, so that k-means on every dimension would not find
  // the three kinds.
  const kinds = [
    { mens: true, womens: false, recency: 2 },
    { mens: false, womens: true, recency: 4 },
    { mens: true, womens: true, recency: 6 },
  ];
  const rows = kinds.flatMap((kind, k) =>
    Array.from({ length: 10 + 5 * k }, (_, i) =>
      hillstromRow('none', 0, 100 * k + i, { ...kind, history: 30 + 97 * i, newbie: i % 2 === 0 }),
    ),
  );
  const profiles = rows.map(hillstromProfile);
  const categories = ['womens', 'mens'];

  it('groups by the named dimensions only, the others at their group means (version 2)', () => {
    const fit = fitSegments(profiles, categories, { seed: 1, kMin: 2, dimensions: ['bought'] });
    // Three distinct values on bought_womens × bought_mens: k is at most 3, and 3 separates them
    // exactly (silhouette 1).
    expect(fit.scores.map((s) => s.k)).toEqual([2, 3]);
    expect(fit.k).toBe(3);
    expect(fit.scores[1]!.silhouette).toBe(1);
    expect(fit.sizes).toEqual([20, 15, 10]);
    const names = profileVectorNames(categories);
    expect(fit.segments.version).toBe(2);
    expect(names.filter((_, j) => fit.segments.weights![j] === 1)).toEqual([
      'bought_womens',
      'bought_mens',
    ]);
    expect(fit.segments.weights!.filter((w) => w === 0)).toHaveLength(names.length - 2);
    // Every centroid, read back, has its members' recency (the same within a kind) although
    // recency weighs nothing, and its kind's purchases.
    const back = fit.segments.centroids.map((c) => unstandardize(c, fit.segments.standardization));
    const at = (g: number, name: string) => back[g]![names.indexOf(name)]!;
    expect([0, 1, 2].map((g) => at(g, 'recency_months'))).toEqual(
      [6, 4, 2].map((r) => expect.closeTo(r, 4)),
    );
    expect([0, 1, 2].map((g) => [at(g, 'bought_womens'), at(g, 'bought_mens')])).toEqual(
      [
        [1, 1],
        [1, 0],
        [0, 1],
      ].map((pair) => pair.map((x) => expect.closeTo(x, 4))),
    );
    // The device places each profile where the fit did.
    const segments = validateSegments(fit.segments);
    expect(groupSizes(profiles, fit.segments)).toEqual(fit.sizes);
    const kindOf = (p: (typeof profiles)[number]) => placeShopper(p, segments).group;
    expect(kindOf(profiles[0]!)).toBe(2); // mens only: the smallest group
    expect(kindOf(profiles[10]!)).toBe(1); // womens only
    expect(kindOf(profiles[25]!)).toBe(0); // both
  });

  it('says when k cannot be reached on those dimensions, or a name is not one', () => {
    expect(() => fitSegments(profiles, categories, { seed: 1, dimensions: ['bought'] })).toThrow(
      'segments: the profiles take 3 distinct values on the dimensions grouped on, fewer than k = 4 (lower --k-min)',
    );
    expect(() => dimensionWeights(categories, ['bought', 'bogus'])).toThrow(
      '--dims: "bogus" is not a profile dimension',
    );
    expect(dimensionWeights(categories, ['recency_months', 'recent_mens'])).toEqual(
      profileVectorNames(categories).map((n) =>
        n === 'recency_months' || n === 'recent_mens' ? 1 : 0,
      ),
    );
  });
});

describe('k for the reports’ ε', () => {
  it('caps k where a report names the true group at least half the time', () => {
    // e^ε / (e^ε + k − 1) ≥ 1/2 ⇔ k ≤ e^ε + 1: e² + 1 = 8.39, e + 1 = 3.72, e^0.1 + 1 = 2.11.
    expect(kForEpsilon(2)).toBe(8);
    expect(kForEpsilon(1)).toBe(3);
    expect(kForEpsilon(0.1)).toBe(2);
    expect(kForEpsilon(Math.log(11))).toBe(12); // e^ε + 1 = 12 exactly: p = 11/22
    expect(kForEpsilon(Infinity)).toBe(Infinity);
    expect(() => kForEpsilon(0)).toThrow('segments: ε must be above 0, got 0');
    // The true-group probability at the cap is at least 1/2, one group more and it is below.
    for (const eps of [0.7, 1.5, 2, 3]) {
      const k = kForEpsilon(eps);
      const p = (kk: number) => Math.exp(eps) / (Math.exp(eps) + kk - 1);
      expect(p(k)).toBeGreaterThanOrEqual(0.5);
      expect(p(k + 1)).toBeLessThan(0.5);
    }
  });

  it('tries no k above the cap, and lowers k-min to it', () => {
    const world = browsingWorldOf(readWorld(DEFAULT_BROWSING_WORLD), DEFAULT_BROWSING_WORLD);
    const profiles = browsingProfiles(world, 120, 4, SIM_START);
    const fit = fitSegments(profiles, world.categories, { seed: 2, kMax: 6, epsilon: 1 });
    // ε = 1 caps k at 3, below the default k-min of 4: only k = 3 is tried.
    expect(fit.scores.map((s) => s.k)).toEqual([3]);
    expect(fit.k).toBe(3);
    // A k given outright is kept (the caller chose it).
    expect(fitSegments(profiles, world.categories, { seed: 2, k: 5, epsilon: 1 }).k).toBe(5);
  }, 60_000);
});
