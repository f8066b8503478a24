import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decide/random.js';
import { randomizeGroup, responseProbabilities } from '../../src/learning/randomized-response.js';
import { groupEstimates, presentGroups, rewardVariance, snips, type CellSums } from './estimate.js';

/** The sums of a list of (propensity, reward) decisions. */
function sums(decisions: readonly [number, number][]): CellSums {
  const s = { n: 0, s0: 0, s1: 0, s2: 0, t0: 0, t1: 0, t2: 0 };
  for (const [p, y] of decisions) {
    s.n++;
    s.s0 += 1 / p;
    s.s1 += y / p;
    s.s2 += (y * y) / p;
    s.t0 += 1 / (p * p);
    s.t1 += y / (p * p);
    s.t2 += (y * y) / (p * p);
  }
  return s;
}

describe('SNIPS from cell sums', () => {
  it('values an offer and its standard error, worked by hand', () => {
    // Decisions (π, y): (0.5, 2), (0.25, 0), (0.5, 4); weights 2, 4, 2.
    // V = (4 + 0 + 8) / 8 = 1.5; Σ w²(y − V)² = 4·0.25 + 16·2.25 + 4·6.25 = 62; se = √62 / 8.
    const e = snips([
      {
        sums: sums([
          [0.5, 2],
          [0.25, 0],
          [0.5, 4],
        ]),
        h: 1,
      },
    ])!;
    expect(e.mean).toBe(1.5);
    expect(e.se).toBeCloseTo(Math.sqrt(62) / 8, 12);
    expect(e).toMatchObject({ n: 3, weight: 8 });
    // The offer's reward variance (weighted): Σ y²/π / Σ 1/π − V² = (8 + 0 + 32) / 8 − 2.25.
    expect(
      rewardVariance([
        sums([
          [0.5, 2],
          [0.25, 0],
          [0.5, 4],
        ]),
      ]),
    ).toBeCloseTo(2.75, 12);
  });

  it('floors the variance of a cell whose rewards happen to be equal, and leaves thin cells out', () => {
    // Ten decisions at π = 0.5, all reward 0: delta-method variance 0; the floor 2.75 per decision
    // gives Σ w² · 2.75 / (Σ w)² = 40 · 2.75 / 400.
    const flat = sums(Array.from({ length: 10 }, () => [0.5, 0] as [number, number]));
    expect(snips([{ sums: flat, h: 1 }], 2.75)!.se).toBeCloseTo(Math.sqrt(0.275), 12);
    // Two decisions weigh 4 < 5: unobserved.
    expect(
      snips([
        {
          sums: sums([
            [0.5, 1],
            [0.5, 1],
          ]),
          h: 1,
        },
      ]),
    ).toBeUndefined();
  });

  it('undoes the k-RR channel, worked by hand', () => {
    // k = 2, ε = ln 3: p = 3/4, q = 1/4; h = 1.5 for the reported group, −0.5 for the other.
    // True group 0 earns 0, group 1 earns 2 (π = 1/2). Reports of 0 are ¾ true 0: mean 0.5;
    // reports of 1 are ¾ true 1: mean 1.5. Cells of 10 decisions each: S0 = 20, S1 = 10 and 30.
    const cell = (mean: number) => ({ n: 10, s0: 20, s1: 20 * mean, s2: 0, t0: 40, t1: 0, t2: 0 });
    const e = groupEstimates(
      [
        { sums: cell(0.5), reported: 0, epsilon: Math.log(3) },
        { sums: cell(1.5), reported: 1, epsilon: Math.log(3) },
      ],
      2,
      0,
    );
    // Group 0: (1.5·10 − 0.5·30) / (1.5·20 − 0.5·20) = 0 / 20; group 1: (−5 + 45) / 20 = 2.
    expect(e[0]!.mean).toBeCloseTo(0, 12);
    expect(e[1]!.mean).toBeCloseTo(2, 12);
    expect(e[0]!.weight).toBeCloseTo(20, 12);
    expect(e[1]!.n).toBeCloseTo(10, 12);
  });

  it('recovers each true group’s value from randomized reports (ε = 1, k = 4)', () => {
    const random = seededRandom(3);
    const k = 4;
    const truth = [1, 3, 5, 7];
    const byReport = Array.from({ length: k }, () => [] as [number, number][]);
    for (let i = 0; i < 80_000; i++) {
      const g = i % k;
      const p = random() < 0.5 ? 0.2 : 0.8;
      const y = truth[g]! + (random() - 0.5) * 4;
      byReport[randomizeGroup(g, k, 1, random)]!.push([p, y]);
    }
    const e = groupEstimates(
      byReport.map((d, r) => ({ sums: sums(d), reported: r, epsilon: 1 })),
      k,
      0,
    );
    // The channel is strongly mixing at ε = 1 (p = 0.475): the estimates are unbiased, within
    // 4 standard errors of the truth, and the standard errors reflect the inflation.
    const { p, q } = responseProbabilities(k, 1);
    expect(p).toBeCloseTo(0.475, 3);
    expect(q).toBeGreaterThan(0.17);
    e.forEach((est, g) => {
      expect(Math.abs(est!.mean - truth[g]!)).toBeLessThan(4 * est!.se);
      expect(est!.se).toBeGreaterThan(0.02);
      expect(est!.se).toBeLessThan(0.2);
    });
  });

  it('tells a group no decision is in from a thin one, worked by hand', () => {
    // k = 2, ε = ln 3: h = 1.5 for the reported group, −0.5 for the other; π = 1, so S0 = T0 = n.
    const at = (n0: number, n1: number) => {
      const cell = (n: number) => ({ n, s0: n, s1: 0, s2: 0, t0: n, t1: 0, t2: 0 });
      return [
        { sums: cell(n0), reported: 0, epsilon: Math.log(3) },
        { sums: cell(n1), reported: 1, epsilon: Math.log(3) },
      ];
    };
    // 100 decisions, all truly in group 0, reported as the channel expects (75 / 25). Group 1:
    // weight 1.5·25 − 0.5·75 = 0, Σh²T0 = 2.25·25 + 0.25·75 = 75, sd 8.66: absent. Group 0:
    // 112.5 − 12.5 = 100 against 2·√(2.25·75 + 0.25·25) = 26.9: present.
    expect(presentGroups(at(75, 25), 2)).toEqual([true, false]);
    // 70 / 30: group 1 weighs 45 − 35 = 10 (above the floor of 5) but under 2·√(67.5 + 17.5)
    // = 18.4: still absent. 60 / 40: 60 − 30 = 30 ≥ 2·√(90 + 15) = 20.5: present.
    expect(presentGroups(at(70, 30), 2)).toEqual([true, false]);
    expect(presentGroups(at(60, 40), 2)).toEqual([true, true]);
    // Exact reports at π = 1/3: S0 = 3n, T0 = 9n; present from 4 decisions (12 ≥ 2·√36).
    const exact = (n: number) => [
      {
        sums: { n, s0: 3 * n, s1: 0, s2: 0, t0: 9 * n, t1: 0, t2: 0 },
        reported: 1,
        epsilon: Infinity,
      },
    ];
    expect(presentGroups(exact(3), 2)).toEqual([false, false]);
    expect(presentGroups(exact(4), 2)).toEqual([false, true]);
    // An absent group gets no estimate even where its own cell would pass the cell floor.
    const e = groupEstimates(at(70, 30), 2, 0, presentGroups(at(70, 30), 2));
    expect(e[0]).toBeDefined();
    expect(e[1]).toBeUndefined();
    expect(groupEstimates(at(70, 30), 2, 0)[1]).toBeDefined();
  });
});
