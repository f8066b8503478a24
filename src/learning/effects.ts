/**
 * Learned effects: what `npm run learn` estimated, from the shop's own logged decisions, for every
 * offer and shopper group — the value of showing the offer (on the reward the shop chose), its
 * posterior standard deviation after empirical-Bayes shrinkage, and how many decisions it rests
 * on. The file is public and the same for every shopper; the decider combines it with the
 * shopper's own groups and model scores on the device.
 */
import { parseDateTime } from '../catalog/fields.js';
import { fieldError } from '../util/errors.js';
import { isPlainObject } from '../util/guards.js';
import { PROFILE_TERMS, type ProfileTerm } from '../features/profile-vector.js';
import { fieldPath, refuseMisspeltKeys } from '../util/misspelt-keys.js';
import type { GroupPlacement } from './segments.js';
import type { Effects, EffectReward, EffectsPlacement, GroupEffect, OfferEffect } from './types.js';

export const EFFECTS_FORMAT = 'offerwise-effects';
/** The values of an effects file's `placement` (absent: `blend`). */
export const EFFECTS_PLACEMENTS: readonly EffectsPlacement[] = ['blend', 'nearest'];
export const EFFECT_REWARDS: readonly EffectReward[] = [
  'click',
  'claim',
  'order',
  'revenue',
  'discount',
  'net',
];
export type { Effects, EffectReward, GroupEffect, OfferEffect } from './types.js';
/** Offers an effects file may describe. */
const MAX_OFFERS = 5000;
/**
 * Days an effects file may stay valid after `generated_at`: the learner's `--valid-days` limit
 * (models/cli/learn.ts). A file valid for longer would steer decisions long after the shop's
 * offers and shoppers changed.
 */
export const MAX_VALID_DAYS = 365;
const DAY_MS = 86_400_000;

/** The fields of an effects file, by object (`sha256`: an inline copy's, learning-files.ts). */
const EFFECTS_KEYS = {
  file: [
    'format',
    'version',
    'reward',
    'generated_at',
    'valid_until',
    'window',
    'epsilon',
    'segments_sha256',
    'k',
    'temperature',
    'model',
    'profile',
    'group_levels',
    'placement',
    'offers',
    'sha256',
  ],
  window: ['from', 'to'],
  model: ['beta'],
  offer: ['mean', 'se', 'n', 'groups'],
  group: ['mean', 'sd', 'n', 'pred'],
} as const;

const bad = (field: string, value: unknown, expected: string): never => {
  throw fieldError('invalid_effects', fieldPath('effects', field), value, expected);
};
const finite = (value: unknown, field: string, min = -1e9, max = 1e9): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    bad(field, value, `a number from ${min} to ${max}`);
  }
  return value as number;
};
const time = (value: unknown, field: string): number => {
  const t = parseDateTime(value);
  if (t === undefined) bad(field, value, 'an ISO date-time with a zone');
  return t!;
};

/**
 * Validates an effects file; throws `OfferwiseError('invalid_effects')` naming the field, the
 * value and what was expected (decisions then go on as without it).
 */
export function validateEffects(input: unknown): Effects {
  if (!isPlainObject(input)) bad('', input, 'an effects object');
  const raw = input as Record<string, unknown>;
  refuseMisspeltKeys(raw, '', EFFECTS_KEYS.file, bad);
  if (raw.format !== EFFECTS_FORMAT) bad('format', raw.format, `"${EFFECTS_FORMAT}"`);
  if (raw.version !== 1) bad('version', raw.version, '1');
  if (!(EFFECT_REWARDS as readonly unknown[]).includes(raw.reward)) {
    bad('reward', raw.reward, EFFECT_REWARDS.join(' | '));
  }
  const generated_at = time(raw.generated_at, 'generated_at');
  const valid_until = time(raw.valid_until, 'valid_until');
  if (valid_until <= generated_at) {
    bad(
      'valid_until',
      raw.valid_until,
      `a date-time after generated_at (${raw.generated_at as string})`,
    );
  }
  if (valid_until - generated_at > MAX_VALID_DAYS * DAY_MS) {
    bad(
      'valid_until',
      raw.valid_until,
      `at most ${MAX_VALID_DAYS} days after generated_at (${raw.generated_at as string}), the learner's --valid-days limit`,
    );
  }
  if (!isPlainObject(raw.window)) bad('window', raw.window, '{ from, to }');
  const w = raw.window as Record<string, unknown>;
  refuseMisspeltKeys(w, 'window', EFFECTS_KEYS.window, bad);
  const window = { from: time(w.from, 'window.from'), to: time(w.to, 'window.to') };
  if (window.to < window.from) {
    bad('window.to', w.to, `a date-time not before window.from (${w.from as string})`);
  }
  const epsilon = raw.epsilon === null ? null : finite(raw.epsilon, 'epsilon', 0, 100);
  const sha = raw.segments_sha256;
  if (sha !== null && (typeof sha !== 'string' || !/^[0-9a-f]{64}$/.test(sha))) {
    bad('segments_sha256', sha, 'a SHA-256 in hex, or null');
  }
  const k = raw.k === null ? null : finite(raw.k, 'k', 2, 16);
  if (k !== null && !Number.isInteger(k)) bad('k', k, 'a whole number from 2 to 16');
  if ((k === null) !== (sha === null)) bad('k', raw.k, 'null exactly when segments_sha256 is null');
  const temperature = finite(raw.temperature, 'temperature', 1e-9, 1e9);
  if (temperature <= 0) bad('temperature', temperature, 'a positive number');
  let model: Effects['model'] = null;
  if (raw.model !== null && raw.model !== undefined) {
    if (!isPlainObject(raw.model)) bad('model', raw.model, '{ beta } or null');
    refuseMisspeltKeys(raw.model as Record<string, unknown>, 'model', EFFECTS_KEYS.model, bad);
    model = { beta: finite((raw.model as Record<string, unknown>).beta, 'model.beta', 0, 1e6) };
  }
  let profile: Effects['profile'];
  if (raw.profile !== undefined && raw.profile !== null) {
    if (k === null || !isPlainObject(raw.profile)) {
      bad(
        'profile',
        raw.profile,
        k === null ? 'absent (no groups)' : 'an object of slopes by term',
      );
    }
    profile = {};
    for (const [term, slope] of Object.entries(raw.profile as Record<string, unknown>)) {
      if (!(PROFILE_TERMS as readonly string[]).includes(term)) {
        bad(`profile.${term}`, slope, `one of the profile terms ${PROFILE_TERMS.join(', ')}`);
      }
      profile[term as ProfileTerm] = finite(slope, `profile.${term}`, -1e6, 1e6);
    }
  }
  let group_levels: number[] | undefined;
  if (raw.group_levels !== undefined && raw.group_levels !== null) {
    if (k === null || !Array.isArray(raw.group_levels) || raw.group_levels.length !== k) {
      bad(
        'group_levels',
        raw.group_levels,
        k === null ? 'absent (no groups)' : `an array of ${k} numbers`,
      );
    }
    group_levels = (raw.group_levels as unknown[]).map((v, g) => finite(v, `group_levels[${g}]`));
  }
  let placement: EffectsPlacement | undefined;
  if (raw.placement !== undefined) {
    if (!(EFFECTS_PLACEMENTS as readonly unknown[]).includes(raw.placement)) {
      bad('placement', raw.placement, `${EFFECTS_PLACEMENTS.join(' | ')}, or absent (blend)`);
    }
    if (k === null) bad('placement', raw.placement, 'absent (no groups)');
    placement = raw.placement as EffectsPlacement;
  }
  if (!isPlainObject(raw.offers)) bad('offers', raw.offers, 'an object of offer effects by id');
  const entries = Object.entries(raw.offers as Record<string, unknown>);
  if (entries.length === 0 || entries.length > MAX_OFFERS) {
    bad('offers', `${entries.length} offers`, `1 to ${MAX_OFFERS} offers`);
  }
  const offers: Record<string, OfferEffect> = Object.create(null) as Record<string, OfferEffect>;
  for (const [id, value] of entries) {
    const field = `offers[${JSON.stringify(id)}]`;
    // The learner's ids are decisions' offer ids, never empty (feedback/wire.ts); an empty one
    // names no catalog offer.
    if (id === '') bad(field, id, 'a non-empty offer id');
    if (!isPlainObject(value)) bad(field, value, '{ mean, se, n, groups? }');
    const o = value as Record<string, unknown>;
    refuseMisspeltKeys(o, field, EFFECTS_KEYS.offer, bad);
    const effect: OfferEffect = {
      mean: finite(o.mean, `${field}.mean`),
      se: finite(o.se, `${field}.se`, 0),
      n: finite(o.n, `${field}.n`, 0),
    };
    if (o.groups !== undefined) {
      if (k === null || !Array.isArray(o.groups) || o.groups.length !== k) {
        bad(`${field}.groups`, o.groups, k === null ? 'absent (no groups)' : `${k} group effects`);
      }
      effect.groups = (o.groups as unknown[]).map((g, i) => {
        const gf = `${field}.groups[${i}]`;
        if (!isPlainObject(g)) bad(gf, g, '{ mean, sd, n, pred? }');
        const r = g as Record<string, unknown>;
        refuseMisspeltKeys(r, gf, EFFECTS_KEYS.group, bad);
        const out: GroupEffect = {
          mean: finite(r.mean, `${gf}.mean`),
          sd: finite(r.sd, `${gf}.sd`, 0),
          n: finite(r.n, `${gf}.n`, -1e9),
        };
        if (r.pred !== undefined) out.pred = finite(r.pred, `${gf}.pred`);
        return out;
      });
    }
    offers[id] = effect;
  }
  return {
    format: EFFECTS_FORMAT,
    version: 1,
    reward: raw.reward as EffectReward,
    generated_at,
    valid_until,
    window,
    epsilon,
    segments_sha256: sha as string | null,
    k,
    temperature,
    model,
    ...(profile ? { profile } : {}),
    ...(group_levels ? { group_levels } : {}),
    ...(placement ? { placement } : {}),
    offers,
  };
}

/** Which groups each effects file learned (a file is validated once, scored many times). */
const learnedGroupsOf = new WeakMap<Effects, boolean[]>();

/**
 * The groups `effects` learned something about: those with a count in some offer. A group the
 * logs did not show has a count of 0 in every offer (the learner leaves out the groups whose
 * randomized reports cannot be told from nothing, docs/learning.md) and only the prior's level as
 * its value.
 */
export function learnedGroups(effects: Effects): boolean[] {
  let learned = learnedGroupsOf.get(effects);
  if (!learned) {
    learned = Array.from({ length: effects.k ?? 0 }, (_, g) =>
      Object.values(effects.offers).some((o) => (o.groups?.[g]?.n ?? 0) !== 0),
    );
    learnedGroupsOf.set(effects, learned);
  }
  return learned;
}

/**
 * A shopper's soft group weights for scoring with `effects`: the share of a group the file did
 * not learn goes to the learned ones, in proportion. Blending in an unlearned group's prior level
 * would rank shoppers by how close they are to a group nobody saw, not by what was learned (on
 * Hillstrom the learned policy's top 30% then did worse than a random 30%, docs/learning.md).
 * Unchanged when every group was learned, or none of the weight is on a learned one.
 */
export function learnedWeights(weights: readonly number[], effects: Effects): number[] {
  const learned = learnedGroups(effects);
  if (learned.every(Boolean)) return [...weights];
  const total = weights.reduce((sum, w, g) => sum + (learned[g] ? w : 0), 0);
  if (!(total > 0)) return [...weights];
  return weights.map((w, g) => (learned[g] ? w / total : 0));
}

/**
 * The shopper's placement as scoring with `effects` uses it, for the effects and the groups'
 * profile terms alike: its weights over the learned groups (`learnedWeights`; the placement itself
 * when every group was learned), or, with `placement: 'nearest'`, all the weight on the nearest
 * learned group (the nearest group when the file learned none).
 */
export function learnedPlacement(placement: GroupPlacement, effects: Effects): GroupPlacement {
  const learned = learnedGroups(effects);
  if (effects.placement === 'nearest') {
    // Wholly the nearest group the file learned: the group the shopper reports, unless the logs
    // did not show that one.
    let nearest = -1;
    placement.distances.forEach((d, g) => {
      if (learned[g] && (nearest < 0 || d < placement.distances[nearest]!)) nearest = g;
    });
    if (nearest < 0) nearest = placement.group;
    return { ...placement, weights: placement.weights.map((_, g) => (g === nearest ? 1 : 0)) };
  }
  return learned.every(Boolean)
    ? placement
    : { ...placement, weights: learnedWeights(placement.weights, effects) };
}

/** What one candidate's score came from (for `inspect()` and the QA panel). */
export interface EffectUsed {
  /** The learned value used (blended over groups when groups applied). */
  effect: number;
  /**
   * `group`: blended group effects; `offer`: the offer's pooled value; `new`: not in the file, its
   * groups' level for any offer (`group_levels`); `none`: not in the file, the known offers' mean.
   */
  source: 'group' | 'offer' | 'new' | 'none';
  /** The model's part (beta × deviation from the group's prediction), when it applied. */
  model?: number;
  /**
   * The profile's part: the `profile` slopes × the shopper's deviation from the groups' terms, or
   * (`new`) × the shopper's own terms.
   */
  profile?: number;
}

/** The profile slopes · an offer's terms (`PROFILE_TERMS` order). */
function profilePart(slopes: NonNullable<Effects['profile']>, terms: readonly number[]): number {
  let sum = 0;
  PROFILE_TERMS.forEach((term, j) => (sum += (slopes[term] ?? 0) * terms[j]!));
  return sum;
}

/**
 * Scores candidates with learned effects: each offer's value for this shopper (its group effects
 * blended with `weights`, or its pooled value without groups), plus the model's deviation from
 * the groups' prediction scaled by `model.beta`, plus the shopper's profile terms' `deviations`
 * from the groups' (per offer; `profileDeviation`) scaled by the `profile` slopes. An offer the
 * file does not know (launched since it was learned) is, with groups and `group_levels`, the
 * average known offer of the shopper's groups plus beta · its model score plus the slopes · the
 * shopper's own `terms` for it (per offer, `profileTerms`): a known offer whose group values are
 * the groups' levels scores exactly so. Otherwise it gets the mean of the known ones. Either way
 * it is no better and no worse than a typical known offer, and the policy's floor explores it.
 * The result is on the reward's scale; the policy divides it by `effects.temperature`.
 */
export function effectScores(
  offerIds: readonly string[],
  modelScores: ArrayLike<number>,
  effects: Effects,
  weights: readonly number[] | undefined,
  deviations?: readonly (readonly number[] | undefined)[],
  terms?: readonly (readonly number[] | undefined)[],
): { scores: number[]; used: EffectUsed[] } {
  const known = offerIds.map((id) => effects.offers[id]);
  const means = known.filter((e): e is OfferEffect => e !== undefined).map((e) => e.mean);
  const neutral = means.length > 0 ? means.reduce((a, b) => a + b, 0) / means.length : 0;
  const levels = weights ? effects.group_levels : undefined;
  const beta = effects.model?.beta ?? 0;
  const used: EffectUsed[] = [];
  const scores = offerIds.map((_, i) => {
    const e = known[i];
    if (!e && levels) {
      let effect = 0;
      levels.forEach((level, g) => (effect += (weights![g] ?? 0) * level));
      const out: EffectUsed = { effect, source: 'new' };
      let score = effect;
      if (beta > 0) score += out.model = beta * modelScores[i]!;
      const own = terms?.[i];
      if (effects.profile && own) score += out.profile = profilePart(effects.profile, own);
      used.push(out);
      return score;
    }
    if (!e) {
      used.push({ effect: neutral, source: 'none' });
      return neutral;
    }
    if (!weights || !e.groups) {
      used.push({ effect: e.mean, source: 'offer' });
      return e.mean;
    }
    let effect = 0;
    let pred = 0;
    let hasPred = true;
    e.groups.forEach((g, j) => {
      effect += (weights[j] ?? 0) * g.mean;
      if (g.pred === undefined) hasPred = false;
      else pred += (weights[j] ?? 0) * g.pred;
    });
    const out: EffectUsed = { effect, source: 'group' };
    let score = effect;
    if (beta > 0 && hasPred) {
      out.model = beta * (modelScores[i]! - pred);
      score += out.model;
    }
    const d = deviations?.[i];
    if (effects.profile && d) score += out.profile = profilePart(effects.profile, d);
    used.push(out);
    return score;
  });
  return { scores, used };
}
