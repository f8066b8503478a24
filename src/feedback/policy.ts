/**
 * Pure delivery policy of the feedback outbox: what a reply status means, how long to wait
 * (Retry-After, full-jitter backoff), which events are evicted first and how rows become batches.
 * See `docs/reliability.md` rules 4, 5 and 7.
 */

export type FeedbackType = 'impression' | 'click' | 'dismiss' | 'claim';

/** Eviction priority: the lowest goes first (impressions, then clicks, dismissals, claims). */
export const PRIORITY: Readonly<Record<FeedbackType, number>> = Object.freeze({
  impression: 0,
  click: 1,
  dismiss: 2,
  claim: 3,
});

export type StatusAction = 'delivered' | 'retry' | 'split' | 'bisect' | 'drop';
export interface StatusClass {
  action: StatusAction;
  /** Stable reason, used as the drop-counter key for `drop` (e.g. `http_404`). */
  reason: string;
}

/** Status 0 stands for a network error (no reply). */
export function classifyStatus(status: number): StatusClass {
  if (!Number.isInteger(status) || status < 0) return { action: 'retry', reason: 'network' };
  if (status === 0) return { action: 'retry', reason: 'network' };
  if (status >= 200 && status < 300) return { action: 'delivered', reason: 'ok' };
  if (status === 408 || status === 425 || status === 429)
    return { action: 'retry', reason: `http_${status}` };
  if (status === 413) return { action: 'split', reason: 'too_large' };
  if (status === 400) return { action: 'bisect', reason: 'rejected' };
  if (status === 501 || status === 505) return { action: 'drop', reason: `http_${status}` };
  if (status >= 500 && status < 600) return { action: 'retry', reason: `http_${status}` };
  if (status >= 400 && status < 500) return { action: 'drop', reason: `http_${status}` };
  // 1xx/3xx reaching us (opaque redirects and the like): the server did not take the batch.
  return { action: 'retry', reason: `http_${status}` };
}

export const MIN_BACKOFF_MS = 1000;
/** Cap of backoff and of Retry-After. */
export const MAX_DELAY_MS = 5 * 60_000;

/**
 * `Retry-After` as delay in ms: delta-seconds or an HTTP-date, capped at {@link MAX_DELAY_MS}; a
 * date in the past is 0; anything unparseable is `undefined`. An HTTP-date is the server's clock:
 * it is measured from the reply's `Date` header (`serverDate`, the same clock) when that parses,
 * else from `nowMs`, the client's wall clock, which may be hours off (a clock ahead would see every
 * date in the past, a clock behind would wait the 5-minute cap).
 */
export function parseRetryAfter(
  header: string | null | undefined,
  nowMs: number,
  serverDate?: string | null,
): number | undefined {
  if (typeof header !== 'string') return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) return Math.min(MAX_DELAY_MS, Number(value) * 1000);
  if (!/[a-z]/i.test(value)) return undefined; // "1.5", "-3": not a date either
  const at = Date.parse(value);
  if (!Number.isFinite(at)) return undefined;
  const sent = typeof serverDate === 'string' ? Date.parse(serverDate) : NaN;
  const from = Number.isFinite(sent) ? sent : nowMs;
  return Math.min(MAX_DELAY_MS, Math.max(0, at - from));
}

/**
 * The wait before the next attempt after a retryable reply: the server's `Retry-After` when it
 * asks for at least the 1 s minimum, else the full-jitter backoff. A `Retry-After` of 0 or a date
 * already past (a client clock ahead of the server's) must not become a tight loop.
 */
export function retryDelay(
  retryAfter: number | undefined,
  attempt: number,
  random: () => number = Math.random,
): { delay: number; fromServer: boolean } {
  if (retryAfter !== undefined && retryAfter >= MIN_BACKOFF_MS) {
    return { delay: retryAfter, fromServer: true };
  }
  return { delay: backoffDelay(attempt, random), fromServer: false };
}

/**
 * Full-jitter exponential backoff: uniform in [0, min(5 min, 1 s × 2^attempt)], never below 1 s
 * (no tight loop while offline). `attempt` counts failures so far, from 0.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  const cap = Math.min(MAX_DELAY_MS, MIN_BACKOFF_MS * 2 ** Math.min(n, 30));
  let r = random();
  if (!(r >= 0 && r <= 1)) r = 1;
  return Math.max(MIN_BACKOFF_MS, Math.floor(r * cap));
}

const encoder = new TextEncoder();
/** UTF-8 size of a value's JSON. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length;
}

/**
 * The longest prefix of `rows` (already in send order) within `maxEvents` and `maxBytes`; a first
 * row larger than `maxBytes` goes alone (the server then answers 413 and it is dropped).
 */
export function planBatch<T extends { bytes: number }>(
  rows: readonly T[],
  maxEvents: number,
  maxBytes: number,
): T[] {
  const out: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (out.length >= maxEvents) break;
    if (out.length > 0 && bytes + row.bytes > maxBytes) break;
    out.push(row);
    bytes += row.bytes;
  }
  return out;
}

/**
 * Eviction order: lowest priority first, then oldest first by id. Ids are UUIDv7 made at
 * acceptance (in acceptance order within a page), so the order needs no wall clock, which may
 * jump (rule 9: wall clock for retention only). The outbox's `evict` index has the same order.
 */
export function evictionOrder(
  a: { priority: number; id: string },
  b: { priority: number; id: string },
): number {
  return a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Which rows to evict so that at most `maxRows` rows and `maxBytes` bytes remain, in
 * {@link evictionOrder}. Returns the evicted rows.
 */
export function chooseEvictions<T extends { bytes: number; priority: number; id: string }>(
  rows: readonly T[],
  maxRows: number,
  maxBytes: number,
): T[] {
  let count = rows.length;
  let bytes = rows.reduce((n, r) => n + r.bytes, 0);
  if (count <= maxRows && bytes <= maxBytes) return [];
  const order = rows.slice().sort(evictionOrder);
  const out: T[] = [];
  for (const row of order) {
    if (count <= maxRows && bytes <= maxBytes) break;
    out.push(row);
    count--;
    bytes -= row.bytes;
  }
  return out;
}
