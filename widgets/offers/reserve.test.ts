import { describe, expect, it } from 'vitest';
import type { Catalog, Offer, Placement } from '../../src/decide/types.js';
import { couponOffer } from '../../test/support/widgets.js';
import { bandHeight } from '../flash-sale/band.js';
import { parseTypes, reservedHeight, reservePlan } from './reserve.js';

function flash(id: string, placements: string[] = []): Offer {
  return couponOffer({ id, type: 'flash_sale', placements, items: [] });
}

function catalogOf(placements: Record<string, Placement>, offers: Offer[]): Catalog {
  return {
    version: 1,
    server_time: 0,
    received_at: 0,
    currency: 'EUR',
    placements,
    offers,
    items: {},
  };
}

describe('bandHeight', () => {
  it('adds up the fixed rows: 398 px wide, 416 px at 420 px or less', () => {
    // border 2 + padding 24 + header 44 + gap 12 + items (160 + 3×6 + 40 + 28 + 20 + 30 + 4 + 16
    // = 316), the prices on two lines (sale 28, former 20)
    expect(bandHeight(1248)).toBe(398);
    expect(bandHeight(421)).toBe(398);
    // header 44 + 6 + 44 = 94, items (128 + 136 + 20 = 284): 2 + 24 + 94 + 12 + 284
    expect(bandHeight(420)).toBe(416);
    expect(bandHeight(358)).toBe(416);
    // A larger --ow-space adds to the padding and the header-to-items gap: 398 + 3 × 4.
    expect(bandHeight(1248, 16)).toBe(410);
  });
});

describe('reservedHeight', () => {
  it('stacks the bands and the card rows the grid makes at that width', () => {
    // 1248 px: (1248 + 12) / (260 + 12) → 4 columns, the two cards in one row.
    expect(reservedHeight({ bands: 1, cards: 2 }, 1248)).toBe(398 + 272 + 12);
    // 358 px (a 390 px phone): one column, a band and two card rows, three gaps apart.
    expect(reservedHeight({ bands: 1, cards: 2 }, 358)).toBe(416 + 2 * 272 + 2 * 12);
    // 800 px: 2 columns (812 / 272 = 2.98), three cards in two rows.
    expect(reservedHeight({ bands: 0, cards: 3 }, 800)).toBe(2 * 272 + 12);
    expect(reservedHeight({ bands: 2, cards: 0 }, 1000)).toBe(2 * 398 + 12);
    expect(reservedHeight({ bands: 0, cards: 1 }, 358)).toBe(272);
    expect(reservedHeight({ bands: 0, cards: 0 }, 358)).toBe(0);
    expect(reservedHeight({ bands: 0, cards: 2 }, 600, { card: 200, column: 180, gap: 20 })).toBe(
      200,
    );
  });
});

describe('reservePlan', () => {
  it('without a catalog: the limit, one band when a flash sale is possible, cards for the rest', () => {
    expect(reservePlan({ placement: 'home', limit: 3 })).toEqual({ bands: 1, cards: 2 });
    // No limit anywhere: one offer, as decide() shows; a possible flash sale takes the band.
    expect(reservePlan({ placement: 'home' })).toEqual({ bands: 1, cards: 0 });
    expect(reservePlan({ placement: 'cart', limit: 2, types: ['coupon'] })).toEqual({
      bands: 0,
      cards: 2,
    });
    // Only flash sales: every slot is a band.
    expect(reservePlan({ placement: 'home', limit: 2, types: ['flash_sale'] })).toEqual({
      bands: 2,
      cards: 0,
    });
    // An invalid limit is ignored as decide() would refuse it.
    for (const limit of [0, 2.5, 21, Number.NaN]) {
      expect(reservePlan({ placement: 'home', limit, types: ['coupon'] })).toEqual({
        bands: 0,
        cards: 1,
      });
    }
  });

  it("with a catalog: the placement's limit, the types it allows and has offers of there", () => {
    const catalog = catalogOf(
      {
        home: { limit: 3 },
        cart: { limit: 1, types: ['coupon'] },
        'category-shoes': { limit: 1 },
        sales: { limit: 3 },
        few: { limit: 3 },
      },
      [
        flash('fs-home', ['home']),
        flash('fs-sales-1', ['sales']),
        flash('fs-sales-2', ['sales']),
        couponOffer({ id: 'c1', placements: ['home', 'cart', 'category-shoes', 'sales'] }),
        couponOffer({ id: 'c2', placements: ['home', 'cart'] }),
        couponOffer({ id: 'm1', type: 'member_deal', placements: ['home'] }),
        couponOffer({ id: 'c-few', placements: ['few'] }),
      ],
    );
    expect(reservePlan({ placement: 'home', catalog })).toEqual({ bands: 1, cards: 2 });
    // The flash sale is in the home placement only; the cart allows coupons only.
    expect(reservePlan({ placement: 'category-shoes', catalog })).toEqual({ bands: 0, cards: 1 });
    expect(reservePlan({ placement: 'cart', catalog })).toEqual({ bands: 0, cards: 1 });
    // Two flash sales and one coupon for three slots: two bands.
    expect(reservePlan({ placement: 'sales', catalog })).toEqual({ bands: 2, cards: 1 });
    // One offer for three slots: one card.
    expect(reservePlan({ placement: 'few', catalog })).toEqual({ bands: 0, cards: 1 });
    // Nothing for an unknown placement: no skeleton at all.
    expect(reservePlan({ placement: 'nowhere', catalog })).toEqual({ bands: 0, cards: 0 });
    // The attributes win: the element's limit, and its types without counting the catalog's offers.
    expect(reservePlan({ placement: 'home', limit: 1, catalog })).toEqual({ bands: 1, cards: 0 });
    expect(reservePlan({ placement: 'few', types: ['coupon', 'member_deal'], catalog })).toEqual({
      bands: 0,
      cards: 3,
    });
  });

  it('parses the types attribute: spaces or commas, unknown words left out and flagged', () => {
    const ok = (types: string[] | undefined) => ({ types, unknown: [], invalid: false });
    expect(parseTypes('coupon, member_deal')).toEqual(ok(['coupon', 'member_deal']));
    expect(parseTypes(' member_deal,coupon ,')).toEqual(ok(['coupon', 'member_deal']));
    expect(parseTypes('flash_sale')).toEqual(ok(['flash_sale']));
    // No value, or one without words: unset, not a mistake.
    expect(parseTypes('')).toEqual(ok(undefined));
    expect(parseTypes(' , ')).toEqual(ok(undefined));
    expect(parseTypes(null)).toEqual(ok(undefined));
    expect(parseTypes(undefined)).toEqual(ok(undefined));
    // A word that is not an offer type (the catalog's spelling, case included) is a mistake.
    expect(parseTypes('coupon, bogus')).toEqual({
      types: ['coupon'],
      unknown: ['bogus'],
      invalid: true,
    });
    expect(parseTypes('Coupon flash-sale')).toEqual({
      types: undefined,
      unknown: ['Coupon', 'flash-sale'],
      invalid: true,
    });
    expect(parseTypes('coupon;member_deal')).toEqual({
      types: undefined,
      unknown: ['coupon;member_deal'],
      invalid: true,
    });
    // A property set to something else than a string.
    expect(parseTypes(['coupon'])).toEqual({ types: undefined, unknown: [], invalid: true });
  });
});
