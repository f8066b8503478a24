/**
 * Shopper groups: the centroids `npm run segments` found by k-means on profile vectors, and how a
 * device places itself among them. The file is public (the same for every shopper); the group a
 * device computes stays on the device, and only a randomized response of it may leave (see
 * `randomized-response.ts`).
 */
import { fieldError } from '../util/errors.js';
import { isPlainObject } from '../util/guards.js';
import { fieldPath, refuseMisspeltKeys } from '../util/misspelt-keys.js';
import {
  offerTerms,
  PROFILE_VECTOR_VERSION,
  profileVector,
  profileVectorNames,
  type TermOffer,
  type VectorProfile,
} from '../features/profile-vector.js';
import type { Segments } from './types.js';

export type { Segments } from './types.js';

export const SEGMENTS_FORMAT = 'offerwise-segments';
/** Groups a segments file may have (k-means is run for k = 4…12; a file may have fewer). */
export const MAX_GROUPS = 16;
const MAX_CATEGORIES = 50;

const bad = (field: string, value: unknown, expected: string): never => {
  throw fieldError('invalid_segments', fieldPath('segments', field), value, expected);
};

/** The fields of a segments file, by object (`sha256`: an inline copy's, learning-files.ts). */
const SEGMENTS_KEYS = {
  file: [
    'format',
    'version',
    'vector',
    'standardization',
    'centroids',
    'spread',
    'labels',
    'weights',
    'sha256',
  ],
  vector: ['version', 'categories'],
  standardization: ['mean', 'scale'],
} as const;

/**
 * Bounds that keep every squared distance finite for any profile vector (whose values are logs,
 * shares and months): a file outside them is refused rather than placing shoppers by NaN.
 */
const LIMIT = { value: 1e9, scale: [1e-9, 1e9], weight: 1e6 } as const;

function numbers(
  value: unknown,
  field: string,
  length: number,
  range: readonly [number, number] = [-LIMIT.value, LIMIT.value],
  positive = false,
): number[] {
  if (!Array.isArray(value) || value.length !== length) {
    bad(field, value, `an array of ${length} numbers`);
  }
  const [low, high] = range;
  return (value as unknown[]).map((v, i) => {
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      (positive && !(v > 0)) ||
      v < low ||
      v > high
    ) {
      bad(
        `${field}[${i}]`,
        v,
        `a${positive ? ' positive' : ''} finite number from ${low} to ${high}`,
      );
    }
    return v as number;
  });
}

/**
 * Validates a segments file; throws `OfferwiseError('invalid_segments')` naming the field, the
 * value and what was expected (the caller decides without groups then).
 */
export function validateSegments(input: unknown): Segments {
  if (!isPlainObject(input)) bad('', input, 'a segments object');
  const raw = input as Record<string, unknown>;
  refuseMisspeltKeys(raw, '', SEGMENTS_KEYS.file, bad);
  if (raw.format !== SEGMENTS_FORMAT) bad('format', raw.format, `"${SEGMENTS_FORMAT}"`);
  if (raw.version !== 1 && raw.version !== 2) bad('version', raw.version, '1 or 2');
  const vector = raw.vector;
  if (!isPlainObject(vector)) bad('vector', vector, '{ version, categories }');
  const v = vector as Record<string, unknown>;
  refuseMisspeltKeys(v, 'vector', SEGMENTS_KEYS.vector, bad);
  if (v.version !== PROFILE_VECTOR_VERSION) {
    bad('vector.version', v.version, `${PROFILE_VECTOR_VERSION} (this SDK's profile vector)`);
  }
  const categories = v.categories;
  if (
    !Array.isArray(categories) ||
    categories.length === 0 ||
    categories.length > MAX_CATEGORIES ||
    !categories.every((c) => typeof c === 'string' && c !== '' && c.length <= 200)
  ) {
    bad('vector.categories', categories, `1 to ${MAX_CATEGORIES} category names`);
  }
  const cats = categories as string[];
  cats.forEach((c, i) => {
    // An offer's category `any` means "tied to no category" (catalog/offer.ts, offerTerms): as a
    // group category it would give such offers the terms of a category.
    if (c === 'any') {
      bad(
        `vector.categories[${i}]`,
        c,
        'a category other than "any" (reserved for offers tied to no category)',
      );
    }
    const first = cats.indexOf(c);
    if (first < i) {
      bad(
        `vector.categories[${i}]`,
        c,
        `a category not listed before (categories[${first}] is it)`,
      );
    }
  });
  const d = profileVectorNames(cats).length;
  const std = raw.standardization;
  if (!isPlainObject(std)) bad('standardization', std, '{ mean, scale }');
  const s = std as Record<string, unknown>;
  refuseMisspeltKeys(s, 'standardization', SEGMENTS_KEYS.standardization, bad);
  const mean = numbers(s.mean, 'standardization.mean', d);
  const scale = numbers(s.scale, 'standardization.scale', d, LIMIT.scale, true);
  const centroidsRaw = raw.centroids;
  if (!Array.isArray(centroidsRaw) || centroidsRaw.length < 2 || centroidsRaw.length > MAX_GROUPS) {
    bad('centroids', centroidsRaw, `an array of 2 to ${MAX_GROUPS} centroids`);
  }
  const k = (centroidsRaw as unknown[]).length;
  const centroids = (centroidsRaw as unknown[]).map((c, g) => numbers(c, `centroids[${g}]`, d));
  const spread = numbers(raw.spread, 'spread', k, [0, LIMIT.value], true);
  const labels = raw.labels;
  if (
    !Array.isArray(labels) ||
    labels.length !== k ||
    !labels.every((l) => typeof l === 'string' && l.trim() !== '' && l.length <= 100)
  ) {
    bad('labels', labels, `${k} labels of 1 to 100 characters`);
  }
  // Version 2 has the dimensions' weights; version 1 has none (every dimension weighs 1).
  let weights: number[] | undefined;
  if (raw.version === 2) {
    if (!Array.isArray(raw.weights)) {
      bad('weights', raw.weights, `an array of ${d} numbers (version 2)`);
    }
    weights = numbers(raw.weights, 'weights', d, [0, LIMIT.weight]);
    if (!weights.some((w) => w > 0)) bad('weights', raw.weights, 'at least one weight above 0');
  } else if (raw.weights !== undefined) {
    bad('weights', raw.weights, 'absent in version 1 (weights need version 2)');
  }
  return {
    format: SEGMENTS_FORMAT,
    version: weights ? 2 : 1,
    vector: { version: PROFILE_VECTOR_VERSION, categories: [...cats] },
    standardization: { mean, scale },
    centroids,
    spread,
    labels: (labels as string[]).map((l) => l.trim()),
    ...(weights ? { weights } : {}),
  };
}

/** Where a shopper stands among the groups. */
export interface GroupPlacement {
  /** The nearest centroid: the shopper's group. */
  group: number;
  label: string;
  /**
   * Soft membership per group, ∝ exp(−d²_g / (2·spread_g)), summing to 1: the decider blends the
   * groups' learned effects with these, so a shopper between two groups gets a bit of both.
   */
  weights: number[];
  /** The squared (standardized, weighted) distance to each centroid. */
  distances: number[];
  /** The shopper's profile vector (raw): stays on the device, like everything here. */
  vector: Float64Array;
}

/** Places the profile among the groups (microseconds: one vector, k distances). */
export function placeShopper(profile: VectorProfile, segments: Segments): GroupPlacement {
  const { mean, scale } = segments.standardization;
  const weights = segments.weights;
  const x = profileVector(profile, segments.vector.categories);
  const d2 = segments.centroids.map((c) => {
    let sum = 0;
    for (let j = 0; j < c.length; j++) {
      const z = (x[j]! - mean[j]!) / scale[j]!;
      sum += (weights ? weights[j]! : 1) * (z - c[j]!) ** 2;
    }
    return sum;
  });
  let group = 0;
  for (let g = 1; g < d2.length; g++) if (d2[g]! < d2[group]!) group = g;
  const exponents = d2.map((d, g) => d / (2 * segments.spread[g]!));
  const least = Math.min(...exponents);
  const raw = exponents.map((e) => Math.exp(least - e));
  const total = raw.reduce((a, b) => a + b, 0);
  // A validated file keeps every distance finite; should one still overflow, the shopper is
  // wholly in the nearest group rather than in none (NaN weights).
  const soft = raw.map((w) => w / total);
  return {
    group,
    label: segments.labels[group]!,
    weights: soft.every(Number.isFinite) ? soft : soft.map((_, g) => (g === group ? 1 : 0)),
    distances: d2,
    vector: x,
  };
}

/** The centroids on the vector's raw scale, once per segments file. */
const rawCentroids = new WeakMap<object, number[][]>();

/** A group's centroid on the vector's raw scale. */
function rawCentroid(segments: Pick<Segments, 'standardization' | 'centroids'>, group: number) {
  let raw = rawCentroids.get(segments.centroids);
  if (!raw) {
    const { mean, scale } = segments.standardization;
    raw = segments.centroids.map((c) => c.map((z, j) => z * scale[j]! + mean[j]!));
    rawCentroids.set(segments.centroids, raw);
  }
  return raw[group]!;
}

/** A group's profile terms for an offer (`offerTerms` at its centroid, on the raw scale). */
export function groupProfileTerms(
  segments: Pick<Segments, 'vector' | 'standardization' | 'centroids'>,
  group: number,
  offer: TermOffer,
): number[] {
  return offerTerms(rawCentroid(segments, group), segments.vector.categories, offer);
}

/**
 * How far the shopper's own profile terms for an offer lie from those of their groups (blended
 * with the placement's weights): what the learned `profile` slopes multiply, so that two shoppers
 * of one group who browse, buy or bargain differently get different values.
 */
export function profileDeviation(
  placement: GroupPlacement,
  segments: Segments,
  offer: TermOffer,
): number[] {
  const out = profileTerms(placement, segments, offer);
  termsByGroup(segments, offer).forEach((terms, g) => {
    const w = placement.weights[g]!;
    for (let j = 0; j < out.length; j++) out[j]! -= w * terms[j]!;
  });
  return out;
}

/**
 * The shopper's own profile terms for an offer (`offerTerms` of the placement's vector): what the
 * `profile` slopes multiply for an offer the effects file does not know, which has no group
 * values to deviate from.
 */
export function profileTerms(
  placement: GroupPlacement,
  segments: Pick<Segments, 'vector'>,
  offer: TermOffer,
): number[] {
  return offerTerms(placement.vector, segments.vector.categories, offer);
}

/** The groups' terms depend on an offer's category and depth only: kept per segments file. */
const groupTermsCache = new WeakMap<object, Map<string, number[][]>>();

function termsByGroup(segments: Segments, offer: TermOffer): number[][] {
  let byKey = groupTermsCache.get(segments.centroids);
  if (!byKey) groupTermsCache.set(segments.centroids, (byKey = new Map()));
  const key = `${offer.discount?.percent ?? 0} ${offer.category}`;
  let terms = byKey.get(key);
  if (!terms) {
    terms = segments.centroids.map((_, g) => groupProfileTerms(segments, g, offer));
    byKey.set(key, terms);
  }
  return terms;
}
