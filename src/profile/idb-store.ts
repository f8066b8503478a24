import { deleteDB, openDB, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type { NormalizedEvent } from '../events/types.js';
import { OfferwiseError } from '../util/errors.js';
import { quiet } from '../util/guards.js';
import { applyEvent, emptyAggregates, type Aggregates } from './aggregates.js';
import { MAX_TRANSACTION_IDS, type ProfileOptions } from './options.js';
import { SCHEMA_VERSION, upgradeSchema, type ProfileDB } from './schema.js';
import type { ProfileStore, StoreContents, WriteOutcome } from './store.js';

/** How long `indexedDB.open` may take before the profile falls back to memory. */
export const OPEN_TIMEOUT_MS = 3000;
const AGGREGATES = 'aggregates';
type WriteTx = IDBPTransaction<ProfileDB, ('events' | 'state' | 'transactions')[], 'readwrite'>;

export interface IdbStoreHooks {
  /** Reports a non-fatal storage event (blocked upgrade, lost connection, …). */
  diagnostic(code: string, message: string): void;
}

function withTimeout<T>(promise: Promise<T>, ms: number, onLate: (value: T) => void): Promise<T> {
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
function isConnectionError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  return (
    name === 'InvalidStateError' ||
    /connection.*(lost|closed|closing)|database.*closing|being deleted/i.test(message)
  );
}

/** The profile in IndexedDB (through `idb`): one readwrite transaction per batch of events. */
export class IdbStore implements ProfileStore {
  readonly kind = 'indexeddb' as const;
  private db: IDBPDatabase<ProfileDB> | undefined;
  private opening: Promise<IDBPDatabase<ProfileDB>> | undefined;

  private constructor(
    private readonly name: string,
    private readonly options: ProfileOptions,
    private readonly hooks: IdbStoreHooks,
  ) {}

  /** Opens (and if needed upgrades) the database; rejects within {@link OPEN_TIMEOUT_MS}. */
  static async open(
    name: string,
    options: ProfileOptions,
    hooks: IdbStoreHooks,
  ): Promise<IdbStore> {
    const store = new IdbStore(name, options, hooks);
    await store.connection();
    return store;
  }

  private connection(): Promise<IDBPDatabase<ProfileDB>> {
    if (this.db) return Promise.resolve(this.db);
    if (this.opening) return this.opening;
    if (typeof indexedDB === 'undefined') {
      return Promise.reject(
        new OfferwiseError('storage_unavailable', 'indexedDB is not available'),
      );
    }
    let opened: Promise<IDBPDatabase<ProfileDB>>;
    try {
      opened = openDB<ProfileDB>(this.name, SCHEMA_VERSION, {
        upgrade: (db, oldVersion, _newVersion, tx) => {
          upgradeSchema(db, oldVersion, tx).catch(() => tx.abort());
        },
        blocked: () =>
          this.hooks.diagnostic(
            'storage_blocked',
            'another tab keeps an older offerwise database open; waiting for it to close',
          ),
        // Another tab wants to upgrade or delete: step aside, reopen lazily on next use.
        blocking: () => this.drop(),
        terminated: () => {
          this.hooks.diagnostic(
            'storage_terminated',
            'the browser closed the profile database; reopening on next use',
          );
          this.db = undefined;
        },
      });
    } catch (error) {
      return Promise.reject(error);
    }
    const attempt = withTimeout(opened, OPEN_TIMEOUT_MS, (late) => late.close())
      .then((db) => {
        this.db = db;
        return db;
      })
      .finally(() => {
        if (this.opening === attempt) this.opening = undefined;
      });
    this.opening = attempt;
    return attempt;
  }

  private drop(): void {
    this.db?.close();
    this.db = undefined;
  }

  /** Runs `op` on an open connection; a lost connection is reopened and `op` retried once. */
  private async run<T>(op: (db: IDBPDatabase<ProfileDB>) => Promise<T>): Promise<T> {
    try {
      return await op(await this.connection());
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      this.hooks.diagnostic(
        'storage_reconnect',
        `profile database connection lost (${String(error)}); reopening`,
      );
      this.drop();
      return op(await this.connection());
    }
  }

  write(events: NormalizedEvent[]): Promise<WriteOutcome> {
    return this.run(async (db) => {
      const tx = db.transaction(['events', 'state', 'transactions'], 'readwrite', {
        durability: 'relaxed',
      });
      try {
        return await this.fill(tx, events);
      } catch (error) {
        // Never let a half-built batch commit: the events and the aggregates go in together or not at all.
        quiet(tx.done);
        try {
          tx.abort();
        } catch {
          // already finished or aborted
        }
        throw error;
      }
    });
  }

  private async fill(tx: WriteTx, events: NormalizedEvent[]): Promise<WriteOutcome> {
    const log = tx.objectStore('events');
    const txIds = tx.objectStore('transactions');
    const purchaseIds = [
      ...new Set(events.flatMap((e) => (e.transactionId === undefined ? [] : [e.transactionId]))),
    ];
    const [stored, ...known] = await Promise.all([
      tx.objectStore('state').get(AGGREGATES),
      ...purchaseIds.map((id) => txIds.getKey(id)),
    ]);
    const seen = new Set(purchaseIds.filter((_, i) => known[i] !== undefined));
    const agg = (stored as Aggregates | undefined) ?? emptyAggregates();
    let duplicatePurchases = 0;
    for (const event of events) {
      const id = event.transactionId;
      const duplicate = id !== undefined && seen.has(id);
      if (duplicate) duplicatePurchases++;
      else if (id !== undefined) {
        seen.add(id);
        quiet(txIds.put({ id, at: event.at })); // failures surface through tx.done
      }
      applyEvent(agg, event, this.options, duplicate);
      quiet(log.add(event as never));
    }
    agg.rawEvents += events.length;
    const overflow = agg.rawEvents - this.options.maxEvents;
    if (overflow > 0) {
      // Aggregates already hold every event's effect: compaction only drops the oldest raw rows.
      const oldest = await log.getAllKeys(null, overflow);
      if (oldest.length > 0) {
        await log.delete(IDBKeyRange.bound(oldest[0]!, oldest[oldest.length - 1]!));
      }
      agg.compactedEvents += oldest.length;
      agg.rawEvents -= oldest.length;
    }
    if (purchaseIds.length > 0) {
      const count = await txIds.count();
      if (count > MAX_TRANSACTION_IDS) {
        let excess = count - MAX_TRANSACTION_IDS;
        let cursor = await txIds.index('by_at').openCursor();
        while (cursor && excess-- > 0) {
          await cursor.delete();
          cursor = await cursor.continue();
        }
      }
    }
    await tx.objectStore('state').put(agg, AGGREGATES);
    await tx.done;
    return { duplicatePurchases };
  }

  read(): Promise<Aggregates> {
    return this.run(async (db) => (await db.get('state', AGGREGATES)) ?? emptyAggregates());
  }

  prune(cutoff: number, txCutoff: number): Promise<number> {
    return this.run(async (db) => {
      const tx = db.transaction(['events', 'state', 'transactions'], 'readwrite');
      const expired = await tx
        .objectStore('events')
        .index('by_at')
        .getAllKeys(IDBKeyRange.upperBound(cutoff, true));
      for (const key of expired) quiet(tx.objectStore('events').delete(key));
      const oldIds = await tx
        .objectStore('transactions')
        .index('by_at')
        .getAllKeys(IDBKeyRange.upperBound(txCutoff, true));
      for (const key of oldIds) quiet(tx.objectStore('transactions').delete(key));
      if (expired.length > 0) {
        const agg = (await tx.objectStore('state').get(AGGREGATES)) ?? emptyAggregates();
        agg.rawEvents = Math.max(0, agg.rawEvents - expired.length);
        agg.expiredEvents += expired.length;
        await tx.objectStore('state').put(agg, AGGREGATES);
      }
      await tx.done;
      return expired.length;
    });
  }

  contents(): Promise<StoreContents> {
    return this.run(async (db) => {
      const tx = db.transaction(['events', 'state', 'transactions'], 'readonly');
      const [aggregates, events, transactions] = await Promise.all([
        tx.objectStore('state').get(AGGREGATES),
        tx.objectStore('events').getAll(),
        tx.objectStore('transactions').getAll(),
      ]);
      await tx.done;
      return { aggregates: aggregates ?? emptyAggregates(), events, transactions };
    });
  }

  async erase(): Promise<void> {
    this.drop();
    await deleteProfileDatabase(this.name, this.hooks);
  }

  close(): void {
    this.drop();
  }
}

/**
 * Deletes the profile database. A tab running old code that ignores `versionchange` can hold the
 * delete; it then completes when that tab closes, and the caller is not kept waiting for it.
 */
export async function deleteProfileDatabase(name: string, hooks: IdbStoreHooks): Promise<void> {
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
    hooks.diagnostic(
      'storage_erase_pending',
      blocked
        ? 'deleting the profile database is blocked by another tab; it completes when that tab closes'
        : `deleting the profile database failed or is slow: ${String(error)}`,
    );
  }
}
