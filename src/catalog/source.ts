import type { DBSchema, IDBPObjectStore } from 'idb';
import type { DiagnosticCode, ReportDiagnostic } from '../util/diagnostic-codes.js';
import { OfferwiseError } from '../util/errors.js';
import { deleteDatabase, IdbConnection, OPEN_TIMEOUT_MS } from '../util/idb.js';
import { isPlainObject, quiet } from '../util/guards.js';
import { validateCatalog, type CatalogProblem } from './validate.js';
import { allowedImageOrigins, dropForeignImages, type DroppedImage } from './image-origins.js';
import {
  LEARNING_KINDS,
  sha256Hex,
  validateLearningFile,
  type LearningFileRef,
  type LearningFiles,
  type LearningKind,
  type LearningRefs,
} from './learning-files.js';
import type { Catalog } from '../decide/types.js';

export const CATALOG_DB_NAME = 'offerwise-catalog';
const STORE = 'catalog';
const KEY = 'last';
const DB_VERSION = 1;

/** Defaults of {@link CatalogSourceOptions}. */
export const CATALOG_SOURCE_DEFAULTS = {
  timeoutMs: 5000,
  waitMs: 1000,
  /** A persisted catalog older than this (by its `received_at`) is not used. */
  maxAgeMs: 7 * 24 * 3600_000,
} as const;
/** First retry delay; doubles per failure up to {@link RETRY_MAX_MS}. */
export const RETRY_MIN_MS = 1000;
export const RETRY_MAX_MS = 5 * 60_000;
/** How long opening or deleting the catalog database may take before we go on without it. */
export const CATALOG_DB_TIMEOUT_MS = OPEN_TIMEOUT_MS;
/** Skipped parts reported one by one per received catalog; the rest are summed up in one line. */
export const MAX_PROBLEM_DIAGNOSTICS = 20;

/**
 * What is persisted: the last good catalog as received, for the source it came from (key
 * `last`); and each learning file it names as received, under `file:<kind>:<sha256>` (`source` is
 * its URL).
 */
export interface StoredCatalog {
  source: string;
  json: string;
  received_at: number;
}

interface CatalogDB extends DBSchema {
  catalog: { key: string; value: StoredCatalog };
}

export interface CatalogSourceOptions {
  /** The catalog's URL, or the catalog object itself (then nothing is fetched or persisted). */
  source: string | object;
  /** Wall clock (ms); stamps `received_at`. */
  now?: () => number;
  onDiagnostic?: ReportDiagnostic;
  dbName?: string;
  fetch?: typeof fetch;
  /** Per-attempt limit for the request and its body. */
  timeoutMs?: number;
  /** How long {@link CatalogSource.current} waits for the first fetch before using the persisted catalog. */
  waitMs?: number;
  maxAgeMs?: number;
  /** Jitter source in [0, 1); tests pin it. */
  random?: () => number;
  /**
   * Origins catalog images may load from besides the page's own (validated `https:` origins, see
   * `parseImageOrigin`). Default: the catalog URL's origin, when the catalog is fetched.
   */
  imageOrigins?: readonly string[];
}

/**
 * Delay before retry number `failures` (1 = after the first failure): 1 s doubling to 5 min,
 * with jitter drawn from the upper half of that window so tabs spread out but never hammer.
 */
export function retryDelay(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}

class Unavailable extends Error {}

/** Rejects with `onLate`'s error after `ms`; `onLate` also gets to clean up (abort, close). */
function deadline<T>(promise: Promise<T>, ms: number, onLate: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onLate()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms / 6000) / 10} min`;
}

/**
 * Where decisions get their catalog: a URL fetched once per page (retried with backoff while it
 * fails) or an object given in the config. The last good fetched catalog is kept in IndexedDB so
 * a reload or a failing server still has offers. Never throws and never rejects: failures become
 * diagnostics (`catalog_unavailable`, `invalid_catalog`, `catalog_offer_skipped`,
 * `catalog_entry_skipped`, `catalog_image_dropped`, `storage_fallback`).
 *
 * The learning files a catalog names by URL (`segments`, `effects`: see ./learning-files.ts) are
 * fetched the same way (same timeout, retried with the same backoff while they cannot be fetched)
 * and used only when their bytes have the SHA-256 the catalog names and they validate; each good
 * one is kept in IndexedDB under its SHA-256, so a later page reads it without a request.
 * Decisions never wait for them more than `waitMs`, and go on without a file that failed
 * (`segments_unavailable`, `segments_invalid`, `effects_unavailable`, `effects_invalid`).
 */
export class CatalogSource {
  private readonly url: string | undefined;
  private readonly now: () => number;
  private readonly report: ReportDiagnostic;
  private readonly dbName: string;
  private readonly fetchFn: typeof fetch | undefined;
  private readonly timeoutMs: number;
  private readonly waitMs: number;
  private readonly maxAgeMs: number;
  private readonly random: () => number;
  /** Where catalog images may come from; other images are dropped. */
  private readonly imageOrigins: readonly string[];

  /** Received on this page (fetched, or the config object). */
  private fetched: Catalog | undefined;
  /** Loaded from IndexedDB. */
  private persisted: Catalog | undefined;
  private readonly persistedLoad: Promise<void>;
  /**
   * Settles once the first fetch has a catalog or has failed, without waiting for the catalog to
   * be written to IndexedDB: a first paint needs the catalog, not its copy on disk.
   */
  private readonly firstAttempt: Promise<void>;
  /** Settles `firstAttempt`; undefined once it has (or without a URL to fetch). */
  private firstDone: (() => void) | undefined;
  /** The last catalog write (never rejects: storage failures are reported and absorbed). */
  private writes: Promise<void> = Promise.resolve();
  private inFlight: Promise<void> | undefined;
  private controller: AbortController | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private destroyed = false;
  private readonly link: IdbConnection<CatalogDB>;
  /** Set once IndexedDB failed: the source then lives in memory only. */
  private memoryOnly = false;
  /** The learning files each catalog of this source names by URL. */
  private readonly refs = new WeakMap<Catalog, LearningRefs>();
  /** Learning files checked on this page, by `<kind>:<sha256>`. */
  private readonly files = new Map<string, LearningFiles[LearningKind]>();
  /** Learning files being read or fetched, by the same key. */
  private readonly loadingFiles = new Map<string, Promise<void>>();
  /** Failed fetches of a learning file (for the backoff), and its retry timer, by the same key. */
  private readonly fileFailures = new Map<string, number>();
  private readonly fileTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** The learning files that failed for good on this page (refused: no retry). */
  private readonly refusedFiles = new Set<string>();
  /** The last catalog {@link current} handed out with its files, to hand out the same object. */
  private decorated: { base: Catalog; keys: string; catalog: Catalog } | undefined;

  constructor(options: CatalogSourceOptions) {
    this.now = options.now ?? Date.now;
    const listener = options.onDiagnostic;
    this.report = (code, message) => {
      try {
        listener?.(code, message);
      } catch {
        // An integrator's listener must not break the catalog.
      }
    };
    this.dbName = options.dbName ?? CATALOG_DB_NAME;
    this.link = new IdbConnection<CatalogDB>({
      name: this.dbName,
      version: DB_VERSION,
      upgrade: (db) => {
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
      },
      prefix: 'storage',
      label: 'catalog database',
      report: this.report,
    });
    this.fetchFn =
      options.fetch ??
      (typeof globalThis.fetch === 'function'
        ? (input, init) => globalThis.fetch(input, init)
        : undefined);
    this.timeoutMs = options.timeoutMs ?? CATALOG_SOURCE_DEFAULTS.timeoutMs;
    this.waitMs = options.waitMs ?? CATALOG_SOURCE_DEFAULTS.waitMs;
    this.maxAgeMs = options.maxAgeMs ?? CATALOG_SOURCE_DEFAULTS.maxAgeMs;
    this.random = options.random ?? Math.random;

    const source = options.source;
    this.imageOrigins = allowedImageOrigins(
      options.imageOrigins,
      typeof source === 'string' && source.trim() !== '' ? source.trim() : undefined,
    );
    if (typeof source === 'string' && source.trim() !== '') {
      this.url = source.trim();
      this.persistedLoad = this.loadPersisted();
      this.firstAttempt = new Promise<void>((resolve) => (this.firstDone = resolve));
      void this.refresh();
    } else {
      this.url = undefined;
      this.persistedLoad = Promise.resolve();
      this.firstAttempt = Promise.resolve();
      if (isPlainObject(source)) {
        this.accept(source, 'the catalog object');
      } else {
        this.report(
          'invalid_catalog',
          `catalog source: got ${typeof source === 'string' ? '""' : typeof source}, expected a URL or a catalog object`,
        );
      }
    }
  }

  /**
   * The freshest good catalog: received on this page, else the persisted one, else `undefined`.
   * Waits for the first fetch at most `waitMs` before settling for the persisted catalog.
   */
  async current(): Promise<Catalog | undefined> {
    const catalog = await this.currentBase();
    return catalog && this.withLearningFiles(catalog);
  }

  private async currentBase(): Promise<Catalog | undefined> {
    if (this.fetched || this.url === undefined) return this.fetched;
    if (this.firstDone) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.firstAttempt,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.waitMs);
        }),
      ]);
      clearTimeout(timer);
      if (this.fetched) return this.fetched;
    }
    await this.persistedLoad;
    return this.fetched ?? this.persisted;
  }

  /** Fetches the catalog now (joining a fetch already under way); never rejects. */
  refresh(): Promise<void> {
    if (this.destroyed || this.url === undefined) return Promise.resolve();
    if (this.inFlight) return this.inFlight;
    this.clearRetry();
    // Settled once the fetch has its outcome: a refresh from then on fetches again, while the
    // returned promise still waits for the catalog to be written.
    const attempt: Promise<void> = this.attempt(this.url, () => this.settled(attempt))
      .catch((error: unknown) => this.report('catalog_unavailable', `catalog: ${String(error)}`))
      .finally(() => this.settled(attempt));
    this.inFlight = attempt;
    return attempt;
  }

  /** `attempt`'s fetch has a catalog or has failed; only writing it may remain. */
  private settled(attempt: Promise<void>): void {
    if (this.inFlight === attempt) this.inFlight = undefined;
    this.firstDone?.();
    this.firstDone = undefined;
  }

  /** Stops retries and any fetch under way, and closes the database. */
  destroy(): void {
    this.destroyed = true;
    this.clearRetry();
    for (const timer of this.fileTimers.values()) clearTimeout(timer);
    this.fileTimers.clear();
    this.controller?.abort();
    this.link.close();
  }

  /** Deletes the persisted catalog (the whole database). The catalog of this page stays. */
  async forget(): Promise<void> {
    this.persisted = undefined;
    this.link.drop();
    await deleteDatabase(this.dbName, 'storage_failed', 'catalog database', this.report);
  }

  // ---- fetching ----

  /** Fetches and accepts the catalog (`received` once it is accepted), then writes it. */
  private async attempt(url: string, received: () => void): Promise<void> {
    let text: string;
    try {
      text = await this.download(url);
    } catch (error) {
      if (this.destroyed) return;
      const reason = error instanceof Error ? error.message : String(error);
      this.fail('catalog_unavailable', `catalog ${url}: ${reason}`);
      return;
    }
    if (this.destroyed) return;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.fail('catalog_unavailable', `catalog ${url}: the response is not JSON`);
      return;
    }
    const receivedAt = this.now();
    if (!this.accept(raw, `catalog ${url}`, receivedAt)) {
      this.fail();
      return;
    }
    this.failures = 0;
    received();
    await this.persist({ source: url, json: text, received_at: receivedAt });
  }

  /** The response body (as text by default), within the timeout; rejects with a readable reason. */
  private download(url: string): Promise<string>;
  private download<T>(url: string, read: (response: Response) => Promise<T>): Promise<T>;
  private download(
    url: string,
    read: (response: Response) => Promise<unknown> = (response) => response.text(),
  ): Promise<unknown> {
    const fetchFn = this.fetchFn;
    if (!fetchFn) return Promise.reject(new Unavailable('fetch is not available'));
    const controller = new AbortController();
    this.controller = controller;
    const request = (async () => {
      const response = await fetchFn(url, {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
        signal: controller.signal,
      });
      if (!response.ok) {
        quiet(response.body?.cancel() ?? Promise.resolve());
        throw new Unavailable(
          `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
        );
      }
      return read(response);
    })();
    quiet(request);
    return deadline(request, this.timeoutMs, () => {
      controller.abort();
      return new Unavailable(`no answer within ${this.timeoutMs} ms`);
    }).catch((error: unknown) => {
      if (error instanceof Unavailable) throw error;
      const name = (error as { name?: unknown } | null)?.name;
      throw new Unavailable(
        name === 'AbortError' ? 'the request was aborted' : `network error (${String(error)})`,
      );
    });
  }

  /** Validates and adopts a catalog received on this page; false (and a diagnostic) if refused. */
  private accept(raw: unknown, what: string, receivedAt: number = this.now()): boolean {
    let result: ReturnType<typeof validateCatalog>;
    try {
      result = validateCatalog(raw, receivedAt);
    } catch (error) {
      const message = error instanceof OfferwiseError ? error.message : String(error);
      this.report('invalid_catalog', `${what} was refused: ${message}`);
      return false;
    }
    const images = dropForeignImages(result.catalog, this.imageOrigins);
    this.fetched = images.catalog;
    this.refs.set(images.catalog, result.learning);
    this.loadLearningFiles(result.learning);
    this.reportProblems(result.problems);
    this.reportImages(images.dropped);
    return true;
  }

  private reportImages(dropped: DroppedImage[]): void {
    for (const image of dropped.slice(0, MAX_PROBLEM_DIAGNOSTICS)) {
      this.report('catalog_image_dropped', image.message);
    }
    const more = dropped.length - MAX_PROBLEM_DIAGNOSTICS;
    if (more > 0) {
      const origins = [...new Set(dropped.map((d) => d.origin))].slice(0, 5).join(', ');
      this.report(
        'catalog_image_dropped',
        `${more} more images dropped (${dropped.length} in all, from ${origins}); add their origins to imageOrigins to show them`,
      );
    }
  }

  private reportProblems(problems: CatalogProblem[]): void {
    for (const problem of problems.slice(0, MAX_PROBLEM_DIAGNOSTICS)) {
      const kind = LEARNING_KINDS.find(
        (k) => problem.field === k || problem.field.startsWith(`${k}.`),
      );
      const code = problem.field.startsWith('offers[')
        ? 'catalog_offer_skipped'
        : kind
          ? (`${kind}_invalid` as const)
          : 'catalog_entry_skipped';
      this.report(code, `skipped ${problem.message}`);
    }
    const more = problems.length - MAX_PROBLEM_DIAGNOSTICS;
    if (more > 0) {
      this.report(
        'catalog_offer_skipped',
        `${more} more catalog problems not listed (${problems.length} in all); validate the catalog to see them all`,
      );
    }
  }

  /** Reports a failed attempt (unless already reported) and schedules the next one. */
  private fail(code?: DiagnosticCode, message?: string): void {
    this.failures++;
    const delay = retryDelay(this.failures, this.random);
    if (code !== undefined && message !== undefined) {
      this.report(
        code,
        `${message}; offers come from the last good catalog, if any; retrying in ${seconds(delay)}`,
      );
    }
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.refresh();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  // ---- persistence ----

  /**
   * Runs `fn` on the catalog store in one transaction (see `IdbConnection.transaction`); once
   * storage failed, the source lives in memory only and `fn` is not run.
   */
  private async withStore<M extends 'readonly' | 'readwrite', T>(
    mode: M,
    fn: (store: IDBPObjectStore<CatalogDB, ['catalog'], 'catalog', M>) => Promise<T>,
  ): Promise<T | undefined> {
    if (this.memoryOnly || this.destroyed) return undefined;
    try {
      return await this.link.transaction([STORE], mode, (tx) => fn(tx.objectStore(STORE)));
    } catch (error) {
      if (!this.destroyed) this.storageFailed(error);
      return undefined;
    }
  }

  private storageFailed(error: unknown): void {
    if (this.memoryOnly) return;
    this.memoryOnly = true;
    this.link.close();
    this.report(
      'storage_fallback',
      `the catalog cannot be kept in IndexedDB (${error instanceof Error ? error.message : String(error)}); a reload will fetch it again`,
    );
  }

  private loadPersisted(): Promise<void> {
    return this.readPersisted().catch((error: unknown) => this.storageFailed(error));
  }

  private async readPersisted(): Promise<void> {
    const stored = await this.withStore('readonly', (store) => store.get(KEY));
    if (
      !stored ||
      stored.source !== this.url ||
      typeof stored.json !== 'string' ||
      typeof stored.received_at !== 'number' ||
      this.now() - stored.received_at > this.maxAgeMs
    ) {
      return;
    }
    try {
      // Validated again: the rules (and the allowed image origins) may have changed since.
      const { catalog, learning } = validateCatalog(JSON.parse(stored.json), stored.received_at);
      this.persisted = dropForeignImages(catalog, this.imageOrigins).catalog;
      this.refs.set(this.persisted, learning);
      this.loadLearningFiles(learning);
    } catch {
      // No longer a valid catalog: as if nothing were stored.
    }
  }

  /**
   * Writes the received catalog. Writes go one after another in the order the catalogs were
   * received, so that a slow write of an older catalog cannot land after a newer one (a refresh
   * may start while the last catalog is still being written).
   */
  private persist(record: StoredCatalog): Promise<void> {
    const write = this.writes.then(async () => {
      await this.withStore('readwrite', (store) => store.put(record, KEY));
    });
    this.writes = write;
    return write;
  }

  // ---- learning files ----

  /**
   * `catalog` with the learning files it names that are checked by now, waiting at most `waitMs`
   * for those still loading. The same object while nothing changed.
   */
  private async withLearningFiles(catalog: Catalog): Promise<Catalog> {
    const refs = this.refs.get(catalog);
    if (!refs || (!refs.segments && !refs.effects)) return catalog;
    const pending = LEARNING_KINDS.flatMap((kind) => {
      const ref = refs[kind];
      const loading = ref && this.loadingFiles.get(fileKey(kind, ref));
      return loading ? [loading] : [];
    });
    if (pending.length > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(pending),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.waitMs);
        }),
      ]);
      clearTimeout(timer);
    }
    const found: Partial<LearningFiles> = {};
    const keys: string[] = [];
    for (const kind of LEARNING_KINDS) {
      const ref = refs[kind];
      const file = ref && this.files.get(fileKey(kind, ref));
      if (!file) continue;
      (found as Record<string, unknown>)[kind] = file;
      keys.push(fileKey(kind, ref));
    }
    if (keys.length === 0) return catalog;
    const key = keys.join(' ');
    const last = this.decorated;
    if (last?.base === catalog && last.keys === key) return last.catalog;
    const decorated = { ...catalog, ...found };
    this.decorated = { base: catalog, keys: key, catalog: decorated };
    return decorated;
  }

  /** Starts reading or fetching every learning file of `refs` not yet checked or under way. */
  private loadLearningFiles(refs: LearningRefs): void {
    for (const kind of LEARNING_KINDS) {
      const ref = refs[kind];
      if (ref) this.loadLearningFile(kind, ref);
    }
  }

  private loadLearningFile(kind: LearningKind, ref: LearningFileRef): void {
    const key = fileKey(kind, ref);
    if (
      this.destroyed ||
      this.files.has(key) ||
      this.loadingFiles.has(key) ||
      this.fileTimers.has(key) ||
      this.refusedFiles.has(key)
    ) {
      return;
    }
    const loading = this.readLearningFile(kind, ref, key)
      .catch((error: unknown) =>
        this.report(`${kind}_unavailable`, `${kind} ${ref.url}: ${String(error)}`),
      )
      .finally(() => this.loadingFiles.delete(key));
    this.loadingFiles.set(key, loading);
  }

  /** From IndexedDB when a copy is kept there, else from the network; checked either way. */
  private async readLearningFile(
    kind: LearningKind,
    ref: LearningFileRef,
    key: string,
  ): Promise<void> {
    const stored = await this.withStore('readonly', (store) => store.get(`file:${key}`));
    if (stored && typeof stored.json === 'string') {
      const bytes = new TextEncoder().encode(stored.json);
      if ((await sha256Hex(bytes).catch(() => undefined)) === ref.sha256) {
        const file = this.checkLearningFile(kind, ref, stored.json, false);
        if (file) {
          this.files.set(key, file);
          return;
        }
      }
    }
    let bytes: Uint8Array;
    try {
      bytes = await this.download(ref.url, async (r) => new Uint8Array(await r.arrayBuffer()));
    } catch (error) {
      if (this.destroyed) return;
      const reason = error instanceof Error ? error.message : String(error);
      this.retryLearningFile(kind, ref, key, `${kind} ${ref.url}: ${reason}`);
      return;
    }
    if (this.destroyed) return;
    let actual: string;
    try {
      actual = await sha256Hex(bytes);
    } catch (error) {
      this.refusedFiles.add(key);
      this.report(
        `${kind}_unavailable`,
        `${kind} ${ref.url}: its SHA-256 cannot be checked (${error instanceof Error ? error.message : String(error)}); decisions go on without it`,
      );
      return;
    }
    if (actual !== ref.sha256) {
      // Perhaps caught mid-deployment (the catalog names the new file, the old one is served
      // still): tried again later, like a file that could not be fetched.
      this.retryLearningFile(
        kind,
        ref,
        key,
        `${kind} ${ref.url}: SHA-256 ${actual.slice(0, 12)}…, expected ${ref.sha256.slice(0, 12)}… (not the file the catalog names)`,
        `${kind}_invalid`,
      );
      return;
    }
    this.fileFailures.delete(key);
    const text = new TextDecoder().decode(bytes);
    const file = this.checkLearningFile(kind, ref, text, true);
    if (!file) return;
    this.files.set(key, file);
    await this.persistLearningFile(`file:${key}`, {
      source: ref.url,
      json: text,
      received_at: this.now(),
    });
  }

  /** The file parsed and validated, its SHA-256 set; undefined (reported when `report`) if refused. */
  private checkLearningFile<K extends LearningKind>(
    kind: K,
    ref: LearningFileRef,
    text: string,
    report: boolean,
  ): LearningFiles[K] | undefined {
    try {
      const file = validateLearningFile(kind, JSON.parse(text));
      file.sha256 = ref.sha256;
      return file;
    } catch (error) {
      if (!report) return undefined;
      this.refusedFiles.add(fileKey(kind, ref));
      const reason =
        error instanceof OfferwiseError
          ? error.message
          : `not JSON (${error instanceof Error ? error.message : String(error)})`;
      this.report(
        `${kind}_invalid`,
        `${kind} ${ref.url} was refused: ${reason}; decisions go on without it`,
      );
      return undefined;
    }
  }

  private retryLearningFile(
    kind: LearningKind,
    ref: LearningFileRef,
    key: string,
    message: string,
    code: `${LearningKind}_unavailable` | `${LearningKind}_invalid` = `${kind}_unavailable`,
  ): void {
    const failures = (this.fileFailures.get(key) ?? 0) + 1;
    this.fileFailures.set(key, failures);
    const delay = retryDelay(failures, this.random);
    this.report(code, `${message}; decisions go on without it; retrying in ${seconds(delay)}`);
    this.fileTimers.set(
      key,
      setTimeout(() => {
        this.fileTimers.delete(key);
        this.loadLearningFile(kind, ref);
      }, delay),
    );
  }

  /** Keeps a checked learning file, and drops those the catalog in use no longer names. */
  private async persistLearningFile(key: string, record: StoredCatalog): Promise<void> {
    const named = new Set<string>();
    const catalog = this.fetched ?? this.persisted;
    const refs = catalog && this.refs.get(catalog);
    for (const kind of LEARNING_KINDS) {
      const ref = refs?.[kind];
      if (ref) named.add(`file:${fileKey(kind, ref)}`);
    }
    await this.withStore('readwrite', async (store) => {
      for (const stored of await store.getAllKeys()) {
        if (stored.startsWith('file:') && stored !== key && !named.has(stored)) {
          await store.delete(stored);
        }
      }
      await store.put(record, key);
    });
  }
}

function fileKey(kind: LearningKind, ref: LearningFileRef): string {
  return `${kind}:${ref.sha256}`;
}
