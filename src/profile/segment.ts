import { DAY_MS } from './options.js';

/** The local RFM segment; see docs/profile.md for the rules. */
export type Segment = 'new' | 'active' | 'loyal' | 'at_risk' | 'lapsed' | 'bargain_hunter';

export interface SegmentInput {
  purchaseCount: number;
  discountedPurchases: number;
  purchases365: number;
  firstPurchaseAt: number | null;
  lastPurchaseAt: number | null;
}

/**
 * First matching rule wins:
 * 1. `lapsed`: last purchase more than 180 days ago.
 * 2. `at_risk`: last purchase 90 to 180 days ago.
 * 3. `bargain_hunter`: at least 2 purchases and at least half of them discounted.
 * 4. `loyal`: at least 3 purchases in the last 365 days.
 * 5. `new`: no purchase yet, or a single purchase made within the last 30 days.
 * 6. `active`: everyone else (bought within the last 90 days).
 */
export function segmentOf(input: SegmentInput, now: number): Segment {
  if (input.lastPurchaseAt === null || input.purchaseCount === 0) return 'new';
  const sinceLast = (now - input.lastPurchaseAt) / DAY_MS;
  if (sinceLast > 180) return 'lapsed';
  if (sinceLast > 90) return 'at_risk';
  if (input.purchaseCount >= 2 && input.discountedPurchases * 2 >= input.purchaseCount) {
    return 'bargain_hunter';
  }
  if (input.purchases365 >= 3) return 'loyal';
  const sinceFirst =
    input.firstPurchaseAt === null ? Infinity : (now - input.firstPurchaseAt) / DAY_MS;
  if (input.purchaseCount === 1 && sinceFirst <= 30) return 'new';
  return 'active';
}
