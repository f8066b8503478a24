import { describe, expect, it } from 'vitest';
import { validateEffects } from '../../src/learning/effects.js';
import { buildEffects, type CellRow } from './effects-file.js';

const AT = Date.UTC(2026, 10, 28, 12);
const IDS = ['a', 'b', 'c'];
/**
 * The groups' profile terms for each offer (`PROFILE_TERMS` order: interest, bought, depthPrice,
 * depthCoupon, anyDiffuse); c is an `any` offer, whose only term is how spread the browsing is.
 */
const TERMS = new Map<string, number[][]>([
  [
    'a',
    [
      [0.8, 1, 0, 0, 0],
      [0.2, 0, 0, 0, 0],
      [0.5, 0.5, 0, 0, 0],
    ],
  ],
  [
    'b',
    [
      [0.1, 0, 0, 0, 0],
      [0.6, 1, 0, 0, 0],
      [0.3, 0.5, 0, 0, 0],
    ],
  ],
  [
    'c',
    [
      [0, 0, 0, 0, 0.2],
      [0, 0, 0, 0, 0.6],
      [0, 0, 0, 0, 0.9],
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
    expect(summary.surrogate!.lambda).toBeCloseTo(20, 2);
    expect(summary.surrogate!.gamma).toEqual(
      [0.1, 0.05, 0, 0, 0.04].map((x) => expect.closeTo(x, 4)),
    );
    expect(file.profile).toEqual({
      interest: expect.closeTo(2, 3),
      bought: expect.closeTo(1, 3),
      depthPrice: 0,
      depthCoupon: 0,
      anyDiffuse: expect.closeTo(0.8, 3),
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
    expect(Object.values(backwards.file.profile!)).toEqual([0, 0, 0, 0, 0]);

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
});
