import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../decide/types.js';
import { validateEvent } from '../events/validate.js';
import { applyEvent, emptyAggregates } from '../profile/aggregates.js';
import { DEFAULT_PROFILE_OPTIONS } from '../profile/options.js';
import { toSnapshot, type ProfileSnapshot } from '../profile/snapshot.js';
import {
  contentSimilarity,
  DEFAULT_RECOMMEND_OPTIONS,
  DEFAULT_RECOMMENDATION_MESSAGES,
  nameWords,
  RECOMMENDATION_MESSAGE_KEYS,
  rankItems,
  recentItems,
  type RecommendOptions,
} from './recommend.js';

const T0 = Date.UTC(2026, 10, 28, 12);
const MIN = 60_000;

type Raw = { event: string; ecommerce: Record<string, unknown> };
const item = (id: string, category?: string, name?: string) => ({
  item_id: id,
  ...(category !== undefined ? { item_category: category } : {}),
  ...(name !== undefined ? { item_name: name } : {}),
  price: 10,
});
const viewed = (id: string, category?: string, name?: string): Raw => ({
  event: 'view_item',
  ecommerce: { currency: 'EUR', items: [item(id, category, name)] },
});
const carted = (id: string, category?: string, name?: string): Raw => ({
  event: 'add_to_cart',
  ecommerce: { currency: 'EUR', items: [item(id, category, name)] },
});
const bought = (id: string, category?: string, name?: string): Raw => ({
  event: 'purchase',
  ecommerce: {
    currency: 'EUR',
    transaction_id: `T-${id}`,
    value: 10,
    items: [item(id, category, name)],
  },
});

/** A profile from events one minute apart (the last is the newest), through the real aggregates. */
function profileOf(...events: Raw[]): ProfileSnapshot {
  const agg = emptyAggregates();
  events.forEach((raw, i) => {
    const result = validateEvent(raw, T0 + i * MIN);
    if (result.kind !== 'event') throw new Error(`test event ${i} is not valid`);
    applyEvent(agg, result.event, DEFAULT_PROFILE_OPTIONS);
  });
  return toSnapshot(agg, T0 + events.length * MIN, DEFAULT_PROFILE_OPTIONS, 'memory', 'granted');
}

/** Only the neighbour term, so that scores are easy to work out by hand. */
const NEIGHBOURS_ONLY: RecommendOptions = {
  ...DEFAULT_RECOMMEND_OPTIONS,
  recencyDecay: 0.7,
  repeat: [],
  contentWeight: 0,
  categoryWeight: 0,
  popularityWeight: 0,
  diversity: 1,
  popularPool: 0,
};

const ids = (list: { itemId: string }[]) => list.map((r) => r.itemId);

describe('neighbour evidence', () => {
  const items: Record<string, CatalogItem> = {
    a: {
      name: 'Boot A',
      neighbours: [
        ['b', 0.5],
        ['c', 0.2],
      ],
    },
    d: {
      name: 'Boot D',
      neighbours: [
        ['c', 0.4],
        ['e', 0.1],
      ],
    },
  };

  it('adds each recent item’s weights, the newest at full weight and older ones × 0.7 per step', () => {
    // Recent, newest first: d (k=0), a (k=1).
    // c = 1·0.4 + 0.7·0.2 = 0.54; b = 0.7·0.5 = 0.35; e = 1·0.1 = 0.1.
    const profile = profileOf(viewed('a'), viewed('d'));
    const list = rankItems({ items, profile, limit: 10 }, NEIGHBOURS_ONLY);
    expect(ids(list)).toEqual(['c', 'b', 'e']);
    expect(list.map((r) => r.score)).toEqual([
      expect.closeTo(0.54, 12),
      expect.closeTo(0.35, 12),
      expect.closeTo(0.1, 12),
    ]);
  });

  it('counts carted and bought items as recent, says so, and never returns them', () => {
    const shop: Record<string, CatalogItem> = {
      a: {
        neighbours: [
          ['x', 0.3],
          ['b', 0.9],
        ],
      },
      b: {
        neighbours: [
          ['y', 0.5],
          ['a', 0.9],
        ],
      },
      z: { neighbours: [['w', 0.2]] },
    };
    // Newest first: z (viewed, k=0), a (carted, k=1), b (bought, k=2). (A purchase empties the
    // cart, so the cart is added after it.)
    const profile = profileOf(
      bought('b', undefined, 'Belt'),
      carted('a', undefined, 'Bag'),
      viewed('z'),
    );
    const list = rankItems({ items: shop, profile, limit: 10 }, NEIGHBOURS_ONLY);
    // y = 0.49·0.5 = 0.245, x = 0.7·0.3 = 0.21, w = 0.2; a (in the cart) and b (bought) excluded
    // although each is the other's heaviest neighbour.
    expect(ids(list)).toEqual(['y', 'x', 'w']);
    expect(list[0]!.score).toBeCloseTo(0.245, 12);
    expect(list[1]!.score).toBeCloseTo(0.21, 12);
    expect(list[0]!.explanation).toBe('Because you bought Belt');
    expect(list[1]!.explanation).toBe('Because you added Bag to your cart');
  });

  it('uses at most `recentItems` distinct recent items, a repeated view counting once (newest)', () => {
    const shop: Record<string, CatalogItem> = {
      a: { neighbours: [['x', 1]] },
      b: { neighbours: [['y', 1]] },
      c: { neighbours: [['z', 1]] },
    };
    const profile = profileOf(viewed('a'), viewed('b'), viewed('c'), viewed('a'));
    expect(recentItems(profile, 10).map((r) => r.id)).toEqual(['a', 'c', 'b']);
    // Two recent items: a (k=0) and c (k=1); b's neighbour y gets nothing.
    const list = rankItems(
      { items: shop, profile, limit: 10 },
      { ...NEIGHBOURS_ONLY, recentItems: 2 },
    );
    expect(ids(list)).toEqual(['x', 'z']);
    expect(list[1]!.score).toBeCloseTo(0.7, 12);
  });

  it('names the recent item that contributed most', () => {
    const profile = profileOf(viewed('a', undefined, 'Chelsea boot'), viewed('d'));
    const list = rankItems({ items, profile, limit: 10 }, NEIGHBOURS_ONLY);
    const c = list.find((r) => r.itemId === 'c')!;
    // d gives 0.4, a gives 0.7·0.2 = 0.14: "because of d" (named from the catalog: no name tracked).
    expect(c.because).toEqual({ itemId: 'd', kind: 'viewed' });
    expect(c.explanation).toBe('Because you viewed Boot D');
    const b = list.find((r) => r.itemId === 'b')!;
    // The shopper's own event names a (the name they saw), ahead of the catalog's.
    expect(b.because).toEqual({ itemId: 'a', kind: 'viewed', name: 'Chelsea boot' });
    expect(b.explanation).toBe('Because you viewed Chelsea boot');
  });
});

describe('interest, popularity and diversity', () => {
  it('adds categoryWeight × the category’s share of interest and popularityWeight × log-popularity', () => {
    const items: Record<string, CatalogItem> = {
      seen: { category: 'shoes', neighbours: [['p', 0.1]] },
      p: { category: 'bags', popularity: 9 },
      q: { category: 'shoes', popularity: 99 },
      r: { popularity: 0 },
    };
    // One category only: shoes has the whole interest (share 1).
    const profile = profileOf(viewed('seen', 'shoes'));
    const options = { ...DEFAULT_RECOMMEND_OPTIONS, diversity: 1 };
    const list = rankItems({ items, profile, limit: 10, candidates: ['p', 'q', 'r'] }, options);
    // p = 0.1 + 0 + 0.01·log(10)/log(100) = 0.1 + 0.005 = 0.105
    // q = 0 + 0.05·1 + 0.01·log(100)/log(100) = 0.06; r = 0.
    expect(ids(list)).toEqual(['p', 'q', 'r']);
    expect(list[0]!.score).toBeCloseTo(0.105, 12);
    expect(list[1]!.score).toBeCloseTo(0.06, 12);
    expect(list[2]!.score).toBe(0);
    expect(list.map((r) => r.explanation)).toEqual([
      'Because you viewed seen',
      'Because you often browse Shoes',
      'You may also like',
    ]);
  });

  it('multiplies by 0.7 per item of the same category already listed', () => {
    const items: Record<string, CatalogItem> = {
      s: {
        neighbours: [
          ['x', 1.0],
          ['y', 0.8],
          ['z', 0.6],
          ['u', 0.59],
        ],
      },
      x: { category: 'shoes' },
      y: { category: 'shoes' },
      z: { category: 'bags' },
      u: {},
    };
    const profile = profileOf(viewed('s'));
    const diverse = { ...NEIGHBOURS_ONLY, diversity: 0.7 };
    // x 1.0; then y 0.8·0.7 = 0.56 < z 0.6 and u 0.59 (no category: never penalised); then y 0.56.
    expect(ids(rankItems({ items, profile, limit: 4 }, diverse))).toEqual(['x', 'z', 'u', 'y']);
    // The score reported is the item's own, not the diversified one.
    expect(rankItems({ items, profile, limit: 4 }, diverse)[3]!.score).toBeCloseTo(0.8, 12);
    expect(ids(rankItems({ items, profile, limit: 4 }, NEIGHBOURS_ONLY))).toEqual([
      'x',
      'y',
      'z',
      'u',
    ]);
  });

  it('without a profile ranks by popularity (and diversity) only', () => {
    const items: Record<string, CatalogItem> = {
      a: { category: 'shoes', popularity: 100, neighbours: [['b', 1]] },
      b: { category: 'shoes', popularity: 90 },
      c: { category: 'bags', popularity: 50 },
      d: { popularity: 10 },
    };
    const list = rankItems({ items, profile: undefined, limit: 3 });
    // prior: a 1, b log(91)/log(101) ≈ 0.9774 × 0.7 (a shoe is listed) ≈ 0.684 < c log(51)/log(101) ≈ 0.852
    expect(ids(list)).toEqual(['a', 'c', 'b']);
    expect(list[0]!.score).toBeCloseTo(0.01, 12);
    expect(list[1]!.score).toBeCloseTo((0.01 * Math.log(51)) / Math.log(101), 12);
    expect(list.map((r) => r.explanation)).toEqual([
      'Popular in Shoes',
      'Popular in Bags',
      'Popular in Shoes',
    ]);
    expect(list.every((r) => r.because === undefined)).toBe(true);
  });
});

describe('candidates, exclusions, determinism', () => {
  const items: Record<string, CatalogItem> = {
    seen: {
      neighbours: [
        ['n1', 0.3],
        ['n2', 0.2],
        ['cart', 0.9],
      ],
    },
    n1: {
      name: 'One',
      url: '/p/n1',
      image: 'https://cdn.example/n1.jpg',
      price: 12,
      category: 'c1',
    },
    n2: { popularity: 5 },
    pop: { popularity: 50 },
    cart: { popularity: 80 },
  };
  const profile = () => profileOf(carted('cart'), viewed('seen'));

  it('by default ranks the item viewed in this visit, its neighbours, then popular items; the cart never', () => {
    const list = rankItems({ items, profile: profile(), limit: 10 });
    // `seen` is nobody's neighbour and has no popularity, but the shopper viewed it a minute ago
    // (k = 0: repeat 0.52 beats n1's 0.3).
    expect(ids(list)).toEqual(['seen', 'n1', 'n2', 'pop']);
    expect(list[0]!.score).toBeCloseTo(DEFAULT_RECOMMEND_OPTIONS.repeat[0]!, 12);
    expect(list[0]!.explanation).toBe('You viewed this recently');
    expect(list[1]).toMatchObject({
      itemId: 'n1',
      name: 'One',
      url: '/p/n1',
      image: 'https://cdn.example/n1.jpg',
      price: 12,
      category: 'c1',
    });
  });

  it('ranks exactly the given candidates (unknown ids too), each once, minus exclusions', () => {
    const list = rankItems({
      items,
      profile: profile(),
      limit: 10,
      candidates: ['unknown', 'pop', 'n2', 'pop', 'cart', 'n1'],
      exclude: ['n2'],
    });
    expect(ids(list)).toEqual(['n1', 'pop', 'unknown']);
  });

  it('respects the limit and returns the same list for the same input', () => {
    const first = rankItems({ items, profile: profile(), limit: 2 });
    expect(ids(first)).toEqual(['seen', 'n1']);
    expect(rankItems({ items, profile: profile(), limit: 2 })).toEqual(first);
    expect(rankItems({ items, profile: profile(), limit: 0 })).toEqual([]);
  });

  it('breaks ties by candidate order, then id', () => {
    const flat: Record<string, CatalogItem> = {};
    const list = rankItems({
      items: flat,
      profile: undefined,
      limit: 3,
      candidates: ['k', 'b', 'a'],
    });
    expect(ids(list)).toEqual(['k', 'b', 'a']);
  });
});

describe('session-aware ranking: repeats of this visit', () => {
  const items: Record<string, CatalogItem> = {
    a: { name: 'Boot A', neighbours: [['x', 0.2]] },
    b: { name: 'Boot B', neighbours: [['a', 0.1]] },
    x: { name: 'X' },
  };
  const REPEATS: RecommendOptions = { ...NEIGHBOURS_ONLY, repeat: [0.5, 0.25, 0.125] };

  it('adds repeat[k] to the k-th most recent item viewed in this visit', () => {
    // Newest first: b (k = 0), a (k = 1). b = 0.5; a = repeat 0.25 + b's neighbour weight at full
    // weight 1·0.1 = 0.35; x = a's neighbour 0.7·0.2 = 0.14.
    const profile = profileOf(viewed('a'), viewed('b'));
    const list = rankItems({ items, profile, limit: 5 }, REPEATS);
    expect(ids(list)).toEqual(['b', 'a', 'x']);
    expect(list.map((r) => r.score)).toEqual([
      expect.closeTo(0.5, 12),
      expect.closeTo(0.35, 12),
      expect.closeTo(0.14, 12),
    ]);
    // b: only the repeat; a: the repeat (0.25) outweighs b's evidence (0.1).
    expect(list[0]!.explanation).toBe('You viewed this recently');
    expect(list[1]!.explanation).toBe('You viewed this recently');
    expect(list[2]!.explanation).toBe('Because you viewed Boot A');
  });

  it('takes the catalog’s learned scores over the options’', () => {
    const profile = profileOf(viewed('a'), viewed('b'));
    const list = rankItems({ items, profile, limit: 5, repeat: [0.01] }, REPEATS);
    // b = 0.01, a = 0 + 0.1 (k = 1 has no learned score), x = 0.14.
    expect(ids(list)).toEqual(['x', 'a', 'b']);
    expect(list[2]!.score).toBeCloseTo(0.01, 12);
  });

  it('ends the visit after 30 minutes without a view; cart and bought items are never repeats', () => {
    // a viewed, 31 minutes pass, b viewed: only b is in this visit.
    const agg = emptyAggregates();
    const at = [T0, T0 + 31 * MIN];
    ['a', 'b'].forEach((id, i) => {
      const r = validateEvent(viewed(id), at[i]!);
      if (r.kind !== 'event') throw new Error('bad event');
      applyEvent(agg, r.event, DEFAULT_PROFILE_OPTIONS);
    });
    const profile = toSnapshot(agg, T0 + 32 * MIN, DEFAULT_PROFILE_OPTIONS, 'memory', 'granted');
    const list = rankItems({ items, profile, limit: 5 }, REPEATS);
    // b = 0.5 (k = 0); a = b's neighbour 0.1 only (no repeat); x = 0.7·0.2.
    expect(list.map((r) => [r.itemId, Number(r.score.toFixed(12))])).toEqual([
      ['b', 0.5],
      ['x', 0.14],
      ['a', 0.1],
    ]);
    // A carted item is recent (k = 0) but excluded; the viewed one is k = 1.
    const carting = profileOf(viewed('a'), carted('b'));
    expect(ids(rankItems({ items, profile: carting, limit: 5 }, REPEATS))).toEqual(['a', 'x']);
  });
});

describe('the messages’ keys', () => {
  it('lists every default message (the config checks keys against this list)', () => {
    expect([...RECOMMENDATION_MESSAGE_KEYS].sort()).toEqual(
      Object.keys(DEFAULT_RECOMMENDATION_MESSAGES).sort(),
    );
  });
});

describe('modes', () => {
  const items: Record<string, CatalogItem> = {
    a: { name: 'Boot A', neighbours: [['n', 0.3]], popularity: 3 },
    b: { name: 'Boot B', neighbours: [['a', 0.4]], popularity: 2 },
    n: { name: 'N', popularity: 1 },
    p: { name: 'Popular', popularity: 50 },
  };
  const profile = () => profileOf(viewed('a'), viewed('b', undefined, 'B as seen'), carted('n'));

  it('discover leaves out every viewed item; recently-viewed lists them newest first', () => {
    const forYou = rankItems({ items, profile: profile(), limit: 5 });
    // Recent: n (carted, k = 0), b (k = 1), a (k = 2). b = repeat 0.503; a = repeat 0.147 + b's
    // weight 0.3·0.4; both + prior. n is in the cart.
    expect(ids(forYou).slice(0, 2)).toEqual(['b', 'a']);
    expect(forYou[0]!.score).toBeCloseTo(0.503 + (0.01 * Math.log(3)) / Math.log(51), 12);
    expect(forYou[1]!.score).toBeCloseTo(0.147 + 0.12 + (0.01 * Math.log(4)) / Math.log(51), 12);
    const discover = rankItems({ items, profile: profile(), limit: 5, mode: 'discover' });
    // a and b viewed, n in the cart: only the popular fill is left.
    expect(ids(discover)).toEqual(['p']);
    const recent = rankItems({ items, profile: profile(), limit: 5, mode: 'recently-viewed' });
    expect(recent.map((r) => [r.itemId, r.name, r.score, r.explanation])).toEqual([
      ['b', 'Boot B', 1, 'You viewed this recently'],
      ['a', 'Boot A', 0.5, 'You viewed this recently'],
    ]);
    // exclude and candidates filter it; the limit cuts it; no profile, no list.
    const only = { items, profile: profile(), limit: 5, mode: 'recently-viewed' as const };
    expect(ids(rankItems({ ...only, exclude: ['b'] }))).toEqual(['a']);
    expect(ids(rankItems({ ...only, candidates: ['a', 'p'] }))).toEqual(['a']);
    expect(ids(rankItems({ ...only, limit: 1 }))).toEqual(['b']);
    expect(rankItems({ ...only, profile: undefined })).toEqual([]);
  });

  it('recently-viewed describes an item the catalog no longer lists from the profile', () => {
    const gone = profileOf({
      event: 'view_item',
      ecommerce: { currency: 'EUR', items: [{ item_id: 'old', item_name: 'Old boot', price: 30 }] },
    });
    expect(rankItems({ items, profile: gone, limit: 3, mode: 'recently-viewed' })).toEqual([
      {
        itemId: 'old',
        score: 1,
        explanation: 'You viewed this recently',
        name: 'Old boot',
        price: 30,
      },
    ]);
  });
});

describe('content-based candidates', () => {
  it('scores name words in common and price closeness within the band, by hand', () => {
    const a = { price: 100, words: nameWords('Chelsea boot, black leather') };
    expect(a.words).toEqual(['chelsea', 'boot', 'black', 'leather']);
    // Same price, 2 words of 6 in common: 0.5·(2/6) + 0.5·1.
    expect(contentSimilarity(a, { price: 100, words: ['desert', 'boot', 'black'] })).toBeCloseTo(
      0.5 * (2 / 5) + 0.5,
      12,
    );
    // 120 vs 100: distance |ln 1.2| / ln 1.5 ≈ 0.4497; no words in common.
    expect(contentSimilarity(a, { price: 120, words: [] })).toBeCloseTo(
      0.5 * (1 - Math.log(1.2) / Math.log(1.5)),
      12,
    );
    // Outside the band (×1.6), or a price unknown: the words alone count, or nothing.
    expect(contentSimilarity(a, { price: 160, words: a.words })).toBe(0);
    expect(contentSimilarity(a, { price: undefined, words: ['boot'] })).toBeCloseTo(0.5 / 4, 12);
  });

  it('proposes look-alikes of the newest items of the same category, below neighbour evidence', () => {
    const items: Record<string, CatalogItem> = {
      seen: { name: 'Chelsea boot black', category: 'boots', price: 100, neighbours: [['n', 0.2]] },
      twin: { name: 'Chelsea boot brown', category: 'boots', price: 100 },
      far: { name: 'Chelsea boot black', category: 'boots', price: 200 },
      other: { name: 'Chelsea boot black', category: 'bags', price: 100 },
      n: { name: 'Sock', category: 'socks' },
    };
    const profile = profileOf(viewed('seen', 'boots'));
    const options = { ...NEIGHBOURS_ONLY, contentWeight: 0.05 };
    const list = rankItems({ items, profile, limit: 5 }, options);
    // twin: 0.05 · (0.5·(2/4) + 0.5·1) = 0.0375; far is out of the price band, other another
    // category: neither is a candidate.
    expect(ids(list)).toEqual(['n', 'twin']);
    expect(list[1]!.score).toBeCloseTo(0.0375, 12);
    expect(list[1]!.explanation).toBe('Similar to Chelsea boot black');
    expect(list[1]!.because).toEqual({ itemId: 'seen', kind: 'viewed' });
  });

  it('keeps the 20 closest look-alikes of each recent item', () => {
    // 30 boots at prices 100..129: the closest in price to the one viewed (100) are kept.
    const items: Record<string, CatalogItem> = {
      seen: { name: 'Boot', category: 'boots', price: 100 },
    };
    for (let i = 0; i < 30; i++) items[`b${i}`] = { category: 'boots', price: 100 + i };
    const profile = profileOf(viewed('seen', 'boots'));
    const list = rankItems({ items, profile, limit: 50 }, { ...NEIGHBOURS_ONLY, contentWeight: 1 });
    expect(ids(list)).toEqual(Array.from({ length: 20 }, (_, i) => `b${i}`));
  });
});
