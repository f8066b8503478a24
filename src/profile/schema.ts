import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { NormalizedEvent } from '../events/types.js';
import type { Aggregates } from './aggregates.js';

/** Current version of the profile database. Each rung of the ladder below upgrades by one. */
export const SCHEMA_VERSION = 2;
export const DEFAULT_DB_NAME = 'offerwise';
/** Events per chunk when old rows are regrouped during an upgrade. */
const UPGRADE_CHUNK = 500;

/** A run of raw events written by one transaction, oldest first. */
export interface LogChunk {
  seq?: number;
  /** Time of the oldest and of the newest event in the chunk. */
  first: number;
  last: number;
  events: NormalizedEvent[];
}

/** Purchase transaction ids already counted, with the time each was first seen. */
export type TransactionIds = Record<string, number>;

export interface ProfileDB extends DBSchema {
  /** The raw event log, one row per written batch, in write order (`seq`). */
  log: { key: number; value: LogChunk; indexes: { by_last: number } };
  /** Single records: `aggregates` and `transactions`. */
  state: { key: string; value: Aggregates | TransactionIds };
  /**
   * Version 1's raw log, one row per event: only the upgrade ladder ever meets it (it moves the
   * rows into `log` and deletes the store).
   */
  events: { key: number; value: NormalizedEvent & { seq: number } };
}

type UpgradeTx = IDBPTransaction<ProfileDB, StoreNames<ProfileDB>[], 'versionchange'>;

/**
 * The upgrade ladder. Each rung takes a database of exactly the previous version to the next and
 * keeps every record; a browser that skipped versions climbs all rungs in one `versionchange`.
 * Only IndexedDB requests are awaited here: anything else would end the upgrade transaction.
 *
 * v1: `events` (one row per raw event) and `state` (aggregates).
 * v2: the raw log becomes `log`, one row per written batch (a row per event cost one IndexedDB
 *     request per event and capped ingest far below 10,000 events/s), indexed by its newest
 *     event for retention; purchase ids for de-duplication become the `transactions` record,
 *     filled from the purchases already in the v1 log.
 */
export async function upgradeSchema(
  db: IDBPDatabase<ProfileDB>,
  oldVersion: number,
  tx: UpgradeTx,
): Promise<void> {
  if (oldVersion < 1) {
    db.createObjectStore('state');
  }
  if (oldVersion < 2) {
    const log = db.createObjectStore('log', { keyPath: 'seq', autoIncrement: true });
    log.createIndex('by_last', 'last');
    if (oldVersion === 1) await moveV1Events(db, tx);
  }
}

async function moveV1Events(db: IDBPDatabase<ProfileDB>, tx: UpgradeTx): Promise<void> {
  const old = await tx.objectStore('events').getAll();
  const transactions: TransactionIds = {};
  for (let i = 0; i < old.length; i += UPGRADE_CHUNK) {
    const events = old.slice(i, i + UPGRADE_CHUNK).map(({ seq: _seq, ...event }) => event);
    let first = Infinity;
    let last = -Infinity;
    for (const event of events) {
      first = Math.min(first, event.at);
      last = Math.max(last, event.at);
      if (event.name === 'purchase' && typeof event.transactionId === 'string') {
        transactions[event.transactionId] ??= event.at;
      }
    }
    await tx.objectStore('log').add({ first, last, events });
  }
  await tx.objectStore('state').put(transactions, 'transactions');
  db.deleteObjectStore('events');
}
