import type { DBSchema, IDBPDatabase, StoreNames } from 'idb';
import type { CounterRecord, SessionRecord } from './caps.js';
import type { Decision } from './types.js';
import type { GroupReportMemo } from '../learning/randomized-response.js';

/** The decision-state database: its schema and upgrade ladder (kept by `state-store.ts`). */

export const DEFAULT_STATE_DB_NAME = 'offerwise-decisions';
/** Version of the decision-state database; each rung of {@link upgradeStateSchema} adds one. */
export const STATE_SCHEMA_VERSION = 1;
export const META_KEY = 'meta';

export interface MetaRecord {
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
  /** Today's group-report draws (`dailyReport`): the same answer all day, at most 3 groups. */
  groupReport?: GroupReportMemo;
}

/** The decision-state database. */
export interface StateDB extends DBSchema {
  /** Impression times per `offer:<id>`, `placement:<name>` and `overall`. */
  counters: { key: string; value: CounterRecord };
  /** One record, {@link META_KEY}: session, seed, last sweep, counters revision. */
  meta: { key: string; value: MetaRecord };
  /** Claims per offer id. */
  claims: { key: string; value: number };
  /** The last decision per placement. */
  decisions: { key: string; value: Decision };
}
export const TABLES: StoreNames<StateDB>[] = ['counters', 'meta', 'claims', 'decisions'];

/**
 * The upgrade ladder. Each rung takes a database of exactly the previous version to the next;
 * only IndexedDB requests may run here.
 *
 * v1: `counters`, `meta`, `claims` and `decisions` (see {@link StateDB}).
 */
export function upgradeStateSchema(db: IDBPDatabase<StateDB>, oldVersion: number): void {
  if (oldVersion < 1) {
    for (const table of TABLES) db.createObjectStore(table);
  }
}
