import type { IDBPObjectStore, IDBPTransaction } from 'idb';
import type { NormalizedEvent } from '../events/types.js';
import type { ReportDiagnostic } from '../util/diagnostic-codes.js';
import { deleteDatabase, IdbConnection } from '../util/idb.js';
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
  diagnostic: ReportDiagnostic;
}

/** The profile in IndexedDB (through `idb`): one readwrite transaction per batch of events. */
export class IdbStore implements ProfileStore {
  readonly kind = 'indexeddb' as const;
  private readonly link: IdbConnection<ProfileDB>;
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
    this.link = new IdbConnection<ProfileDB>({
      name,
      version: SCHEMA_VERSION,
      upgrade: (db, oldVersion, tx) => {
        upgradeSchema(db, oldVersion, tx).catch(() => tx.abort());
      },
      prefix: 'storage',
      label: 'profile database',
      report: hooks.diagnostic,
      // Another tab may have written while this one was not connected: the copy cannot be trusted.
      dropped: () => this.invalidate(),
    });
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

  /** Opens (and if needed upgrades) the database; rejects within 3 s (`OPEN_TIMEOUT_MS`). */
  static async open(
    name: string,
    options: ProfileOptions,
    hooks: IdbStoreHooks,
  ): Promise<IdbStore> {
    const store = new IdbStore(name, options, hooks);
    await store.link.connection();
    return store;
  }

  /** Writes the events and the aggregates they change in one transaction (both or neither). */
  async write(events: NormalizedEvent[]): Promise<WriteOutcome> {
    const written = await this.link.transaction(['log', 'state'], 'readwrite', (tx) =>
      this.fill(tx, events),
    );
    this.committed(written.aggregates);
    return written.outcome;
  }

  private async fill(
    tx: WriteTx,
    events: NormalizedEvent[],
  ): Promise<{ outcome: WriteOutcome; aggregates: Aggregates }> {
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
    return { outcome: { duplicatePurchases }, aggregates: agg };
  }

  async adopt(contents: StoreContents): Promise<WriteOutcome> {
    const adopted = await this.link.transaction(['log', 'state'], 'readwrite', async (tx) => {
      const state = tx.objectStore('state');
      const stored = (await state.get(AGGREGATES)) as Aggregates | undefined;
      if (stored !== undefined && stored.firstSeenAt !== null) return false;
      for (let i = 0; i < contents.events.length; i += ADOPT_CHUNK) {
        quiet(tx.objectStore('log').add(chunkOf(contents.events.slice(i, i + ADOPT_CHUNK))));
      }
      const ids: TransactionIds = {};
      for (const { id, at } of contents.transactions) ids[id] = at;
      quiet(state.put(ids, TRANSACTIONS));
      quiet(state.put(contents.aggregates, AGGREGATES));
      return true;
    });
    if (adopted) {
      this.committed(structuredClone(contents.aggregates));
      return { duplicatePurchases: 0 };
    }
    // A profile exists already: it gets the raw events, replayed.
    const lost = contents.aggregates.compactedEvents + contents.aggregates.expiredEvents;
    if (lost > 0) {
      this.hooks.diagnostic(
        'consent_carry_partial',
        `${lost} events gathered while consent was pending had already left the in-memory log; the existing profile gets the other ${contents.events.length}`,
      );
    }
    return contents.events.length > 0 ? this.write(contents.events) : { duplicatePurchases: 0 };
  }

  /**
   * `read(true)` hands out the copy itself, not a clone (decisions read it on every call): the
   * caller must not change it. Nothing here changes it either: every commit replaces it whole.
   */
  async read(cached = false): Promise<Aggregates> {
    if (cached && this.cached) return this.cached;
    const generation = this.generation;
    const aggregates = await this.link.transaction(
      ['state'],
      'readonly',
      async (tx) =>
        ((await tx.objectStore('state').get(AGGREGATES)) as Aggregates | undefined) ??
        emptyAggregates(),
    );
    if (this.channel && generation === this.generation) this.cached = structuredClone(aggregates);
    return aggregates;
  }

  async update(change: (aggregates: Aggregates) => void): Promise<void> {
    const agg = await this.link.transaction(['log', 'state'], 'readwrite', async (tx) => {
      const state = tx.objectStore('state');
      const agg = ((await state.get(AGGREGATES)) as Aggregates | undefined) ?? emptyAggregates();
      change(agg); // a throw aborts the transaction: nothing of the change is kept
      quiet(state.put(agg, AGGREGATES));
      return agg;
    });
    this.committed(agg);
  }

  async prune(cutoff: number, txCutoff: number): Promise<number> {
    const expired = await this.link.transaction(['log', 'state'], 'readwrite', async (tx) => {
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
      return expired;
    });
    this.committed(undefined);
    return expired;
  }

  contents(): Promise<StoreContents> {
    return this.link.transaction(['log', 'state'], 'readonly', async (tx) => {
      const [aggregates, chunks, ids] = await Promise.all([
        tx.objectStore('state').get(AGGREGATES) as Promise<Aggregates | undefined>,
        tx.objectStore('log').getAll(),
        tx.objectStore('state').get(TRANSACTIONS) as Promise<TransactionIds | undefined>,
      ]);
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
    this.link.drop();
    await deleteProfileDatabase(this.name, this.hooks);
  }

  close(): void {
    this.link.close();
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
  return deleteDatabase(name, 'storage_erase_pending', 'profile database', hooks.diagnostic);
}
