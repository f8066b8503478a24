/**
 * What the current model says about a group: a profile built from the group's centroid (the
 * profile vector's dimensions read back into the snapshot fields they came from), scored for
 * every offer by the model and the SDK's own objective (`expectedValue`). These are the `pred`
 * values of the effects file: the empirical-Bayes prior leans on them, and the device measures
 * a shopper's model score against them (`model.beta`).
 */
import { expectedValue, featureOffer } from '../../src/decide/value.js';
import type { Offer, ValueOptions } from '../../src/decide/types.js';
import { profileVectorNames } from '../../src/features/profile-vector.js';
import { buildFeatures, FEATURE_COUNT, type FeatureProfile } from '../../src/features/spec.js';
import type { Segments } from '../../src/learning/types.js';
import type { UpliftScores } from '../../src/predictor/types.js';
import type { ProfileSnapshot } from '../../src/profile/snapshot.js';
import { segmentOf } from '../../src/profile/segment.js';
import { unstandardize } from './kmeans.js';

const DAY_MS = 86_400_000;
const MONTH_DAYS = 30.4375;

/** Scores rows of features (the ONNX model, or the SDK's fallback scorer). */
export type Scorer = (rows: Float32Array, featureCount: number) => Promise<UpliftScores>;

/** The profile at a group's centroid, seen at `at` (fractional counts stay fractional). */
export function centroidProfile(
  segments: Pick<Segments, 'vector' | 'standardization' | 'centroids'>,
  group: number,
  at: number,
): FeatureProfile & Pick<ProfileSnapshot, 'price'> {
  const categories = segments.vector.categories;
  const raw = unstandardize(segments.centroids[group]!, segments.standardization);
  const value = new Map(profileVectorNames(categories).map((n, j) => [n, raw[j]!]));
  const get = (name: string) => value.get(name) ?? 0;
  const expm1 = (name: string) => Math.max(0, Math.expm1(get(name)));
  const purchased = get('has_purchased') >= 0.5;
  const days = purchased ? Math.max(0, get('recency_months')) * MONTH_DAYS : null;
  const lastPurchaseAt = days === null ? null : at - days * DAY_MS;
  const tenureDays = expm1('log_tenure_days');
  const firstSeen = at - tenureDays * DAY_MS;
  const firstPurchaseAt = lastPurchaseAt === null ? null : Math.min(firstSeen, lastPurchaseAt);
  const count = purchased ? expm1('log_orders_365') : 0;
  const spend = purchased ? expm1('log_spend_365') : 0;
  const discounted = Math.max(0, Math.min(1, get('discounted_share'))) * count;
  const engagement = expm1('log_engagement');
  const within = (d: number) =>
    days !== null && days <= d
      ? { count: Math.min(1, count), spend: spend / Math.max(1, count) }
      : { count: 0, spend: 0 };
  return {
    at,
    daysSinceLastPurchase: days,
    firstPurchaseAt,
    purchases: {
      d30: within(30),
      d90: within(90),
      d365: { count, spend },
      total: { count, spend },
      discounted,
    },
    categories: categories
      .map((category) => ({
        category,
        score: Math.max(0, get(`interest_${category}`)) * engagement,
      }))
      .filter((c) => c.score > 0)
      .sort((a, b) => b.score - a.score),
    purchasedCategories: categories
      .filter((c) => get(`bought_${c}`) >= 0.5)
      .map((category) => ({ category, count: 1, lastAt: lastPurchaseAt ?? at })),
    segment: segmentOf(
      {
        purchaseCount: Math.round(count),
        discountedPurchases: Math.round(discounted),
        purchases365: Math.round(count),
        firstPurchaseAt,
        lastPurchaseAt,
      },
      at,
    ),
    cart: { lines: [], itemCount: 0, value: expm1('log_cart_value'), currency: null },
    price: { average: expm1('log_price') || null, min: null, max: null, band: null },
  };
}

/**
 * The model's objective score (as the decider computes it) for every offer at every group's
 * centroid: `[offer][group]`.
 */
export async function centroidPredictions(
  segments: Pick<Segments, 'vector' | 'standardization' | 'centroids'>,
  offers: readonly Offer[],
  score: Scorer,
  value: ValueOptions,
  at: number,
): Promise<number[][]> {
  const k = segments.centroids.length;
  const profiles = Array.from({ length: k }, (_, g) => centroidProfile(segments, g, at));
  const rows = new Float32Array(offers.length * k * FEATURE_COUNT);
  offers.forEach((offer, o) =>
    profiles.forEach((profile, g) =>
      buildFeatures(
        profile,
        featureOffer(offer),
        { channel: 'web' },
        rows,
        (o * k + g) * FEATURE_COUNT,
      ),
    ),
  );
  const out = await score(rows, FEATURE_COUNT);
  return offers.map((offer, o) =>
    profiles.map((profile, g) => {
      const i = o * k + g;
      return expectedValue(
        offer,
        { pTreated: out.pTreated[i]!, pControl: out.pControl[i]!, uplift: out.uplift[i]! },
        profile as ProfileSnapshot,
        value,
      );
    }),
  );
}
