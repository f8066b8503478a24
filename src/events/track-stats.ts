/** What `track()` did in this page, for {@link Offerwise.stats}: counts only, never events. */

/** Unknown event names counted one by one; the rest are summed under `"(other)"`. */
const MAX_IGNORED_NAMES = 100;

/** Counters of what `track()` did in this page. */
export interface TrackStats {
  /** Events committed to the profile. */
  accepted: number;
  /** Inputs refused by validation. */
  invalid: number;
  /** Unknown event names, by name (at most 100 names; the rest under `"(other)"`). */
  ignored: Record<string, number>;
  /** Purchases not counted again because their `transaction_id` was already recorded. */
  duplicatePurchases: number;
}

export function emptyTrackStats(): TrackStats {
  return { accepted: 0, invalid: 0, ignored: {}, duplicatePurchases: 0 };
}

/** Counts an event `name` that offerwise does not use (a page may push any number of them). */
export function countIgnored(stats: TrackStats, name: string): void {
  const names = stats.ignored;
  const key = name in names || Object.keys(names).length < MAX_IGNORED_NAMES ? name : '(other)';
  names[key] = (names[key] ?? 0) + 1;
}
