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
import { OfferwiseError } from './util/errors.js';
import { quiet } from './util/guards.js';

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
    this.pruneTimer = setInterval(() => quiet(this.service.prune()), PRUNE_INTERVAL_MS);
    (this.pruneTimer as { unref?: () => void }).unref?.();
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
    return quiet(this.service.exportData().catch((e: unknown) => Promise.reject(storageError(e))));
  }

  /** Erases everything stored (the database is deleted); the next `profile()` is empty. */
  forget(): Promise<void> {
    if (this.destroyed) return this.refuseDestroyed('forget');
    return quiet(this.service.forget());
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
    return quiet(this.service.setConsent(parsed));
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
