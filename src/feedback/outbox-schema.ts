import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { StoreLayout } from '../util/store-tx.js';
import type { WireEvent } from './wire.js';

/**
 * The outbox database `<name>-outbox`: one row per accepted event, and a few meta records. Kept
 * by `store.ts`; `purge.ts` deletes rows from it without the store.
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

/** Rows and bytes stored, kept in step with every write so that caps need not read every row. */
export interface Totals {
  rows: number;
  bytes: number;
}

/** Without Web Locks, the tab that sends holds this lease (see `leader.ts`). */
export interface SenderLease {
  /** The holder's local id (never sent). */
  owner: string;
  /** Wall clock. */
  until: number;
}

/** The meta records, by key. */
export interface OutboxMeta {
  /** Drops counted since the last sealed report. */
  drops: DropCounts;
  totals: Totals;
  /** The sealed drop report awaiting a 2xx. */
  dropReport: DropReport;
  sender: SenderLease;
  /** Wall clock before which no request goes (a server's Retry-After). */
  gate: number;
}
export type MetaKey = keyof OutboxMeta;

export interface OutboxDB extends DBSchema {
  events: { key: string; value: OutboxRow; indexes: { evict: [priority: number, id: string] } };
  meta: { key: MetaKey; value: OutboxMeta[MetaKey] };
}

export const OUTBOX_SCHEMA_VERSION = 2;

/** Where both backends find the keys: rows by `id`; `evict` is the eviction order. */
export const OUTBOX_LAYOUT = {
  events: { keyPath: 'id', indexes: { evict: ['priority', 'id'] } },
  meta: {},
} satisfies StoreLayout<OutboxDB>;

/** The upgrade ladder; each rung takes exactly the previous version to the next. */
export function upgradeOutboxSchema(
  db: IDBPDatabase<OutboxDB>,
  oldVersion: number,
  transaction: IDBPTransaction<OutboxDB, StoreNames<OutboxDB>[], 'versionchange'>,
): void {
  const { events } = OUTBOX_LAYOUT;
  if (oldVersion < 1) {
    // v1: `events` (one row per event), `meta` (drop counters, totals, sender lease).
    db.createObjectStore('events', { keyPath: events.keyPath });
    db.createObjectStore('meta');
  }
  if (oldVersion < 2) {
    // v2: `evict` ([priority, id], the eviction order): a full outbox evicts by reading the few
    // rows it drops, not all of them (5,000 rows read per report() at the cap cost ~60 ms).
    transaction.objectStore('events').createIndex('evict', events.indexes.evict);
  }
}
