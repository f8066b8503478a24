import type { ProfileSnapshot } from '../profile/snapshot.js';
import type { Segment } from '../profile/segment.js';

/**
 * Version of the feature spec. A model records the version it was trained with; the predictor
 * refuses a model of another version. Bump it whenever a feature, its order or its encoding
 * changes.
 */
export const FEATURE_SPEC_VERSION = 1;

/** What the features read from the profile: a subset of {@link ProfileSnapshot}. */
export type FeatureProfile = Pick<
  ProfileSnapshot,
  | 'at'
  | 'daysSinceLastPurchase'
  | 'firstPurchaseAt'
  | 'purchases'
  | 'categories'
  | 'purchasedCategories'
  | 'segment'
  | 'cart'
>;

export type OfferType = 'coupon' | 'flash_sale' | 'member_deal';

/** What the features read from an offer (the catalog's offer, already validated). */
export interface FeatureOffer {
  type: OfferType;
  /** Lower-case category; `'any'` or absent when the offer is not tied to one. */
  category?: string;
  /** Percent off, 0–100. */
  percentOff?: number;
  /** Amount off in the shop currency. */
  amountOff?: number;
  /** Minimum basket value for the offer to apply. */
  minSpend?: number;
  memberOnly?: boolean;
  /** End of validity, ms since epoch; absent when it does not end. */
  endsAt?: number;
}

/** Optional facts the shop knows about the visit. */
export interface FeatureContext {
  channel?: 'web' | 'phone' | 'multichannel';
  region_type?: 'urban' | 'suburban' | 'rural';
  member?: boolean;
}

const SEGMENTS: readonly Segment[] = [
  'new',
  'active',
  'loyal',
  'at_risk',
  'lapsed',
  'bargain_hunter',
];
const TYPES: readonly OfferType[] = ['coupon', 'flash_sale', 'member_deal'];
const CHANNELS = ['web', 'phone', 'multichannel'] as const;
const REGIONS = ['urban', 'suburban', 'rural'] as const;

/** The features, in order. The README documents each and its encoding of missing values. */
export const FEATURE_NAMES = [
  'recency_months',
  'has_purchased',
  'log_spend_365',
  'log_orders_365',
  'bought_offer_category_365',
  'bought_other_category_365',
  'affinity_offer_category',
  'affinity_other_max',
  'new_customer',
  ...SEGMENTS.map((s) => `segment_${s}`),
  'log_cart_value',
  'min_spend_progress',
  ...TYPES.map((t) => `offer_${t}`),
  'percent_off',
  'log_amount_off',
  'log_min_spend',
  'member_only',
  'time_left',
  'offer_category_specific',
  ...CHANNELS.map((c) => `channel_${c}`),
  ...REGIONS.map((r) => `region_${r}`),
  'member',
  'member_known',
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;

const DAY_MS = 86_400_000;
const MONTH_DAYS = 30.4375;
/** Recency is capped here; a shopper who never bought gets the cap (and `has_purchased` 0). */
export const RECENCY_CAP_MONTHS = 13;
const TIME_LEFT_CAP_DAYS = 30;

function finiteOr(value: number | undefined | null, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function log1p(value: number | undefined | null): number {
  return Math.log1p(Math.max(0, finiteOr(value, 0)));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/**
 * Builds one row of features for (profile, offer, context). Serving and training both call this
 * function; nothing else computes features. Every value is finite: missing inputs have the
 * encodings documented in docs/model.md, never NaN.
 */
export function buildFeatures(
  profile: FeatureProfile,
  offer: FeatureOffer,
  context: FeatureContext = {},
  out: Float32Array = new Float32Array(FEATURE_COUNT),
  offset = 0,
): Float32Array {
  let i = offset;
  const put = (value: number) => {
    out[i++] = Number.isFinite(value) ? value : 0;
  };
  const now = profile.at;
  const category = offer.category && offer.category !== 'any' ? offer.category : undefined;

  // The profile.
  const days = profile.daysSinceLastPurchase;
  const purchased = days !== null && Number.isFinite(days);
  put(purchased ? clamp(days / MONTH_DAYS, 0, RECENCY_CAP_MONTHS) : RECENCY_CAP_MONTHS);
  put(purchased ? 1 : 0);
  put(log1p(profile.purchases.d365.spend));
  put(log1p(profile.purchases.d365.count));
  let boughtOffer = 0;
  let boughtOther = 0;
  for (const entry of profile.purchasedCategories) {
    if (now - entry.lastAt > 365 * DAY_MS) continue;
    if (category === undefined || entry.category === category) boughtOffer = 1;
    if (category !== undefined && entry.category !== category) boughtOther = 1;
  }
  put(boughtOffer);
  put(boughtOther);
  let total = 0;
  let offerScore = 0;
  let otherMax = 0;
  for (const { category: name, score } of profile.categories) {
    if (!(score > 0)) continue;
    total += score;
    if (name === category) offerScore = score;
    else otherMax = Math.max(otherMax, score);
  }
  put(total > 0 && category !== undefined ? offerScore / total : 0);
  put(total > 0 ? otherMax / total : 0);
  const first = profile.firstPurchaseAt;
  put(first !== null && now - first <= 365 * DAY_MS ? 1 : 0);
  for (const segment of SEGMENTS) put(profile.segment === segment ? 1 : 0);
  const cartValue = Math.max(0, finiteOr(profile.cart.value, 0));
  put(Math.log1p(cartValue));
  const minSpend = Math.max(0, finiteOr(offer.minSpend, 0));
  put(minSpend > 0 ? clamp(cartValue / minSpend, 0, 1) : 1);

  // The offer.
  for (const type of TYPES) put(offer.type === type ? 1 : 0);
  put(clamp(finiteOr(offer.percentOff, 0), 0, 100) / 100);
  put(log1p(offer.amountOff));
  put(Math.log1p(minSpend));
  put(offer.memberOnly === true ? 1 : 0);
  const endsAt = offer.endsAt;
  put(
    endsAt === undefined || !Number.isFinite(endsAt)
      ? 1
      : clamp((endsAt - now) / DAY_MS, 0, TIME_LEFT_CAP_DAYS) / TIME_LEFT_CAP_DAYS,
  );
  put(category !== undefined ? 1 : 0);

  // The context.
  for (const channel of CHANNELS) put(context.channel === channel ? 1 : 0);
  for (const region of REGIONS) put(context.region_type === region ? 1 : 0);
  put(context.member === true ? 1 : 0);
  put(context.member === undefined ? 0 : 1);
  return out;
}

/** Builds the features of many (profile, offer, context) triples into one `[N, F]` matrix. */
export function buildFeatureMatrix(
  rows: readonly { profile: FeatureProfile; offer: FeatureOffer; context?: FeatureContext }[],
): Float32Array {
  const out = new Float32Array(rows.length * FEATURE_COUNT);
  rows.forEach((row, index) =>
    buildFeatures(row.profile, row.offer, row.context, out, index * FEATURE_COUNT),
  );
  return out;
}
