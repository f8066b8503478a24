import type { NormalizedEvent } from '../events/types.js';
import type { Aggregates } from './aggregates.js';

/** Everything a store holds, for `exportData()` and for moving between stores. */
export interface StoreContents {
  aggregates: Aggregates;
  /** The raw event log, oldest write first. */
  events: NormalizedEvent[];
  transactions: { id: string; at: number }[];
}

/** What a write did, beyond storing the events. */
export interface WriteOutcome {
  /** Purchases skipped because their `transaction_id` was already recorded. */
  duplicatePurchases: number;
}

/**
 * Where the profile lives. Both implementations apply the same pure aggregate code; the IndexedDB
 * one does it inside one readwrite transaction per batch.
 */
export interface ProfileStore {
  readonly kind: 'indexeddb' | 'memory';
  /** Appends the events and folds them into the aggregates atomically. */
  write(events: NormalizedEvent[]): Promise<WriteOutcome>;
  /**
   * Takes over what a pending-consent memory store gathered: into an empty profile as it is
   * (aggregates, log and purchase ids, so nothing compacted is lost); into an existing one by
   * replaying the raw events.
   */
  adopt(contents: StoreContents): Promise<WriteOutcome>;
  /**
   * The aggregates. `cached`: a copy kept in memory may answer, which can miss another tab's
   * write of the last moments (it is dropped when that tab announces the write); that copy is
   * shared, read-only for the caller (`toSnapshot` copies what it hands on).
   */
  read(cached?: boolean): Promise<Aggregates>;
  /** Read-modify-writes the aggregates atomically (e.g. a muted category). */
  update(change: (aggregates: Aggregates) => void): Promise<void>;
  /** Deletes raw events before `cutoff` (and transaction ids before `txCutoff`); returns how many events. */
  prune(cutoff: number, txCutoff: number): Promise<number>;
  contents(): Promise<StoreContents>;
  /** Erases everything this store holds (for IndexedDB: deletes the database). */
  erase(): Promise<void>;
  close(): void;
}
