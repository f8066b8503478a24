import type { ReportDiagnostic } from '../util/diagnostic-codes.js';
import { describeError, fieldError, OfferwiseError } from '../util/errors.js';
import { Delivery, GATE_KEY } from './delivery.js';
import { Leader } from './leader.js';
import {
  DEFAULTS,
  type EnqueueResult,
  type FeedbackStatus,
  type FlushSummary,
  type OutboxOptions,
  type OutboxSettings,
} from './outbox-options.js';
import type { DropCounts, OutboxRow } from './outbox-schema.js';
import { keepaliveSupported, PageLeave } from './page-leave.js';
import { jsonBytes, PRIORITY } from './policy.js';
import { announcePurge, deleteDecisionRows } from './purge.js';
import { DEFAULT_OUTBOX_NAME, OutboxStore } from './store.js';
import {
  carriesDecision,
  localKey,
  toWireEvent,
  uuidv4,
  type FeedbackInput,
  type Measurement,
} from './wire.js';

export { FEEDBACK_TYPES, type FeedbackInput, type Measurement } from './wire.js';
export {
  DEFAULTS,
  type EnqueueResult,
  type FeedbackStatus,
  type FlushSummary,
  type OutboxOptions,
} from './outbox-options.js';

/**
 * The feedback outbox: write-through enqueue (accepted = committed, `store.ts`), batched delivery
 * with the status policy and backoff (`delivery.ts`) by one sender per origin (`leader.ts`), and a
 * request when the page goes away (`page-leave.ts`). This class takes the options and wires those
 * parts; it also keeps the bookkeeping of `flush()` and runs the privacy purge.
 *
 * What is sent is `wire.ts`'s (fields per measurement mode, their precision, random v4 ids), with
 * no cookies and no referrer. `droppedId` comes with non-empty `dropped`: the same counters go
 * again under the same id until a 2xx, so the server counts each `droppedId` once. An event's `id`
 * never changes on retry; the server dedupes on it for at least the retention (7 days).
 *
 * Measurement (decided by the caller from consent): `full` persists rows in IndexedDB
 * (`<name>-outbox`); `anonymous` keeps them in this instance's memory only (no database is
 * opened, so rows written without consent never outlive the page or meet rows written with it);
 * `off` stores and sends nothing (`enqueue` resolves with `stored: 'none'`, counted in
 * `stats().suppressed`). {@link Outbox.forgetDecisions} deletes every row tied to a decision.
 */

/**
 * The persisted gate as assumed by a page that fell back to memory without being able to read
 * it: unknown, so the longest Retry-After we honour (`Delivery` caps it at `MAX_DELAY_MS`).
 */
const UNKNOWN_GATE = Number.POSITIVE_INFINITY;

/** The rows pending when a `flush()` began, and what became of them. */
interface Tracker {
  ids: Set<string>;
  delivered: number;
  dropped: DropCounts;
}

export class Outbox {
  private readonly measurement: Measurement;
  private readonly store: OutboxStore | undefined;
  private readonly leader: Leader | undefined;
  private readonly delivery: Delivery | undefined;
  private readonly pageLeave: PageLeave | undefined;
  private readonly wall: () => number;
  private readonly report: ReportDiagnostic;
  private readonly name: string;
  /** Bumped by this instance's {@link forgetDecisions}: an enqueue that straddles it is refused. */
  private forgets = 0;
  private readonly trackers = new Set<Tracker>();
  private destroyed = false;
  private suppressed = 0;

  constructor(options: OutboxOptions) {
    if (options === null || typeof options !== 'object') {
      throw fieldError('invalid_config', 'OutboxOptions', options, 'an object');
    }
    const endpoint = options.endpoint;
    if (typeof endpoint !== 'string' || endpoint === '') {
      throw fieldError('invalid_config', 'OutboxOptions.endpoint', endpoint, 'a URL');
    }
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
    const settings: OutboxSettings = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
      const v = options[key];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !(v > 0)) {
        throw fieldError('invalid_config', `OutboxOptions.${key}`, v, 'a positive number');
      }
      settings[key] = v;
    }
    const doFetch: typeof fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
    const keepalive = options.keepalive ?? keepaliveSupported();
    this.name = options.name ?? DEFAULT_OUTBOX_NAME;
    const wall = (this.wall = options.now ?? Date.now);
    const mono = options.monotonic ?? (() => performance.now());
    const locks =
      options.locks !== undefined
        ? options.locks
        : (typeof navigator !== 'undefined' && navigator.locks) || null;
    const report: ReportDiagnostic = (this.report = (code, message) => {
      try {
        options.onDiagnostic?.(code, message);
      } catch {
        // never let a listener break us
      }
    });
    if (m === 'off') return;
    const store = (this.store = new OutboxStore({
      name: options.name,
      maxRows: options.maxRows,
      maxBytes: options.maxBytes,
      // Rows written without consent never reach the disk, where a later page under a grant would
      // find them: anonymous rows live and die with this instance.
      memoryOnly: options.memoryOnly || m === 'anonymous',
      // A page whose first transaction fails must still honour the Retry-After an earlier page
      // committed: carry the gate into the memory store, or assume the worst.
      carryMeta: { [GATE_KEY]: UNKNOWN_GATE },
      onDiagnostic: report,
    }));
    const leader = (this.leader = new Leader({
      store,
      locks,
      wall,
      leaseTtlMs: settings.requestTimeoutMs + 5000,
      name: this.name,
      onEnqueued: (n, bytes) => this.delivery?.noteEnqueued(n, bytes),
      onPurged: () => this.purgedElsewhere(),
    }));
    const mode = m === 'anonymous' ? 'anonymous' : 'full';
    const settled = (ids: string[], reason: string | null) => this.notify(ids, reason);
    const delivery = (this.delivery = new Delivery({
      store,
      leader,
      endpoint,
      fetch: doFetch,
      settings,
      mode,
      wall,
      mono,
      random: options.random ?? Math.random,
      report,
      settled,
      taken: (ids) => this.pageLeave?.forget(ids),
    }));
    this.pageLeave = new PageLeave({
      store,
      endpoint,
      fetch: doFetch,
      keepalive,
      settings,
      mode,
      wall,
      epoch: () => delivery.epoch,
      settled,
      wake: () => delivery.wakeAt(mono()),
    });
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
    // Remembered for a page leave before the commit, not after it: a page that goes while the
    // add is still running would otherwise lose the event (the add may never finish). A leave in
    // that moment sends it and leases it in a transaction queued after the add's; if the commit
    // never lands, the server has it; if it lands but the lease does not, it goes again on the
    // next page and the server dedupes on id.
    this.pageLeave?.remember(row);
    try {
      const result = await this.store.add([row]);
      stored = result.stored;
      this.pageLeave?.forget(result.evicted);
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
    } catch (error) {
      this.pageLeave?.forget([key]);
      if (error instanceof OfferwiseError) {
        if (error.code === 'destroyed' || error.code === 'invalid_feedback') throw error;
      }
      throw new OfferwiseError('storage_failed', `feedback not accepted: ${describeError(error)}`, {
        cause: error,
      });
    }
    if (!this.destroyed) {
      this.delivery?.noteEnqueued(1, row.bytes);
      this.leader?.announceEnqueued(1, row.bytes);
    }
    return { id: event.id, stored };
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
    const delivery = this.delivery;
    if (!this.store || !delivery) return empty('done');
    if (this.destroyed) return empty('destroyed');
    await delivery.started;
    let ids: string[];
    try {
      ids = (await this.store.rows()).map((r) => r.id);
    } catch {
      return empty('storage_error');
    }
    const tracker: Tracker = { ids: new Set(ids), delivered: 0, dropped: {} };
    this.trackers.add(tracker);
    let reason: FlushSummary['reason'] = 'done';
    let retryIn = 0;
    try {
      for (let round = 0; tracker.ids.size > 0; round++) {
        if (this.destroyed) {
          reason = 'destroyed';
          break;
        }
        const wait = delivery.gateLeft();
        if (wait > 0) {
          reason = 'retry_scheduled';
          retryIn = wait;
          break;
        }
        const result = await delivery.pump();
        if (result === 'busy') {
          reason = 'another_sender';
          break;
        }
        if (result === 'stop') {
          reason = this.destroyed ? 'destroyed' : 'retry_scheduled';
          retryIn = delivery.lastRetryIn;
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
    if (reason === 'retry_scheduled') summary.retryInMs = retryIn;
    return summary;
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

  /** Drops, in this page, what ties events to decisions: a request in flight, page-leave rows. */
  private dropDecisionsHere(): void {
    this.delivery?.purge();
    this.pageLeave?.forgetDecisions();
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
      if (this.leader) this.leader.announcePurge();
      else announcePurge(this.name);
    });
    const purging = task.catch(() => undefined);
    this.delivery?.leaseAfter(purging);
    await purging;
  }

  /** Another tab or instance purged the database: drop what this one holds in memory and in flight. */
  private purgedElsewhere(): void {
    if (this.destroyed || !this.store) return;
    this.dropDecisionsHere();
    const store = this.store;
    // Rows on disk are gone already; rows a memory fallback holds are this page's to delete.
    this.delivery?.leaseAfter(
      store
        .kind()
        .then((kind) => (kind === 'memory' ? store.deleteDecisionRows() : 0))
        .catch(() => undefined),
    );
  }

  /** Stops timers and listeners, aborts the request in flight (its rows stay leased). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.delivery?.stop();
    this.pageLeave?.stop();
    this.leader?.close();
    this.store?.close();
  }
}
