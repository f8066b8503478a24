import { DEFAULT_DECISION_OPTIONS, type DecisionOptions } from './options.js';
import { buildFeatures, FEATURE_COUNT, type FeatureContext } from '../features/spec.js';
import type { Consent } from '../privacy/consent.js';
import type { ProfileSnapshot } from '../profile/snapshot.js';
import type { ScoreResult } from '../predictor/predictor.js';
import { fieldError } from '../util/errors.js';
import type { ReportDiagnostic } from '../util/diagnostic-codes.js';
import { effectScores, learnedPlacement, type EffectUsed } from '../learning/effects.js';
import {
  placeShopper,
  profileDeviation,
  profileTerms,
  type GroupPlacement,
} from '../learning/segments.js';
import type { Effects, EffectsPlacement, Segments } from '../learning/types.js';
import { firstSlotProbabilities, type WeighedCandidate } from './candidate-policy.js';
import {
  claimedOut,
  eligibleOffers,
  serverNow,
  DEFAULT_ELIGIBILITY,
  type EligibilityOptions,
} from './eligibility.js';
import { explain, genericExplanation, type ExplanationMessages } from './explain.js';
import {
  choose,
  decisionRandom,
  DEFAULT_POLICY,
  type Candidate,
  type PolicyOptions,
} from './policy.js';
import { DEFAULT_CAPS, type CapRules } from './state-store.js';
import type { Catalog, DecidedOffer, Decision, Offer } from './types.js';
import { expectedValue, featureOffer, DEFAULT_VALUE, type ValueOptions } from './value.js';

export interface DecideRequest {
  placement: string;
  /** Offers to show at most; default the placement's `limit`, else 1. */
  limit?: number;
  /** What the shop knows about the visit. `channel` defaults to `web`. */
  context?: FeatureContext;
}

export { DEFAULT_DECISION_OPTIONS, type DecisionOptions } from './options.js';

/** What the decider needs from the rest of the SDK; each is small so that tests can fake it. */
export interface DeciderDeps {
  catalog(): Promise<Catalog | undefined>;
  profile(): Promise<ProfileSnapshot>;
  consent(): Consent;
  score(rows: Float32Array, featureCount: number, budgetMs: number): Promise<ScoreResult>;
  state: {
    reserve<T extends { shown: readonly string[] }>(
      placement: string,
      candidates: readonly string[],
      rules: CapRules,
      choose: (allowed: string[], room: number) => T,
    ): Promise<T>;
    allClaims(): Promise<Record<string, number>>;
    lastDecision(placement: string): Promise<Decision | undefined>;
    shopperSeed(): Promise<number>;
  };
  now(): number;
  newId(): string;
  /** Non-fatal problems (`effects_stale`, `effects_mismatch`), each once per effects file. */
  report?: ReportDiagnostic;
}

/** One candidate of a decision, as the QA panel shows it (`Offerwise.inspect`). */
export interface InspectedCandidate {
  offerId: string;
  category: string;
  /** The policy's score (expected incremental value by the objective); 0 without personalization. */
  score: number;
  /** The model's (or fallback's) outputs; absent without personalization. */
  pTreated?: number;
  pControl?: number;
  uplift?: number;
  /** Whether the frequency caps left it to the policy (the set the policy chose from). */
  allowed: boolean;
  /** Whether the decision shows it, with what logged propensity and explanation. */
  shown: boolean;
  propensity?: number;
  explanation?: string;
  /**
   * With learned effects: the model's objective score (what `score` is without effects), and the
   * learned value that `score` came from (blended over the shopper's groups, or the offer's pooled
   * value, plus the model's part).
   */
  modelScore?: number;
  effect?: EffectUsed;
}

/** Where a personalized decision placed the shopper among the segments file's groups. */
export interface InspectedGroup {
  /** The nearest centroid, 0…k−1. */
  id: number;
  label: string;
  /** Soft membership per group, summing to 1: how the groups' learned effects were blended. */
  weights: number[];
  /** SHA-256 of the segments file (undefined for an inline copy that names none). */
  segments?: string;
}

/** Which effects file a decision scored with. */
export interface InspectedEffects {
  sha256?: string;
  reward: Effects['reward'];
  generated_at: number;
  valid_until: number;
  /** The softmax temperature the policy used (the file's). */
  temperature: number;
  /** True when the per-group values applied; false: the offers' pooled values. */
  byGroup: boolean;
  /** With `byGroup`: how the groups weighed (the file's `placement`; `blend` when it has none). */
  placement?: EffectsPlacement;
}

/** Everything a decision weighed, kept in memory for the last 100 decisions of the page. */
export interface DecisionInspection {
  decisionId: string;
  placement: string;
  source: Decision['source'];
  modelVersion: string;
  personalized: boolean;
  holdout: boolean;
  /** Eligible offers, in the order they were scored. */
  candidates: InspectedCandidate[];
  /**
   * For each candidate policy of the catalog, the exact probability that it would have put this
   * decision's first shown offer in the first slot (personalized decisions only). What leaves the
   * device is this rounded (`reportedPolicies`).
   */
  policies?: Record<string, number>;
  /** The shopper's group, when the catalog has segments (personalized decisions only). */
  group?: InspectedGroup;
  /** The effects file used, when the catalog has one that is not stale (personalized only). */
  effects?: InspectedEffects;
}

const MAX_INSPECTIONS = 100;

/**
 * The catalog's candidate policies' probabilities of putting `first` in the first slot, given the
 * candidates the caps allowed and the model's outputs; undefined without policies or a shown offer.
 */
function policyOdds(
  catalog: Catalog,
  candidates: readonly WeighedCandidate[],
  profile: ProfileSnapshot,
  allowed: ReadonlySet<string>,
  first: string | undefined,
): Record<string, number> | undefined {
  if (!catalog.policies || catalog.policies.length === 0 || first === undefined) return undefined;
  const index = candidates.findIndex((c) => c.offer.id === first);
  const usable = candidates.map((c) => allowed.has(c.offer.id));
  const out: Record<string, number> = {};
  for (const { id, spec } of catalog.policies) {
    out[id] = firstSlotProbabilities(spec, candidates, profile, usable)[index] ?? 0;
  }
  return out;
}

/** Sticky holdout: the shopper's seed decides once and for all, independently of every decision. */
export function inHoldout(seed: number, share: number): boolean {
  return (seed >>> 0) / 4294967296 < share;
}

/**
 * Decides which offers a placement shows: eligibility, then (with consent, outside the holdout)
 * the model's expected incremental value and the exploring policy with logged propensities;
 * otherwise the documented non-personalized ranking (the catalog's own order, propensity 1).
 */
export class Decider {
  /** What each of the last 100 decisions weighed: built on first inspection, then kept. */
  private readonly inspections = new Map<string, DecisionInspection | (() => DecisionInspection)>();
  /** Diagnostics already reported, by code and effects file. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly deps: DeciderDeps,
    private readonly options: DecisionOptions = DEFAULT_DECISION_OPTIONS,
  ) {}

  /** What decision `decisionId` weighed, if it is one of the last 100 made by this decider. */
  inspect(decisionId: string): DecisionInspection | undefined {
    let found = this.inspections.get(decisionId);
    if (typeof found === 'function') {
      found = found();
      this.inspections.set(decisionId, found);
    }
    return found ? structuredClone(found) : undefined;
  }

  /** Forgets what past decisions weighed (`forget()`: nothing of them may be reported later). */
  forgetInspections(): void {
    this.inspections.clear();
  }

  /**
   * Keeps what `decision` weighed for {@link inspect}. The candidates and the policies' odds are
   * built on the first `inspect()` of the decision, from values that no later call changes.
   */
  private keep(
    decision: Decision,
    personalized: boolean,
    allowed: ReadonlySet<string>,
    candidates: () => Omit<
      InspectedCandidate,
      'shown' | 'propensity' | 'explanation' | 'allowed'
    >[],
    policies: () => Record<string, number> | undefined = () => undefined,
    learned: Pick<DecisionInspection, 'group' | 'effects'> = {},
  ): Decision {
    this.inspections.set(decision.decisionId, () => {
      const shown = new Map(decision.offers.map((o) => [o.offerId, o]));
      const odds = policies();
      return {
        decisionId: decision.decisionId,
        placement: decision.placement,
        source: decision.source,
        modelVersion: decision.modelVersion,
        personalized,
        holdout: decision.holdout === true,
        candidates: candidates().map((c) => ({
          ...c,
          allowed: allowed.has(c.offerId),
          shown: shown.has(c.offerId),
          ...(shown.has(c.offerId)
            ? {
                propensity: shown.get(c.offerId)!.propensity,
                explanation: shown.get(c.offerId)!.explanation,
              }
            : {}),
        })),
        ...(odds ? { policies: odds } : {}),
        ...learned,
      };
    });
    if (this.inspections.size > MAX_INSPECTIONS) {
      this.inspections.delete(this.inspections.keys().next().value as string);
    }
    return decision;
  }

  async decide(request: DecideRequest): Promise<Decision> {
    if (request === null || typeof request !== 'object') {
      throw fieldError(
        'invalid_input',
        'decide()',
        request,
        'an object like { placement: "home" }',
      );
    }
    const placement = request.placement;
    if (typeof placement !== 'string' || placement.trim() === '') {
      throw fieldError('invalid_input', 'decide().placement', placement, 'a placement name');
    }
    if (
      request.limit !== undefined &&
      (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > 20)
    ) {
      throw fieldError(
        'invalid_input',
        'decide().limit',
        request.limit,
        'a whole number from 1 to 20',
      );
    }
    const decisionId = this.deps.newId();
    const at = this.deps.now();
    const [catalog, profile] = await Promise.all([this.deps.catalog(), this.deps.profile()]);
    const empty: Decision = {
      decisionId,
      placement,
      offers: [],
      modelVersion: 'none',
      source: 'fallback',
      at,
    };
    if (!catalog) return empty;
    const limit = request.limit ?? catalog.placements[placement]?.limit ?? 1;
    const context: FeatureContext = { channel: 'web', ...request.context };
    const eligibility = { catalog, placement, profile, context, claims: {}, now: at };
    // Claims are read while the model scores: every other rule is checked now, `max_claims`
    // once they arrive (`claimedOut`, the eligibility rule itself, on the offers that passed).
    const claimsRead = catalog.offers.some((o) => o.max_claims !== undefined)
      ? this.deps.state.allClaims()
      : undefined;
    const open = eligibleOffers(eligibility, this.options.eligibility);
    // The offers that passed every other rule: only the claims' rule is left to check.
    const withinClaims = (claims: Record<string, number>): ReadonlySet<string> =>
      new Set(open.filter((o) => !claimedOut(o, claims)).map((o) => o.id));
    if (open.length === 0) {
      claimsRead?.catch(() => undefined);
      return empty;
    }

    const personalized = this.deps.consent() === 'granted';
    const holdout =
      personalized && inHoldout(await this.deps.state.shopperSeed(), this.options.holdoutShare);
    const explanationOptions = {
      ...(context.member !== undefined ? { member: context.member } : {}),
      serverNow: serverNow(catalog, at),
      currency: catalog.currency,
      ...(this.options.locale !== undefined ? { locale: this.options.locale } : {}),
      ...(this.options.messages ? { messages: this.options.messages } : {}),
    };
    const explainOne = (offer: Offer) => explain(offer, profile, explanationOptions);
    // The decision is built inside the cap reservation, so it is saved in the same commit.
    let allowedByCaps: ReadonlySet<string> = new Set();
    const reserve = (
      offers: readonly Offer[],
      pick: (allowed: Set<string>, max: number) => DecidedOffer[],
      modelVersion: string,
      source: Decision['source'],
    ) =>
      this.deps.state.reserve(
        placement,
        offers.map((o) => o.id),
        this.options.caps,
        (allowed, room) => {
          const allowedSet = new Set(allowed);
          allowedByCaps = allowedSet;
          const offersShown = pick(allowedSet, Math.min(limit, room));
          const decision: Decision = {
            decisionId,
            placement,
            offers: offersShown,
            modelVersion,
            source,
            at,
          };
          if (holdout || !personalized) decision.holdout = holdout;
          return { shown: offersShown.map((o) => o.offerId), decision };
        },
      );

    if (!personalized || holdout) {
      const claimed = claimsRead && withinClaims(await claimsRead);
      const offers = claimed ? open.filter((o) => claimed.has(o.id)) : open;
      if (offers.length === 0) return empty;
      // Non-personalized: the shop's own order, no exploration, the same for every shopper.
      const generic = genericExplanation(this.options.messages);
      const { decision } = await reserve(
        offers,
        (allowed, max) => {
          const shown: DecidedOffer[] = [];
          const categories = new Set<string>();
          for (const offer of offers) {
            if (shown.length >= max) break;
            if (!allowed.has(offer.id)) continue;
            const conflict =
              this.options.policy.diversify &&
              offer.category !== 'any' &&
              categories.has(offer.category);
            if (conflict) continue;
            categories.add(offer.category);
            shown.push({ offerId: offer.id, score: 0, propensity: 1, explanation: generic });
          }
          return shown;
        },
        'none',
        'fallback',
      );
      return this.keep(decision, false, allowedByCaps, () =>
        offers.map((o) => ({ offerId: o.id, category: o.category, score: 0 })),
      );
    }
    // Offer times are on the shop's clock; the profile's `at` is the shopper's.
    const offset = catalog.server_time - catalog.received_at;
    const rows = new Float32Array(open.length * FEATURE_COUNT);
    open.forEach((offer, i) =>
      buildFeatures(profile, featureOffer(offer, offset), context, rows, i * FEATURE_COUNT),
    );
    // The worker scores while this thread places the shopper and reads the claims.
    const scoring = this.deps.score(rows, FEATURE_COUNT, this.options.budgetMs);
    const learned = this.learned(catalog, profile, at);
    const deviations = learned.deviate && open.map((o) => learned.deviate!(o));
    // The shopper's own terms, for the offers the file does not know (scored by `group_levels`).
    const terms = learned.terms && open.map((o) => learned.terms!(o));
    const [scores, claims] = await Promise.all([scoring, claimsRead]);
    // Positions in `open` of the offers still eligible with the claims.
    const claimed = claims && withinClaims(claims);
    const kept = claimed
      ? open.flatMap((o, i) => (claimed.has(o.id) ? [i] : []))
      : open.map((_, i) => i);
    if (kept.length === 0) return empty;
    const offers = kept.map((i) => open[i]!);
    const predictions = kept.map((i) => ({
      pTreated: scores.pTreated[i]!,
      pControl: scores.pControl[i]!,
      uplift: scores.uplift[i]!,
    }));
    const modelScores = offers.map((offer, j) =>
      expectedValue(offer, predictions[j]!, profile, this.options.value),
    );
    const scored = learned.effects
      ? effectScores(
          offers.map((o) => o.id),
          modelScores,
          learned.effects,
          learned.weights,
          deviations && kept.map((i) => deviations[i]),
          terms && kept.map((i) => terms[i]),
        )
      : undefined;
    const candidates: Candidate[] = offers.map((offer, i) => ({
      offerId: offer.id,
      category: offer.category,
      score: scored ? scored.scores[i]! : modelScores[i]!,
    }));
    // With effects the scores are on the reward's scale: the file's temperature goes with them.
    const policy = learned.effects
      ? { ...this.options.policy, temperature: learned.effects.temperature }
      : this.options.policy;
    const byId = new Map(offers.map((o) => [o.id, o]));
    const { decision } = await reserve(
      offers,
      (allowed, max) =>
        choose(
          candidates.filter((c) => allowed.has(c.offerId)),
          max,
          policy,
          decisionRandom(decisionId),
        ).map((p) => ({
          offerId: p.offerId,
          score: p.score,
          propensity: p.propensity,
          explanation: explainOne(byId.get(p.offerId)!),
        })),
      scores.modelVersion,
      scores.source,
    );
    const allowed = allowedByCaps;
    // What inspect() shows is put together only when asked for (the QA panel, the first
    // impression's report): nothing of it is on the way to the decision.
    return this.keep(
      decision,
      true,
      allowed,
      () =>
        candidates.map((c, i) => ({
          offerId: c.offerId,
          category: c.category,
          score: c.score,
          ...predictions[i]!,
          ...(scored ? { modelScore: modelScores[i]!, effect: scored.used[i]! } : {}),
        })),
      () =>
        policyOdds(
          catalog,
          offers.map((offer, i) => ({ offer, prediction: predictions[i]! })),
          profile,
          allowed,
          decision.offers[0]?.offerId,
        ),
      learned.inspection,
    );
  }

  /**
   * What the catalog's learning files say for this shopper now: the group (nearest centroid and
   * soft weights, from the profile already read: no storage access), and the effects file unless
   * it is stale on the shop's clock; its per-group values apply only when it was learned on these
   * very segments.
   */
  private learned(
    catalog: Catalog,
    profile: ProfileSnapshot,
    at: number,
  ): {
    effects?: Effects;
    weights?: number[];
    /**
     * The shopper's profile terms for an offer the file knows, less the groups' (with profile
     * slopes; else undefined: an unknown offer has no group terms to deviate from).
     */
    deviate?: (offer: Offer) => number[] | undefined;
    /** The shopper's own profile terms for an offer the file does not know (else undefined). */
    terms?: (offer: Offer) => number[] | undefined;
    inspection: Pick<DecisionInspection, 'group' | 'effects'>;
  } {
    const inspection: Pick<DecisionInspection, 'group' | 'effects'> = {};
    const segments: Segments | undefined = catalog.segments;
    const placement = segments ? placeShopper(profile, segments) : undefined;
    if (placement) {
      inspection.group = {
        id: placement.group,
        label: placement.label,
        weights: placement.weights,
        ...(segments!.sha256 !== undefined ? { segments: segments!.sha256 } : {}),
      };
    }
    const effects = catalog.effects;
    if (!effects) return { inspection };
    const name = `effects ${effects.sha256?.slice(0, 12) ?? 'inline'} (generated ${new Date(effects.generated_at).toISOString()})`;
    if (effects.valid_until < serverNow(catalog, at)) {
      this.reportOnce(
        'effects_stale',
        effects,
        `${name} expired at ${new Date(effects.valid_until).toISOString()} (shop's clock): decisions use the model alone`,
      );
      return { inspection };
    }
    // Where the effects apply by group: the placement weighed over the groups they learned.
    let placed: GroupPlacement | undefined;
    if (placement && effects.segments_sha256 !== null) {
      if (effects.segments_sha256 === segments!.sha256 && effects.k === placement.weights.length) {
        placed = learnedPlacement(placement, effects);
      } else {
        this.reportOnce(
          'effects_mismatch',
          effects,
          `${name} was learned on segments ${effects.segments_sha256.slice(0, 12)}…, the catalog names ${segments!.sha256?.slice(0, 12) ?? 'an inline copy'}: its pooled values are used`,
        );
      }
    }
    inspection.effects = {
      ...(effects.sha256 !== undefined ? { sha256: effects.sha256 } : {}),
      reward: effects.reward,
      generated_at: effects.generated_at,
      valid_until: effects.valid_until,
      temperature: effects.temperature,
      byGroup: placed !== undefined,
      ...(placed ? { placement: effects.placement ?? 'blend' } : {}),
    };
    // Per offer, one of the two: a known offer's deviation from its groups' terms, or an unknown
    // one's own terms (effectScores reads no deviation for an offer the file does not know).
    const deviate =
      placed && effects.profile
        ? (offer: Offer) =>
            effects.offers[offer.id] ? profileDeviation(placed, segments!, offer) : undefined
        : undefined;
    const terms =
      placed && effects.profile && effects.group_levels
        ? (offer: Offer) =>
            effects.offers[offer.id] ? undefined : profileTerms(placed, segments!, offer)
        : undefined;
    return {
      effects,
      ...(placed ? { weights: placed.weights } : {}),
      ...(deviate ? { deviate } : {}),
      ...(terms ? { terms } : {}),
      inspection,
    };
  }

  private reportOnce(
    code: 'effects_stale' | 'effects_mismatch',
    effects: Effects,
    message: string,
  ) {
    const key = `${code} ${effects.sha256 ?? effects.generated_at}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    try {
      this.deps.report?.(code, message);
    } catch {
      // A listener must not break decisions.
    }
  }

  /**
   * The last decision of `placement`, for the first paint of a page, if its offers are all still
   * eligible; `source: 'cache'`. It records no impression (the shown decision will).
   */
  async cached(placement: string, context: FeatureContext = {}): Promise<Decision | undefined> {
    // The claims are read alongside, not after: a first paint waits for the slowest read only.
    const [last, catalog, profile, claims] = await Promise.all([
      this.deps.state.lastDecision(placement),
      this.deps.catalog(),
      this.deps.profile(),
      this.deps.state.allClaims(),
    ]);
    if (!last || !catalog || last.offers.length === 0) return undefined;
    const now = this.deps.now();
    const eligible = new Set(
      eligibleOffers(
        { catalog, placement, profile, context: { channel: 'web', ...context }, claims, now },
        this.options.eligibility,
      ).map((o) => o.id),
    );
    if (!last.offers.every((o) => eligible.has(o.offerId))) return undefined;
    // A fresh id for every showing: the stored one identified a decision of an earlier page.
    return { ...last, decisionId: this.deps.newId(), source: 'cache' };
  }
}
