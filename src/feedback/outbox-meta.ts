import type { ReadTx, WriteTx } from '../util/store-tx.js';
import type { DropCounts, MetaKey, OutboxDB, OutboxMeta } from './outbox-schema.js';

/**
 * The outbox's meta records inside a transaction: typed access by key, the drop counters and the
 * running totals, updated the same way by every method of the store that changes rows.
 */

/** The meta record `key` (one value type per key: see {@link OutboxMeta}). */
export function getMeta<K extends MetaKey>(
  tx: ReadTx<OutboxDB>,
  key: K,
): Promise<OutboxMeta[K] | undefined> {
  return tx.get('meta', key) as Promise<OutboxMeta[K] | undefined>;
}

export function putMeta<K extends MetaKey>(
  tx: WriteTx<OutboxDB>,
  key: K,
  value: OutboxMeta[K],
): void {
  tx.put('meta', value, key);
}

/** The meta key whose records are exactly of type `T` (`never` if none). */
export type MetaKeyOf<T> = {
  [K in MetaKey]: [T] extends [OutboxMeta[K]] ? ([OutboxMeta[K]] extends [T] ? K : never) : never;
}[MetaKey];

export function addCounts(into: DropCounts, reason: string, n: number): void {
  if (n > 0) into[reason] = (into[reason] ?? 0) + n;
}

/** Counts `n` rows dropped for `reason` (nothing when `n` is 0). */
export async function countDrops(tx: WriteTx<OutboxDB>, reason: string, n: number): Promise<void> {
  if (n <= 0) return;
  const drops = (await getMeta(tx, 'drops')) ?? {};
  addCounts(drops, reason, n);
  putMeta(tx, 'drops', drops);
}

/** The drops not yet acknowledged by a server: the sealed report's and those counted since. */
export async function unacknowledgedDrops(tx: ReadTx<OutboxDB>): Promise<DropCounts> {
  const drops = { ...((await getMeta(tx, 'drops')) ?? {}) };
  const sealed = await getMeta(tx, 'dropReport');
  for (const [reason, n] of Object.entries(sealed?.counts ?? {})) addCounts(drops, reason, n);
  return drops;
}

/**
 * Takes `rows` rows of `bytes` bytes off the running totals, never below zero. Missing totals
 * stay missing: they count as zero, and the next `expire()` recounts them.
 */
export async function subtractTotals(
  tx: WriteTx<OutboxDB>,
  rows: number,
  bytes: number,
): Promise<void> {
  const totals = await getMeta(tx, 'totals');
  if (!totals) return;
  putMeta(tx, 'totals', {
    rows: Math.max(0, totals.rows - rows),
    bytes: Math.max(0, totals.bytes - bytes),
  });
}
