/**
 * `npm run segments`: shopper groups by k-means on standardized profile vectors (`profileVector`,
 * the device's own function), k chosen in a range by {@link chooseK}, written in the segments
 * format the SDK validates (`src/learning/segments.ts`) with a human label per group.
 */
import {
  PROFILE_VECTOR_VERSION,
  profileVector,
  profileVectorNames,
  type VectorProfile,
} from '../../src/features/profile-vector.js';
import { seededRandom } from '../../src/decide/random.js';
import { SEGMENTS_FORMAT } from '../../src/learning/segments.js';
import { shuffle } from '../lib/random.js';
import {
  chooseK,
  fitStandardization,
  groupSums,
  kmeans,
  nearestCentroid,
  silhouette,
  standardize,
  unstandardize,
} from './kmeans.js';

/** The segments file as written (JSON), the shape `validateSegments` accepts. */
export interface SegmentsFile {
  format: typeof SEGMENTS_FORMAT;
  /** 1, or 2 when the groups are defined on some dimensions only (`weights`). */
  version: 1 | 2;
  vector: { version: number; categories: string[] };
  standardization: { mean: number[]; scale: number[] };
  centroids: number[][];
  spread: number[];
  labels: string[];
  /** Version 2: each dimension's weight in the distance (0 leaves it out of the grouping). */
  weights?: number[];
}

export interface FitSegmentsOptions {
  seed: number;
  /** Range of k tried (default 4 to 12). */
  kMin?: number;
  kMax?: number;
  /** k-means++ starts per k (default 5). */
  restarts?: number;
  /** Points the silhouette is computed on (O(n²); default 1,500). */
  silhouetteSample?: number;
  /** {@link chooseK}'s tolerance (default 0.7). */
  tolerance?: number;
  /** Use this k instead of choosing one. */
  k?: number;
  /**
   * The ε the devices will report their group at: k is capped at {@link kForEpsilon} (a report
   * names the true group at least half the time). Infinity or undefined: no cap.
   */
  epsilon?: number;
  /**
   * The dimensions the groups are defined on, by name (`profileVectorNames`); default all. The
   * others still get their group's mean in the centroids (labels and profile terms read them)
   * but weigh nothing in the distance (the file's `weights`, version 2).
   */
  dimensions?: readonly string[];
}

export interface KScore {
  k: number;
  silhouette: number;
  inertia: number;
}

export interface SegmentsFit {
  segments: SegmentsFile;
  k: number;
  scores: KScore[];
  sizes: number[];
}

/** Six significant digits: the file stays readable, and no placement changes at that precision. */
const round6 = (x: number) => Number(x.toPrecision(6));

const names = (categories: readonly string[]) => profileVectorNames(categories);

/**
 * A label from a group's centroid (raw, not standardized): purchase status and recency, coupon
 * use, spend, what was bought, what is browsed and at what prices, in a few words.
 */
export function groupLabel(raw: readonly number[], categories: readonly string[]): string {
  const value = new Map(names(categories).map((n, j) => [n, raw[j]!]));
  const get = (name: string) => value.get(name) ?? 0;
  const interests = categories
    .map((c) => ({ c, share: get(`interest_${c}`) }))
    .sort((a, b) => b.share - a.share);
  const browsing = Math.expm1(get('log_engagement'));
  const bought = categories.filter((c) => get(`bought_${c}`) >= 0.5);
  const words: string[] = [];
  if (get('has_purchased') >= 0.5) {
    const months = get('recency_months');
    const when = months < 3 ? 'recent ' : months > 8 ? 'lapsed ' : '';
    const spend = Math.expm1(get('log_spend_365')) >= 250 ? 'big-spending ' : '';
    const coupon = get('discounted_share') >= 0.4 ? 'coupon-using ' : '';
    words.push(
      `${when}${spend}${coupon}buyers${bought.length > 0 ? ` of ${bought.join(' and ')}` : ''}`,
    );
  } else {
    words.push('no purchase yet');
  }
  if (browsing < 0.5) words.push('no browsing');
  else if (interests[0]!.share >= 0.45) words.push(`browsing ${interests[0]!.c}`);
  else if (interests[0]!.share >= 0.3 && interests[1]!.share >= 0.2) {
    words.push(`browsing ${interests[0]!.c} and ${interests[1]!.c}`);
  } else words.push('browsing everything');
  const price = Math.expm1(get('log_price'));
  if (browsing >= 0.5 && price > 0) {
    if (price < 30) words.push('low prices');
    else if (price > 80) words.push('high prices');
  }
  return words.join(', ');
}

/** Labels made unique: a repeated one gets " (2)", " (3)"… in group order. */
function uniqueLabels(labels: string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((l) => {
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    return n === 1 ? l : `${l} (${n})`;
  });
}

/**
 * Fits the groups: standardizes the profile vectors, runs k-means for every k of the range,
 * scores each by the mean silhouette on one seeded sample, picks k, and writes the file.
 * Groups are ordered by size, largest first. Deterministic for a seed.
 */
export function fitSegments(
  profiles: readonly VectorProfile[],
  categories: readonly string[],
  options: FitSegmentsOptions,
): SegmentsFit {
  const cap = kForEpsilon(options.epsilon ?? Infinity);
  const kMax = options.k ?? Math.min(options.kMax ?? 12, cap);
  const kMin = options.k ?? Math.min(options.kMin ?? 4, kMax);
  if (profiles.length < 2 * kMax) {
    throw new Error(`segments: ${profiles.length} profiles, expected at least ${2 * kMax}`);
  }
  const raw = profiles.map((p) => profileVector(p, categories));
  const standardization = fitStandardization(raw);
  const points = raw.map((x) => standardize(x, standardization));
  const weights = options.dimensions && dimensionWeights(categories, options.dimensions);
  // k-means, the silhouette and the spread work in the weighted space (√w · z).
  const weigh = weighing(weights);
  const space = weights ? points.map((z) => weigh(z) as Float64Array) : points;
  const distinct = new Set(space.map((z) => Array.from(z).join(','))).size;
  if (distinct < kMin) {
    throw new Error(
      `segments: the profiles take ${distinct} distinct values on the dimensions grouped on, fewer than k = ${kMin}${options.k === undefined ? ' (lower --k-min)' : ''}`,
    );
  }
  const random = seededRandom(options.seed);
  const order = shuffle(
    points.map((_, i) => i),
    random,
  );
  const sample = order.slice(0, options.silhouetteSample ?? 1500);
  const samplePoints = sample.map((i) => space[i]!);
  const fits = new Map<number, ReturnType<typeof kmeans>>();
  const scores: KScore[] = [];
  // No more groups than distinct points: a larger k would only split identical profiles.
  for (let k = kMin; k <= Math.min(kMax, distinct); k++) {
    const fit = kmeans(space, k, random, { restarts: options.restarts ?? 5 });
    fits.set(k, fit);
    const labels = sample.map((i) => fit.labels[i]!);
    scores.push({ k, silhouette: silhouette(samplePoints, labels, k), inertia: fit.inertia });
  }
  const k = options.k ?? chooseK(scores, options.tolerance);
  const fit = fits.get(k)!;
  // The centroids in standardized space: each group's mean of every dimension, weighed or not.
  const centroids = weights ? memberMeans(points, fit.labels, k) : fit.centroids;
  const groups = centroids
    .map((centroid, g) => ({ centroid, spread: fit.spread[g]!, size: fit.sizes[g]! }))
    .sort((a, b) => b.size - a.size || a.centroid[0]! - b.centroid[0]!);
  const labels = uniqueLabels(
    groups.map((g) => groupLabel(unstandardize(g.centroid, standardization), categories)),
  );
  return {
    k,
    scores,
    sizes: groups.map((g) => g.size),
    segments: {
      format: SEGMENTS_FORMAT,
      version: weights ? 2 : 1,
      vector: { version: PROFILE_VECTOR_VERSION, categories: [...categories] },
      standardization: {
        mean: standardization.mean.map(round6),
        scale: standardization.scale.map(round6),
      },
      centroids: groups.map((g) => g.centroid.map(round6)),
      // A group of identical profiles has no spread; soft weights need a positive one.
      spread: groups.map((g) => round6(Math.max(1e-3, g.spread))),
      labels,
      ...(weights ? { weights } : {}),
    },
  };
}

/**
 * The most groups whose k-ary randomized response at ε names the true group at least half the
 * time: e^ε / (e^ε + k − 1) ≥ 1/2, so k ≤ e^ε + 1 (8 at ε = 2, 3 at ε = 1; at least 2). More
 * groups than that make most reports another group's, and the de-biased cells of the learner
 * (`npm run learn`) noisier than the groups are informative (docs/learning.md, Results).
 */
export function kForEpsilon(epsilon: number): number {
  if (!(epsilon > 0)) throw new Error(`segments: ε must be above 0, got ${epsilon}`);
  return Number.isFinite(epsilon) ? Math.max(2, Math.floor(Math.exp(epsilon) + 1)) : Infinity;
}

/**
 * The warning `cli` prints when an explicit `--k` passes {@link kForEpsilon}'s cap at `epsilon`
 * (0: learning off, no reports, no cap): allowed, but not silently. Undefined otherwise.
 */
export function kCapWarning(
  cli: string,
  k: number | undefined,
  epsilon: number,
): string | undefined {
  const cap = epsilon > 0 ? kForEpsilon(epsilon) : Infinity;
  if (k === undefined || k <= cap) return undefined;
  return `${cli}: warning: --k ${k} is above the cap k ≤ e^ε + 1 (${cap} at ε = ${epsilon}): a device's report names its true group less than half the time`;
}

/**
 * Weights 1 for the named dimensions, 0 for the others. A name is a dimension of
 * `profileVectorNames` (`bought_womens`) or a family of them (`bought`: every `bought_<category>`).
 */
export function dimensionWeights(
  categories: readonly string[],
  dimensions: readonly string[],
): number[] {
  const all = names(categories);
  const on = new Set<string>();
  for (const name of dimensions) {
    const matched = all.includes(name)
      ? [name]
      : categories.map((c) => `${name}_${c}`).filter((n) => all.includes(n));
    if (matched.length === 0) {
      throw new Error(
        `--dims: "${name}" is not a profile dimension; expected one of ${all.join(', ')}, or a family (interest, bought, recent)`,
      );
    }
    for (const n of matched) on.add(n);
  }
  return all.map((n) => (on.has(n) ? 1 : 0));
}

function memberMeans(points: readonly Float64Array[], labels: Int32Array, k: number): number[][] {
  const { sums, counts } = groupSums(points, labels, k);
  return sums.map((sum, g) => Array.from(sum, (x) => x / Math.max(1, counts[g]!)));
}

/** A point in the weighted space the groups are fitted in (√w · z), or as it is without weights. */
const weighing = (weights: readonly number[] | undefined) => {
  const root = weights?.map(Math.sqrt);
  return (z: ArrayLike<number>): ArrayLike<number> =>
    root ? Float64Array.from(z, (v, j) => v * root[j]!) : z;
};

/** How many of `profiles` fall in each group of a segments file (nearest centroid). */
export function groupSizes(profiles: readonly VectorProfile[], segments: SegmentsFile): number[] {
  const sizes = segments.centroids.map(() => 0);
  const weigh = weighing(segments.weights);
  const centroids = segments.centroids.map(weigh);
  for (const p of profiles) {
    const z = standardize(profileVector(p, segments.vector.categories), segments.standardization);
    sizes[nearestCentroid(weigh(z), centroids)]!++;
  }
  return sizes;
}
