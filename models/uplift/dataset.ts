import {
  buildFeatures,
  FEATURE_COUNT,
  type FeatureContext,
  type FeatureOffer,
  type FeatureProfile,
} from '../../src/features/spec.js';
import { segmentOf } from '../../src/profile/segment.js';
import type { HillstromRow } from '../lib/hillstrom.js';

/**
 * How a Hillstrom row becomes the SDK's view of a shopper. The campaign data has no browsing, no
 * cart and no purchase counts, so the snapshot holds only what the row says:
 * - `recency` (months since last purchase) → a last purchase that many months (30.4375 days) ago;
 * - `history` (dollars in the past year) → spend over 365 days;
 * - `newbie` (first purchase within 12 months) → one purchase, the first, at the last purchase;
 *   otherwise two purchases in the year and a first purchase two years back;
 * - `mens` / `womens` → purchases in those categories at the last purchase;
 * - `channel` and `zip_code` → the context's `channel` and `region_type`;
 * - the segment comes from the SDK's own rules on that snapshot.
 * The e-mail a row received becomes a `coupon` offer of that category.
 */
export const REFERENCE_TIME = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;
const MONTH_DAYS = 30.4375;

export type OfferCategory = 'mens' | 'womens';
export const OFFER_CATEGORIES: readonly OfferCategory[] = ['mens', 'womens'];

export function profileOf(row: HillstromRow): FeatureProfile {
  const at = REFERENCE_TIME;
  const lastAt = at - row.recency * MONTH_DAYS * DAY_MS;
  const count = row.newbie ? 1 : 2;
  const firstAt = row.newbie ? lastAt : at - 730 * DAY_MS;
  const purchasedCategories = [];
  if (row.mens) purchasedCategories.push({ category: 'mens', count: 1, lastAt });
  if (row.womens) purchasedCategories.push({ category: 'womens', count: 1, lastAt });
  const spend = row.history;
  return {
    at,
    daysSinceLastPurchase: (at - lastAt) / DAY_MS,
    firstPurchaseAt: firstAt,
    purchases: {
      d30: { count: row.recency <= 1 ? 1 : 0, spend: 0 },
      d90: { count: row.recency <= 3 ? 1 : 0, spend: 0 },
      d365: { count, spend },
      total: { count, spend },
      discounted: 0,
    },
    categories: [],
    purchasedCategories,
    segment: segmentOf(
      {
        purchaseCount: count,
        discountedPurchases: 0,
        purchases365: count,
        firstPurchaseAt: firstAt,
        lastPurchaseAt: lastAt,
      },
      at,
    ),
    cart: { lines: [], itemCount: 0, value: 0, currency: null },
  };
}

export function offerFor(category: OfferCategory): FeatureOffer {
  return { type: 'coupon', category };
}

export function contextOf(row: HillstromRow): FeatureContext {
  return { channel: row.channel, region_type: row.zip };
}

/** Training samples: a treated row once (its e-mail's category), a control row once per category. */
export interface Samples {
  /** `[S, F]` features. */
  x: Float32Array;
  /** 1 when the sample's offer was shown. */
  treated: Uint8Array;
  /** The outcome (visit or conversion). */
  y: Uint8Array;
  /** Index of the source row, so that a row's samples stay in one fold. */
  row: Uint32Array;
  count: number;
}

export type Outcome = 'visit' | 'conversion';

export function buildSamples(rows: readonly HillstromRow[], outcome: Outcome): Samples {
  let count = 0;
  for (const row of rows) count += row.arm === 'none' ? OFFER_CATEGORIES.length : 1;
  const x = new Float32Array(count * FEATURE_COUNT);
  const treated = new Uint8Array(count);
  const y = new Uint8Array(count);
  const source = new Uint32Array(count);
  let s = 0;
  rows.forEach((row, index) => {
    const profile = profileOf(row);
    const context = contextOf(row);
    const categories = row.arm === 'none' ? OFFER_CATEGORIES : [row.arm];
    for (const category of categories) {
      buildFeatures(profile, offerFor(category), context, x, s * FEATURE_COUNT);
      treated[s] = row.arm === 'none' ? 0 : 1;
      y[s] = row[outcome];
      source[s] = index;
      s++;
    }
  });
  return { x, treated, y, row: source, count };
}

/** Features of every row for one offer category, `[N, F]`: what evaluation scores. */
export function rowFeatures(rows: readonly HillstromRow[], category: OfferCategory): Float32Array {
  const x = new Float32Array(rows.length * FEATURE_COUNT);
  rows.forEach((row, i) =>
    buildFeatures(profileOf(row), offerFor(category), contextOf(row), x, i * FEATURE_COUNT),
  );
  return x;
}
