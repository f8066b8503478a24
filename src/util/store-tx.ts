import type { DBSchema, IndexKey, IndexNames, StoreKey, StoreNames, StoreValue } from 'idb';

/**
 * The one way offerwise keeps state in IndexedDB: a store declares its database as an idb
 * `DBSchema` and a {@link StoreLayout}, and runs its logic in transactions of this interface,
 * which `FallbackBackend` (`fallback-backend.ts`) runs on IndexedDB and `MemoryBackend`
 * in memory, with the same all-or-nothing semantics.
 */

/** The reads of one transaction over a database of schema `DB`: the same over IndexedDB and memory. */
export interface ReadTx<DB extends DBSchema> {
  get<S extends StoreNames<DB>>(
    store: S,
    key: StoreKey<DB, S>,
  ): Promise<StoreValue<DB, S> | undefined>;
  /** Values in key order: those after the key `after` (all when omitted), at most `count`. */
  getAll<S extends StoreNames<DB>>(
    store: S,
    after?: StoreKey<DB, S>,
    count?: number,
  ): Promise<StoreValue<DB, S>[]>;
  /** Values in the order of the index `index`: those after its key `after`, at most `count`. */
  getAllFromIndex<S extends StoreNames<DB>, I extends IndexNames<DB, S>>(
    store: S,
    index: I,
    after?: IndexKey<DB, S, I>,
    count?: number,
  ): Promise<StoreValue<DB, S>[]>;
  /** Every `[key, value]` of the store, in key order. */
  entries<S extends StoreNames<DB>>(store: S): Promise<[StoreKey<DB, S>, StoreValue<DB, S>][]>;
}

/**
 * A read-write transaction. Writes are not awaited (only IndexedDB may be awaited inside a
 * transaction, and a write needs nothing back): a failed one fails the transaction's commit.
 */
export interface WriteTx<DB extends DBSchema> extends ReadTx<DB> {
  /** `key` only for a store without inline keys. */
  put<S extends StoreNames<DB>>(store: S, value: StoreValue<DB, S>, key?: StoreKey<DB, S>): void;
  delete<S extends StoreNames<DB>>(store: S, key: StoreKey<DB, S>): void;
}

/** Where a store's transactions run: IndexedDB or memory, all-or-nothing either way. */
export interface Backend<DB extends DBSchema> {
  read<T>(stores: StoreNames<DB>[], fn: (tx: ReadTx<DB>) => Promise<T>): Promise<T>;
  /** `lateFailure`: see `IdbConnection.transaction` (`idb.ts`). */
  write<T>(
    stores: StoreNames<DB>[],
    fn: (tx: WriteTx<DB>) => Promise<T>,
    lateFailure?: (error: unknown) => void,
  ): Promise<T>;
}

/**
 * An error of the caller (e.g. a callback run inside a transaction), wrapped to tell it from a
 * storage failure: it is rethrown as it was, with no fallback to memory.
 */
export class CallerError {
  constructor(readonly error: unknown) {}
}

/**
 * Where memory finds the keys IndexedDB would: the key path of a store's inline keys (none: the
 * key is given to `put`) and of each of its indexes. The upgrade ladders create the stores from
 * the same paths, so the two backends cannot disagree.
 */
export type StoreLayout<DB extends DBSchema> = {
  [S in StoreNames<DB> & string]: {
    keyPath?: string;
    indexes?: { [I in IndexNames<DB, S>]: string | string[] };
  };
};

/** Stored records by store, as {@link ReadTx.entries} returns them; seeds a memory backend. */
export type MemorySnapshot<DB extends DBSchema> = {
  [S in StoreNames<DB> & string]?: [StoreKey<DB, S>, StoreValue<DB, S>][];
};
