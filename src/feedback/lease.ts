import type { WriteTx } from '../util/store-tx.js';
import { countDrops, subtractTotals } from './outbox-meta.js';
import type { OutboxDB, OutboxRow } from './outbox-schema.js';
import { planBatch } from './policy.js';

/**
 * Which rows go in the next batch: when a row is due, when a lease is over (with the clock
 * jumps tolerated), the visit window a batch stays within, and retention met on the way. Run by
 * `OutboxStore.lease` inside one transaction.
 */

export interface LeaseRequest {
  maxEvents: number;
  maxBytes: number;
  leaseMs: number;
  /** Wall clock. */
  now: number;
  batchId: string;
  /**
   * Retention: rows accepted before this (wall clock) are not sent but dropped in the same
   * transaction and counted as `expired` (unless a live lease holds them: their batch settles
   * them). Their ids go to `onExpired` once committed.
   */
  expireBefore?: number;
  onExpired?: (ids: string[]) => void;
  /**
   * A batch holds only rows accepted within this long of its first row (ms, default
   * {@link VISIT_WINDOW_MS}): one batch never ties together events of visits far apart (after a
   * time offline, the backlog of several visits goes in separate batches).
   */
  visitWindowMs?: number;
}

/** Default {@link LeaseRequest.visitWindowMs}: the 30 minutes that end a session. */
export const VISIT_WINDOW_MS = 30 * 60_000;
/** A `notBefore` or `leaseUntil` further ahead than this is a clock that went back: due now. */
export const MAX_FUTURE_MS = 5 * 60_000 + 60_000;
/** ... except leases, which may legitimately last this long. */
const MAX_LEASE_FUTURE_MS = 60 * 60_000;
/** Rows read per step of a lease. */
const LEASE_PAGE = 100;

/** True when a leased row's lease is over (or its expiry is implausibly far: the clock went back). */
export function leaseExpired(row: OutboxRow, now: number): boolean {
  return row.leaseUntil < now || row.leaseUntil > now + MAX_LEASE_FUTURE_MS;
}

function isDue(row: OutboxRow, now: number): boolean {
  if (row.state === 'leased') return leaseExpired(row, now);
  return row.notBefore <= now || row.notBefore > now + MAX_FUTURE_MS;
}

/** Marks `row` as sent in `batchId` until `now + leaseMs`. */
export function leaseRow(row: OutboxRow, now: number, leaseMs: number, batchId: string): void {
  row.state = 'leased';
  row.leaseUntil = now + leaseMs;
  row.batchId = batchId;
}

/**
 * In `tx`: leases the rows due at `now`, oldest first, within the batch limits and the visit
 * `window`; drops (and counts) the rows accepted before `cutoff` met on the way. Reads rows in id
 * (acceptance) order, a page at a time, only until the batch is full: a backlog of 5,000 rows
 * costs one page per batch, not all rows per batch.
 */
export async function leaseDue(
  tx: WriteTx<OutboxDB>,
  request: Required<
    Pick<LeaseRequest, 'maxEvents' | 'maxBytes' | 'leaseMs' | 'now' | 'batchId'>
  > & {
    window: number;
    cutoff: number | undefined;
  },
): Promise<{ batch: OutboxRow[]; expired: string[] }> {
  const { maxEvents, maxBytes, leaseMs, now, batchId, window, cutoff } = request;
  const expired: string[] = [];
  let expiredBytes = 0;
  const due: OutboxRow[] = [];
  let dueBytes = 0;
  let after: string | undefined;
  scan: for (;;) {
    const page = await tx.getAll('events', after, LEASE_PAGE);
    for (const row of page) {
      after = row.id;
      const held = row.state === 'leased' && !leaseExpired(row, now);
      if (cutoff !== undefined && row.createdAt < cutoff && !held) {
        tx.delete('events', row.id);
        expired.push(row.id);
        expiredBytes += row.bytes;
        continue;
      }
      if (!isDue(row, now)) continue;
      if (due.length >= maxEvents || dueBytes > maxBytes) break scan;
      // Rows come in acceptance order: past the first row's visit, the rest wait their turn.
      if (due.length > 0 && Math.abs(row.createdAt - due[0]!.createdAt) > window) break scan;
      due.push(row);
      dueBytes += row.bytes;
    }
    if (page.length < LEASE_PAGE) break;
  }
  if (expired.length > 0) {
    await countDrops(tx, 'expired', expired.length);
    await subtractTotals(tx, expired.length, expiredBytes);
  }
  const batch = planBatch(due, maxEvents, maxBytes);
  for (const row of batch) {
    leaseRow(row, now, leaseMs, batchId);
    tx.put('events', row);
  }
  return { batch, expired };
}
