import { describe, expect, it } from 'vitest';
import { profileVectorNames } from '../../src/features/profile-vector.js';
import { validateSegments } from '../../src/learning/segments.js';
import { browsingWorldOf, DEFAULT_BROWSING_WORLD, readWorld } from '../campaign/world-file.js';
import { SIM_START } from '../campaign/world.js';
import { fitSegments, groupLabel, groupSizes } from './fit-segments.js';
import { browsingProfiles } from './profiles.js';

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
