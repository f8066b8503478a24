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

/**
 * Every coefficient of the Hillstrom world's truth (the world file's `response`, see
 * `world-file.ts`); {@link HILLSTROM_RESPONSE} holds today's values.
 */
export interface HillstromResponse {
  click: {
    intercept: number;
    bought: number;
    /** An `any`-category offer to a newbie. */
    anyNewbie: number;
    /** Per month of recency beyond the first. */
    recency: number;
    /** Extra per month of recency for a category-specific offer (subtracted). */
    recencySpecific: number;
    channel: Record<TruthShopper['channel'], number>;
    womensUrban: number;
    /** A mens offer in a rural zip (subtracted). */
    mensRural: number;
    /** Per unit of discount depth… */
    depth: number;
    /** …times this for a shopper whose history is under `lowHistory`. */
    depthLowHistory: number;
    lowHistory: number;
  };
  claim: { intercept: number; depth: number; bought: number; phone: number };
  order: {
    claimed: { intercept: number; history: number; recency: number };
    base: { intercept: number; history: number; recency: number };
  };
  basket: { base: number; history: number };
}

/** Today's Hillstrom world (the defaults of `npm run simulate`). */
export const HILLSTROM_RESPONSE: HillstromResponse = {
  click: {
    intercept: -2.2,
    bought: 0.9,
    anyNewbie: 0.5,
    recency: -0.04,
    recencySpecific: 0.1,
    channel: { web: 0.4, phone: -0.3, multichannel: 0.1 },
    womensUrban: 0.6,
    mensRural: 0.4,
    depth: 2.5,
    depthLowHistory: 2,
    lowHistory: 100,
  },
  claim: { intercept: -0.8, depth: 3, bought: 0.5, phone: 0.3 },
  order: {
    claimed: { intercept: -0.6, history: 0.15, recency: -0.05 },
    base: { intercept: -3.5, history: 0.3, recency: -0.08 },
  },
  basket: { base: 40, history: 0.1 },
};

/** Mean basket of an order (the draw is uniform on [0.5, 1.5] × this). */
export function meanBasket(s: TruthShopper, r: HillstromResponse = HILLSTROM_RESPONSE): number {
  return r.basket.base + r.basket.history * s.history;
}

/** P(order | no claim): the shopper's own purchase propensity in a visit. */
export function baseOrder(s: TruthShopper, r: HillstromResponse = HILLSTROM_RESPONSE): number {
  const o = r.order.base;
  return sigmoid(
    o.intercept + o.history * Math.log1p(s.history) + o.recency * (s.recencyMonths - 1),
  );
}

/** P(order | claimed the coupon). */
export function claimedOrder(s: TruthShopper, r: HillstromResponse = HILLSTROM_RESPONSE): number {
  const o = r.order.claimed;
  return sigmoid(
    o.intercept + o.history * Math.log1p(s.history) + o.recency * (s.recencyMonths - 1),
  );
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
 * "bought" whether the shopper bought in the offer's category (any category for an `any` offer),
 * and today's coefficients ({@link HILLSTROM_RESPONSE}; a world file may change every one):
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
  r: HillstromResponse = HILLSTROM_RESPONSE,
): TrueOutcome {
  const basket = meanBasket(s, r);
  const d = depthOf(offer, basket);
  const specific = offer.category !== 'any';
  const bought = specific ? s.bought.includes(offer.category) : s.bought.length > 0;
  const m = Math.min(13, s.recencyMonths);
  const c = r.click;
  // The order of the terms is the formula's: the same sums, to the last bit, as before the
  // coefficients moved into the world file.
  const etaClick =
    c.intercept +
    (bought ? c.bought : 0) +
    (!specific && s.newbie ? c.anyNewbie : 0) +
    c.recency * (m - 1) -
    (specific ? c.recencySpecific * (m - 1) : 0) +
    c.channel[s.channel] +
    (offer.category === 'womens' && s.zip === 'urban' ? c.womensUrban : 0) -
    (offer.category === 'mens' && s.zip === 'rural' ? c.mensRural : 0) +
    c.depth * d * (s.history < c.lowHistory ? c.depthLowHistory : 1);
  const k = r.claim;
  const etaClaim =
    k.intercept + k.depth * d + (bought ? k.bought : 0) - (s.channel === 'phone' ? k.phone : 0);
  const click = sigmoid(etaClick);
  const claim = click * sigmoid(etaClaim);
  const q1 = claimedOrder(s, r);
  const q0 = baseOrder(s, r);
  const order = claim * q1 + (1 - claim) * q0;
  const revenue = basket * order;
  const discount = claim * q1 * basket * d;
  return { click, claim, order, revenue, discount, net: revenue - discount };
}
