import { openDB, type IDBPDatabase, type IDBPObjectStore, type IDBPTransaction } from 'idb';
import type { NormalizedEvent } from '../events/types.js';
import { OfferwiseError } from '../util/errors.js';
import { deleteDatabase, isConnectionError, OPEN_TIMEOUT_MS, withTimeout } from '../util/idb.js';
import { quiet } from '../util/guards.js';
import { applyEvent, emptyAggregates, type Aggregates } from './aggregates.js';
import { MAX_TRANSACTION_IDS, type ProfileOptions } from './options.js';
import {
  SCHEMA_VERSION,
  upgradeSchema,
  type LogChunk,
  type ProfileDB,
  type TransactionIds,
} from './schema.js';
import type { ProfileStore, StoreContents, WriteOutcome } from './store.js';

export { OPEN_TIMEOUT_MS };
const AGGREGATES = 'aggregates';
const TRANSACTIONS = 'transactions';
/** Events per log row when a whole memory profile is adopted. */
const ADOPT_CHUNK = 2000;
type WriteTx = IDBPTransaction<ProfileDB, ('log' | 'state')[], 'readwrite'>;
type LogStore = IDBPObjectStore<ProfileDB, ('log' | 'state')[], 'log', 'readwrite'>;

function chunkOf(events: NormalizedEvent[]): LogChunk {
  let first = Infinity;
  let last = -Infinity;
  for (const event of events) {
    if (event.at < first) first = event.at;
    if (event.at > last) last = event.at;
  }
  return { first, last, events };
}

/** Deletes the `count` oldest raw events (whole chunks, then the head of one); returns how many. */
async function dropOldest(log: LogStore, count: number): Promise<number> {
  let dropped = 0;
  for (
    let cursor = await log.openCursor();
    cursor && dropped < count;
    cursor = await cursor.continue()
  ) {
    const chunk = cursor.value;
    const take = Math.min(chunk.events.length, count - dropped);
    dropped += take;
    if (take === chunk.events.length) await cursor.delete();
    else await cursor.update({ ...chunkOf(chunk.events.slice(take)), seq: chunk.seq! });
  }
  return dropped;
}

/** Keeps the newest {@link MAX_TRANSACTION_IDS} purchase ids. */
function capTransactionIds(ids: TransactionIds): TransactionIds {
  const entries = Object.entries(ids);
  if (entries.length <= MAX_TRANSACTION_IDS) return ids;
  entries.sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(entries.slice(0, MAX_TRANSACTION_IDS));
}

export interface IdbStoreHooks {
  /** Reports a non-fatal storage event (blocked upgrade, lost connection, …). */
  diagnostic(code: string, message: string): void;
}

/** The profile in IndexedDB (through `idb`): one readwrite transaction per batch of events. */
export class IdbStore implements ProfileStore {
  readonly kind = 'indexeddb' as const;
  private db: IDBPDatabase<ProfileDB> | undefined;
  private opening: Promise<IDBPDatabase<ProfileDB>> | undefined;
  /**
   * The aggregates as last committed or read, so that `read(true)` (every decision starts with
   * one) costs no IndexedDB round trip; it may miss another tab's write of the last few
   * milliseconds, so plain `read()` always goes to the database. Kept only while another tab's writes can be heard of: each
   * store announces its commits on a BroadcastChannel named after the database, and an
   * announcement, a lost connection or a delete drops the copy. Without BroadcastChannel every
   * read goes to the database.
   */
  private cached: Aggregates | undefined;
  /** Bumped whenever the copy is dropped: a read that started before must not set it. */
  private generation = 0;
  private readonly channel: BroadcastChannel | undefined;

  private constructor(
    private readonly name: string,
    private readonly options: ProfileOptions,
    private readonly hooks: IdbStoreHooks,
  ) {
    try {
      if (typeof BroadcastChannel === 'function') {
        this.channel = new BroadcastChannel(`offerwise-profile:${name}`);
        this.channel.onmessage = () => this.invalidate();
        // Node's channel would keep a process alive (tests, server-side rendering).
        (this.channel as { unref?: () => void }).unref?.();
      }
    } catch {
      this.channel = undefined;
    }
  }

  private invalidate(): void {
    this.cached = undefined;
    this.generation++;
  }

  /** After a commit of this store: keeps `aggregates` as the copy and tells the other tabs. */
  private committed(aggregates: Aggregates | undefined): void {
    this.invalidate();
    if (!this.channel) return;
    this.cached = aggregates;
    try {
      this.channel.postMessage('changed');
    } catch {
      // Closed: there is no copy to keep either.
      this.cached = undefined;
    }
  }

  /** Opens (and if needed upgrades) the database; rejects within {@link OPEN_TIMEOUT_MS}. */
  static async open(
    name: string,
    options: ProfileOptions,
    hooks: IdbStoreHooks,
  ): Promise<IdbStore> {
    const store = new IdbStore(name, options, hooks);
    await store.connection();
    return store;
  }

  private connection(): Promise<IDBPDatabase<ProfileDB>> {
    if (this.db) return Promise.resolve(this.db);
    if (this.opening) return this.opening;
    if (typeof indexedDB === 'undefined') {
      return Promise.reject(
        new OfferwiseError('storage_unavailable', 'indexedDB is not available'),
      );
    }
    let opened: Promise<IDBPDatabase<ProfileDB>>;
    try {
      opened = openDB<ProfileDB>(this.name, SCHEMA_VERSION, {
        upgrade: (db, oldVersion, _newVersion, tx) => {
          upgradeSchema(db, oldVersion, tx).catch(() => tx.abort());
        },
        blocked: () =>
          this.hooks.diagnostic(
            'storage_blocked',
            'another tab keeps an older offerwise database open; waiting for it to close',
          ),
        // Another tab wants to upgrade or delete: step aside, reopen lazily on next use.
        blocking: () => this.drop(),
        terminated: () => {
          this.invalidate();
          this.hooks.diagnostic(
            'storage_terminated',
            'the browser closed the profile database; reopening on next use',
          );
          this.db = undefined;
        },
      });
    } catch (error) {
      return Promise.reject(error);
    }
    const attempt = withTimeout(opened, OPEN_TIMEOUT_MS, (late) => late.close())
      .then((db) => {
        this.db = db;
        return db;
      })
      .finally(() => {
        if (this.opening === attempt) this.opening = undefined;
      });
    this.opening = attempt;
    return attempt;
  }

  private drop(): void {
    this.invalidate();
    this.db?.close();
    this.db = undefined;
  }

  /** Runs `op` on an open connection; a lost connection is reopened and `op` retried once. */
  private async run<T>(op: (db: IDBPDatabase<ProfileDB>) => Promise<T>): Promise<T> {
    try {
      return await op(await this.connection());
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      this.hooks.diagnostic(
        'storage_reconnect',
        `profile database connection lost (${String(error)}); reopening`,
      );
      this.drop();
      return op(await this.connection());
    }
  }

  write(events: NormalizedEvent[]): Promise<WriteOutcome> {
    return this.run(async (db) => {
      const tx = db.transaction(['log', 'state'], 'readwrite', { durability: 'relaxed' });
      try {
        return await this.fill(tx, events);
      } catch (error) {
        // Never let a half-built batch commit: the events and the aggregates go in together or not at all.
        quiet(tx.done);
        try {
          tx.abort();
        } catch {
          // already finished or aborted
        }
        throw error;
      }
    });
  }

  private async fill(tx: WriteTx, events: NormalizedEvent[]): Promise<WriteOutcome> {
    const state = tx.objectStore('state');
    const hasPurchase = events.some((e) => e.transactionId !== undefined);
    const [stored, storedIds] = await Promise.all([
      state.get(AGGREGATES) as Promise<Aggregates | undefined>,
      hasPurchase ? (state.get(TRANSACTIONS) as Promise<TransactionIds | undefined>) : undefined,
    ]);
    const agg = stored ?? emptyAggregates();
    const ids: TransactionIds = storedIds ?? {};
    let duplicatePurchases = 0;
    let first = Infinity;
    let last = -Infinity;
    for (const event of events) {
      const id = event.transactionId;
      const duplicate = id !== undefined && id in ids;
      if (duplicate) duplicatePurchases++;
      else if (id !== undefined) ids[id] = event.at;
      applyEvent(agg, event, this.options, duplicate);
      if (event.at < first) first = event.at;
      if (event.at > last) last = event.at;
    }
    const log = tx.objectStore('log');
    quiet(log.add({ first, last, events })); // failures surface through tx.done
    agg.rawEvents += events.length;
    const overflow = agg.rawEvents - this.options.maxEvents;
    if (overflow > 0) {
      // Aggregates already hold every event's effect: compaction only drops the oldest raw rows.
      const dropped = await dropOldest(log, overflow);
      agg.compactedEvents += dropped;
      agg.rawEvents -= dropped;
    }
    if (hasPurchase) quiet(state.put(capTransactionIds(ids), TRANSACTIONS));
    quiet(state.put(agg, AGGREGATES));
    await tx.done;
    this.committed(agg);
    return { duplicatePurchases };
  }

  adopt(contents: StoreContents): Promise<WriteOutcome> {
    return this.run(async (db) => {
      const tx = db.transaction(['log', 'state'], 'readwrite');
      const state = tx.objectStore('state');
      const stored = (await state.get(AGGREGATES)) as Aggregates | undefined;
      if (stored !== undefined && stored.firstSeenAt !== null) {
        quiet(tx.done);
        tx.abort();
        const lost = contents.aggregates.compactedEvents + contents.aggregates.expiredEvents;
        if (lost > 0) {
          this.hooks.diagnostic(
            'consent_carry_partial',
            `${lost} events gathered while consent was pending had already left the in-memory log; the existing profile gets the other ${contents.events.length}`,
          );
        }
        return contents.events.length > 0 ? this.write(contents.events) : { duplicatePurchases: 0 };
      }
      for (let i = 0; i < contents.events.length; i += ADOPT_CHUNK) {
        quiet(tx.objectStore('log').add(chunkOf(contents.events.slice(i, i + ADOPT_CHUNK))));
      }
      const ids: TransactionIds = {};
      for (const { id, at } of contents.transactions) ids[id] = at;
      quiet(state.put(ids, TRANSACTIONS));
      quiet(state.put(contents.aggregates, AGGREGATES));
      await tx.done;
      this.committed(structuredClone(contents.aggregates));
      return { duplicatePurchases: 0 };
    });
  }

  async read(cached = false): Promise<Aggregates> {
    if (cached && this.cached) return structuredClone(this.cached);
    const generation = this.generation;
    const aggregates = await this.run(
      async (db) =>
        ((await db.get('state', AGGREGATES)) as Aggregates | undefined) ?? emptyAggregates(),
    );
    if (this.channel && generation === this.generation) this.cached = structuredClone(aggregates);
    return aggregates;
  }

  update(change: (aggregates: Aggregates) => void): Promise<void> {
    return this.run(async (db) => {
      const tx = db.transaction(['log', 'state'], 'readwrite', { durability: 'relaxed' });
      const state = tx.objectStore('state');
      const agg = ((await state.get(AGGREGATES)) as Aggregates | undefined) ?? emptyAggregates();
      try {
        change(agg);
      } catch (error) {
        quiet(tx.done);
        tx.abort();
        throw error;
      }
      quiet(state.put(agg, AGGREGATES));
      await tx.done;
      this.committed(agg);
    });
  }

  prune(cutoff: number, txCutoff: number): Promise<number> {
    return this.run(async (db) => {
      const tx = db.transaction(['log', 'state'], 'readwrite');
      const log = tx.objectStore('log');
      const state = tx.objectStore('state');
      let expired = 0;
      // Chunks whose oldest event is past retention: delete or trim them.
      for (let cursor = await log.openCursor(); cursor; cursor = await cursor.continue()) {
        const chunk = cursor.value;
        if (chunk.first >= cutoff) continue;
        const kept = chunk.events.filter((e) => e.at >= cutoff);
        expired += chunk.events.length - kept.length;
        if (kept.length === 0) await cursor.delete();
        else await cursor.update({ ...chunkOf(kept), seq: chunk.seq! });
      }
      const ids = (await state.get(TRANSACTIONS)) as TransactionIds | undefined;
      if (ids) {
        let changed = false;
        for (const [id, at] of Object.entries(ids)) {
          if (at < txCutoff) {
            delete ids[id];
            changed = true;
          }
        }
        if (changed) await state.put(ids, TRANSACTIONS);
      }
      if (expired > 0) {
        const agg = ((await state.get(AGGREGATES)) as Aggregates | undefined) ?? emptyAggregates();
        agg.rawEvents = Math.max(0, agg.rawEvents - expired);
        agg.expiredEvents += expired;
        await state.put(agg, AGGREGATES);
      }
      await tx.done;
      this.committed(undefined);
      return expired;
    });
  }

  contents(): Promise<StoreContents> {
    return this.run(async (db) => {
      const tx = db.transaction(['log', 'state'], 'readonly');
      const [aggregates, chunks, ids] = await Promise.all([
        tx.objectStore('state').get(AGGREGATES) as Promise<Aggregates | undefined>,
        tx.objectStore('log').getAll(),
        tx.objectStore('state').get(TRANSACTIONS) as Promise<TransactionIds | undefined>,
      ]);
      await tx.done;
      return {
        aggregates: aggregates ?? emptyAggregates(),
        events: chunks.flatMap((c) => c.events),
        transactions: Object.entries(ids ?? {})
          .map(([id, at]) => ({ id, at }))
          .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1)),
      };
    });
  }

  async erase(): Promise<void> {
    this.drop();
    await deleteProfileDatabase(this.name, this.hooks);
  }

  close(): void {
    this.drop();
    try {
      this.channel?.close();
    } catch {
      // already closed
    }
  }
}

/**
 * Deletes the profile database. A tab running old code that ignores `versionchange` can hold the
 * delete; it then completes when that tab closes, and the caller is not kept waiting for it.
 */
export function deleteProfileDatabase(name: string, hooks: IdbStoreHooks): Promise<void> {
  return deleteDatabase(name, 'storage_erase_pending', 'profile database', (code, message) =>
    hooks.diagnostic(code, message),
  );
}
