import type { ProfileSnapshot } from '../profile/snapshot.js';
import { describeValue } from '../util/errors.js';
import { isPlainObject } from '../util/guards.js';
import { DEFAULT_POLICY, slotOrder, slotProbabilities, type PolicyOptions } from './policy.js';
import type { CandidatePolicy, Offer, PolicySpec, ValueOptions } from './types.js';
import { DEFAULT_VALUE, expectedValue } from './value.js';

export type { CandidatePolicy, PolicySpec } from './types.js';

/**
 * Candidate policies: other ways the shop might decide, named in its catalog (`policies`), which
 * the device evaluates on every personalized decision. For each one it computes the probability
 * that this policy would have put the shown offer in the first slot, from the same candidates and
 * model outputs, and reports only that number, rounded (see {@link reportedPolicies}). So the shop
 * can estimate what each candidate would earn (`npm run ope`) without any model output or profile
 * field leaving the device.
 */

/** Most candidate policies a catalog may name (each adds one rounded number to an impression). */
export const MAX_CANDIDATE_POLICIES = 4;
/** A policy id: what the wire carries as the key of its probability. */
export const POLICY_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** The decision settings a candidate policy may change (those that change the first slot's odds). */
export const POLICY_SETTINGS = [
  'objective',
  'outcomeValue',
  'averageOrderValue',
  'exploration',
  'temperature',
] as const;
/** Reported probabilities are multiples of this (whole percentage points). */
export const REPORTED_POLICY_GRID = 100;

/** A candidate as a policy weighs it: the offer and the model's outputs for this shopper. */
export interface WeighedCandidate {
  offer: Offer;
  prediction: { pTreated: number; pControl: number; uplift: number };
}

/** Thrown by {@link parsePolicySpec}: `field` is relative to the policy. */
export class PolicyError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`${field}: got ${describeValue(value)}, expected ${expected}`);
  }
}

function setting(key: string, value: unknown, field: string): number {
  const bounds: Record<string, [number, number]> = {
    outcomeValue: [0, 1e9],
    averageOrderValue: [0, 1e9],
    exploration: [0, 1],
    temperature: [1e-6, 1e6],
  };
  const [min, max] = bounds[key]!;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new PolicyError(field, value, `a number from ${min} to ${max}`);
  }
  return value;
}

/**
 * Parses one policy: `{ "decisions": { objective?, outcomeValue?, averageOrderValue?,
 * exploration?, temperature? }, "remove"?: [offer ids] }` or `{ "rule": "biggest_discount",
 * "remove"?: [...] }`. Other keys than `id`, `decisions`, `rule`, `remove` and `label` are refused,
 * so that a typo never evaluates a policy the shop did not mean.
 */
export function parsePolicySpec(raw: unknown): PolicySpec {
  if (!isPlainObject(raw)) throw new PolicyError('', raw, 'a policy object');
  for (const key of Object.keys(raw)) {
    if (!['id', 'label', 'decisions', 'rule', 'remove'].includes(key)) {
      throw new PolicyError(key, raw[key], 'one of id, label, decisions, rule, remove');
    }
  }
  const remove = raw.remove === undefined ? [] : raw.remove;
  if (
    !Array.isArray(remove) ||
    remove.length > 1000 ||
    !remove.every((x) => typeof x === 'string' && x !== '')
  ) {
    throw new PolicyError('remove', raw.remove, 'an array of offer ids');
  }
  if (raw.rule !== undefined) {
    if (raw.rule !== 'biggest_discount') {
      throw new PolicyError('rule', raw.rule, '"biggest_discount"');
    }
    if (raw.decisions !== undefined) {
      throw new PolicyError('decisions', raw.decisions, 'nothing beside a rule');
    }
    return { kind: 'biggest_discount', remove: [...(remove as string[])] };
  }
  const decisions = raw.decisions ?? {};
  if (!isPlainObject(decisions)) {
    throw new PolicyError('decisions', decisions, 'an object of decision settings');
  }
  const value: ValueOptions = { ...DEFAULT_VALUE };
  const policy: PolicyOptions = { ...DEFAULT_POLICY };
  for (const [key, v] of Object.entries(decisions)) {
    const field = `decisions.${key}`;
    switch (key) {
      case 'objective':
        if (v !== 'uplift' && v !== 'conversion' && v !== 'revenue') {
          throw new PolicyError(field, v, '"uplift", "conversion" or "revenue"');
        }
        value.objective = v;
        break;
      case 'outcomeValue':
      case 'averageOrderValue':
        value[key] = setting(key, v, field);
        break;
      case 'exploration':
      case 'temperature':
        policy[key] = setting(key, v, field);
        break;
      default:
        throw new PolicyError(field, v, `one of ${POLICY_SETTINGS.join(', ')}`);
    }
  }
  return { kind: 'sdk', options: { value, policy }, remove: [...(remove as string[])] };
}

/**
 * The probability that `spec` puts each candidate in the first slot, one per entry of
 * `candidates` (0 for those it cannot pick: removed, or `usable` false). The same computation as
 * the SDK's own policy (`slotProbabilities` over the candidates in {@link slotOrder}), so these
 * are exact probabilities on the policy's grid.
 */
export function firstSlotProbabilities(
  spec: PolicySpec,
  candidates: readonly WeighedCandidate[],
  profile: Pick<ProfileSnapshot, 'cart'>,
  usable: readonly boolean[] = candidates.map(() => true),
): number[] {
  const removed = new Set(spec.remove);
  const out = candidates.map(() => 0);
  const idx = candidates.flatMap((c, i) => (usable[i] && !removed.has(c.offer.id) ? [i] : []));
  if (idx.length === 0) return out;
  if (spec.kind === 'biggest_discount') {
    // Largest percent off (ties: the earlier candidate, i.e. the catalog's order).
    let best = idx[0]!;
    for (const i of idx) {
      const d = candidates[i]!.offer.discount?.percent ?? 0;
      if (d > (candidates[best]!.offer.discount?.percent ?? 0)) best = i;
    }
    out[best] = 1;
    return out;
  }
  const snapshot = profile as ProfileSnapshot;
  const scored = slotOrder(
    idx.map((i) => ({
      i,
      offerId: candidates[i]!.offer.id,
      score: expectedValue(
        candidates[i]!.offer,
        candidates[i]!.prediction,
        snapshot,
        spec.options.value,
      ),
    })),
  );
  const p = slotProbabilities(
    scored.map((s) => s.score),
    spec.options.policy,
  );
  scored.forEach((s, k) => (out[s.i] = p[k]!));
  return out;
}

/**
 * The catalog's candidate policies' probabilities of the offer a decision showed first, as they
 * leave the device: each rounded to whole percentage points at random, up with probability equal
 * to the remainder (so the rounded value is unbiased and off-policy estimates built on it are
 * too), with `random` from a source the shop cannot replay.
 */
export function reportedPolicies(
  exact: Readonly<Record<string, number>>,
  random: () => number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, p] of Object.entries(exact)) {
    const scaled = Math.min(1, Math.max(0, p)) * REPORTED_POLICY_GRID;
    const low = Math.floor(scaled + 1e-9);
    const up = random() < scaled - low;
    out[id] = Math.min(REPORTED_POLICY_GRID, low + (up ? 1 : 0)) / REPORTED_POLICY_GRID;
  }
  return out;
}

/** Catalog validation of `policies`: the valid ones, and a problem per skipped entry. */
export function parseCatalogPolicies(
  raw: unknown,
  skip: (field: string, value: unknown, expected: string) => void,
): CandidatePolicy[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    skip('policies', raw, `an array of at most ${MAX_CANDIDATE_POLICIES} candidate policies`);
    return [];
  }
  const out: CandidatePolicy[] = [];
  raw.forEach((entry: unknown, index) => {
    const field = `policies[${index}]`;
    if (out.length >= MAX_CANDIDATE_POLICIES) {
      skip(
        field,
        entry,
        `at most ${MAX_CANDIDATE_POLICIES} policies (the first valid ones are kept)`,
      );
      return;
    }
    const id = isPlainObject(entry) ? entry.id : undefined;
    if (typeof id !== 'string' || !POLICY_ID.test(id)) {
      skip(`${field}.id`, id, 'a policy id of 1 to 32 of a-z, 0-9, _ and - (starting a-z or 0-9)');
      return;
    }
    if (out.some((p) => p.id === id)) {
      skip(`${field}.id`, id, 'an id no other policy has');
      return;
    }
    try {
      out.push({ id, spec: parsePolicySpec(entry), source: { ...(entry as object) } });
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      skip(error.field === '' ? field : `${field}.${error.field}`, error.value, error.expected);
    }
  });
  return out;
}
