/**
 * The learning files' types after validation (`segments.ts`, `effects.ts`), apart from the code so
 * that the catalog's types can name them without importing the validators (types only, importing
 * no code: no import cycle through the catalog's field checks).
 */
import type { ProfileTerm } from '../features/profile-vector.js';

/** A validated segments file (`npm run segments`): k-means groups of profile vectors. */
export interface Segments {
  format: 'offerwise-segments';
  /** 1, or 2 when the groups are defined on some dimensions only (`weights`). */
  version: 1 | 2;
  /** The profile-vector layout the centroids live in. */
  vector: { version: number; categories: string[] };
  /** z = (x − mean) / scale, per dimension. */
  standardization: { mean: number[]; scale: number[] };
  /** k centroids in standardized space. */
  centroids: number[][];
  /** Mean squared distance of a cluster's members to its centroid (standardized): soft weights. */
  spread: number[];
  /** A human label per group, from its centroid ("recent women's buyers"). */
  labels: string[];
  /**
   * Version 2: each dimension's weight in the distance to a centroid (≥ 0, at least one > 0);
   * absent (version 1): every dimension weighs 1.
   */
  weights?: number[];
  /**
   * SHA-256 (hex) of the file as served, set by the catalog source when it checked it (or the one
   * an inline copy names); undefined when unknown. The group report names the groups by it.
   */
  sha256?: string;
}

/** The shopper's group as `profile()` and `<ow-my-data>` show it (computed on the device). */
export interface ShopperGroup {
  /** The nearest centroid of the catalog's segments file, 0…k−1. */
  id: number;
  /** Its human label ("recent women's buyers"). */
  label: string;
}

/** Rewards an effects file may be learned on. */
export type EffectReward = 'click' | 'claim' | 'order' | 'revenue' | 'discount' | 'net';

/** One offer's learned value, overall and per group. */
export interface OfferEffect {
  /** Value of showing it (reward per decision), pooled over groups. */
  mean: number;
  /** Its standard error. */
  se: number;
  /** Decisions (de-biased count) it rests on. */
  n: number;
  /** Per group (index = group id), after shrinkage; absent without groups. */
  groups?: GroupEffect[];
}

export interface GroupEffect {
  /** Posterior mean of the value of showing the offer to this group. */
  mean: number;
  /** Posterior standard deviation. */
  sd: number;
  /** De-biased number of decisions of this group that it rests on. */
  n: number;
  /** The model's score for the group's centroid (on the model's scale), when the learner had it. */
  pred?: number;
}

/** How an effects file's group values reach a shopper: blended, or the nearest group's. */
export type EffectsPlacement = 'blend' | 'nearest';

/** A validated effects file (`npm run learn`). */
export interface Effects {
  format: 'offerwise-effects';
  version: 1;
  reward: EffectReward;
  generated_at: number;
  /** After this (server clock) the file is stale and decisions ignore it. */
  valid_until: number;
  window: { from: number; to: number };
  /** ε of the group reports it was learned from (null: exact groups, or none). */
  epsilon: number | null;
  /** The segments file whose groups the `groups` arrays follow (its SHA-256), or null. */
  segments_sha256: string | null;
  /** Number of groups (length of every `groups` array), or null. */
  k: number | null;
  /** Softmax temperature on the reward's scale (decisions divide by it). */
  temperature: number;
  /** How the model's score enters: score += beta · (model − centroid prediction). */
  model: { beta: number } | null;
  /**
   * How the shopper's own profile enters (groups only): score += Σ slope · (the shopper's term −
   * the groups'), over the terms of `offerTerms` (`PROFILE_TERMS`: interest, bought, depthPrice,
   * depthCoupon, anyDiffuse, recent). Absent: no such term.
   */
  profile?: Partial<Record<ProfileTerm, number>>;
  /**
   * Per group, what an offer the file does not know is worth before the model's and the
   * profile's parts: the average over the file's offers of (group value − beta · centroid
   * prediction − the profile slopes · the group's terms for the offer). A new offer (a campaign
   * launched after the learner ran) is scored as the average known offer of the shopper's groups,
   * moved by the model and the profile as a known one is. Absent (older files): such an offer
   * gets the mean of the known offers' pooled values.
   */
  group_levels?: number[];
  /**
   * How a shopper's groups weigh in the scores: `blend` (absent: the default) by the placement's
   * soft weights over the learned groups; `nearest` wholly the nearest learned group, the group
   * its values were counted in (the learner picks it for crisp groups, docs/learning.md).
   */
  placement?: EffectsPlacement;
  offers: Record<string, OfferEffect>;
  /** SHA-256 (hex) of the file as served, set by the catalog source when it checked it. */
  sha256?: string;
}
