/**
 * A simulated shopper: a Hillstrom row whose purchase state moves as simulated orders happen,
 * seen by the SDK as a profile snapshot and by the ground truth as a {@link TruthShopper}, both
 * from the same facts and mapped as training maps rows (models/uplift/dataset.ts).
 */
import { segmentOf } from '../../src/profile/segment.js';
import type { ProfileSnapshot } from '../../src/profile/snapshot.js';
import type { HillstromRow } from '../lib/hillstrom.js';
import type { TruthShopper } from './truth.js';
import { SIM_START } from './world.js';

const DAY_MS = 86_400_000;
const MONTH_DAYS = 30.4375;

/** A shopper's purchase state, moving as simulated orders happen. */
export interface ShopperState {
  row: HillstromRow;
  firstPurchaseAt: number | null;
  lastPurchaseAt: number | null;
  /** Purchases before the simulation: counted in every window as `models/uplift/dataset.ts` does. */
  baseCount: number;
  baseSpend: number;
  orders: { at: number; spend: number }[];
  discounted: number;
  bought: Map<string, { count: number; lastAt: number }>;
}

export function initialState(row: HillstromRow): ShopperState {
  // The mapping of models/uplift/dataset.ts (profileOf), anchored at the simulation's start.
  const lastAt = SIM_START - row.recency * MONTH_DAYS * DAY_MS;
  const bought = new Map<string, { count: number; lastAt: number }>();
  if (row.mens) bought.set('mens', { count: 1, lastAt });
  if (row.womens) bought.set('womens', { count: 1, lastAt });
  return {
    row,
    firstPurchaseAt: row.newbie ? lastAt : SIM_START - 730 * DAY_MS,
    lastPurchaseAt: lastAt,
    baseCount: row.newbie ? 1 : 2,
    baseSpend: row.history,
    orders: [],
    discounted: 0,
    bought,
  };
}

function windowOf(state: ShopperState, at: number, days: number, base: boolean) {
  let count = base ? state.baseCount : 0;
  let spend = base ? state.baseSpend : 0;
  for (const o of state.orders) {
    if (at - o.at < days * DAY_MS) {
      count++;
      spend += o.spend;
    }
  }
  return { count, spend: Math.round(spend * 100) / 100 };
}

/** As `models/uplift/dataset.ts`: the last purchase before the simulation counts when recent enough. */
function recentWindow(state: ShopperState, at: number, days: number, lastCounts: boolean) {
  const w = windowOf(state, at, days, false);
  return { count: w.count + (lastCounts ? 1 : 0), spend: w.spend };
}

/** The SDK's profile snapshot of the shopper at `at`. */
export function snapshotOf(state: ShopperState, at: number): ProfileSnapshot {
  const row = state.row;
  const d365 = windowOf(state, at, 365, true);
  const count = d365.count;
  return {
    at,
    storage: 'memory',
    consent: 'granted',
    firstSeenAt: SIM_START,
    lastSeenAt: at,
    firstPurchaseAt: state.firstPurchaseAt,
    lastPurchaseAt: state.lastPurchaseAt,
    daysSinceLastPurchase:
      state.lastPurchaseAt === null ? null : (at - state.lastPurchaseAt) / DAY_MS,
    currency: 'USD',
    purchases: {
      d30: recentWindow(state, at, 30, row.recency <= 1),
      d90: recentWindow(state, at, 90, row.recency <= 3),
      d365,
      total: d365,
      discounted: state.discounted,
    },
    categories: [],
    purchasedCategories: [...state.bought]
      .map(([category, v]) => ({ category, count: v.count, lastAt: v.lastAt }))
      .sort((a, b) => b.lastAt - a.lastAt || (a.category < b.category ? -1 : 1)),
    mutedCategories: [],
    price: { average: null, min: null, max: null, band: null },
    recent: { viewed: [], carted: [], purchased: [] },
    cart: { lines: [], itemCount: 0, value: 0, currency: null },
    segment: segmentOf(
      {
        purchaseCount: count,
        discountedPurchases: state.discounted,
        purchases365: count,
        firstPurchaseAt: state.firstPurchaseAt,
        lastPurchaseAt: state.lastPurchaseAt,
      },
      at,
    ),
    eventCounts: {},
    log: { events: 0, compacted: 0, expired: 0 },
  };
}

/** What the ground truth sees of the shopper at `at` (the same facts as the snapshot). */
export function truthShopper(state: ShopperState, at: number): TruthShopper {
  const last = state.lastPurchaseAt;
  return {
    recencyMonths: last === null ? 13 : Math.min(13, (at - last) / DAY_MS / MONTH_DAYS),
    history: windowOf(state, at, 365, true).spend,
    bought: [...state.bought]
      .filter(([, v]) => at - v.lastAt <= 365 * DAY_MS)
      .map(([c]) => c)
      .sort(),
    newbie: state.firstPurchaseAt !== null && at - state.firstPurchaseAt <= 365 * DAY_MS,
    channel: state.row.channel,
    zip: state.row.zip,
  };
}
