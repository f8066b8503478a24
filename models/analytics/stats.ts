/** Small statistics for the effect report: intervals for proportions and their differences, F1. */

/** The 97.5th percentile of the standard normal: two-sided 95% intervals. */
export const Z95 = 1.959963984540054;

export interface Interval {
  lo: number;
  hi: number;
}

export interface Rate extends Interval {
  /** Successes. */
  x: number;
  /** Trials. */
  n: number;
  /** x / n. */
  rate: number;
}

/** x / n, or null when n is 0. */
export const ratio = (x: number, n: number): number | null => (n > 0 ? x / n : null);

/** Wilson score interval of x successes in n trials (null when n is 0). */
export function wilson(x: number, n: number, z = Z95): Rate | null {
  if (!(n > 0)) return null;
  const p = x / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { x, n, rate: p, lo: Math.max(0, center - half), hi: Math.min(1, center + half) };
}

export interface Difference extends Interval {
  /** p1 − p2. */
  diff: number;
  /** p1 / p2 − 1 (null when p2 is 0). */
  lift: number | null;
  /** Whether the interval excludes 0. */
  significant: boolean;
}

/**
 * Difference of two independent proportions, x1/n1 − x2/n2, with Newcombe's hybrid score
 * interval (method 10 of Newcombe 1998: from the two Wilson intervals), which keeps its coverage
 * with small counts and rates near 0 where the normal approximation does not. Null if a side is
 * empty.
 */
export function newcombe(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  z = Z95,
): Difference | null {
  const a = wilson(x1, n1, z);
  const b = wilson(x2, n2, z);
  if (!a || !b) return null;
  const diff = a.rate - b.rate;
  const lo = diff - Math.sqrt((a.rate - a.lo) ** 2 + (b.hi - b.rate) ** 2);
  const hi = diff + Math.sqrt((a.hi - a.rate) ** 2 + (b.rate - b.lo) ** 2);
  return {
    diff,
    lo,
    hi,
    lift: b.rate > 0 ? a.rate / b.rate - 1 : null,
    significant: lo > 0 || hi < 0,
  };
}

/**
 * Difference of two means from sums (Welch's normal approximation): for revenue per decision.
 * Needs at least two observations per side.
 */
export function meanDifference(
  s1: { n: number; sum: number; sumSq: number },
  s2: { n: number; sum: number; sumSq: number },
  z = Z95,
): (Difference & { mean1: number; mean2: number }) | null {
  if (s1.n < 2 || s2.n < 2) return null;
  const mean1 = s1.sum / s1.n;
  const mean2 = s2.sum / s2.n;
  const var1 = Math.max(0, (s1.sumSq - s1.sum * mean1) / (s1.n - 1));
  const var2 = Math.max(0, (s2.sumSq - s2.sum * mean2) / (s2.n - 1));
  const se = Math.sqrt(var1 / s1.n + var2 / s2.n);
  const diff = mean1 - mean2;
  return {
    mean1,
    mean2,
    diff,
    lo: diff - z * se,
    hi: diff + z * se,
    lift: mean2 > 0 ? mean1 / mean2 - 1 : null,
    significant: se > 0 && (diff - z * se > 0 || diff + z * se < 0),
  };
}

export interface Classification {
  threshold: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

/** Precision, recall and F1 from a confusion matrix (null where undefined: 0/0). */
export function classification(
  threshold: number,
  tp: number,
  fp: number,
  fn: number,
  tn: number,
): Classification {
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const f1 =
    precision !== null && recall !== null && precision + recall > 0
      ? (2 * precision * recall) / (precision + recall)
      : tp + fp + fn > 0
        ? 0
        : null;
  return { threshold, tp, fp, fn, tn, precision, recall, f1 };
}

/**
 * Confusion matrices of "predicted to respond" = score ≥ threshold, for thresholds k/100, from
 * buckets of scores in [b/100, (b+1)/100) with `n` items of which `responded` responded.
 */
export function sweep(
  buckets: readonly { bucket: number; n: number; responded: number }[],
  thresholds: readonly number[],
): Classification[] {
  let totalPos = 0;
  let totalNeg = 0;
  for (const b of buckets) {
    totalPos += b.responded;
    totalNeg += b.n - b.responded;
  }
  return thresholds.map((t) => {
    const k = Math.round(t * 100);
    let tp = 0;
    let fp = 0;
    for (const b of buckets) {
      if (b.bucket < k) continue;
      tp += b.responded;
      fp += b.n - b.responded;
    }
    return classification(t, tp, fp, totalPos - tp, totalNeg - fp);
  });
}
