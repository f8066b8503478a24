import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateEffects } from '../../src/learning/effects.js';
import { fallbackScore } from '../campaign/simulator.js';
import { readHillstrom } from '../lib/hillstrom.js';
import { hillstromRow } from '../../test/support/hillstrom-row.js';
import { SHARED_DATA_DIR } from '../lib/paths.js';
import { hillstromCells, hillstromOffers, learnedUplift } from './hillstrom.js';
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
