// The audit's finding 1, as an attacker would run it: from what one impression carries, the
// public catalog and the coefficients the runtime ships (the fallback scorer), search every
// profile for those that would have produced exactly that impression. With model outputs on the
// wire (the retired `logCandidates`) the search pinned the shopper down to a day and a few euros;
// with what the SDK sends now (the propensity on its grid of whole points and the catalog
// policies' odds rounded to whole points) it cannot tell apart shoppers months and hundreds of
// euros apart.
import { describe, expect, it } from 'vitest';
import { firstSlotProbabilities, parsePolicySpec } from '../decide/candidate-policy.js';
import { DEFAULT_POLICY, slotOrder, slotProbabilities } from '../decide/policy.js';
import type { Offer } from '../decide/types.js';
import { featureOffer } from '../decide/value.js';
import { buildFeatures, FEATURE_COUNT } from '../features/spec.js';
import { DEFAULT_FALLBACK } from '../predictor/default-fallback.js';
import { scoreFallback } from '../predictor/fallback.js';
import type { ProfileSnapshot } from '../profile/snapshot.js';

const NOW = Date.UTC(2026, 10, 28, 12);
const DAY = 86_400_000;

function coupon(id: string, category: string, percent: number): Offer {
  return {
    id,
    type: 'coupon',
    title: id,
    category,
    discount: { percent },
    code: id,
    member_only: false,
    placements: [],
  };
}
const offers = [
  coupon('c-womens-10', 'womens', 10),
  coupon('c-womens-20', 'womens', 20),
  coupon('c-mens-15', 'mens', 15),
  coupon('c-shoes-10', 'shoes', 10),
  coupon('c-any-5', 'any', 5),
];
const policies = [
  { id: 'greedy', spec: parsePolicySpec({ decisions: { exploration: 0 } }) },
  {
    id: 'revenue',
    spec: parsePolicySpec({ decisions: { objective: 'revenue', exploration: 0.2 } }),
  },
];

interface Shopper {
  days: number;
  spend: number;
  bought: readonly string[];
}

function snapshot(s: Shopper): ProfileSnapshot {
  const window = { count: 3, spend: s.spend };
  return {
    at: NOW,
    daysSinceLastPurchase: s.days,
    firstPurchaseAt: NOW - 300 * DAY,
    purchases: { d30: window, d90: window, d365: window, total: window, discounted: 0 },
    categories: [],
    purchasedCategories: s.bought.map((category) => ({
      category,
      count: 1,
      lastAt: NOW - s.days * DAY,
    })),
    segment: 'loyal',
    cart: { lines: [], itemCount: 0, value: 0, currency: null },
  } as unknown as ProfileSnapshot;
}

/** What the device computes for a shopper: the model's outputs and every probability it logs. */
function device(s: Shopper, shown: string) {
  const profile = snapshot(s);
  const rows = new Float32Array(offers.length * FEATURE_COUNT);
  offers.forEach((o, i) => buildFeatures(profile, featureOffer(o), {}, rows, i * FEATURE_COUNT));
  const scores = scoreFallback(DEFAULT_FALLBACK, rows, FEATURE_COUNT);
  const weighed = offers.map((offer, i) => ({
    offer,
    prediction: {
      pTreated: scores.pTreated[i]!,
      pControl: scores.pControl[i]!,
      uplift: scores.uplift[i]!,
    },
  }));
  const index = offers.findIndex((o) => o.id === shown);
  // The logging policy (uplift objective, the SDK defaults), first slot.
  const ordered = slotOrder(
    weighed.map((w) => ({ offerId: w.offer.id, score: w.prediction.uplift })),
  );
  const p = slotProbabilities(
    ordered.map((c) => c.score),
    DEFAULT_POLICY,
  );
  return {
    propensity: p[ordered.findIndex((c) => c.offerId === shown)]!,
    policies: policies.map(({ spec }) => firstSlotProbabilities(spec, weighed, profile)[index]!),
    // What the retired logCandidates put on the wire: every candidate's outputs, 6 digits.
    outputs: weighed.flatMap((w) => [
      Number(w.prediction.pTreated.toPrecision(6)),
      Number(w.prediction.pControl.toPrecision(6)),
    ]),
  };
}

const SUBSETS = [[], ['womens'], ['mens'], ['shoes'], ['womens', 'mens'], ['womens', 'shoes']];

/** Every profile of the attacker's grid: 3 days, €10 of spend, the categories bought. */
function* grid(): Generator<Shopper> {
  for (let days = 3; days <= 360; days += 3)
    for (let spend = 10; spend <= 1500; spend += 10)
      for (const bought of SUBSETS) yield { days, spend, bought };
}

describe('reconstructing a profile from one impression (audit finding 1)', () => {
  const victim: Shopper = { days: 63, spend: 390, bought: ['womens'] };
  const shown = 'c-womens-20';
  const seen = device(victim, shown);
  // One pass over the grid for both wires (108,000 profiles, a few seconds).
  const oldWire: Shopper[] = [];
  const newWire: Shopper[] = [];
  for (const s of grid()) {
    const d = device(s, shown);
    if (d.outputs.every((x, i) => Math.abs(x - seen.outputs[i]!) < 5e-6)) oldWire.push(s);
    // The wire now: the propensity exactly (it is on the grid), each policy's odds within a
    // point (they were rounded at random up or down to whole points).
    if (
      d.propensity === seen.propensity &&
      d.policies.every((p, i) => Math.abs(p - seen.policies[i]!) < 0.01 + 1e-9)
    )
      newWire.push(s);
  }

  it('model outputs on the wire pinned the shopper down (the retired logCandidates)', () => {
    // Only the victim's own cell of the grid.
    expect(oldWire).toEqual([victim]);
  });

  it('what the SDK sends now leaves months and hundreds of euros open', () => {
    expect(Math.abs(seen.propensity * 100 - Math.round(seen.propensity * 100))).toBeLessThan(1e-9);
    expect(newWire).toContainEqual(victim);
    const span = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
    // Measured: 16,307 of the 108,000 grid profiles fit (recency 3–360 days, spend €60–1,500).
    expect(newWire.length).toBeGreaterThan(1000);
    expect(span(newWire.map((m) => m.days))).toBeGreaterThan(180);
    expect(span(newWire.map((m) => m.spend))).toBeGreaterThan(500);
    // What does show, as the shown offer itself shows it: that women's was the category bought
    // (the policy favoured a women's coupon). The README's privacy model says so.
    expect(new Set(newWire.map((m) => m.bought.join('+')))).toEqual(new Set(['womens']));
  });
});
