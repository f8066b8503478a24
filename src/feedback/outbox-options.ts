import type { ReportDiagnostic } from '../util/diagnostic-codes.js';
import type { DropCounts } from './outbox-schema.js';
import type { Measurement } from './wire.js';

/** The outbox's options, their defaults, and what its methods resolve with (`outbox.ts`). */

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
  onDiagnostic?: ReportDiagnostic;
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

/** The outbox's numeric settings, defaults applied. */
export type OutboxSettings = { -readonly [K in keyof typeof DEFAULTS]: number };
