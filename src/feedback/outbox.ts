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
  type FeedbackType,
} from './policy.js';
import {
  OutboxStore,
  type DropCounts,
  type DropReport,
  type OutboxRow,
  type WireEvent,
} from './store.js';

/**
 * The feedback outbox: write-through enqueue (accepted = committed), batched delivery by one
 * sender per origin, leases, the status policy of `policy.ts`, and a beacon when the page is left.
 *
 * Wire format (POST `endpoint`, `Content-Type: application/json`, headers `X-Offerwise-Attempt`
 * and `X-Offerwise-Batch`):
 *   { v: 1, sentAt: <ms since epoch>, events: [{ id, type, decisionId, offerId, placement,
 *     propensity, modelVersion, at }], dropped: { <reason>: <count> }, droppedId?: <uuid> }
 * `droppedId` comes with non-empty `dropped`: the same counters go again under the same id until a
 * 2xx, so the server counts each `droppedId` once.
 * `id` is a UUIDv7 made at acceptance; it never changes on retry, the server dedupes on it for at
 * least the retention (7 days). Nothing personal: only those fields, whitelisted.
 *
 * Measurement (decided by the caller from consent): `full` sends the fields above; `anonymous`
 * omits `decisionId` and truncates `at` to the hour (offer-level counts only); `off` stores and
 * sends nothing (`enqueue` resolves with `stored: 'none'`, counted in `stats().suppressed`).
 */

export const FEEDBACK_TYPES: readonly FeedbackType[] = ['impression', 'click', 'claim', 'dismiss'];
export type Measurement = 'full' | 'anonymous' | 'off';

/** What the outbox holds (for QA tools such as the demo's panel). */
export interface FeedbackStatus {
  /** Where the rows live: on disk, in this page's memory, or nowhere (no endpoint / nothing sent). */
  storage: 'indexeddb' | 'memory' | 'none';
  /** Accepted events waiting to be sent (including those whose lease ran out). */
  pending: number;
  /** Events in a request (or a page-leave beacon) not yet acknowledged. */
  inFlight: number;
  /** Events given up and not yet reported to the server, by reason. */
  dropped: Record<string, number>;
  /** Events not stored because measurement is off for the consent state. */
  suppressed: number;
}

export interface FeedbackInput {
  type: FeedbackType;
  decisionId: string;
  offerId: string;
  placement: string;
  /** Probability with which the offer was chosen, in (0, 1]. */
  propensity: number;
  modelVersion: string;
  /** Wall clock of the event; default now. */
  at?: number;
  /**
   * Impressions only, with `logCandidates` and full measurement: the offers the policy chose from
   * with the model's outputs, so that the shop can evaluate other policies offline (`npm run ope`).
   */
  candidates?: readonly LoggedCandidate[];
  /** How many allowed candidates were left out of `candidates` (more than 50). */
  candidatesOmitted?: number;
}

/** One offer a personalized decision chose from, as logged (offer-level; no profile data). */
export interface LoggedCandidate {
  offerId: string;
  /** The policy's score (expected incremental value by the objective). */
  score: number;
  pTreated: number;
  pControl: number;
  uplift: number;
}

/** Most candidates an impression carries. */
export const MAX_LOGGED_CANDIDATES = 50;

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
  /** How long an in-flight or beaconed row stays leased; default 60 s. */
  leaseMs?: number;
  /** A request without reply after this is a network error; default 30 s. */
  requestTimeoutMs?: number;
  /** Give up on rows older than this (wall clock); default 7 days. */
  retentionMs?: number;
  maxRows?: number;
  maxBytes?: number;
  /** Byte budget of the page-leave beacon; default 60 KiB. */
  beaconMaxBytes?: number;
  fetch?: typeof fetch;
  /** Wall clock (retention only); default `Date.now`. */
  now?: () => number;
  /** Monotonic clock (timers, backoff); default `performance.now`. */
  monotonic?: () => number;
  random?: () => number;
  /** `null` disables Web Locks (tests of the fallback); default `navigator.locks`. */
  locks?: LockManager | null;
  /** Keep the outbox in memory only. */
  memoryOnly?: boolean;
  onDiagnostic?: (code: string, message: string) => void;
}

export interface EnqueueResult {
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

const CHANNEL = 'offerwise-outbox';
const SENDER_KEY = 'sender';
const GATE_KEY = 'gate';
/**
 * The persisted gate as assumed by a page that fell back to memory without being able to read
 * it: unknown, so the longest Retry-After we honour (`start()` caps it at `MAX_DELAY_MS`).
 */
const UNKNOWN_GATE = Number.POSITIVE_INFINITY;

// ---------------------------------------------------------------------------------------------

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  try {
    globalThis.crypto.getRandomValues(out);
  } catch {
    for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256);
  }
  return out;
}

let lastMs = -1;
let seq = 0;
/** A UUIDv7; ids made by this page sort in creation order (12-bit counter within a ms). */
export function uuidv7(now: number = Date.now()): string {
  let ms = Math.max(Math.floor(now), lastMs);
  if (ms === lastMs) {
    seq++;
    if (seq > 0xfff) {
      ms++;
      seq = 0;
    }
  } else seq = randomBytes(1)[0]! & 0x3f;
  lastMs = ms;
  const b = randomBytes(16);
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = 0x70 | ((seq >> 8) & 0x0f);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function checkString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > 200) {
    throw fieldError(
      'invalid_feedback',
      field,
      value,
      'a non-empty string (at most 200 characters)',
    );
  }
  return value;
}

/** Validates `input` and builds the whitelisted wire event (throws `invalid_feedback`). */
export function toWireEvent(
  input: unknown,
  id: string,
  now: number,
  measurement: Measurement,
): WireEvent {
  if (input === null || typeof input !== 'object') {
    throw fieldError('invalid_feedback', 'feedback', input, 'an object');
  }
  const e = input as Record<string, unknown>;
  if (!FEEDBACK_TYPES.includes(e.type as FeedbackType)) {
    throw fieldError('invalid_feedback', 'feedback.type', e.type, FEEDBACK_TYPES.join(' | '));
  }
  const decisionId = checkString('feedback.decisionId', e.decisionId);
  const offerId = checkString('feedback.offerId', e.offerId);
  const placement = checkString('feedback.placement', e.placement);
  const p = e.propensity;
  if (typeof p !== 'number' || !(p > 0 && p <= 1)) {
    throw fieldError('invalid_feedback', 'feedback.propensity', p, 'a number in (0, 1]');
  }
  const modelVersion = checkString('feedback.modelVersion', e.modelVersion);
  let at = e.at === undefined ? now : e.at;
  if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) {
    throw fieldError('invalid_feedback', 'feedback.at', e.at, 'ms since epoch');
  }
  const candidates = e.candidates === undefined ? undefined : checkCandidates(e);
  const event: WireEvent = { id, type: e.type as string };
  if (measurement === 'anonymous') at = Math.floor(at / 3_600_000) * 3_600_000;
  else event.decisionId = decisionId;
  Object.assign(event, { offerId, placement, propensity: p, modelVersion, at });
  // Candidates tie a decision's model outputs together: only with full measurement.
  if (candidates && measurement === 'full') {
    event.candidates = candidates;
    if (typeof e.candidatesOmitted === 'number' && e.candidatesOmitted > 0)
      event.candidatesOmitted = e.candidatesOmitted;
  }
  return event;
}

/** Rounds a logged model output (6 significant digits are plenty for evaluation). */
const round6 = (x: number) => Number(x.toPrecision(6));

function checkCandidates(e: Record<string, unknown>): LoggedCandidate[] {
  const list = e.candidates;
  if (e.type !== 'impression') {
    throw fieldError('invalid_feedback', 'feedback.candidates', e.type, 'only on an impression');
  }
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_LOGGED_CANDIDATES) {
    throw fieldError(
      'invalid_feedback',
      'feedback.candidates',
      list,
      `an array of 1 to ${MAX_LOGGED_CANDIDATES} candidates`,
    );
  }
  const omitted = e.candidatesOmitted;
  if (omitted !== undefined && (!Number.isInteger(omitted) || (omitted as number) < 0)) {
    throw fieldError('invalid_feedback', 'feedback.candidatesOmitted', omitted, 'a count');
  }
  return list.map((raw: unknown, i) => {
    const c = (raw ?? {}) as Record<string, unknown>;
    const field = `feedback.candidates[${i}]`;
    const offerId = checkString(`${field}.offerId`, c.offerId);
    const out: Record<string, number | string> = { offerId };
    for (const key of ['score', 'pTreated', 'pControl', 'uplift'] as const) {
      const value = c[key];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw fieldError('invalid_feedback', `${field}.${key}`, value, 'a finite number');
      }
      out[key] = round6(value);
    }
    return out as unknown as LoggedCandidate;
  });
}

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
  private readonly me = uuidv7();
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
  /** Rows accepted by this tab and not yet leased: what the page-leave beacon can send at once. */
  private readonly mirror = new Map<string, OutboxRow>();
  private readonly trackers = new Set<Tracker>();
  private lastRetryIn = 0;
  private destroyed = false;
  private suppressed = 0;
  private readonly started: Promise<void>;
  /** Set by a page-leave beacon; `hidden` and `pagehide` both fire on one leave, one beacon is enough. */
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
      memoryOnly: options.memoryOnly,
      // A page whose first transaction fails must still honour the Retry-After an earlier page
      // committed: carry the gate into the memory store, or assume the worst.
      carryMeta: { [GATE_KEY]: UNKNOWN_GATE },
      onDiagnostic: this.report,
    });
    if (typeof BroadcastChannel !== 'undefined') {
      try {
        this.channel = new BroadcastChannel(CHANNEL);
        this.channel.onmessage = (e: MessageEvent) => {
          const d = e.data as { t?: unknown; n?: unknown; b?: unknown } | null;
          if (d?.t === 'enq' && typeof d.n === 'number' && typeof d.b === 'number') {
            this.noteEnqueued(d.n, d.b);
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

  /** Validates, assigns the id and commits; resolves when accepted. */
  async enqueue(input: FeedbackInput): Promise<EnqueueResult> {
    if (this.destroyed) throw new OfferwiseError('destroyed', 'the outbox was destroyed');
    const now = this.wall();
    const id = uuidv7(now);
    const event = toWireEvent(
      input,
      id,
      now,
      this.measurement === 'off' ? 'full' : this.measurement,
    );
    if (!this.store) {
      this.suppressed++;
      return { id: null, stored: 'none' };
    }
    const row: OutboxRow = {
      id,
      event,
      bytes: jsonBytes(event),
      priority: PRIORITY[event.type as FeedbackType],
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
      if (!result.evicted.includes(id)) this.mirror.set(id, row);
    } catch (error) {
      if (error instanceof OfferwiseError && error.code === 'destroyed') throw error;
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
    return { id, stored };
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
      const result = await this.locks.request(CHANNEL, { ifAvailable: true }, async (lock) =>
        lock ? fn() : ('busy' as const),
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
      const now = this.wall();
      const rows = await store.lease({
        maxEvents: this.cfg.batchMaxEvents,
        maxBytes: this.cfg.batchMaxBytes,
        leaseMs: this.cfg.leaseMs,
        now,
        batchId: uuidv7(now),
        // Retention holds in a page that stays open (or whose clock jumps) too, not only at start.
        expireBefore: now - this.cfg.retentionMs,
        onExpired: (ids) => {
          for (const id of ids) this.mirror.delete(id);
          this.notify(ids, 'expired');
        },
      });
      for (const row of rows) this.mirror.delete(row.id);
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
    const body = JSON.stringify({
      v: 1,
      sentAt: this.wall(),
      events: rows.map((r) => r.event),
      dropped: report?.counts ?? {},
      ...(report ? { droppedId: report.id } : {}),
    });
    const attempt = 1 + rows.reduce((n, r) => Math.max(n, r.attempts), 0);
    const controller = new AbortController();
    this.inflight = controller;
    const timeout = setTimeout(() => controller.abort(), this.cfg.requestTimeoutMs);
    try {
      const res = await this.doFetch(this.endpoint, {
        method: 'POST',
        body,
        keepalive: false,
        signal: controller.signal,
        headers: {
          'Content-Type': 'application/json',
          'X-Offerwise-Attempt': String(attempt),
          'X-Offerwise-Batch': rows[0]?.batchId ?? uuidv7(this.wall()),
        },
      });
      return {
        status: res.status,
        retryAfter: parseRetryAfter(
          res.headers?.get?.('Retry-After') ?? null,
          this.wall(),
          res.headers?.get?.('Date') ?? null,
        ),
      };
    } catch {
      return { status: 0, retryAfter: undefined };
    } finally {
      clearTimeout(timeout);
      if (this.inflight === controller) this.inflight = undefined;
    }
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
    const report = await this.store!.dropReport(uuidv7(this.wall()));
    const { status, retryAfter } = await this.post(rows, report);
    if (this.destroyed) return 'stop';
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
      const report = await this.store!.dropReport(uuidv7(this.wall()));
      const { status, retryAfter } = await this.post(a, report);
      if (this.destroyed) return 'stop';
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

  /** Page leave: beacon one batch (within `beaconMaxBytes`) of this tab's pending rows, keep them leased. */
  private leave(): void {
    if (this.destroyed || this.beaconed || !this.store || this.mirror.size === 0) return;
    const events: WireEvent[] = [];
    const ids: string[] = [];
    const now = this.wall();
    const envelope = jsonBytes({ v: 1, sentAt: now, events: [], dropped: {} });
    let bytes = envelope;
    for (const row of this.mirror.values()) {
      // Past the retention: not sent (the server dedupes for that long only); the next lease
      // drops and counts it.
      if (row.createdAt < now - this.cfg.retentionMs) continue;
      // At most one batch: a beacon is never acknowledged, so whatever it carries comes again
      // after the lease (the server dedupes); one batch bounds those duplicates per page leave.
      if (ids.length >= this.cfg.batchMaxEvents) break;
      if (bytes + row.bytes + 1 > this.cfg.beaconMaxBytes) break;
      events.push(row.event);
      ids.push(row.id);
      bytes += row.bytes + 1;
    }
    if (ids.length === 0) return;
    const body = JSON.stringify({ v: 1, sentAt: now, events, dropped: {} });
    let sent = false;
    try {
      const nav = typeof navigator !== 'undefined' ? navigator : undefined;
      if (nav && typeof nav.sendBeacon === 'function') {
        sent = nav.sendBeacon(this.endpoint, new Blob([body], { type: 'text/plain' }));
      }
      if (!sent) {
        quiet(
          this.doFetch(this.endpoint, {
            method: 'POST',
            body,
            keepalive: true,
            headers: { 'Content-Type': 'text/plain' },
          }),
        );
        sent = true;
      }
    } catch {
      sent = false;
    }
    if (!sent) return;
    this.beaconed = true;
    for (const id of ids) this.mirror.delete(id);
    // Keep them leased: re-sent after the lease if the beacon never arrived (server dedupes on id).
    quiet(this.store.leaseIds(ids, this.wall(), this.cfg.leaseMs, uuidv7(this.wall())));
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
