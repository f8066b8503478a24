/**
 * Candidate policies: what a policy is (the SDK's decision options, or a fixed rule), and the
 * probability with which it would put each logged candidate in the first slot, computed by the
 * SDK's own code.
 */
import { resolveConfig, type DecisionConfig } from '../../src/config.js';
import { firstSlotProbabilities } from '../../src/decide/candidate-policy.js';
import type { DecisionOptions } from '../../src/decide/decider.js';
import type { Offer } from '../../src/decide/types.js';
import type { ProfileSnapshot } from '../../src/profile/snapshot.js';
import type { CandidateRecord, DecisionRecord } from './logs.js';

/**
 * A candidate policy: the SDK's own decision options (`decisions` of the SDK config: objective,
 * outcomeValue, averageOrderValue, exploration, temperature), optionally restricted to some
 * offers (`remove`: offer ids taken out of the catalog), or a fixed rule.
 */
export type PolicySpec =
  | { kind: 'sdk'; options: DecisionOptions; remove: string[] }
  | { kind: 'biggest_discount'; remove: string[] };

/** Parses `{ "decisions": {...}, "remove": [...] }`, a bare decisions object, or `{ "rule": "biggest_discount" }`. */
export function parsePolicy(raw: unknown): PolicySpec {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error('policy: expected a JSON object');
  const o = { ...(raw as Record<string, unknown>) };
  const remove = o.remove === undefined ? [] : o.remove;
  if (!Array.isArray(remove) || !remove.every((x) => typeof x === 'string'))
    throw new Error('policy.remove: expected an array of offer ids');
  delete o.remove;
  if (o.rule !== undefined) {
    if (o.rule !== 'biggest_discount')
      throw new Error(`policy.rule: got ${JSON.stringify(o.rule)}, expected "biggest_discount"`);
    return { kind: 'biggest_discount', remove };
  }
  const decisions = (o.decisions ?? o) as DecisionConfig;
  return { kind: 'sdk', options: resolveConfig({ decisions }).decisions, remove };
}

/** Model outputs of a candidate: the logged ones, or a rescoring with another model. */
export interface Prediction {
  pTreated: number;
  pControl: number;
  uplift: number;
}

/**
 * The candidate policy's probability of putting each candidate in the first slot: the SDK's own
 * computation (`firstSlotProbabilities`, the one the device runs for the catalog's policies), over
 * the allowed candidates. Returns one probability per entry of `candidates` (0 for those it cannot
 * pick).
 */
export function actionProbabilities(
  policy: PolicySpec,
  candidates: readonly CandidateRecord[],
  offers: ReadonlyMap<string, Offer>,
  cartValue: number,
  predictions: readonly Prediction[] = candidates,
): number[] {
  const weighed = candidates.map((c, i) => {
    const offer = offers.get(c.offerId);
    if (!offer) throw new Error(`offer ${c.offerId} is not in the catalog`);
    const p = predictions[i]!;
    return {
      offer,
      prediction: { pTreated: p.pTreated, pControl: p.pControl, uplift: p.uplift },
    };
  });
  return firstSlotProbabilities(
    policy,
    weighed,
    { cart: { value: cartValue } } as Pick<ProfileSnapshot, 'cart'>,
    candidates.map((c) => c.allowed),
  );
}

/** {@link actionProbabilities} over a logged decision's candidates and cart. */
export function decisionOdds(
  policy: PolicySpec,
  decision: DecisionRecord,
  offers: ReadonlyMap<string, Offer>,
  predictions?: readonly Prediction[],
): number[] {
  return actionProbabilities(policy, decision.candidates, offers, decision.cartValue, predictions);
}
