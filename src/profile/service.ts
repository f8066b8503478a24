import type { NormalizedEvent } from '../events/types.js';
import type { Consent } from '../privacy/consent.js';
import type { Diagnostics } from '../util/diagnostics.js';
import { emptyAggregates, MAX_MUTED, type Aggregates } from './aggregates.js';
import { deleteProfileDatabase, IdbStore, type IdbStoreHooks } from './idb-store.js';
import { describeError } from '../util/errors.js';
import { MemoryStore } from './memory-store.js';
import { DAY_MS, TRANSACTION_ID_DAYS, type ProfileOptions } from './options.js';
import { SCHEMA_VERSION } from './schema.js';
import { toSnapshot, type ProfileSnapshot } from './snapshot.js';
import type { ProfileStore, WriteOutcome } from './store.js';

/** Events written per transaction at most; a larger backlog takes several. */
const MAX_BATCH = 2000;

export interface ProfileServiceOptions extends ProfileOptions {
  dbName: string;
  now: () => number;
}

/** Everything offerwise stores about this shopper, as returned by `exportData()`. */
export interface ExportedData {
  format: 'offerwise-export';
  schemaVersion: number;
  exportedAt: string;
  storage: 'indexeddb' | 'memory';
  consent: Consent;
  profile: ProfileSnapshot;
  aggregates: Aggregates;
  events: NormalizedEvent[];
  transactions: { id: string; at: number }[];
  /** Frequency-cap counters, claims and the last decision per placement (added by the instance). */
  decisions?: unknown;
}

interface Pending {
  event: NormalizedEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Owns where the profile lives and serialises every operation on it. `track()` calls made in the
 * same task are drained into one transaction; later calls queue behind the one in flight and go
 * in the next, so a burst costs a handful of transactions, not one per event.
 */
export class ProfileService {
  private store: ProfileStore | undefined;
  /** Set after `forget()`: reads answer "empty" without recreating the database. */
  private erased = false;
  private fallback = false;
  private lastAggregates: Aggregates | undefined;
  private pending: Pending[] = [];
  private writeQueued = false;
  private chain: Promise<unknown> = Promise.resolve();

  private readonly hooks: IdbStoreHooks = {
    diagnostic: (code, message) => this.diagnostics.report(code, message),
  };

  constructor(
    private readonly options: ProfileServiceOptions,
    private consentState: Consent,
    private readonly diagnostics: Diagnostics,
    private readonly onWrite: (outcome: WriteOutcome) => void = () => undefined,
  ) {}

  get consent(): Consent {
    return this.consentState;
  }

  /** Runs `op` after everything queued before it. A failed op never blocks the ones after it. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.chain.then(op, op);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private memory(seed?: Aggregates): MemoryStore {
    return new MemoryStore(this.options, seed);
  }

  private useFallback(reason: string): ProfileStore {
    this.diagnostics.report(
      'storage_fallback',
      `IndexedDB is unavailable (${reason}); the profile is kept in memory for this page`,
    );
    this.fallback = true;
    this.store?.close();
    this.store = this.memory(this.lastAggregates);
    return this.store;
  }

  private async acquire(): Promise<ProfileStore> {
    if (this.store) return this.store;
    if (this.consentState !== 'granted') {
      // Denied keeps nothing on disk, including what an earlier page stored under a grant.
      if (this.consentState === 'denied')
        await deleteProfileDatabase(this.options.dbName, this.hooks);
      this.store = this.memory();
      return this.store;
    }
    try {
      this.store = await IdbStore.open(this.options.dbName, this.options, this.hooks);
      return this.store;
    } catch (error) {
      return this.useFallback(describeError(error));
    }
  }

  /** Queues a validated event; resolves once it is committed (accepted). */
  enqueue(event: NormalizedEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      this.scheduleWrite();
    });
  }

  private scheduleWrite(): void {
    if (this.writeQueued) return;
    this.writeQueued = true;
    queueMicrotask(() => {
      void this.serial(() => this.drain());
    });
  }

  private async drain(): Promise<void> {
    this.writeQueued = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      const events = batch.map((p) => p.event);
      try {
        this.onWrite(await this.writeBatch(events));
        for (const p of batch) p.resolve();
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
  }

  private async writeBatch(events: NormalizedEvent[]): Promise<WriteOutcome> {
    const store = await this.acquire();
    try {
      return await store.write(events);
    } catch (error) {
      if (store.kind === 'memory') throw error;
      return this.useFallback(describeError(error)).write(events);
    }
  }

  private async read(
    cached = false,
  ): Promise<{ aggregates: Aggregates; storage: 'indexeddb' | 'memory' }> {
    if (this.erased && !this.store)
      return { aggregates: emptyAggregates(), storage: this.storageKind() };
    const store = await this.acquire();
    try {
      const aggregates = await store.read(cached);
      this.lastAggregates = aggregates;
      return { aggregates, storage: store.kind };
    } catch (error) {
      if (store.kind === 'memory') throw error;
      const memory = this.useFallback(describeError(error));
      return { aggregates: await memory.read(), storage: memory.kind };
    }
  }

  private storageKind(): 'indexeddb' | 'memory' {
    return this.consentState === 'granted' && !this.fallback ? 'indexeddb' : 'memory';
  }

  /**
   * Writes what is queued, then reads. `cached` (for decisions): this tab's copy may answer
   * without a database read; it can miss another tab's write of the last few milliseconds.
   */
  snapshot(options: { cached?: boolean } = {}): Promise<ProfileSnapshot> {
    this.flushQueued();
    return this.serial(async () => {
      const { aggregates, storage } = await this.read(options.cached === true);
      return toSnapshot(aggregates, this.options.now(), this.options, storage, this.consentState);
    });
  }

  /** Makes queued events go into the chain now, ahead of whatever is enqueued next. */
  private flushQueued(): void {
    if (this.pending.length > 0) void this.serial(() => this.drain());
  }

  exportData(): Promise<ExportedData> {
    this.flushQueued();
    return this.serial(async () => {
      const now = this.options.now();
      const store = this.erased && !this.store ? this.memory() : await this.acquire();
      const contents = await store.contents();
      return {
        format: 'offerwise-export',
        schemaVersion: SCHEMA_VERSION,
        exportedAt: new Date(now).toISOString(),
        storage: store.kind,
        consent: this.consentState,
        profile: toSnapshot(contents.aggregates, now, this.options, store.kind, this.consentState),
        aggregates: contents.aggregates,
        events: contents.events,
        transactions: contents.transactions,
      };
    });
  }

  /** Adds `category` to (or takes it from) the muted categories, in one transaction. */
  setMuted(category: string, muted: boolean): Promise<void> {
    this.flushQueued();
    return this.serial(async () => {
      const change = (agg: Aggregates) => {
        const list = (agg.muted ?? []).filter((c) => c !== category);
        if (muted) list.push(category);
        agg.muted = list.slice(-MAX_MUTED);
      };
      const store = await this.acquire();
      try {
        await store.update(change);
      } catch (error) {
        if (store.kind === 'memory') throw error;
        await this.useFallback(describeError(error)).update(change);
      }
    });
  }

  /** Erases everything (the database is deleted). Events queued before the call are erased too. */
  forget(): Promise<void> {
    this.flushQueued();
    return this.serial(async () => {
      await this.eraseAll();
      this.lastAggregates = undefined;
    });
  }

  private async eraseAll(): Promise<void> {
    this.store?.close();
    this.store = undefined;
    // Always delete: the database may hold an earlier page's profile even if this page never opened it.
    await deleteProfileDatabase(this.options.dbName, this.hooks);
    this.erased = true;
  }

  /** Changes consent; see {@link Consent} for what each state keeps. */
  setConsent(next: Consent): Promise<void> {
    this.flushQueued();
    return this.serial(async () => {
      const previous = this.consentState;
      if (next === previous) return;
      const current = this.store;
      // Aggregates read under the old state must not seed a later fallback under the new one.
      this.lastAggregates = undefined;
      if (next === 'granted') {
        const carried = previous === 'pending' && current ? await current.contents() : undefined;
        this.consentState = 'granted';
        this.store = undefined;
        this.erased = false;
        this.fallback = false;
        if (carried && carried.events.length + carried.aggregates.compactedEvents > 0) {
          const store = await this.acquire();
          try {
            this.onWrite(await store.adopt(carried));
          } catch (error) {
            if (store.kind === 'memory') throw error;
            this.onWrite(await this.useFallback(describeError(error)).adopt(carried));
          }
        }
        return;
      }
      this.consentState = next;
      this.store = undefined;
      current?.close();
      if (next === 'denied') {
        // Denied keeps nothing on disk: whatever an earlier grant stored is erased.
        await deleteProfileDatabase(this.options.dbName, this.hooks);
      }
    });
  }

  /** Deletes raw events past retention and old transaction ids. Returns how many events. */
  prune(): Promise<number> {
    return this.serial(async () => {
      if (this.erased && !this.store) return 0;
      return this.pruneWith(await this.acquire());
    });
  }

  private async pruneWith(store: ProfileStore): Promise<number> {
    const now = this.options.now();
    try {
      return await store.prune(
        now - this.options.retentionDays * DAY_MS,
        now - TRANSACTION_ID_DAYS * DAY_MS,
      );
    } catch (error) {
      this.diagnostics.report(
        'storage_prune_failed',
        `retention clean-up failed: ${describeError(error)}`,
      );
      return 0;
    }
  }

  /** Waits for everything queued so far. */
  idle(): Promise<void> {
    this.flushQueued();
    return this.serial(async () => undefined);
  }

  close(): void {
    this.store?.close();
  }
}
