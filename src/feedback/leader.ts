import { announcePurge, OUTBOX_CHANNEL } from './purge.js';
import type { SenderLease } from './outbox-schema.js';
import type { OutboxStore } from './store.js';
import { localKey } from './wire.js';

export interface LeaderOptions {
  store: OutboxStore;
  /** `null`: no Web Locks, the lease in the meta store instead. */
  locks: LockManager | null;
  /** Wall clock (the lease's expiry). */
  wall: () => number;
  /** How long the lease lasts unless renewed: longer than a request may take. */
  leaseTtlMs: number;
  /** The outbox's database name prefix: purges are announced for it. */
  name: string;
  /** Another tab or instance stored `n` events of `bytes` bytes. */
  onEnqueued: (n: number, bytes: number) => void;
  /** Another tab or instance deleted the rows tied to decisions (of this `name`). */
  onPurged: () => void;
}

/**
 * Which tab sends: at most one sender (and so one POST in flight) per origin. With Web Locks the
 * sender holds the lock `offerwise-outbox` while it drains (others find it taken and stand
 * aside); without them, a lease in the outbox's meta store, renewed before each request and
 * given up when done. A BroadcastChannel carries what the other tabs must hear: events stored
 * (the sender's batch timer starts) and purges (copies held in memory must go).
 */
export class Leader {
  /** The lease's owner id (stored locally, never sent). */
  private readonly me = localKey();
  private channel: BroadcastChannel | undefined;

  constructor(private readonly options: LeaderOptions) {
    if (typeof BroadcastChannel === 'undefined') return;
    try {
      this.channel = new BroadcastChannel(OUTBOX_CHANNEL);
      this.channel.onmessage = (e: MessageEvent) => {
        const d = e.data as { t?: unknown; n?: unknown; b?: unknown; name?: unknown } | null;
        if (d?.t === 'enq' && typeof d.n === 'number' && typeof d.b === 'number') {
          options.onEnqueued(d.n, d.b);
        } else if (d?.t === 'purge' && d.name === options.name) {
          options.onPurged();
        }
      };
    } catch {
      this.channel = undefined;
    }
  }

  /** True when Web Locks elect the sender: no lease to renew before a request. */
  get locked(): boolean {
    return this.options.locks !== null;
  }

  /** Runs `fn` holding the origin-wide sender role; `busy` when another tab holds it. */
  async asSender(fn: () => Promise<'done' | 'stop'>): Promise<'done' | 'stop' | 'busy'> {
    const { locks, store } = this.options;
    if (locks) {
      const result = await locks.request(OUTBOX_CHANNEL, { ifAvailable: true }, async (lock) =>
        lock ? fn() : ('busy' as const),
      );
      return result as 'done' | 'stop' | 'busy';
    }
    if (!(await this.claim())) return 'busy';
    try {
      return await fn();
    } finally {
      await store
        .updateMeta<SenderLease, void>('sender', (v) =>
          v?.owner === this.me ? { delete: true, result: undefined } : { result: undefined },
        )
        .catch(() => undefined);
    }
  }

  /**
   * Without Web Locks: takes or renews the lease; false when another tab holds a live one. A
   * lease further ahead than two lifetimes is a clock that went back: it is taken over.
   */
  claim(): Promise<boolean> {
    const now = this.options.wall();
    const ttl = this.options.leaseTtlMs;
    return this.options.store.updateMeta<SenderLease, boolean>('sender', (v) => {
      const live = v && v.owner !== this.me && v.until > now && v.until <= now + 2 * ttl;
      return live
        ? { result: false }
        : { value: { owner: this.me, until: now + ttl }, result: true };
    });
  }

  /** Tells the other tabs' senders that `n` events of `bytes` bytes were stored. */
  announceEnqueued(n: number, bytes: number): void {
    try {
      this.channel?.postMessage({ t: 'enq', n, b: bytes });
    } catch {
      // the channel may be closed
    }
  }

  /** Tells the other outboxes of this database that the rows tied to decisions are gone. */
  announcePurge(): void {
    try {
      if (this.channel) this.channel.postMessage({ t: 'purge', name: this.options.name });
      else announcePurge(this.options.name);
    } catch {
      // closed by close() meanwhile: other tabs' rows on disk are deleted all the same
    }
  }

  close(): void {
    try {
      this.channel?.close();
    } catch {
      // already closed
    }
    this.channel = undefined;
  }
}
