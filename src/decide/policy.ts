import { seededRandom } from './random.js';

/** A candidate for a placement, with its expected incremental value. */
export interface Candidate {
  offerId: string;
  /** Lower-case category; `'any'` never conflicts with another offer. */
  category: string;
  score: number;
}

export interface PolicyOptions {
  /** Softmax temperature on scores; lower is greedier. Must be > 0. */
  temperature: number;
  /** Share of each slot's probability spread evenly over the slot's candidates (the floor). */
  exploration: number;
  /** No two offers of the same category in one placement. */
  diversify: boolean;
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

/** Probabilities of one slot: softmax of score/temperature mixed with a uniform floor. */
export function slotProbabilities(scores: readonly number[], options: PolicyOptions): number[] {
  const n = scores.length;
  if (n === 0) return [];
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  const weights = scores.map((s) => Math.exp((s - max) / options.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  const floor = options.exploration / n;
  return weights.map((w) => (1 - options.exploration) * (w / total) + floor);
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
  // A fixed order (best first, then id) so that the same inputs and seed give the same picks.
  let remaining = [...candidates].sort(
    (a, b) => b.score - a.score || (a.offerId < b.offerId ? -1 : 1),
  );
  const picks: Pick[] = [];
  while (picks.length < limit && remaining.length > 0) {
    const probabilities = slotProbabilities(
      remaining.map((c) => c.score),
      options,
    );
    const draw = random();
    let index = 0;
    let cumulative = probabilities[0]!;
    while (draw >= cumulative && index < remaining.length - 1)
      cumulative += probabilities[++index]!;
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
