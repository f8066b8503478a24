import { fieldError, OfferwiseError } from '../util/errors.js';
import { quiet } from '../util/guards.js';
import { describeError } from '../util/idb.js';
import {
  backoffDelay,
  classifyStatus,
  jsonBytes,
  MAX_DELAY_MS,
  parseRetryAfter,
  PRIORITY,
  retryDelay,
} from './policy.js';
import { announcePurge, deleteDecisionRows, OUTBOX_CHANNEL } from './purge.js';
import {
  DEFAULT_OUTBOX_NAME,
  OutboxStore,
  type DropCounts,
  type DropReport,
  type OutboxRow,
} from './store.js';
import {
  carriesDecision,
  localKey,
  sendableEvent,
  toWireBatch,
  toWireEvent,
  uuidv4,
  type FeedbackInput,
  type Measurement,
  type WireEvent,
} from './wire.js';

export { FEEDBACK_TYPES, type FeedbackInput, type Measurement } from './wire.js';

/**
 * The feedback outbox: write-through enqueue (accepted = committed), batched delivery by one
 * sender per origin, leases, the status policy of `policy.ts`, and a page-leave request.
 *
 * What is sent is `wire.ts`'s (fields per measurement mode, their precision, random v4 ids). The
 * transport never identifies the shopper: every request goes with `credentials: 'omit'` (no
 * cookies) and `referrerPolicy: 'no-referrer'` (no page URL). POST `endpoint`,
 * `Content-Type: application/json`, headers `X-Offerwise-Attempt` and `X-Offerwise-Batch`.
 * `droppedId` comes with non-empty `dropped`: the same counters go again under the same id until
 * a 2xx, so the server counts each `droppedId` once. An event's `id` never changes on retry; the
 * server dedupes on it for at least the retention (7 days).
 *
 * Measurement (decided by the caller from consent): `full` persists rows in IndexedDB
 * (`<name>-outbox`); `anonymous` keeps them in this instance's memory only (no database is
 * opened, so rows written without consent never outlive the page or meet rows written with it);
 * `off` stores and sends nothing (`enqueue` resolves with `stored: 'none'`, counted in
 * `stats().suppressed`). {@link Outbox.forgetDecisions} deletes every row tied to a decision.
 */

/** What the outbox holds (for QA tools such as the demo's panel). */
export interface FeedbackStatus {
  /** Where the rows live: on disk, in this page's memory, or nowhere (no endpoint / nothing sent). */
  storage: 'indexeddb' | 'memory' | 'none';
  /** Accepted events waiting to be sent (including those whose lease ran out). */
  pending: number;
  /** Events in a request (or a page-leave request) not yet acknowledged. */
  inFlight: number;
  /** Events given up and not yet reported to the server, by reason. */
  dropped: Record<string, number>;
  /** Events not stored because measurement is off for the consent state. */
  suppressed: number;
}

export interface OutboxOptions {
  endpoint: string;
  measurement?: Measurement;
  /** Database name prefix (`<name>-outbox`); default `offerwise`. */
  name?: string;
  /** Events per batch; default 50. */
  batchMaxEvents?: number;
  /** Bytes of events per batch; default 32 KiB. */
  batchMaxBytes?: number;
  /** Send this long after the first pending event; default 5 s. */
  batchDelayMs?: number;
  /** How long an in-flight or page-leave row stays leased; default 60 s. */
  leaseMs?: number;
  /** A request without reply after this is a network error; default 30 s. */
  requestTimeoutMs?: number;
  /** Give up on rows older than this (wall clock); default 7 days. */
  retentionMs?: number;
  maxRows?: number;
  maxBytes?: number;
  /**
   * Byte budget of page-leave requests in flight in this page; default 60 KiB (the browser allows
   * 64 KiB of keepalive bodies per page, shared with the shop's own).
   */
  beaconMaxBytes?: number;
  fetch?: typeof fetch;
  /**
   * Page leave with `fetch(…, { keepalive: true })` (true) or `navigator.sendBeacon` (false: it
   * sends the shop's cookies, so only where keepalive is missing); default: keepalive where the
   * browser has it.
   */
  keepalive?: boolean;
  /** Wall clock (retention only); default `Date.now`. */
  now?: () => number;
  /** Monotonic clock (timers, backoff); default `performance.now`. */
  monotonic?: () => number;
  random?: () => number;
  /** `null` disables Web Locks (tests of the fallback); default `navigator.locks`. */
  locks?: LockManager | null;
  /** Keep the outbox in memory only (always so under anonymous measurement). */
  memoryOnly?: boolean;
  onDiagnostic?: (code: string, message: string) => void;
}

export interface EnqueueResult {
  /** The event's id as sent (random UUIDv4); null when nothing was stored. */
  id: string | null;
  stored: 'indexeddb' | 'memory' | 'none';
}

export interface FlushSummary {
  /** Of the rows pending at the call: delivered (2xx) by this tab. */
  delivered: number;
  /** Of the rows pending at the call: dropped by this tab, by reason. */
  dropped: DropCounts;
  /** Of the rows pending at the call: still in the outbox. */
  remaining: number;
  /** Why `flush()` stopped (`unavailable`: the script tag could not load the decision half). */
  reason:
    | 'done'
    | 'retry_scheduled'
    | 'another_sender'
    | 'leased'
    | 'destroyed'
    | 'storage_error'
    | 'unavailable';
  /** For `retry_scheduled`: ms until the next attempt. */
  retryInMs?: number;
}

export const DEFAULTS = Object.freeze({
  batchMaxEvents: 50,
  batchMaxBytes: 32 * 1024,
  batchDelayMs: 5000,
  leaseMs: 60_000,
  requestTimeoutMs: 30_000,
  retentionMs: 7 * 24 * 60 * 60_000,
  beaconMaxBytes: 60 * 1024,
});

const SENDER_KEY = 'sender';
const GATE_KEY = 'gate';
/**
 * The persisted gate as assumed by a page that fell back to memory without being able to read
 * it: unknown, so the longest Retry-After we honour (`start()` caps it at `MAX_DELAY_MS`).
 */
const UNKNOWN_GATE = Number.POSITIVE_INFINITY;
/** `post()`'s status for a batch a purge emptied or cut short: nothing to settle. */
const PURGED = -1;
/** Options of every request: no cookies, no page URL. */
const ANONYMOUS_REQUEST = { credentials: 'omit', referrerPolicy: 'no-referrer' } as const;

/**
 * Body bytes of this page's page-leave requests still in flight, all instances together: the
 * browser's keepalive quota is per page.
 */
let keepaliveBytesInFlight = 0;

function keepaliveSupported(): boolean {
  try {
    return typeof Request !== 'undefined' && 'keepalive' in Request.prototype;
  } catch {
    return false;
  }
}

const utf8 = new TextEncoder();

// ---------------------------------------------------------------------------------------------

type Outcome = 'delivered' | 'stop' | 'done';
interface Tracker {
  ids: Set<string>;
  delivered: number;
  dropped: DropCounts;
}

function halves<T>(rows: T[]): [T[], T[]] {
  const mid = Math.ceil(rows.length / 2);
  return [rows.slice(0, mid), rows.slice(mid)];
}

export class Outbox {
  private readonly endpoint: string;
  private readonly measurement: Measurement;
  private readonly store: OutboxStore | undefined;
  private readonly cfg: { -readonly [K in keyof typeof DEFAULTS]: number };
  private readonly doFetch: typeof fetch;
  private readonly wall: () => number;
  private readonly mono: () => number;
  private readonly random: () => number;
  private readonly locks: LockManager | null;
  private readonly report: (code: string, message: string) => void;
  private readonly name: string;
  private readonly keepalive: boolean;
  /** The sender lease's owner id (stored locally, never sent). */
  private readonly me = localKey();
  private channel: BroadcastChannel | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  /** No request before this (monotonic): backoff and Retry-After, for the whole endpoint. */
  private gate = 0;
  private firstPendingAt: number | undefined;
  private pendingCount = 0;
  private pendingBytes = 0;
  private draining: Promise<'done' | 'stop' | 'busy'> | undefined;
  private inflight: AbortController | undefined;
  /** Whether the request in flight carries events tied to a decision (a purge aborts it). */
  private inflightDecisions = false;
  /** Rows accepted by this tab and not yet leased: what a page leave can send at once. */
  private readonly mirror = new Map<string, OutboxRow>();
  /**
   * Bumped by every purge (this page's or another tab's): rows leased before it are not sent when
   * they carry a decision (the purge deletes them; a copy in hand must not go either).
   */
  private epoch = 0;
  private readonly leasedIn = new WeakMap<OutboxRow, number>();
  /** Bumped by this instance's {@link forgetDecisions}: an enqueue that straddles it is refused. */
  private forgets = 0;
  /** The purge in progress: no lease before its deletion has committed. */
  private purging: Promise<unknown> = Promise.resolve();
  private readonly trackers = new Set<Tracker>();
  private lastRetryIn = 0;
  private destroyed = false;
  private suppressed = 0;
  private readonly started: Promise<void>;
  /** Set by a page leave; `hidden` and `pagehide` both fire on one leave, one request is enough. */
  private beaconed = false;
  private readonly onVisibility = () => {
    if (typeof document === 'undefined') return;
    if (document.visibilityState === 'hidden') this.leave();
    else this.beaconed = false; // back on screen (or restored from the back/forward cache)
  };
  private readonly onPageHide = () => this.leave();

  constructor(options: OutboxOptions) {
    if (options === null || typeof options !== 'object') {
      throw fieldError('invalid_config', 'OutboxOptions', options, 'an object');
    }
    if (typeof options.endpoint !== 'string' || options.endpoint === '') {
      throw fieldError('invalid_config', 'OutboxOptions.endpoint', options.endpoint, 'a URL');
    }
    this.endpoint = options.endpoint;
    const m = options.measurement ?? 'full';
    if (m !== 'full' && m !== 'anonymous' && m !== 'off') {
      throw fieldError(
        'invalid_config',
        'OutboxOptions.measurement',
        m,
        "'full' | 'anonymous' | 'off'",
      );
    }
    this.measurement = m;
    const cfg: { -readonly [K in keyof typeof DEFAULTS]: number } = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
      const v = options[key];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !(v > 0)) {
        throw fieldError('invalid_config', `OutboxOptions.${key}`, v, 'a positive number');
      }
      cfg[key] = v;
    }
    this.cfg = cfg;
    this.doFetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this.keepalive = options.keepalive ?? keepaliveSupported();
    this.name = options.name ?? DEFAULT_OUTBOX_NAME;
    this.wall = options.now ?? Date.now;
    this.mono = options.monotonic ?? (() => performance.now());
    this.random = options.random ?? Math.random;
    this.locks =
      options.locks !== undefined
        ? options.locks
        : (typeof navigator !== 'undefined' && navigator.locks) || null;
    this.report = (code, message) => {
      try {
        options.onDiagnostic?.(code, message);
      } catch {
        // never let a listener break us
      }
    };
    if (m === 'off') {
      this.started = Promise.resolve();
      return;
    }
    this.store = new OutboxStore({
      name: options.name,
      maxRows: options.maxRows,
      maxBytes: options.maxBytes,
      // Rows written without consent never reach the disk, where a later page under a grant would
      // find them: anonymous rows live and die with this instance.
      memoryOnly: options.memoryOnly || m === 'anonymous',
      // A page whose first transaction fails must still honour the Retry-After an earlier page
      // committed: carry the gate into the memory store, or assume the worst.
      carryMeta: { [GATE_KEY]: UNKNOWN_GATE },
      onDiagnostic: this.report,
    });
    if (typeof BroadcastChannel !== 'undefined') {
      try {
        this.channel = new BroadcastChannel(OUTBOX_CHANNEL);
        this.channel.onmessage = (e: MessageEvent) => {
          const d = e.data as { t?: unknown; n?: unknown; b?: unknown } | null;
          if (d?.t === 'enq' && typeof d.n === 'number' && typeof d.b === 'number') {
            this.noteEnqueued(d.n, d.b);
          } else if (d?.t === 'purge' && (d as { name?: unknown }).name === this.name) {
            this.purgedElsewhere();
          }
        };
      } catch {
        this.channel = undefined;
      }
    }
    if (typeof document !== 'undefined')
      document.addEventListener('visibilitychange', this.onVisibility);
    if (typeof window !== 'undefined') window.addEventListener('pagehide', this.onPageHide);
    this.started = this.start();
  }

  /** Expires old rows, restores a persisted Retry-After gate and sends what earlier pages left. */
  private async start(): Promise<void> {
    const store = this.store!;
    try {
      await store.expire(this.wall(), this.cfg.retentionMs);
      const until = await store.updateMeta<number, number | undefined>(GATE_KEY, (v) => ({
        result: v,
      }));
      if (typeof until === 'number') {
        const left = Math.min(MAX_DELAY_MS, until - this.wall());
        if (left > 0) this.gate = Math.max(this.gate, this.mono() + left);
      }
    } catch (error) {
      this.report('outbox_start_failed', describeError(error));
    }
    if (!this.destroyed) this.wakeAt(this.mono());
  }

  /** What the outbox holds now; see {@link FeedbackStatus}. Never rejects. */
  async status(): Promise<FeedbackStatus> {
    const base = { suppressed: this.suppressed };
    if (!this.store || this.destroyed) {
      return { storage: 'none', pending: 0, inFlight: 0, dropped: {}, ...base };
    }
    try {
      const [storage, held] = await Promise.all([
        this.store.kind(),
        this.store.status(this.wall()),
      ]);
      return { storage, ...held, ...base };
    } catch (error) {
      this.report('outbox_status_failed', describeError(error));
      return { storage: 'none', pending: 0, inFlight: 0, dropped: {}, ...base };
    }
  }

  stats(): { suppressed: number; storage: Promise<'indexeddb' | 'memory' | 'none'> } {
    return {
      suppressed: this.suppressed,
      storage: this.store ? this.store.kind() : Promise.resolve('none'),
    };
  }

  /** Validates, assigns the ids and commits; resolves when accepted. */
  async enqueue(input: FeedbackInput): Promise<EnqueueResult> {
    if (this.destroyed) throw new OfferwiseError('destroyed', 'the outbox was destroyed');
    const now = this.wall();
    const event = toWireEvent(
      input,
      uuidv4(),
      now,
      this.measurement === 'off' ? 'full' : this.measurement,
    );
    if (!this.store) {
      this.suppressed++;
      return { id: null, stored: 'none' };
    }
    const forgets = this.forgets;
    const key = localKey(now);
    const row: OutboxRow = {
      id: key,
      event,
      bytes: jsonBytes(event),
      priority: PRIORITY[event.type],
      createdAt: now,
      state: 'pending',
      leaseUntil: 0,
      batchId: null,
      attempts: 0,
      notBefore: 0,
    };
    let stored: 'indexeddb' | 'memory';
    try {
      const result = await this.store.add([row]);
      stored = result.stored;
      for (const gone of result.evicted) this.mirror.delete(gone);
      if (this.forgets !== forgets && carriesDecision(event)) {
        // forget() ran while this event was being stored: its decision is forgotten, so is it.
        await this.store.ack([key]);
        throw fieldError(
          'invalid_feedback',
          'feedback.decisionId',
          input.decisionId,
          'a decision made after the last forget() or withdrawal',
        );
      }
      if (!result.evicted.includes(key)) this.mirror.set(key, row);
    } catch (error) {
      if (error instanceof OfferwiseError) {
        if (error.code === 'destroyed' || error.code === 'invalid_feedback') throw error;
      }
      throw new OfferwiseError('storage_failed', `feedback not accepted: ${describeError(error)}`, {
        cause: error,
      });
    }
    if (!this.destroyed) {
      this.noteEnqueued(1, row.bytes);
      try {
        this.channel?.postMessage({ t: 'enq', n: 1, b: row.bytes });
      } catch {
        // the channel may be closed
      }
    }
    return { id: event.id, stored };
  }

  private noteEnqueued(n: number, bytes: number): void {
    if (this.destroyed) return;
    const now = this.mono();
    this.firstPendingAt ??= now;
    this.pendingCount += n;
    this.pendingBytes += bytes;
    const full =
      this.pendingCount >= this.cfg.batchMaxEvents || this.pendingBytes >= this.cfg.batchMaxBytes;
    this.wakeAt(full ? now : this.firstPendingAt + this.cfg.batchDelayMs);
  }

  private wakeAt(at: number): void {
    if (this.destroyed) return;
    const when = Math.max(at, this.gate);
    if (this.timer !== undefined && this.timerAt <= when) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = when;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        quiet(this.pump());
      },
      Math.max(0, when - this.mono()),
    );
  }

  /** Sends what is due, as the origin's only sender; never rejects. */
  private pump(): Promise<'done' | 'stop' | 'busy'> {
    if (this.draining) return this.draining;
    const run = (async () => {
      try {
        await this.started;
        if (this.destroyed) return 'stop' as const;
        const result = await this.asSender(() => this.drain());
        if (result === 'busy') this.wakeAt(this.mono() + this.cfg.batchDelayMs);
        return result;
      } catch (error) {
        this.report('outbox_send_failed', describeError(error));
        this.wakeAt(this.mono() + backoffDelay(1, this.random));
        return 'stop' as const;
      }
    })();
    this.draining = run;
    void run.finally(() => {
      if (this.draining === run) this.draining = undefined;
    });
    return run;
  }

  /** Runs `fn` holding the origin-wide sender role; `busy` when another tab holds it. */
  private async asSender(fn: () => Promise<'done' | 'stop'>): Promise<'done' | 'stop' | 'busy'> {
    if (this.locks) {
      const result = await this.locks.request(
        OUTBOX_CHANNEL,
        { ifAvailable: true },
        async (lock) => (lock ? fn() : ('busy' as const)),
      );
      return result as 'done' | 'stop' | 'busy';
    }
    if (!(await this.claimSender())) return 'busy';
    try {
      return await fn();
    } finally {
      await this.store!.updateMeta<{ owner: string; until: number }, void>(SENDER_KEY, (v) =>
        v?.owner === this.me ? { delete: true, result: undefined } : { result: undefined },
      ).catch(() => undefined);
    }
  }

  /** Fallback without Web Locks: a sender lease in the meta store, renewed before each POST. */
  private claimSender(): Promise<boolean> {
    const now = this.wall();
    const ttl = this.cfg.requestTimeoutMs + 5000;
    return this.store!.updateMeta<{ owner: string; until: number }, boolean>(SENDER_KEY, (v) => {
      const live = v && v.owner !== this.me && v.until > now && v.until <= now + 2 * ttl;
      return live
        ? { result: false }
        : { value: { owner: this.me, until: now + ttl }, result: true };
    });
  }

  /** Sends batches until nothing is due or a retry is scheduled. */
  private async drain(): Promise<'done' | 'stop'> {
    const store = this.store!;
    this.firstPendingAt = undefined;
    this.pendingCount = 0;
    this.pendingBytes = 0;
    for (;;) {
      if (this.destroyed) return 'stop';
      if (this.mono() < this.gate) {
        this.wakeAt(this.gate);
        return 'stop';
      }
      await this.purging;
      const epoch = this.epoch;
      const now = this.wall();
      const rows = await store.lease({
        maxEvents: this.cfg.batchMaxEvents,
        maxBytes: this.cfg.batchMaxBytes,
        leaseMs: this.cfg.leaseMs,
        now,
        batchId: uuidv4(),
        // Retention holds in a page that stays open (or whose clock jumps) too, not only at start.
        expireBefore: now - this.cfg.retentionMs,
        onExpired: (ids) => {
          for (const id of ids) this.mirror.delete(id);
          this.notify(ids, 'expired');
        },
      });
      for (const row of rows) {
        this.mirror.delete(row.id);
        this.leasedIn.set(row, epoch);
      }
      if (rows.length === 0) {
        const drops = await store.dropCounts();
        if (Object.keys(drops).length > 0) {
          const outcome = await this.sendBatch([]);
          if (outcome === 'stop') return 'stop';
        }
        await this.scheduleNextDue();
        return 'done';
      }
      if ((await this.sendBatch(rows)) === 'stop') return 'stop';
    }
  }

  private async scheduleNextDue(): Promise<void> {
    const rows = await this.store!.rows();
    if (rows.length === 0) return;
    const now = this.wall();
    let next = Infinity;
    for (const r of rows) next = Math.min(next, r.state === 'leased' ? r.leaseUntil : r.notBefore);
    const delay = Math.min(Math.max(0, next - now), this.cfg.leaseMs + MAX_DELAY_MS);
    this.wakeAt(this.mono() + delay + 1);
  }

  /** POSTs one batch; returns the status (0: network error) and Retry-After in ms. */
  private async post(
    rows: OutboxRow[],
    report: DropReport | undefined,
  ): Promise<{ status: number; retryAfter: number | undefined }> {
    if (!this.locks && !(await this.claimSender())) return { status: 0, retryAfter: undefined };
    if (this.destroyed) return { status: 0, retryAfter: undefined };
    const epoch = this.epoch;
    if (rows.some((r) => !this.sendable(r))) return { status: PURGED, retryAfter: undefined };
    const body = JSON.stringify(
      toWireBatch(
        this.wireMode(),
        this.wall(),
        rows.map((r) => sendableEvent(r.event)),
        report,
      ),
    );
    const attempt = 1 + rows.reduce((n, r) => Math.max(n, r.attempts), 0);
    const controller = new AbortController();
    this.inflight = controller;
    this.inflightDecisions = rows.some((r) => carriesDecision(r.event));
    const timeout = setTimeout(() => controller.abort(), this.cfg.requestTimeoutMs);
    try {
      const res = await this.doFetch(this.endpoint, {
        method: 'POST',
        body,
        keepalive: false,
        signal: controller.signal,
        ...ANONYMOUS_REQUEST,
        headers: {
          'Content-Type': 'application/json',
          'X-Offerwise-Attempt': String(attempt),
          'X-Offerwise-Batch': rows[0]?.batchId ?? uuidv4(),
        },
      });
      if (this.epoch !== epoch && this.inflightDecisions) {
        return { status: PURGED, retryAfter: undefined };
      }
      return {
        status: res.status,
        retryAfter: parseRetryAfter(
          res.headers?.get?.('Retry-After') ?? null,
          this.wall(),
          res.headers?.get?.('Date') ?? null,
        ),
      };
    } catch {
      const purged = this.epoch !== epoch && this.inflightDecisions;
      return { status: purged ? PURGED : 0, retryAfter: undefined };
    } finally {
      clearTimeout(timeout);
      if (this.inflight === controller) {
        this.inflight = undefined;
        this.inflightDecisions = false;
      }
    }
  }

  /** `anonymous` or `full`: the precision of what this outbox sends. */
  private wireMode(): 'full' | 'anonymous' {
    return this.measurement === 'anonymous' ? 'anonymous' : 'full';
  }

  /** False for a row tied to a decision that was leased before a purge: it is being deleted. */
  private sendable(row: OutboxRow): boolean {
    return !carriesDecision(row.event) || this.leasedIn.get(row) === this.epoch;
  }

  private notify(ids: string[], outcome: string | null): void {
    for (const t of this.trackers) {
      for (const id of ids) {
        if (!t.ids.delete(id)) continue;
        if (outcome === null) t.delivered++;
        else t.dropped[outcome] = (t.dropped[outcome] ?? 0) + 1;
      }
    }
  }

  private async drop(rows: OutboxRow[], reason: string): Promise<void> {
    const ids = rows.map((r) => r.id);
    await this.store!.drop(ids, reason);
    this.notify(ids, reason);
  }

  private async retry(
    rows: OutboxRow[],
    status: number,
    retryAfter: number | undefined,
  ): Promise<'stop'> {
    const attempts = rows.reduce((n, r) => Math.max(n, r.attempts), 0);
    const { delay, fromServer } = retryDelay(retryAfter, attempts, this.random);
    this.lastRetryIn = delay;
    this.gate = Math.max(this.gate, this.mono() + delay);
    const until = this.wall() + delay;
    if (fromServer) {
      await this.store!.updateMeta<number, void>(GATE_KEY, () => ({
        value: until,
        result: undefined,
      }));
    }
    if (rows.length > 0)
      await this.store!.release(
        rows.map((r) => r.id),
        until,
      );
    this.report('outbox_retry', `status ${status}; next attempt in ${delay} ms`);
    this.wakeAt(this.gate);
    return 'stop';
  }

  /**
   * Sends `rows` (leased) and settles them: ack, retry (release + gate), split on 413, bisect
   * on 400, drop otherwise. `stop` when a retry was scheduled.
   */
  private async sendBatch(rows: OutboxRow[]): Promise<Outcome> {
    if (this.destroyed) return 'stop';
    const report = await this.store!.dropReport(uuidv4());
    const { status, retryAfter } = await this.post(rows, report);
    if (this.destroyed) return 'stop';
    // A purge deleted these rows (or is deleting them): nothing to settle, carry on.
    if (status === PURGED) return 'done';
    const verdict = classifyStatus(status);
    switch (verdict.action) {
      case 'delivered': {
        const ids = rows.map((r) => r.id);
        await this.store!.ack(ids);
        if (report) await this.store!.settleDropReport(report.id);
        this.notify(ids, null);
        return 'delivered';
      }
      case 'retry':
        return this.retry(rows, status, retryAfter);
      case 'drop':
        await this.drop(rows, verdict.reason);
        return 'done';
      case 'split': {
        if (rows.length <= 1) {
          await this.drop(rows, 'too_large');
          return 'done';
        }
        const [a, b] = halves(rows);
        if ((await this.sendBatch(a)) === 'stop') {
          await this.store!.release(
            b.map((r) => r.id),
            0,
            false,
          );
          return 'stop';
        }
        return this.sendBatch(b);
      }
      case 'bisect':
        return this.bisect(rows);
    }
  }

  /**
   * `known` was rejected with 400: find the bad event by halving (the half sent first either
   * goes through, so the other half holds the bad event, or is rejected in turn). Halves never
   * sent are sent together at the end. One bad event among n costs at most log2(n) requests to
   * find, plus one for the untested halves when the bad event was in a first half.
   */
  private async bisect(known: OutboxRow[]): Promise<Outcome> {
    let bad = known;
    const untested: OutboxRow[] = [];
    while (bad.length > 1) {
      const [a, b] = halves(bad);
      const report = await this.store!.dropReport(uuidv4());
      const { status, retryAfter } = await this.post(a, report);
      if (this.destroyed) return 'stop';
      if (status === PURGED) return 'done';
      const verdict = classifyStatus(status);
      if (verdict.action === 'delivered') {
        await this.store!.ack(a.map((r) => r.id));
        if (report) await this.store!.settleDropReport(report.id);
        this.notify(
          a.map((r) => r.id),
          null,
        );
        bad = b;
      } else if (verdict.action === 'bisect') {
        untested.push(...b);
        bad = a;
      } else if (verdict.action === 'retry') {
        return this.retry([...bad, ...untested], status, retryAfter);
      } else {
        // 413 or a drop status on a half: settle that half on its own, the rest is untested.
        untested.push(...b);
        bad = [];
        if (verdict.action === 'drop') await this.drop(a, verdict.reason);
        else if ((await this.sendBatch(a)) === 'stop') {
          await this.store!.release(
            untested.map((r) => r.id),
            0,
            false,
          );
          return 'stop';
        }
      }
    }
    if (bad.length === 1) await this.drop(bad, 'rejected');
    if (untested.length > 0) return this.sendBatch(untested);
    return 'done';
  }

  /**
   * Sends now; resolves when everything pending at the call is delivered or dropped, or with
   * the reason it stopped (a retry is scheduled, another tab is sending, rows leased elsewhere).
   */
  async flush(): Promise<FlushSummary> {
    const empty = (reason: FlushSummary['reason']): FlushSummary => ({
      delivered: 0,
      dropped: {},
      remaining: 0,
      reason,
    });
    if (!this.store) return empty('done');
    if (this.destroyed) return empty('destroyed');
    await this.started;
    let ids: string[];
    try {
      ids = (await this.store.rows()).map((r) => r.id);
    } catch {
      return empty('storage_error');
    }
    const tracker: Tracker = { ids: new Set(ids), delivered: 0, dropped: {} };
    this.trackers.add(tracker);
    let reason: FlushSummary['reason'] = 'done';
    try {
      for (let round = 0; tracker.ids.size > 0; round++) {
        if (this.destroyed) {
          reason = 'destroyed';
          break;
        }
        if (this.mono() < this.gate) {
          reason = 'retry_scheduled';
          this.lastRetryIn = this.gate - this.mono();
          break;
        }
        const result = await this.pump();
        if (result === 'busy') {
          reason = 'another_sender';
          break;
        }
        if (result === 'stop') {
          reason = this.destroyed ? 'destroyed' : 'retry_scheduled';
          break;
        }
        if (tracker.ids.size > 0) {
          // Not delivered, not due: leased by a beacon or another tab, or removed elsewhere.
          const left = new Set((await this.store.rows()).map((r) => r.id));
          for (const id of [...tracker.ids]) if (!left.has(id)) tracker.ids.delete(id);
          if (tracker.ids.size > 0 && round > 0) {
            reason = 'leased';
            break;
          }
        }
      }
    } catch {
      reason = 'storage_error';
    } finally {
      this.trackers.delete(tracker);
    }
    const summary: FlushSummary = {
      delivered: tracker.delivered,
      dropped: tracker.dropped,
      remaining: tracker.ids.size,
      reason,
    };
    if (reason === 'retry_scheduled') summary.retryInMs = this.lastRetryIn;
    return summary;
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
    if (this.destroyed || this.beaconed || !this.store || this.mirror.size === 0) return;
    const now = this.wall();
    const mode = this.wireMode();
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
        request = this.doFetch(this.endpoint, {
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
    const epoch = this.epoch;
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
    if (this.destroyed) return;
    const store = this.store!;
    if (delivered) {
      const keys = rows.map((r) => r.id);
      await store.ack(keys);
      this.notify(keys, null);
      return;
    }
    // Not taken: pending again for the regular sender (and the next page leave), except what a
    // purge deleted meanwhile.
    const back = rows.filter(
      (r) => leased.has(r.id) && (this.epoch === epoch || !carriesDecision(r.event)),
    );
    await store.release(
      back.map((r) => r.id),
      0,
      false,
    );
    for (const row of back) this.mirror.set(row.id, row);
    this.beaconed = false;
    this.wakeAt(this.mono());
  }

  /** Drops, in this page, what ties events to decisions: a request in flight, page-leave rows. */
  private dropDecisionsHere(): void {
    this.epoch++;
    if (this.inflightDecisions) this.inflight?.abort();
    for (const [key, row] of this.mirror) if (carriesDecision(row.event)) this.mirror.delete(key);
  }

  /**
   * `forget()` and a withdrawal: deletes every row tied to a decision, in flight (the request is
   * aborted), in this page's memory and on disk (rows of earlier pages and other tabs too, in one
   * transaction; a database that does not exist is not created), then tells the other tabs'
   * outboxes to drop the copies they hold. An event being stored meanwhile is refused. Drop
   * counters stay (they are not counted as drops either). Never rejects.
   */
  async forgetDecisions(): Promise<void> {
    this.forgets++;
    this.dropDecisionsHere();
    const store = this.destroyed ? undefined : this.store;
    const task = Promise.all([
      store?.deleteDecisionRows().catch((error: unknown) => {
        this.report('outbox_forget_failed', describeError(error));
      }),
      deleteDecisionRows(this.name, this.report),
    ]).then(() => {
      // After the deletion committed: a tab that leases later finds nothing, one that leased
      // before learns here that its copies must not go.
      try {
        if (this.channel) this.channel.postMessage({ t: 'purge', name: this.name });
        else announcePurge(this.name);
      } catch {
        // closed by destroy() meanwhile: other tabs' rows on disk are deleted all the same
      }
    });
    this.purging = task.catch(() => undefined);
    await this.purging;
  }

  /** Another tab or instance purged the database: drop what this one holds in memory and in flight. */
  private purgedElsewhere(): void {
    if (this.destroyed || !this.store) return;
    this.dropDecisionsHere();
    const store = this.store;
    // Rows on disk are gone already; rows a memory fallback holds are this page's to delete.
    this.purging = store
      .kind()
      .then((kind) => (kind === 'memory' ? store.deleteDecisionRows() : 0))
      .catch(() => undefined);
  }

  /** Stops timers and listeners, aborts the request in flight (its rows stay leased). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (typeof document !== 'undefined')
      document.removeEventListener('visibilitychange', this.onVisibility);
    if (typeof window !== 'undefined') window.removeEventListener('pagehide', this.onPageHide);
    try {
      this.channel?.close();
    } catch {
      // already closed
    }
    this.channel = undefined;
    this.inflight?.abort();
    this.store?.close();
  }
}
