import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateEffects } from '../../src/learning/effects.js';
import { fallbackScore } from '../campaign/simulator.js';
import { readHillstrom } from '../lib/hillstrom.js';
import { hillstromRow } from '../../test/support/hillstrom-row.js';
import { SHARED_DATA_DIR } from '../lib/paths.js';
import { placeShopper } from '../../src/learning/segments.js';
import { hillstromCells, hillstromOffers, learnedUplift } from './hillstrom.js';
import { hillstromProfile } from './profiles.js';
import { DEFAULT_SEGMENTS, readSegments } from './io.js';
import { effectsFromCells } from './learn.js';

const row = hillstromRow;

describe('a Hillstrom campaign as logged decisions', () => {
  it('sums each arm at the arm share as its propensity, the no-e-mail arm as the holdout', () => {
    const rows = [
      row('mens', 1, 0),
      row('mens', 0, 1),
      row('womens', 1, 2),
      row('womens', 1, 3),
      row('none', 0, 4),
      row('none', 1, 5),
    ];
    const cells = hillstromCells(rows, { outcome: 'visit', epsilon: 2, seed: 1 });
    // Each arm a third of the rows: 1/π = 3 per row, 1/π² = 9.
    expect(cells.map((c) => [c.offerId, c.arm, c.group, c.sums])).toEqual([
      ['email-mens', 'personalized', null, { n: 2, s0: 6, s1: 3, s2: 3, t0: 18, t1: 9, t2: 9 }],
      ['email-womens', 'personalized', null, { n: 2, s0: 6, s1: 6, s2: 6, t0: 18, t1: 18, t2: 18 }],
      ['none', 'holdout', null, { n: 2, s0: 6, s1: 3, s2: 3, t0: 18, t1: 9, t2: 9 }],
    ]);
  });

  it('offers the two e-mails as coupons without terms, as the model was trained on them', () => {
    const offers = hillstromOffers();
    expect(offers.map((o) => [o.id, o.type, o.category, o.discount])).toEqual([
      ['email-mens', 'coupon', 'mens', undefined],
      ['email-womens', 'coupon', 'womens', undefined],
    ]);
  });

  it('scores each row as a decision would: blended over its groups, or its nearest group’s', () => {
    // Every group learned, value g for the men's e-mail and 10 + g for the women's, no model or
    // profile part: with "nearest" a row scores exactly its nearest group's values; blended, the
    // soft weights' average of them.
    const segments = readSegments(DEFAULT_SEGMENTS);
    const k = segments.centroids.length;
    const groups = (base: number) =>
      Array.from({ length: k }, (_, g) => ({ mean: base + g, sd: 0.1, n: 100 }));
    const file = (placement: string) =>
      validateEffects({
        format: 'offerwise-effects',
        version: 1,
        reward: 'click',
        generated_at: '2026-01-01T00:00:00Z',
        valid_until: '2026-01-15T00:00:00Z',
        window: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
        epsilon: 2,
        segments_sha256: segments.sha256,
        k,
        temperature: 0.01,
        model: null,
        placement,
        offers: {
          'email-mens': { mean: 3, se: 0.1, n: 800, groups: groups(0) },
          'email-womens': { mean: 13, se: 0.1, n: 800, groups: groups(10) },
        },
      });
    const rows = [
      row('mens', 1, 0),
      row('none', 0, 1, { mens: false, womens: true }),
      row('womens', 1, 2, { womens: true, history: 900, recency: 1 }),
    ];
    const zero = { uplift: new Float64Array(rows.length) };
    const nearest = learnedUplift(rows, { mens: zero, womens: zero }, file('nearest'), segments);
    const blend = learnedUplift(rows, { mens: zero, womens: zero }, file('blend'), segments);
    rows.forEach((r, i) => {
      const placed = placeShopper(hillstromProfile(r), segments);
      expect(nearest.mens[i]).toBe(placed.group);
      expect(nearest.womens[i]).toBe(10 + placed.group);
      const average = placed.weights.reduce((sum, w, g) => sum + w * g, 0);
      expect(blend.mens[i]).toBeCloseTo(average, 12);
      expect(blend.womens[i]).toBeCloseTo(10 + average, 12);
    });
    // The rows are not all in one group, and blending is not the nearest group's value.
    expect(new Set(nearest.mens).size).toBeGreaterThan(1);
    expect(blend.mens[0]).not.toBe(nearest.mens[0]);
  });

  const real = join(SHARED_DATA_DIR, 'hillstrom-train.csv');
  it('learns from the real campaign that the men’s e-mail lifts visits more', async (context) => {
    context.skip(!existsSync(real), `${real} is absent, so the real-campaign check is skipped`);
    const rows = readHillstrom(real);
    const segments = readSegments(DEFAULT_SEGMENTS);
    const cells = hillstromCells(rows, { outcome: 'visit', segments, epsilon: 2, seed: 1 });
    const { effects, summary } = await effectsFromCells(cells, {
      reward: 'click',
      segments,
      offers: hillstromOffers(),
      score: fallbackScore,
      now: Date.UTC(2026, 0, 1),
    });
    const valid = validateEffects(effects);
    // The groups no row of the campaign is in (its customers all bought, none browsed) are told
    // apart from the randomized reports: absent exactly where the exact reports have no row.
    const exact = hillstromCells(rows, { outcome: 'visit', segments, epsilon: Infinity, seed: 1 });
    const empty = Array.from({ length: segments.centroids.length }, (_, g) => g).filter(
      (g) => !exact.some((c) => c.group === g),
    );
    expect(empty.length).toBeGreaterThan(0);
    expect(summary.absentGroups).toEqual(empty);
    expect(valid).toMatchObject({ k: segments.centroids.length, epsilon: 2, reward: 'click' });
    // The campaign's own average lifts (visits, e-mail minus none): men's ≈ 7.7 points, women's
    // ≈ 4.5; the learner's pooled values must say the same within their errors.
    const mens = valid.offers['email-mens']!;
    const womens = valid.offers['email-womens']!;
    expect(mens.mean).toBeGreaterThan(0.06);
    expect(mens.mean).toBeLessThan(0.095);
    expect(womens.mean).toBeGreaterThan(0.03);
    expect(womens.mean).toBeLessThan(0.065);
    expect(mens.mean - womens.mean).toBeGreaterThan(Math.hypot(mens.se, womens.se));
    // Scored back as a decision would: every row gets a finite learned uplift per e-mail.
    const sample = rows.slice(0, 200);
    const zero = { uplift: new Float64Array(sample.length) };
    const uplift = learnedUplift(sample, { mens: zero, womens: zero }, valid, segments);
    expect(uplift.mens.every(Number.isFinite)).toBe(true);
    expect(uplift.womens.every(Number.isFinite)).toBe(true);
  }, 60_000);
});
