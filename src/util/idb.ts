import {
  deleteDB,
  openDB,
  type DBSchema,
  type IDBPDatabase,
  type IDBPTransaction,
  type StoreNames,
} from 'idb';
import type { DiagnosticCode, ReportDiagnostic } from './diagnostic-codes.js';
import { describeError, OfferwiseError } from './errors.js';
import { quiet } from './guards.js';

/**
 * The one way offerwise opens its IndexedDB databases (the profile, the catalog cache, the
 * decision state, the outbox): an {@link IdbConnection} per database, typed by the database's idb
 * `DBSchema`. It opens lazily within {@link OPEN_TIMEOUT_MS}, steps aside for another tab's
 * upgrade or delete, reopens once on a lost connection, runs readwrite transactions with relaxed
 * durability, and reports what happened (`<prefix>_blocked`, `_terminated`, `_reconnect`). The
 * stores that also need a memory fallback run their transactions through `fallback-backend.ts`.
 */

/** How long `indexedDB.open` (or a delete) may take before a store falls back to memory. */
export const OPEN_TIMEOUT_MS = 3000;

/**
 * Settles like `promise`, or rejects with `storage_unavailable` after `ms`. A value that arrives
 * late goes to `onLate` (e.g. to close a connection nobody will use).
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  onLate: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new OfferwiseError('storage_unavailable', `IndexedDB did not open within ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        if (settled) onLate(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!settled) reject(error);
      },
    );
  });
}

/** True for the errors a closed or lost connection produces; those are worth one reopen. */
export function isConnectionError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  return (
    name === 'InvalidStateError' ||
    /connection.*(lost|closed|closing)|database.*closing|being deleted/i.test(message)
  );
}

export interface IdbConnectionOptions<DB extends DBSchema> {
  name: string;
  /** Omitted: open whatever version exists (a database that does not exist gets `upgrade` at 0). */
  version?: number;
  /**
   * The store's upgrade ladder; only IndexedDB requests may be awaited in it. `transaction` is the
   * version-change transaction (to reach stores that exist already, e.g. to add an index).
   */
  upgrade: (
    db: IDBPDatabase<DB>,
    oldVersion: number,
    transaction: IDBPTransaction<DB, StoreNames<DB>[], 'versionchange'>,
  ) => void;
  /** Diagnostic code prefix (`<prefix>_blocked`, `_terminated`, `_reconnect`). */
  prefix: 'storage' | 'state' | 'outbox';
  /** What to call the database in messages. */
  label: string;
  report: ReportDiagnostic;
  /** Called whenever the connection goes (stepped aside, closed by the browser, lost). */
  dropped?: () => void;
}

/**
 * One lazily opened connection: opens within {@link OPEN_TIMEOUT_MS} or rejects, steps aside
 * when another tab upgrades or deletes the database (`blocking`), forgets a connection the
 * browser closed (`terminated`) so that the next use reopens it.
 */
export class IdbConnection<DB extends DBSchema> {
  private db: IDBPDatabase<DB> | undefined;
  private opening: Promise<IDBPDatabase<DB>> | undefined;
  private shut = false;

  constructor(private readonly options: IdbConnectionOptions<DB>) {}

  connection(): Promise<IDBPDatabase<DB>> {
    const o = this.options;
    if (this.shut) return Promise.reject(new OfferwiseError('destroyed', `${o.label} closed`));
    if (this.db) return Promise.resolve(this.db);
    if (this.opening) return this.opening;
    if (typeof indexedDB === 'undefined') {
      return Promise.reject(
        new OfferwiseError('storage_unavailable', 'indexedDB is not available'),
      );
    }
    let opened: Promise<IDBPDatabase<DB>>;
    try {
      opened = openDB<DB>(o.name, o.version, {
        upgrade: (db, oldVersion, _newVersion, transaction) =>
          o.upgrade(db, oldVersion, transaction),
        blocked: () =>
          o.report(
            `${o.prefix}_blocked`,
            `another tab keeps an older ${o.label} open; waiting for it to close`,
          ),
        // Another tab wants to upgrade or delete: step aside, reopen lazily on next use.
        blocking: () => this.drop(),
        terminated: () => {
          o.report(
            `${o.prefix}_terminated`,
            `the browser closed the ${o.label}; reopening on next use`,
          );
          this.db = undefined;
          o.dropped?.();
        },
      });
    } catch (error) {
      return Promise.reject(error);
    }
    const attempt = withTimeout(opened, OPEN_TIMEOUT_MS, (late) => late.close())
      .then((db) => {
        if (this.shut) {
          db.close();
          throw new OfferwiseError('destroyed', `${o.label} closed`);
        }
        this.db = db;
        return db;
      })
      .finally(() => {
        if (this.opening === attempt) this.opening = undefined;
      });
    this.opening = attempt;
    return attempt;
  }

  /** Closes the connection for now; the next use reopens it. */
  drop(): void {
    this.db?.close();
    this.db = undefined;
    this.options.dropped?.();
  }

  /** Closes the connection for good: later uses reject with `destroyed`. */
  close(): void {
    this.shut = true;
    this.drop();
  }

  /**
   * Runs `fn` in one transaction over `stores` (readwrite ones with relaxed durability): its
   * result once the transaction completes, and nothing committed if `fn` throws. A lost
   * connection (`<prefix>_reconnect`) is reopened and `fn` run again, once. With `lateFailure`,
   * a readwrite transaction resolves as soon as `fn` is done and its commit is requested (its
   * writes are then ordered before any later transaction on these stores, in any tab); a commit
   * that fails afterwards goes to `lateFailure` instead.
   */
  async transaction<S extends StoreNames<DB>, M extends 'readonly' | 'readwrite', T>(
    stores: S[],
    mode: M,
    fn: (tx: IDBPTransaction<DB, S[], M>) => Promise<T>,
    lateFailure?: (error: unknown) => void,
  ): Promise<T> {
    try {
      return await this.once(stores, mode, fn, lateFailure);
    } catch (error) {
      if (this.shut || !isConnectionError(error)) throw error;
      this.options.report(
        `${this.options.prefix}_reconnect`,
        `${this.options.label} connection lost (${describeError(error)}); reopening`,
      );
      this.drop();
      return this.once(stores, mode, fn, lateFailure);
    }
  }

  private async once<S extends StoreNames<DB>, M extends 'readonly' | 'readwrite', T>(
    stores: S[],
    mode: M,
    fn: (tx: IDBPTransaction<DB, S[], M>) => Promise<T>,
    lateFailure: ((error: unknown) => void) | undefined,
  ): Promise<T> {
    const db = await this.connection();
    const write = mode === 'readwrite';
    const tx = db.transaction(stores, mode, write ? { durability: 'relaxed' } : undefined);
    try {
      const result = await fn(tx);
      if (write) {
        // Nothing more will be asked of it: commit now rather than when the task ends (older
        // browsers lack commit()).
        tx.commit?.();
        if (lateFailure) {
          tx.done.then(undefined, lateFailure);
          return result;
        }
      }
      await tx.done;
      return result;
    } catch (error) {
      // Never let a half-done read-modify-write commit.
      quiet(tx.done);
      try {
        tx.abort();
      } catch {
        // already finished or aborted
      }
      throw error;
    }
  }
}

/**
 * Deletes a database. A tab running old code that ignores `versionchange` can hold the delete;
 * it then completes when that tab closes, and the caller is not kept waiting for it: after
 * {@link OPEN_TIMEOUT_MS} `code` is reported with what happened to the `label`led database.
 */
export async function deleteDatabase(
  name: string,
  code: DiagnosticCode,
  label: string,
  report: ReportDiagnostic,
): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  let blocked = false;
  try {
    const deleting = deleteDB(name, {
      blocked: () => {
        blocked = true;
      },
    });
    await withTimeout(deleting, OPEN_TIMEOUT_MS, () => undefined);
  } catch (error) {
    report(
      code,
      blocked
        ? `deleting the ${label} is blocked by another tab; it completes when that tab closes`
        : `deleting the ${label} failed or is slow: ${describeError(error)}`,
    );
  }
}
