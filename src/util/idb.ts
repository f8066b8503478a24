import { deleteDB, openDB, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { OfferwiseError } from './errors.js';
import { quiet } from './guards.js';

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

/** `Name: message` of an error, for diagnostics. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export interface IdbConnectionOptions {
  name: string;
  version: number;
  /**
   * The store's upgrade ladder; only IndexedDB requests may be awaited in it. `transaction` is the
   * version-change transaction (to reach stores that exist already, e.g. to add an index).
   */
  upgrade: (
    db: IDBPDatabase<unknown>,
    oldVersion: number,
    transaction: IDBPTransaction<unknown, string[], 'versionchange'>,
  ) => void;
  /** Diagnostic code prefix (`state`, `outbox`) and what to call the database in messages. */
  prefix: string;
  label: string;
  report: (code: string, message: string) => void;
}

/**
 * One lazily opened connection: opens within {@link OPEN_TIMEOUT_MS} or rejects, steps aside
 * when another tab upgrades or deletes the database (`blocking`), forgets a connection the
 * browser closed (`terminated`) so that the next use reopens it.
 */
export class IdbConnection {
  private db: IDBPDatabase<unknown> | undefined;
  private opening: Promise<IDBPDatabase<unknown>> | undefined;
  private shut = false;

  constructor(private readonly options: IdbConnectionOptions) {}

  get closed(): boolean {
    return this.shut;
  }

  connection(): Promise<IDBPDatabase<unknown>> {
    const o = this.options;
    if (this.shut) return Promise.reject(new OfferwiseError('destroyed', `${o.label} closed`));
    if (this.db) return Promise.resolve(this.db);
    if (this.opening) return this.opening;
    if (typeof indexedDB === 'undefined') {
      return Promise.reject(
        new OfferwiseError('storage_unavailable', 'indexedDB is not available'),
      );
    }
    let opened: Promise<IDBPDatabase<unknown>>;
    try {
      opened = openDB(o.name, o.version, {
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

  drop(): void {
    this.db?.close();
    this.db = undefined;
  }

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
  async transaction<T>(
    stores: string[],
    mode: IDBTransactionMode,
    fn: (tx: IDBPTransaction<unknown, string[], 'readwrite'>) => Promise<T>,
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

  private async once<T>(
    stores: string[],
    mode: IDBTransactionMode,
    fn: (tx: IDBPTransaction<unknown, string[], 'readwrite'>) => Promise<T>,
    lateFailure: ((error: unknown) => void) | undefined,
  ): Promise<T> {
    const db = await this.connection();
    const tx = db.transaction(
      stores,
      mode,
      mode === 'readwrite' ? { durability: 'relaxed' } : undefined,
    ) as unknown as IDBPTransaction<unknown, string[], 'readwrite'>;
    try {
      const result = await fn(tx);
      // Nothing more will be asked of it: commit now rather than when the task ends.
      if (mode === 'readwrite') (tx as unknown as { commit?: () => void }).commit?.();
      if (lateFailure && mode === 'readwrite') {
        tx.done.then(undefined, lateFailure);
        return result;
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
  code: string,
  label: string,
  report: (code: string, message: string) => void,
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
