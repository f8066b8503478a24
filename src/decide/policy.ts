import type { PolicyOptions } from '../catalog/types.js';
import { seededRandom } from './random.js';

export type { PolicyOptions } from '../catalog/types.js';

/** A candidate for a placement, with its expected incremental value. */
export interface Candidate {
  offerId: string;
  /** Lower-case category; `'any'` never conflicts with another offer. */
  category: string;
  score: number;
}

/** Defaults: mostly greedy, a 10% floor shared by the candidates of each slot. */
export const DEFAULT_POLICY: PolicyOptions = {
  temperature: 0.01,
  exploration: 0.1,
  diversify: true,
};

export interface Pick {
  offerId: string;
  score: number;
  /**
   * Probability that the policy put this offer in this slot, given the candidates and the offers
   * already placed in earlier slots of the same decision. The product over the slots is the
   * probability of the whole ordered list.
   */
  propensity: number;
}

/** Finest and coarsest propensity grids: probabilities are multiples of 1/grid. */
export const MIN_PROPENSITY_GRID = 100;
export const MAX_PROPENSITY_GRID = 10_000;

/**
 * The grid one slot's probabilities live on: 1/100 (whole percentage points) unless the
 * exploration floor of `n` candidates is finer, then 1/1,000 or 1/10,000, so that every candidate
 * keeps a non-zero chance. Logged propensities are therefore coarse by construction: they say
 * how likely the shown offer was, to a point (or a tenth of one with many candidates), and no
 * finer, while remaining the exact probabilities the policy drew with.
 */
export function propensityGrid(n: number, exploration: number): number {
  let grid = MIN_PROPENSITY_GRID;
  while (grid < MAX_PROPENSITY_GRID && exploration > 0 && (exploration / n) * grid < 1 - 1e-9) {
    grid *= 10;
  }
  return grid;
}

/**
 * Continuous probabilities as whole units of `grid` that sum to `grid`: each entry gets at least
 * `minUnits` (when there are enough units for all), then its floor, then the units left go to the
 * largest remainders (ties to the earlier entry); an excess made by the minimum is taken back from
 * the largest entries.
 */
export function toUnits(probabilities: readonly number[], grid: number, minUnits = 0): number[] {
  const n = probabilities.length;
  const least = n * minUnits <= grid ? minUnits : 0;
  const units = probabilities.map((p) => Math.max(least, Math.floor(p * grid + 1e-9)));
  let left = grid - units.reduce((a, b) => a + b, 0);
  if (left > 0) {
    const order = probabilities
      .map((p, i) => ({ i, rest: p * grid - units[i]! }))
      .sort((a, b) => b.rest - a.rest || a.i - b.i);
    for (let k = 0; left > 0; k = (k + 1) % n, left--) units[order[k]!.i]!++;
  }
  while (left < 0) {
    let largest = 0;
    for (let i = 1; i < n; i++) if (units[i]! > units[largest]!) largest = i;
    units[largest]!--;
    left++;
  }
  return units;
}

/**
 * Probabilities of one slot: softmax of score/temperature mixed with a uniform floor
 * (`exploration / n` each), put on the slot's {@link propensityGrid} (the floor rounded up to it).
 * These are the probabilities the policy draws with, so the logged propensity is exact.
 */
export function slotProbabilities(scores: readonly number[], options: PolicyOptions): number[] {
  const n = scores.length;
  if (n === 0) return [];
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  const weights = scores.map((s) => Math.exp((s - max) / options.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  const floor = options.exploration / n;
  const continuous = weights.map((w) => (1 - options.exploration) * (w / total) + floor);
  const grid = propensityGrid(n, options.exploration);
  // The documented floor holds on the grid too: at least exploration / n, rounded up.
  const least = options.exploration > 0 ? Math.ceil(floor * grid - 1e-9) : 0;
  return toUnits(continuous, grid, least).map((u) => u / grid);
}

/** The order in which a slot weighs its candidates: best first, then by id (deterministic). */
export function slotOrder<T extends { offerId: string; score: number }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => b.score - a.score || (a.offerId < b.offerId ? -1 : 1));
}

/**
 * Fills up to `limit` slots one after another. Each slot samples from the candidates still
 * allowed (not shown, and of a category not yet shown when diversifying) with
 * {@link slotProbabilities}, using `random`, so a decision replays exactly from its seed.
 */
export function choose(
  candidates: readonly Candidate[],
  limit: number,
  options: PolicyOptions,
  random: () => number,
): Pick[] {
  // A fixed order so that the same inputs and seed give the same picks.
  let remaining = slotOrder(candidates);
  const picks: Pick[] = [];
  while (picks.length < limit && remaining.length > 0) {
    const probabilities = slotProbabilities(
      remaining.map((c) => c.score),
      options,
    );
    // Probabilities are multiples of 1/grid: compare whole units, so that no rounding of the
    // cumulative sum can make the draw differ from the logged propensity.
    const grid = propensityGrid(remaining.length, options.exploration);
    const draw = Math.floor(random() * grid);
    let index = 0;
    let cumulative = Math.round(probabilities[0]! * grid);
    while (draw >= cumulative && index < remaining.length - 1)
      cumulative += Math.round(probabilities[++index]! * grid);
    const picked = remaining[index]!;
    picks.push({ offerId: picked.offerId, score: picked.score, propensity: probabilities[index]! });
    remaining = remaining.filter(
      (c) =>
        c !== picked &&
        !(options.diversify && picked.category !== 'any' && c.category === picked.category),
    );
  }
  return picks;
}

/** A decision's random sequence: seeded from its id, so it can be replayed. */
export function decisionRandom(decisionId: string): () => number {
  let hash = 2166136261;
  for (let i = 0; i < decisionId.length; i++) {
    hash ^= decisionId.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return seededRandom(hash >>> 0);
}
