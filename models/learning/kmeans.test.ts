import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decide/random.js';
import {
  chooseK,
  fitStandardization,
  kmeans,
  silhouette,
  standardize,
  unstandardize,
} from './kmeans.js';

const points = (rows: number[][]) => rows.map((r) => Float64Array.from(r));

describe('standardization', () => {
  it('centres and scales each dimension; a constant one keeps scale 1', () => {
    // Dimension 0: mean 3, population variance (4 + 0 + 4) / 3 = 8/3. Dimension 1: constant 5.
    const s = fitStandardization([
      [1, 5],
      [3, 5],
      [5, 5],
    ]);
    expect(s.mean).toEqual([3, 5]);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(s.scale[1]).toBe(1);
    const z = standardize([5, 5], s);
    expect(z[0]).toBeCloseTo(2 / Math.sqrt(8 / 3), 12);
    expect(z[1]).toBe(0);
    expect(unstandardize(z, s)[0]).toBeCloseTo(5, 12);
  });
});

describe('kmeans', () => {
  it('splits two pairs, worked by hand', () => {
    const xs = points([[0], [1], [10], [11]]);
    const fit = kmeans(xs, 2, seededRandom(1));
    const order = fit.centroids[0]![0]! < fit.centroids[1]![0]! ? [0, 1] : [1, 0];
    expect(order.map((c) => fit.centroids[c]![0])).toEqual([0.5, 10.5]);
    // Every point is 0.5 from its centroid: inertia 4 · 0.25, spread 0.25 per cluster.
    expect(fit.inertia).toBe(1);
    expect(fit.spread).toEqual([0.25, 0.25]);
    expect(fit.sizes).toEqual([2, 2]);
    expect(fit.labels[0]).toBe(fit.labels[1]);
    expect(fit.labels[2]).toBe(fit.labels[3]);
    expect(fit.labels[0]).not.toBe(fit.labels[2]);
  });

  it('finds three separated blobs from any seed, and replays a seed exactly', () => {
    const random = seededRandom(9);
    const centres = [
      [0, 0],
      [8, 0],
      [0, 8],
    ];
    const xs = points(
      Array.from({ length: 300 }, (_, i) => {
        const c = centres[i % 3]!;
        return [c[0]! + random() - 0.5, c[1]! + random() - 0.5];
      }),
    );
    for (const seed of [1, 2, 3]) {
      const fit = kmeans(xs, 3, seededRandom(seed));
      // Each blob is one cluster: points i, i + 3, i + 6, … share a label, the three differ.
      const labelOf = [fit.labels[0], fit.labels[1], fit.labels[2]];
      expect(new Set(labelOf).size).toBe(3);
      for (let i = 0; i < 300; i++) expect(fit.labels[i]).toBe(labelOf[i % 3]);
      expect(fit.sizes.every((s) => s === 100)).toBe(true);
    }
    expect(kmeans(xs, 4, seededRandom(5))).toEqual(kmeans(xs, 4, seededRandom(5)));
  });

  it('keeps k clusters when points repeat, and refuses an impossible k', () => {
    const fit = kmeans(points([[0], [0], [0], [10]]), 2, seededRandom(3));
    expect(fit.sizes.sort()).toEqual([1, 3]);
    expect(fit.inertia).toBe(0);
    expect(() => kmeans(points([[0], [1]]), 3, seededRandom(1))).toThrow(
      'kmeans: k must be a whole number from 1 to 2, got 3',
    );
  });
});

describe('silhouette and the choice of k', () => {
  it('scores a clustering, worked by hand', () => {
    // Point 0: a = 1 (to 1), b = (10 + 11) / 2 = 10.5, s = 9.5 / 10.5. Point 1: a = 1,
    // b = (9 + 10) / 2 = 9.5, s = 8.5 / 9.5. Points 10 and 11 mirror them.
    const s = silhouette(points([[0], [1], [10], [11]]), [0, 0, 1, 1], 2);
    expect(s).toBeCloseTo((9.5 / 10.5 + 8.5 / 9.5) / 2, 12);
    // A point alone in its cluster counts 0: (0 + s(1) + s(2)) / 3 with 1 and 2 in one cluster:
    // point 1: a = 1, b = 1 → 0; point 2: a = 1, b = 2 → 0.5.
    expect(silhouette(points([[0], [1], [2]]), [0, 1, 1], 2)).toBeCloseTo(0.5 / 3, 12);
  });

  it('takes the largest k within the tolerance of the best silhouette', () => {
    const scores = [
      { k: 4, silhouette: 0.5 },
      { k: 5, silhouette: 0.45 },
      { k: 6, silhouette: 0.38 },
      { k: 7, silhouette: 0.41 },
      { k: 8, silhouette: 0.39 },
    ];
    // Threshold 0.8 × 0.5 = 0.4: k = 4, 5 and 7 qualify.
    expect(chooseK(scores, 0.8)).toBe(7);
    expect(chooseK(scores, 1)).toBe(4);
    // The default, 0.7 × 0.5 = 0.35: every k qualifies.
    expect(chooseK(scores)).toBe(8);
  });
});
