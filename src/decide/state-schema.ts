import type { DBSchema, IDBPDatabase, StoreNames } from 'idb';
import type { CounterRecord, SessionRecord } from './caps.js';
import type { Decision } from './types.js';
import type { GroupReportMemo } from '../learning/randomized-response.js';

/** The decision-state database: its schema and upgrade ladder (kept by `state-store.ts`). */

export const DEFAULT_STATE_DB_NAME = 'offerwise-decisions';
/** Version of the decision-state database; each rung of {@link upgradeStateSchema} adds one. */
export const STATE_SCHEMA_VERSION = 2;
export const META_KEY = 'meta';

export interface MetaRecord {
  session?: SessionRecord;
  seed?: number;
  /** When stale keys were last swept. */
  sweptAt?: number;
  /**
   * A new random token with every transaction that writes `counters` or this record (from
   * version 2: version 1 changed it only with the counters): while it is unchanged, a copy of
   * this record and of the counters read or written earlier is still what is stored, in this tab
   * or any other.
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
 * v2: the same stores and records; what changed is a promise of every writer: each transaction
 * that writes `meta` gives it a new `rev` (v1 code did so only with the counters), so that a tab
 * may decide from its copy of `meta` and the counters while `rev` is unchanged. The version keeps
 * v1 code, which would write `meta` without a new `rev`, out of a database v2 code uses (it opens
 * it no more: its store falls back to memory, reported as `state_fallback`).
 */
export function upgradeStateSchema(db: IDBPDatabase<StateDB>, oldVersion: number): void {
  if (oldVersion < 1) {
    for (const table of TABLES) db.createObjectStore(table);
  }
  // v1 → v2: nothing to move. A v1 record is a v2 record; no tab holds a copy across the upgrade
  // (copies live in memory, and the connection that held one is closed for the upgrade).
}
