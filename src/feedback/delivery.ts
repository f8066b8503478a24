import type { ReportDiagnostic } from '../util/diagnostic-codes.js';
import { describeError } from '../util/errors.js';
import { quiet } from '../util/guards.js';
import type { Leader } from './leader.js';
import type { OutboxSettings } from './outbox-options.js';
import type { DropReport, OutboxRow } from './outbox-schema.js';
import {
  backoffDelay,
  classifyStatus,
  MAX_DELAY_MS,
  parseRetryAfter,
  retryDelay,
} from './policy.js';
import type { OutboxStore } from './store.js';
import { carriesDecision, sendableEvent, toWireBatch, uuidv4 } from './wire.js';

/**
 * Delivery: when to send (a batch timer, the backoff and Retry-After gate), what (batches leased
 * from the store), and what a reply does to them (`policy.ts`'s status policy: acknowledge,
 * retry, drop, split a batch on 413, bisect it on 400 to find the one bad event). Runs as the
 * origin's only sender (`leader.ts`). Never rejects into the page: failures become diagnostics
 * and a later attempt.
 *
 * The transport never identifies the shopper: every request goes with `credentials: 'omit'`
 * (no cookies) and `referrerPolicy: 'no-referrer'` (no page URL). POST `endpoint`,
 * `Content-Type: application/json`, headers `X-Offerwise-Attempt` and `X-Offerwise-Batch`.
 */

/** The persisted Retry-After gate (`store` meta `gate`), wall clock. */
export const GATE_KEY = 'gate';
/** `post()`'s status for a batch a purge emptied or cut short: nothing to settle. */
const PURGED = -1;
/** Options of every request: no cookies, no page URL. */
export const ANONYMOUS_REQUEST = { credentials: 'omit', referrerPolicy: 'no-referrer' } as const;

type Outcome = 'delivered' | 'stop' | 'done';

function halves<T>(rows: T[]): [T[], T[]] {
  const mid = Math.ceil(rows.length / 2);
  return [rows.slice(0, mid), rows.slice(mid)];
}

export interface DeliveryOptions {
  store: OutboxStore;
  leader: Leader;
  endpoint: string;
  fetch: typeof fetch;
  settings: OutboxSettings;
  /** The precision of what is sent (`wire.ts`). */
  mode: 'full' | 'anonymous';
  /** Wall clock: retention, leases, Retry-After dates. */
  wall: () => number;
  /** Monotonic clock: timers and backoff. */
  mono: () => number;
  random: () => number;
  report: ReportDiagnostic;
  /** Rows left the outbox: delivered (`null`) or dropped for `reason`. */
  settled: (ids: string[], reason: string | null) => void;
  /** Rows a batch took (leased, or expired on the way): not this page's to send on leaving. */
  taken: (ids: string[]) => void;
}

export class Delivery {
  /** Expired rows dropped, a persisted Retry-After restored: sending may begin. */
  readonly started: Promise<void>;
  private readonly store: OutboxStore;
  private readonly leader: Leader;
  private readonly endpoint: string;
  private readonly fetch: typeof fetch;
  private readonly cfg: OutboxSettings;
  private readonly mode: 'full' | 'anonymous';
  private readonly wall: () => number;
  private readonly mono: () => number;
  private readonly random: () => number;
  private readonly report: ReportDiagnostic;
  private readonly settled: (ids: string[], reason: string | null) => void;
  private readonly taken: (ids: string[]) => void;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  /** No request before this (monotonic): backoff and Retry-After, for the whole endpoint. */
  private gate = 0;
  private retryIn = 0;
  private firstPendingAt: number | undefined;
  private pendingCount = 0;
  private pendingBytes = 0;
  private draining: Promise<'done' | 'stop' | 'busy'> | undefined;
  private inflight: AbortController | undefined;
  /** Whether the request in flight carries events tied to a decision (a purge aborts it). */
  private inflightDecisions = false;
  /**
   * Bumped by every purge (this page's or another tab's): rows leased before it are not sent when
   * they carry a decision (the purge deletes them; a copy in hand must not go either).
   */
  private purges = 0;
  private readonly leasedIn = new WeakMap<OutboxRow, number>();
  /** The purge in progress: no lease before its deletion has committed. */
  private purging: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(options: DeliveryOptions) {
    this.store = options.store;
    this.leader = options.leader;
    this.endpoint = options.endpoint;
    this.fetch = options.fetch;
    this.cfg = options.settings;
    this.mode = options.mode;
    this.wall = options.wall;
    this.mono = options.mono;
    this.random = options.random;
    this.report = options.report;
    this.settled = options.settled;
    this.taken = options.taken;
    this.started = this.start();
  }

  /** How long the gate still holds requests back (ms; 0 when open). */
  gateLeft(): number {
    return Math.max(0, this.gate - this.mono());
  }

  /** The delay of the last retry scheduled (ms). */
  get lastRetryIn(): number {
    return this.retryIn;
  }

  /** Counts purges: a page-leave request started before one must not restore decision rows. */
  get epoch(): number {
    return this.purges;
  }

  /**
   * A purge began: decision rows in hand are not sent, and a request carrying any is aborted.
   */
  purge(): void {
    this.purges++;
    if (this.inflightDecisions) this.inflight?.abort();
  }

  /** No lease before `deletion` (a purge's delete of the rows on disk) has settled. */
  leaseAfter(deletion: Promise<unknown>): void {
    this.purging = deletion;
  }

  /** Stops the timer and aborts the request in flight (its rows stay leased). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.inflight?.abort();
  }

  /** Expires old rows, restores a persisted Retry-After gate and sends what earlier pages left. */
  private async start(): Promise<void> {
    const store = this.store;
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
    if (!this.stopped) this.wakeAt(this.mono());
  }

  /** `n` events of `bytes` bytes were stored (here or in another tab): send within the batch delay, or now when a batch is full. */
  noteEnqueued(n: number, bytes: number): void {
    if (this.stopped) return;
    const now = this.mono();
    this.firstPendingAt ??= now;
    this.pendingCount += n;
    this.pendingBytes += bytes;
    const full =
      this.pendingCount >= this.cfg.batchMaxEvents || this.pendingBytes >= this.cfg.batchMaxBytes;
    this.wakeAt(full ? now : this.firstPendingAt + this.cfg.batchDelayMs);
  }

  /** Sends at monotonic time `at` (not before the gate), unless a send is due earlier already. */
  wakeAt(at: number): void {
    if (this.stopped) return;
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
  pump(): Promise<'done' | 'stop' | 'busy'> {
    if (this.draining) return this.draining;
    const run = (async () => {
      try {
        await this.started;
        if (this.stopped) return 'stop' as const;
        const result = await this.leader.asSender(() => this.drain());
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

  /** Sends batches until nothing is due or a retry is scheduled. */
  private async drain(): Promise<'done' | 'stop'> {
    const store = this.store;
    this.firstPendingAt = undefined;
    this.pendingCount = 0;
    this.pendingBytes = 0;
    for (;;) {
      if (this.stopped) return 'stop';
      if (this.mono() < this.gate) {
        this.wakeAt(this.gate);
        return 'stop';
      }
      await this.purging;
      const epoch = this.purges;
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
          this.taken(ids);
          this.settled(ids, 'expired');
        },
      });
      for (const row of rows) this.leasedIn.set(row, epoch);
      this.taken(rows.map((r) => r.id));
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
    const rows = await this.store.rows();
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
    if (!this.leader.locked && !(await this.leader.claim())) {
      return { status: 0, retryAfter: undefined };
    }
    if (this.stopped) return { status: 0, retryAfter: undefined };
    const epoch = this.purges;
    if (rows.some((r) => !this.sendable(r))) return { status: PURGED, retryAfter: undefined };
    const body = JSON.stringify(
      toWireBatch(
        this.mode,
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
      const res = await this.fetch(this.endpoint, {
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
      if (this.purges !== epoch && this.inflightDecisions) {
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
      const purged = this.purges !== epoch && this.inflightDecisions;
      return { status: purged ? PURGED : 0, retryAfter: undefined };
    } finally {
      clearTimeout(timeout);
      if (this.inflight === controller) {
        this.inflight = undefined;
        this.inflightDecisions = false;
      }
    }
  }

  /** False for a row tied to a decision that was leased before a purge: it is being deleted. */
  private sendable(row: OutboxRow): boolean {
    return !carriesDecision(row.event) || this.leasedIn.get(row) === this.purges;
  }

  private async drop(rows: OutboxRow[], reason: string): Promise<void> {
    const ids = rows.map((r) => r.id);
    await this.store.drop(ids, reason);
    this.settled(ids, reason);
  }

  private async retry(
    rows: OutboxRow[],
    status: number,
    retryAfter: number | undefined,
  ): Promise<'stop'> {
    const attempts = rows.reduce((n, r) => Math.max(n, r.attempts), 0);
    const { delay, fromServer } = retryDelay(retryAfter, attempts, this.random);
    this.retryIn = delay;
    this.gate = Math.max(this.gate, this.mono() + delay);
    const until = this.wall() + delay;
    if (fromServer) {
      await this.store.updateMeta<number, void>(GATE_KEY, () => ({
        value: until,
        result: undefined,
      }));
    }
    if (rows.length > 0)
      await this.store.release(
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
    if (this.stopped) return 'stop';
    const report = await this.store.dropReport(uuidv4());
    const { status, retryAfter } = await this.post(rows, report);
    if (this.stopped) return 'stop';
    // A purge deleted these rows (or is deleting them): nothing to settle, carry on.
    if (status === PURGED) return 'done';
    const verdict = classifyStatus(status);
    switch (verdict.action) {
      case 'delivered': {
        const ids = rows.map((r) => r.id);
        await this.store.ack(ids);
        if (report) await this.store.settleDropReport(report.id);
        this.settled(ids, null);
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
          await this.store.release(
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
      const report = await this.store.dropReport(uuidv4());
      const { status, retryAfter } = await this.post(a, report);
      if (this.stopped) return 'stop';
      if (status === PURGED) return 'done';
      const verdict = classifyStatus(status);
      if (verdict.action === 'delivered') {
        await this.store.ack(a.map((r) => r.id));
        if (report) await this.store.settleDropReport(report.id);
        this.settled(
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
          await this.store.release(
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
}
