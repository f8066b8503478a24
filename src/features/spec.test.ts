import { describe, expect, it } from 'vitest';
import {
  buildFeatureMatrix,
  buildFeatures,
  FEATURE_COUNT,
  FEATURE_NAMES,
  type FeatureProfile,
} from './spec.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 28, 12);

const empty: FeatureProfile = {
  at: NOW,
  daysSinceLastPurchase: null,
  firstPurchaseAt: null,
  purchases: {
    d30: { count: 0, spend: 0 },
    d90: { count: 0, spend: 0 },
    d365: { count: 0, spend: 0 },
    total: { count: 0, spend: 0 },
    discounted: 0,
  },
  categories: [],
  purchasedCategories: [],
  segment: 'new',
  cart: { lines: [], itemCount: 0, value: 0, currency: null },
};

const shopper: FeatureProfile = {
  ...empty,
  daysSinceLastPurchase: 60.875, // two months
  firstPurchaseAt: NOW - 200 * DAY,
  purchases: { ...empty.purchases, d365: { count: 3, spend: 149 } },
  categories: [
    { category: 'womens', score: 6 },
    { category: 'mens', score: 3 },
    { category: 'kids', score: 1 },
  ],
  purchasedCategories: [
    { category: 'womens', count: 2, lastAt: NOW - 61 * DAY },
    { category: 'garden', count: 1, lastAt: NOW - 400 * DAY }, // too old to count
  ],
  segment: 'loyal',
  cart: { lines: [], itemCount: 2, value: 30, currency: 'EUR' },
};

function named(vector: Float32Array): Record<string, number> {
  return Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, vector[i]!]));
}

describe('buildFeatures', () => {
  it('has 34 named features', () => {
    expect(FEATURE_COUNT).toBe(34);
    expect(new Set(FEATURE_NAMES).size).toBe(34);
  });

  it('pins the vector of a known shopper and a coupon', () => {
    const vector = buildFeatures(
      shopper,
      { type: 'coupon', category: 'womens', percentOff: 15, minSpend: 50, endsAt: NOW + 3 * DAY },
      { channel: 'web', region_type: 'urban', member: false },
    );
    expect(Array.from(vector)).toEqual(
      [
        2, // 60.875 days / 30.4375
        1,
        Math.log(150), // ln(1 + 149)
        Math.log(4), // ln(1 + 3 orders)
        1, // bought womens within 365 days
        0, // garden is 400 days ago
        0.6, // womens 6 of 10
        0.3, // mens 3 of 10
        1, // first purchase 200 days ago
        0,
        0,
        1,
        0,
        0,
        0, // loyal
        Math.log(31), // cart 30
        0.6, // 30 of the 50 minimum
        1,
        0,
        0, // coupon
        0.15,
        0, // no amount off
        Math.log(51),
        0,
        0.1, // 3 of 30 days left
        1,
        1,
        0,
        0, // web
        1,
        0,
        0, // urban
        0,
        1, // known non-member
      ].map(Math.fround),
    );
  });

  it('encodes missing values as documented, never NaN', () => {
    const vector = named(
      buildFeatures(
        { ...empty, cart: { ...empty.cart, value: Number.NaN } },
        {
          type: 'member_deal',
          category: 'any',
          percentOff: Number.NaN,
          amountOff: 5,
          memberOnly: true,
        },
      ),
    );
    expect(Object.values(vector).every(Number.isFinite)).toBe(true);
    expect(vector).toMatchObject({
      recency_months: 13,
      has_purchased: 0,
      bought_offer_category_365: 0,
      affinity_offer_category: 0,
      segment_new: 1,
      log_cart_value: 0,
      min_spend_progress: 1,
      offer_member_deal: 1,
      percent_off: 0,
      log_amount_off: Math.fround(Math.log(6)),
      member_only: 1,
      time_left: 1,
      offer_category_specific: 0,
      channel_web: 0,
      region_urban: 0,
      member: 0,
      member_known: 0,
    });
  });

  it('treats an offer for any category as matching any purchase', () => {
    const vector = named(buildFeatures(shopper, { type: 'flash_sale', endsAt: NOW - DAY }));
    expect(vector.bought_offer_category_365).toBe(1);
    expect(vector.bought_other_category_365).toBe(0);
    expect(vector.affinity_offer_category).toBe(0);
    expect(vector.affinity_other_max).toBe(Math.fround(0.6));
    expect(vector.time_left).toBe(0); // already ended
  });

  it('caps recency and clamps percentages', () => {
    const vector = named(
      buildFeatures(
        { ...shopper, daysSinceLastPurchase: 1000 },
        { type: 'coupon', category: 'mens', percentOff: 150 },
      ),
    );
    expect(vector.recency_months).toBe(13);
    expect(vector.percent_off).toBe(1);
    expect(vector.bought_offer_category_365).toBe(0);
    expect(vector.bought_other_category_365).toBe(1);
  });

  it('fills a matrix row by row', () => {
    const offer = { type: 'coupon' as const, category: 'womens' };
    const matrix = buildFeatureMatrix([
      { profile: empty, offer },
      { profile: shopper, offer, context: { channel: 'phone' } },
    ]);
    expect(matrix).toHaveLength(2 * FEATURE_COUNT);
    expect(Array.from(matrix.subarray(FEATURE_COUNT))).toEqual(
      Array.from(buildFeatures(shopper, offer, { channel: 'phone' })),
    );
  });
});
