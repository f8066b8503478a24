import { describe, expect, it } from 'vitest';
import {
  auc,
  averageTreatmentEffect,
  perfectQiniCurve,
  perfectUpliftCurve,
  qiniAucScore,
  qiniCurve,
  rocAuc,
  upliftAtK,
  upliftAucScore,
  upliftCurve,
  type Curve,
} from './metrics.js';

// Every expected number below is worked out by hand in the comments (or by an independent
// brute-force formula written in this file), never copied from the implementation's output.

function expectCurve(actual: Curve, expected: Curve): void {
  expect(actual.x).toEqual(expected.x);
  expect(actual.y).toHaveLength(expected.y.length);
  actual.y.forEach((v, i) => expect(v).toBeCloseTo(expected.y[i] ?? NaN, 12));
}

/*
 * Six rows used throughout (TR = treated responder, TN = treated non-responder, CR / CN likewise):
 *
 *   row  t  y
 *    0   1  1   TR
 *    1   0  0   CN
 *    2   1  0   TN
 *    3   0  1   CR
 *    4   1  1   TR
 *    5   0  0   CN
 *
 * Treated: rows 0, 2, 4 -> N_T = 3, ΣY_T = 2.  Control: rows 1, 3, 5 -> N_C = 3, ΣY_C = 1.
 * Qini at N = 6: 2 - 1·(3/3) = 1.  Uplift at N = 6: (2/3 - 1/3)·6 = 2.
 * Random baselines: Qini line (0,0)-(6,1) has area 6·1/2 = 3; uplift line (0,0)-(6,2) has area 6.
 */
const Y = [1, 0, 0, 1, 1, 0];
const T = [1, 0, 1, 0, 1, 0];
/** TR > CN > TN > CR: rows 0 (.9), 4 (.8), 1 (.6), 5 (.5), 2 (.3), 3 (.1). */
const PERFECT = [0.9, 0.6, 0.3, 0.1, 0.8, 0.5];
/** The reverse, CR > TN > CN > TR: rows 3 (.9), 2 (.8), 5 (.6), 1 (.5), 4 (.3), 0 (.2). */
const REVERSED = [0.2, 0.5, 0.8, 0.9, 0.3, 0.6];
const CONSTANT = [0.4, 0.4, 0.4, 0.4, 0.4, 0.4];

describe('perfect curves (sklift definitions)', () => {
  it('perfectQiniCurve ranks by y·t − y·(1−t) and keeps only the ends of tie runs', () => {
    // Score: TR -> 1, CR -> -1, others 0: [1, 0, 0, -1, 1, 0].
    // Stable ascending argsort: 3 | 1 2 5 | 0 4; reversed: 4 0 | 5 2 1 | 3.
    // Sorted scores 1 1 0 0 0 -1 change after positions 1 and 4 -> thresholds N = 2, 5, 6.
    //   N=2 (TR,TR):        Y_T=2, N_C=0            -> 2 - 0 = 2
    //   N=5 (+CN,TN,CN):    Y_T=2, Y_C=0            -> 2
    //   N=6 (+CR):          Y_T=2, Y_C=1, N_T/N_C=1 -> 1
    expectCurve(perfectQiniCurve(Y, T), { x: [0, 2, 5, 6], y: [0, 2, 2, 1] });
  });

  it('perfectQiniCurve without negative effects is (0,0), (r,r), (n,r)', () => {
    // r = ΣY_T − N_T·ΣY_C/N_C = 2 − 3·1/3 = 1.
    expectCurve(perfectQiniCurve(Y, T, false), { x: [0, 1, 6], y: [0, 1, 1] });
  });

  it('perfectUpliftCurve ranks by 2·(y == t) + summand', () => {
    // Control responders 1 (row 3), treated non-responders 1 (row 2): 1 > 1 is false, so the
    // summand is t. Score = 2·(y == t) + t = [3, 2, 1, 0, 3, 2].
    // Ascending: 3 | 2 | 1 5 | 0 4; reversed: 4 0 | 5 1 | 2 | 3 -> thresholds N = 2, 4, 5, 6.
    //   N=2 (TR,TR): (2/2 − 0)·2 = 2
    //   N=4 (+CN,CN): (2/2 − 0/2)·4 = 4
    //   N=5 (+TN): (2/3 − 0/2)·5 = 10/3
    //   N=6 (+CR): (2/3 − 1/3)·6 = 2
    expectCurve(perfectUpliftCurve(Y, T), { x: [0, 2, 4, 5, 6], y: [0, 2, 4, 10 / 3, 2] });
  });

  it('perfectUpliftCurve uses y as the summand when control responders outnumber', () => {
    // y = [1,1,0,1], t = [0,0,1,1]: rows 0,1 CR; row 2 TN; row 3 TR. 2 CR > 1 TN -> summand y.
    // Summand y: score = 2·(y==t) + y = [0+1, 0+1, 0+0, 2+1] = [1, 1, 0, 3].
    // Ascending: 2 | 0 1 | 3; reversed: 3 | 1 0 | 2 -> thresholds N = 1, 3, 4.
    //   N=1 (TR): (1/1 − 0)·1 = 1
    //   N=3 (+CR,CR): (1/1 − 2/2)·3 = 0
    //   N=4 (+TN): (1/2 − 2/2)·4 = −2
    // (With t as summand the score would be [0, 0, 1, 3], and the TN would come before the CRs.)
    expectCurve(perfectUpliftCurve([1, 1, 0, 1], [0, 0, 1, 1]), {
      x: [0, 1, 3, 4],
      y: [0, 1, 0, -2],
    });
  });
});

describe('qiniCurve / upliftCurve', () => {
  it('a perfect ranking has one point per row', () => {
    // Order 0 4 1 5 2 3 (TR TR CN CN TN CR), all scores distinct.
    //   N:      1  2  3  4  5  6
    //   Qini:   Y_T − Y_C·N_T/N_C
    //           1  2  2  2  2  2−1·3/3=1
    //   Uplift: (Y_T/N_T − Y_C/N_C)·N
    //           1·1=1  1·2=2  (1−0)·3=3  (1−0)·4=4  (2/3)·5=10/3  (2/3−1/3)·6=2
    expectCurve(qiniCurve(Y, PERFECT, T), {
      x: [0, 1, 2, 3, 4, 5, 6],
      y: [0, 1, 2, 2, 2, 2, 1],
    });
    expectCurve(upliftCurve(Y, PERFECT, T), {
      x: [0, 1, 2, 3, 4, 5, 6],
      y: [0, 1, 2, 3, 4, 10 / 3, 2],
    });
  });

  it('tied scores give a single point at the end of each tie run', () => {
    // Scores [.9, .5, .5, .1, .9, .5]: runs {0,4} {1,2,5} {3} -> N = 2, 5, 6.
    //   Qini:   N=2: 2;  N=5: Y_T=2, Y_C=0 -> 2;  N=6: 2 − 1·3/3 = 1
    //   Uplift: N=2: (2/2)·2 = 2;  N=5: (2/3 − 0/2)·5 = 10/3;  N=6: 2
    const scores = [0.9, 0.5, 0.5, 0.1, 0.9, 0.5];
    expectCurve(qiniCurve(Y, scores, T), { x: [0, 2, 5, 6], y: [0, 2, 2, 1] });
    expectCurve(upliftCurve(Y, scores, T), { x: [0, 2, 5, 6], y: [0, 2, 10 / 3, 2] });
  });

  it('a constant score gives the random line from (0,0) to the overall value', () => {
    expectCurve(qiniCurve(Y, CONSTANT, T), { x: [0, 6], y: [0, 1] });
    expectCurve(upliftCurve(Y, CONSTANT, T), { x: [0, 6], y: [0, 2] });
  });

  it('a reversed ranking dips below zero', () => {
    // Order 3 2 5 1 4 0 (CR TN CN CN TR TR).
    //   N   N_T Y_T N_C Y_C   Qini                  Uplift
    //   1   0   0   1   1     0 − 1·0/1 = 0         (0 − 1/1)·1 = −1
    //   2   1   0   1   1     0 − 1·1/1 = −1        (0/1 − 1/1)·2 = −2
    //   3   1   0   2   1     0 − 1·1/2 = −1/2      (0 − 1/2)·3 = −3/2
    //   4   1   0   3   1     0 − 1·1/3 = −1/3      (0 − 1/3)·4 = −4/3
    //   5   2   1   3   1     1 − 1·2/3 = 1/3       (1/2 − 1/3)·5 = 5/6
    //   6   3   2   3   1     2 − 1·3/3 = 1         (2/3 − 1/3)·6 = 2
    expectCurve(qiniCurve(Y, REVERSED, T), {
      x: [0, 1, 2, 3, 4, 5, 6],
      y: [0, 0, -1, -1 / 2, -1 / 3, 1 / 3, 1],
    });
    expectCurve(upliftCurve(Y, REVERSED, T), {
      x: [0, 1, 2, 3, 4, 5, 6],
      y: [0, -1, -2, -3 / 2, -4 / 3, 5 / 6, 2],
    });
  });

  it('adjacent equal infinite scores are separate points, as np.diff gives inf − inf = NaN', () => {
    // y = [1,0,1,0], t = [1,1,0,0], scores [∞, ∞, 0, 0]. Ascending: 2 3 | 0 1; reversed 1 0 3 2.
    // np.diff of sorted [∞, ∞, 0, 0] = [NaN, −∞, 0]; NaN and −∞ are non-zero -> N = 1, 2, 4.
    //   N=1 (row 1, t1 y0): 0 − 0 = 0;  N=2 (+row 0, t1 y1): 1;  N=4 (+CN, CR): 1 − 1·2/2 = 0.
    expectCurve(qiniCurve([1, 0, 1, 0], [Infinity, Infinity, 0, 0], [1, 1, 0, 0]), {
      x: [0, 1, 2, 4],
      y: [0, 0, 1, 0],
    });
    // The same ranking with finite ties: one point for the run -> N = 2, 4.
    expectCurve(qiniCurve([1, 0, 1, 0], [5, 5, 0, 0], [1, 1, 0, 0]), {
      x: [0, 2, 4],
      y: [0, 1, 0],
    });
  });

  it('agrees with a brute-force threshold definition on random tied data', () => {
    // Independent formula: for each distinct score v (descending), count rows with score ≥ v.
    const rand = mulberry32(7);
    for (let round = 0; round < 20; round++) {
      const n = 30 + Math.floor(rand() * 70);
      const { y, t } = randomArms(rand, n, 0.4);
      const scores = Array.from({ length: n }, () => Math.floor(rand() * 5) / 4);
      const brute = bruteCurves(y, scores, t);
      expectCurve(qiniCurve(y, scores, t), brute.qini);
      expectCurve(upliftCurve(y, scores, t), brute.uplift);
    }
  });
});

describe('qiniAucScore / upliftAucScore', () => {
  it('a perfect ranking scores 1', () => {
    // Qini: actual area (unit steps over [0,1,2,2,2,2,1]) = 0.5+1.5+2+2+2+1.5 = 9.5;
    //       perfect area over (0,0),(2,2),(5,2),(6,1) = 2 + 6 + 1.5 = 9.5; baseline 3.
    //       (9.5 − 3) / (9.5 − 3) = 1.
    expect(qiniAucScore(Y, PERFECT, T)).toBeCloseTo(1, 12);
    // Uplift: actual area over [0,1,2,3,4,10/3,2] = 0.5+1.5+2.5+3.5+11/3+8/3 = 43/3;
    //         perfect over (0,0),(2,2),(4,4),(5,10/3),(6,2) = 2+6+11/3+8/3 = 43/3; baseline 6.
    expect(upliftAucScore(Y, PERFECT, T)).toBeCloseTo(1, 12);
  });

  it('a constant score (all ties) scores 0: its curve is the random line', () => {
    expect(qiniAucScore(Y, CONSTANT, T)).toBeCloseTo(0, 12);
    expect(upliftAucScore(Y, CONSTANT, T)).toBeCloseTo(0, 12);
  });

  it('a reversed ranking scores below 0', () => {
    // Qini area: 0 − 0.5 − 0.75 − 5/12 + 0 + 2/3 = −1; (−1 − 3) / (9.5 − 3) = −8/13.
    expect(qiniAucScore(Y, REVERSED, T)).toBeCloseTo(-8 / 13, 12);
    // Uplift area: −0.5 − 1.5 − 1.75 − 17/12 − 0.25 + 17/12 = −4; perfect area 43/3.
    // (−4 − 6) / (43/3 − 6) = −10 / (25/3) = −6/5.
    expect(upliftAucScore(Y, REVERSED, T)).toBeCloseTo(-6 / 5, 12);
  });

  it('without negative effects the perfect curve is lower, so the score can exceed 1', () => {
    // Perfect area over (0,0),(1,1),(6,1) = 0.5 + 5 = 5.5; baseline 3. (9.5 − 3)/(5.5 − 3) = 2.6.
    expect(qiniAucScore(Y, PERFECT, T, false)).toBeCloseTo(2.6, 12);
  });

  it('without negative effects and a negative overall effect, fails like sklearn.metrics.auc', () => {
    // y = [0,1,1,1], t = [1,1,0,0]: r = 1 − 2·2/2 = −1, so x = [0, −1, 4] is not monotonic.
    expect(() => qiniAucScore([0, 1, 1, 1], [4, 3, 2, 1], [1, 1, 0, 0], false)).toThrow(
      'x is neither increasing nor decreasing: [0, -1, 4]',
    );
  });

  it('random scores on data with no real effect give a Qini coefficient near 0', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = mulberry32(seed);
      const n = 2000;
      const { y, t } = randomArms(rand, n, 0.2);
      const scores = Array.from({ length: n }, () => rand());
      expect(Math.abs(qiniAucScore(y, scores, t))).toBeLessThan(0.1);
    }
  });
});

describe('upliftAtK', () => {
  //  row  score  t  y
  //   0   0.9    1  1
  //   1   0.5    1  0
  //   2   0.5    0  1
  //   3   0.5    1  1
  //   4   0.5    0  0
  //   5   0.3    0  1
  //   6   0.2    1  0
  //   7   0.1    0  0
  //   8   0.05   1  1
  //   9   0.0    0  1
  // argsort(mergesort)[::-1] puts the .5 run in reversed order: 0, 4, 3, 2, 1, 5, 6, 7, 8, 9.
  const scores = [0.9, 0.5, 0.5, 0.5, 0.5, 0.3, 0.2, 0.1, 0.05, 0];
  const t = [1, 1, 0, 1, 0, 0, 1, 0, 1, 0];
  const y = [1, 0, 1, 1, 0, 1, 0, 0, 1, 1];

  it('takes int(n·k) rows, ties in reversed original order', () => {
    // k = 0.3: int(10·0.3) = int(3.0000000000000004) = 3 -> rows 0, 4, 3.
    // Treated 0 (1), 3 (1) -> 1; control 4 (0) -> 0. Uplift 1.
    // (Had ties kept their original order, rows 0, 1, 2 would give 1/2 − 1/1 = −0.5.)
    expect(upliftAtK(y, scores, t)).toBeCloseTo(1, 12);
    expect(upliftAtK(y, scores, t, 0.3)).toBeCloseTo(1, 12);
  });

  it('k = 0.5 takes 5 rows', () => {
    // Rows 0, 4, 3, 2, 1: treated 0 (1), 3 (1), 1 (0) -> 2/3; control 4 (0), 2 (1) -> 1/2.
    expect(upliftAtK(y, scores, t, 0.5)).toBeCloseTo(2 / 3 - 1 / 2, 12);
  });

  it('a whole k is a row count, as a Python int is', () => {
    // Rows 0, 4, 3, 2: treated 0, 3 -> 1; control 4 (0), 2 (1) -> 1/2.
    expect(upliftAtK(y, scores, t, 4)).toBeCloseTo(1 / 2, 12);
  });

  it('truncates n·k like int(): 50 · 0.58 is 28.999999999999996, so 28 rows', () => {
    expect(50 * 0.58).toBeLessThan(29);
    // Rows in score order 0..49. Rows 0..27 alternate TR (even) and CN (odd); row 28 is a CR.
    // Top 28: treated 14/14 = 1, control 0/14 -> 1. Top 29 would be 1 − 1/15.
    const n = 50;
    const s = Array.from({ length: n }, (_, i) => n - i);
    const tt = Array.from({ length: n }, (_, i) => (i < 28 ? (i % 2 === 0 ? 1 : 0) : i % 2));
    const yy = Array.from({ length: n }, (_, i) => (i < 28 ? (i % 2 === 0 ? 1 : 0) : 1));
    expect(tt[28]).toBe(0);
    expect(upliftAtK(yy, s, tt, 0.58)).toBeCloseTo(1, 12);
  });

  it('throws when the top k has no control or no treated row', () => {
    // k = 0.1 -> 1 row, row 0, treated only.
    expect(() => upliftAtK(y, scores, t, 0.1)).toThrow(
      'uplift at k=0.1: the top 1 of 10 rows hold 1 treated and 0 control rows; both groups are needed',
    );
  });

  it('refuses k outside (0, 1) or a count outside (0, n)', () => {
    for (const k of [0, -0.2, 1.5, 10, 11, Number.NaN]) {
      expect(() => upliftAtK(y, scores, t, k)).toThrow(/should be either positive and smaller/);
    }
  });
});

describe('auc', () => {
  it('is the trapezoid area', () => {
    // (1−0)·(0+1)/2 + (2−1)·(1+0)/2 = 1; (3−0)·(2+4)/2 = 9.
    expect(auc([0, 1, 2], [0, 1, 0])).toBe(1);
    expect(auc([0, 3], [2, 4])).toBe(9);
    // y = x over 0..999: Σ (2i+1)/2 for i < 999 = 999²/2 = 499000.5.
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    expect(auc(xs, xs)).toBe(499000.5);
  });

  it('adds the trapezoids pairwise, as numpy does', () => {
    // x = [0,1,1,2,...,7], y = [2^53, 2^53, 1, ...]: trapezoids [2^53, 0, 1, 1, 1, 1, 1, 1].
    // numpy sums 8 values as ((t0 + t1) + (t2 + t3)) + ((t4 + t5) + (t6 + t7))
    //   = (2^53 + 2) + 4 = 2^53 + 6, all exact in float64.
    // Adding left to right would lose each +1 (2^53 + 1 rounds to even, 2^53) and give 2^53.
    const x = [0, 1, 1, 2, 3, 4, 5, 6, 7];
    const y = [2 ** 53, 2 ** 53, 1, 1, 1, 1, 1, 1, 1];
    expect(auc(x, y) - 2 ** 53).toBe(6);
  });

  it('accepts a decreasing x', () => {
    expect(auc([2, 1, 0], [0, 1, 0])).toBe(1);
  });

  it('refuses a non-monotonic x and fewer than two points', () => {
    expect(() => auc([0, 2, 1], [0, 1, 0])).toThrow('x is neither increasing nor decreasing');
    expect(() => auc([1], [1])).toThrow('At least 2 points are needed');
  });
});

describe('rocAuc', () => {
  it('matches the textbook example', () => {
    // Positives .35, .8; negatives .1, .4. Pairs won: .35>.1, .8>.1, .8>.4 -> 3 of 4.
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
  });

  it('gives half credit to ties', () => {
    // Positives .5 (row 1), .9 (row 3); negatives .5, .2, .5.
    // Row 1: tie, win, tie = 0.5 + 1 + 0.5 = 2; row 3: 3 wins. (2 + 3) / 6 = 5/6.
    expect(rocAuc([0, 1, 0, 1, 0], [0.5, 0.5, 0.2, 0.9, 0.5])).toBeCloseTo(5 / 6, 12);
    expect(rocAuc([0, 1, 0, 1], [3, 3, 3, 3])).toBeCloseTo(0.5, 12);
  });

  it('agrees with pair counting on random tied scores', () => {
    const rand = mulberry32(11);
    for (let round = 0; round < 20; round++) {
      const n = 20 + Math.floor(rand() * 80);
      const y = Array.from({ length: n }, (_, i) => (i < 2 ? i : rand() < 0.3 ? 1 : 0));
      const s = Array.from({ length: n }, () => Math.floor(rand() * 6));
      let credit = 0;
      let pairs = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (y[i] !== 1 || y[j] !== 0) continue;
          pairs++;
          const si = s[i] ?? NaN;
          const sj = s[j] ?? NaN;
          credit += si > sj ? 1 : si === sj ? 0.5 : 0;
        }
      }
      expect(rocAuc(y, s)).toBeCloseTo(credit / pairs, 12);
    }
  });

  it('refuses a single class', () => {
    expect(() => rocAuc([1, 1], [0.2, 0.4])).toThrow('Only one class present in y');
  });
});

describe('averageTreatmentEffect', () => {
  it('is mean(y | t=1) − mean(y | t=0)', () => {
    // Treated y: 1, 0, 1 -> 2/3; control y: 1, 0, 0 -> 1/3.
    expect(averageTreatmentEffect([1, 0, 1, 1, 0, 0], [1, 1, 1, 0, 0, 0])).toBeCloseTo(1 / 3, 12);
    // Works for spend too: (10 + 0)/2 − (5 + 0)/2 = 2.5.
    expect(averageTreatmentEffect([10, 0, 5, 0], [1, 1, 0, 0])).toBeCloseTo(2.5, 12);
  });

  it('needs both arms', () => {
    expect(() => averageTreatmentEffect([1, 0], [1, 1])).toThrow(
      'average treatment effect needs both arms, got 2 treated and 0 control',
    );
  });
});

describe('input checks', () => {
  it('refuses non-binary or one-valued y and treatment, as sklift check_is_binary does', () => {
    expect(() => qiniCurve([0, 2], [1, 2], [0, 1])).toThrow('y[1] is 2: expected only 0 and 1');
    expect(() => qiniCurve([0, 1], [1, 2], [1, 1])).toThrow(
      "treatment must contain both 0 and 1 (as sklift's check_is_binary requires), got only 1s",
    );
    expect(() => upliftAucScore([0, 0], [1, 2], [0, 1])).toThrow(/y must contain both 0 and 1/);
  });

  it('refuses inputs of different lengths and NaN scores', () => {
    expect(() => upliftCurve([0, 1, 1], [1, 2], [0, 1])).toThrow(/same length/);
    expect(() => upliftCurve([0, 1], [1, Number.NaN], [0, 1])).toThrow('uplift[1] is NaN');
  });

  it('accepts typed arrays', () => {
    const curve = qiniCurve(Int8Array.from(Y), Float64Array.from(CONSTANT), Uint8Array.from(T));
    expectCurve(curve, { x: [0, 6], y: [0, 1] });
  });
});

// ---------------------------------------------------------------------------------------------
// Test helpers

/** Small seeded PRNG (mulberry32) so the random cases are reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Independent arms and outcomes (no real effect); the first rows guarantee both values of each. */
function randomArms(rand: () => number, n: number, rate: number): { y: number[]; t: number[] } {
  const t = Array.from({ length: n }, (_, i) => (i < 2 ? i : rand() < 0.5 ? 1 : 0));
  const y = Array.from({ length: n }, (_, i) => (i < 2 ? 1 - i : rand() < rate ? 1 : 0));
  return { y, t };
}

/** Curves by definition: one point per distinct score v, counting every row with score ≥ v. */
function bruteCurves(y: number[], scores: number[], t: number[]): { qini: Curve; uplift: Curve } {
  const distinct = [...new Set(scores)].sort((a, b) => b - a);
  const qini: Curve = { x: [0], y: [0] };
  const uplift: Curve = { x: [0], y: [0] };
  for (const v of distinct) {
    let n = 0;
    let nT = 0;
    let yT = 0;
    let yC = 0;
    scores.forEach((s, i) => {
      if (s < v) return;
      n++;
      if (t[i] === 1) {
        nT++;
        yT += y[i] ?? 0;
      } else {
        yC += y[i] ?? 0;
      }
    });
    const nC = n - nT;
    qini.x.push(n);
    qini.y.push(yT - (nC === 0 ? 0 : (yC * nT) / nC));
    uplift.x.push(n);
    uplift.y.push(((nT === 0 ? 0 : yT / nT) - (nC === 0 ? 0 : yC / nC)) * n);
  }
  return { qini, uplift };
}
