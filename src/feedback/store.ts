import type { IDBPDatabase, IDBPTransaction } from 'idb';
import { fieldError, OfferwiseError } from '../util/errors.js';
import { quiet } from '../util/guards.js';
import { describeError, IdbConnection, OPEN_TIMEOUT_MS, withTimeout } from '../util/idb.js';
import { evictionOrder, planBatch } from './policy.js';
import { outboxDatabaseName } from './purge.js';
import { carriesDecision, type WireEvent } from './wire.js';

/**
 * The persisted feedback outbox: ONE ROW PER EVENT in IndexedDB (`<name>-outbox`), plus a meta
 * store with drop counters. Every writing method is one readwrite transaction and resolves after
 * its commit.
 *
 * Degrade, never throw: if IndexedDB cannot be opened (throws, or takes more than 3 s) the store
 * keeps new rows in memory for this page (same semantics, not durable), diagnostic
 * `outbox_fallback`. If a transaction fails after one reopen on a lost connection, the store
 * switches to memory the same way; rows already in the database stay there for the next page
 * that can open it (they are not copied, so they cannot be sent twice by this page). Only
 * programmer errors (invalid arguments) throw. Meta records named in `carryMeta` (the outbox's
 * Retry-After gate) are read from IndexedDB before that switch and copied into memory, so a page
 * whose very first transaction fails still honours them; if they cannot be read, the memory copy
 * gets the conservative value given for them.
 */

export interface OutboxRow {
  /**
   * Local key made at acceptance (`localKey()`, see `wire.ts`): sorts by acceptance time; never
   * changes; NEVER SENT (the event has its own random id).
   */
  id: string;
  /** The event as built by `toWireEvent` (rows of older versions may hold more; see `sendableEvent`). */
  event: WireEvent;
  /** UTF-8 size of `JSON.stringify(event)`. */
  bytes: number;
  /** Eviction priority; lowest evicted first. */
  priority: number;
  /** Wall clock at acceptance (retention). */
  createdAt: number;
  state: 'pending' | 'leased';
  /** Wall clock until which a leased row belongs to its batch. */
  leaseUntil: number;
  batchId: string | null;
  /** Failed delivery attempts so far. */
  attempts: number;
  /** Wall clock before which a pending row is not sent (backoff / Retry-After). */
  notBefore: number;
}

export type DropCounts = Record<string, number>;

/**
 * Drop counters as sent: sealed under an id that stays the same on every retry until a 2xx
 * settles it, so that a server can count each report once (a reply lost, or a page left
 * mid-request, must not count the same drops twice).
 */
export interface DropReport {
  id: string;
  counts: DropCounts;
}

export interface OutboxStoreOptions {
  /** Database name prefix: the database is `<name>-outbox`; default `offerwise`. */
  name?: string;
  /** Row cap; default 5,000. */
  maxRows?: number;
  /** Byte cap (sum of row `bytes`); default 2 MB. */
  maxBytes?: number;
  /** Start in memory (nothing persisted). */
  memoryOnly?: boolean;
  /**
   * Meta records carried into memory when a failed transaction switches the store to memory:
   * key → the value assumed when the record cannot be read from IndexedDB any more.
   */
  carryMeta?: Record<string, unknown>;
  onDiagnostic?: (code: string, message: string) => void;
}

export interface LeaseRequest {
  maxEvents: number;
  maxBytes: number;
  leaseMs: number;
  /** Wall clock. */
  now: number;
  batchId: string;
  /**
   * Retention: rows accepted before this (wall clock) are not sent but dropped in the same
   * transaction and counted as `expired` (unless a live lease holds them: their batch settles
   * them). Their ids go to `onExpired` once committed.
   */
  expireBefore?: number;
  onExpired?: (ids: string[]) => void;
  /**
   * A batch holds only rows accepted within this long of its first row (ms, default
   * {@link VISIT_WINDOW_MS}): one batch never ties together events of visits far apart (after a
   * time offline, the backlog of several visits goes in separate batches).
   */
  visitWindowMs?: number;
}

/** Default {@link LeaseRequest.visitWindowMs}: the 30 minutes that end a session. */
export const VISIT_WINDOW_MS = 30 * 60_000;

export const DEFAULT_OUTBOX_NAME = 'offerwise';
export const OUTBOX_SCHEMA_VERSION = 2;
export const DEFAULT_MAX_ROWS = 5000;
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
/** A `notBefore` or `leaseUntil` further ahead than this is a clock that went back: due now. */
export const MAX_FUTURE_MS = 5 * 60_000 + 60_000;
/** ... except leases, which may legitimately last this long. */
const MAX_LEASE_FUTURE_MS = 60 * 60_000;

const DROPS_KEY = 'drops';
/** Rows read per step of a lease. */
const LEASE_PAGE = 100;
const TOTALS_KEY = 'totals';
/** The sealed drop report awaiting a 2xx (see {@link OutboxStore.dropReport}). */
const REPORT_KEY = 'dropReport';

/** The upgrade ladder; each rung takes exactly the previous version to the next. */
export function upgradeOutboxSchema(
  db: IDBPDatabase<unknown>,
  oldVersion: number,
  transaction: IDBPTransaction<unknown, string[], 'versionchange'>,
): void {
  if (oldVersion < 1) {
    // v1: `events` (one row per event, keyPath `id`), `meta` (drop counters, totals, sender lease).
    db.createObjectStore('events', { keyPath: 'id' });
    db.createObjectStore('meta');
  }
  if (oldVersion < 2) {
    // v2: `evict` ([priority, id], the eviction order): a full outbox evicts by reading the few
    // rows it drops, not all of them (5,000 rows read per report() at the cap cost ~60 ms).
    transaction.objectStore('events').createIndex('evict', ['priority', 'id']);
  }
}

/** Key of a row in the `evict` index. */
type EvictKey = [priority: number, id: string];

interface Tx {
  rows(): Promise<OutboxRow[]>;
  /** Up to `count` rows in eviction order, after `after` (exclusive). */
  lowest(after: EvictKey | undefined, count: number): Promise<OutboxRow[]>;
  /** Up to `count` rows in id (acceptance) order, after the id `after` (exclusive). */
  page(after: string | undefined, count: number): Promise<OutboxRow[]>;
  getRow(id: string): Promise<OutboxRow | undefined>;
  putRow(row: OutboxRow): void;
  deleteRow(id: string): void;
  getMeta<T>(key: string): Promise<T | undefined>;
  putMeta(key: string, value: unknown): void;
  deleteMeta(key: string): void;
}

type AnyTx = IDBPTransaction<unknown, string[], 'readwrite'>;

function idbTx(tx: AnyTx): Tx {
  const events = () => tx.objectStore('events');
  const meta = () => tx.objectStore('meta');
  return {
    rows: () => events().getAll() as Promise<OutboxRow[]>,
    page: (after, count) =>
      events().getAll(
        after === undefined ? null : IDBKeyRange.lowerBound(after, true),
        count,
      ) as Promise<OutboxRow[]>,
    lowest: (after, count) =>
      events()
        .index('evict')
        .getAll(after ? IDBKeyRange.lowerBound(after, true) : null, count) as Promise<OutboxRow[]>,
    getRow: (id) => events().get(id) as Promise<OutboxRow | undefined>,
    // Failures of writes surface through `tx.done`.
    putRow: (row) => void quiet(events().put(row)),
    deleteRow: (id) => void quiet(events().delete(id)),
    getMeta: (key) => meta().get(key) as Promise<never>,
    putMeta: (key, value) => void quiet(meta().put(value, key)),
    deleteMeta: (key) => void quiet(meta().delete(key)),
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
      version: OUTBOX_SCHEMA_VERSION,
      upgrade: upgradeOutboxSchema,
      prefix: 'outbox',
      label: 'outbox database',
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
  run<T>(mode: IDBTransactionMode, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.link.transaction(['events', 'meta'], mode, (tx) => fn(idbTx(tx)));
  }
}

const DELETED = Symbol('deleted');

/** The same two tables in memory; transactions run one at a time and commit all-or-nothing. */
class MemoryBackend {
  private readonly events = new Map<string, OutboxRow>();
  private readonly meta = new Map<string, unknown>();
  private queue: Promise<unknown> = Promise.resolve();

  /** Sets a meta record before the backend is used (records carried from IndexedDB). */
  seedMeta(key: string, value: unknown): void {
    if (value === undefined) this.meta.delete(key);
    else this.meta.set(key, structuredClone(value));
  }

  run<T>(_mode: IDBTransactionMode, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const result = this.queue.then(() => this.exec(fn));
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async exec<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const rows = new Map<string, OutboxRow | typeof DELETED>();
    const meta = new Map<string, unknown>();
    const merged = () => {
      const all = new Map<string, OutboxRow>(this.events);
      for (const [id, row] of rows) {
        if (row === DELETED) all.delete(id);
        else all.set(id, row);
      }
      return [...all.values()];
    };
    const tx: Tx = {
      rows: async () =>
        merged()
          .sort(byId)
          .map((r) => structuredClone(r)),
      page: async (after, count) =>
        merged()
          .filter((r) => after === undefined || r.id > after)
          .sort(byId)
          .slice(0, count)
          .map((r) => structuredClone(r)),
      lowest: async (after, count) => {
        const from = after && { priority: after[0], id: after[1] };
        return merged()
          .filter((r) => !from || evictionOrder(r, from) > 0)
          .sort(evictionOrder)
          .slice(0, count)
          .map((r) => structuredClone(r));
      },
      getRow: async (id) => {
        const row = rows.has(id) ? rows.get(id) : this.events.get(id);
        return row === DELETED || row === undefined ? undefined : structuredClone(row);
      },
      putRow: (row) => void rows.set(row.id, structuredClone(row)),
      deleteRow: (id) => void rows.set(id, DELETED),
      getMeta: async (key) => {
        const value = meta.has(key) ? meta.get(key) : this.meta.get(key);
        return (value === DELETED ? undefined : structuredClone(value)) as never;
      },
      putMeta: (key, value) => void meta.set(key, structuredClone(value)),
      deleteMeta: (key) => void meta.set(key, DELETED),
    };
    const result = await fn(tx);
    for (const [id, row] of rows) {
      if (row === DELETED) this.events.delete(id);
      else this.events.set(id, row);
    }
    for (const [key, value] of meta) {
      if (value === DELETED) this.meta.delete(key);
      else this.meta.set(key, value);
    }
    return result;
  }
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function addCounts(into: DropCounts, reason: string, n: number): void {
  if (n > 0) into[reason] = (into[reason] ?? 0) + n;
}

/** True when a leased row's lease is over (or its expiry is implausibly far: the clock went back). */
function leaseExpired(row: OutboxRow, now: number): boolean {
  return row.leaseUntil < now || row.leaseUntil > now + MAX_LEASE_FUTURE_MS;
}

function isDue(row: OutboxRow, now: number): boolean {
  if (row.state === 'leased') return leaseExpired(row, now);
  return row.notBefore <= now || row.notBefore > now + MAX_FUTURE_MS;
}

function checkIds(field: string, ids: unknown): string[] {
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
    throw fieldError('invalid_input', field, ids, 'an array of row ids');
  }
  return ids as string[];
}

function checkNumber(field: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw fieldError('invalid_input', field, value, `a finite number ≥ ${min}`);
  }
  return value;
}

export interface AddResult {
  /** Where the rows were committed. */
  stored: 'indexeddb' | 'memory';
  /** Rows evicted to keep the caps (possibly some of the new ones). */
  evicted: string[];
}

/** The outbox rows; see the module documentation. */
export class OutboxStore {
  readonly dbName: string;
  private readonly maxRows: number;
  private readonly maxBytes: number;
  private readonly onDiagnostic: ((code: string, message: string) => void) | undefined;
  private idb: IdbBackend | undefined;
  private memory: MemoryBackend | undefined;
  /** Set while a failed transaction switches the store to memory (carrying `carryMeta`). */
  private switching: Promise<void> | undefined;
  private readonly carryMeta: Record<string, unknown>;
  private readonly ready: Promise<void>;
  private closed = false;

  constructor(options: OutboxStoreOptions = {}) {
    const name = options.name ?? DEFAULT_OUTBOX_NAME;
    if (typeof name !== 'string' || name === '') {
      throw fieldError('invalid_input', 'OutboxStoreOptions.name', name, 'a non-empty string');
    }
    this.dbName = outboxDatabaseName(name);
    this.maxRows = checkNumber(
      'OutboxStoreOptions.maxRows',
      options.maxRows ?? DEFAULT_MAX_ROWS,
      1,
    );
    this.maxBytes = checkNumber(
      'OutboxStoreOptions.maxBytes',
      options.maxBytes ?? DEFAULT_MAX_BYTES,
      1,
    );
    this.onDiagnostic = options.onDiagnostic;
    this.carryMeta = { ...options.carryMeta };
    this.ready = options.memoryOnly ? this.startInMemory() : this.start();
  }

  private readonly report = (code: string, message: string): void => {
    try {
      this.onDiagnostic?.(code, message);
    } catch {
      // A listener must not break the store.
    }
  };

  /** `indexeddb` or `memory` (after a fallback). */
  async kind(): Promise<'indexeddb' | 'memory'> {
    await this.ready;
    return this.memory ? 'memory' : 'indexeddb';
  }

  private async startInMemory(): Promise<void> {
    this.memory = new MemoryBackend();
  }

  private async start(): Promise<void> {
    const backend = new IdbBackend(this.dbName, this.report);
    try {
      await backend.connection();
      this.idb = backend;
    } catch (error) {
      backend.close();
      this.memory = new MemoryBackend();
      if (!this.closed) {
        this.report(
          'outbox_fallback',
          `IndexedDB could not be opened (${describeError(error)}); feedback is kept in memory for this page`,
        );
      }
    }
  }

  private async run<T>(mode: IDBTransactionMode, fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.closed) throw new OfferwiseError('destroyed', 'the outbox store was closed');
    await this.ready;
    if (this.switching) await this.switching;
    const idb = this.idb;
    if (idb && !this.memory) {
      try {
        return await idb.run(mode, fn);
      } catch (error) {
        if (error instanceof OfferwiseError && error.code === 'invalid_input') throw error;
        if (this.closed) throw new OfferwiseError('destroyed', 'the outbox store was closed');
        this.switching ??= this.fallBack(idb, error);
        await this.switching;
        if (this.closed) throw new OfferwiseError('destroyed', 'the outbox store was closed');
      }
    }
    return this.memory!.run(mode, fn);
  }

  /**
   * Switches to memory after a failed transaction. The `carryMeta` records are read from
   * IndexedDB first (one more transaction, at most `OPEN_TIMEOUT_MS`); if that fails too they
   * get their conservative values. Never rejects.
   */
  private async fallBack(idb: IdbBackend, error: unknown): Promise<void> {
    this.report(
      'outbox_fallback',
      `an outbox transaction failed (${describeError(error)}); new feedback is kept in memory for this page, stored rows wait for the next page`,
    );
    const memory = new MemoryBackend();
    const keys = Object.keys(this.carryMeta);
    if (keys.length > 0) {
      let values: unknown[];
      try {
        values = await withTimeout(
          idb.run('readonly', (tx) => Promise.all(keys.map((key) => tx.getMeta(key)))),
          OPEN_TIMEOUT_MS,
          () => undefined,
        );
      } catch (carryError) {
        if (!this.closed)
          this.report(
            'outbox_carry_failed',
            `could not read ${keys.join(', ')} before the memory fallback (${describeError(carryError)}); assuming the conservative values`,
          );
        values = keys.map((key) => this.carryMeta[key]);
      }
      keys.forEach((key, i) => memory.seedMeta(key, values[i]));
    }
    idb.close();
    this.idb = undefined;
    this.memory = memory;
  }

  /**
   * Commits `rows` (all or none) and evicts to keep the caps in {@link evictionOrder}: lowest
   * priority first, oldest first (counted as `evicted`; possibly some of the new rows). Resolves
   * after the commit: that is "accepted". Reads only the rows it evicts (the `evict` index and the
   * running totals), so a full outbox costs no more per event than an empty one.
   */
  async add(rows: OutboxRow[]): Promise<AddResult> {
    if (!Array.isArray(rows)) throw fieldError('invalid_input', 'add().rows', rows, 'an array');
    const evicted = await this.run('readwrite', async (tx) => {
      const totals = (await tx.getMeta<{ rows: number; bytes: number }>(TOTALS_KEY)) ?? {
        rows: 0,
        bytes: 0,
      };
      let count = totals.rows + rows.length;
      let bytes = totals.bytes + rows.reduce((n, r) => n + r.bytes, 0);
      for (const row of rows) tx.putRow(row);
      const over = () => count > this.maxRows || bytes > this.maxBytes;
      const out: string[] = [];
      let after: EvictKey | undefined;
      while (over()) {
        const page = await tx.lowest(after, Math.min(500, Math.max(16, count - this.maxRows)));
        if (page.length === 0) {
          // The totals ran ahead of the rows (they are recounted when a page starts): recount.
          const all = await tx.rows();
          count = all.length;
          bytes = all.reduce((n, r) => n + r.bytes, 0);
          break;
        }
        for (const row of page) {
          if (!over()) break;
          tx.deleteRow(row.id);
          out.push(row.id);
          count--;
          bytes -= row.bytes;
        }
        const tail = page[page.length - 1]!;
        after = [tail.priority, tail.id];
      }
      if (out.length > 0) {
        const drops = (await tx.getMeta<DropCounts>(DROPS_KEY)) ?? {};
        addCounts(drops, 'evicted', out.length);
        tx.putMeta(DROPS_KEY, drops);
      }
      tx.putMeta(TOTALS_KEY, { rows: count, bytes });
      return out;
    });
    return { stored: this.memory ? 'memory' : 'indexeddb', evicted };
  }

  /**
   * Leases the rows due now (pending with `notBefore ≤ now`, or leased with an expired lease),
   * oldest first, within `maxEvents`/`maxBytes`, to `batchId` until `now + leaseMs`.
   */
  async lease(request: LeaseRequest): Promise<OutboxRow[]> {
    const maxEvents = checkNumber('lease().maxEvents', request.maxEvents, 1);
    const maxBytes = checkNumber('lease().maxBytes', request.maxBytes, 1);
    const leaseMs = checkNumber('lease().leaseMs', request.leaseMs, 0);
    const now = checkNumber('lease().now', request.now);
    const batchId = request.batchId;
    const window = request.visitWindowMs ?? VISIT_WINDOW_MS;
    const cutoff =
      request.expireBefore === undefined
        ? undefined
        : checkNumber('lease().expireBefore', request.expireBefore);
    let expired: string[] = [];
    const leased = await this.run('readwrite', async (tx) => {
      // Reads rows in id (acceptance) order, a page at a time, only until the batch is full: a
      // backlog of 5,000 rows costs one page per batch, not all rows per batch.
      expired = [];
      let expiredBytes = 0;
      const due: OutboxRow[] = [];
      let dueBytes = 0;
      let after: string | undefined;
      scan: for (;;) {
        const page = await tx.page(after, LEASE_PAGE);
        for (const row of page) {
          after = row.id;
          const held = row.state === 'leased' && !leaseExpired(row, now);
          if (cutoff !== undefined && row.createdAt < cutoff && !held) {
            tx.deleteRow(row.id);
            expired.push(row.id);
            expiredBytes += row.bytes;
            continue;
          }
          if (!isDue(row, now)) continue;
          if (due.length >= maxEvents || dueBytes > maxBytes) break scan;
          // Rows come in acceptance order: past the first row's visit, the rest wait their turn.
          if (due.length > 0 && Math.abs(row.createdAt - due[0]!.createdAt) > window) break scan;
          due.push(row);
          dueBytes += row.bytes;
        }
        if (page.length < LEASE_PAGE) break;
      }
      if (expired.length > 0) {
        const drops = (await tx.getMeta<DropCounts>(DROPS_KEY)) ?? {};
        addCounts(drops, 'expired', expired.length);
        tx.putMeta(DROPS_KEY, drops);
        const totals = await tx.getMeta<{ rows: number; bytes: number }>(TOTALS_KEY);
        if (totals) {
          tx.putMeta(TOTALS_KEY, {
            rows: Math.max(0, totals.rows - expired.length),
            bytes: Math.max(0, totals.bytes - expiredBytes),
          });
        }
      }
      const batch = planBatch(due, maxEvents, maxBytes);
      for (const row of batch) {
        row.state = 'leased';
        row.leaseUntil = now + leaseMs;
        row.batchId = batchId;
        tx.putRow(row);
      }
      return batch;
    });
    if (expired.length > 0) request.onExpired?.(expired);
    return leased;
  }

  /** Leases exactly these rows (if present and not leased by a live batch); returns them. */
  async leaseIds(
    ids: string[],
    now: number,
    leaseMs: number,
    batchId: string,
  ): Promise<OutboxRow[]> {
    checkIds('leaseIds().ids', ids);
    return this.run('readwrite', async (tx) => {
      const out: OutboxRow[] = [];
      for (const id of ids) {
        const row = await tx.getRow(id);
        if (!row || (row.state === 'leased' && !leaseExpired(row, now))) continue;
        row.state = 'leased';
        row.leaseUntil = now + leaseMs;
        row.batchId = batchId;
        tx.putRow(row);
        out.push(row);
      }
      return out;
    });
  }

  /** Deletes delivered rows (only after a 2xx). */
  async ack(ids: string[]): Promise<void> {
    checkIds('ack().ids', ids);
    await this.remove(ids, undefined);
  }

  /** Deletes rows and counts them under `reason`. */
  async drop(ids: string[], reason: string): Promise<void> {
    checkIds('drop().ids', ids);
    if (typeof reason !== 'string' || reason === '') {
      throw fieldError('invalid_input', 'drop().reason', reason, 'a non-empty string');
    }
    await this.remove(ids, reason);
  }

  private remove(ids: string[], reason: string | undefined): Promise<number> {
    return this.run('readwrite', async (tx) => {
      const totals = (await tx.getMeta<{ rows: number; bytes: number }>(TOTALS_KEY)) ?? {
        rows: 0,
        bytes: 0,
      };
      let removed = 0;
      for (const id of ids) {
        const row = await tx.getRow(id);
        if (!row) continue;
        tx.deleteRow(id);
        removed++;
        totals.rows = Math.max(0, totals.rows - 1);
        totals.bytes = Math.max(0, totals.bytes - row.bytes);
      }
      tx.putMeta(TOTALS_KEY, totals);
      if (reason !== undefined && removed > 0) {
        const drops = (await tx.getMeta<DropCounts>(DROPS_KEY)) ?? {};
        addCounts(drops, reason, removed);
        tx.putMeta(DROPS_KEY, drops);
      }
      return removed;
    });
  }

  /**
   * Deletes every row whose event ties it to a decision (`forget()`, a withdrawal), in one
   * transaction, without counting them as drops (a counter would tell the server that this browser
   * withdrew). Returns how many.
   */
  deleteDecisionRows(): Promise<number> {
    return this.run('readwrite', async (tx) => {
      const doomed = (await tx.rows()).filter((row) => carriesDecision(row.event));
      if (doomed.length === 0) return 0;
      for (const row of doomed) tx.deleteRow(row.id);
      const totals = await tx.getMeta<{ rows: number; bytes: number }>(TOTALS_KEY);
      if (totals) {
        tx.putMeta(TOTALS_KEY, {
          rows: Math.max(0, totals.rows - doomed.length),
          bytes: Math.max(0, totals.bytes - doomed.reduce((n, r) => n + r.bytes, 0)),
        });
      }
      return doomed.length;
    });
  }

  /** Returns rows to pending, not before `notBefore` (wall clock), with one more attempt. */
  async release(ids: string[], notBefore: number, countAttempt = true): Promise<void> {
    checkIds('release().ids', ids);
    checkNumber('release().notBefore', notBefore);
    await this.run('readwrite', async (tx) => {
      for (const id of ids) {
        const row = await tx.getRow(id);
        if (!row) continue;
        row.state = 'pending';
        row.leaseUntil = 0;
        row.batchId = null;
        if (countAttempt) row.attempts += 1;
        row.notBefore = notBefore;
        tx.putRow(row);
      }
    });
  }

  /**
   * Drops rows accepted before `now - maxAgeMs` (reason `expired`); returns how many. Reads every
   * row (once per page, at start), so it also recounts the running totals the caps rely on. The
   * read is a read-only transaction; a read-write one follows only when there is something to
   * change (it reads again: other tabs may have written in between).
   */
  async expire(now: number, maxAgeMs: number): Promise<number> {
    checkNumber('expire().now', now);
    checkNumber('expire().maxAgeMs', maxAgeMs);
    const cutoff = now - maxAgeMs;
    const inspect = async (tx: Tx) => {
      const all = await tx.rows();
      const old = all.filter((r) => r.createdAt < cutoff);
      const totals = {
        rows: all.length - old.length,
        bytes: all.reduce((n, r) => n + r.bytes, 0) - old.reduce((n, r) => n + r.bytes, 0),
      };
      const before = await tx.getMeta<{ rows: number; bytes: number }>(TOTALS_KEY);
      const stale = before?.rows !== totals.rows || before.bytes !== totals.bytes;
      return { old, totals, stale };
    };
    const seen = await this.run('readonly', inspect);
    if (seen.old.length === 0 && !seen.stale) return 0;
    return this.run('readwrite', async (tx) => {
      const { old, totals, stale } = await inspect(tx);
      for (const row of old) tx.deleteRow(row.id);
      if (stale) tx.putMeta(TOTALS_KEY, totals);
      if (old.length > 0) {
        const drops = (await tx.getMeta<DropCounts>(DROPS_KEY)) ?? {};
        addCounts(drops, 'expired', old.length);
        tx.putMeta(DROPS_KEY, drops);
      }
      return old.length;
    });
  }

  /** Drop counters not yet acknowledged: the sealed report's and those counted since. */
  dropCounts(): Promise<DropCounts> {
    return this.run('readonly', async (tx) => {
      const drops = { ...((await tx.getMeta<DropCounts>(DROPS_KEY)) ?? {}) };
      const sealed = await tx.getMeta<DropReport>(REPORT_KEY);
      for (const [reason, n] of Object.entries(sealed?.counts ?? {})) addCounts(drops, reason, n);
      return drops;
    });
  }

  /**
   * The drop report to send with the next batch: the sealed one if a send of it is still
   * unacknowledged, else the counters so far, sealed now under `newId` (and reset: drops counted
   * from now on go to the next report). `undefined` when there is nothing to report.
   */
  async dropReport(newId: string): Promise<DropReport | undefined> {
    const pending = await this.run('readonly', async (tx) => ({
      sealed: await tx.getMeta<DropReport>(REPORT_KEY),
      drops: await tx.getMeta<DropCounts>(DROPS_KEY),
    }));
    if (pending.sealed) return pending.sealed;
    if (!pending.drops || Object.keys(pending.drops).length === 0) return undefined;
    return this.run('readwrite', async (tx) => {
      const sealed = await tx.getMeta<DropReport>(REPORT_KEY);
      if (sealed) return sealed;
      const drops = (await tx.getMeta<DropCounts>(DROPS_KEY)) ?? {};
      if (Object.keys(drops).length === 0) return undefined;
      const report: DropReport = { id: newId, counts: drops };
      tx.putMeta(REPORT_KEY, report);
      tx.deleteMeta(DROPS_KEY);
      return report;
    });
  }

  /** A 2xx acknowledged the report `id`: forget it. */
  settleDropReport(id: string): Promise<void> {
    return this.run('readwrite', async (tx) => {
      const sealed = await tx.getMeta<DropReport>(REPORT_KEY);
      if (sealed?.id === id) tx.deleteMeta(REPORT_KEY);
    });
  }

  /** Returns and resets the drop counters (sealed report included). */
  takeDropCounts(): Promise<DropCounts> {
    return this.run('readwrite', async (tx) => {
      const drops = { ...((await tx.getMeta<DropCounts>(DROPS_KEY)) ?? {}) };
      const sealed = await tx.getMeta<DropReport>(REPORT_KEY);
      for (const [reason, n] of Object.entries(sealed?.counts ?? {})) addCounts(drops, reason, n);
      tx.deleteMeta(DROPS_KEY);
      tx.deleteMeta(REPORT_KEY);
      return drops;
    });
  }

  /**
   * What the outbox holds at `now`: rows waiting to be sent, rows in flight (leased, lease not
   * over) and the drop counters not yet acknowledged. Reads every row (QA tools, not a hot path).
   */
  status(now: number): Promise<{ pending: number; inFlight: number; dropped: DropCounts }> {
    return this.run('readonly', async (tx) => {
      let pending = 0;
      let inFlight = 0;
      for (const row of await tx.rows()) {
        if (row.state === 'leased' && !leaseExpired(row, now)) inFlight++;
        else pending++;
      }
      const dropped = { ...((await tx.getMeta<DropCounts>(DROPS_KEY)) ?? {}) };
      const sealed = await tx.getMeta<DropReport>(REPORT_KEY);
      for (const [reason, n] of Object.entries(sealed?.counts ?? {})) addCounts(dropped, reason, n);
      return { pending, inFlight, dropped };
    });
  }

  /** All rows, oldest first (diagnostics, tests, `flush()` bookkeeping). */
  rows(): Promise<OutboxRow[]> {
    return this.run('readonly', async (tx) => (await tx.rows()).sort(byId));
  }

  /** A meta record (e.g. the fallback sender lease), read-modify-written in one transaction. */
  updateMeta<T, R>(
    key: string,
    fn: (value: T | undefined) => { value?: T; delete?: boolean; result: R },
  ): Promise<R> {
    return this.run('readwrite', async (tx) => {
      const out = fn(await tx.getMeta<T>(key));
      if (out.delete) tx.deleteMeta(key);
      else if (out.value !== undefined) tx.putMeta(key, out.value);
      return out.result;
    });
  }

  /** Closes the connection; later calls reject with `destroyed`. */
  close(): void {
    this.closed = true;
    this.idb?.close();
    void this.ready.then(() => this.idb?.close());
  }
}
