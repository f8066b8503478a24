import { buildFeatures, FEATURE_COUNT, type FeatureContext } from '../features/spec.js';
import type { Consent } from '../privacy/consent.js';
import type { ProfileSnapshot } from '../profile/snapshot.js';
import type { ScoreResult } from '../predictor/predictor.js';
import { fieldError } from '../util/errors.js';
import {
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

export interface DecisionOptions {
  value: ValueOptions;
  policy: PolicyOptions;
  eligibility: EligibilityOptions;
  caps: CapRules;
  /** Share of shoppers (sticky) who see no personalized offer; default 0.05. */
  holdoutShare: number;
  /** How long a decision may wait for the model before the fallback decides, ms; default 50. */
  budgetMs: number;
  messages?: Partial<ExplanationMessages>;
  locale?: string;
}

export const DEFAULT_DECISION_OPTIONS: DecisionOptions = {
  value: DEFAULT_VALUE,
  policy: DEFAULT_POLICY,
  eligibility: DEFAULT_ELIGIBILITY,
  caps: DEFAULT_CAPS,
  holdoutShare: 0.05,
  budgetMs: 50,
};

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
    claims(offerId: string): Promise<number>;
    saveDecision(decision: Decision): Promise<void>;
    lastDecision(placement: string): Promise<Decision | undefined>;
    shopperSeed(): Promise<number>;
  };
  now(): number;
  newId(): string;
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
  constructor(
    private readonly deps: DeciderDeps,
    private readonly options: DecisionOptions = DEFAULT_DECISION_OPTIONS,
  ) {}

  async decide(request: DecideRequest): Promise<Decision> {
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
    const claims: Record<string, number> = {};
    const withClaims = catalog.offers.filter((o) => o.max_claims !== undefined);
    await Promise.all(
      withClaims.map(async (o) => (claims[o.id] = await this.deps.state.claims(o.id))),
    );
    const offers = eligibleOffers(
      { catalog, placement, profile, context, claims, now: at },
      this.options.eligibility,
    );
    if (offers.length === 0) return empty;

    const personalized = this.deps.consent() === 'granted';
    const holdout =
      personalized && inHoldout(await this.deps.state.shopperSeed(), this.options.holdoutShare);
    let decided: DecidedOffer[];
    let modelVersion = 'none';
    let source: Decision['source'] = 'fallback';
    const byId = new Map(offers.map((o) => [o.id, o]));
    const explainOne = (offer: Offer) =>
      explain(offer, profile, {
        ...(context.member !== undefined ? { member: context.member } : {}),
        serverNow: serverNow(catalog, at),
        currency: catalog.currency,
        ...(this.options.locale !== undefined ? { locale: this.options.locale } : {}),
        ...(this.options.messages ? { messages: this.options.messages } : {}),
      });

    if (!personalized || holdout) {
      // Non-personalized: the shop's own order, no exploration, the same for every shopper.
      const picked = await this.deps.state.reserve(
        placement,
        offers.map((o) => o.id),
        this.options.caps,
        (allowed, room) => {
          const set = new Set(allowed);
          const shown: string[] = [];
          const max = Math.min(limit, room);
          const categories = new Set<string>();
          for (const offer of offers) {
            if (shown.length >= max) break;
            if (!set.has(offer.id)) continue;
            if (
              this.options.policy.diversify &&
              offer.category !== 'any' &&
              categories.has(offer.category)
            )
              continue;
            categories.add(offer.category);
            shown.push(offer.id);
          }
          return { shown };
        },
      );
      decided = picked.shown.map((id) => ({
        offerId: id,
        score: 0,
        propensity: 1,
        explanation: genericExplanation(this.options.messages),
      }));
    } else {
      const rows = new Float32Array(offers.length * FEATURE_COUNT);
      offers.forEach((offer, i) =>
        buildFeatures(profile, featureOffer(offer), context, rows, i * FEATURE_COUNT),
      );
      const scores = await this.deps.score(rows, FEATURE_COUNT, this.options.budgetMs);
      modelVersion = scores.modelVersion;
      source = scores.source;
      const candidates: Candidate[] = offers.map((offer, i) => ({
        offerId: offer.id,
        category: offer.category,
        score: expectedValue(
          offer,
          {
            pTreated: scores.pTreated[i]!,
            pControl: scores.pControl[i]!,
            uplift: scores.uplift[i]!,
          },
          profile,
          this.options.value,
        ),
      }));
      const picked = await this.deps.state.reserve(
        placement,
        offers.map((o) => o.id),
        this.options.caps,
        (allowed, room) => {
          const set = new Set(allowed);
          const picks = choose(
            candidates.filter((c) => set.has(c.offerId)),
            Math.min(limit, room),
            this.options.policy,
            decisionRandom(decisionId),
          );
          return { shown: picks.map((p) => p.offerId), picks };
        },
      );
      decided = picked.picks.map((p) => ({
        offerId: p.offerId,
        score: p.score,
        propensity: p.propensity,
        explanation: explainOne(byId.get(p.offerId)!),
      }));
    }
    const decision: Decision = { decisionId, placement, offers: decided, modelVersion, source, at };
    if (holdout || !personalized) decision.holdout = holdout;
    await this.deps.state.saveDecision(decision).catch(() => undefined);
    return decision;
  }

  /**
   * The last decision of `placement`, for the first paint of a page, if its offers are all still
   * eligible; `source: 'cache'`. It records no impression (the shown decision will).
   */
  async cached(placement: string, context: FeatureContext = {}): Promise<Decision | undefined> {
    const [last, catalog, profile] = await Promise.all([
      this.deps.state.lastDecision(placement),
      this.deps.catalog(),
      this.deps.profile(),
    ]);
    if (!last || !catalog || last.offers.length === 0) return undefined;
    const claims: Record<string, number> = {};
    await Promise.all(
      last.offers.map(async (o) => (claims[o.offerId] = await this.deps.state.claims(o.offerId))),
    );
    const now = this.deps.now();
    const eligible = new Set(
      eligibleOffers(
        { catalog, placement, profile, context: { channel: 'web', ...context }, claims, now },
        this.options.eligibility,
      ).map((o) => o.id),
    );
    if (!last.offers.every((o) => eligible.has(o.offerId))) return undefined;
    return { ...last, source: 'cache' };
  }
}
