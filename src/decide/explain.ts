import type { ProfileSnapshot } from '../profile/snapshot.js';
import type { Offer } from './types.js';
import { isolateBidi } from '../util/bidi.js';

/**
 * Explanation templates. `{category}` and `{discount}` are filled in; a shop localises by passing
 * its own strings (same keys). Every template states something true about the shopper's own
 * activity or about the offer itself.
 */
export interface ExplanationMessages {
  boughtCategory: string;
  browsesCategory: string;
  lapsed: string;
  cartMinSpend: string;
  cartQualifies: string;
  member: string;
  endingSoon: string;
  generic: string;
}

export const DEFAULT_MESSAGES: ExplanationMessages = {
  boughtCategory: 'You have bought {category} here before',
  browsesCategory: 'You often browse {category}',
  lapsed: "It's been a while — here's {discount}",
  cartMinSpend: 'Your cart is close to the minimum for this offer',
  cartQualifies: 'Your cart qualifies for this offer',
  member: 'A deal for members like you',
  endingSoon: 'Ends soon',
  generic: 'An offer available to you now',
};

const DAY_MS = 86_400_000;

/** `womens_shoes` → `Womens Shoes`: a category as a shopper reads it. */
export function titleCase(category: string): string {
  return category.replace(
    /(^|[\s_-])(\p{L})/gu,
    (_m, sep: string, letter: string) => `${sep === '_' ? ' ' : sep}${letter.toUpperCase()}`,
  );
}

/** Formatters by locale and currency: building one costs more than a whole explanation. */
const formatters = new Map<string, Intl.NumberFormat | null>();
/** Bounds the cache should a page cycle through many locales or currencies. */
const MAX_FORMATTERS = 32;

/** The currency formatter of `locale` and `currency`; null where Intl cannot make one. */
function currencyFormat(currency: string, locale: string | undefined): Intl.NumberFormat | null {
  const key = `${locale ?? ''}\u0000${currency}`;
  let format = formatters.get(key);
  if (format === undefined) {
    try {
      format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    } catch {
      format = null;
    }
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(key, format);
  }
  return format;
}

function discountText(offer: Offer, currency: string, locale: string | undefined): string {
  if (offer.discount?.percent !== undefined) return `${offer.discount.percent}% off`;
  if (offer.discount?.amount !== undefined) {
    const format = currencyFormat(currency, locale);
    return format
      ? `${format.format(offer.discount.amount)} off`
      : `${offer.discount.amount} ${currency} off`;
  }
  return 'an offer';
}

/**
 * The first rule that holds, in order: bought in the offer's category within a year; the
 * category holds at least 30% of the shopper's browsing interest; a past customer who has not
 * bought for 90 days; a cart at or within half of the minimum spend; a members' deal for a member; a
 * flash sale ending within an hour; otherwise a generic line. It names only categories the
 * shopper bought or browsed.
 */
export function explain(
  offer: Offer,
  profile: ProfileSnapshot,
  options: {
    member?: boolean;
    serverNow: number;
    currency: string;
    locale?: string;
    messages?: Partial<ExplanationMessages>;
  },
): string {
  const m = { ...DEFAULT_MESSAGES, ...options.messages };
  const category = offer.category !== 'any' ? offer.category : undefined;
  // Each part is worked out only when the template names it.
  const fill = (template: string) =>
    template
      .replace('{category}', () => (category ? isolateBidi(titleCase(category)) : ''))
      .replace('{discount}', () => discountText(offer, options.currency, options.locale));
  if (category) {
    const bought = profile.purchasedCategories.find((c) => c.category === category);
    if (bought && profile.at - bought.lastAt <= 365 * DAY_MS) return fill(m.boughtCategory);
    const total = profile.categories.reduce((s, c) => s + c.score, 0);
    const score = profile.categories.find((c) => c.category === category)?.score ?? 0;
    if (total > 0 && score / total >= 0.3) return fill(m.browsesCategory);
  }
  if (
    profile.daysSinceLastPurchase !== null &&
    profile.daysSinceLastPurchase >= 90 &&
    offer.discount
  )
    return fill(m.lapsed);
  if (offer.min_spend && profile.cart.value >= offer.min_spend) return fill(m.cartQualifies);
  if (offer.min_spend && profile.cart.value > 0 && profile.cart.value >= offer.min_spend * 0.5) {
    return fill(m.cartMinSpend);
  }
  if (offer.member_only && options.member) return fill(m.member);
  if (
    offer.type === 'flash_sale' &&
    offer.ends_at !== undefined &&
    offer.ends_at - options.serverNow <= 3_600_000
  ) {
    return fill(m.endingSoon);
  }
  return fill(m.generic);
}

/** The line of a non-personalized decision: it says nothing about the shopper. */
export function genericExplanation(messages?: Partial<ExplanationMessages>): string {
  return messages?.generic ?? DEFAULT_MESSAGES.generic;
}
