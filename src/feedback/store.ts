import type { ReportDiagnostic } from '../util/diagnostic-codes.js';
import { describeError, fieldError } from '../util/errors.js';
import { FallbackBackend } from '../util/fallback-backend.js';
import type { MemorySnapshot, ReadTx } from '../util/store-tx.js';
import {
  countDrops,
  getMeta,
  putMeta,
  subtractTotals,
  unacknowledgedDrops,
  type MetaKeyOf,
} from './outbox-meta.js';
import {
  OUTBOX_LAYOUT,
  OUTBOX_SCHEMA_VERSION,
  upgradeOutboxSchema,
  type DropCounts,
  type DropReport,
  type MetaKey,
  type OutboxDB,
  type OutboxMeta,
  type OutboxRow,
} from './outbox-schema.js';
import { leaseDue, leaseExpired, leaseRow, VISIT_WINDOW_MS, type LeaseRequest } from './lease.js';
import { outboxDatabaseName } from './purge.js';
import { carriesDecision } from './wire.js';

export {
  OUTBOX_SCHEMA_VERSION,
  upgradeOutboxSchema,
  type DropCounts,
  type DropReport,
  type OutboxRow,
} from './outbox-schema.js';
export { MAX_FUTURE_MS, VISIT_WINDOW_MS, type LeaseRequest } from './lease.js';

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
  carryMeta?: Partial<OutboxMeta>;
  onDiagnostic?: ReportDiagnostic;
}

export const DEFAULT_OUTBOX_NAME = 'offerwise';
export const DEFAULT_MAX_ROWS = 5000;
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
const STORES: ('events' | 'meta')[] = ['events', 'meta'];

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
  private readonly onDiagnostic: ReportDiagnostic | undefined;
  private readonly db: FallbackBackend<OutboxDB>;
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
    const carried = { ...options.carryMeta };
    this.db = new FallbackBackend<OutboxDB>({
      name: this.dbName,
      version: OUTBOX_SCHEMA_VERSION,
      upgrade: upgradeOutboxSchema,
      prefix: 'outbox',
      label: 'outbox database',
      report: this.report,
      layout: OUTBOX_LAYOUT,
      memoryOnly: options.memoryOnly,
      what: 'the outbox store',
      fallbackCode: 'outbox_fallback',
      fallbackMessage: (reason, opening) =>
        opening
          ? `IndexedDB could not be opened (${reason}); feedback is kept in memory for this page`
          : `an outbox transaction failed (${reason}); new feedback is kept in memory for this page, stored rows wait for the next page`,
      // Rows are not carried (they stay on disk for the next page, so they cannot be sent twice
      // by this one); the `carryMeta` records are, or get their conservative values.
      carry: async (read) => {
        const keys = Object.keys(carried) as MetaKey[];
        if (keys.length === 0) return undefined;
        let values: unknown[];
        try {
          values = await read(STORES, (tx) => Promise.all(keys.map((key) => getMeta(tx, key))));
        } catch (carryError) {
          if (!this.closed)
            this.report(
              'outbox_carry_failed',
              `could not read ${keys.join(', ')} before the memory fallback (${describeError(carryError)}); assuming the conservative values`,
            );
          values = keys.map((key) => carried[key]);
        }
        const meta: NonNullable<MemorySnapshot<OutboxDB>['meta']> = [];
        keys.forEach((key, i) => {
          if (values[i] !== undefined) meta.push([key, values[i] as OutboxMeta[MetaKey]]);
        });
        return { meta };
      },
    });
  }

  private readonly report: ReportDiagnostic = (code, message) => {
    try {
      this.onDiagnostic?.(code, message);
    } catch {
      // A listener must not break the store.
    }
  };

  /** `indexeddb` or `memory` (after a fallback). */
  kind(): Promise<'indexeddb' | 'memory'> {
    return this.db.kind();
  }

  /**
   * Commits `rows` (all or none) and evicts to keep the caps in `evictionOrder` (`policy.ts`): lowest
   * priority first, oldest first (counted as `evicted`; possibly some of the new rows). Resolves
   * after the commit: that is "accepted". Reads only the rows it evicts (the `evict` index and the
   * running totals), so a full outbox costs no more per event than an empty one.
   */
  async add(rows: OutboxRow[]): Promise<AddResult> {
    if (!Array.isArray(rows)) throw fieldError('invalid_input', 'add().rows', rows, 'an array');
    const evicted = await this.db.write(STORES, async (tx) => {
      const totals = (await getMeta(tx, 'totals')) ?? { rows: 0, bytes: 0 };
      let count = totals.rows + rows.length;
      let bytes = totals.bytes + rows.reduce((n, r) => n + r.bytes, 0);
      for (const row of rows) tx.put('events', row);
      const over = () => count > this.maxRows || bytes > this.maxBytes;
      const out: string[] = [];
      let after: OutboxDB['events']['indexes']['evict'] | undefined;
      while (over()) {
        const page = await tx.getAllFromIndex(
          'events',
          'evict',
          after,
          Math.min(500, Math.max(16, count - this.maxRows)),
        );
        if (page.length === 0) {
          // The totals ran ahead of the rows (they are recounted when a page starts): recount.
          const all = await tx.getAll('events');
          count = all.length;
          bytes = all.reduce((n, r) => n + r.bytes, 0);
          break;
        }
        for (const row of page) {
          if (!over()) break;
          tx.delete('events', row.id);
          out.push(row.id);
          count--;
          bytes -= row.bytes;
        }
        const tail = page[page.length - 1]!;
        after = [tail.priority, tail.id];
      }
      await countDrops(tx, 'evicted', out.length);
      putMeta(tx, 'totals', { rows: count, bytes });
      return out;
    });
    return { stored: this.db.storage, evicted };
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
    const leased = await this.db.write(STORES, async (tx) => {
      const taken = await leaseDue(tx, {
        maxEvents,
        maxBytes,
        leaseMs,
        now,
        batchId,
        window,
        cutoff,
      });
      expired = taken.expired;
      return taken.batch;
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
    return this.db.write(STORES, async (tx) => {
      const out: OutboxRow[] = [];
      for (const id of ids) {
        const row = await tx.get('events', id);
        if (!row || (row.state === 'leased' && !leaseExpired(row, now))) continue;
        leaseRow(row, now, leaseMs, batchId);
        tx.put('events', row);
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
    return this.db.write(STORES, async (tx) => {
      let removed = 0;
      let bytes = 0;
      for (const id of ids) {
        const row = await tx.get('events', id);
        if (!row) continue;
        tx.delete('events', id);
        removed++;
        bytes += row.bytes;
      }
      await subtractTotals(tx, removed, bytes);
      if (reason !== undefined) await countDrops(tx, reason, removed);
      return removed;
    });
  }

  /**
   * Deletes every row whose event ties it to a decision (`forget()`, a withdrawal), in one
   * transaction, without counting them as drops (a counter would tell the server that this browser
   * withdrew). Returns how many.
   */
  deleteDecisionRows(): Promise<number> {
    return this.db.write(STORES, async (tx) => {
      const doomed = (await tx.getAll('events')).filter((row) => carriesDecision(row.event));
      if (doomed.length === 0) return 0;
      for (const row of doomed) tx.delete('events', row.id);
      const bytes = doomed.reduce((n, r) => n + r.bytes, 0);
      await subtractTotals(tx, doomed.length, bytes);
      return doomed.length;
    });
  }

  /** Returns rows to pending, not before `notBefore` (wall clock), with one more attempt. */
  async release(ids: string[], notBefore: number, countAttempt = true): Promise<void> {
    checkIds('release().ids', ids);
    checkNumber('release().notBefore', notBefore);
    await this.db.write(STORES, async (tx) => {
      for (const id of ids) {
        const row = await tx.get('events', id);
        if (!row) continue;
        row.state = 'pending';
        row.leaseUntil = 0;
        row.batchId = null;
        if (countAttempt) row.attempts += 1;
        row.notBefore = notBefore;
        tx.put('events', row);
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
    const inspect = async (tx: ReadTx<OutboxDB>) => {
      const all = await tx.getAll('events');
      const old = all.filter((r) => r.createdAt < cutoff);
      const totals = {
        rows: all.length - old.length,
        bytes: all.reduce((n, r) => n + r.bytes, 0) - old.reduce((n, r) => n + r.bytes, 0),
      };
      const before = await getMeta(tx, 'totals');
      const stale = before?.rows !== totals.rows || before.bytes !== totals.bytes;
      return { old, totals, stale };
    };
    const seen = await this.db.read(STORES, inspect);
    if (seen.old.length === 0 && !seen.stale) return 0;
    return this.db.write(STORES, async (tx) => {
      const { old, totals, stale } = await inspect(tx);
      for (const row of old) tx.delete('events', row.id);
      if (stale) putMeta(tx, 'totals', totals);
      await countDrops(tx, 'expired', old.length);
      return old.length;
    });
  }

  /** Drop counters not yet acknowledged: the sealed report's and those counted since. */
  dropCounts(): Promise<DropCounts> {
    return this.db.read(STORES, unacknowledgedDrops);
  }

  /**
   * The drop report to send with the next batch: the sealed one if a send of it is still
   * unacknowledged, else the counters so far, sealed now under `newId` (and reset: drops counted
   * from now on go to the next report). `undefined` when there is nothing to report.
   */
  async dropReport(newId: string): Promise<DropReport | undefined> {
    const pending = await this.db.read(STORES, async (tx) => ({
      sealed: await getMeta(tx, 'dropReport'),
      drops: await getMeta(tx, 'drops'),
    }));
    if (pending.sealed) return pending.sealed;
    if (!pending.drops || Object.keys(pending.drops).length === 0) return undefined;
    return this.db.write(STORES, async (tx) => {
      const sealed = await getMeta(tx, 'dropReport');
      if (sealed) return sealed;
      const drops = (await getMeta(tx, 'drops')) ?? {};
      if (Object.keys(drops).length === 0) return undefined;
      const report: DropReport = { id: newId, counts: drops };
      putMeta(tx, 'dropReport', report);
      tx.delete('meta', 'drops');
      return report;
    });
  }

  /** A 2xx acknowledged the report `id`: forget it. */
  settleDropReport(id: string): Promise<void> {
    return this.db.write(STORES, async (tx) => {
      const sealed = await getMeta(tx, 'dropReport');
      if (sealed?.id === id) tx.delete('meta', 'dropReport');
    });
  }

  /** Returns and resets the drop counters (sealed report included). */
  takeDropCounts(): Promise<DropCounts> {
    return this.db.write(STORES, async (tx) => {
      const drops = await unacknowledgedDrops(tx);
      tx.delete('meta', 'drops');
      tx.delete('meta', 'dropReport');
      return drops;
    });
  }

  /**
   * What the outbox holds at `now`: rows waiting to be sent, rows in flight (leased, lease not
   * over) and the drop counters not yet acknowledged. Reads every row (QA tools, not a hot path).
   */
  status(now: number): Promise<{ pending: number; inFlight: number; dropped: DropCounts }> {
    return this.db.read(STORES, async (tx) => {
      let pending = 0;
      let inFlight = 0;
      for (const row of await tx.getAll('events')) {
        if (row.state === 'leased' && !leaseExpired(row, now)) inFlight++;
        else pending++;
      }
      return { pending, inFlight, dropped: await unacknowledgedDrops(tx) };
    });
  }

  /** All rows, oldest first (diagnostics, tests, `flush()` bookkeeping). */
  rows(): Promise<OutboxRow[]> {
    return this.db.read(STORES, (tx) => tx.getAll('events'));
  }

  /**
   * A meta record (e.g. the fallback sender lease, the Retry-After gate), read-modify-written in
   * one transaction: `fn` gets the stored value and returns what to store (`value`, or `delete`)
   * and what to resolve with.
   */
  updateMeta<T, R>(
    key: MetaKeyOf<T>,
    fn: (value: T | undefined) => { value?: T; delete?: boolean; result: R },
  ): Promise<R> {
    return this.db.write(STORES, async (tx) => {
      // MetaKeyOf<T> names the one key whose records are exactly T.
      const out = fn((await getMeta(tx, key)) as T | undefined);
      if (out.delete) tx.delete('meta', key);
      else if (out.value !== undefined) tx.put('meta', out.value as OutboxMeta[MetaKey], key);
      return out.result;
    });
  }

  /** Closes the connection; later calls reject with `destroyed`. */
  close(): void {
    this.closed = true;
    this.db.close();
  }
}
