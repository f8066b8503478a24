import type { FeatureContext } from '../features/spec.js';
import type { ProfileSnapshot } from '../profile/snapshot.js';
import type { Catalog, Offer, Placement } from './types.js';

/** How a minimum spend is judged reachable: `always`, or a share of it already in the cart or in a typical order. */
export type MinSpendRule = { kind: 'always' } | { kind: 'share'; share: number };

export interface EligibilityOptions {
  /** Default: reachable when the cart or the average order of the last year is at least half of it. */
  minSpend: MinSpendRule;
  /** An upcoming flash sale may be shown (with its countdown) this long before it starts. Default 1 hour. */
  flashSaleLeadMs: number;
}

export const DEFAULT_ELIGIBILITY: EligibilityOptions = {
  minSpend: { kind: 'share', share: 0.5 },
  flashSaleLeadMs: 60 * 60 * 1000,
};

export interface EligibilityInput {
  catalog: Catalog;
  placement: string;
  profile: ProfileSnapshot;
  context: FeatureContext;
  /** Claims made so far, per offer id. */
  claims: Record<string, number>;
  /** Local wall clock, ms. */
  now: number;
}

/** The catalog's clock: the local clock corrected by the offset measured when the catalog arrived. */
export function serverNow(catalog: Catalog, localNow: number): number {
  return localNow + (catalog.server_time - catalog.received_at);
}

/** Whether `offer` has reached its `max_claims` on this device (`claims`: claims per offer id). */
export function claimedOut(offer: Offer, claims: Readonly<Record<string, number>>): boolean {
  return offer.max_claims !== undefined && (claims[offer.id] ?? 0) >= offer.max_claims;
}

/**
 * Why `offer` cannot be shown now, or `undefined` when it can; an eligible flash sale comes back
 * with only the items the shopper may still buy. Pure: everything it needs is in `input`.
 */
export function checkOffer(
  offer: Offer,
  placementName: string,
  placement: Placement | undefined,
  input: EligibilityInput,
  options: EligibilityOptions = DEFAULT_ELIGIBILITY,
): { offer: Offer } | { reason: string } {
  const now = serverNow(input.catalog, input.now);
  if (offer.placements.length > 0 && !offer.placements.includes(placementName))
    return { reason: 'placement' };
  if (placement?.types && !placement.types.includes(offer.type))
    return { reason: 'placement_type' };
  if (offer.type === 'flash_sale') {
    if (offer.ends_at !== undefined && now >= offer.ends_at) return { reason: 'ended' };
    if (offer.starts_at !== undefined && offer.starts_at - now > options.flashSaleLeadMs)
      return { reason: 'not_started' };
  } else {
    if (offer.valid_from !== undefined && now < offer.valid_from) return { reason: 'not_started' };
    if (offer.valid_to !== undefined && now >= offer.valid_to) return { reason: 'ended' };
  }
  if (offer.remaining !== undefined && offer.remaining <= 0) return { reason: 'budget' };
  if (offer.member_only && input.context.member !== true) return { reason: 'members_only' };
  if (claimedOut(offer, input.claims)) return { reason: 'claimed' };
  if (offer.min_spend !== undefined && offer.min_spend > 0 && options.minSpend.kind === 'share') {
    const d365 = input.profile.purchases.d365;
    const typicalOrder = d365.count > 0 ? d365.spend / d365.count : 0;
    if (
      Math.max(input.profile.cart.value, typicalOrder) <
      options.minSpend.share * offer.min_spend
    ) {
      return { reason: 'min_spend' };
    }
  }
  if (offer.type === 'flash_sale' && offer.items) {
    const owned = new Set([
      ...input.profile.cart.lines.map((l) => l.id),
      ...input.profile.recent.purchased.map((r) => r.id),
    ]);
    const items = offer.items.filter(
      (item) => !owned.has(item.item_id) && (item.stock === undefined || item.stock > 0),
    );
    if (items.length === 0)
      return { reason: offer.items.some((i) => i.stock === 0) ? 'out_of_stock' : 'owned' };
    if (items.length !== offer.items.length) return { offer: { ...offer, items } };
  }
  return { offer };
}

/** The offers that may be shown in `placement` now, in catalog order. */
export function eligibleOffers(
  input: EligibilityInput,
  options: EligibilityOptions = DEFAULT_ELIGIBILITY,
): Offer[] {
  const placement = input.catalog.placements[input.placement];
  const out: Offer[] = [];
  for (const offer of input.catalog.offers) {
    const result = checkOffer(offer, input.placement, placement, input, options);
    if ('offer' in result) out.push(result.offer);
  }
  return out;
}
