import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { Aggregates } from './aggregates.js';
import type { LoggedEvent } from './store.js';

/** Current version of the profile database. Each step of the ladder below upgrades by one. */
export const SCHEMA_VERSION = 2;
export const DEFAULT_DB_NAME = 'offerwise';

export interface ProfileDB extends DBSchema {
  /** The raw event log, in arrival order (`seq`). */
  events: { key: number; value: LoggedEvent; indexes: { by_at: number } };
  /** Single records: `aggregates`. */
  state: { key: string; value: Aggregates };
  /** Purchase transaction ids already counted, for de-duplication. */
  transactions: { key: string; value: { id: string; at: number }; indexes: { by_at: number } };
}

type UpgradeTx = IDBPTransaction<ProfileDB, StoreNames<ProfileDB>[], 'versionchange'>;

/**
 * The upgrade ladder. Each rung takes a database of exactly the previous version to the next and
 * keeps every record; a browser that skipped versions climbs all rungs in one `versionchange`.
 * Only IndexedDB requests are awaited here: anything else would end the upgrade transaction.
 *
 * v1: `events` (raw log) and `state` (aggregates).
 * v2: `events.by_at` for retention by age; `transactions` for purchase de-duplication, filled
 *     from purchases already in the log.
 */
export async function upgradeSchema(
  db: IDBPDatabase<ProfileDB>,
  oldVersion: number,
  tx: UpgradeTx,
): Promise<void> {
  if (oldVersion < 1) {
    db.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
    db.createObjectStore('state');
  }
  if (oldVersion < 2) {
    const events = tx.objectStore('events');
    events.createIndex('by_at', 'at');
    const transactions = db.createObjectStore('transactions', { keyPath: 'id' });
    transactions.createIndex('by_at', 'at');
    if (oldVersion >= 1) {
      for (let cursor = await events.openCursor(); cursor; cursor = await cursor.continue()) {
        const event = cursor.value;
        if (event.name === 'purchase' && typeof event.transactionId === 'string') {
          await tx.objectStore('transactions').put({ id: event.transactionId, at: event.at });
        }
      }
    }
  }
}
