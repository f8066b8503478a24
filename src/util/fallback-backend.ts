import type { DBSchema, IDBPTransaction, StoreNames } from 'idb';
import { describeError, OfferwiseError } from './errors.js';
import { quiet } from './guards.js';
import { IdbConnection, OPEN_TIMEOUT_MS, withTimeout, type IdbConnectionOptions } from './idb.js';
import { MemoryBackend } from './memory-backend.js';
import {
  CallerError,
  type Backend,
  type MemorySnapshot,
  type ReadTx,
  type StoreLayout,
  type WriteTx,
} from './store-tx.js';

type AnyTx<DB extends DBSchema> = IDBPTransaction<DB, StoreNames<DB>[], 'readonly' | 'readwrite'>;

function readTx<DB extends DBSchema>(tx: AnyTx<DB>): ReadTx<DB> {
  const after = <K>(key: K | undefined) =>
    key === undefined ? null : IDBKeyRange.lowerBound(key, true);
  return {
    get: (store, key) => tx.objectStore(store).get(key),
    getAll: (store, key, count) => tx.objectStore(store).getAll(after(key), count),
    getAllFromIndex: (store, index, key, count) =>
      tx.objectStore(store).index(index).getAll(after(key), count),
    entries: async (store) => {
      const s = tx.objectStore(store);
      const [keys, values] = await Promise.all([s.getAllKeys(), s.getAll()]);
      return keys.map((key, i) => [key, values[i]!]);
    },
  };
}

function writeTx<DB extends DBSchema>(
  tx: IDBPTransaction<DB, StoreNames<DB>[], 'readwrite'>,
): WriteTx<DB> {
  return {
    ...readTx(tx),
    // Failures of writes surface through `tx.done`.
    put: (store, value, key) => void quiet(tx.objectStore(store).put(value, key)),
    delete: (store, key) => void quiet(tx.objectStore(store).delete(key)),
  };
}

export interface FallbackOptions<DB extends DBSchema> extends IdbConnectionOptions<DB> {
  /** The stores' key paths, for the memory backend. */
  layout: StoreLayout<DB>;
  /** Start in memory: no database is opened. */
  memoryOnly?: boolean;
  /** What "closed" errors call the store (`the outbox store`). */
  what: string;
  /** Reported when the store goes to memory, with {@link FallbackOptions.fallbackMessage}. */
  fallbackCode: 'state_fallback' | 'outbox_fallback';
  /** `reason`: the error; `opening`: the database did not open (else a transaction failed). */
  fallbackMessage: (reason: string, opening: boolean) => string;
  /**
   * What the memory backend starts from after a failed transaction (none: empty). `read` runs a
   * read-only transaction on the failing database; it rejects after {@link OPEN_TIMEOUT_MS}.
   * Never rejects.
   */
  carry?: (
    read: <T>(stores: StoreNames<DB>[], fn: (tx: ReadTx<DB>) => Promise<T>) => Promise<T>,
  ) => Promise<MemorySnapshot<DB> | undefined>;
}

/**
 * A store's database with the fallback every store needs: IndexedDB through one
 * {@link IdbConnection}, or memory for the rest of the page when it cannot be opened (throws,
 * or takes more than {@link OPEN_TIMEOUT_MS}) or a transaction fails after the one reopen on a
 * lost connection. The switch happens once, reported as `fallbackCode`; transactions asked for
 * meanwhile wait for it and run in memory.
 */
export class FallbackBackend<DB extends DBSchema> implements Backend<DB> {
  private idb: IdbConnection<DB> | undefined;
  private memory: MemoryBackend<DB> | undefined;
  private switching: Promise<void> | undefined;
  private closed = false;
  private readonly ready: Promise<void>;

  constructor(private readonly options: FallbackOptions<DB>) {
    this.ready = options.memoryOnly ? this.toMemory() : this.start();
  }

  /** Where transactions run now. */
  get storage(): 'indexeddb' | 'memory' {
    return this.memory ? 'memory' : 'indexeddb';
  }

  /** Where transactions run once the database opened or failed to. */
  async kind(): Promise<'indexeddb' | 'memory'> {
    await this.ready;
    return this.storage;
  }

  private async toMemory(): Promise<void> {
    this.memory = new MemoryBackend(this.options.layout);
  }

  private async start(): Promise<void> {
    const link = new IdbConnection(this.options);
    try {
      await link.connection();
      this.idb = link;
    } catch (error) {
      link.close();
      this.memory = new MemoryBackend(this.options.layout);
      if (!this.closed) {
        this.options.report(
          this.options.fallbackCode,
          this.options.fallbackMessage(describeError(error), true),
        );
      }
    }
  }

  private destroyed(): OfferwiseError {
    return new OfferwiseError('destroyed', `${this.options.what} was closed`);
  }

  read<T>(stores: StoreNames<DB>[], fn: (tx: ReadTx<DB>) => Promise<T>): Promise<T> {
    return this.run(
      (idb) => idb.transaction(stores, 'readonly', (tx) => fn(readTx(tx))),
      (memory) => memory.read(stores, fn),
    );
  }

  write<T>(
    stores: StoreNames<DB>[],
    fn: (tx: WriteTx<DB>) => Promise<T>,
    lateFailure?: (error: unknown) => void,
  ): Promise<T> {
    return this.run(
      (idb) => idb.transaction(stores, 'readwrite', (tx) => fn(writeTx(tx)), lateFailure),
      (memory) => memory.write(stores, fn),
    );
  }

  private async run<T>(
    onDisk: (idb: IdbConnection<DB>) => Promise<T>,
    inMemory: (memory: MemoryBackend<DB>) => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw this.destroyed();
    await this.ready;
    if (this.switching) await this.switching;
    const idb = this.idb;
    if (idb && !this.memory) {
      try {
        return await onDisk(idb);
      } catch (error) {
        if (error instanceof CallerError) throw error.error;
        if (error instanceof OfferwiseError && error.code === 'invalid_input') throw error;
        if (this.closed) throw this.destroyed();
        this.switching ??= this.fallBack(idb, error);
        await this.switching;
        if (this.closed) throw this.destroyed();
      }
    }
    try {
      return await inMemory(this.memory!);
    } catch (error) {
      throw error instanceof CallerError ? error.error : error;
    }
  }

  /** Switches to memory after a failed transaction, starting from what `carry` reads. */
  private async fallBack(idb: IdbConnection<DB>, error: unknown): Promise<void> {
    const o = this.options;
    o.report(o.fallbackCode, o.fallbackMessage(describeError(error), false));
    const snapshot = await o.carry?.((stores, fn) =>
      withTimeout(
        idb.transaction(stores, 'readonly', (tx) => fn(readTx(tx))),
        OPEN_TIMEOUT_MS,
        () => undefined,
      ),
    );
    idb.close();
    this.idb = undefined;
    this.memory = new MemoryBackend(o.layout, snapshot);
  }

  /**
   * For a store about to delete its database: memory starts empty again; a connection is closed
   * (the next transaction reopens it, creating the database afresh).
   */
  reset(): void {
    if (this.memory) this.memory = new MemoryBackend(this.options.layout);
    this.idb?.drop();
  }

  /** Closes the connection; later transactions reject with `destroyed`. */
  close(): void {
    this.closed = true;
    this.idb?.close();
    void this.ready.then(() => this.idb?.close());
  }
}
