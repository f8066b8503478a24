/**
 * k-means for shopper groups (`npm run segments`): standardization, k-means++ seeding with several
 * restarts, the mean silhouette of a clustering, and the rule that picks k. Everything draws from
 * the generator it is given, so a seed replays a fit exactly.
 */

/** z = (x − mean) / scale per dimension; a constant dimension gets scale 1 (it then stays 0). */
export interface Standardization {
  mean: number[];
  scale: number[];
}

/** Mean and population standard deviation per dimension. */
export function fitStandardization(points: readonly ArrayLike<number>[]): Standardization {
  if (points.length === 0) throw new Error('fitStandardization: no points');
  const d = points[0]!.length;
  const mean = new Array<number>(d).fill(0);
  for (const x of points) for (let j = 0; j < d; j++) mean[j]! += x[j]!;
  for (let j = 0; j < d; j++) mean[j]! /= points.length;
  const variance = new Array<number>(d).fill(0);
  for (const x of points) for (let j = 0; j < d; j++) variance[j]! += (x[j]! - mean[j]!) ** 2;
  // Below this a dimension carries no information (a flag nobody has): dividing would blow noise up.
  const scale = variance.map((v) => {
    const sd = Math.sqrt(v / points.length);
    return sd > 1e-9 ? sd : 1;
  });
  return { mean, scale };
}

export function standardize(x: ArrayLike<number>, s: Standardization): Float64Array {
  const out = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) out[j] = (x[j]! - s.mean[j]!) / s.scale[j]!;
  return out;
}

/** Back from standardized space to the raw vector. */
export function unstandardize(z: ArrayLike<number>, s: Standardization): number[] {
  return Array.from(z, (v, j) => v * s.scale[j]! + s.mean[j]!);
}

export function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += (a[j]! - b[j]!) ** 2;
  return sum;
}

/** Index of the nearest centroid (the first of equals). */
export function nearestCentroid(x: ArrayLike<number>, centroids: readonly ArrayLike<number>[]) {
  let best = 0;
  let bestDistance = Infinity;
  for (let c = 0; c < centroids.length; c++) {
    const d = squaredDistance(x, centroids[c]!);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

export interface Clustering {
  centroids: number[][];
  /** The cluster of each point. */
  labels: Int32Array;
  /** Sum of squared distances of the points to their centroids. */
  inertia: number;
  /** Mean squared distance of each cluster's members to its centroid (0 for a singleton). */
  spread: number[];
  sizes: number[];
}

export interface KMeansOptions {
  /** Independent k-means++ starts; the lowest inertia wins. Default 5. */
  restarts?: number;
  /** Lloyd iterations at most per start. Default 100. */
  maxIterations?: number;
}

/** Picks a point with probability ∝ weight (k-means++: the squared distance to the nearest seed). */
function drawWeighted(weights: Float64Array, total: number, random: () => number): number {
  let u = random() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  // Rounding left a sliver of u: the last point with weight.
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
  return weights.length - 1;
}

function seedCentroids(points: readonly Float64Array[], k: number, random: () => number) {
  const centroids: Float64Array[] = [points[Math.floor(random() * points.length)]!.slice()];
  const nearest = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) nearest[i] = squaredDistance(points[i]!, centroids[0]!);
  while (centroids.length < k) {
    let total = 0;
    for (const d of nearest) total += d;
    // Fewer distinct points than k: the remaining seeds are duplicates, which Lloyd re-seeds.
    const pick =
      total > 0 ? drawWeighted(nearest, total, random) : Math.floor(random() * points.length);
    const seed = points[pick]!.slice();
    centroids.push(seed);
    for (let i = 0; i < points.length; i++) {
      const d = squaredDistance(points[i]!, seed);
      if (d < nearest[i]!) nearest[i] = d;
    }
  }
  return centroids;
}

/** Per group of `labels` (0…k−1): the sum of its points, and how many it has. */
export function groupSums(points: readonly Float64Array[], labels: Int32Array, k: number) {
  const d = points[0]!.length;
  const sums = Array.from({ length: k }, () => new Float64Array(d));
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < points.length; i++) {
    const c = labels[i]!;
    counts[c]!++;
    const x = points[i]!;
    const s = sums[c]!;
    for (let j = 0; j < d; j++) s[j]! += x[j]!;
  }
  return { sums, counts };
}

function lloyd(points: readonly Float64Array[], start: Float64Array[], maxIterations: number) {
  const k = start.length;
  const d = points[0]!.length;
  const centroids = start;
  const labels = new Int32Array(points.length).fill(-1);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let moved = false;
    for (let i = 0; i < points.length; i++) {
      const c = nearestCentroid(points[i]!, centroids);
      if (c !== labels[i]) {
        labels[i] = c;
        moved = true;
      }
    }
    if (!moved) break;
    const { sums, counts } = groupSums(points, labels, k);
    for (let c = 0; c < k; c++) {
      if (counts[c]! > 0) {
        for (let j = 0; j < d; j++) centroids[c]![j] = sums[c]![j]! / counts[c]!;
        continue;
      }
      // An empty cluster takes the point farthest from its centroid: k groups stay k groups.
      let far = 0;
      let farDistance = -1;
      for (let i = 0; i < points.length; i++) {
        const dist = squaredDistance(points[i]!, centroids[labels[i]!]!);
        if (dist > farDistance) {
          farDistance = dist;
          far = i;
        }
      }
      centroids[c] = points[far]!.slice();
      labels[far] = c;
    }
  }
  return { centroids, labels };
}

/** k-means with k-means++ seeding; the best of `restarts` starts by inertia. */
export function kmeans(
  points: readonly Float64Array[],
  k: number,
  random: () => number,
  options: KMeansOptions = {},
): Clustering {
  if (!Number.isInteger(k) || k < 1 || k > points.length) {
    throw new Error(`kmeans: k must be a whole number from 1 to ${points.length}, got ${k}`);
  }
  const restarts = options.restarts ?? 5;
  const maxIterations = options.maxIterations ?? 100;
  let best: Clustering | undefined;
  for (let r = 0; r < restarts; r++) {
    const { centroids, labels } = lloyd(points, seedCentroids(points, k, random), maxIterations);
    const sizes = new Array<number>(k).fill(0);
    const within = new Array<number>(k).fill(0);
    for (let i = 0; i < points.length; i++) {
      const c = labels[i]!;
      sizes[c]!++;
      within[c]! += squaredDistance(points[i]!, centroids[c]!);
    }
    const inertia = within.reduce((a, b) => a + b, 0);
    if (!best || inertia < best.inertia) {
      best = {
        centroids: centroids.map((c) => Array.from(c)),
        labels,
        inertia,
        spread: within.map((w, c) => (sizes[c]! > 0 ? w / sizes[c]! : 0)),
        sizes,
      };
    }
  }
  return best!;
}

/**
 * Mean silhouette of a clustering: for each point, (b − a) / max(a, b) with a its mean distance to
 * the other members of its cluster and b the least mean distance to another cluster's members; 0
 * for a point alone in its cluster. O(n²): pass a sample of a large set.
 */
export function silhouette(
  points: readonly ArrayLike<number>[],
  labels: ArrayLike<number>,
  k: number,
) {
  const n = points.length;
  if (n === 0) return 0;
  const sums = new Float64Array(k);
  const counts = new Int32Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    counts.fill(0);
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      sums[labels[j]!]! += Math.sqrt(squaredDistance(points[i]!, points[j]!));
      counts[labels[j]!]!++;
    }
    const own = labels[i]!;
    if (counts[own] === 0) continue;
    const a = sums[own]! / counts[own]!;
    let b = Infinity;
    for (let c = 0; c < k; c++)
      if (c !== own && counts[c]! > 0) b = Math.min(b, sums[c]! / counts[c]!);
    if (!Number.isFinite(b)) continue;
    const m = Math.max(a, b);
    if (m > 0) total += (b - a) / m;
  }
  return total / n;
}

/**
 * The k to use: the largest whose silhouette is at least `tolerance` × the best one. Silhouette
 * alone favours few, coarse groups and its maximum jumps between neighbouring k from one sample to
 * the next; among clusterings about as well separated as the best, more groups let the learner
 * tell more kinds of shoppers apart, and empirical-Bayes shrinkage keeps thin groups from costing
 * much. The prototype's 0.8 picked k = 4 on the default browsing world's traffic (silhouette
 * 0.37 against 0.24–0.28 for every k ≥ 5, three seeds), coarse groups that left the learner
 * little to tell apart; 0.7 picks 12 there (docs/learning.md).
 */
export function chooseK(scores: readonly { k: number; silhouette: number }[], tolerance = 0.7) {
  if (scores.length === 0) throw new Error('chooseK: no candidates');
  const best = Math.max(...scores.map((s) => s.silhouette));
  const threshold = best >= 0 ? tolerance * best : best / tolerance;
  return Math.max(...scores.filter((s) => s.silhouette >= threshold).map((s) => s.k));
}
