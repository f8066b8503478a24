import type { Consent } from '../privacy/consent.js';
import {
  decayedValue,
  dayNumber,
  type Aggregates,
  type CartLine,
  type RecentItem,
} from './aggregates.js';
import { DAY_MS, type ProfileOptions } from './options.js';
import { segmentOf, type Segment } from './segment.js';

/** Purchases and spend over a trailing window of whole UTC days, today included. */
export interface PurchaseWindow {
  count: number;
  spend: number;
}

export type PriceBand = 'budget' | 'mid' | 'premium';

/** A read-only view of the local shopper profile at one moment. */
export interface ProfileSnapshot {
  /** When the snapshot was taken (ms since epoch). */
  at: number;
  /** Where the profile lives now: on disk, or in memory only (consent, or storage unavailable). */
  storage: 'indexeddb' | 'memory';
  consent: Consent;
  firstSeenAt: number | null;
  lastSeenAt: number | null;
  firstPurchaseAt: number | null;
  lastPurchaseAt: number | null;
  /** Whole and fractional days since the last purchase; null when there was none. */
  daysSinceLastPurchase: number | null;
  /** Currency in which spend is counted (that of the first purchase). */
  currency: string | null;
  purchases: {
    d30: PurchaseWindow;
    d90: PurchaseWindow;
    d365: PurchaseWindow;
    total: PurchaseWindow;
    discounted: number;
  };
  /** Category affinities decayed to `at`, strongest first. */
  categories: { category: string; score: number }[];
  /** Categories the shopper bought in: purchases naming each and the last time, most recent first. */
  purchasedCategories: { category: string; count: number; lastAt: number }[];
  /**
   * Categories the shopper turned off: they are left out of `categories`,
   * `purchasedCategories` and the recent viewed and carted items, so no decision or
   * recommendation uses them (recent purchases stay, so that bought items are never offered).
   */
  mutedCategories: string[];
  /** Decayed average unit price of items seen, carted and bought, and its band. */
  price: { average: number | null; min: number | null; max: number | null; band: PriceBand | null };
  recent: { viewed: RecentItem[]; carted: RecentItem[]; purchased: RecentItem[] };
  cart: { lines: CartLine[]; itemCount: number; value: number; currency: string | null };
  segment: Segment;
  eventCounts: Record<string, number>;
  log: { events: number; compacted: number; expired: number };
}

function windowOf(agg: Aggregates, today: number, days: number): PurchaseWindow {
  let count = 0;
  let spend = 0;
  for (const [day, [c, s]] of Object.entries(agg.purchaseDays)) {
    if (Number(day) > today - days) {
      count += c;
      spend += s;
    }
  }
  return { count, spend: round2(spend) };
}

function withoutMuted(
  recent: Aggregates['recent'],
  muted: ReadonlySet<string>,
): ProfileSnapshot['recent'] {
  const keep = (list: RecentItem[]) =>
    clone(list.filter((r) => r.category === undefined || !muted.has(r.category)));
  // Purchases stay listed: what was bought must still be recognised (never offered again).
  return {
    viewed: keep(recent.viewed),
    carted: keep(recent.carted),
    purchased: clone(recent.purchased),
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Builds the public snapshot from the stored aggregates; decays are evaluated at `now`. */
export function toSnapshot(
  agg: Aggregates,
  now: number,
  options: ProfileOptions,
  storage: 'indexeddb' | 'memory',
  consent: Consent,
): ProfileSnapshot {
  const halfLifeMs = options.halfLifeDays * DAY_MS;
  const today = dayNumber(now);
  const d365 = windowOf(agg, today, 365);
  const muted = new Set(agg.muted ?? []);
  const categories = Object.entries(agg.categories)
    .filter(([category]) => !muted.has(category))
    .map(([category, score]) => ({ category, score: decayedValue(score, now, halfLifeMs) }))
    .filter((c) => c.score > 0)
    .sort((a, b) => b.score - a.score || (a.category < b.category ? -1 : 1));
  const weight = decayedValue(agg.price.weight, now, halfLifeMs);
  const average = weight > 0 ? decayedValue(agg.price.sum, now, halfLifeMs) / weight : null;
  const [budget, mid] = options.priceBands;
  const band: PriceBand | null =
    average === null ? null : average < budget ? 'budget' : average < mid ? 'mid' : 'premium';
  let itemCount = 0;
  let value = 0;
  for (const line of agg.cart) {
    itemCount += line.quantity;
    value += (line.price ?? 0) * line.quantity;
  }
  return {
    at: now,
    storage,
    consent,
    firstSeenAt: agg.firstSeenAt,
    lastSeenAt: agg.lastSeenAt,
    firstPurchaseAt: agg.firstPurchaseAt,
    lastPurchaseAt: agg.lastPurchaseAt,
    daysSinceLastPurchase: agg.lastPurchaseAt === null ? null : (now - agg.lastPurchaseAt) / DAY_MS,
    currency: agg.currency,
    purchases: {
      d30: windowOf(agg, today, 30),
      d90: windowOf(agg, today, 90),
      d365,
      total: { count: agg.purchaseCount, spend: round2(agg.spendTotal) },
      discounted: agg.discountedPurchases,
    },
    categories,
    purchasedCategories: Object.entries(agg.purchasedCategories ?? {})
      .filter(([category]) => !muted.has(category))
      .map(([category, { count, last }]) => ({ category, count, lastAt: last }))
      .sort((a, b) => b.lastAt - a.lastAt || (a.category < b.category ? -1 : 1)),
    price: {
      average: average === null ? null : round2(average),
      min: agg.price.min,
      max: agg.price.max,
      band,
    },
    mutedCategories: [...muted],
    recent: muted.size === 0 ? clone(agg.recent) : withoutMuted(agg.recent, muted),
    cart: { lines: clone(agg.cart), itemCount, value: round2(value), currency: agg.cartCurrency },
    segment: segmentOf(
      {
        purchaseCount: agg.purchaseCount,
        discountedPurchases: agg.discountedPurchases,
        purchases365: d365.count,
        firstPurchaseAt: agg.firstPurchaseAt,
        lastPurchaseAt: agg.lastPurchaseAt,
      },
      now,
    ),
    eventCounts: { ...agg.eventCounts },
    log: { events: agg.rawEvents, compacted: agg.compactedEvents, expired: agg.expiredEvents },
  };
}
