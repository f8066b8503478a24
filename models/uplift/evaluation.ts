import type { HillstromRow } from '../lib/hillstrom.js';
import type { OfferCategory } from './dataset.js';
import {
  averageTreatmentEffect,
  qiniAucScore,
  rocAuc,
  upliftAtK,
  upliftAucScore,
} from './metrics.js';

/** Uplift metrics of one comparison (an e-mail arm, or any e-mail, against no e-mail). */
export interface ArmMetrics {
  n: number;
  ate: number;
  qini_auc: number;
  uplift_auc: number;
  uplift_at_30: number;
}

export interface EvaluationReport {
  outcome: string;
  womens: ArmMetrics;
  mens: ArmMetrics;
  any: ArmMetrics;
  /**
   * A shopper's best offer vs none: the rows that got the e-mail their scores call best (either
   * e-mail on a tie) against no e-mail, ranked by that e-mail's uplift. `any` keeps every e-mail,
   * so it measures the best offer's score against a random e-mail's outcome (docs/learning.md).
   */
  best: ArmMetrics;
  /** ROC AUC of the response heads: p_treated for rows that got an e-mail, p_control for the others. */
  auc_visit: number;
}

/** Per row, predictions for an offer of the given category. */
export type ScoresByCategory = Record<
  OfferCategory,
  { pTreated: ArrayLike<number>; pControl: ArrayLike<number>; uplift: ArrayLike<number> }
>;

function armMetrics(y: number[], uplift: number[], treatment: number[]): ArmMetrics {
  return {
    n: y.length,
    ate: averageTreatmentEffect(y, treatment),
    qini_auc: qiniAucScore(y, uplift, treatment),
    uplift_auc: upliftAucScore(y, uplift, treatment),
    uplift_at_30: upliftAtK(y, uplift, treatment, 0.3),
  };
}

/**
 * Scores rows the same way whoever produced the predictions (the trainer's weights during
 * cross-validation, ONNX Runtime in `npm run eval`). For `any` vs none, a row's uplift is that of
 * its best offer (the larger of mens and womens), which is what the policy would show.
 */
export function evaluateScores(
  rows: readonly HillstromRow[],
  scores: ScoresByCategory,
  outcome: 'visit' | 'conversion',
): EvaluationReport {
  const compare = (
    keep: (row: HillstromRow, i: number) => boolean,
    score: (i: number) => number,
  ) => {
    const y: number[] = [];
    const u: number[] = [];
    const t: number[] = [];
    rows.forEach((row, i) => {
      if (!keep(row, i)) return;
      y.push(row[outcome]);
      u.push(score(i));
      t.push(row.arm === 'none' ? 0 : 1);
    });
    return armMetrics(y, u, t);
  };
  // A row's best offer: what `any` and `best` rank by.
  const bestUplift = (i: number) => Math.max(scores.mens.uplift[i]!, scores.womens.uplift[i]!);
  const response: number[] = [];
  const truth: number[] = [];
  rows.forEach((row, i) => {
    truth.push(row[outcome]);
    if (row.arm === 'none') {
      response.push((scores.mens.pControl[i]! + scores.womens.pControl[i]!) / 2);
    } else {
      response.push(scores[row.arm].pTreated[i]!);
    }
  });
  return {
    outcome,
    womens: compare(
      (r) => r.arm !== 'mens',
      (i) => scores.womens.uplift[i]!,
    ),
    mens: compare(
      (r) => r.arm !== 'womens',
      (i) => scores.mens.uplift[i]!,
    ),
    any: compare(() => true, bestUplift),
    best: compare((row, i) => {
      if (row.arm === 'none') return true;
      const mens = scores.mens.uplift[i]!;
      const womens = scores.womens.uplift[i]!;
      return mens === womens || (row.arm === 'mens') === mens > womens;
    }, bestUplift),
    auc_visit: rocAuc(truth, response),
  };
}
