import { describe, expect, it } from 'vitest';
import { emptyAggregates } from '../profile/aggregates.js';
import { DEFAULT_PROFILE_OPTIONS } from '../profile/options.js';
import { toSnapshot, type ProfileSnapshot } from '../profile/snapshot.js';
import { checkOffer, eligibleOffers, serverNow, type EligibilityInput } from './eligibility.js';
import { featureOffer } from './value.js';
import type { Catalog, Offer } from './types.js';

const LOCAL = Date.UTC(2026, 10, 28, 12); // the shopper's clock
const SERVER = LOCAL + 60 * 60 * 1000; // the shop's clock is one hour ahead
const MIN = 60_000;

function profile(overrides: Partial<ProfileSnapshot> = {}): ProfileSnapshot {
  return {
    ...toSnapshot(emptyAggregates(), LOCAL, DEFAULT_PROFILE_OPTIONS, 'indexeddb', 'granted'),
    ...overrides,
  };
}

const coupon: Offer = {
  id: 'c1',
  type: 'coupon',
  title: '10% off',
  category: 'womens',
  discount: { percent: 10 },
  code: 'X',
  member_only: false,
  placements: ['home'],
};
const flash: Offer = {
  id: 'f1',
  type: 'flash_sale',
  title: 'Boots',
  category: 'mens',
  starts_at: SERVER - MIN,
  ends_at: SERVER + 30 * MIN,
  member_only: false,
  placements: [],
  items: [
    { item_id: 'a', item_name: 'A', price: 80, sale_price: 56, stock: 3 },
    { item_id: 'b', item_name: 'B', price: 60, sale_price: 40, stock: 0 },
    { item_id: 'c', item_name: 'C', price: 50, sale_price: 30 },
  ],
};

function catalog(offers: Offer[]): Catalog {
  return {
    version: 1,
    server_time: SERVER,
    received_at: LOCAL,
    currency: 'EUR',
    placements: { home: { limit: 2 }, cart: { limit: 1, types: ['coupon'] } },
    offers,
    items: {},
  };
}

function input(over: Partial<EligibilityInput> = {}): EligibilityInput {
  return {
    catalog: catalog([]),
    placement: 'home',
    profile: profile(),
    context: {},
    claims: {},
    now: LOCAL,
    ...over,
  };
}

function check(offer: Offer, over: Partial<EligibilityInput> = {}) {
  const i = input(over);
  const result = checkOffer(offer, i.placement, i.catalog.placements[i.placement], i);
  return 'reason' in result ? result.reason : 'ok';
}

describe('eligibility', () => {
  it('corrects the local clock by the offset measured when the catalog arrived', () => {
    expect(serverNow(catalog([]), LOCAL + 5 * MIN)).toBe(SERVER + 5 * MIN);
  });

  it.each([
    ['a plain coupon', coupon, {}, 'ok'],
    ['another placement', coupon, { placement: 'product' }, 'placement'],
    ['a placement that takes only coupons', flash, { placement: 'cart' }, 'placement_type'],
    // Starts 30 minutes from now by the server clock, although the local clock says it started.
    [
      'not yet valid by the server clock',
      { ...coupon, valid_from: SERVER + 30 * MIN },
      {},
      'not_started',
    ],
    ['valid by the server clock only', { ...coupon, valid_from: LOCAL + 30 * MIN }, {}, 'ok'],
    ['expired by the server clock', { ...coupon, valid_to: SERVER - 1 }, {}, 'ended'],
    ['valid to is exclusive', { ...coupon, valid_to: SERVER }, {}, 'ended'],
    ['budget used up', { ...coupon, remaining: 0 }, {}, 'budget'],
    ['members only, not a member', { ...coupon, member_only: true }, {}, 'members_only'],
    [
      'members only, a member',
      { ...coupon, member_only: true },
      { context: { member: true } },
      'ok',
    ],
    ['claimed up to its limit', { ...coupon, max_claims: 1 }, { claims: { c1: 1 } }, 'claimed'],
    ['claims left', { ...coupon, max_claims: 2 }, { claims: { c1: 1 } }, 'ok'],
    [
      'min spend out of reach (empty cart, no orders)',
      { ...coupon, min_spend: 100 },
      {},
      'min_spend',
    ],
    [
      'min spend: half of it in the cart',
      { ...coupon, min_spend: 100 },
      { profile: profile({ cart: { lines: [], itemCount: 1, value: 50, currency: 'EUR' } }) },
      'ok',
    ],
    [
      'min spend: a typical order reaches half of it',
      { ...coupon, min_spend: 100 },
      {
        profile: profile({
          purchases: { ...profile().purchases, d365: { count: 2, spend: 120 } },
        }),
      },
      'ok',
    ],
    ['flash sale live', flash, {}, 'ok'],
    ['flash sale ended', { ...flash, ends_at: SERVER }, {}, 'ended'],
    [
      'flash sale within the hour before it starts',
      { ...flash, starts_at: SERVER + 59 * MIN },
      {},
      'ok',
    ],
    ['flash sale further ahead', { ...flash, starts_at: SERVER + 61 * MIN }, {}, 'not_started'],
    [
      'flash sale sold out',
      { ...flash, items: [{ item_id: 'b', item_name: 'B', price: 60, sale_price: 40, stock: 0 }] },
      {},
      'out_of_stock',
    ],
    [
      'flash sale items all in the cart or bought',
      { ...flash, items: flash.items!.filter((i) => i.item_id !== 'b') },
      {
        profile: profile({
          cart: { lines: [{ id: 'a', quantity: 1 }], itemCount: 1, value: 56, currency: 'EUR' },
          recent: { viewed: [], carted: [], purchased: [{ id: 'c', at: LOCAL - 1000 }] },
        }),
      },
      'owned',
    ],
  ] as [string, Offer, Partial<EligibilityInput>, string][])(
    '%s',
    (_name, offer, over, expected) => {
      expect(check(offer, over)).toBe(expected);
    },
  );

  it('keeps only the flash-sale items the shopper can still buy', () => {
    const offers = eligibleOffers(
      input({
        catalog: catalog([coupon, flash]),
        profile: profile({
          cart: { lines: [{ id: 'a', quantity: 1 }], itemCount: 1, value: 56, currency: 'EUR' },
        }),
      }),
    );
    expect(offers.map((o) => o.id)).toEqual(['c1', 'f1']);
    expect(offers[1]!.items!.map((i) => i.item_id)).toEqual(['c']); // a is in the cart, b is sold out
  });
});

describe('featureOffer', () => {
  it("moves the offer's end from the shop's clock to the shopper's", () => {
    // Ends 3 hours from now by the shop's clock, which runs 1 hour ahead: 3 hours on the shopper's.
    const offer = { ...flash, ends_at: SERVER + 3 * 60 * MIN };
    expect(featureOffer(offer, SERVER - LOCAL).endsAt).toBe(LOCAL + 3 * 60 * MIN);
  });
});
