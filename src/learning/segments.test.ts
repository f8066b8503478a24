import { describe, expect, it } from 'vitest';
import { profileVector, profileVectorNames } from '../features/profile-vector.js';
import type { ProfileSnapshot } from '../profile/snapshot.js';
import { groupProfileTerms, placeShopper, profileDeviation, validateSegments } from './segments.js';

const NOW = Date.UTC(2026, 10, 28, 12);
const DAY = 86_400_000;

function profile(over: Partial<ProfileSnapshot> = {}): ProfileSnapshot {
  const empty = { count: 0, spend: 0 };
  return {
    at: NOW,
    daysSinceLastPurchase: null,
    firstSeenAt: null,
    purchases: { d30: empty, d90: empty, d365: empty, total: empty, discounted: 0 },
    categories: [],
    purchasedCategories: [],
    price: { average: null, min: null, max: null, band: null },
    cart: { lines: [], itemCount: 0, value: 0, currency: null },
    ...over,
  } as ProfileSnapshot;
}

describe('profileVector', () => {
  it('describes the shopper alone, worked by hand', () => {
    const p = profile({
      daysSinceLastPurchase: 15.21875, // half a month: the shoes below
      firstSeenAt: NOW - 99 * DAY,
      purchases: {
        d30: { count: 1, spend: 30 },
        d90: { count: 2, spend: 70 },
        d365: { count: 3, spend: 149 },
        total: { count: 4, spend: 180 },
        discounted: 1,
      },
      categories: [
        { category: 'womens', score: 6 },
        { category: 'shoes', score: 2 },
        { category: 'garden', score: 2 },
      ],
      purchasedCategories: [
        { category: 'womens', count: 2, lastAt: NOW - 61 * DAY }, // within a year, not 30 days
        { category: 'mens', count: 1, lastAt: NOW - 400 * DAY }, // more than a year: not counted
        { category: 'shoes', count: 1, lastAt: NOW - 15.21875 * DAY }, // within 30 days: recent
      ],
      price: { average: 49, min: 10, max: 90, band: 'mid' },
      cart: { lines: [], itemCount: 0, value: 0, currency: null },
    });
    const categories = ['womens', 'mens', 'shoes'];
    // 9 + 3 × 3 categories: interest, bought and recent for each.
    expect(profileVectorNames(categories)).toHaveLength(18);
    expect(profileVectorNames(categories).slice(11, 14)).toEqual([
      'recent_womens',
      'recent_mens',
      'recent_shoes',
    ]);
    expect([...profileVector(p, categories)]).toEqual([
      0.5, // 15.21875 / 30.4375 months
      1,
      Math.log(150), // log1p(149)
      Math.log(4), // log1p(3)
      0.25, // 1 of 4 purchases discounted
      0.6, // womens 6 of 10
      0,
      0.2, // shoes 2 of 10 (garden is not one of the categories but counts in the total)
      1, // bought womens within a year (61 days ago)
      0, // mens bought 400 days ago
      1, // shoes bought 15.2 days ago
      0, // womens: 61 days ago is more than 30, so bought but not recent
      0, // mens: 400 days ago
      1, // shoes: 15.2 days ago is within 30 days
      Math.log(11), // log1p(total affinity 10)
      Math.log(50), // log1p(49)
      0, // empty cart
      Math.log(100), // log1p(99 days known)
    ]);
    // A shopper with no history at all.
    expect([...profileVector(profile(), categories)]).toEqual([
      13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    // Recent means within 30 days, the 30th day included: mens bought exactly 30 days ago is
    // recent (dimension 12), a millisecond more is not (bought within a year still, dimension 9).
    const at = (ms: number) =>
      profileVector(
        profile({ purchasedCategories: [{ category: 'mens', count: 1, lastAt: NOW - ms }] }),
        categories,
      );
    expect([at(30 * DAY)[9], at(30 * DAY)[12]]).toEqual([1, 1]);
    expect([at(30 * DAY + 1)[9], at(30 * DAY + 1)[12]]).toEqual([1, 0]);
  });
});

function segmentsFile(over: Record<string, unknown> = {}) {
  // One category: 9 + 3 = 12 dimensions. Two groups differing only in recency (dimension 0).
  const d = 12;
  return {
    format: 'offerwise-segments',
    version: 1,
    vector: { version: 2, categories: ['womens'] },
    standardization: { mean: Array(d).fill(0), scale: Array(d).fill(1) },
    centroids: [
      [1, ...Array(d - 1).fill(0)],
      [13, ...Array(d - 1).fill(0)],
    ],
    spread: [2, 8],
    labels: ['recent buyers', 'lapsed'],
    ...over,
  };
}

describe('segments', () => {
  it('places a shopper at the nearest centroid, with soft weights ∝ exp(−d²/2s)', () => {
    const segments = validateSegments(segmentsFile());
    // Recency 3 months and a purchase on record (has_purchased 1, 0 in both centroids):
    // d² = 2² + 1 = 5 to group 0 (spread 2), 10² + 1 = 101 to group 1 (spread 8); exponents
    // 1.25 and 6.3125, so weights 1 / (1 + e^−5.0625) = 0.993706 and 0.006294.
    const placed = placeShopper(
      profile({
        daysSinceLastPurchase: 3 * 30.4375,
        purchases: {
          d30: { count: 0, spend: 0 },
          d90: { count: 0, spend: 0 },
          d365: { count: 0, spend: 0 },
          total: { count: 0, spend: 0 },
          discounted: 0,
        },
      }),
      segments,
    );
    expect(placed.group).toBe(0);
    expect(placed.label).toBe('recent buyers');
    expect(placed.weights[0]).toBeCloseTo(1 / (1 + Math.exp(-5.0625)), 9);
    expect(placed.weights[1]).toBeCloseTo(1 - 1 / (1 + Math.exp(-5.0625)), 9);
  });

  it("measures the shopper's profile terms for an offer against the groups', by hand", () => {
    // One category (womens): dimensions 4 discounted_share, 5 interest, 6 bought, 7 recent,
    // 9 log_price. Standardized with mean 0.5 and scale 0.25 on 4…7 and mean 3, scale 1 on 9:
    // group 0's raw values discounted 0.5, interest 0.75, bought 1, recent 0.5 + 1·0.25 = 0.75,
    // log_price 4; group 1's 0.5, 0.25, 0, recent 0.5 − 2·0.25 = 0, log_price 2.
    const mean = Array(12).fill(0);
    const scale = Array(12).fill(1);
    mean[4] = mean[5] = mean[6] = mean[7] = 0.5;
    scale[4] = scale[5] = scale[6] = scale[7] = 0.25;
    mean[9] = 3;
    const segments = validateSegments(
      segmentsFile({
        standardization: { mean, scale },
        centroids: [
          [1, 0, 0, 0, 0, 1, 2, 1, 0, 1, 0, 0],
          [13, 0, 0, 0, 0, -1, -2, -2, 0, -1, 0, 0],
        ],
      }),
    );
    const coupon = { category: 'womens', discount: { percent: 20 } };
    const anyOffer = { category: 'any', discount: { percent: 10 } };
    // Terms: interest, bought, depth × log_price, depth × discounted share, any × (1 − max share),
    // recent (bought the offer's category within 30 days).
    expect(groupProfileTerms(segments, 0, coupon)).toEqual(
      [0.75, 1, 0.8, 0.1, 0, 0.75].map((x) => expect.closeTo(x, 12)),
    );
    expect(groupProfileTerms(segments, 1, coupon)).toEqual(
      [0.25, 0, 0.4, 0.1, 0, 0].map((x) => expect.closeTo(x, 12)),
    );
    // `any` names no category of the layout: no interest, bought or recent term.
    expect(groupProfileTerms(segments, 0, anyOffer)).toEqual(
      [0, 0, 0.4, 0.05, 0.25, 0].map((x) => expect.closeTo(x, 12)),
    );
    // A shopper who browses only womens (share 1) at e⁴ − 1 (log_price 4), never bought,
    // weighted 0.25 / 0.75: interest 1 − (0.25·0.75 + 0.75·0.25) = 0.625, bought −0.25,
    // depth × price 0.8 − (0.25·0.8 + 0.75·0.4) = 0.3, depth × discounted 0 − 0.1,
    // recent 0 − (0.25·0.75 + 0.75·0) = −0.1875.
    const browses = {
      categories: [{ category: 'womens', score: 3 }],
      price: { average: Math.expm1(4), min: null, max: null, band: null },
    };
    const placed = { ...placeShopper(profile(browses), segments), weights: [0.25, 0.75] };
    expect([placed.vector[5], placed.vector[6], placed.vector[7]]).toEqual([1, 0, 0]);
    expect(profileDeviation(placed, segments, coupon)).toEqual(
      [0.625, -0.25, 0.3, -0.1, 0, -0.1875].map((x) => expect.closeTo(x, 12)),
    );
    // Another category: no interest, bought or recent term; the depth terms still apply.
    expect(profileDeviation(placed, segments, { ...coupon, category: 'shoes' })).toEqual(
      [0, 0, 0.3, -0.1, 0, 0].map((x) => expect.closeTo(x, 12)),
    );
    // The same shopper having bought womens 10 days ago (one order, no discount: share 0 / 1):
    // bought and recent are 1, so bought 1 − 0.25 = 0.75 and recent 1 − 0.1875 = 0.8125.
    const order = { count: 1, spend: 50 };
    const bought = {
      ...placeShopper(
        profile({
          ...browses,
          daysSinceLastPurchase: 10,
          purchases: { d30: order, d90: order, d365: order, total: order, discounted: 0 },
          purchasedCategories: [{ category: 'womens', count: 1, lastAt: NOW - 10 * DAY }],
        }),
        segments,
      ),
      weights: [0.25, 0.75],
    };
    expect([bought.vector[4], bought.vector[6], bought.vector[7]]).toEqual([0, 1, 1]);
    expect(profileDeviation(bought, segments, coupon)).toEqual(
      [0.625, 0.75, 0.3, -0.1, 0, 0.8125].map((x) => expect.closeTo(x, 12)),
    );
  });

  it('weighs the dimensions of a version-2 file, worked by hand', () => {
    // Only bought_womens (dimension 6) weighs: group 0 is recent (recency 1) without it, group 1
    // lapsed (recency 13) with it. A shopper 3 months since a purchase, womens bought 10 days ago:
    // unweighted, recency alone puts them in group 0 (d² ≥ 2² against ≥ 10²); weighted, d² is 1
    // to group 0 (spread 2) and 0 to group 1 (spread 8): exponents 0.25 and 0, so weights
    // 1 / (1 + e^0.25) = 0.437823 and e^0.25 / (1 + e^0.25) = 0.562177.
    const weights = Array(12).fill(0);
    weights[6] = 1;
    const centroids = [
      [1, ...Array(11).fill(0)],
      [13, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0],
    ];
    const file = segmentsFile({ version: 2, weights, centroids });
    const shopper = profile({
      daysSinceLastPurchase: 3 * 30.4375,
      purchasedCategories: [{ category: 'womens', count: 1, lastAt: NOW - 10 * DAY }],
    });
    const placed = placeShopper(shopper, validateSegments(file));
    expect(placed.group).toBe(1);
    expect(placed.weights[0]).toBeCloseTo(1 / (1 + Math.exp(0.25)), 12);
    expect(placed.weights[1]).toBeCloseTo(Math.exp(0.25) / (1 + Math.exp(0.25)), 12);
    // The same centroids as version 1 (every dimension weighs 1): recency decides.
    expect(placeShopper(shopper, validateSegments(segmentsFile({ centroids }))).group).toBe(0);
  });

  it('places a shopper wholly in the nearest group when distances overflow (an unchecked file)', () => {
    // Not through validateSegments: a scale of 1e-300 makes every distance Infinity.
    const raw = segmentsFile({
      standardization: { mean: Array(12).fill(0), scale: Array(12).fill(1e-300) },
    }) as unknown as Parameters<typeof placeShopper>[1];
    const placed = placeShopper(profile({ daysSinceLastPurchase: 3 * 30.4375 }), raw);
    expect(placed.weights).toEqual([1, 0]);
    expect(placed.group).toBe(0);
  });

  it('refuses weights that are missing, negative, all zero, or in a version-1 file', () => {
    const weights = Array(12).fill(1);
    expect(() => validateSegments(segmentsFile({ version: 2 }))).toThrow(
      'segments.weights: got undefined, expected an array of 12 numbers (version 2)',
    );
    expect(() =>
      validateSegments(
        segmentsFile({ version: 2, weights: weights.map((w, j) => (j === 3 ? -1 : w)) }),
      ),
    ).toThrow('segments.weights[3]: got -1, expected a finite number from 0 to 1000000');
    expect(() =>
      validateSegments(segmentsFile({ version: 2, weights: Array(12).fill(0) })),
    ).toThrow('segments.weights: got array(12), expected at least one weight above 0');
    expect(() => validateSegments(segmentsFile({ weights }))).toThrow(
      'segments.weights: got array(12), expected absent in version 1 (weights need version 2)',
    );
    expect(() => validateSegments(segmentsFile({ version: 3, weights }))).toThrow(
      'segments.version: got 3, expected 1 or 2',
    );
    expect(validateSegments(segmentsFile({ version: 2, weights })).weights).toEqual(weights);
  });

  it('refuses a broken file, naming the field, the value and what was expected', () => {
    expect(() => validateSegments(segmentsFile({ format: 'x' }))).toThrow(
      'segments.format: got "x", expected "offerwise-segments"',
    );
    expect(() =>
      validateSegments(segmentsFile({ vector: { version: 1, categories: ['a'] } })),
    ).toThrow("segments.vector.version: got 1, expected 2 (this SDK's profile vector)");
    expect(() => validateSegments(segmentsFile({ spread: [2, 0] }))).toThrow(
      'segments.spread[1]: got 0, expected a positive finite number from 0 to 1000000000',
    );
    expect(() =>
      validateSegments(segmentsFile({ centroids: [[1, 2, 3], Array(12).fill(0)] })),
    ).toThrow('segments.centroids[0]: got array(3), expected an array of 12 numbers');
    expect(() => validateSegments(segmentsFile({ labels: ['a'] }))).toThrow(
      'segments.labels: got array(1), expected 2 labels of 1 to 100 characters',
    );
    // Bounds that keep every distance finite for any profile (a hostile or broken file).
    expect(() =>
      validateSegments(
        segmentsFile({
          standardization: { mean: Array(12).fill(0), scale: Array(12).fill(1e-300) },
        }),
      ),
    ).toThrow(
      'segments.standardization.scale[0]: got 1e-300, expected a positive finite number from 1e-9 to 1000000000',
    );
    expect(() =>
      validateSegments(segmentsFile({ centroids: [Array(12).fill(1e300), Array(12).fill(0)] })),
    ).toThrow(
      'segments.centroids[0][0]: got 1e+300, expected a finite number from -1000000000 to 1000000000',
    );
    expect(() =>
      validateSegments(segmentsFile({ version: 2, weights: Array(12).fill(1e308) })),
    ).toThrow('segments.weights[0]: got 1e+308, expected a finite number from 0 to 1000000');
    const error = (() => {
      try {
        validateSegments(null);
      } catch (e) {
        return e as { code: string };
      }
    })();
    expect(error?.code).toBe('invalid_segments');
  });

  it('refuses a category listed twice, or "any" (an offer tied to no category)', () => {
    const vector = (categories: string[]) => segmentsFile({ vector: { version: 2, categories } });
    expect(() => validateSegments(vector(['womens', 'mens', 'womens']))).toThrow(
      'segments.vector.categories[2]: got "womens", expected a category not listed before (categories[0] is it)',
    );
    expect(() => validateSegments(vector(['womens', 'any']))).toThrow(
      'segments.vector.categories[1]: got "any", expected a category other than "any" (reserved for offers tied to no category)',
    );
  });

  it('refuses a field one edit from a known one (misspelt), and ignores other unknown fields', () => {
    const misspelt = (known: string) =>
      `(a field one edit from a known one is refused as misspelt; known here: ${known})`;
    const top =
      'format, version, vector, standardization, centroids, spread, labels, weights, sha256';
    const weights = Array(12).fill(1);
    // Version 1 would have dropped it and weighed every dimension 1.
    expect(() => validateSegments(segmentsFile({ weight: weights }))).toThrow(
      `segments.weight: got array(12), expected weights ${misspelt(top)}`,
    );
    expect(() => validateSegments(segmentsFile({ 'label s': ['a', 'b'] }))).toThrow(
      `segments["label s"]: got array(2), expected labels ${misspelt(top)}`,
    );
    expect(() =>
      validateSegments(
        segmentsFile({ vector: { version: 2, categories: ['womens'], Categories: ['mens'] } }),
      ),
    ).toThrow(
      `segments.vector.Categories: got array(1), expected categories ${misspelt('version, categories')}`,
    );
    const standardization = { mean: Array(12).fill(0), scale: Array(12).fill(1) };
    expect(() =>
      validateSegments(segmentsFile({ standardization: { ...standardization, scales: [2] } })),
    ).toThrow(
      `segments.standardization.scales: got array(1), expected scale ${misspelt('mean, scale')}`,
    );
    // Anything else is left for newer SDKs (as the catalog does): the same file as without it.
    const extra = segmentsFile({
      note: 'fitted on the browsing world',
      sha256: 'b'.repeat(64),
      vector: { version: 2, categories: ['womens'], source: 'browsing.json' },
      standardization: { ...standardization, method: 'z-score' },
    });
    expect(validateSegments(extra)).toEqual(validateSegments(segmentsFile()));
  });
});
