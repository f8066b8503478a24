import { resolveConfig, type OfferwiseConfig, type ResolvedConfig } from './config.js';
import type { DecideRequest, DecisionInspection } from './decide/decider.js';
import { emptyDecision } from './decide/empty.js';
import type { Catalog, Decision } from './decide/types.js';
import { attachDataLayer, type DataLayerAdapter } from './events/datalayer.js';
import { validateEvent } from './events/validate.js';
import type { FeatureContext } from './features/spec.js';
import type { FeedbackStatus, FlushSummary } from './feedback/outbox.js';
import type { FeedbackType } from './feedback/policy.js';
import { purgeDecisions } from './feedback/purge.js';
import {
  globalPrivacyControl,
  initialConsent,
  parseConsent,
  type Consent,
} from './privacy/consent.js';
import { ProfileService, type ExportedData } from './profile/service.js';
import type { ProfileSnapshot } from './profile/snapshot.js';
import {
  MAX_REQUEST_ITEMS,
  type Recommendation,
  type RecommendRequest,
} from './recommend/recommend.js';
import type { Runtime } from './decision-half.js';
// The ESM build links the decision half in; the script tag swaps this module for
// src/script-tag/loader.ts, which loads it as a second file when the page needs it.
import { loadRuntime, scheduleRuntime, type RuntimeModule } from './decision-half-loader.js';
import { Diagnostics, type Diagnostic, type DiagnosticListener } from './util/diagnostics.js';
import { fieldError, OfferwiseError } from './util/errors.js';
import { quiet } from './util/guards.js';
import { deleteDatabase } from './util/idb.js';

/** How often raw events past retention are deleted while a page stays open. */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const MAX_IGNORED_NAMES = 100;
/** Methods reachable through {@link Offerwise.push}. */
const COMMANDS = new Set(['track', 'consent', 'forget', 'attachDataLayer']);

/** Counters of what `track()` did in this page. */
export interface TrackStats {
  /** Events committed to the profile. */
  accepted: number;
  /** Inputs refused by validation. */
  invalid: number;
  /** Unknown event names, by name (at most 100 names; the rest under `"(other)"`). */
  ignored: Record<string, number>;
  /** Purchases not counted again because their `transaction_id` was already recorded. */
  duplicatePurchases: number;
}

/** One offerwise instance. Every method is safe to call from the host page: none throws. */
export class Offerwise {
  private readonly config: ResolvedConfig;
  private readonly diagnosticsHub: Diagnostics;
  private readonly service: ProfileService;
  private readonly counters: TrackStats = {
    accepted: 0,
    invalid: 0,
    ignored: {},
    duplicatePurchases: 0,
  };
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
    if (consent === 'denied')
      void purgeDecisions(this.config.dbName, (code, message) =>
        this.diagnosticsHub.report(code, message),
      );
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
    if (this.loaded) return Promise.resolve(this.loaded);
    if (this.destroyed) return this.refuseDestroyed('runtime');
    if (this.loading) return this.loading;
    const create = (module: RuntimeModule) => {
      if (this.destroyed)
        throw new OfferwiseError('destroyed', 'this offerwise instance was destroyed');
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
    const runtime = this.destroyed ? undefined : await this.runtime().catch(() => undefined);
    if (!runtime) return { storage: 'none', pending: 0, inFlight: 0, dropped: {}, suppressed: 0 };
    return runtime.feedbackStatus();
  }

  /** Sends pending feedback now; resolves when what was pending is acknowledged or has failed for a stated reason. */
  async flush(): Promise<FlushSummary> {
    const runtime = this.destroyed ? undefined : await this.runtime().catch(() => undefined);
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
   * Decides which offers `placement` shows (see the README). Rejects only for a malformed request
   * (`invalid_input`); any other failure gives an empty decision and a diagnostic.
   */
  async decide(request: DecideRequest): Promise<Decision> {
    if (this.destroyed) return this.refuseDestroyed('decide');
    let runtime: Runtime;
    try {
      runtime = await this.runtime();
    } catch (error) {
      this.diagnosticsHub.report('decide_failed', `decide(): ${String(error)}; showing nothing`);
      return emptyDecision(request, this.config.now());
    }
    return runtime.decide(request);
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
  async muteInterest(category: string): Promise<void> {
    if (this.destroyed) return this.refuseDestroyed('muteInterest');
    await this.service
      .setMuted(checkCategory(category, 'muteInterest()'), true)
      .catch((e: unknown) => {
        throw storageError(e);
      });
  }

  /** Uses the shopper's interest in `category` again. */
  async unmuteInterest(category: string): Promise<void> {
    if (this.destroyed) return this.refuseDestroyed('unmuteInterest');
    await this.service
      .setMuted(checkCategory(category, 'unmuteInterest()'), false)
      .catch((e: unknown) => {
        throw storageError(e);
      });
  }

  /**
   * The validated catalog in use (offers, items, placements; times in ms on the shop's clock,
   * `server_time - received_at` is the clock offset), or undefined when there is none yet. The
   * elements read offers' titles, codes and items from it. Never rejects.
   */
  async catalog(): Promise<Catalog | undefined> {
    if (this.destroyed) return undefined;
    const runtime = await this.runtime().catch(() => undefined);
    return runtime?.catalog();
  }

  /**
   * Ranks items for this shopper on the device (see the README): the catalog's item neighbours of
   * the shopper's recent items, category interest and popularity; never items in the cart or
   * bought. Rejects only for a malformed request (`invalid_input`); any other failure gives an
   * empty list and a `recommend_failed` diagnostic.
   */
  async recommend(request: RecommendRequest): Promise<Recommendation> {
    if (this.destroyed) return this.refuseDestroyed('recommend');
    const placement = checkRecommendRequest(request);
    let runtime: Runtime;
    try {
      runtime = await this.runtime();
    } catch (error) {
      this.diagnosticsHub.report(
        'recommend_failed',
        `recommend(): ${String(error)}; showing nothing`,
      );
      return { placement, items: [], personalized: false, at: this.config.now() };
    }
    return runtime.recommend(request, placement);
  }

  /**
   * The last decision of `placement` if all its offers are still eligible for this `context`
   * (`source: 'cache'`), for a first paint.
   */
  async cachedDecision(placement: string, context?: FeatureContext): Promise<Decision | undefined> {
    if (this.destroyed) return undefined;
    const runtime = await this.runtime().catch(() => undefined);
    return runtime?.cachedDecision(placement, context);
  }

  /**
   * Runs queued commands in the shape of the script-tag snippet: `['track', event]`,
   * `['consent', 'granted']`, or a function that receives the instance. Never throws.
   */
  push(...commands: unknown[]): number {
    for (const command of commands) {
      try {
        if (typeof command === 'function') {
          (command as (ow: Offerwise) => unknown)(this);
        } else if (
          Array.isArray(command) &&
          typeof command[0] === 'string' &&
          COMMANDS.has(command[0])
        ) {
          const [method, ...args] = command as [string, ...unknown[]];
          const result = (this as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(
            ...args,
          );
          if (result instanceof Promise) result.catch(() => undefined);
        } else {
          this.diagnosticsHub.report(
            'invalid_command',
            `offerwise.push: got ${Array.isArray(command) ? `["${String(command[0])}", ...]` : typeof command}, expected ["track", event], ["consent", state] or a function`,
          );
        }
      } catch (error) {
        this.diagnosticsHub.report('command_failed', `offerwise.push: ${String(error)}`);
      }
    }
    return commands.length;
  }

  /**
   * Records a GA4 ecommerce event. Resolves once the event is committed to the profile
   * (accepted); rejects with `OfferwiseError` `invalid_event` (the profile unchanged) when the
   * event is malformed. Unknown event names resolve at once and are counted in {@link stats}.
   */
  track(event: unknown): Promise<void> {
    if (this.destroyed) return this.refuseDestroyed('track');
    let result;
    try {
      result = validateEvent(event, this.config.now());
    } catch (error) {
      return quiet(Promise.reject(error));
    }
    if (result.kind === 'ignored') {
      const names = this.counters.ignored;
      const key =
        result.name in names || Object.keys(names).length < MAX_IGNORED_NAMES
          ? result.name
          : '(other)';
      names[key] = (names[key] ?? 0) + 1;
      return Promise.resolve();
    }
    if (result.kind === 'invalid') {
      this.counters.invalid++;
      this.diagnosticsHub.report('invalid_event', result.error.message);
      return quiet(Promise.reject(result.error));
    }
    return quiet(
      this.service.enqueue(result.event).then(
        () => {
          this.counters.accepted++;
        },
        (error: unknown) => {
          throw storageError(error);
        },
      ),
    );
  }

  /** A snapshot of the local shopper profile. */
  profile(): Promise<ProfileSnapshot> {
    if (this.destroyed) return this.refuseDestroyed('profile');
    return quiet(this.service.snapshot().catch((e: unknown) => Promise.reject(storageError(e))));
  }

  /** Everything stored about this shopper, as a JSON-serialisable object. */
  exportData(): Promise<ExportedData> {
    if (this.destroyed) return this.refuseDestroyed('exportData');
    return quiet(
      Promise.all([
        this.service.exportData(),
        // Without the decision half (its file did not load) the profile is exported alone.
        this.runtime().then(
          (runtime) => runtime.stateContents(),
          () => undefined,
        ),
      ]).then(
        ([profile, decisions]) => (decisions === undefined ? profile : { ...profile, decisions }),
        (e: unknown) => Promise.reject(storageError(e)),
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
          () => this.deleteDecisionDatabases(['decisions', 'catalog']),
        ),
      ]).then(() => undefined),
    );
  }

  /**
   * The consent in force; with an argument, changes it (see the README for what each keeps).
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
        else if (parsed === 'denied') await this.deleteDecisionDatabases(['decisions']);
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
        this.track(entry).catch(() => undefined); // reported as a diagnostic already
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

  /** Resolves when everything tracked so far is committed. */
  settled(): Promise<void> {
    return quiet(this.service.idle());
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

  /**
   * Deletes the decision half's databases by name (when it could not be loaded), and the stored
   * feedback rows tied to a decision: row by row, since other tabs may hold the outbox open and
   * its drop counters say nothing about the shopper.
   */
  private async deleteDecisionDatabases(suffixes: string[]): Promise<void> {
    const report = (code: string, message: string) => this.diagnosticsHub.report(code, message);
    await Promise.all([
      ...suffixes.map((suffix) =>
        deleteDatabase(
          `${this.config.dbName}-${suffix}`,
          'forget_pending',
          `${suffix} database`,
          report,
        ),
      ),
      purgeDecisions(this.config.dbName, report),
    ]);
  }

  private refuseDestroyed(method: string): Promise<never> {
    return quiet(
      Promise.reject(
        new OfferwiseError('destroyed', `${method}(): this offerwise instance was destroyed`),
      ),
    );
  }
}

/** Options of {@link Offerwise.consent}. */
export interface ConsentOptions {
  /**
   * `'user'`: the shopper made this choice just now (a click in the consent banner). Only such a
   * grant overrides Global Privacy Control; a replayed or configured one does not.
   */
  source?: 'user';
}

function consentSource(options: unknown): ConsentOptions['source'] {
  const source = (options as { source?: unknown } | undefined)?.source;
  if (options === undefined || source === 'user') return source as ConsentOptions['source'];
  throw fieldError('invalid_consent', 'consent().options', options, "{ source: 'user' }");
}

function storageError(error: unknown): OfferwiseError {
  if (error instanceof OfferwiseError) return error;
  return new OfferwiseError('storage_failed', `the profile could not be stored: ${String(error)}`, {
    cause: error,
  });
}

/** Creates an instance and resolves once its profile store is ready (IndexedDB or the memory fallback). */
export async function createOffers(config?: OfferwiseConfig): Promise<Offerwise> {
  const instance = new Offerwise(config);
  await instance.ready;
  return instance;
}

/** Validates a `recommend()` request; returns the placement. */
function checkRecommendRequest(request: RecommendRequest): string {
  if (request === null || typeof request !== 'object') {
    throw fieldError(
      'invalid_input',
      'recommend()',
      request,
      'an object like { placement: "product" }',
    );
  }
  const { placement, limit } = request;
  if (typeof placement !== 'string' || placement.trim() === '') {
    throw fieldError('invalid_input', 'recommend().placement', placement, 'a placement name');
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 50)) {
    throw fieldError('invalid_input', 'recommend().limit', limit, 'a whole number from 1 to 50');
  }
  for (const key of ['candidates', 'exclude'] as const) {
    const list: unknown = request[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length > MAX_REQUEST_ITEMS) {
      throw fieldError(
        'invalid_input',
        `recommend().${key}`,
        list,
        `an array of at most ${MAX_REQUEST_ITEMS} item ids`,
      );
    }
    list.forEach((id: unknown, i) => {
      if (typeof id !== 'string' || id === '') {
        throw fieldError('invalid_input', `recommend().${key}[${i}]`, id, 'a non-empty string');
      }
    });
  }
  return placement;
}

/** A category as the catalog and the profile store it: trimmed, lower-case, 1–200 characters. */
function checkCategory(category: unknown, method: string): string {
  const value = typeof category === 'string' ? category.trim().toLowerCase() : '';
  if (value === '' || value.length > 200) {
    throw fieldError(
      'invalid_input',
      `${method}.category`,
      category,
      'a category name of 1 to 200 characters',
    );
  }
  return value;
}
