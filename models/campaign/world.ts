/**
 * The simulated campaign: its catalog (coupons per category at several depths, the candidate
 * policies the devices evaluate) and, for runs without the Hillstrom file, synthetic shoppers.
 */
import { validateCatalog } from '../../src/catalog/validate.js';
import type { Catalog } from '../../src/decide/types.js';
import type { HillstromRow } from '../lib/hillstrom.js';

/** Day 0 of every simulation (a Monday). */
export const SIM_START = Date.UTC(2026, 2, 2);

/** The catalog policies of the simulated campaign (the alternatives `truth.json` also values). */
export const SIMULATION_POLICIES = [
  { id: 'greedy', decisions: { exploration: 0 } },
  { id: 'warm', decisions: { temperature: 0.05, exploration: 0.3 } },
  { id: 'revenue', decisions: { objective: 'revenue', outcomeValue: 60 } },
  { id: 'biggest_discount', rule: 'biggest_discount' },
];

/**
 * The simulator's campaign: coupons per category at different depths, one `home` slot. `wide`
 * has 17 coupons (every 5 points from 5% to 30%; "any" to 25%): more than ten candidates, so the
 * policy's odds live on a grid of tenths of a point and the reported ones are rounded.
 */
export function simulationCatalog(
  start: number,
  days: number,
  size: 'standard' | 'wide' = 'standard',
): Record<string, unknown> {
  const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
  const coupon = (id: string, category: string, percent: number) => ({
    id,
    type: 'coupon',
    title: `${percent}% off ${category === 'any' ? 'everything' : category}`,
    category,
    discount: { percent },
    code: id.toUpperCase(),
    max_claims: 1,
    valid_from: iso(start),
    valid_to: iso(start + (days + 1) * 86_400_000),
    placements: ['home'],
  });
  return {
    version: 1,
    server_time: iso(start),
    currency: 'USD',
    placements: { home: { limit: 1 } },
    // The candidate policies the device evaluates (their rounded odds ride on the impressions).
    policies: SIMULATION_POLICIES,
    offers:
      size === 'wide'
        ? (['mens', 'womens', 'any'] as const).flatMap((category) =>
            [5, 10, 15, 20, 25, 30]
              .filter((p) => category !== 'any' || p <= 25)
              .map((p) => coupon(`c-${category}-${p}`, category, p)),
          )
        : [
            coupon('c-mens-10', 'mens', 10),
            coupon('c-mens-25', 'mens', 25),
            coupon('c-womens-10', 'womens', 10),
            coupon('c-womens-20', 'womens', 20),
            coupon('c-any-5', 'any', 5),
            coupon('c-any-15', 'any', 15),
          ],
  };
}

/** Validates a raw catalog (as the SDK does), received at its own `server_time`. */
export function loadCatalog(raw: unknown): Catalog {
  const serverTime = Date.parse(String((raw as { server_time?: unknown })?.server_time));
  return validateCatalog(raw, Number.isFinite(serverTime) ? serverTime : 0).catalog;
}

/**
 * Hillstrom-like rows from a seeded generator, for tests and runs without the data file:
 * recency 1–12 months, history log-uniform on 30–1,500, mens/womens/newbie coin flips, zip and
 * channel drawn with roughly the real file's shares.
 */
export function syntheticRows(count: number, random: () => number): HillstromRow[] {
  const pick = <T>(items: readonly [T, number][]): T => {
    let u = random();
    for (const [item, share] of items) {
      if (u < share) return item;
      u -= share;
    }
    return items[items.length - 1]![0];
  };
  return Array.from({ length: count }, (_, rowId) => ({
    rowId,
    recency: 1 + Math.floor(random() * 12),
    history: Math.round(30 * Math.exp(random() * Math.log(50)) * 100) / 100,
    mens: random() < 0.55,
    womens: random() < 0.55,
    newbie: random() < 0.5,
    zip: pick([
      ['suburban', 0.45],
      ['urban', 0.4],
      ['rural', 0.15],
    ] as const),
    channel: pick([
      ['web', 0.44],
      ['phone', 0.44],
      ['multichannel', 0.12],
    ] as const),
    arm: 'none',
    visit: 0,
    conversion: 0,
    spend: 0,
  }));
}
