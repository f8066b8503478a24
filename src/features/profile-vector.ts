import type { ProfileSnapshot } from '../profile/snapshot.js';

/**
 * The profile part of a shopper, as one vector: what shopper groups (k-means, `npm run
 * segments`) are fitted on and what the device assigns itself to a group with. Beside
 * `buildFeatures` (spec.ts), which describes a (profile, offer) pair for the model, this describes
 * the shopper alone. The categories are the segments file's (the shop's main categories), so the
 * vector's length is 9 + 3 × categories. It never leaves the device.
 *
 * Version of this layout: a segments file records it and the device refuses one of another.
 * Version 2 added `recent_<category>` (bought within `RECENT_DAYS`).
 */
export const PROFILE_VECTOR_VERSION = 2;
/** A category bought within this many days is a recent purchase of it (`recent_<category>`). */
export const RECENT_DAYS = 30;

const DAY_MS = 86_400_000;
const MONTH_DAYS = 30.4375;
/** Recency is capped here; a shopper who never bought gets the cap (as in the feature spec). */
const RECENCY_CAP_MONTHS = 13;

/** What the vector reads from the profile. */
export type VectorProfile = Pick<
  ProfileSnapshot,
  | 'at'
  | 'daysSinceLastPurchase'
  | 'firstSeenAt'
  | 'purchases'
  | 'categories'
  | 'purchasedCategories'
  | 'price'
  | 'cart'
>;

/** The vector's dimensions, in order, for these categories. */
export function profileVectorNames(categories: readonly string[]): string[] {
  return [
    'recency_months',
    'has_purchased',
    'log_spend_365',
    'log_orders_365',
    'discounted_share',
    ...categories.map((c) => `interest_${c}`),
    ...categories.map((c) => `bought_${c}`),
    ...categories.map((c) => `recent_${c}`),
    'log_engagement',
    'log_price',
    'log_cart_value',
    'log_tenure_days',
  ];
}

const log1p = (x: number | null | undefined) =>
  Math.log1p(typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0);

/**
 * The shopper as a vector (raw, not standardized): recency and frequency of purchases, spend,
 * the share of purchases with a discount, the browsing interest per category (its share of the
 * decayed affinity), the categories bought within a year and within 30 days, how much the
 * shopper browses at all, the price level they look at, the cart and how long they have been
 * known. Every value is finite; a missing input has the encoding of a shopper without that
 * history.
 */
export function profileVector(
  profile: VectorProfile,
  categories: readonly string[],
  out: Float64Array = new Float64Array(9 + 3 * categories.length),
): Float64Array {
  const days = profile.daysSinceLastPurchase;
  const bought = new Set<string>();
  const recent = new Set<string>();
  for (const entry of profile.purchasedCategories) {
    if (profile.at - entry.lastAt <= 365 * DAY_MS) bought.add(entry.category);
    if (profile.at - entry.lastAt <= RECENT_DAYS * DAY_MS) recent.add(entry.category);
  }
  let total = 0;
  const scores = new Map<string, number>();
  for (const { category, score } of profile.categories) {
    if (!(score > 0)) continue;
    total += score;
    scores.set(category, score);
  }
  const orders = profile.purchases.total.count;
  let i = 0;
  const put = (v: number) => {
    out[i++] = Number.isFinite(v) ? v : 0;
  };
  const purchased = days !== null && Number.isFinite(days);
  put(
    purchased ? Math.min(RECENCY_CAP_MONTHS, Math.max(0, days / MONTH_DAYS)) : RECENCY_CAP_MONTHS,
  );
  put(purchased ? 1 : 0);
  put(log1p(profile.purchases.d365.spend));
  put(log1p(profile.purchases.d365.count));
  put(orders > 0 ? Math.min(1, profile.purchases.discounted / orders) : 0);
  for (const c of categories) put(total > 0 ? (scores.get(c) ?? 0) / total : 0);
  for (const c of categories) put(bought.has(c) ? 1 : 0);
  for (const c of categories) put(recent.has(c) ? 1 : 0);
  put(log1p(total));
  put(log1p(profile.price.average));
  put(log1p(profile.cart.value));
  const first = profile.firstSeenAt;
  put(first === null ? 0 : log1p((profile.at - first) / DAY_MS));
  return out;
}

/** The terms by which a shopper's own profile moves an offer's learned value (`offerTerms`). */
export const PROFILE_TERMS = [
  'interest',
  'bought',
  'depthPrice',
  'depthCoupon',
  'anyDiffuse',
  'recent',
] as const;
export type ProfileTerm = (typeof PROFILE_TERMS)[number];

/** What `offerTerms` reads of an offer. */
export interface TermOffer {
  category: string;
  discount?: { percent?: number; amount?: number };
}

/**
 * An offer's profile terms for a profile vector (a shopper's, or a group's centroid read back to
 * the raw scale), in `PROFILE_TERMS` order: the browsing share of the offer's category, whether it
 * was bought within a year, the discount depth (percent / 100; 0 for an amount) times the log of
 * the price level looked at and times the share of purchases made with a discount (price
 * sensitivity), for an `any` offer how spread the browsing is (1 − the largest share), and whether
 * the category was bought within `RECENT_DAYS` (a centroid's value is the group's share of such
 * shoppers). Terms of a category the layout does not name are 0. Linear in the vector but for
 * `anyDiffuse`.
 */
export function offerTerms(
  vector: ArrayLike<number>,
  categories: readonly string[],
  offer: TermOffer,
  out: number[] = new Array<number>(PROFILE_TERMS.length),
): number[] {
  const c = categories.indexOf(offer.category);
  const n = categories.length;
  const depth = (offer.discount?.percent ?? 0) / 100;
  let largest = 0;
  for (let j = 0; j < n; j++) largest = Math.max(largest, vector[5 + j]!);
  out[0] = c < 0 ? 0 : vector[5 + c]!;
  out[1] = c < 0 ? 0 : vector[5 + n + c]!;
  out[2] = depth * vector[5 + 3 * n + 1]!; // log_price
  out[3] = depth * vector[4]!; // discounted_share
  out[4] = offer.category === 'any' ? 1 - largest : 0;
  out[5] = c < 0 ? 0 : vector[5 + 2 * n + c]!;
  return out;
}
