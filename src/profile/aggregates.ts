import type { NormalizedEvent, NormalizedItem } from '../events/types.js';
import { DAY_MS, MAX_CART_LINES, type ProfileOptions } from './options.js';
import { CATEGORY_WEIGHTS, PRICE_WEIGHTS } from './weights.js';

/** A decayed score: `value` as of wall-clock time `at`. */
export interface Decayed {
  value: number;
  at: number;
}

export interface RecentItem {
  id: string;
  name?: string;
  category?: string;
  price?: number;
  at: number;
}

export interface CartLine {
  id: string;
  name?: string;
  category?: string;
  price?: number;
  quantity: number;
}

/**
 * Everything the profile knows, kept up to date per event in O(items) and stored as one record,
 * so a read-modify-write in one transaction never loses another tab's update.
 */
export interface Aggregates {
  /** Format version of this record. */
  format: 1;
  firstSeenAt: number | null;
  lastSeenAt: number | null;
  firstPurchaseAt: number | null;
  lastPurchaseAt: number | null;
  /** Currency of the first purchase; spend in any other currency is not added (see README). */
  currency: string | null;
  purchaseCount: number;
  spendTotal: number;
  discountedPurchases: number;
  /** Purchases per UTC day (day number → [count, spend]); days older than 365 are dropped. */
  purchaseDays: Record<string, [number, number]>;
  categories: Record<string, Decayed>;
  /** Categories bought in: how many purchases named each, and when last (bounded like `categories`). */
  purchasedCategories: Record<string, { count: number; last: number }>;
  /** Decayed weighted sum of unit prices and of their weights; their ratio is the average. */
  price: { sum: Decayed; weight: Decayed; min: number | null; max: number | null };
  recent: { viewed: RecentItem[]; carted: RecentItem[]; purchased: RecentItem[] };
  cart: CartLine[];
  cartCurrency: string | null;
  eventCounts: Record<string, number>;
  /** Raw events currently in the log, and how many left it by the row cap or by age. */
  rawEvents: number;
  compactedEvents: number;
  expiredEvents: number;
  /**
   * Categories the shopper turned off ("Why am I seeing this?"): still counted, never used. Absent
   * in profiles written before it existed.
   */
  muted?: string[];
}

/** Most categories a shopper can turn off. */
export const MAX_MUTED = 100;

export function emptyAggregates(): Aggregates {
  return {
    format: 1,
    firstSeenAt: null,
    lastSeenAt: null,
    firstPurchaseAt: null,
    lastPurchaseAt: null,
    currency: null,
    purchaseCount: 0,
    spendTotal: 0,
    discountedPurchases: 0,
    purchaseDays: {},
    categories: {},
    purchasedCategories: {},
    price: { sum: { value: 0, at: 0 }, weight: { value: 0, at: 0 }, min: null, max: null },
    recent: { viewed: [], carted: [], purchased: [] },
    cart: [],
    cartCurrency: null,
    eventCounts: {},
    rawEvents: 0,
    compactedEvents: 0,
    expiredEvents: 0,
  };
}

/** Value of a decayed score at time `at`: halves every `halfLifeMs`. Never grows for past times. */
export function decayedValue(score: Decayed, at: number, halfLifeMs: number): number {
  const age = at - score.at;
  return age <= 0 ? score.value : score.value * Math.pow(2, -age / halfLifeMs);
}

/**
 * Adds `amount` happening at `at`. Events may arrive out of order (two tabs, a late flush): an
 * older event is added already decayed to the score's time, so the order of arrival never matters.
 */
export function addDecayed(score: Decayed, amount: number, at: number, halfLifeMs: number): void {
  if (at >= score.at) {
    score.value = decayedValue(score, at, halfLifeMs) + amount;
    score.at = at;
  } else {
    score.value += amount * Math.pow(2, -(score.at - at) / halfLifeMs);
  }
  if (score.value < 0) score.value = 0;
}

export function dayNumber(at: number): number {
  return Math.floor(at / DAY_MS);
}

function distinctCategories(items: NormalizedItem[]): string[] {
  const out: string[] = [];
  for (const item of items) {
    if (item.category !== undefined && !out.includes(item.category)) out.push(item.category);
  }
  return out;
}

function pushRecent(list: RecentItem[], item: NormalizedItem, at: number, max: number): void {
  const existing = list.findIndex((r) => r.id === item.id);
  if (existing !== -1) {
    if (list[existing]!.at > at) return; // a newer sighting already heads the list
    list.splice(existing, 1);
  }
  const entry: RecentItem = { id: item.id, at };
  if (item.name !== undefined) entry.name = item.name;
  if (item.category !== undefined) entry.category = item.category;
  if (item.price !== undefined) entry.price = item.price;
  // Keep newest first; an out-of-order event slots in by time.
  let index = 0;
  while (index < list.length && list[index]!.at > at) index++;
  list.splice(index, 0, entry);
  if (list.length > max) list.length = max;
}

function cartLine(item: NormalizedItem, quantity: number): CartLine {
  const line: CartLine = { id: item.id, quantity };
  if (item.name !== undefined) line.name = item.name;
  if (item.category !== undefined) line.category = item.category;
  if (item.price !== undefined) line.price = item.price;
  return line;
}

function applyCart(agg: Aggregates, event: NormalizedEvent): void {
  switch (event.name) {
    case 'add_to_cart':
      for (const item of event.items) {
        const line = agg.cart.find((l) => l.id === item.id);
        if (line) {
          line.quantity += item.quantity;
          if (item.price !== undefined) line.price = item.price;
        } else if (agg.cart.length < MAX_CART_LINES) {
          agg.cart.push(cartLine(item, item.quantity));
        }
      }
      break;
    case 'remove_from_cart':
      for (const item of event.items) {
        const index = agg.cart.findIndex((l) => l.id === item.id);
        if (index === -1) continue;
        const line = agg.cart[index]!;
        line.quantity -= item.quantity;
        if (line.quantity <= 0) agg.cart.splice(index, 1);
      }
      break;
    case 'view_cart':
    case 'begin_checkout':
      // The shop's own view of the cart is authoritative; a checkout without items says nothing.
      if (event.name === 'view_cart' || event.items.length > 0) {
        agg.cart = event.items.slice(0, MAX_CART_LINES).map((i) => cartLine(i, i.quantity));
      }
      break;
    case 'purchase':
      agg.cart = [];
      break;
    default:
      return;
  }
  if (event.currency !== undefined) agg.cartCurrency = event.currency;
}

function applyPurchasedCategories(agg: Aggregates, event: NormalizedEvent, max: number): void {
  const bought = (agg.purchasedCategories ??= {}); // records written before this field existed
  for (const category of distinctCategories(event.items)) {
    const entry = bought[category];
    if (entry) {
      entry.count += 1;
      entry.last = Math.max(entry.last, event.at);
      continue;
    }
    const names = Object.keys(bought);
    if (names.length >= max) {
      // Forget the category bought longest ago.
      let oldest = names[0]!;
      for (const name of names) if (bought[name]!.last < bought[oldest]!.last) oldest = name;
      delete bought[oldest];
    }
    bought[category] = { count: 1, last: event.at };
  }
}

function applyPurchase(agg: Aggregates, event: NormalizedEvent): void {
  const value = event.value ?? 0;
  agg.purchaseCount += 1;
  if (event.discounted) agg.discountedPurchases += 1;
  if (agg.firstPurchaseAt === null || event.at < agg.firstPurchaseAt)
    agg.firstPurchaseAt = event.at;
  if (agg.lastPurchaseAt === null || event.at > agg.lastPurchaseAt) agg.lastPurchaseAt = event.at;
  agg.currency ??= event.currency ?? null;
  const counted = event.currency === agg.currency ? value : 0;
  agg.spendTotal += counted;
  const day = String(dayNumber(event.at));
  const bucket = agg.purchaseDays[day] ?? [0, 0];
  bucket[0] += 1;
  bucket[1] += counted;
  agg.purchaseDays[day] = bucket;
}

/** Drops purchase-day buckets that no window (≤ 365 days) can reach any more. */
export function prunePurchaseDays(agg: Aggregates, now: number): void {
  const oldest = dayNumber(now) - 365;
  for (const day of Object.keys(agg.purchaseDays)) {
    if (Number(day) <= oldest) delete agg.purchaseDays[day];
  }
}

/** Categories named by a search: those of its items, and known categories that appear as a word of the term. */
function searchCategories(agg: Aggregates, event: NormalizedEvent): string[] {
  const categories = distinctCategories(event.items);
  const words = new Set((event.searchTerm ?? '').toLowerCase().split(/[^\p{L}\p{N}]+/u));
  for (const known of Object.keys(agg.categories)) {
    if (!categories.includes(known) && words.has(known)) categories.push(known);
  }
  return categories;
}

function evictWeakestCategory(agg: Aggregates, at: number, halfLifeMs: number): void {
  let weakest: string | undefined;
  let lowest = Infinity;
  for (const [name, score] of Object.entries(agg.categories)) {
    const value = decayedValue(score, at, halfLifeMs);
    if (value < lowest) {
      lowest = value;
      weakest = name;
    }
  }
  if (weakest !== undefined) delete agg.categories[weakest];
}

/**
 * Folds one validated event into the aggregates, in place. `duplicatePurchase` is true when the
 * store has already seen this purchase's transaction id: it then changes nothing but the counts.
 */
export function applyEvent(
  agg: Aggregates,
  event: NormalizedEvent,
  options: ProfileOptions,
  duplicatePurchase = false,
): void {
  const halfLifeMs = options.halfLifeDays * DAY_MS;
  const at = event.at;
  agg.eventCounts[event.name] = (agg.eventCounts[event.name] ?? 0) + 1;
  if (agg.firstSeenAt === null || at < agg.firstSeenAt) agg.firstSeenAt = at;
  if (agg.lastSeenAt === null || at > agg.lastSeenAt) agg.lastSeenAt = at;
  if (duplicatePurchase) return;

  const weight = CATEGORY_WEIGHTS[event.name];
  if (weight !== 0) {
    const categories =
      event.name === 'search' ? searchCategories(agg, event) : distinctCategories(event.items);
    for (const category of categories) {
      let score = agg.categories[category];
      if (score === undefined) {
        if (weight < 0) continue; // removing never creates an interest
        if (Object.keys(agg.categories).length >= options.maxCategories) {
          evictWeakestCategory(agg, at, halfLifeMs);
        }
        score = { value: 0, at };
        agg.categories[category] = score;
      }
      addDecayed(score, weight, at, halfLifeMs);
    }
  }

  const priceWeight = PRICE_WEIGHTS[event.name];
  if (priceWeight !== undefined) {
    for (const item of event.items) {
      if (item.price === undefined) continue;
      addDecayed(agg.price.sum, item.price * priceWeight, at, halfLifeMs);
      addDecayed(agg.price.weight, priceWeight, at, halfLifeMs);
      agg.price.min = agg.price.min === null ? item.price : Math.min(agg.price.min, item.price);
      agg.price.max = agg.price.max === null ? item.price : Math.max(agg.price.max, item.price);
    }
  }

  const max = options.recentItems;
  if (event.name === 'view_item' || event.name === 'select_item') {
    for (const item of event.items) pushRecent(agg.recent.viewed, item, at, max);
  } else if (event.name === 'add_to_cart') {
    for (const item of event.items) pushRecent(agg.recent.carted, item, at, max);
  } else if (event.name === 'purchase') {
    for (const item of event.items) pushRecent(agg.recent.purchased, item, at, max);
    applyPurchase(agg, event);
    applyPurchasedCategories(agg, event, options.maxCategories);
    prunePurchaseDays(agg, at);
  }
  applyCart(agg, event);
}
