import { resolveConfig, type OfferwiseConfig, type ResolvedConfig } from './config.js';
import type { DecideRequest, DecisionInspection } from './decide/decider.js';
import { emptyDecision } from './decide/empty.js';
import type { Catalog, Decision } from './decide/types.js';
import { attachDataLayer, type DataLayerAdapter } from './events/datalayer.js';
import { validateEvent } from './events/validate.js';
import type { TrackEvent } from './events/types.js';
import type { FeatureContext } from './features/spec.js';
import type { FeedbackStatus, FlushSummary } from './feedback/outbox.js';
import type { FeedbackType } from './feedback/policy.js';
import { purgeDecisions } from './feedback/purge.js';
import { runCommands } from './commands.js';
import { deleteDecisionStorage } from './decision-half-storage.js';
import { countIgnored, emptyTrackStats, type TrackStats } from './events/track-stats.js';
import {
  checkCategory,
  checkRecommendRequest,
  consentSource,
  type ConsentOptions,
} from './method-arguments.js';
import {
  globalPrivacyControl,
  initialConsent,
  parseConsent,
  type Consent,
} from './privacy/consent.js';
import { ProfileService, type ExportedData } from './profile/service.js';
import type { ProfileSnapshot } from './profile/snapshot.js';
import type { ShopperGroup } from './learning/types.js';
import type { Recommendation, RecommendRequest } from './recommend/recommend.js';
import type { Runtime } from './decision-half.js';
// The ESM build links the decision half in; the script tag swaps this module for
// src/script-tag/loader.ts, which loads it as a second file when the page needs it.
import { loadRuntime, scheduleRuntime, type RuntimeModule } from './decision-half-loader.js';
import type { WidgetDiagnosticCode } from './util/diagnostic-codes.js';
import {
  Diagnostics,
  REPORT_DIAGNOSTIC,
  type Diagnostic,
  type DiagnosticListener,
} from './util/diagnostics.js';
import { OfferwiseError } from './util/errors.js';
import { orFallback, quiet } from './util/guards.js';

export type { ConsentOptions } from './method-arguments.js';
export type { TrackStats } from './events/track-stats.js';

/** How often raw events past retention are deleted while a page stays open. */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/** One offerwise instance. Every method is safe to call from the host page: none throws. */
export class Offerwise {
  private readonly config: ResolvedConfig;
  private readonly diagnosticsHub: Diagnostics;
  /** The `ow-` elements report through it (see REPORT_DIAGNOSTIC): only their own codes. */
  declare readonly [REPORT_DIAGNOSTIC]: (code: WidgetDiagnosticCode, message: string) => void;
  private readonly service: ProfileService;
  private readonly counters: TrackStats = emptyTrackStats();
  private dataLayers: DataLayerAdapter[] = [];
  private pruneTimer: ReturnType<typeof setInterval> | undefined;
  private destroyed = false;
  /** The decision half (catalog, predictor, decisions, outbox) once created. */
  private loaded: Runtime | undefined;
  private loading: Promise<Runtime> | undefined;
  private runtimeFailure: unknown;
  /** Resolves when the profile store is open, or has fallen back to memory (within 3 s). Never rejects. */
  readonly ready: Promise<void>;

  /** Use {@link createOffers}; the constructor validates and throws on misconfiguration only. */
  constructor(config: OfferwiseConfig = {}) {
    this.config = resolveConfig(config);
    this.diagnosticsHub = new Diagnostics(this.config.now);
    this[REPORT_DIAGNOSTIC] = this.diagnosticsHub.report;
    if (this.config.onDiagnostic) this.diagnosticsHub.listen(this.config.onDiagnostic);
    // A configured grant is never the shopper's own action of the moment.
    const consent = this.withGpc(this.config.consent);
    this.service = new ProfileService(
      { ...this.config.profile, dbName: this.config.dbName, now: this.config.now },
      consent,
      this.diagnosticsHub,
      (outcome) => {
        this.counters.duplicatePurchases += outcome.duplicatePurchases;
      },
    );
    if (this.config.dataLayer !== false)
      this.attachDataLayer(this.config.dataLayer === 'window' ? undefined : this.config.dataLayer);
    // A withdrawal between visits: no stored feedback may stay tied to a decision, even if the
    // decision half never loads on this page.
    if (consent === 'denied') void purgeDecisions(this.config.dbName, this.diagnosticsHub.report);
    this.ready = this.service.prune().then(
      () => undefined,
      () => undefined,
    );
    // The ESM build creates the decision half now (it starts sending pending feedback and loads
    // the model when idle); the script tag when the page has an `ow-` element, calls a decision
    // method, or is idle after load.
    scheduleRuntime(() => {
      this.runtime().catch(() => undefined);
    });
    this.pruneTimer = setInterval(() => quiet(this.service.prune()), PRUNE_INTERVAL_MS);
    (this.pruneTimer as { unref?: () => void }).unref?.();
  }

  /**
   * The decision half: created at once where it is linked in (ESM), else loaded first (the
   * script tag). A failed load is reported (`runtime_failed`) and tried again on a later call.
   */
  private runtime(): Promise<Runtime> {
    // First: after destroy() the methods that tolerate a missing half answer as without one.
    if (this.destroyed) return this.refuseDestroyed('runtime');
    if (this.loaded) return Promise.resolve(this.loaded);
    if (this.loading) return this.loading;
    const create = (module: RuntimeModule): Runtime | Promise<never> => {
      if (this.destroyed) return this.refuseDestroyed('runtime');
      this.loaded ??= module.createRuntime({
        config: this.config,
        diagnostics: this.diagnosticsHub,
        service: this.service,
      });
      return this.loaded;
    };
    const module = loadRuntime();
    if (!(module instanceof Promise)) return Promise.resolve(create(module));
    this.loading = quiet(
      module.then(create, (error: unknown) => {
        this.loading = undefined;
        // Once per failure: the loader hands the same error to every call for 30 s.
        if (!this.destroyed && error !== this.runtimeFailure) {
          this.runtimeFailure = error;
          this.diagnosticsHub.report('runtime_failed', String(error));
        }
        throw error;
      }),
    );
    return this.loading;
  }

  /**
   * Reports what the shopper did with an offer of a decision made on this page: `impression`,
   * `click`, `claim` (also counted against `max_claims`) or `dismiss` (also counted against the
   * caps). Resolves once the event is stored in the outbox (accepted); it is sent in a batch.
   */
  async report(
    decisionId: string,
    offerId: string,
    type: FeedbackType,
  ): Promise<{ id: string | null }> {
    if (this.destroyed) return this.refuseDestroyed('report');
    return (await this.runtime()).report(decisionId, offerId, type);
  }

  /**
   * What the feedback outbox holds: pending, in flight, dropped by reason (not yet reported),
   * suppressed, and where it lives. Reads the outbox (for QA tools); never rejects.
   */
  async feedbackStatus(): Promise<FeedbackStatus> {
    const runtime = await this.runtime().catch(() => undefined);
    if (!runtime) return { storage: 'none', pending: 0, inFlight: 0, dropped: {}, suppressed: 0 };
    return runtime.feedbackStatus();
  }

  /** Sends pending feedback now; resolves when what was pending is acknowledged or has failed for a stated reason. */
  async flush(): Promise<FlushSummary> {
    const runtime = await this.runtime().catch(() => undefined);
    if (!runtime) {
      return {
        delivered: 0,
        dropped: {},
        remaining: 0,
        reason: this.destroyed ? 'destroyed' : 'unavailable',
      };
    }
    return runtime.flush();
  }

  /**
   * Decides which offers `placement` shows (see docs/decisions.md). Rejects only for a malformed request
   * (`invalid_input`); any other failure gives an empty decision and a diagnostic.
   */
  async decide(request: DecideRequest): Promise<Decision> {
    if (this.destroyed) return this.refuseDestroyed('decide');
    return orFallback(
      async () => (await this.runtime()).decide(request),
      () => emptyDecision(request, this.config.now()),
      'decide()',
      'decide_failed',
      this.diagnosticsHub.report,
    );
  }

  /**
   * What a decision of this page weighed (for QA tools such as the demo's panel): every eligible
   * candidate with its score, the model's outputs and, for shown offers, the logged propensity.
   * Kept in memory for the last 100 decisions; undefined for any other id. Nothing leaves the page.
   */
  inspect(decisionId: string): DecisionInspection | undefined {
    if (this.destroyed) return undefined;
    return this.loaded?.inspect(decisionId);
  }

  /**
   * Turns off the shopper's interest in `category` ("Why am I seeing this?"): the profile keeps
   * counting it but no decision, explanation or recommendation uses it, on every tab, until
   * {@link unmuteInterest}. Rejects with `invalid_input` for an empty or over-long category.
   */
  muteInterest(category: string): Promise<void> {
    return this.setMuted('muteInterest', category, true);
  }

  /** Uses the shopper's interest in `category` again. */
  unmuteInterest(category: string): Promise<void> {
    return this.setMuted('unmuteInterest', category, false);
  }

  private async setMuted(method: string, category: string, muted: boolean): Promise<void> {
    if (this.destroyed) return this.refuseDestroyed(method);
    await stored(this.service.setMuted(checkCategory(category, `${method}()`), muted));
  }

  /**
   * The validated catalog in use (offers, items, placements; times in ms on the shop's clock,
   * `server_time - received_at` is the clock offset), or undefined when there is none yet. The
   * elements read offers' titles, codes and items from it. Never rejects.
   */
  async catalog(): Promise<Catalog | undefined> {
    return this.runtime()
      .then((runtime) => runtime.catalog())
      .catch(() => undefined);
  }

  /**
   * Ranks items for this shopper on the device (see docs/recommendations.md): the catalog's item neighbours of
   * the shopper's recent items, category interest and popularity; never items in the cart or
   * bought. Rejects only for a malformed request (`invalid_input`); any other failure gives an
   * empty list and a `recommend_failed` diagnostic.
   */
  async recommend(request: RecommendRequest): Promise<Recommendation> {
    if (this.destroyed) return this.refuseDestroyed('recommend');
    const placement = checkRecommendRequest(request);
    return orFallback(
      async () => (await this.runtime()).recommend(request, placement),
      () => ({ placement, items: [], personalized: false, at: this.config.now() }),
      'recommend()',
      'recommend_failed',
      this.diagnosticsHub.report,
    );
  }

  /**
   * The last decision of `placement` if all its offers are still eligible for this `context`
   * (`source: 'cache'`), for a first paint.
   */
  async cachedDecision(placement: string, context?: FeatureContext): Promise<Decision | undefined> {
    return this.runtime()
      .then((runtime) => runtime.cachedDecision(placement, context))
      .catch(() => undefined);
  }

  /**
   * Runs queued commands in the shape of the script-tag snippet: `['track', event]`,
   * `['consent', 'granted']`, or a function that receives the instance. Never throws.
   */
  push(...commands: unknown[]): number {
    return runCommands(this, commands, this.diagnosticsHub.report);
  }

  /**
   * Records a GA4 ecommerce event. Resolves once the event is committed to the profile
   * (accepted); rejects with `OfferwiseError` `invalid_event` (the profile unchanged) when the
   * event is malformed. Unknown event names resolve at once and are counted in {@link stats}.
   */
  track(event: TrackEvent): Promise<void> {
    if (this.destroyed) return this.refuseDestroyed('track');
    let result;
    try {
      result = validateEvent(event, this.config.now());
    } catch (error) {
      return quiet(Promise.reject(error));
    }
    if (result.kind === 'ignored') {
      countIgnored(this.counters, result.name);
      return Promise.resolve();
    }
    if (result.kind === 'invalid') {
      this.counters.invalid++;
      this.diagnosticsHub.report('invalid_event', result.error.message);
      return quiet(Promise.reject(result.error));
    }
    return stored(
      this.service.enqueue(result.event).then(() => {
        this.counters.accepted++;
      }),
    );
  }

  /**
   * A snapshot of the local shopper profile; with `group`, the shopper's group, once the decision
   * half has the catalog's segments (computed there, so the tag stays small).
   */
  profile(): Promise<ProfileSnapshot & { group?: ShopperGroup }> {
    if (this.destroyed) return this.refuseDestroyed('profile');
    return stored(this.service.snapshot().then((p) => this.loaded?.withGroup(p) ?? p));
  }

  /** Everything stored about this shopper, as a JSON-serialisable object. */
  exportData(): Promise<ExportedData> {
    if (this.destroyed) return this.refuseDestroyed('exportData');
    return stored(
      Promise.all([
        this.service.exportData(),
        // Without the decision half (its file did not load) the profile is exported alone.
        this.runtime().then(
          (runtime) => runtime.stateContents(),
          () => undefined,
        ),
      ]).then(([profile, decisions]) =>
        decisions === undefined ? profile : { ...profile, decisions },
      ),
    );
  }

  /** Erases everything stored (the database is deleted); the next `profile()` is empty. */
  forget(): Promise<void> {
    if (this.destroyed) return this.refuseDestroyed('forget');
    return quiet(
      Promise.all([
        this.service.forget(),
        this.runtime().then(
          (runtime) => runtime.forget(),
          // Without the decision half, its databases are deleted by name.
          () =>
            deleteDecisionStorage(
              this.config.dbName,
              ['decisions', 'catalog'],
              this.diagnosticsHub.report,
            ),
        ),
      ]).then(() => undefined),
    );
  }

  /**
   * The consent in force; with an argument, changes it (see docs/integrate.md for what each keeps).
   * Under Global Privacy Control a grant counts only as the shopper's own choice, made now:
   * `consent('granted', { source: 'user' })`. A grant without it (a consent banner replaying a
   * stored answer on every page, a queued command) leaves consent `denied` (`gpc_denied`).
   */
  consent(): Consent;
  consent(next: Consent, options?: ConsentOptions): Promise<void>;
  consent(next?: Consent, options?: ConsentOptions): Consent | Promise<void> {
    if (next === undefined) return this.service.consent;
    if (this.destroyed) return this.refuseDestroyed('consent');
    let parsed: Consent;
    try {
      parsed = parseConsent(next, 'consent');
      if (consentSource(options) !== 'user') parsed = this.withGpc(parsed);
    } catch (error) {
      return quiet(Promise.reject(error));
    }
    return quiet(
      this.service.setConsent(parsed).then(async () => {
        // Decision state and measurement follow consent (see Runtime.consentChanged).
        const runtime = await this.runtime().catch(() => undefined);
        if (runtime) await runtime.consentChanged(parsed);
        else if (parsed === 'denied')
          await deleteDecisionStorage(
            this.config.dbName,
            ['decisions'],
            this.diagnosticsHub.report,
          );
      }),
    );
  }

  /** `next`, unless Global Privacy Control overrides a grant: then `denied` (reported). */
  private withGpc(next: Consent): Consent {
    const effective = initialConsent(
      next,
      this.config.honorGlobalPrivacyControl,
      globalPrivacyControl(),
    );
    if (effective !== next) {
      this.diagnosticsHub.report(
        'gpc_denied',
        "Global Privacy Control: a grant without { source: 'user' } counts as denied",
      );
    }
    return effective;
  }

  /** Starts reading GA4 events from a `dataLayer` array (default `window.dataLayer`, created if absent). */
  attachDataLayer(layer?: unknown[]): void {
    if (this.destroyed) return;
    let target = layer;
    if (target === undefined) {
      const w = globalThis as { dataLayer?: unknown };
      if (!Array.isArray(w.dataLayer)) w.dataLayer = [];
      target = w.dataLayer as unknown[];
    }
    this.dataLayers.push(
      attachDataLayer(target, (entry) => {
        this.track(entry as TrackEvent).catch(() => undefined); // reported as a diagnostic already
      }),
    );
  }

  /** Counters of what `track()` did in this page. */
  stats(): TrackStats {
    return structuredClone(this.counters);
  }

  /** The most recent diagnostics (at most 50). */
  diagnostics(): Diagnostic[] {
    return this.diagnosticsHub.list();
  }

  /** Calls `listener` for every later diagnostic; returns the function that stops it. */
  onDiagnostic(listener: DiagnosticListener): () => void {
    return this.diagnosticsHub.listen(listener);
  }

  /**
   * Resolves when everything tracked so far is committed, and the decision half, if it is being
   * loaded, has started (it applies `consentMode` and may change consent).
   */
  settled(): Promise<void> {
    return quiet(Promise.allSettled([this.loading]).then(() => this.service.idle()));
  }

  /** Stops listening to `dataLayer`, stops timers, closes storage after pending writes. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const adapter of this.dataLayers) adapter.detach();
    this.dataLayers = [];
    clearInterval(this.pruneTimer);
    this.loaded?.destroy();
    await this.service.idle().catch(() => undefined);
    this.service.close();
    this.diagnosticsHub.clearListeners();
  }

  private refuseDestroyed(method: string): Promise<never> {
    return quiet(
      Promise.reject(
        new OfferwiseError('destroyed', `${method}(): this offerwise instance was destroyed`),
      ),
    );
  }
}

/**
 * `promise`, its failure turned into `storage_failed` (unless it is an `OfferwiseError` already),
 * and observed: the page may not await it.
 */
function stored<T>(promise: Promise<T>): Promise<T> {
  return quiet(
    promise.catch((error: unknown) => {
      throw error instanceof OfferwiseError
        ? error
        : new OfferwiseError(
            'storage_failed',
            `the profile could not be stored: ${String(error)}`,
            {
              cause: error,
            },
          );
    }),
  );
}

/** Creates an instance and resolves once its profile store is ready (IndexedDB or the memory fallback). */
export async function createOffers(config?: OfferwiseConfig): Promise<Offerwise> {
  const instance = new Offerwise(config);
  await instance.ready;
  return instance;
}
