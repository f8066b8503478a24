/** Tunables of the local profile. Every field has a documented default. */
export interface ProfileOptions {
  /** Half-life of category affinity and of the price band, in days. Default 14. */
  halfLifeDays: number;
  /** Raw events older than this are deleted (their effect stays in the aggregates). Default 90. */
  retentionDays: number;
  /** At most this many raw events are kept; the oldest beyond it are compacted. Default 5,000. */
  maxEvents: number;
  /** Length of each recent-items list (viewed, carted, purchased). Default 50. */
  recentItems: number;
  /** Categories kept in the affinity map; the weakest is evicted beyond it. Default 100. */
  maxCategories: number;
  /** Upper bounds of the `budget` and `mid` price bands, in the shop currency. Default [25, 100]. */
  priceBands: [number, number];
}

export const DEFAULT_PROFILE_OPTIONS: ProfileOptions = {
  halfLifeDays: 14,
  retentionDays: 90,
  maxEvents: 5000,
  recentItems: 50,
  maxCategories: 100,
  priceBands: [25, 100],
};

export const DAY_MS = 86_400_000;
/** Lines kept in the current cart. */
export const MAX_CART_LINES = 100;
/** Transaction ids remembered for purchase de-duplication, and for how long. */
export const MAX_TRANSACTION_IDS = 1000;
export const TRANSACTION_ID_DAYS = 400;
