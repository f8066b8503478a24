import { describe, expect, it } from 'vitest';
import { validateEffects } from '../../src/learning/effects.js';
import { buildEffects, claimValue, claimValueEstimate, type CellRow } from './effects-file.js';

const AT = Date.UTC(2026, 10, 28, 12);
const IDS = ['a', 'b', 'c'];
/**
 * The groups' profile terms for each offer (`PROFILE_TERMS` order: interest, bought, depthPrice,
 * depthCoupon, anyDiffuse, recent); c is an `any` offer, whose only term is how spread the
 * browsing is.
 */
const TERMS = new Map<string, number[][]>([
  [
    'a',
    [
      [0.8, 1, 0, 0, 0, 0],
      [0.2, 0, 0, 0, 0, 0],
      [0.5, 0.5, 0, 0, 0, 0],
    ],
  ],
  [
    'b',
    [
      [0.1, 0, 0, 0, 0, 0],
      [0.6, 1, 0, 0, 0, 0],
      [0.3, 0.5, 0, 0, 0, 0],
    ],
  ],
  [
    'c',
    [
      [0, 0, 0, 0, 0.2, 0],
      [0, 0, 0, 0, 0.6, 0],
      [0, 0, 0, 0, 0.9, 0],
    ],
  ],
]);

/**
 * One cell of 1,000,000 decisions at propensity 1 with exact groups, whose rewards are y ± d (half
 * each): SNIPS gives y exactly, with a positive variance (small: the slopes are then hardly shrunk
 * by their standard errors).
 */
function cell(offerId: string, group: number, y: number, d: number): CellRow {
  const n = 1_000_000;
  const sq = n * (y * y + d * d);
  return {
    offerId,
    arm: 'personalized',
    group,
    epsilon: null,
    sums: { n, s0: n, s1: n * y, s2: sq, t0: n, t1: n * y, t2: sq },
    firstAt: AT,
    lastAt: AT + 1000,
  };
}

describe('buildEffects', () => {
  it('reads the profile slopes from the claims and carries them to the reward, worked by hand', () => {
    // Claims per decision: a'_o + c'_g + 0.1 · interest + 0.05 · bought + 0.04 · anyDiffuse, with
    // a' = (0.1, 0.05, 0.2) and c' = (0, 0.02, −0.01). Net: a_o + c_g + 20 · claims, with
    // a = (1, 2, 0.5) and c = (0, 0.3, −0.2). So λ = 20, γ = (0.1, 0.05, 0, 0, 0.04): the net's
    // profile slopes are (2, 1, 0, 0, 0.8).
    const levels = { a: [0.1, 0.05, 0.2], c: [0, 0.02, -0.01] };
    const net = { a: [1, 2, 0.5], c: [0, 0.3, -0.2] };
    const claims: CellRow[] = [];
    const rewards: CellRow[] = [];
    IDS.forEach((id, o) =>
      [0, 1, 2].forEach((g) => {
        const [interest, bought, , , diffuse] = TERMS.get(id)![g]!;
        const claim =
          levels.a[o]! + levels.c[g]! + 0.1 * interest! + 0.05 * bought! + 0.04 * diffuse!;
        claims.push(cell(id, g, claim, 1e-4));
        rewards.push(cell(id, g, net.a[o]! + net.c[g]! + 20 * claim, 1e-4));
      }),
    );
    const { file, summary } = buildEffects(rewards, {
      reward: 'net',
      segments: { k: 3, sha256: 'f'.repeat(64) },
      profileTerms: TERMS,
      surrogate: claims,
      generatedAt: AT,
    });
    // Without the claimed decisions' rewards, λ is the prior's fitted slope on the claims.
    expect(summary.surrogate!.lambda).toBeCloseTo(20, 2);
    expect(summary.surrogate!.priorLambda).toBeCloseTo(20, 2);
    expect(summary.surrogate!.gamma).toEqual(
      [0.1, 0.05, 0, 0, 0.04, 0].map((x) => expect.closeTo(x, 4)),
    );
    expect(file.profile).toEqual({
      interest: expect.closeTo(2, 3),
      bought: expect.closeTo(1, 3),
      depthPrice: 0,
      depthCoupon: 0,
      anyDiffuse: expect.closeTo(0.8, 3),
      recent: 0,
    });
    // The claims explain every difference: nothing is left to shrink, each cell keeps its value.
    expect(file.offers.a!.groups![0]!.mean).toBeCloseTo(1 + 20 * 0.23, 3);
    expect(file.offers.c!.groups![2]!.mean).toBeCloseTo(0.5 - 0.2 + 20 * (0.19 + 0.036), 3);
    expect(validateEffects(file).profile).toEqual(file.profile);

    // A reward that falls as the claims rise (within offers): λ is held at 0, so no profile slope
    // follows the claims backwards.
    const falling = rewards.map((r, i) => {
      const claim = claims[i]!.sums.s1 / claims[i]!.sums.n;
      const y = r.sums.s1 / r.sums.n - 40 * claim;
      return cell(r.offerId, r.group!, y, 1e-4);
    });
    const backwards = buildEffects(falling, {
      reward: 'net',
      segments: { k: 3, sha256: 'f'.repeat(64) },
      profileTerms: TERMS,
      surrogate: claims,
      generatedAt: AT,
    });
    expect(backwards.summary.surrogate!.lambda).toBe(0);
    expect(Object.values(backwards.file.profile!)).toEqual([0, 0, 0, 0, 0, 0]);

    // With the claimed decisions' rewards, λ is the value of a claim read from the orders: here
    // every cell's claimers earn 15 more than its other decisions (claim share p, mean reward y:
    // the others earn y − 15p, the claimers y − 15p + 15, all alike), so λ = 15 and the slopes
    // 15 · γ. And each cell is the surrogate index: its claims (exact here) times its offer's value
    // of a claim, 15 for every offer; the reward's own levels (a, c), which do not go through the
    // claims, are not in it (docs/learning.md, the surrogacy assumption).
    const claimedReward = rewards.map((r, i) => {
      const p = claims[i]!.sums.s1 / claims[i]!.sums.n;
      const y = r.sums.s1 / r.sums.n;
      const c = r.sums.n * p;
      const mean = y - 15 * p + 15;
      return { ...r, sums: { ...r.sums, s1: c * mean, s2: c * mean * mean, t1: c * mean } };
    });
    const valued = buildEffects(rewards, {
      reward: 'net',
      segments: { k: 3, sha256: 'f'.repeat(64) },
      profileTerms: TERMS,
      surrogate: claims,
      claimedReward,
      generatedAt: AT,
    });
    expect(valued.summary.surrogate!.lambda).toBeCloseTo(15, 9);
    expect(valued.summary.surrogate!.priorLambda).toBeNull();
    for (const id of IDS) expect(valued.summary.surrogate!.perClaim![id]!.mean).toBeCloseTo(15, 9);
    expect(valued.file.profile!.interest).toBeCloseTo(1.5, 3);
    expect(valued.file.profile!.anyDiffuse).toBeCloseTo(0.6, 3);
    // a in group 0: claims 0.1 + 0 + 0.1 · 0.8 + 0.05 · 1 = 0.23, so 15 · 0.23; c in group 2:
    // 0.2 − 0.01 + 0.04 · 0.9 = 0.226, so 15 · 0.226.
    expect(valued.file.offers.a!.groups![0]!.mean).toBeCloseTo(15 * 0.23, 3);
    expect(valued.file.offers.c!.groups![2]!.mean).toBeCloseTo(15 * 0.226, 3);

    // A click or claim reward has no surrogate: its slopes are fitted on its own table.
    const direct = buildEffects(claims, {
      reward: 'claim',
      segments: { k: 3, sha256: 'f'.repeat(64) },
      profileTerms: TERMS,
      generatedAt: AT,
    });
    expect(direct.summary.surrogate).toBeNull();
    // (each slope a little under its value: shrunk by its standard error, here < 0.02%)
    expect(direct.file.profile!.interest).toBeCloseTo(0.1, 4);
    expect(direct.file.profile!.bought).toBeCloseTo(0.05, 4);
    expect(direct.file.profile!.anyDiffuse).toBeCloseTo(0.04, 4);
    // Without profile terms (no catalog), the file has no slopes.
    const none = buildEffects(rewards, {
      reward: 'net',
      segments: { k: 3, sha256: 'f'.repeat(64) },
      generatedAt: AT,
    });
    expect(none.file.profile).toBeUndefined();
  });

  it('reads the value of a claim from the orders, within cells, worked by hand', () => {
    // Sums of one cell from its decisions [propensity, reward, claimed].
    const row = (
      offerId: string,
      group: number,
      decisions: [number, number, 0 | 1][],
      arm: CellRow['arm'] = 'personalized',
    ) => {
      const sums = (f: (y: number, c: number) => number) => {
        const s = { n: decisions.length, s0: 0, s1: 0, s2: 0, t0: 0, t1: 0, t2: 0 };
        for (const [pi, y, c] of decisions) {
          const x = f(y, c);
          s.s0 += 1 / pi;
          s.s1 += x / pi;
          s.s2 += (x * x) / pi;
          s.t0 += 1 / pi ** 2;
          s.t1 += x / pi ** 2;
          s.t2 += (x * x) / pi ** 2;
        }
        return s;
      };
      const at = { offerId, arm, group, epsilon: 2, firstAt: AT, lastAt: AT };
      return {
        reward: { ...at, sums: sums((y) => y) },
        claims: { ...at, sums: sums((_, c) => c) },
        both: { ...at, sums: sums((y, c) => y * c) },
      };
    };
    const cells = [
      // W = 8, C = 4, Y = 40, Yc = 32: claimers 32 / 4 = 8, the others 8 / 4 = 2; difference 6,
      // weight C(W − C)/W = 2.
      row('a', 0, [
        [0.5, 10, 1],
        [0.5, 6, 1],
        [0.5, 1, 0],
        [0.5, 3, 0],
      ]),
      // W = 12, C = 4, Y = 56, Yc = 48: 12 against 8 / 8 = 1; difference 11, weight 32/12 = 8/3.
      row('b', 1, [
        [0.25, 12, 1],
        [0.25, 0, 0],
        [0.25, 2, 0],
      ]),
      // Every decision claimed, none claimed, or the holdout: no difference to read.
      row('c', 0, [[0.5, 9, 1]]),
      row('c', 1, [[0.5, 4, 0]]),
      row(
        'a',
        0,
        [
          [0.5, 50, 1],
          [0.5, 0, 0],
        ],
        'holdout',
      ),
    ];
    const value = claimValue(
      cells.map((c) => c.reward),
      cells.map((c) => c.claims),
      cells.map((c) => c.both),
    );
    // (2 · 6 + 8/3 · 11) / (2 + 8/3) = (124/3) / (14/3) = 62/7.
    expect(value).toBeCloseTo(62 / 7, 12);
    // Claimers who earn less than the others: held at 0. No cell with both: undefined.
    const less = row('a', 0, [
      [1, 1, 1],
      [1, 5, 0],
    ]);
    expect(claimValue([less.reward], [less.claims], [less.both])).toBe(0);
    expect(claimValue([cells[2]!.reward], [cells[2]!.claims], [cells[2]!.both])).toBeUndefined();

    // Its standard error. Within-cell spreads (Σ (y − mean)²/π): claimed a 272 − 32²/4 = 16, b
    // 576 − 48²/4 = 0; the others a 20 − 8²/4 = 4, b 16 − 8²/8 = 8. Pooled variances: claimed
    // 16/8 = 2, others 12/12 = 1. Decisions per unit weight ρ = S0/T0: a 8/16 = 0.5, b 12/48 =
    // 0.25. A's difference: 2/(0.5 · 4) + 1/(0.5 · 4) = 1.5; b's 2/(0.25 · 4) + 1/(0.25 · 8) =
    // 2.5. So Var = (2 · 3/14)² · 1.5 + (8/3 · 3/14)² · 2.5 = (54 + 160)/196 = 107/98.
    const all = [
      cells.map((c) => c.reward),
      cells.map((c) => c.claims),
      cells.map((c) => c.both),
    ] as const;
    const estimate = claimValueEstimate(...all)!;
    expect(estimate.mean).toBeCloseTo(62 / 7, 12);
    expect(estimate.se).toBeCloseTo(Math.sqrt(107 / 98), 12);
    // Per offer, with its own cells' spreads: a alone, claimed 16/4 = 4 and others 4/4 = 1:
    // 4/2 + 1/2 = 2.5; b alone, 0 and 8/8 = 1: 0 + 1/(0.25 · 8) = 0.5.
    expect(claimValueEstimate(...all, 'a')).toEqual({
      mean: expect.closeTo(6, 12),
      se: expect.closeTo(Math.sqrt(2.5), 12),
    });
    expect(claimValueEstimate(...all, 'b')).toEqual({
      mean: expect.closeTo(11, 12),
      se: expect.closeTo(Math.sqrt(0.5), 12),
    });
    // Per offer it keeps its sign: a claim that earns less than no claim is worth less than 0.
    expect(claimValueEstimate([less.reward], [less.claims], [less.both], 'a')!.mean).toBeCloseTo(
      -4,
      12,
    );
    expect(claimValueEstimate(...all, 'c')).toBeUndefined();
  });
  it('uses the surrogate index per offer, and the reward cells for an offer never claimed', () => {
    // Two offers × two exact groups, 1,000,000 decisions a cell. Offer a: claims 0.1 and 0.3, its
    // claimers earn 20 more than the others in every cell, so its value of a claim is 20 and its
    // cells 20 · 0.1 = 2 and 20 · 0.3 = 6. Offer d (a deep coupon): claims 0.2 in both groups and
    // its claimers earn 5 less (the discount costs more than the order brings): −5 · 0.2 = −1.
    // Offer b: never claimed, so no value of a claim: its cells stay the reward's own, 1.5 and 2.5.
    const n = 1_000_000;
    const at = (offerId: string, group: number) => ({
      offerId,
      arm: 'personalized' as const,
      group,
      epsilon: null,
      firstAt: AT,
      lastAt: AT + 1000,
    });
    // One cell's three rows from its claim share p, its others' reward u and its claimers' u + gap
    // (every decision at propensity 1, every claimer and every other alike: no spread).
    const rows = (offerId: string, group: number, p: number, u: number, gap: number) => {
      const c = n * p;
      const yc = c * (u + gap);
      const y = yc + (n - c) * u;
      const y2 = c * (u + gap) ** 2 + (n - c) * u * u;
      const sums = (s1: number, s2: number) => ({ n, s0: n, s1, s2, t0: n, t1: s1, t2: s2 });
      return {
        reward: { ...at(offerId, group), sums: sums(y, y2) },
        claims: { ...at(offerId, group), sums: sums(c, c) },
        both: { ...at(offerId, group), sums: sums(yc, c * (u + gap) ** 2) },
      };
    };
    const cells = [
      rows('a', 0, 0.1, 3, 20),
      rows('a', 1, 0.3, 1, 20),
      rows('d', 0, 0.2, 4, -5),
      rows('d', 1, 0.2, 2, -5),
      rows('b', 0, 0, 1.5, 0),
      rows('b', 1, 0, 2.5, 0),
    ];
    const terms = new Map(['a', 'b', 'd'].map((id) => [id, [[0.5], [0.2]]]));
    const { file, summary } = buildEffects(
      cells.map((c) => c.reward),
      {
        reward: 'net',
        segments: { k: 2, sha256: 'e'.repeat(64) },
        profileTerms: terms,
        terms: ['interest'],
        surrogate: cells.map((c) => c.claims),
        claimedReward: cells.map((c) => c.both),
        generatedAt: AT,
      },
    );
    const perClaim = summary.surrogate!.perClaim!;
    expect(perClaim.a!.mean).toBeCloseTo(20, 9);
    expect(perClaim.d!.mean).toBeCloseTo(-5, 9);
    expect(perClaim.b).toBeNull();
    // Every claimer alike and every other alike: no spread, so no error on the value of a claim.
    expect(perClaim.a!.se).toBeCloseTo(0, 9);
    const means = (id: string) => file.offers[id]!.groups!.map((g) => g.mean);
    expect(means('a')).toEqual([expect.closeTo(2, 3), expect.closeTo(6, 3)]);
    expect(means('d')).toEqual([expect.closeTo(-1, 3), expect.closeTo(-1, 3)]);
    expect(means('b')).toEqual([expect.closeTo(1.5, 3), expect.closeTo(2.5, 3)]);
  });
});
