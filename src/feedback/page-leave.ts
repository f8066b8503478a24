import { quiet } from '../util/guards.js';
import { ANONYMOUS_REQUEST } from './delivery.js';
import type { OutboxSettings } from './outbox-options.js';
import type { OutboxRow } from './outbox-schema.js';
import { jsonBytes } from './policy.js';
import type { OutboxStore } from './store.js';
import { carriesDecision, sendableEvent, toWireBatch, uuidv4, type WireEvent } from './wire.js';

/**
 * Body bytes of this page's page-leave requests still in flight, all instances together: the
 * browser's keepalive quota is per page.
 */
let keepaliveBytesInFlight = 0;

/** True where `fetch(…, { keepalive: true })` exists (else only `navigator.sendBeacon` is left). */
export function keepaliveSupported(): boolean {
  try {
    return typeof Request !== 'undefined' && 'keepalive' in Request.prototype;
  } catch {
    return false;
  }
}

const utf8 = new TextEncoder();

export interface PageLeaveOptions {
  store: OutboxStore;
  endpoint: string;
  fetch: typeof fetch;
  /** Send with fetch keepalive (true) or `navigator.sendBeacon` (false). */
  keepalive: boolean;
  settings: OutboxSettings;
  mode: 'full' | 'anonymous';
  /** Wall clock. */
  wall: () => number;
  /** The purge count (`Delivery.epoch`): rows of a request started before a purge stay gone. */
  epoch: () => number;
  /** Rows left the outbox: delivered (`null`). */
  settled: (ids: string[], reason: string | null) => void;
  /** Rows came back to pending: the regular sender should look again. */
  wake: () => void;
}

/**
 * The request made when the page goes away (`visibilitychange` to hidden, `pagehide`; never
 * `unload` or `beforeunload`, which break the back/forward cache): this tab's rows not yet in a
 * batch, sent at once while the page can still send, and leased meanwhile so that they are sent
 * again if nothing confirms them.
 */
export class PageLeave {
  private readonly store: OutboxStore;
  private readonly endpoint: string;
  private readonly fetch: typeof fetch;
  private readonly keepalive: boolean;
  private readonly cfg: OutboxSettings;
  private readonly mode: 'full' | 'anonymous';
  private readonly wall: () => number;
  private readonly epoch: () => number;
  private readonly settled: (ids: string[], reason: string | null) => void;
  private readonly wake: () => void;
  /** Rows accepted by this tab and not yet leased: what a page leave can send at once. */
  private readonly mirror = new Map<string, OutboxRow>();
  /** Set by a page leave; `hidden` and `pagehide` both fire on one leave, one request is enough. */
  private beaconed = false;
  private stopped = false;
  private readonly onVisibility = () => {
    if (typeof document === 'undefined') return;
    if (document.visibilityState === 'hidden') this.leave();
    else this.beaconed = false; // back on screen (or restored from the back/forward cache)
  };
  private readonly onPageHide = () => this.leave();

  constructor(options: PageLeaveOptions) {
    this.store = options.store;
    this.endpoint = options.endpoint;
    this.fetch = options.fetch;
    this.keepalive = options.keepalive;
    this.cfg = options.settings;
    this.mode = options.mode;
    this.wall = options.wall;
    this.epoch = options.epoch;
    this.settled = options.settled;
    this.wake = options.wake;
    if (typeof document !== 'undefined')
      document.addEventListener('visibilitychange', this.onVisibility);
    if (typeof window !== 'undefined') window.addEventListener('pagehide', this.onPageHide);
  }

  /** A row this tab accepted: it may go with the next page leave. */
  remember(row: OutboxRow): void {
    this.mirror.set(row.id, row);
  }

  /** Rows no longer this tab's to send on leaving (a batch took them, or they were evicted). */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.mirror.delete(id);
  }

  /** A purge: rows tied to a decision are not sent on leaving either. */
  forgetDecisions(): void {
    for (const [key, row] of this.mirror) if (carriesDecision(row.event)) this.mirror.delete(key);
  }

  /** Removes the listeners; a request in flight settles nothing any more. */
  stop(): void {
    this.stopped = true;
    if (typeof document !== 'undefined')
      document.removeEventListener('visibilitychange', this.onVisibility);
    if (typeof window !== 'undefined') window.removeEventListener('pagehide', this.onPageHide);
  }

  /**
   * Page leave: one batch of this tab's pending rows (at most `batchMaxEvents`, within what this
   * page's page-leave requests in flight leave of `beaconMaxBytes`), leased while in flight. By
   * fetch keepalive (no cookies, no Referer): a reply the page lives to read settles the rows, a
   * 2xx acknowledges them, anything else (a keepalive quota refused, a network error, a 5xx)
   * returns them to pending. sendBeacon, only where keepalive is missing, sends the shop's cookies
   * and is never answered: its rows come back after the lease (the server dedupes on id).
   */
  private leave(): void {
    if (this.stopped || this.beaconed || this.mirror.size === 0) return;
    const now = this.wall();
    const mode = this.mode;
    const budget = this.cfg.beaconMaxBytes - (this.keepalive ? keepaliveBytesInFlight : 0);
    const rows: OutboxRow[] = [];
    const events: WireEvent[] = [];
    let bytes = jsonBytes(toWireBatch(mode, now, []));
    for (const row of this.mirror.values()) {
      // Past the retention: not sent (the server dedupes for that long only); the next lease
      // drops and counts it.
      if (row.createdAt < now - this.cfg.retentionMs) continue;
      // At most one batch: what a page leave carries may come again after the lease (the server
      // dedupes); one batch bounds those duplicates per page leave.
      if (rows.length >= this.cfg.batchMaxEvents) break;
      const event = sendableEvent(row.event);
      const size = jsonBytes(event) + (rows.length > 0 ? 1 : 0);
      if (bytes + size > budget) break;
      rows.push(row);
      events.push(event);
      bytes += size;
    }
    if (rows.length === 0) return;
    const body = JSON.stringify(toWireBatch(mode, now, events));
    let request: Promise<Response> | undefined;
    try {
      if (this.keepalive) {
        request = this.fetch(this.endpoint, {
          method: 'POST',
          body,
          keepalive: true,
          ...ANONYMOUS_REQUEST,
          headers: { 'Content-Type': 'text/plain' },
        });
      } else if (
        typeof navigator === 'undefined' ||
        typeof navigator.sendBeacon !== 'function' ||
        !navigator.sendBeacon(this.endpoint, new Blob([body], { type: 'text/plain' }))
      ) {
        return;
      }
    } catch {
      return;
    }
    this.beaconed = true;
    const keys = rows.map((r) => r.id);
    for (const key of keys) this.mirror.delete(key);
    const leasing = quiet(this.store.leaseIds(keys, now, this.cfg.leaseMs, uuidv4()));
    if (!request) return;
    const size = utf8.encode(body).length;
    keepaliveBytesInFlight += size;
    const epoch = this.epoch();
    const settle = (delivered: boolean) => {
      keepaliveBytesInFlight = Math.max(0, keepaliveBytesInFlight - size);
      quiet(this.settleLeave(leasing, rows, epoch, delivered));
    };
    request.then(
      (res) => settle(res.status >= 200 && res.status < 300),
      () => settle(false),
    );
  }

  /** A page-leave request's reply came (the page stayed, e.g. only hidden): settle its rows. */
  private async settleLeave(
    leasing: Promise<OutboxRow[]>,
    rows: OutboxRow[],
    epoch: number,
    delivered: boolean,
  ): Promise<void> {
    const leased = new Set((await leasing.catch(() => [] as OutboxRow[])).map((r) => r.id));
    if (this.stopped) return;
    const store = this.store;
    if (delivered) {
      const keys = rows.map((r) => r.id);
      await store.ack(keys);
      this.settled(keys, null);
      return;
    }
    // Not taken: pending again for the regular sender (and the next page leave), except what a
    // purge deleted meanwhile.
    const back = rows.filter(
      (r) => leased.has(r.id) && (this.epoch() === epoch || !carriesDecision(r.event)),
    );
    await store.release(
      back.map((r) => r.id),
      0,
      false,
    );
    for (const row of back) this.mirror.set(row.id, row);
    this.beaconed = false;
    this.wake();
  }
}
