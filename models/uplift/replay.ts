/**
 * Offline replay on randomised campaign data: for each fold, the model is trained on the other
 * folds, then each policy picks, for every held-out shopper, an offer (the men's or the women's
 * e-mail) and whether to send it at all (the top `share` of shoppers by the policy's own score).
 * Because the e-mails were assigned at random (1/3 each), the value of any policy is estimated
 * without bias by inverse propensity weighting: a shopper contributes their outcome × 3 when
 * the e-mail they actually got is the one the policy picks. Prints incremental visits per 1,000
 * shoppers over sending nothing.
 */
import { buildSamples, OFFER_CATEGORIES, rowFeatures, type OfferCategory } from './dataset.js';
import type { HillstromRow } from '../lib/hillstrom.js';
import { DEFAULT_MLP, fitTwoHeadMlp } from './mlp.js';
import { predict, type Predictions } from './network.js';
import { seededRandom } from '../../src/decide/random.js';
import { stratifiedFolds } from './training.js';

export const POLICIES = ['uplift', 'most_likely_to_buy', 'biggest_discount', 'random'] as const;
export type Policy = (typeof POLICIES)[number];

export interface ReplayRow {
  policy: Policy;
  /** Every shopper gets the policy's offer. */
  everyone: number;
  /** Only the top `share` of shoppers by the policy's score get one. */
  targeted: number;
}

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
  }
}

/** IPW value per shopper of sending `offer` (or nothing) relative to sending nothing. */
function incremental(
  row: HillstromRow,
  offer: OfferCategory | undefined,
  outcome: 'visit',
): number {
  if (offer === undefined) return 0;
  const y = row[outcome];
  return (row.arm === offer ? 3 * y : 0) - (row.arm === 'none' ? 3 * y : 0);
}

export function replay(
  rows: readonly HillstromRow[],
  options: { folds: number; seed: number; share: number },
): ReplayRow[] {
  const samples = buildSamples(rows, 'visit');
  const fold = stratifiedFolds(rows, 'visit', options.folds, options.seed);
  const totals = new Map<Policy, { everyone: number; targeted: number }>(
    POLICIES.map((p) => [p, { everyone: 0, targeted: 0 }]),
  );
  for (let k = 0; k < options.folds; k++) {
    const train: number[] = [];
    for (let s = 0; s < samples.count; s++) if (fold[samples.row[s]!] !== k) train.push(s);
    const network = fitTwoHeadMlp(samples.x, samples.treated, samples.y, train, {
      ...DEFAULT_MLP,
      seed: options.seed + k,
    });
    const held = rows.filter((_, i) => fold[i] === k);
    const scores = {
      mens: predict(network, rowFeatures(held, 'mens')),
      womens: predict(network, rowFeatures(held, 'womens')),
    };
    for (const policy of POLICIES) {
      const random = seededRandom(options.seed * 7919 + k);
      const plans = held.map((_, i) => plan(policy, scores, i, random));
      const order = plans
        .map((p, i) => ({ i, score: p.score }))
        .sort((a, b) => b.score - a.score || a.i - b.i);
      const top = new Set(order.slice(0, Math.floor(held.length * options.share)).map((o) => o.i));
      const total = totals.get(policy)!;
      held.forEach((row, i) => {
        total.everyone += incremental(row, plans[i]!.offer, 'visit');
        total.targeted += top.has(i) ? incremental(row, plans[i]!.offer, 'visit') : 0;
      });
    }
  }
  return POLICIES.map((policy) => ({
    policy,
    everyone: (1000 * totals.get(policy)!.everyone) / rows.length,
    targeted: (1000 * totals.get(policy)!.targeted) / rows.length,
  }));
}
