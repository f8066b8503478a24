import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cartAdd, freshIndexedDB, view } from '../../test/support/fake-idb.js';
import type { OfferwiseConfig } from '../config.js';
import { createOffers, type Offerwise } from '../offerwise.js';
import { OfferwiseError } from '../util/errors.js';

const T0 = Date.UTC(2026, 10, 28, 12);
let clock = T0;
const open: Offerwise[] = [];

const CATALOG = {
  version: 1,
  server_time: new Date(T0).toISOString(),
  currency: 'EUR',
  placements: { product: { limit: 3 }, sale: { limit: 2, items: ['s1', 's2', 's3'] } },
  offers: [],
  items: {
    boot: {
      name: 'Chelsea boot',
      category: 'shoes',
      neighbours: [
        ['sock', 0.6],
        ['lace', 0.3],
        ['belt', 0.2],
      ],
    },
    sock: { name: 'Wool sock', category: 'socks', popularity: 5 },
    lace: { name: 'Laces', category: 'shoes', popularity: 2 },
    belt: { name: 'Belt', category: 'belts', popularity: 1 },
    hit: { name: 'Bestseller', category: 'bags', popularity: 500 },
    s1: { popularity: 1 },
    s2: { popularity: 100 },
    s3: { popularity: 10 },
  },
};

async function make(config: OfferwiseConfig = {}) {
  const ow = await createOffers({
    consent: 'granted',
    catalog: CATALOG,
    now: () => clock,
    ...config,
  });
  open.push(ow);
  return ow;
}

beforeEach(() => {
  freshIndexedDB();
  clock = T0;
});

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((ow) => ow.destroy()));
});

describe('recommend()', () => {
  it('ranks the neighbours of what the shopper viewed, explains them, and skips the cart', async () => {
    const ow = await make();
    await ow.track(view('boot', 'shoes'));
    await ow.track(cartAdd('lace', 'shoes', 3));
    const result = await ow.recommend({ placement: 'product' });
    expect(result.personalized).toBe(true);
    expect(result.placement).toBe('product');
    // Placement limit 3. Recent: lace (carted, newest, k = 0), boot (k = 1). boot, viewed in
    // this visit: repeat[1] 0.503 + interest 0.05 (shoes, the only category) = 0.553; sock
    // 0.3·0.6 = 0.18 + prior 0.01·log 6/log 501 ≈ 0.1829; belt 0.3·0.2 + prior ≈ 0.0611; lace is
    // in the cart.
    expect(result.items.map((r) => r.itemId)).toEqual(['boot', 'sock', 'belt']);
    expect(result.items.map((r) => r.score)).toEqual([
      expect.closeTo(0.503 + 0.05, 12),
      expect.closeTo(0.18 + (0.01 * Math.log(6)) / Math.log(501), 12),
      expect.closeTo(0.06 + (0.01 * Math.log(2)) / Math.log(501), 12),
    ]);
    expect(result.items[1]).toMatchObject({
      name: 'Wool sock',
      category: 'socks',
      because: { itemId: 'boot', kind: 'viewed' },
      explanation: 'Because you viewed Chelsea boot',
    });
    expect(result.items[0]!.explanation).toBe('You viewed this recently');
    const discover = await ow.recommend({ placement: 'product', mode: 'discover' });
    // Not yet viewed: boot drops out, the popular fill takes the third place.
    expect(discover.items.map((r) => r.itemId)).toEqual(['sock', 'belt', 'hit']);
    expect(discover.items[2]!.explanation).toBe('Popular in Bags');
    const seen = await ow.recommend({ placement: 'product', mode: 'recently-viewed' });
    expect(seen.items.map((r) => r.itemId)).toEqual(['boot']);
  });

  it('orders a placement’s own items (e.g. a flash sale), and explicit candidates', async () => {
    const ow = await make();
    expect((await ow.recommend({ placement: 'sale' })).items.map((r) => r.itemId)).toEqual([
      's2',
      's3',
    ]);
    const chosen = await ow.recommend({ placement: 'sale', candidates: ['s1', 'hit'], limit: 5 });
    expect(chosen.items.map((r) => r.itemId)).toEqual(['hit', 's1']);
    const excluded = await ow.recommend({ placement: 'product', limit: 1, exclude: ['hit'] });
    expect(excluded.items.map((r) => r.itemId)).toEqual(['s2']);
  });

  it('without consent uses no profile: popularity only, personalized false', async () => {
    const ow = await make({ consent: 'denied' });
    await ow.track(view('boot', 'shoes'));
    const result = await ow.recommend({ placement: 'product', limit: 2 });
    expect(result.personalized).toBe(false);
    expect(result.items.map((r) => r.itemId)).toEqual(['hit', 's2']);
    expect(result.items.every((r) => r.because === undefined)).toBe(true);
  });

  it('never returns bought items', async () => {
    const ow = await make();
    await ow.track(view('boot', 'shoes'));
    await ow.track({
      event: 'purchase',
      ecommerce: {
        transaction_id: 'T1',
        currency: 'EUR',
        value: 5,
        items: [{ item_id: 'sock', price: 5 }],
      },
    });
    const ids = (await ow.recommend({ placement: 'product', limit: 8 })).items.map((r) => r.itemId);
    expect(ids).not.toContain('sock');
    // boot (viewed, k = 1 after the purchase): 0.503 + 0.05 interest; lace 0.3·0.3 + 0.05 + prior.
    expect(ids.slice(0, 2)).toEqual(['boot', 'lace']);
  });

  it('rejects a malformed request naming the field; no catalog gives an empty list', async () => {
    const ow = await make();
    const cases: [unknown, string][] = [
      [null, 'recommend()'],
      [{ placement: '' }, 'recommend().placement'],
      [{ placement: 'p', limit: 0 }, 'recommend().limit'],
      [{ placement: 'p', candidates: 'a' }, 'recommend().candidates'],
      [{ placement: 'p', exclude: ['a', 3] }, 'recommend().exclude[1]'],
      [{ placement: 'p', mode: 'foryou' }, 'recommend().mode'],
    ];
    for (const [request, field] of cases) {
      const error = await ow.recommend(request as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OfferwiseError);
      expect(error).toMatchObject({ code: 'invalid_input', field });
    }
    const bare = await createOffers({ consent: 'granted', now: () => clock });
    open.push(bare);
    expect(await bare.recommend({ placement: 'product' })).toEqual({
      placement: 'product',
      items: [],
      personalized: false,
      at: T0,
    });
  });

  it('validates the recommendations config naming the option', async () => {
    await expect(
      createOffers({ recommendations: { diversity: 2 } } as OfferwiseConfig),
    ).rejects.toThrow('config.recommendations.diversity: got 2, expected a number from 0 to 1');
    await expect(
      createOffers({ recommendations: { messages: { viewd: 'x' } } } as never),
    ).rejects.toMatchObject({
      code: 'invalid_config',
      field: 'config.recommendations.messages.viewd',
    });
    const ow = await make({
      recommendations: {
        messages: { viewed: 'Weil Sie {item} ansahen', seen: 'Kürzlich angesehen' },
      },
    });
    await ow.track(view('boot', 'shoes'));
    // boot itself first (viewed a moment ago), then its neighbours; the other defaults stay.
    const [first, second] = (await ow.recommend({ placement: 'product' })).items;
    expect(first!.explanation).toBe('Kürzlich angesehen');
    expect(second!.explanation).toBe('Weil Sie Chelsea boot ansahen');
  });
});

describe('muteInterest()', () => {
  it('leaves a category out of the profile, decisions’ explanations and recommendations, until unmuted', async () => {
    const ow = await make();
    await ow.track(view('boot', 'shoes'));
    await ow.track(view('x1', 'bags'));
    expect((await ow.profile()).categories.map((c) => c.category).sort()).toEqual([
      'bags',
      'shoes',
    ]);
    await ow.muteInterest(' Shoes ');
    const muted = await ow.profile();
    expect(muted.categories.map((c) => c.category)).toEqual(['bags']);
    expect(muted.mutedCategories).toEqual(['shoes']);
    expect(muted.recent.viewed.map((r) => r.id)).toEqual(['x1']);
    // boot's neighbours no longer come "because you viewed Chelsea boot".
    const recs = await ow.recommend({ placement: 'product', limit: 3 });
    expect(recs.items.some((r) => r.because?.itemId === 'boot')).toBe(false);
    // Kept across instances (tabs, reloads): it is stored with the profile.
    const other = await make();
    expect((await other.profile()).mutedCategories).toEqual(['shoes']);
    await other.unmuteInterest('shoes');
    const back = await ow.profile();
    expect(back.mutedCategories).toEqual([]);
    expect(back.categories.map((c) => c.category).sort()).toEqual(['bags', 'shoes']);
    // The events were counted all along.
    expect(back.eventCounts).toEqual({ view_item: 2 });
  });

  it('rejects an empty category naming the field', async () => {
    const ow = await make();
    await expect(ow.muteInterest('  ')).rejects.toMatchObject({
      code: 'invalid_input',
      field: 'muteInterest().category',
    });
  });
});
