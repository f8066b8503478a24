/**
 * The value of showing an offer, per offer and per (offer, group), from logged decisions: the
 * self-normalized inverse-propensity estimator (SNIPS) with the k-RR de-biasing weights of
 * `debiasWeight`, and its delta-method variance, computed from the per-cell sums the learner's SQL
 * returns (docs/learning.md derives both).
 *
 * For decisions n that showed offer o (first slot) with propensity π_n, reward y_n and reported
 * group r_n, the value for true group g is
 *
 *   V̂(o, g) = Σ_n w_n y_n / Σ_n w_n,   w_n = h(r_n, g) / π_n,   h(r, g) = (1[r = g] − q) / (p − q)
 *
 * (h = 1 for the pooled value), and Var V̂ ≈ Σ_n w_n² (y_n − V̂)² / (Σ_n w_n)². Both need only
 * S0 = Σ 1/π, S1 = Σ y/π, T0 = Σ 1/π², T1 = Σ y/π², T2 = Σ y²/π² per (offer, reported group, ε),
 * since h is constant within such a cell.
 */
import { debiasWeight } from '../../src/learning/randomized-response.js';

/** Sums over the decisions of one cell (an offer, and a reported group and its ε, or none). */
export interface CellSums {
  /** Decisions. */
  n: number;
  s0: number;
  s1: number;
  /** Σ y² / π (for the offer's reward variance). */
  s2: number;
  t0: number;
  t1: number;
  t2: number;
}

export interface Estimate {
  /** The value: reward per decision if the offer were shown to all of them. */
  mean: number;
  se: number;
  /** De-biased count of decisions it rests on (Σ h · n). */
  n: number;
  /** Σ w: the de-biased, propensity-weighted number of decisions (SNIPS's denominator). */
  weight: number;
}

/**
 * Below this de-biased weight a cell's ratio is noise around a near-zero denominator (k-RR weights
 * are negative for other groups' reports): the cell counts as unobserved and falls to its prior.
 */
export const MIN_CELL_WEIGHT = 5;

/**
 * SNIPS over cells, each counted with its de-biasing factor `h`. `variance` is a floor on the
 * per-decision reward variance (the offer's pooled one): a thin cell whose few rewards happen to
 * be equal must not claim a zero standard error.
 */
export function snips(
  parts: readonly { sums: CellSums; h: number }[],
  variance = 0,
): Estimate | undefined {
  let weight = 0;
  let numerator = 0;
  let n = 0;
  for (const { sums, h } of parts) {
    weight += h * sums.s0;
    numerator += h * sums.s1;
    n += h * sums.n;
  }
  if (!(weight >= MIN_CELL_WEIGHT)) return undefined;
  const mean = numerator / weight;
  let spread = 0;
  let squares = 0;
  for (const { sums, h } of parts) {
    spread += h * h * (sums.t2 - 2 * mean * sums.t1 + mean * mean * sums.t0);
    squares += h * h * sums.t0;
  }
  const v = Math.max(spread, variance * squares, 0);
  return { mean, se: Math.sqrt(v) / weight, n, weight };
}

/** The weighted variance of the reward over cells (h = 1): Σ y²/π / Σ 1/π − mean². */
export function rewardVariance(cells: readonly CellSums[]): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  for (const c of cells) {
    s0 += c.s0;
    s1 += c.s1;
    s2 += c.s2;
  }
  if (!(s0 > 0)) return 0;
  const mean = s1 / s0;
  return Math.max(0, s2 / s0 - mean * mean);
}

/** One reported group's cell of an offer: its sums, the report and the ε it was made with. */
export interface ReportedCell {
  sums: CellSums;
  reported: number;
  /** ε of the report (Infinity: exact). */
  epsilon: number;
}

/**
 * How many standard deviations of its own noise a group's de-biased weight must reach, over every
 * decision, for the group to count as present (`presentGroups`).
 */
export const PRESENT_Z = 2;

/**
 * Which true groups the decisions show at all. Under k-RR a group no device is in still gets a
 * share q of the reports, and its de-biased weight Σ h·S0 is then 0 ± √(Σ h²·T0) (each decision
 * adds h/π, of second moment h²/π²): a few dozen either way on a file of thousands. Its cells'
 * ratios are noise over a near-zero denominator, and the prior's level for the group, fitted from
 * them alone, would come out as noise too and reach every shopper who is a little in the group (the
 * device blends groups by soft weights). A group counts as present when its weight over all the
 * decisions is at least `PRESENT_Z` of those standard deviations (and `MIN_CELL_WEIGHT`); an absent
 * group's cells are unobserved, so they take the prior without a level of their own. A group with
 * real members is far above the bar (a 1% group of 20,000 decisions weighs about 5 sds at ε = 2,
 * k = 8), and with exact reports the bar is 4 decisions at a constant propensity.
 */
export function presentGroups(cells: readonly ReportedCell[], k: number): boolean[] {
  return Array.from({ length: k }, (_, g) => {
    let weight = 0;
    let squares = 0;
    for (const c of cells) {
      const h = debiasWeight(c.reported, g, k, c.epsilon);
      weight += h * c.sums.s0;
      squares += h * h * c.sums.t0;
    }
    return weight >= MIN_CELL_WEIGHT && weight >= PRESENT_Z * Math.sqrt(squares);
  });
}

/**
 * The value of the offer for each true group 0…k−1 from its reported-group cells, de-biased by
 * inverting the k-RR channel of each cell's ε; undefined for a group too thin to estimate or, with
 * `present`, absent from the decisions (`presentGroups`).
 */
export function groupEstimates(
  cells: readonly ReportedCell[],
  k: number,
  variance: number,
  present?: readonly boolean[],
): (Estimate | undefined)[] {
  return Array.from({ length: k }, (_, g) =>
    present && !present[g]
      ? undefined
      : snips(
          cells.map((c) => ({ sums: c.sums, h: debiasWeight(c.reported, g, k, c.epsilon) })),
          variance,
        ),
  );
}
