import type { DBSchema, StoreNames } from 'idb';
import type { Backend, MemorySnapshot, ReadTx, StoreLayout, WriteTx } from './store-tx.js';

type Paths = Record<string, string | string[]>;

/** {@link WriteTx} with its types erased: what one implementation serves for every schema. */
interface LooseTx {
  get(store: string, key: IDBValidKey): Promise<unknown>;
  getAll(store: string, after?: IDBValidKey, count?: number): Promise<unknown[]>;
  getAllFromIndex(
    store: string,
    index: string,
    after?: IDBValidKey,
    count?: number,
  ): Promise<unknown[]>;
  entries(store: string): Promise<[IDBValidKey, unknown][]>;
  put(store: string, value: unknown, key?: IDBValidKey): void;
  delete(store: string, key: IDBValidKey): void;
}

interface Row {
  key: IDBValidKey;
  value: unknown;
}
const DELETED = Symbol('deleted');
type Staged = Map<string, Row | typeof DELETED>;

/** Orders keys as IndexedDB does (numbers, then strings, then arrays element by element). */
export function compareKeys(a: IDBValidKey, b: IDBValidKey): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareKeys(a[i]!, b[i]!);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function rank(key: IDBValidKey): number {
  return typeof key === 'number' ? 0 : typeof key === 'string' ? 1 : Array.isArray(key) ? 2 : 3;
}

function keyAt(value: unknown, path: string | string[]): IDBValidKey {
  if (Array.isArray(path)) return path.map((p) => keyAt(value, p));
  return (value as Record<string, IDBValidKey>)[path]!;
}

/** Distinct for distinct keys of the kinds above (1 and '1' included). */
const canonical = (key: IDBValidKey): string => JSON.stringify(key);

/**
 * The same stores in this page's memory, behind the same transaction interface as IndexedDB:
 * for a store that could not open its database (or lost it), and for memory-only mode.
 * Transactions run one at a time and commit all-or-nothing (a `fn` that throws leaves nothing);
 * values are copies in and out, as structured clone makes them in IndexedDB.
 */
export class MemoryBackend<DB extends DBSchema> implements Backend<DB> {
  private readonly data = new Map<string, Map<string, Row>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly layout: StoreLayout<DB>,
    snapshot?: MemorySnapshot<DB>,
  ) {
    for (const store of Object.keys(layout)) this.data.set(store, new Map());
    for (const [store, entries] of Object.entries(snapshot ?? {})) {
      const rows = this.data.get(store);
      for (const [key, value] of (entries ?? []) as [IDBValidKey, unknown][]) {
        rows?.set(canonical(key), { key, value: structuredClone(value) });
      }
    }
  }

  read<T>(stores: StoreNames<DB>[], fn: (tx: ReadTx<DB>) => Promise<T>): Promise<T> {
    return this.write(stores, fn);
  }

  write<T>(stores: StoreNames<DB>[], fn: (tx: WriteTx<DB>) => Promise<T>): Promise<T> {
    const result = this.queue.then(() => this.exec(stores, fn));
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async exec<T>(scope: StoreNames<DB>[], fn: (tx: WriteTx<DB>) => Promise<T>): Promise<T> {
    const staged = new Map<string, Staged>();
    const stored = (store: string): Map<string, Row> => {
      // As IndexedDB would: a store outside the transaction's scope is a programming error.
      if (!(scope as string[]).includes(store)) {
        throw new DOMException(`${store} is not in this transaction`, 'NotFoundError');
      }
      return this.data.get(store)!;
    };
    const stage = (store: string): Staged => {
      stored(store);
      let writes = staged.get(store);
      if (!writes) staged.set(store, (writes = new Map()));
      return writes;
    };
    /** The store's rows as this transaction sees them, in key order. */
    const rows = (store: string): Row[] => {
      const merged = new Map(stored(store));
      for (const [k, row] of staged.get(store) ?? []) {
        if (row === DELETED) merged.delete(k);
        else merged.set(k, row);
      }
      return [...merged.values()].sort((a, b) => compareKeys(a.key, b.key));
    };
    const page = (list: Row[], after: IDBValidKey | undefined, count: number | undefined) => {
      const from = after === undefined ? list : list.filter((r) => compareKeys(r.key, after) > 0);
      return from.slice(0, count ?? from.length).map((r) => structuredClone(r.value));
    };
    const layout = this.layout as Record<string, { keyPath?: string; indexes?: Paths }>;
    const tx: LooseTx = {
      get: async (store, key) => {
        const k = canonical(key);
        const writes = staged.get(store);
        const row = writes?.has(k) ? writes.get(k) : stored(store).get(k);
        return row === undefined || row === DELETED ? undefined : structuredClone(row.value);
      },
      getAll: async (store, after, count) => page(rows(store), after, count),
      getAllFromIndex: async (store, index, after, count) => {
        const path = layout[store]?.indexes?.[index];
        if (path === undefined) {
          throw new DOMException(`${store} has no index ${index}`, 'NotFoundError');
        }
        // Index order: by the index key, then by the primary key (`rows` is in that order and
        // the sort is stable).
        const byIndex = rows(store)
          .map((r) => ({ key: keyAt(r.value, path), value: r.value }))
          .sort((a, b) => compareKeys(a.key, b.key));
        return page(byIndex, after, count);
      },
      entries: async (store) => rows(store).map((r) => [r.key, structuredClone(r.value)]),
      put: (store, value, key) => {
        const path = layout[store]?.keyPath;
        const k = path === undefined ? key : keyAt(value, path);
        if (k === undefined) throw new DOMException(`no key for ${store}`, 'DataError');
        stage(store).set(canonical(k), { key: k, value: structuredClone(value) });
      },
      delete: (store, key) => void stage(store).set(canonical(key), DELETED),
    };
    // The layout ties store names, keys and values to DB; the generic idb types cannot be
    // narrowed to plain strings and keys inside this class, so the typed view is taken once here.
    const result = await fn(tx as unknown as WriteTx<DB>);
    for (const [store, writes] of staged) {
      const target = this.data.get(store)!;
      for (const [k, row] of writes) {
        if (row === DELETED) target.delete(k);
        else target.set(k, row);
      }
    }
    return result;
  }
}
