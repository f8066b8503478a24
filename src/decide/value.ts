import type { FeatureOffer } from '../features/spec.js';
import type { ProfileSnapshot } from '../profile/snapshot.js';
import type { Offer, ValueOptions } from './types.js';

export type { Objective, ValueOptions } from './types.js';

export const DEFAULT_VALUE: ValueOptions = {
  objective: 'uplift',
  outcomeValue: 20,
  averageOrderValue: 50,
};

/**
 * The offer as the feature builder sees it. `clockOffset` (server − local, ms) moves the offer's
 * end onto the shopper's clock, the one the profile snapshot is taken on.
 */
export function featureOffer(offer: Offer, clockOffset = 0): FeatureOffer {
  const out: FeatureOffer = {
    type: offer.type,
    category: offer.category,
    memberOnly: offer.member_only,
  };
  if (offer.discount?.percent !== undefined) out.percentOff = offer.discount.percent;
  if (offer.discount?.amount !== undefined) out.amountOff = offer.discount.amount;
  if (offer.type === 'flash_sale' && offer.items && offer.items.length > 0) {
    const depth = offer.items.reduce(
      (s, i) => s + (i.price > 0 ? (i.price - i.sale_price) / i.price : 0),
      0,
    );
    out.percentOff = (100 * depth) / offer.items.length;
  }
  if (offer.min_spend !== undefined) out.minSpend = offer.min_spend;
  const end = offer.type === 'flash_sale' ? offer.ends_at : offer.valid_to;
  if (end !== undefined) out.endsAt = end - clockOffset;
  return out;
}

/** What the discount costs the shop per redemption, in the catalog currency. */
export function discountCost(
  offer: Offer,
  profile: ProfileSnapshot,
  options: ValueOptions,
): number {
  if (offer.type === 'flash_sale' && offer.items && offer.items.length > 0) {
    return (
      offer.items.reduce((s, i) => s + Math.max(0, i.price - i.sale_price), 0) / offer.items.length
    );
  }
  const amount = offer.discount?.amount ?? 0;
  const percent = offer.discount?.percent ?? 0;
  const basket = Math.max(profile.cart.value, offer.min_spend ?? 0) || options.averageOrderValue;
  return amount + (percent / 100) * basket;
}

/** The score the policy ranks by, for one offer and its predicted probabilities. */
export function expectedValue(
  offer: Offer,
  prediction: { pTreated: number; pControl: number; uplift: number },
  profile: ProfileSnapshot,
  options: ValueOptions,
): number {
  switch (options.objective) {
    case 'uplift':
      return prediction.uplift;
    case 'conversion':
      return prediction.pTreated;
    case 'revenue':
      return (
        prediction.uplift * (offer.value ?? options.outcomeValue) -
        prediction.pControl * discountCost(offer, profile, options)
      );
  }
}
