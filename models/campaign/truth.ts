/**
 * The simulated world's ground truth: how a shopper responds to being shown an offer. Exact
 * expectations, so the simulator can report the true value of any policy (`truth.json`) and
 * off-policy estimates can be checked against it.
 */
import type { Offer } from '../../src/decide/types.js';
import { sigmoid } from '../uplift/network.js';

/** What the ground truth reads about a shopper at the moment of a decision. */
export interface TruthShopper {
  /** Months since the last purchase, capped at 13 (never bought → 13). */
  recencyMonths: number;
  /** Spend over the last 365 days. */
  history: number;
  /** Categories bought within 365 days. */
  bought: string[];
  /** First purchase within 365 days. */
  newbie: boolean;
  channel: 'web' | 'phone' | 'multichannel';
  zip: 'urban' | 'suburban' | 'rural';
}

/** Expected outcomes of showing one offer in one decision (all exact expectations). */
export interface TrueOutcome {
  /** P(click | shown). */
  click: number;
  /** P(claim | shown) = P(click) · P(claim | click). */
  claim: number;
  /** P(an order in the visit | shown). */
  order: number;
  /** Expected basket value of the visit's order (0 without one). */
  revenue: number;
  /** Expected discount given (only orders with the claimed coupon get it). */
  discount: number;
  /** revenue − discount. */
  net: number;
}

export const REWARDS = ['click', 'claim', 'order', 'revenue', 'discount', 'net'] as const;
export type Reward = (typeof REWARDS)[number];

const CHANNEL_CLICK = { web: 0.4, phone: -0.3, multichannel: 0.1 } as const;

/** Mean basket of an order (the draw is uniform on [0.5, 1.5] × this). */
export function meanBasket(s: TruthShopper): number {
  return 40 + 0.1 * s.history;
}

/** P(order | no claim): the shopper's own purchase propensity in a visit. */
export function baseOrder(s: TruthShopper): number {
  return sigmoid(-3.5 + 0.3 * Math.log1p(s.history) - 0.08 * (s.recencyMonths - 1));
}

/** P(order | claimed the coupon). */
export function claimedOrder(s: TruthShopper): number {
  return sigmoid(-0.6 + 0.15 * Math.log1p(s.history) - 0.05 * (s.recencyMonths - 1));
}

/** Discount depth in (0, 1) an offer gives on the shopper's mean basket. */
export function depthOf(offer: Pick<Offer, 'discount'>, basket: number): number {
  const percent = offer.discount?.percent ?? 0;
  const amount = offer.discount?.amount ?? 0;
  return Math.min(1, percent / 100 + (basket > 0 ? amount / basket : 0));
}

/**
 * The ground-truth response to being shown `offer` (deliberately not the policy's model: it has
 * interactions the uplift model cannot represent, and responds to discount depth, which the
 * shipped model ignores). With d the discount depth, m the recency in months, h the history,
 * "bought" whether the shopper bought in the offer's category (any category for an `any` offer):
 *
 *   logit P(click)         = −2.2 + 0.9·bought + 0.5·[any-category offer]·newbie − 0.04·(m − 1)
 *                            − 0.10·(m − 1)·[category-specific offer] + channel (web +0.4,
 *                            phone −0.3, multichannel +0.1) + 0.6·[womens offer]·[urban]
 *                            − 0.4·[mens offer]·[rural] + 2.5·d·(1 + [h < 100])
 *   logit P(claim | click) = −0.8 + 3·d + 0.5·bought − 0.3·[phone]
 *   P(order | claim)       = σ(−0.6 + 0.15·ln(1 + h) − 0.05·(m − 1))
 *   P(order | no claim)    = σ(−3.5 + 0.30·ln(1 + h) − 0.08·(m − 1))
 *   basket                 = (40 + 0.1·h) · U[0.5, 1.5]; a claimed order gets d of it off.
 */
export function trueResponse(
  s: TruthShopper,
  offer: Pick<Offer, 'category' | 'discount'>,
): TrueOutcome {
  const basket = meanBasket(s);
  const d = depthOf(offer, basket);
  const specific = offer.category !== 'any';
  const bought = specific ? s.bought.includes(offer.category) : s.bought.length > 0;
  const m = Math.min(13, s.recencyMonths);
  const etaClick =
    -2.2 +
    (bought ? 0.9 : 0) +
    (!specific && s.newbie ? 0.5 : 0) -
    0.04 * (m - 1) -
    (specific ? 0.1 * (m - 1) : 0) +
    CHANNEL_CLICK[s.channel] +
    (offer.category === 'womens' && s.zip === 'urban' ? 0.6 : 0) -
    (offer.category === 'mens' && s.zip === 'rural' ? 0.4 : 0) +
    2.5 * d * (s.history < 100 ? 2 : 1);
  const etaClaim = -0.8 + 3 * d + (bought ? 0.5 : 0) - (s.channel === 'phone' ? 0.3 : 0);
  const click = sigmoid(etaClick);
  const claim = click * sigmoid(etaClaim);
  const q1 = claimedOrder(s);
  const q0 = baseOrder(s);
  const order = claim * q1 + (1 - claim) * q0;
  const revenue = basket * order;
  const discount = claim * q1 * basket * d;
  return { click, claim, order, revenue, discount, net: revenue - discount };
}
