import { describe, expect, it } from 'vitest';
import { effectScores, validateEffects } from '../../src/learning/effects.js';
import {
  buildEffects,
  claimValue,
  claimValueEstimate,
  groupClaimValues,
  type CellRow,
} from './effects-file.js';

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
  it('writes valid_until validDays after generated_at, and refuses a validity the SDK would refuse', () => {
    const rows = IDS.map((id) => cell(id, 0, 1, 1e-4));
    const build = (validDays: number) =>
      buildEffects(rows, { reward: 'click', generatedAt: AT, validDays });
    expect(Date.parse(build(365).file.valid_until) - AT).toBe(365 * 86_400_000);
    expect(() => build(365.5)).toThrow('validDays: got 365.5, expected a number in (0, 365]');
    expect(() => build(0)).toThrow('validDays: got 0, expected a number in (0, 365]');
  });

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
    // An offer the file does not know: per group the average over a, b, c of (the group's value
    // − the profile slopes · its terms) = mean_o(a_o) + c_g + 20 · (mean_o(a'_o) + c'_g):
    // 7/6 + 20 · 0.35/3 = 3.5 in group 0, + 0.3 + 20 · 0.02 = 4.2 in group 1, − 0.2 − 20 · 0.01 =
    // 3.1 in group 2.
    expect(file.group_levels).toEqual([3.5, 4.2, 3.1].map((x) => expect.closeTo(x, 3)));
    // On the device, for a shopper wholly in group 1 whose own terms for the new offer are
    // interest 0.5, anyDiffuse 0.25: 4.2 + 2 · 0.5 + 0.8 · 0.25 = 5.4.
    const fresh = effectScores(['d'], [0], validateEffects(file), [0, 1, 0], undefined, [
      [0.5, 0, 0, 0, 0.25, 0],
    ]);
    expect(fresh.used[0]!.source).toBe('new');
    expect(fresh.scores[0]).toBeCloseTo(5.4, 3);

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
    // 15 · γ. And each cell is the surrogate index: its claims (exact here) times the value of a
    // claim of its offer in its group (`groupClaimValues`, worked by hand in its own test; pooled
    // over offers it is close to, not exactly, 15 here); the reward's own levels (a, c), which do
    // not go through the claims, are not in it (docs/learning.md, the surrogacy assumption).
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
    // a in group 0: claims 0.1 + 0 + 0.1 · 0.8 + 0.05 · 1 = 0.23; c in group 2:
    // 0.2 − 0.01 + 0.04 · 0.9 = 0.226.
    const perGroup = groupClaimValues(rewards, claims, claimedReward, IDS, 3);
    for (const g of perGroup.flat()) expect(g).toBeGreaterThan(13);
    expect(valued.summary.surrogate!.perClaim!.a!.groups[0]).toBeCloseTo(perGroup[0]![0]!, 3);
    expect(valued.file.offers.a!.groups![0]!.mean).toBeCloseTo(perGroup[0]![0]! * 0.23, 3);
    expect(valued.file.offers.c!.groups![2]!.mean).toBeCloseTo(perGroup[2]![2]! * 0.226, 3);

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
    // Its levels: mean_o(a'_o) + c'_g = 0.35/3 + (0, 0.02, −0.01).
    expect(direct.file.group_levels).toEqual(
      [0.35 / 3, 0.35 / 3 + 0.02, 0.35 / 3 - 0.01].map((x) => expect.closeTo(x, 4)),
    );
    // Without profile terms (no catalog), the file has no slopes.
    const none = buildEffects(rewards, {
      reward: 'net',
      segments: { k: 3, sha256: 'f'.repeat(64) },
      generatedAt: AT,
    });
    expect(none.file.profile).toBeUndefined();
  });

  it("writes each group's level for an offer it does not know, less the model's part, worked by hand", () => {
    // y = a_o + c_g + 2 · pred_og, a = (1, 2, 0.5), c = (0, 0.3, −0.2): beta comes out 2 and the
    // levels mean_o(a_o) + c_g = 7/6 + (0, 0.3, −0.2).
    const a = [1, 2, 0.5];
    const c = [0, 0.3, -0.2];
    const pred = [
      [0.1, 0.2, 0.3],
      [0.3, 0.1, 0.2],
      [0.2, 0.3, 0.1],
    ];
    const rows = IDS.flatMap((id, o) =>
      [0, 1, 2].map((g) => cell(id, g, a[o]! + c[g]! + 2 * pred[o]![g]!, 1e-4)),
    );
    const { file } = buildEffects(rows, {
      reward: 'claim',
      segments: { k: 3, sha256: 'f'.repeat(64) },
      predictions: new Map(IDS.map((id, o) => [id, pred[o]!])),
      generatedAt: AT,
    });
    expect(file.model!.beta).toBeCloseTo(2, 3);
    expect(file.group_levels).toEqual(
      [7 / 6, 7 / 6 + 0.3, 7 / 6 - 0.2].map((x) => expect.closeTo(x, 3)),
    );
    // A shopper wholly in group 2 whose model says 0.25 for the new offer: 7/6 − 0.2 + 2 · 0.25.
    const { scores } = effectScores(['new'], [0.25], validateEffects(file), [0, 0, 1]);
    expect(scores[0]).toBeCloseTo(7 / 6 - 0.2 + 0.5, 3);
    // Offer effects only (no groups): no levels.
    const pooled = buildEffects(
      rows.map((r) => ({ ...r, group: null })),
      {
        reward: 'claim',
        generatedAt: AT,
      },
    );
    expect(pooled.file.group_levels).toBeUndefined();
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
  it('uses the surrogate index per offer and group, and the reward cells for an offer never claimed', () => {
    // Two offers × two exact groups, 1,000,000 decisions a cell, propensity 1, every claimer of a
    // cell earning alike and every other alike. Claim shares: a 0.1, d 0.2 in both groups. Claimed
    // decisions earn a: 20 and 40, d: 10 and 20 (group 1's baskets twice group 0's); the others 2
    // in group 0 and 5 in group 1, whatever the offer. Offer b is never claimed (2 and 5).
    // M_a = 30, M_d = 15; ρ_0 = (0.1 · 20 + 0.2 · 10)/(0.1 · 30 + 0.2 · 15) = 2/3, ρ_1 = 4/3;
    // U_0 = 2, U_1 = 5. So v = a: 30 · 2/3 − 2 = 18, 30 · 4/3 − 5 = 35; d: 8, 15; and the cells
    // (claims × value) a: 1.8, 3.5; d: 1.6, 3.0. b keeps its reward cells: 2 and 5.
    // Per offer (within-cell differences, equal weights): a (18 + 35)/2 = 26.5, d (8 + 15)/2 = 11.5.
    const n = 1_000_000;
    const at = (offerId: string, group: number) => ({
      offerId,
      arm: 'personalized' as const,
      group,
      epsilon: null,
      firstAt: AT,
      lastAt: AT + 1000,
    });
    const rows = (offerId: string, group: number, p: number, claimed: number, other: number) => {
      const c = n * p;
      const yc = c * claimed;
      const y2c = c * claimed * claimed;
      const y = yc + (n - c) * other;
      const y2 = y2c + (n - c) * other * other;
      const sums = (s1: number, s2: number) => ({ n, s0: n, s1, s2, t0: n, t1: s1, t2: s2 });
      return {
        reward: { ...at(offerId, group), sums: sums(y, y2) },
        claims: { ...at(offerId, group), sums: sums(c, c) },
        both: { ...at(offerId, group), sums: sums(yc, y2c) },
      };
    };
    const cells = [
      rows('a', 0, 0.1, 20, 2),
      rows('a', 1, 0.1, 40, 5),
      rows('d', 0, 0.2, 10, 2),
      rows('d', 1, 0.2, 20, 5),
      rows('b', 0, 0, 0, 2),
      rows('b', 1, 0, 0, 5),
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
    expect(perClaim.a).toEqual({
      mean: expect.closeTo(26.5, 9),
      // Every claimer alike and every other alike in a cell: no spread, no error.
      se: expect.closeTo(0, 9),
      groups: [expect.closeTo(18, 4), expect.closeTo(35, 4)],
    });
    expect(perClaim.d!.mean).toBeCloseTo(11.5, 9);
    expect(perClaim.d!.groups).toEqual([expect.closeTo(8, 4), expect.closeTo(15, 4)]);
    expect(perClaim.b).toBeNull();
    const means = (id: string) => file.offers[id]!.groups!.map((g) => g.mean);
    expect(means('a')).toEqual([expect.closeTo(1.8, 3), expect.closeTo(3.5, 3)]);
    expect(means('d')).toEqual([expect.closeTo(1.6, 3), expect.closeTo(3, 3)]);
    expect(means('b')).toEqual([expect.closeTo(2, 3), expect.closeTo(5, 3)]);
  });

  it('reads the value of a claim per offer and group from de-biased sums, worked by hand', () => {
    // Two offers × two groups, propensity 1. Per cell W decisions, C claims, Yc the claimed ones'
    // reward, Y all of it:
    //   a/0: 100, 20, 200, 300   a/1: 100, 40, 600, 660
    //   b/0: 100, 10, 50, 130    b/1: 100, 20, 200, 280
    // M_a = 800/60 = 40/3, M_b = 250/30 = 25/3.
    // Group 0: ρ = (200 + 50)/(20 · 40/3 + 10 · 25/3) = 250/350 = 5/7; U = (100 + 80)/(80 + 90)
    //   = 18/17. v_a0 = 40/3 · 5/7 − 18/17 = 3022/357, v_b0 = 25/3 · 5/7 − 18/17 = 1747/357.
    // Group 1: ρ = 800/(40 · 40/3 + 20 · 25/3) = 800/700 = 8/7; U = (60 + 80)/(60 + 80) = 1.
    //   v_a1 = 320/21 − 1 = 299/21, v_b1 = 200/21 − 1 = 179/21.
    const table: [string, number, number, number, number, number][] = [
      ['a', 0, 100, 20, 200, 300],
      ['a', 1, 100, 40, 600, 660],
      ['b', 0, 100, 10, 50, 130],
      ['b', 1, 100, 20, 200, 280],
    ];
    const sums = (n: number, s1: number) => ({ n, s0: n, s1, s2: 0, t0: n, t1: s1, t2: 0 });
    const rows = (cells: typeof table, epsilon: number | null) => {
      const at = (id: string, g: number) => ({
        offerId: id,
        arm: 'personalized' as const,
        group: g,
        epsilon,
        firstAt: AT,
        lastAt: AT,
      });
      return {
        reward: cells.map(([id, g, w, , , y]) => ({ ...at(id, g), sums: sums(w, y) })),
        claims: cells.map(([id, g, w, c]) => ({ ...at(id, g), sums: sums(w, c) })),
        both: cells.map(([id, g, w, , yc]) => ({ ...at(id, g), sums: sums(w, yc) })),
      };
    };
    const expected = [
      [3022 / 357, 299 / 21],
      [1747 / 357, 179 / 21],
    ];
    const exact = rows(table, null);
    const values = groupClaimValues(exact.reward, exact.claims, exact.both, ['a', 'b'], 2);
    values.forEach((row, o) => row.forEach((v, g) => expect(v).toBeCloseTo(expected[o]![g]!, 12)));

    // The same decisions reported through 2-ary randomized response at ε = ln 3 (p = 3/4, q =
    // 1/4), each reported cell holding its expected mix (3/4 of its own group, 1/4 of the other):
    // the de-biasing weights 3/2 and −1/2 give back the exact sums, so the same values.
    const mixed = table.map(([id, g, ...own]) => {
      const other = table.find(([i, h]) => i === id && h !== g)!.slice(2) as number[];
      return [id, g, ...own.map((x, j) => 0.75 * x + 0.25 * other[j]!)] as (typeof table)[number];
    });
    const reported = rows(mixed, Math.log(3));
    const debiased = groupClaimValues(
      reported.reward,
      reported.claims,
      reported.both,
      ['a', 'b'],
      2,
    );
    debiased.forEach((row, o) => row.forEach((v, g) => expect(v).toBeCloseTo(expected[o]![g]!, 9)));

    // An offer never claimed has none; a group too thin (de-biased claims under 5) neither.
    const thin = rows(
      [
        ['a', 0, 100, 2, 20, 30],
        ['a', 1, 100, 40, 600, 660],
        ['c', 0, 100, 0, 0, 7],
        ['c', 1, 100, 0, 0, 9],
      ],
      null,
    );
    expect(groupClaimValues(thin.reward, thin.claims, thin.both, ['a', 'c'], 2)).toEqual([
      // Group 1: ρ = 600/(40 · 620/42), so M_a · ρ = 600/40 = 15; U = (60 + 9)/(60 + 100).
      [undefined, expect.closeTo(15 - 69 / 160, 12)],
      [undefined, undefined],
    ]);
  });

  it('gives a group the reports do not show no level of its own', () => {
    // k = 3, ε = ln 4: p = 2/3, q = 1/6; h = 5/3 for the reported group, −1/3 for the others.
    // Per offer 600 decisions truly in group 0 and 600 in group 1 (π = 1/2), none in group 2,
    // reported as the channel expects (400/100/100 and 100/400/100), plus 15 more reported as
    // group 2 whose reward is 10. Group 2's de-biased weight per offer: 5/3 · 2 · 215 − 1/3 · 2 ·
    // 1000 = 50 (above the cell floor of 5), 100 over both offers, whose noise is
    // √(2 · (25/9 · 4 · 215 + 1/9 · 4 · 1000)) = √5666.7 = 75.3: under 2 sds, absent. Unchecked,
    // its value for offer a (rewards 1 and 3 in groups 0 and 1) would be
    // (5/3 · 1100 − 1/3 · 4000) / 50 = 10, far above what either group earns.
    const epsilon = Math.log(4);
    const rewards = { a: [1, 3], b: [2, 4] };
    const rows: CellRow[] = [];
    for (const [id, [y0, y1]] of Object.entries(rewards) as [string, number[]][]) {
      const mixes: [number, number, number][] = [
        [400, 100, 0],
        [100, 400, 0],
        [100, 100, 15],
      ];
      mixes.forEach(([n0, n1, extra], reported) => {
        const n = n0 + n1 + extra;
        const y = n0 * y0! + n1 * y1! + extra * 10;
        const y2 = n0 * y0! ** 2 + n1 * y1! ** 2 + extra * 100;
        rows.push({
          offerId: id,
          arm: 'personalized',
          group: reported,
          epsilon,
          sums: { n, s0: 2 * n, s1: 2 * y, s2: 2 * y2, t0: 4 * n, t1: 4 * y, t2: 4 * y2 },
          firstAt: AT,
          lastAt: AT,
        });
      });
    }
    const { file, summary } = buildEffects(rows, {
      reward: 'net',
      segments: { k: 3, sha256: 'f'.repeat(64) },
      generatedAt: AT,
    });
    expect(summary.absentGroups).toEqual([2]);
    // Groups 0 and 1 are learned (near 1 and 3, 2 and 4; the 15 extra reports move them a
    // little); group 2 gets the prior without a group level: the offer's own level, between them.
    for (const id of ['a', 'b'] as const) {
      const [g0, g1, g2] = file.offers[id]!.groups!.map((g) => g.mean);
      expect(g0).toBeCloseTo(rewards[id][0]!, 0);
      expect(g1).toBeCloseTo(rewards[id][1]!, 0);
      expect(g2).toBeGreaterThan(Math.min(g0!, g1!));
      expect(g2).toBeLessThan(Math.max(g0!, g1!));
      // It rests on no decision (its de-biased count, 5/3 · 215 − 1/3 · 1000 = 25, is noise).
      expect(file.offers[id]!.groups![2]!.n).toBe(0);
    }
    // The same decisions with exact reports of groups 0 and 1 only: nothing absent to report.
    const exact = buildEffects(
      rows.filter((r) => r.group !== 2).map((r) => ({ ...r, epsilon: null })),
      { reward: 'net', segments: { k: 3, sha256: 'f'.repeat(64) }, generatedAt: AT },
    );
    expect(exact.summary.absentGroups).toEqual([2]);
  });
});
