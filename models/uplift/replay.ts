/**
 * Offline replay on randomised campaign data: for each fold, the model is trained on the other
 * folds, then each policy picks, for every held-out shopper, an offer (the men's or the women's
 * e-mail) and whether to send it at all (the top `share` of shoppers by the policy's own score).
 * Because the e-mails were assigned at random, the value of any policy is estimated without bias
 * by inverse propensity weighting, each arm's share of the file as its propensity (about 1/3 each
 * in Hillstrom): a shopper contributes their outcome over that share when the e-mail they
 * actually got is the one the policy picks. Prints incremental visits per 1,000
 * shoppers over sending nothing.
 *
 * With `learned`, a fifth policy ranks by what a decision with learned effects scores
 * (`learned`): in each fold the learner (models/learning/hillstrom.ts) learns the e-mails'
 * effects per shopper group from the training folds only, with the same fold's network as the
 * model, and the held-out shoppers are scored as the decider would score them.
 */
import type { ProfileTerm } from '../../src/features/profile-vector.js';
import { buildSamples, OFFER_CATEGORIES, rowFeatures, type OfferCategory } from './dataset.js';
import { armShares, type ArmShares, type HillstromRow } from '../lib/hillstrom.js';
import { meanAndSd, quantile } from '../lib/stats.js';
import type { Predictions } from './network.js';
import { seededRandom } from '../../src/decide/random.js';
import { fit, stratifiedFolds, type Family, type Fitted } from './training.js';
import { validateEffects } from '../../src/learning/effects.js';
import type { EffectsPlacement, Segments } from '../../src/learning/types.js';
import { hillstromCells, hillstromOffers, learnedUplift } from '../learning/hillstrom.js';
import { effectsFromCells } from '../learning/learn.js';
import { REFERENCE_TIME } from './dataset.js';

export const POLICIES = ['uplift', 'most_likely_to_buy', 'biggest_discount', 'random'] as const;
export type Policy = (typeof POLICIES)[number] | 'learned';

export interface ReplayRow {
  policy: Policy;
  /** Every shopper gets the policy's offer. */
  everyone: number;
  /** Only the top `share` of shoppers by the policy's score get one. */
  targeted: number;
  /** Standard errors of the two (per 1,000, over the shoppers' IPW terms). */
  se: { everyone: number; targeted: number };
}

/**
 * One policy against another on the same shoppers: the mean of the per-shopper differences of
 * their IPW terms (per 1,000) and its standard error. Where two policies send a shopper the same
 * thing the difference is 0, so the pairing removes the noise the two share and says whether a
 * gap of a few visits per 1,000 is resolvable on the file.
 */
export interface ReplayDifference {
  policy: Policy;
  against: Policy;
  everyone: { difference: number; se: number };
  targeted: { difference: number; se: number };
}

/** Mean and standard error of the mean (× 1,000) of per-shopper terms. */
export function perThousand(terms: Float64Array): { mean: number; se: number } {
  const n = terms.length;
  let sum = 0;
  for (const t of terms) sum += t;
  const mean = n > 0 ? sum / n : 0;
  let squares = 0;
  for (const t of terms) squares += (t - mean) ** 2;
  const se = n > 1 ? Math.sqrt(squares / (n - 1) / n) : 0;
  return { mean: 1000 * mean, se: 1000 * se };
}

const minus = (a: Float64Array, b: Float64Array) => a.map((x, i) => x - b[i]!);

/** Per shopper: the chosen offer and the score used to decide who is targeted. */
function plan(
  policy: Policy,
  scores: Record<OfferCategory, Predictions>,
  i: number,
  random: () => number,
): { offer: OfferCategory; score: number } {
  const { mens, womens } = scores;
  switch (policy) {
    case 'uplift':
      return mens.uplift[i]! > womens.uplift[i]!
        ? { offer: 'mens', score: mens.uplift[i]! }
        : { offer: 'womens', score: womens.uplift[i]! };
    case 'most_likely_to_buy':
      return mens.pTreated[i]! > womens.pTreated[i]!
        ? { offer: 'mens', score: mens.pTreated[i]! }
        : { offer: 'womens', score: womens.pTreated[i]! };
    case 'biggest_discount':
      // The two e-mails carry the same offer terms: a tie, broken by catalog order, and no shopper
      // is preferred over another.
      return { offer: 'mens', score: random() };
    case 'random':
      return { offer: OFFER_CATEGORIES[Math.floor(random() * 2)]!, score: random() };
    case 'learned':
      throw new Error('replay: the learned policy plans from its effects');
  }
}

/** The arms' shares (`armShares`); every arm must have rows, or the others cannot be weighed against it. */
export function replayShares(rows: readonly HillstromRow[]): ArmShares {
  const shares = armShares(rows);
  for (const arm of ['mens', 'womens', 'none'] as const) {
    if (shares[arm] === 0) {
      throw new Error(
        `replay: the file has no rows of the ${arm === 'none' ? 'no-e-mail' : `${arm} e-mail`} arm: each arm's outcomes are weighed by its share, so all three must be there`,
      );
    }
  }
  return shares;
}

/**
 * IPW value per shopper of sending `offer` (or nothing) relative to sending nothing: the outcome
 * over its arm's share when the shopper got the policy's e-mail, minus it over the no-e-mail
 * share when they got none.
 */
export function incremental(
  row: HillstromRow,
  offer: OfferCategory | undefined,
  outcome: 'visit',
  shares: ArmShares,
): number {
  if (offer === undefined) return 0;
  const y = row[outcome];
  return (row.arm === offer ? y / shares[offer] : 0) - (row.arm === 'none' ? y / shares.none : 0);
}

/** The learned policy's groups and the ε of their simulated reports. */
export interface ReplayLearning {
  segments: Segments & { sha256: string };
  epsilon: number;
  /** The profile terms learned (default the learner's). */
  profileTerms?: readonly ProfileTerm[];
  /** How the learned files weigh the groups (default `nearest`, as `learn --hillstrom`). */
  placement?: EffectsPlacement;
}

/** The learned policy's scores of `held`, from effects learned on `train` with `model`. */
async function learnedScores(
  train: readonly HillstromRow[],
  held: readonly HillstromRow[],
  model: Fitted,
  scores: Record<OfferCategory, Predictions>,
  learning: ReplayLearning,
  seed: number,
) {
  const cells = hillstromCells(train, {
    outcome: 'visit',
    segments: learning.segments,
    epsilon: learning.epsilon,
    seed,
  });
  const score = async (x: Float32Array) => {
    const p = model.predict(x);
    return {
      pTreated: Float32Array.from(p.pTreated),
      pControl: Float32Array.from(p.pControl),
      uplift: Float32Array.from(p.uplift),
    };
  };
  const { effects } = await effectsFromCells(cells, {
    reward: 'click',
    segments: learning.segments,
    offers: hillstromOffers(),
    score,
    ...(learning.profileTerms ? { profileTerms: learning.profileTerms } : {}),
    placement: learning.placement ?? 'nearest',
    now: REFERENCE_TIME,
  });
  return learnedUplift(held, scores, validateEffects(effects), learning.segments);
}

export async function replay(
  rows: readonly HillstromRow[],
  options: {
    folds: number;
    seed: number;
    share: number;
    /** The model family each fold fits (the shipped model's: models/default.json). */
    family: Family;
    learned?: ReplayLearning;
    /** Each row's fold (0 … folds − 1); default: stratified by arm and visit, seeded. */
    fold?: ArrayLike<number>;
  },
): Promise<{ rows: ReplayRow[]; differences: ReplayDifference[] }> {
  const policies: Policy[] = options.learned ? [...POLICIES, 'learned'] : [...POLICIES];
  const shares = replayShares(rows);
  const samples = buildSamples(rows, 'visit');
  const fold = options.fold ?? stratifiedFolds(rows, 'visit', options.folds, options.seed);
  if (fold.length !== rows.length) {
    throw new Error(`replay: ${fold.length} folds given for ${rows.length} rows`);
  }
  // Each shopper's IPW term under each policy (in the file's row order): the values are their
  // means, the standard errors and the paired differences come from them.
  const terms = new Map<Policy, { everyone: Float64Array; targeted: Float64Array }>(
    policies.map((p) => [
      p,
      { everyone: new Float64Array(rows.length), targeted: new Float64Array(rows.length) },
    ]),
  );
  for (let k = 0; k < options.folds; k++) {
    const train: number[] = [];
    for (let s = 0; s < samples.count; s++) if (fold[samples.row[s]!] !== k) train.push(s);
    const model = fit(options.family, samples, train, options.seed + k);
    const heldIndex = rows.flatMap((_, i) => (fold[i] === k ? [i] : []));
    const held = heldIndex.map((i) => rows[i]!);
    const scores = {
      mens: model.predict(rowFeatures(held, 'mens')),
      womens: model.predict(rowFeatures(held, 'womens')),
    };
    const learned = options.learned
      ? await learnedScores(
          rows.filter((_, i) => fold[i] !== k),
          held,
          model,
          scores,
          options.learned,
          options.seed + k,
        )
      : undefined;
    for (const policy of policies) {
      const random = seededRandom(options.seed * 7919 + k);
      const plans = held.map((_, i) =>
        policy === 'learned'
          ? learned!.mens[i]! > learned!.womens[i]!
            ? { offer: 'mens' as const, score: learned!.mens[i]! }
            : { offer: 'womens' as const, score: learned!.womens[i]! }
          : plan(policy, scores, i, random),
      );
      const order = plans
        .map((p, i) => ({ i, score: p.score }))
        .sort((a, b) => b.score - a.score || a.i - b.i);
      const top = new Set(order.slice(0, Math.floor(held.length * options.share)).map((o) => o.i));
      const own = terms.get(policy)!;
      held.forEach((row, i) => {
        const term = incremental(row, plans[i]!.offer, 'visit', shares);
        own.everyone[heldIndex[i]!] = term;
        own.targeted[heldIndex[i]!] = top.has(i) ? term : 0;
      });
    }
  }
  const result = policies.map((policy): ReplayRow => {
    const own = terms.get(policy)!;
    const everyone = perThousand(own.everyone);
    const targeted = perThousand(own.targeted);
    return {
      policy,
      everyone: everyone.mean,
      targeted: targeted.mean,
      se: { everyone: everyone.se, targeted: targeted.se },
    };
  });
  // The policy the replay is about (the learned one when there is one, else the model's) against
  // each of the others.
  const subject: Policy = options.learned ? 'learned' : 'uplift';
  const mine = terms.get(subject)!;
  const differences = policies
    .filter((p) => p !== subject)
    .map((against): ReplayDifference => {
      const other = terms.get(against)!;
      const everyone = perThousand(minus(mine.everyone, other.everyone));
      const targeted = perThousand(minus(mine.targeted, other.targeted));
      return {
        policy: subject,
        against,
        everyone: { difference: everyone.mean, se: everyone.se },
        targeted: { difference: targeted.mean, se: targeted.se },
      };
    });
  return { rows: result, differences };
}

/**
 * One bootstrap resample that keeps the folds apart: each fold's rows are drawn with replacement
 * from that fold alone, as many as it has, so that a shopper drawn twice is never both trained on
 * and scored. Returns the drawn rows' indices and each one's fold.
 */
export function resampleWithinFolds(
  fold: ArrayLike<number>,
  folds: number,
  random: () => number,
): { index: number[]; fold: number[] } {
  const members: number[][] = Array.from({ length: folds }, () => []);
  for (let i = 0; i < fold.length; i++) members[fold[i]!]!.push(i);
  const index: number[] = [];
  const out: number[] = [];
  members.forEach((rows, k) => {
    for (let j = 0; j < rows.length; j++) {
      index.push(rows[Math.floor(random() * rows.length)]!);
      out.push(k);
    }
  });
  return { index, fold: out };
}

/** Spread of a bootstrap's estimates: standard deviation and the 2.5% and 97.5% quantiles. */
export interface Spread {
  /** Standard deviation over the runs: the estimate's standard error, refits included. */
  se: number;
  /** The middle 95% of the runs (quantiles interpolated between order statistics). */
  low: number;
  high: number;
}

export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    se: meanAndSd(values).sd,
    low: quantile(sorted, 0.025),
    high: quantile(sorted, 0.975),
  };
}

/** What the bootstrap adds to a replay: each value's and each difference's full spread. */
export interface ReplayBootstrap {
  runs: number;
  values: { policy: Policy; everyone: Spread; targeted: Spread }[];
  differences: {
    policy: Policy;
    against: Policy;
    /** `above`: the share of runs in which the difference came out above 0. */
    everyone: Spread & { above: number };
    targeted: Spread & { above: number };
  }[];
}

/**
 * The replay's standard errors hold each fold's fitted model and learned effects fixed: they are
 * the held-out shoppers' noise alone. The bootstrap repeats the whole replay on `runs` resamples of
 * the shoppers (within the same folds, `resampleWithinFolds`), each with its own seed for the fits,
 * the randomized group reports and the rules' random order, so that its spread also holds how the
 * models, the learned effects and thus the policies' choices would differ on another draw of
 * shoppers (Efron's nonparametric bootstrap of the procedure).
 */
export async function bootstrapReplay(
  rows: readonly HillstromRow[],
  options: Parameters<typeof replay>[1] & { runs: number; progress?: (run: number) => void },
): Promise<ReplayBootstrap> {
  const { runs, progress, ...replayOptions } = options;
  const fold = options.fold ?? stratifiedFolds(rows, 'visit', options.folds, options.seed);
  const random = seededRandom(options.seed ^ 0xb0075);
  const values = new Map<Policy, { everyone: number[]; targeted: number[] }>();
  const differences = new Map<
    Policy,
    { against: Policy; everyone: number[]; targeted: number[] }
  >();
  let subject: Policy | undefined;
  for (let run = 0; run < runs; run++) {
    const drawn = resampleWithinFolds(fold, options.folds, random);
    const result = await replay(
      drawn.index.map((i) => rows[i]!),
      { ...replayOptions, fold: drawn.fold, seed: options.seed + 1 + run },
    );
    for (const r of result.rows) {
      const v = values.get(r.policy) ?? { everyone: [], targeted: [] };
      v.everyone.push(r.everyone);
      v.targeted.push(r.targeted);
      values.set(r.policy, v);
    }
    for (const d of result.differences) {
      subject = d.policy;
      const v = differences.get(d.against) ?? { against: d.against, everyone: [], targeted: [] };
      v.everyone.push(d.everyone.difference);
      v.targeted.push(d.targeted.difference);
      differences.set(d.against, v);
    }
    progress?.(run + 1);
  }
  const above = (xs: number[]) => xs.filter((x) => x > 0).length / xs.length;
  return {
    runs,
    values: [...values].map(([policy, v]) => ({
      policy,
      everyone: spreadOf(v.everyone),
      targeted: spreadOf(v.targeted),
    })),
    differences: [...differences.values()].map((d) => ({
      policy: subject!,
      against: d.against,
      everyone: { ...spreadOf(d.everyone), above: above(d.everyone) },
      targeted: { ...spreadOf(d.targeted), above: above(d.targeted) },
    })),
  };
}
