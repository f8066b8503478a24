// What `<ow-offers>` reserves before its decision arrives: skeletons of the final shape (a band
// per possible flash sale, a card per other offer) in the same grid the offers will use, so the
// reserved height comes from the layout itself; `reservedHeight()` states it in px.
import type { Catalog, OfferType } from '../../src/catalog/types.js';
import { bandHeight } from '../flash-sale/band.js';

export const OFFER_TYPES: readonly OfferType[] = ['coupon', 'member_deal', 'flash_sale'];

/** A coupon or member deal's reserved height, px (`--ow-offers-card-height`). */
export const CARD_HEIGHT = 272;
/** The grid's narrowest column and gap, px (`--ow-offers-column`, `--ow-offers-gap`). */
export const COLUMN = 260;
export const GAP = 12;

/** The skeletons: full-width flash-sale bands, then cards. */
export interface ReservePlan {
  bands: number;
  cards: number;
}

/** What a `types` value names. */
export interface ParsedTypes {
  /** The offer types named, in `OFFER_TYPES` order; undefined when none is (the default applies). */
  types: OfferType[] | undefined;
  /** The words that are not an offer type (`"Coupon"`, `"flash-sale"`, `"bogus"`), in order. */
  unknown: string[];
  /** The value is not a space- or comma-separated list of offer types: the page has a mistake. */
  invalid: boolean;
}

/**
 * `"coupon member_deal"` (spaces or commas) → the offer types named. Unknown words are left out
 * and make the value `invalid`, as does a value that is not a string; no value, or one with no
 * words, is simply unset.
 */
export function parseTypes(value: unknown): ParsedTypes {
  if (value === null || value === undefined)
    return { types: undefined, unknown: [], invalid: false };
  if (typeof value !== 'string') return { types: undefined, unknown: [], invalid: true };
  const words = value.split(/[\s,]+/).filter((word) => word !== '');
  const unknown = words.filter((word) => !(OFFER_TYPES as readonly string[]).includes(word));
  const types = OFFER_TYPES.filter((type) => words.includes(type));
  return { types: types.length > 0 ? types : undefined, unknown, invalid: unknown.length > 0 };
}

function validLimit(limit: unknown): number | undefined {
  return typeof limit === 'number' && Number.isInteger(limit) && limit >= 1 && limit <= 20
    ? limit
    : undefined;
}

/**
 * The skeletons for a placement: `limit` offers (the attribute, else the catalog placement's, else
 * 1, as `decide()` does) of the `types` given, else of the types the catalog's placement allows
 * and has offers of there (with the catalog unknown: every type). A possible flash sale gets one
 * band (more only when too few other offers could fill the limit); the rest are cards. With no
 * `types` attribute a known catalog also caps the count at the offers it has for the placement.
 */
export function reservePlan(options: {
  placement: string;
  limit?: number | undefined;
  types?: readonly OfferType[] | undefined;
  catalog?: Catalog | undefined;
}): ReservePlan {
  const { placement, types, catalog } = options;
  const spec = catalog?.placements[placement];
  const limit = validLimit(options.limit) ?? validLimit(spec?.limit) ?? 1;
  let flash: number;
  let other: number;
  if (types || !catalog) {
    const allowed = types ?? OFFER_TYPES;
    flash = allowed.includes('flash_sale') ? Infinity : 0;
    other = allowed.some((type) => type !== 'flash_sale') ? Infinity : 0;
  } else {
    const allowed = spec?.types && spec.types.length > 0 ? spec.types : OFFER_TYPES;
    flash = 0;
    other = 0;
    for (const offer of catalog.offers) {
      if (!allowed.includes(offer.type)) continue;
      if (offer.placements.length > 0 && !offer.placements.includes(placement)) continue;
      if (offer.type === 'flash_sale') flash++;
      else other++;
    }
  }
  const shown = Math.min(limit, flash + other);
  const bands = flash > 0 ? Math.min(shown, flash, Math.max(1, shown - other)) : 0;
  return { bands, cards: shown - bands };
}

/**
 * The grid's height in px for `plan` at content `width`, with the default sizes (16 px root font,
 * `--ow-space` 12 px): bands and card rows, `gap` between rows.
 */
export function reservedHeight(
  plan: ReservePlan,
  width: number,
  sizes: { card?: number; column?: number; gap?: number } = {},
): number {
  const { card = CARD_HEIGHT, column = COLUMN, gap = GAP } = sizes;
  const columns = Math.max(1, Math.floor((width + gap) / (Math.min(width, column) + gap)));
  const rows = Math.ceil(plan.cards / columns);
  const count = plan.bands + rows;
  return count === 0 ? 0 : plan.bands * bandHeight(width) + rows * card + (count - 1) * gap;
}
