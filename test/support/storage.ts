// The unit tests of the storage layer (src/util/*-backend.test.ts, the stores' tests): a small
// database of two stores, and IndexedDB transactions that fail on demand.
import type { DBSchema, IDBPDatabase } from 'idb';
import { vi } from 'vitest';
import type { StoreLayout } from '../../src/util/store-tx.js';

export interface Row {
  id: string;
  rank: number;
  note?: string;
}

/** Rows with inline keys and an index (as the outbox has), and plain key-value records. */
export interface TestDB extends DBSchema {
  rows: { key: string; value: Row; indexes: { by_rank: [number, string] } };
  kv: { key: string; value: number };
}

export const LAYOUT: StoreLayout<TestDB> = {
  rows: { keyPath: 'id', indexes: { by_rank: ['rank', 'id'] } },
  kv: {},
};
export const BOTH: ('rows' | 'kv')[] = ['rows', 'kv'];

export function upgradeTestDB(db: IDBPDatabase<TestDB>, oldVersion: number): void {
  if (oldVersion < 1) {
    const rows = db.createObjectStore('rows', { keyPath: LAYOUT.rows.keyPath });
    rows.createIndex('by_rank', LAYOUT.rows.indexes!.by_rank);
    db.createObjectStore('kv');
  }
}

/**
 * Makes the next `times` transactions the page asks for throw a `DOMException` named `name` (a
 * disk error by default), then work again. fake-indexeddb's own upgrade transactions go through
 * the same method and are let through: a browser never makes them there.
 */
export function failTransactions(times: number, name = 'UnknownError'): void {
  let left = times;
  const original = IDBDatabase.prototype.transaction;
  const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
    this: IDBDatabase,
    ...args
  ) {
    if ((args[1] as string) === 'versionchange') return original.apply(this, args);
    if (left-- <= 0) {
      spy.mockRestore();
      return original.apply(this, args);
    }
    throw new DOMException('simulated', name);
  });
}
