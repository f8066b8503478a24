import type { IDBPDatabase, IDBPTransaction } from 'idb';
import { fieldError, OfferwiseError } from '../util/errors.js';
import { quiet } from '../util/guards.js';
import { deleteDatabase, describeError, IdbConnection, withTimeout } from '../util/idb.js';
import type { Decision } from './types.js';

/**
 * The decision state of one shopper (frequency-cap counters, claims, last decision per placement,
 * the shopper's seed) in its own IndexedDB database, shared by every tab of the origin.
 *
 * Windows of a frequency cap, all evaluated at `now()` when a reservation runs:
 * - `session`: impressions of the current session. A session is shared by all tabs of the origin
 *   and ends after `sessionTimeoutMs` (default 30 min) without any `reserve`/`record`; its start
 *   and last activity are stored in the database and updated in the same transaction as the
 *   counters. Session counts are kept per session id, so they do not depend on the clock.
 * - `day`: impressions since local midnight of `new Date(now())` (the shopper's calendar day).
 * - `week`: impressions since local midnight six calendar days ago (the last 7 local calendar
 *   days including today).
 *
 * A limit of 0 forbids; an absent limit means no cap for that window. An impression is allowed
 * when every window of its offer, of the placement and of the overall counter has room left.
 *
 * Clock jumps: an impression time later than `now()` (the clock went back) still counts for every
 * window whose start it is after, so going back in time never re-opens a cap. Times more than
 * 8 days in the future are treated as `now()` so that one bad clock cannot block an offer for
 * years. A clock going back does not end the session; one jumping forward by more than the
 * timeout does. Nothing here throws because of a clock.
 *
 * Storage stays bounded: per key (`offer:<id>`, `placement:<name>`, `overall`) a list of at most
 * {@link MAX_IMPRESSIONS_PER_KEY} impression times, pruned to the last 8 days on every write;
 * once a day a reservation also deletes whole keys without an impression in 8 days (outside the
 * current session). Windows are exact as long as a limit is below that bound.
 *
 * Degrade, never throw: if IndexedDB cannot be opened (throws, or takes more than
 * {@link STATE_OPEN_TIMEOUT_MS}) or a transaction fails (after one reopen on a lost connection),
 * the store continues in memory for the rest of the page with the same semantics (exact within
 * this tab, not across tabs), starting from a copy of the database when it can still be read, and
 * reports the diagnostic `state_fallback`. Only programmer errors are thrown: invalid arguments,
 * use after `close()`, and whatever `choose` throws.
 */

/** A frequency-cap window; see the module documentation for their exact meaning. */
export type CapWindow = 'session' | 'day' | 'week';
export type CapLimits = Partial<Record<CapWindow, number>>;
/** Frequency caps: per offer, per placement, and overall (all placements). */
export interface CapRules {
  offer: CapLimits;
  placement: CapLimits;
  overall: CapLimits;
}

export const DEFAULT_CAPS: CapRules = Object.freeze({
  offer: Object.freeze({ session: 2, day: 3, week: 6 }),
  placement: Object.freeze({ session: 10 }),
  overall: Object.freeze({ day: 30 }),
});

export interface StateStoreOptions {
  /** IndexedDB database name; default {@link DEFAULT_STATE_DB_NAME}. */
  dbName?: string;
  /** Wall clock, ms since epoch; default `Date.now`. */
  now?: () => number;
  /** Inactivity after which the session ends, ms; default 30 minutes. */
  sessionTimeoutMs?: number;
  /** Non-fatal problems (`state_fallback`, `state_blocked`, …); never thrown. */
  onDiagnostic?: (code: string, message: string) => void;
  /** Keep everything in memory for this page, nothing on disk (consent not granted). */
  memoryOnly?: boolean;
}

export const DEFAULT_STATE_DB_NAME = 'offerwise-decisions';
/** Version of the decision-state database; each rung of {@link upgradeStateSchema} adds one. */
export const STATE_SCHEMA_VERSION = 1;
/** How long `indexedDB.open` may take before the state falls back to memory. */
export const STATE_OPEN_TIMEOUT_MS = 3000;
export const DEFAULT_SESSION_TIMEOUT_MS = 30 * 60_000;
const DAY_MS = 24 * 60 * 60_000;
/** Impression times older than this (or further in the future) are pruned (resp. clamped). */
export const IMPRESSION_HORIZON_MS = 8 * DAY_MS;
/** Newest impression times kept per key. */
export const MAX_IMPRESSIONS_PER_KEY = 200;
/** How often a reservation sweeps stale keys. */
const SWEEP_EVERY_MS = DAY_MS;
const WINDOWS: readonly CapWindow[] = ['session', 'day', 'week'];
const META_KEY = 'meta';
const OVERALL_KEY = 'overall';

interface SessionRecord {
  /** Increases by one with every new session. */
  id: number;
  start: number;
  /** Time of the last reserve/record. */
  last: number;
}

interface MetaRecord {
  session?: SessionRecord;
  seed?: number;
  /** When stale keys were last swept. */
  sweptAt?: number;
  /**
   * A new random token with every transaction that may change `counters` (each goes through
   * `begin`, which writes this record): while it is unchanged, a copy of the counters read
   * earlier is still what is stored, in this tab or any other.
   */
  rev?: string;
}

interface CounterRecord {
  /** Impression times (ms since epoch, local clock), in recording order, newest last. */
  times: number[];
  /** Impressions in session `id`. */
  session?: { id: number; count: number };
}

interface Tables {
  counters: CounterRecord;
  meta: MetaRecord;
  claims: number;
  decisions: Decision;
}
type Table = keyof Tables;
const TABLES: Table[] = ['counters', 'meta', 'claims', 'decisions'];

/** Everything stored, as returned by {@link StateStore.contents}; JSON-serialisable. */
export interface StateContents {
  storage: 'indexeddb' | 'memory';
  session: SessionRecord | null;
  seed: number | null;
  counters: Record<string, CounterRecord>;
  claims: Record<string, number>;
  decisions: Record<string, Decision>;
}

/**
 * The upgrade ladder. Each rung takes a database of exactly the previous version to the next;
 * only IndexedDB requests may run here.
 *
 * v1: `counters` (impression times per `offer:<id>` / `placement:<name>` / `overall`), `meta`
 *     (session, seed, last sweep), `claims` (per offer id) and `decisions` (per placement).
 */
export function upgradeStateSchema(db: IDBPDatabase<unknown>, oldVersion: number): void {
  if (oldVersion < 1) {
    db.createObjectStore('counters');
    db.createObjectStore('meta');
    db.createObjectStore('claims');
    db.createObjectStore('decisions');
  }
}

// ---------------------------------------------------------------------------------------------
// Pure cap arithmetic

/** Local midnight of today and of six calendar days ago (DST-safe: built from calendar fields). */
export function windowStarts(now: number): { day: number; week: number } {
  const d = new Date(now);
  const y = d.getFullYear();
  const m = d.getMonth();
  const date = d.getDate();
  return { day: new Date(y, m, date).getTime(), week: new Date(y, m, date - 6).getTime() };
}

interface Frame {
  now: number;
  sessionId: number;
  day: number;
  week: number;
}

/** The record's times within the horizon, far-future times clamped to `now`, newest kept. */
function normalizedTimes(record: CounterRecord | undefined, now: number): number[] {
  const times = record && Array.isArray(record.times) ? record.times : [];
  const out: number[] = [];
  for (const t of times) {
    if (typeof t !== 'number' || !Number.isFinite(t)) continue;
    const at = t > now + IMPRESSION_HORIZON_MS ? now : t;
    if (at >= now - IMPRESSION_HORIZON_MS) out.push(at);
  }
  return out.length > MAX_IMPRESSIONS_PER_KEY ? out.slice(-MAX_IMPRESSIONS_PER_KEY) : out;
}

function sessionCount(record: CounterRecord | undefined, sessionId: number): number {
  const s = record?.session;
  return s && s.id === sessionId && typeof s.count === 'number' ? s.count : 0;
}

/** How many more impressions `limits` allow for this record (Infinity when uncapped). */
function roomLeft(record: CounterRecord | undefined, limits: CapLimits, frame: Frame): number {
  let room = Infinity;
  let times: number[] | undefined;
  for (const window of WINDOWS) {
    const limit = limits[window];
    if (limit === undefined) continue;
    let count: number;
    if (window === 'session') count = sessionCount(record, frame.sessionId);
    else {
      times ??= normalizedTimes(record, frame.now);
      const start = window === 'day' ? frame.day : frame.week;
      count = times.reduce((n, t) => (t >= start ? n + 1 : n), 0);
    }
    room = Math.min(room, limit - count);
  }
  return room;
}

/** The record after `n` more impressions at `frame.now`. */
function bumped(record: CounterRecord | undefined, n: number, frame: Frame): CounterRecord {
  const times = normalizedTimes(record, frame.now);
  for (let i = 0; i < n; i++) times.push(frame.now);
  return {
    times: times.length > MAX_IMPRESSIONS_PER_KEY ? times.slice(-MAX_IMPRESSIONS_PER_KEY) : times,
    session: { id: frame.sessionId, count: sessionCount(record, frame.sessionId) + n },
  };
}

/** Continues the stored session, or starts the next one after `timeout` of inactivity. */
function touchSession(
  previous: SessionRecord | undefined,
  now: number,
  timeout: number,
): SessionRecord {
  const valid =
    previous !== undefined &&
    Number.isFinite(previous.id) &&
    Number.isFinite(previous.last) &&
    Number.isFinite(previous.start);
  // A negative gap (the clock went back) continues the session: it can only make caps stricter.
  if (valid && now - previous.last < timeout) {
    return { id: previous.id, start: previous.start, last: now };
  }
  return { id: valid ? previous.id + 1 : 1, start: now, last: now };
}

const offerKey = (id: string) => `offer:${id}`;
const placementKey = (name: string) => `placement:${name}`;

// ---------------------------------------------------------------------------------------------
// Backends: one transaction interface over IndexedDB and over memory

interface Tx {
  get<K extends Table>(table: K, key: string): Promise<Tables[K] | undefined>;
  put<K extends Table>(table: K, key: string, value: Tables[K]): void;
  delete(table: Table, key: string): void;
  entries<K extends Table>(table: K): Promise<[string, Tables[K]][]>;
}
type Snapshot = { [K in Table]: [string, Tables[K]][] };

/** An error of the caller (from `choose`, or a broken `choose` result): never a storage failure. */
class CallerError {
  constructor(readonly error: unknown) {}
}

async function readAll(tx: Tx): Promise<Snapshot> {
  const [counters, meta, claims, decisions] = await Promise.all([
    tx.entries('counters'),
    tx.entries('meta'),
    tx.entries('claims'),
    tx.entries('decisions'),
  ]);
  return { counters, meta, claims, decisions };
}

type AnyTx = IDBPTransaction<unknown, string[], 'readwrite'>;

function idbTx(tx: AnyTx): Tx {
  return {
    get: (table, key) => tx.objectStore(table).get(key) as Promise<never>,
    // Failures of a write surface through `tx.done`.
    put: (table, key, value) => void quiet(tx.objectStore(table).put(value, key)),
    delete: (table, key) => void quiet(tx.objectStore(table).delete(key)),
    entries: async (table) => {
      const store = tx.objectStore(table);
      const [keys, values] = await Promise.all([store.getAllKeys(), store.getAll()]);
      return keys.map((key, i) => [String(key), values[i]] as [string, never]);
    },
  };
}

class IdbBackend {
  private readonly link: IdbConnection;

  constructor(
    private readonly name: string,
    private readonly report: (code: string, message: string) => void,
  ) {
    this.link = new IdbConnection({
      name,
      version: STATE_SCHEMA_VERSION,
      upgrade: upgradeStateSchema,
      prefix: 'state',
      label: 'decision-state database',
      report,
    });
  }

  connection(): ReturnType<IdbConnection['connection']> {
    return this.link.connection();
  }

  drop(): void {
    this.link.drop();
  }

  close(): void {
    this.link.close();
  }

  /** Runs `fn` in one transaction (see {@link IdbConnection.transaction}). */
  run<T>(
    tables: Table[],
    mode: IDBTransactionMode,
    fn: (tx: Tx) => Promise<T>,
    lateFailure?: (error: unknown) => void,
  ): Promise<T> {
    return this.link.transaction(tables, mode, (tx) => fn(idbTx(tx)), lateFailure);
  }
}

const DELETED = Symbol('deleted');

/** The same tables in memory; transactions run one at a time and commit all-or-nothing. */
class MemoryBackend {
  private readonly tables: { [K in Table]: Map<string, Tables[K]> };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(snapshot?: Snapshot) {
    this.tables = {
      counters: new Map(snapshot?.counters),
      meta: new Map(snapshot?.meta),
      claims: new Map(snapshot?.claims),
      decisions: new Map(snapshot?.decisions),
    };
  }

  run<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const result = this.queue.then(() => this.exec(fn));
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async exec<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const staged = new Map<Table, Map<string, unknown>>();
    const pending = (table: Table) => {
      let writes = staged.get(table);
      if (!writes) staged.set(table, (writes = new Map()));
      return writes;
    };
    const tables = this.tables as unknown as Record<Table, Map<string, unknown>>;
    const tx: Tx = {
      get: async (table, key) => {
        const writes = staged.get(table);
        const value = writes?.has(key) ? writes.get(key) : tables[table].get(key);
        return (value === DELETED ? undefined : structuredClone(value)) as never;
      },
      put: (table, key, value) => void pending(table).set(key, structuredClone(value)),
      delete: (table, key) => void pending(table).set(key, DELETED),
      entries: async (table) => {
        const merged = new Map(tables[table]);
        for (const [key, value] of staged.get(table) ?? []) {
          if (value === DELETED) merged.delete(key);
          else merged.set(key, value);
        }
        return [...merged].map(([k, v]) => [k, structuredClone(v)] as [string, never]);
      },
    };
    const result = await fn(tx);
    for (const [table, writes] of staged) {
      for (const [key, value] of writes) {
        if (value === DELETED) tables[table].delete(key);
        else tables[table].set(key, value);
      }
    }
    return result;
  }
}

function deleteStateDatabase(
  name: string,
  report: (code: string, message: string) => void,
): Promise<void> {
  return deleteDatabase(name, 'state_forget_pending', 'decision-state database', report);
}

// ---------------------------------------------------------------------------------------------
// Validation of programmer input

function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw fieldError('invalid_input', field, value, 'a non-empty string');
  }
  return value;
}

function checkRules(rules: unknown): CapRules {
  if (rules === null || typeof rules !== 'object') {
    throw fieldError('invalid_input', 'reserve().rules', rules, 'cap rules');
  }
  for (const scope of ['offer', 'placement', 'overall'] as const) {
    const limits = (rules as Record<string, unknown>)[scope];
    if (limits === null || typeof limits !== 'object') {
      throw fieldError('invalid_input', `reserve().rules.${scope}`, limits, 'an object of limits');
    }
    for (const window of WINDOWS) {
      const limit = (limits as Record<string, unknown>)[window];
      if (limit === undefined) continue;
      if (typeof limit !== 'number' || Number.isNaN(limit) || limit < 0) {
        throw fieldError(
          'invalid_input',
          `reserve().rules.${scope}.${window}`,
          limit,
          'a number ≥ 0, or absent for no cap',
        );
      }
    }
  }
  return rules as CapRules;
}

/** A token unique enough to tell two writes of the counters apart (96 random bits). */
function newRev(): string {
  try {
    return Array.from(globalThis.crypto.getRandomValues(new Uint32Array(3)), (n) =>
      n.toString(36),
    ).join('.');
  } catch {
    return `${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}`;
  }
}

function randomUint32(): number {
  try {
    return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
  } catch {
    return Math.floor(Math.random() * 4294967296);
  }
}

function isSeed(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 4294967296;
}

// ---------------------------------------------------------------------------------------------

/** The decision state of one shopper; see the module documentation for windows and fallbacks. */
export class StateStore {
  private readonly name: string;
  private readonly clock: () => number;
  private readonly sessionTimeoutMs: number;
  private readonly onDiagnostic: ((code: string, message: string) => void) | undefined;
  private idb: IdbBackend | undefined;
  private memory: MemoryBackend | undefined;
  private switching: Promise<void> | undefined;
  private readonly ready: Promise<void>;
  private seed: number | undefined;
  private closed = false;
  /**
   * The counters as stored when `meta.rev` was `rev` (see {@link MetaRecord.rev}): `reserve`
   * reads the one meta record instead of every counter while nothing has changed. Set only after
   * the transaction that wrote them committed.
   */
  private counters: { rev: string; map: ReadonlyMap<string, CounterRecord> } | undefined;

  constructor(options: StateStoreOptions = {}) {
    this.name =
      options.dbName === undefined
        ? DEFAULT_STATE_DB_NAME
        : checkName('StateStoreOptions.dbName', options.dbName);
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw fieldError('invalid_input', 'StateStoreOptions.now', options.now, 'a function');
    }
    this.clock = options.now ?? Date.now;
    const timeout = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    if (typeof timeout !== 'number' || !(timeout > 0)) {
      throw fieldError(
        'invalid_input',
        'StateStoreOptions.sessionTimeoutMs',
        timeout,
        'a positive number of milliseconds',
      );
    }
    this.sessionTimeoutMs = timeout;
    this.onDiagnostic = options.onDiagnostic;
    this.ready = options.memoryOnly ? this.startInMemory() : this.start();
  }

  private readonly report = (code: string, message: string): void => {
    try {
      this.onDiagnostic?.(code, message);
    } catch {
      // A listener must not be able to break the store.
    }
  };

  /**
   * A reservation's commit failed after its decision was returned (quota, I/O, the browser
   * closing the database): its impressions are not counted. Reported; the copy of the counters
   * is dropped; the next transaction meets the failure and falls back if it persists.
   */
  private readonly lateCommitFailure = (error: unknown): void => {
    this.counters = undefined;
    this.report(
      'state_commit_failed',
      `a reservation did not commit (${describeError(error)}); its impressions are not counted`,
    );
  };

  private time(): number {
    let t: unknown;
    try {
      t = this.clock();
    } catch {
      t = undefined;
    }
    return typeof t === 'number' && Number.isFinite(t) ? t : Date.now();
  }

  private async startInMemory(): Promise<void> {
    this.memory = new MemoryBackend();
  }

  private async start(): Promise<void> {
    const backend = new IdbBackend(this.name, this.report);
    try {
      await backend.connection();
      this.idb = backend;
    } catch (error) {
      backend.close();
      if (this.closed) return;
      this.memory = new MemoryBackend();
      this.report(
        'state_fallback',
        `IndexedDB could not be opened (${describeError(error)}); decision state is kept in memory for this page`,
      );
    }
  }

  /** Switches to memory once, copying what can still be read from the database. */
  private fallBack(idb: IdbBackend, error: unknown): Promise<void> {
    this.switching ??= (async () => {
      this.report(
        'state_fallback',
        `a decision-state transaction failed (${describeError(error)}); continuing in memory for this page`,
      );
      let snapshot: Snapshot | undefined;
      try {
        snapshot = await withTimeout(
          idb.run(TABLES, 'readonly', readAll),
          STATE_OPEN_TIMEOUT_MS,
          () => undefined,
        );
      } catch {
        // Unreadable too: start empty.
      }
      idb.close();
      const memory = new MemoryBackend(snapshot);
      const seed = this.seed;
      if (seed !== undefined) {
        await memory.run(async (tx) => {
          const meta = (await tx.get('meta', META_KEY)) ?? {};
          if (!isSeed(meta.seed)) tx.put('meta', META_KEY, { ...meta, seed });
        });
      }
      this.memory = memory;
      this.idb = undefined;
    })();
    return this.switching;
  }

  private async run<T>(
    tables: Table[],
    mode: IDBTransactionMode,
    fn: (tx: Tx) => Promise<T>,
    lateFailure?: (error: unknown) => void,
  ): Promise<T> {
    if (this.closed) throw new OfferwiseError('destroyed', 'the decision state store was closed');
    await this.ready;
    const idb = this.idb;
    if (idb && !this.memory) {
      try {
        return await idb.run(tables, mode, fn, lateFailure);
      } catch (error) {
        if (error instanceof CallerError) throw error.error;
        if (this.closed) {
          throw new OfferwiseError('destroyed', 'the decision state store was closed');
        }
        await this.fallBack(idb, error);
      }
    }
    try {
      return await this.memory!.run(fn);
    } catch (error) {
      throw error instanceof CallerError ? error.error : error;
    }
  }

  /** Reads the session and sweeps stale keys when due; returns the frame of this transaction. */
  private async begin(
    tx: Tx,
  ): Promise<{ frame: Frame; meta: MetaRecord; cached: Map<string, CounterRecord> | undefined }> {
    const meta = (await tx.get('meta', META_KEY)) ?? {};
    const now = this.time();
    const session = touchSession(meta.session, now, this.sessionTimeoutMs);
    const starts = windowStarts(now);
    const next: MetaRecord = { ...meta, session, rev: newRev() };
    const known = this.counters;
    let cached =
      known !== undefined && typeof meta.rev === 'string' && known.rev === meta.rev
        ? new Map(known.map)
        : undefined;
    const swept = meta.sweptAt;
    if (
      typeof swept !== 'number' ||
      !Number.isFinite(swept) ||
      Math.abs(now - swept) >= SWEEP_EVERY_MS
    ) {
      // What the sweep leaves is what is stored: it serves as this transaction's copy.
      cached = new Map();
      for (const [key, record] of await tx.entries('counters')) {
        const times = normalizedTimes(record, now);
        const old: unknown[] = Array.isArray(record?.times) ? record.times : [];
        if (times.length === 0 && record?.session?.id !== session.id) tx.delete('counters', key);
        else if (times.length !== old.length || times.some((t, i) => t !== old[i])) {
          const swept = { ...record, times };
          tx.put('counters', key, swept);
          cached.set(key, swept);
        } else cached.set(key, record);
      }
      next.sweptAt = now;
    }
    return { frame: { now, sessionId: session.id, ...starts }, meta: next, cached };
  }

  /**
   * Exact across tabs: in ONE readwrite transaction, reads the counters of `placement`, of every
   * candidate offer and the overall counter, computes which candidates are still allowed under
   * `rules`, calls `choose(allowed, room)` synchronously, then records one impression for each
   * offer id in the returned `shown` (and for the placement and overall, once per shown offer),
   * and commits. Two tabs calling at once cannot both show an offer past its cap. A `decision` of
   * this placement carried by the result is saved as the last decision in the same transaction.
   *
   * - `allowed` keeps the candidates' order (duplicates removed); it is empty when the placement
   *   or overall caps have no room left.
   * - `room` is how many offers the placement and overall caps still allow in this reservation
   *   (Infinity when uncapped). Showing more than `room` is recorded anyway (the counters then go
   *   past their limit) and reported as the diagnostic `state_room_exceeded`: cap the number of
   *   offers with it to keep placement and overall caps exact.
   * - `choose` must be synchronous and must not await. If it throws, nothing is recorded and the
   *   error is rethrown. A result whose `shown` is not an array of distinct ids from `allowed`
   *   (or a promise) is a programmer error: nothing is recorded and an `invalid_input` error is
   *   thrown.
   * - If the database fails after `choose` ran, the reservation is run again (on a reopened
   *   connection or on the memory fallback) and `choose` is called again; only the last call's
   *   result is recorded and returned.
   * - Every reservation counts as session activity, even one that shows nothing.
   */
  async reserve<T extends { shown: readonly string[] }>(
    placement: string,
    candidates: readonly string[],
    rules: CapRules,
    choose: (allowed: string[], room: number) => T,
  ): Promise<T> {
    checkName('reserve().placement', placement);
    if (!Array.isArray(candidates)) {
      throw fieldError(
        'invalid_input',
        'reserve().candidates',
        candidates,
        'an array of offer ids',
      );
    }
    const ids = [...new Set(candidates)];
    ids.forEach((id, i) => checkName(`reserve().candidates[${i}]`, id));
    checkRules(rules);
    if (typeof choose !== 'function') {
      throw fieldError('invalid_input', 'reserve().choose', choose, 'a function');
    }
    const pKey = placementKey(placement);
    let written: { rev: string; map: Map<string, CounterRecord> } | undefined;
    const result = await this.run(
      ['counters', 'meta', 'decisions'],
      'readwrite',
      async (tx) => {
        written = undefined;
        const { frame, meta, cached } = await this.begin(tx);
        // One read of every counter (the store is small: keys untouched for 8 days are pruned)
        // costs far less than one request per candidate; none at all while the copy of the last
        // transaction is still current.
        const counters = cached ?? new Map(await tx.entries('counters'));
        const placementRecord = counters.get(pKey);
        const overallRecord = counters.get(OVERALL_KEY);
        const offerRecords = ids.map((id) => counters.get(offerKey(id)));
        const room = Math.min(
          roomLeft(placementRecord, rules.placement, frame),
          roomLeft(overallRecord, rules.overall, frame),
        );
        const allowed =
          room >= 1 ? ids.filter((_, i) => roomLeft(offerRecords[i], rules.offer, frame) >= 1) : [];
        const byId = new Map(ids.map((id, i) => [id, offerRecords[i]]));

        let result: T;
        try {
          result = choose(allowed.slice(), Math.max(0, room));
        } catch (error) {
          throw new CallerError(error);
        }
        const shown = checkShown(result, allowed);
        if (shown.length > room) {
          this.report(
            'state_room_exceeded',
            `placement "${placement}" showed ${shown.length} offers with room for ${Math.max(0, room)}; placement/overall caps are exceeded`,
          );
        }

        const put = (key: string, record: CounterRecord) => {
          tx.put('counters', key, record);
          counters.set(key, record);
        };
        for (const id of shown) put(offerKey(id), bumped(byId.get(id), 1, frame));
        if (shown.length > 0) {
          put(pKey, bumped(placementRecord, shown.length, frame));
          put(OVERALL_KEY, bumped(overallRecord, shown.length, frame));
        }
        tx.put('meta', META_KEY, meta);
        written = { rev: meta.rev!, map: counters };
        // A decision returned with the choice is kept as the placement's last one, in the same commit.
        const decision = (result as { decision?: Decision }).decision;
        if (decision !== undefined && decision !== null && decision.placement === placement) {
          tx.put('decisions', placement, decision);
        }
        return result;
      },
      this.lateCommitFailure,
    );
    // Queued ahead of any later transaction: the counters stored are `written` once it commits.
    // Keeping the copy now is safe even if the commit fails: the database then still holds the
    // old `meta.rev`, which no longer matches the copy's, so the next reserve reads the counters.
    this.counters = written;
    return result;
  }

  /**
   * Records an extra count against an offer's caps (a dismissal counts as an impression): one
   * more impression of `offerId` in every window, at `now()`. The placement and overall counters
   * are not changed (the impression was counted there when it was reserved); `placement` is
   * validated only. Counts as session activity.
   */
  async record(offerId: string, placement: string): Promise<void> {
    checkName('record().offerId', offerId);
    checkName('record().placement', placement);
    await this.run(['counters', 'meta'], 'readwrite', async (tx) => {
      const { frame, meta } = await this.begin(tx);
      const key = offerKey(offerId);
      tx.put('counters', key, bumped(await tx.get('counters', key), 1, frame));
      tx.put('meta', META_KEY, meta);
    });
  }

  /** Claims of an offer so far (for `max_claims`). */
  async claims(offerId: string): Promise<number> {
    checkName('claims().offerId', offerId);
    return this.run(['claims'], 'readonly', async (tx) => {
      const n = await tx.get('claims', offerId);
      return typeof n === 'number' && Number.isFinite(n) ? n : 0;
    });
  }

  /** Claims of every offer that has any, in one read. */
  async allClaims(): Promise<Record<string, number>> {
    return this.run(['claims'], 'readonly', async (tx) => {
      const out: Record<string, number> = {};
      for (const [id, n] of await tx.entries('claims')) {
        if (typeof n === 'number' && Number.isFinite(n)) out[String(id)] = n;
      }
      return out;
    });
  }

  /** Adds one claim of an offer, atomically across tabs; returns the new count. */
  async addClaim(offerId: string): Promise<number> {
    checkName('addClaim().offerId', offerId);
    return this.run(['claims'], 'readwrite', async (tx) => {
      const n = await tx.get('claims', offerId);
      const next = (typeof n === 'number' && Number.isFinite(n) ? n : 0) + 1;
      tx.put('claims', offerId, next);
      return next;
    });
  }

  /** Keeps `decision` as the last one of its placement (for the next page's first paint). */
  async saveDecision(decision: Decision): Promise<void> {
    if (decision === null || typeof decision !== 'object') {
      throw fieldError('invalid_input', 'saveDecision().decision', decision, 'a decision');
    }
    const placement = checkName('saveDecision().decision.placement', decision.placement);
    const now = this.clock();
    await this.run(['decisions', 'meta'], 'readwrite', async (tx) => {
      // Saving a decision is session activity, like showing one.
      const meta = (await tx.get('meta', META_KEY)) ?? {};
      tx.put('meta', META_KEY, {
        ...meta,
        session: touchSession(meta.session, now, this.sessionTimeoutMs),
      });
      tx.put('decisions', placement, decision);
    });
  }

  /**
   * The last decision saved for `placement` (a copy), if it was made in the session that is still
   * going on: a cached decision never outlives its session, so nothing it carries can link two
   * visits.
   */
  async lastDecision(placement: string): Promise<Decision | undefined> {
    checkName('lastDecision().placement', placement);
    const now = this.clock();
    return this.run(['decisions', 'meta'], 'readonly', async (tx) => {
      const [decision, meta] = await Promise.all([
        tx.get('decisions', placement),
        tx.get('meta', META_KEY),
      ]);
      const session = meta?.session;
      if (!decision || !session) return undefined;
      const live = now - session.last < this.sessionTimeoutMs && decision.at >= session.start;
      return live ? decision : undefined;
    });
  }

  /**
   * A random 32-bit unsigned integer drawn once per shopper and kept in the database (holdout
   * assignment, seeds). Stable across tabs and page loads while the database lives; on the memory
   * fallback it is stable for this page only. Once read it is cached for the life of this object.
   */
  async shopperSeed(): Promise<number> {
    if (this.seed !== undefined) return this.seed;
    const seed = await this.run(['meta'], 'readwrite', async (tx) => {
      const meta = (await tx.get('meta', META_KEY)) ?? {};
      if (isSeed(meta.seed)) return meta.seed;
      const drawn = randomUint32();
      tx.put('meta', META_KEY, { ...meta, seed: drawn });
      return drawn;
    });
    this.seed = seed;
    return seed;
  }

  /** Everything stored, JSON-serialisable (for `exportData`). */
  async contents(): Promise<StateContents> {
    const snapshot = await this.run(TABLES, 'readonly', readAll);
    const meta = snapshot.meta.find(([key]) => key === META_KEY)?.[1] ?? {};
    return {
      storage: this.memory ? 'memory' : 'indexeddb',
      session: meta.session ?? null,
      seed: isSeed(meta.seed) ? meta.seed : null,
      counters: Object.fromEntries(snapshot.counters),
      claims: Object.fromEntries(snapshot.claims),
      decisions: Object.fromEntries(snapshot.decisions),
    };
  }

  /**
   * Deletes the database (and empties the memory fallback). Other tabs close their connection
   * when asked; one running old code that ignores it delays the deletion until it closes, reported
   * as `state_forget_pending` without keeping the caller waiting more than 3 s. A later call
   * starts from an empty state (and a new seed).
   */
  async forget(): Promise<void> {
    await this.ready;
    this.seed = undefined;
    this.counters = undefined;
    if (this.memory) this.memory = new MemoryBackend();
    this.idb?.drop();
    await deleteStateDatabase(this.name, this.report);
  }

  /** Closes the connection; later calls reject with `destroyed` (`forget()` still works). */
  close(): void {
    this.closed = true;
    this.idb?.close();
    void this.ready.then(() => this.idb?.close());
  }
}

/** Validates the result of `choose`: distinct ids, all from `allowed`. */
function checkShown(result: unknown, allowed: string[]): readonly string[] {
  if (
    result !== null &&
    typeof result === 'object' &&
    typeof (result as { then?: unknown }).then === 'function'
  ) {
    throw new CallerError(
      new OfferwiseError('invalid_input', 'reserve(): choose must be synchronous, got a promise'),
    );
  }
  const shown = (result as { shown?: unknown } | null | undefined)?.shown;
  if (!Array.isArray(shown)) {
    throw new CallerError(
      fieldError('invalid_input', 'reserve(): choose().shown', shown, 'an array of offer ids'),
    );
  }
  const ok = new Set(allowed);
  const seen = new Set<string>();
  for (const id of shown as unknown[]) {
    if (typeof id !== 'string' || !ok.has(id) || seen.has(id)) {
      throw new CallerError(
        fieldError(
          'invalid_input',
          'reserve(): choose().shown[]',
          id,
          seen.has(id as string)
            ? 'each offer at most once'
            : 'an id from the allowed list passed to choose',
        ),
      );
    }
    seen.add(id);
  }
  return shown as readonly string[];
}
