/**
 * The decision half of an offerwise instance: the catalog, the predictor, decisions and their
 * state (caps, claims), recommendations and the feedback outbox. {@link Offerwise} keeps the
 * profile half (track, profile, consent, dataLayer) and hands this part what it needs. The ESM
 * build links it statically; the script tag loads it as a second file once the page needs it
 * (see src/script-tag/loader.ts), so that the tag a shop pastes stays small.
 */
import type { ResolvedConfig } from './config.js';
import { CatalogSource } from './catalog/source.js';
import { Decider, type DecideRequest, type DecisionInspection } from './decide/decider.js';
import { reportedPolicies } from './decide/candidate-policy.js';
import { secureRandom } from './decide/random.js';
import { StateStore } from './decide/state-store.js';
import { newDecisionId } from './decide/empty.js';
import type { Catalog, Decision } from './decide/types.js';
import type { FeatureContext } from './features/spec.js';
import {
  Outbox,
  type FeedbackInput,
  type FeedbackStatus,
  type FlushSummary,
  type Measurement,
} from './feedback/outbox.js';
import type { FeedbackType } from './feedback/policy.js';
import { purgeDecisions } from './feedback/purge.js';
import { predictorAssets } from './predictor/asset-options.js';
import { Predictor } from './predictor/predictor.js';
import type { Consent } from './privacy/consent.js';
import { followConsentMode } from './privacy/consent-mode.js';
import type { ProfileService } from './profile/service.js';
import {
  rankItems,
  recommendOptionsWith,
  type Recommendation,
  type RecommendOptions,
  type RecommendRequest,
} from './recommend/recommend.js';
import type { ReportDiagnostic } from './util/diagnostic-codes.js';
import type { Diagnostics } from './util/diagnostics.js';
import { fieldError } from './util/errors.js';
import type { GroupReport } from './feedback/wire.js';
import { placeShopper } from './learning/segments.js';
import type { ShopperGroup } from './learning/types.js';
import type { ProfileSnapshot } from './profile/snapshot.js';

/** Days since the epoch on the shopper's local calendar: the group report's "day". */
export function localDay(ms: number): number {
  return Math.floor((ms - new Date(ms).getTimezoneOffset() * 60_000) / 86_400_000);
}

/** What the runtime borrows from its {@link Offerwise}. */
export interface RuntimeHost {
  readonly config: ResolvedConfig;
  readonly diagnostics: Diagnostics;
  readonly service: ProfileService;
}

/** Creates the decision half for one instance (the one export the script tag's loader needs). */
export function createRuntime(host: RuntimeHost): Runtime {
  return new Runtime(host);
}

export class Runtime {
  private readonly config: ResolvedConfig;
  private readonly diagnostics: Diagnostics;
  private readonly service: ProfileService;
  private catalogSource: CatalogSource | undefined;
  private readonly recommendOptions: RecommendOptions;
  private stateStore: StateStore | undefined;
  private predictorInstance: Predictor | undefined;
  private decider: Decider | undefined;
  private outbox: Outbox | undefined;
  /** Decisions made on this page, by id, so that `report()` can log their propensities. */
  private readonly recentDecisions = new Map<string, Decision>();
  /** Decisions whose candidate policies were logged already (once per decision). */
  private readonly policiesLogged = new Set<string>();
  /** Decisions whose group was reported already (once per decision). */
  private readonly groupLogged = new Set<string>();
  /** With `consentMode: 'google'`, what sets consent from the dataLayer's Consent Mode commands. */
  private readonly consentFollower: { detach(): void } | undefined;

  constructor(host: RuntimeHost) {
    this.config = host.config;
    this.diagnostics = host.diagnostics;
    this.service = host.service;
    this.recommendOptions = recommendOptionsWith(this.config.recommendations);
    if (this.config.catalog !== undefined) {
      this.catalogSource = new CatalogSource({
        source: this.config.catalog,
        imageOrigins: this.config.imageOrigins,
        dbName: `${this.config.dbName}-catalog`,
        now: this.config.now,
        onDiagnostic: this.reportDiagnostic,
      });
    }
    // Reported here, not in the script tag's first file, which has a byte budget.
    if (this.config.deprecated.includes('logCandidates')) {
      this.reportDiagnostic(
        'deprecated_option',
        'logCandidates (data-log-candidates) no longer sends anything: candidates with model outputs could rebuild the profile. Name candidate policies in the catalog ("policies") instead; the device reports one rounded probability per policy',
      );
    }
    const consent = this.service.consent;
    this.outbox = this.makeOutbox(consent);
    // A page that starts denied (configured, or Global Privacy Control) is a withdrawal too: rows
    // an earlier page stored under a grant must not go out after a later one.
    if (consent === 'denied') void purgeDecisions(this.config.dbName, this.reportDiagnostic);
    // With a catalog and consent, load the model in idle time so that the first decision can use it.
    if (this.catalogSource && consent === 'granted') this.predictor();
    // Here, not in the profile half: the script tag's first file has a byte budget.
    this.consentFollower = followConsentMode({
      config: this.config,
      service: this.service,
      report: this.reportDiagnostic,
      changed: (next) => this.consentChanged(next),
    });
  }

  private readonly reportDiagnostic: ReportDiagnostic = (code, message) =>
    this.diagnostics.report(code, message);

  /** What may be measured under `consent`: everything with a grant, else only the opted-in anonymous counts. */
  private measurementFor(consent: Consent): Measurement {
    if (consent === 'granted') return 'full';
    return this.config.measurement === 'anonymous' ? 'anonymous' : 'off';
  }

  private makeOutbox(consent: Consent): Outbox | undefined {
    if (this.config.endpoint === undefined) return undefined;
    return new Outbox({
      endpoint: this.config.endpoint,
      name: this.config.dbName,
      measurement: this.measurementFor(consent),
      now: this.config.now,
      onDiagnostic: this.reportDiagnostic,
    });
  }

  async report(
    decisionId: string,
    offerId: string,
    type: FeedbackType,
  ): Promise<{ id: string | null }> {
    const decision = this.recentDecisions.get(decisionId);
    if (!decision) {
      throw fieldError(
        'invalid_feedback',
        'report().decisionId',
        decisionId,
        'the id of a decision made on this page',
      );
    }
    const shown = decision.offers.find((o) => o.offerId === offerId);
    if (!shown) {
      throw fieldError(
        'invalid_feedback',
        'report().offerId',
        offerId,
        `an offer of decision ${decisionId}`,
      );
    }
    // The claim (or dismissal) is counted while its event is stored, not before: a shopper who
    // claims and leaves the page at once must not lose the event to the count's write.
    const counted =
      type === 'claim'
        ? this.state()
            .addClaim(offerId)
            .catch(() => undefined)
        : type === 'dismiss'
          ? this.state()
              .record(offerId, decision.placement)
              .catch(() => undefined)
          : undefined;
    if (!this.outbox) {
      await counted;
      return { id: null };
    }
    const enqueued = this.outbox.enqueue({
      type,
      decisionId,
      offerId,
      placement: decision.placement,
      propensity: shown.propensity,
      modelVersion: decision.modelVersion,
      ...(type === 'impression' ? this.policiesToLog(decision, offerId) : {}),
      ...(type === 'impression' ? await this.groupToLog(decision, offerId) : {}),
    });
    const [result] = await Promise.all([enqueued, counted]);
    return { id: result.id };
  }

  /**
   * The first impression of a personalized decision's first offer carries, for each candidate
   * policy the catalog names, the probability that it would have shown that offer, rounded to
   * whole points at random (unbiased): what off-policy evaluation needs, and nothing from which
   * the profile or the model's outputs could be rebuilt. The outbox sends it only with consent.
   */
  private policiesToLog(decision: Decision, offerId: string): Pick<FeedbackInput, 'policies'> {
    if (decision.offers[0]?.offerId !== offerId) return {};
    if (this.policiesLogged.has(decision.decisionId)) return {};
    const inspection = this.decider?.inspect(decision.decisionId);
    if (!inspection?.personalized || inspection.holdout || !inspection.policies) return {};
    this.policiesLogged.add(decision.decisionId);
    return { policies: reportedPolicies(inspection.policies, secureRandom) };
  }

  /**
   * The first impression of a personalized decision's first offer carries the shopper's group
   * after k-ary randomized response (`learning.epsilon`; the day's memo in the decision state keeps
   * the answer the same all day and caps the draws at 3 groups a day), when the catalog has a
   * segments file with a known SHA-256 and the event goes out under full measurement (consent
   * granted: never anonymous, pending, denied or under Global Privacy Control). Nothing else about
   * the shopper: the learner de-biases it with k and ε.
   */
  private async groupToLog(decision: Decision, offerId: string): Promise<Partial<GroupReport>> {
    const epsilon = Math.round(this.config.learning.epsilon * 100) / 100;
    if (decision.offers[0]?.offerId !== offerId || this.groupLogged.has(decision.decisionId)) {
      return {};
    }
    if (!(epsilon > 0) || this.service.consent !== 'granted') return {};
    const inspection = this.decider?.inspect(decision.decisionId);
    const group = inspection?.group;
    if (!inspection?.personalized || inspection.holdout || !group?.segments) return {};
    this.groupLogged.add(decision.decisionId);
    const groupK = group.weights.length;
    const groupSet = group.segments.slice(0, 12);
    const reported = await this.state()
      .groupReport({
        group: group.id,
        day: localDay(this.config.now()),
        key: `${groupSet}/${epsilon}`,
        k: groupK,
        epsilon,
      })
      .catch(() => undefined);
    if (reported === undefined) return {};
    return { group: reported, groupK, groupEpsilon: epsilon, groupSet };
  }

  /**
   * `profile` with the shopper's group among the catalog's segments (for `profile()`), computed
   * here so that the profile half stays small; as it is without segments.
   */
  async withGroup<P extends ProfileSnapshot>(profile: P): Promise<P & { group?: ShopperGroup }> {
    const segments = (await this.catalogSource?.current())?.segments;
    if (!segments) return profile;
    const placed = placeShopper(profile, segments);
    return { ...profile, group: { id: placed.group, label: placed.label } };
  }

  async feedbackStatus(): Promise<FeedbackStatus> {
    if (!this.outbox)
      return { storage: 'none', pending: 0, inFlight: 0, dropped: {}, suppressed: 0 };
    return this.outbox.status();
  }

  async flush(): Promise<FlushSummary> {
    if (!this.outbox) return { delivered: 0, dropped: {}, remaining: 0, reason: 'done' };
    return this.outbox.flush();
  }

  private remember(decision: Decision): Decision {
    this.recentDecisions.set(decision.decisionId, decision);
    if (this.recentDecisions.size > 100) {
      const oldest = this.recentDecisions.keys().next().value as string;
      this.recentDecisions.delete(oldest);
      this.policiesLogged.delete(oldest);
      this.groupLogged.delete(oldest);
    }
    return decision;
  }

  private state(): StateStore {
    // Decision state (caps, claims, the last decision) follows the profile's consent: on disk only when granted.
    this.stateStore ??= new StateStore({
      dbName: `${this.config.dbName}-decisions`,
      now: this.config.now,
      memoryOnly: this.service.consent !== 'granted',
      onDiagnostic: this.reportDiagnostic,
    });
    return this.stateStore;
  }

  /** The predictor, created on first use; its worker starts when the page is idle. */
  private predictor(): Predictor {
    this.predictorInstance ??= new Predictor({
      ...predictorAssets(this.config.assets, globalThis.document?.baseURI ?? '', (error) =>
        this.reportDiagnostic('invalid_option', error.message),
      ),
      ...(this.config.model !== undefined ? { model: this.config.model } : {}),
      onDiagnostic: this.reportDiagnostic,
    });
    return this.predictorInstance;
  }

  private decisions(): Decider {
    this.decider ??= new Decider(
      {
        catalog: async () => this.catalogSource?.current(),
        // A decision may use this tab's copy of the profile (no database read); profile() never.
        profile: () => this.service.snapshot({ cached: true }),
        consent: () => this.service.consent,
        score: (rows, featureCount, budgetMs) =>
          this.predictor().score(rows, featureCount, { budgetMs }),
        state: {
          reserve: (placement, candidates, rules, choose) =>
            this.state().reserve(placement, candidates, rules, choose),
          allClaims: () => this.state().allClaims(),
          lastDecision: (placement) => this.state().lastDecision(placement),
          shopperSeed: () => this.state().shopperSeed(),
        },
        now: this.config.now,
        newId: newDecisionId,
        report: this.reportDiagnostic,
      },
      this.config.decisions,
    );
    return this.decider;
  }

  /** Rejects on any failure: {@link Offerwise.decide} turns those into an empty decision. */
  async decide(request: DecideRequest): Promise<Decision> {
    return this.remember(await this.decisions().decide(request));
  }

  inspect(decisionId: string): DecisionInspection | undefined {
    return this.decider?.inspect(decisionId);
  }

  async catalog(): Promise<Catalog | undefined> {
    return this.catalogSource?.current();
  }

  /**
   * Ranks items (the request already validated by the caller). Rejects on any failure:
   * {@link Offerwise.recommend} turns those into an empty list.
   */
  async recommend(request: RecommendRequest, placement: string): Promise<Recommendation> {
    const at = this.config.now();
    const catalog = await this.catalogSource?.current();
    if (!catalog) return { placement, items: [], personalized: false, at };
    const personalized = this.service.consent === 'granted';
    const profile = personalized ? await this.service.snapshot({ cached: true }) : undefined;
    const listed = catalog.placements[placement];
    const mode = request.mode ?? 'for-you';
    // A placement's listed items are what its strip ranks; the recently viewed are the shopper's.
    const candidates =
      request.candidates ?? (mode === 'recently-viewed' ? undefined : listed?.items);
    const repeat = catalog.recommendations?.repeat;
    const items = rankItems(
      {
        items: catalog.items,
        profile,
        limit: request.limit ?? listed?.limit ?? 8,
        mode,
        ...(candidates !== undefined ? { candidates } : {}),
        ...(request.exclude !== undefined ? { exclude: request.exclude } : {}),
        ...(repeat !== undefined ? { repeat } : {}),
      },
      this.recommendOptions,
    );
    return { placement, items, personalized, at };
  }

  async cachedDecision(placement: string, context?: FeatureContext): Promise<Decision | undefined> {
    const cached = await this.decisions().cached(placement, context);
    return cached ? this.remember(cached) : undefined;
  }

  /** The decision state for `exportData()`. */
  stateContents(): ReturnType<StateStore['contents']> {
    return this.state().contents();
  }

  /**
   * Erases the decision state, the cached catalog and every feedback row tied to a decision (on
   * disk, in memory, in flight); the decisions made so far can no longer be reported.
   */
  async forget(): Promise<void> {
    const state = this.stateStore;
    this.stateStore = undefined;
    this.recentDecisions.clear();
    this.decider?.forgetInspections();
    await Promise.all([
      (state ?? this.state()).forget(),
      // Not personal, but a cache like the rest: nothing of offerwise stays on the device.
      this.catalogSource?.forget(),
      this.outbox
        ? this.outbox.forgetDecisions()
        : purgeDecisions(this.config.dbName, this.reportDiagnostic),
    ]);
    this.stateStore = undefined;
  }

  /** After the profile's consent changed to `consent`. */
  async consentChanged(consent: Consent): Promise<void> {
    // Decision state follows consent: a new store on disk or in memory; denied erases the disk copy.
    const previous = this.stateStore;
    this.stateStore = undefined;
    previous?.close();
    // Measurement follows consent. What the old outbox held in memory (anonymous rows, a memory
    // fallback) and in flight dies with it; rows on disk were written under a grant: a withdrawal
    // deletes those tied to a decision, `pending` keeps them unsent until a grant sends them.
    this.outbox?.destroy();
    this.outbox = this.makeOutbox(consent);
    if (consent === 'denied') {
      await Promise.all([
        new StateStore({ dbName: `${this.config.dbName}-decisions` }).forget(),
        purgeDecisions(this.config.dbName, this.reportDiagnostic),
      ]);
    }
  }

  destroy(): void {
    this.consentFollower?.detach();
    this.catalogSource?.destroy();
    this.predictorInstance?.destroy();
    this.outbox?.destroy();
    this.stateStore?.close();
  }
}
