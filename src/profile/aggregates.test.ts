import { describe, expect, it } from 'vitest';
import type { NormalizedEvent, NormalizedItem } from '../events/types.js';
import { addDecayed, applyEvent, decayedValue, emptyAggregates } from './aggregates.js';
import { DAY_MS, DEFAULT_PROFILE_OPTIONS } from './options.js';
import { segmentOf } from './segment.js';
import { toSnapshot } from './snapshot.js';

const T0 = Date.UTC(2026, 10, 1, 12); // 2026-11-01 12:00 UTC
const options = { ...DEFAULT_PROFILE_OPTIONS }; // half-life 14 days

function item(id: string, category?: string, price?: number, quantity = 1): NormalizedItem {
  const out: NormalizedItem = { id, quantity, discounted: false };
  if (category !== undefined) out.category = category;
  if (price !== undefined) out.price = price;
  return out;
}

function ev(
  name: NormalizedEvent['name'],
  at: number,
  items: NormalizedItem[],
  extra: Partial<NormalizedEvent> = {},
): NormalizedEvent {
  return { name, at, items, discounted: false, ...extra };
}

function purchase(
  at: number,
  value: number,
  id: string,
  discounted = false,
  currency = 'EUR',
): NormalizedEvent {
  return ev('purchase', at, [item(`p-${id}`, 'mens', value)], {
    transactionId: id,
    value,
    currency,
    discounted,
  });
}

describe('decay', () => {
  it('halves a score every half-life and adds late events already decayed', () => {
    const h = 14 * DAY_MS;
    const score = { value: 0, at: T0 };
    addDecayed(score, 1, T0, h); // a view at day 0
    addDecayed(score, 3, T0 + 14 * DAY_MS, h); // a cart add at day 14: 1·½ + 3 = 3.5
    expect(score.value).toBeCloseTo(3.5, 12);
    expect(decayedValue(score, T0 + 28 * DAY_MS, h)).toBeCloseTo(1.75, 12);
    // An event from day 7 arriving late adds 2·2^(-7/14) = 1.41421356 as of day 14.
    addDecayed(score, 2, T0 + 7 * DAY_MS, h);
    expect(score.value).toBeCloseTo(3.5 + Math.SQRT2, 12);
    expect(score.at).toBe(T0 + 14 * DAY_MS);
  });

  it('never goes below zero', () => {
    const score = { value: 1, at: T0 };
    addDecayed(score, -2, T0, DAY_MS);
    expect(score.value).toBe(0);
  });
});

describe('applyEvent', () => {
  it('weights categories by intent, once per distinct category per event', () => {
    const agg = emptyAggregates();
    applyEvent(agg, ev('view_item', T0, [item('a', 'mens', 40)]), options);
    applyEvent(
      agg,
      ev('add_to_cart', T0, [item('a', 'mens', 40), item('b', 'mens', 20, 3)]),
      options,
    );
    applyEvent(
      agg,
      ev('view_item_list', T0, [item('c', 'womens'), item('d', 'womens'), item('e', 'kids')]),
      options,
    );
    applyEvent(agg, ev('remove_from_cart', T0, [item('b', 'mens', 20, 3)]), options);
    applyEvent(agg, ev('remove_from_cart', T0, [item('z', 'garden')]), options); // creates nothing
    // mens: view 1 + add 3 − remove 2 = 2; womens: list 0.1; kids: list 0.1.
    const snap = toSnapshot(agg, T0, options, 'memory', 'granted');
    expect(snap.categories).toEqual([
      { category: 'mens', score: 2 },
      { category: 'kids', score: 0.1 },
      { category: 'womens', score: 0.1 },
    ]);
    // 14 days later every score is halved.
    expect(toSnapshot(agg, T0 + 14 * DAY_MS, options, 'memory', 'granted').categories[0]).toEqual({
      category: 'mens',
      score: 1,
    });
  });

  it('credits a search to the categories it names', () => {
    const agg = emptyAggregates();
    applyEvent(agg, ev('view_item', T0, [item('a', 'boots')]), options);
    applyEvent(agg, ev('search', T0, [], { searchTerm: 'Black BOOTS size 42' }), options);
    applyEvent(agg, ev('search', T0, [], { searchTerm: 'bootstrap' }), options); // whole words only
    expect(toSnapshot(agg, T0, options, 'memory', 'granted').categories).toEqual([
      { category: 'boots', score: 3 },
    ]);
  });

  it('keeps the cart: adds, removals, authoritative views, cleared by a purchase', () => {
    const agg = emptyAggregates();
    applyEvent(
      agg,
      ev('add_to_cart', T0, [item('a', 'mens', 40, 2)], { currency: 'EUR' }),
      options,
    );
    applyEvent(
      agg,
      ev('add_to_cart', T0, [item('a', 'mens', 35), item('b', 'womens', 10)]),
      options,
    );
    applyEvent(agg, ev('remove_from_cart', T0, [item('b', 'womens', 10)]), options);
    let snap = toSnapshot(agg, T0, options, 'memory', 'granted');
    // a: 3 × 35 (the latest price) = 105.
    expect(snap.cart).toEqual({
      lines: [{ id: 'a', category: 'mens', price: 35, quantity: 3 }],
      itemCount: 3,
      value: 105,
      currency: 'EUR',
    });
    applyEvent(agg, ev('begin_checkout', T0, []), options); // no items: says nothing
    expect(toSnapshot(agg, T0, options, 'memory', 'granted').cart.itemCount).toBe(3);
    applyEvent(agg, ev('view_cart', T0, [item('c', 'kids', 12.5, 2)]), options);
    snap = toSnapshot(agg, T0, options, 'memory', 'granted');
    expect(snap.cart.lines.map((l) => l.id)).toEqual(['c']);
    expect(snap.cart.value).toBe(25);
    applyEvent(agg, purchase(T0, 25, 'T1'), options);
    expect(toSnapshot(agg, T0, options, 'memory', 'granted').cart).toEqual({
      lines: [],
      itemCount: 0,
      value: 0,
      currency: 'EUR',
    });
  });

  it('counts purchases and spend over trailing windows of whole UTC days', () => {
    const agg = emptyAggregates();
    const now = T0;
    const ago = (days: number) => now - days * DAY_MS;
    applyEvent(agg, purchase(ago(0), 10, 'a'), options);
    applyEvent(agg, purchase(ago(29), 20, 'b'), options);
    applyEvent(agg, purchase(ago(30), 40, 'c'), options); // outside 30, inside 90
    applyEvent(agg, purchase(ago(89), 80, 'd'), options);
    applyEvent(agg, purchase(ago(200), 160, 'e'), options);
    applyEvent(agg, purchase(ago(400), 320, 'f'), options); // only in the total
    applyEvent(agg, purchase(ago(1), 1000, 'g', false, 'USD'), options); // other currency: counted, not summed
    const snap = toSnapshot(agg, now, options, 'memory', 'granted');
    expect(snap.purchases).toEqual({
      d30: { count: 3, spend: 30 },
      d90: { count: 5, spend: 150 },
      d365: { count: 6, spend: 310 },
      total: { count: 7, spend: 630 },
      discounted: 0,
    });
    expect(snap.currency).toBe('EUR');
    expect(snap.lastPurchaseAt).toBe(now);
    expect(snap.firstPurchaseAt).toBe(ago(400));
    // Buckets older than 365 days are dropped as purchases arrive: storage stays bounded.
    expect(Object.keys(agg.purchaseDays)).toHaveLength(6);
  });

  it('remembers the categories bought in, most recent first, forgetting the oldest past the cap', () => {
    const agg = emptyAggregates();
    const small = { ...options, maxCategories: 2 };
    const buy = (at: number, id: string, ...categories: string[]) =>
      ev(
        'purchase',
        at,
        categories.map((c, i) => item(`${id}-${i}`, c, 10)),
        { transactionId: id, value: 10, currency: 'EUR' },
      );
    applyEvent(agg, buy(T0, 'a', 'mens', 'mens', 'womens'), small); // one purchase names mens once
    applyEvent(agg, buy(T0 + DAY_MS, 'b', 'mens'), small);
    expect(toSnapshot(agg, T0 + DAY_MS, small, 'memory', 'granted').purchasedCategories).toEqual([
      { category: 'mens', count: 2, lastAt: T0 + DAY_MS },
      { category: 'womens', count: 1, lastAt: T0 },
    ]);
    applyEvent(agg, buy(T0 + 2 * DAY_MS, 'c', 'kids'), small); // womens was bought longest ago
    expect(Object.keys(agg.purchasedCategories).sort()).toEqual(['kids', 'mens']);
  });

  it('ignores the effect of a duplicate purchase but still counts the event', () => {
    const agg = emptyAggregates();
    applyEvent(agg, purchase(T0, 50, 'T1'), options);
    applyEvent(agg, purchase(T0, 50, 'T1'), options, true);
    expect(agg.purchaseCount).toBe(1);
    expect(agg.spendTotal).toBe(50);
    expect(agg.eventCounts.purchase).toBe(2);
  });

  it('averages prices with intent weights and decay, and bands them', () => {
    const agg = emptyAggregates();
    applyEvent(agg, ev('view_item', T0, [item('a', 'x', 20)]), options); // weight 1
    applyEvent(agg, ev('add_to_cart', T0, [item('b', 'x', 50)]), options); // weight 2
    // (20·1 + 50·2) / 3 = 40 → mid (25 ≤ 40 < 100).
    expect(toSnapshot(agg, T0, options, 'memory', 'granted').price).toEqual({
      average: 40,
      min: 20,
      max: 50,
      band: 'mid',
    });
    // A purchase at 200 (weight 3) fourteen days later: old sums halve. (120·½ + 600) / (3·½ + 3) = 146.67 → premium.
    applyEvent(agg, purchase(T0 + 14 * DAY_MS, 200, 'T'), options);
    expect(toSnapshot(agg, T0 + 14 * DAY_MS, options, 'memory', 'granted').price).toEqual({
      average: 146.67,
      min: 20,
      max: 200,
      band: 'premium',
    });
  });

  it('keeps bounded recent lists, newest first, without duplicates', () => {
    const agg = emptyAggregates();
    const small = { ...options, recentItems: 3 };
    for (const [i, id] of ['a', 'b', 'c', 'd', 'b'].entries()) {
      applyEvent(agg, ev('view_item', T0 + i, [item(id, 'x')]), small);
    }
    expect(agg.recent.viewed.map((r) => r.id)).toEqual(['b', 'd', 'c']);
    applyEvent(agg, ev('view_item', T0 - 10, [item('old', 'x')]), small); // late, and oldest: falls off
    expect(agg.recent.viewed.map((r) => r.id)).toEqual(['b', 'd', 'c']);
  });

  it('evicts the weakest category beyond the cap', () => {
    const agg = emptyAggregates();
    const small = { ...options, maxCategories: 2 };
    applyEvent(agg, ev('add_to_cart', T0, [item('a', 'strong')]), small);
    applyEvent(agg, ev('view_item_list', T0, [item('b', 'weak')]), small);
    applyEvent(agg, ev('view_item', T0, [item('c', 'new')]), small);
    expect(Object.keys(agg.categories).sort()).toEqual(['new', 'strong']);
  });
});

describe('segmentOf', () => {
  const now = T0;
  const base = {
    purchaseCount: 0,
    discountedPurchases: 0,
    purchases365: 0,
    firstPurchaseAt: null,
    lastPurchaseAt: null,
  };
  const days = (d: number) => now - d * DAY_MS;
  it.each([
    ['new', base],
    [
      'new',
      {
        ...base,
        purchaseCount: 1,
        purchases365: 1,
        firstPurchaseAt: days(30),
        lastPurchaseAt: days(30),
      },
    ],
    [
      'active',
      {
        ...base,
        purchaseCount: 1,
        purchases365: 1,
        firstPurchaseAt: days(31),
        lastPurchaseAt: days(31),
      },
    ],
    [
      'active',
      {
        ...base,
        purchaseCount: 2,
        purchases365: 2,
        firstPurchaseAt: days(10),
        lastPurchaseAt: days(5),
      },
    ],
    [
      'loyal',
      {
        ...base,
        purchaseCount: 3,
        purchases365: 3,
        firstPurchaseAt: days(300),
        lastPurchaseAt: days(90),
      },
    ],
    [
      'at_risk',
      {
        ...base,
        purchaseCount: 5,
        purchases365: 5,
        firstPurchaseAt: days(300),
        lastPurchaseAt: days(90.5),
      },
    ],
    [
      'at_risk',
      {
        ...base,
        purchaseCount: 1,
        purchases365: 1,
        firstPurchaseAt: days(180),
        lastPurchaseAt: days(180),
      },
    ],
    [
      'lapsed',
      {
        ...base,
        purchaseCount: 9,
        purchases365: 1,
        firstPurchaseAt: days(900),
        lastPurchaseAt: days(181),
      },
    ],
    [
      'bargain_hunter',
      {
        ...base,
        purchaseCount: 4,
        discountedPurchases: 2,
        purchases365: 4,
        firstPurchaseAt: days(60),
        lastPurchaseAt: days(1),
      },
    ],
    [
      'loyal',
      {
        ...base,
        purchaseCount: 4,
        discountedPurchases: 1,
        purchases365: 4,
        firstPurchaseAt: days(60),
        lastPurchaseAt: days(1),
      },
    ],
  ] as const)('%s for %o', (expected, input) => {
    expect(segmentOf(input, now)).toBe(expected);
  });
});
