import { describe, expect, it } from 'vitest';
import { hillstromRow } from '../../test/support/hillstrom-row.js';
import { evaluateScores } from './evaluation.js';

const row = hillstromRow;

describe('evaluateScores: any and best vs none', () => {
  // Seven rows, four times over (so that every top 30% holds treated and control rows): the e-mail
  // each got, its visit, and the two e-mails' scored uplifts.
  const seven = [
    row('mens', 1, 0), // best: mens (0.3 > 0.1), got it: kept
    row('womens', 1, 1), // best: mens, got womens: left out of best
    row('womens', 0, 2), // best: womens (0.2 > 0.1), got it: kept
    row('none', 0, 3), // control: kept
    row('none', 0, 4), // control: kept
    row('mens', 0, 5), // a tie (0.2 = 0.2): either e-mail is the best, kept
    row('womens', 1, 6), // a tie: kept
  ];
  const times4 = <T>(xs: T[]) => [...xs, ...xs, ...xs, ...xs];
  const rows = times4(seven);
  const mens = times4([0.3, 0.3, 0.1, 0.3, 0.1, 0.2, 0.2]);
  const womens = times4([0.1, 0.1, 0.2, 0.1, 0.2, 0.2, 0.2]);
  const heads = (uplift: number[]) => ({
    uplift,
    pTreated: uplift.map((u) => 0.1 + u),
    pControl: uplift.map(() => 0.1),
  });
  const report = evaluateScores(rows, { mens: heads(mens), womens: heads(womens) }, 'visit');

  it('any keeps every row: 5 treated (3 visits) against 2 controls (none)', () => {
    expect(report.any.n).toBe(28);
    expect(report.any.ate).toBeCloseTo(3 / 5 - 0, 12);
  });

  it('best keeps the rows that got the e-mail their scores call best, either on a tie', () => {
    // Treated rows 0, 2, 5, 6 (visits 1, 0, 0, 1) against the controls 3, 4.
    expect(report.best.n).toBe(24);
    expect(report.best.ate).toBeCloseTo(2 / 4 - 0, 12);
  });

  it('the single e-mails keep their own arm and the controls', () => {
    expect(report.mens.n).toBe(16); // rows 0, 3, 4, 5
    expect(report.mens.ate).toBeCloseTo(1 / 2, 12);
    expect(report.womens.n).toBe(20); // rows 1, 2, 3, 4, 6
    expect(report.womens.ate).toBeCloseTo(2 / 3, 12);
  });
});
