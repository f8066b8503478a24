import { resolveConfig, type OfferwiseConfig, type ResolvedConfig } from './config.js';
import { attachDataLayer, type DataLayerAdapter } from './events/datalayer.js';
import { validateEvent } from './events/validate.js';
import {
  globalPrivacyControl,
  initialConsent,
  parseConsent,
  type Consent,
} from './privacy/consent.js';
import { ProfileService, type ExportedData } from './profile/service.js';
import type { ProfileSnapshot } from './profile/snapshot.js';
import { Diagnostics, type Diagnostic, type DiagnosticListener } from './util/diagnostics.js';
import { fieldError, OfferwiseError } from './util/errors.js';
import { CatalogSource } from './decide/catalog-source.js';
import { Decider, type DecideRequest, type DecisionInspection } from './decide/decider.js';
import { StateStore } from './decide/state-store.js';
import type { Catalog, Decision } from './decide/types.js';
import { Predictor } from './predictor/predictor.js';
import type { FeatureContext } from './features/spec.js';
import {
  Outbox,
  type FeedbackStatus,
  type FlushSummary,
  type Measurement,
} from './feedback/outbox.js';
import type { FeedbackType } from './feedback/policy.js';
import { quiet } from './util/guards.js';
import {
  MAX_REQUEST_ITEMS,
  rankItems,
  type Recommendation,
  type RecommendRequest,
} from './recommend/recommend.js';

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
  private catalogSource: CatalogSource | undefined;
  private stateStore: StateStore | undefined;
  private predictorInstance: Predictor | undefined;
  private decider: Decider | undefined;
  private outbox: Outbox | undefined;
  /** Decisions made on this page, by id, so that `report()` can log their propensities. */
  private readonly recentDecisions = new Map<string, Decision>();
  /** Resolves when the profile store is open, or has fallen back to memory (within 3 s). Never rejects. */
  readonly ready: Promise<void>;

  /** Use {@link createOffers}; the constructor validates and throws on misconfiguration only. */
  constructor(config: OfferwiseConfig = {}) {
    this.config = resolveConfig(config);
    this.diagnosticsHub = new Diagnostics(this.config.now);
    if (this.config.onDiagnostic) this.diagnosticsHub.listen(this.config.onDiagnostic);
    const gpc = globalPrivacyControl();
    const consent = initialConsent(this.config.consent, this.config.honorGlobalPrivacyControl, gpc);
    if (consent !== this.config.consent) {
      this.diagnosticsHub.report(
        'gpc_denied',
        'Global Privacy Control is on: the configured consent "granted" is treated as "denied" until consent("granted") is called',
      );
    }
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
    this.ready = this.service.prune().then(
      () => undefined,
      () => undefined,
    );
    if (this.config.catalog !== undefined) {
      this.catalogSource = new CatalogSource({
        source: this.config.catalog,
        dbName: `${this.config.dbName}-catalog`,
        now: this.config.now,
        onDiagnostic: (code, message) => this.diagnosticsHub.report(code, message),
      });
    }
    this.outbox = this.makeOutbox(consent);
    // With a catalog and consent, load the model in idle time so that the first decision can use it.
    if (this.catalogSource && consent === 'granted') this.predictor();
    this.pruneTimer = setInterval(() => quiet(this.service.prune()), PRUNE_INTERVAL_MS);
    (this.pruneTimer as { unref?: () => void }).unref?.();
  }

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
      onDiagnostic: (code, message) => this.diagnosticsHub.report(code, message),
    });
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
    if (type === 'claim')
      await this.state()
        .addClaim(offerId)
        .catch(() => undefined);
    if (type === 'dismiss')
      await this.state()
        .record(offerId, decision.placement)
        .catch(() => undefined);
    if (!this.outbox) return { id: null };
    const result = await this.outbox.enqueue({
      type,
      decisionId,
      offerId,
      placement: decision.placement,
      propensity: shown.propensity,
      modelVersion: decision.modelVersion,
    });
    return { id: result.id };
  }

  /**
   * What the feedback outbox holds: pending, in flight, dropped by reason (not yet reported),
   * suppressed, and where it lives. Reads the outbox (for QA tools); never rejects.
   */
  async feedbackStatus(): Promise<FeedbackStatus> {
    if (!this.outbox || this.destroyed) {
      return { storage: 'none', pending: 0, inFlight: 0, dropped: {}, suppressed: 0 };
    }
    return this.outbox.status();
  }

  /** Sends pending feedback now; resolves when what was pending is acknowledged or has failed for a stated reason. */
  async flush(): Promise<FlushSummary> {
    if (!this.outbox || this.destroyed) {
      return {
        delivered: 0,
        dropped: {},
        remaining: 0,
        reason: this.destroyed ? 'destroyed' : 'done',
      };
    }
    return this.outbox.flush();
  }

  private remember(decision: Decision): Decision {
    this.recentDecisions.set(decision.decisionId, decision);
    if (this.recentDecisions.size > 100) {
      this.recentDecisions.delete(this.recentDecisions.keys().next().value as string);
    }
    return decision;
  }

  private state(): StateStore {
    // Decision state (caps, claims, the last decision) follows the profile's consent: on disk only when granted.
    this.stateStore ??= new StateStore({
      dbName: `${this.config.dbName}-decisions`,
      now: this.config.now,
      memoryOnly: this.service.consent !== 'granted',
      onDiagnostic: (code, message) => this.diagnosticsHub.report(code, message),
    });
    return this.stateStore;
  }

  /** The predictor, created on first use; its worker starts when the page is idle. */
  private predictor(): Predictor {
    this.predictorInstance ??= new Predictor({
      ...(this.config.model !== undefined ? { model: this.config.model } : {}),
      onDiagnostic: (code, message) => this.diagnosticsHub.report(code, message),
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
      },
      this.config.decisions,
    );
    return this.decider;
  }

  /**
   * Decides which offers `placement` shows (see the README). Rejects only for a malformed request
   * (`invalid_input`); any other failure gives an empty decision and a diagnostic.
   */
  async decide(request: DecideRequest): Promise<Decision> {
    if (this.destroyed) return this.refuseDestroyed('decide');
    try {
      return this.remember(await this.decisions().decide(request));
    } catch (error) {
      if (error instanceof OfferwiseError && error.code === 'invalid_input') throw error;
      this.diagnosticsHub.report('decide_failed', `decide(): ${String(error)}; showing nothing`);
      return {
        decisionId: newDecisionId(),
        placement: String((request as { placement?: unknown } | undefined)?.placement ?? ''),
        offers: [],
        modelVersion: 'none',
        source: 'fallback',
        at: this.config.now(),
      };
    }
  }

  /**
   * What a decision of this page weighed (for QA tools such as the demo's panel): every eligible
   * candidate with its score, the model's outputs and, for shown offers, the logged propensity.
   * Kept in memory for the last 100 decisions; undefined for any other id. Nothing leaves the page.
   */
  inspect(decisionId: string): DecisionInspection | undefined {
    if (this.destroyed || !this.decider) return undefined;
    return this.decider.inspect(decisionId);
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
    try {
      return await this.catalogSource?.current();
    } catch {
      return undefined;
    }
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
    const at = this.config.now();
    try {
      const catalog = await this.catalogSource?.current();
      if (!catalog) return { placement, items: [], personalized: false, at };
      const personalized = this.service.consent === 'granted';
      const profile = personalized ? await this.service.snapshot({ cached: true }) : undefined;
      const listed = catalog.placements[placement];
      const candidates = request.candidates ?? listed?.items;
      const items = rankItems(
        {
          items: catalog.items,
          profile,
          limit: request.limit ?? listed?.limit ?? 8,
          ...(candidates !== undefined ? { candidates } : {}),
          ...(request.exclude !== undefined ? { exclude: request.exclude } : {}),
        },
        this.config.recommendations,
      );
      return { placement, items, personalized, at };
    } catch (error) {
      this.diagnosticsHub.report(
        'recommend_failed',
        `recommend(): ${String(error)}; showing nothing`,
      );
      return { placement, items: [], personalized: false, at };
    }
  }

  /**
   * The last decision of `placement` if all its offers are still eligible for this `context`
   * (`source: 'cache'`), for a first paint.
   */
  async cachedDecision(placement: string, context?: FeatureContext): Promise<Decision | undefined> {
    if (this.destroyed) return undefined;
    try {
      const cached = await this.decisions().cached(placement, context);
      return cached ? this.remember(cached) : undefined;
    } catch {
      return undefined;
    }
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
      Promise.all([this.service.exportData(), this.state().contents()]).then(
        ([profile, decisions]) => ({ ...profile, decisions }),
        (e: unknown) => Promise.reject(storageError(e)),
      ),
    );
  }

  /** Erases everything stored (the database is deleted); the next `profile()` is empty. */
  forget(): Promise<void> {
    if (this.destroyed) return this.refuseDestroyed('forget');
    const state = this.stateStore;
    this.stateStore = undefined;
    return quiet(
      Promise.all([
        this.service.forget(),
        (state ?? this.state()).forget(),
        // Not personal, but a cache like the rest: nothing of offerwise stays on the device.
        this.catalogSource?.forget(),
      ]).then(() => {
        this.stateStore = undefined;
      }),
    );
  }

  /** The consent in force; with an argument, changes it (see the README for what each keeps). */
  consent(): Consent;
  consent(next: Consent): Promise<void>;
  consent(next?: Consent): Consent | Promise<void> {
    if (next === undefined) return this.service.consent;
    if (this.destroyed) return this.refuseDestroyed('consent');
    let parsed: Consent;
    try {
      parsed = parseConsent(next, 'consent');
    } catch (error) {
      return quiet(Promise.reject(error));
    }
    return quiet(
      this.service.setConsent(parsed).then(async () => {
        // Decision state follows consent: a new store on disk or in memory; denied erases the disk copy.
        const previous = this.stateStore;
        this.stateStore = undefined;
        previous?.close();
        // Measurement follows consent; rows already accepted stay in the outbox and are sent.
        this.outbox?.destroy();
        this.outbox = this.makeOutbox(parsed);
        if (parsed === 'denied')
          await new StateStore({ dbName: `${this.config.dbName}-decisions` }).forget();
      }),
    );
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
    this.catalogSource?.destroy();
    this.predictorInstance?.destroy();
    this.outbox?.destroy();
    this.stateStore?.close();
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

/** A random id for a decision (UUID v4 where the browser has `crypto.randomUUID`). */
function newDecisionId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c) c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
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
