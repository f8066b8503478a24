/** GA4 ecommerce event names that offerwise understands. Any other name is ignored and counted. */
export const EVENT_NAMES = [
  'view_item',
  'view_item_list',
  'select_item',
  'search',
  'add_to_cart',
  'remove_from_cart',
  'view_cart',
  'begin_checkout',
  'purchase',
  'view_promotion',
  'select_promotion',
] as const;

export type EventName = (typeof EVENT_NAMES)[number];

/** One GA4 item as shops push it. Either `item_id` or `item_name` is required. */
export interface Ga4Item {
  item_id?: string | number;
  item_name?: string;
  item_category?: string;
  item_category2?: string;
  item_category3?: string;
  item_category4?: string;
  item_category5?: string;
  /** Unit price in the event's currency (a number or a numeric string). */
  price?: number | string;
  /** Positive whole number; 1 when absent. */
  quantity?: number | string;
  /** Unit discount, as GA4 defines it; a purchase with any discount counts as discounted. */
  discount?: number | string;
  coupon?: string;
  [key: string]: unknown;
}

/** The GA4 ecommerce payload. */
export interface Ga4Ecommerce {
  items?: Ga4Item[];
  value?: number | string;
  currency?: string;
  transaction_id?: string | number;
  coupon?: string;
  search_term?: string;
  [key: string]: unknown;
}

/**
 * The events about particular items: their `ecommerce.items` is required (and must hold at least
 * one item, checked at run time: an array built with `map()` has no length in its type).
 */
export type ItemEventName = 'view_item' | 'select_item' | 'add_to_cart' | 'remove_from_cart';

/** A `purchase`'s payload: the order's id, total, currency and lines. */
export interface Ga4PurchaseEcommerce extends Ga4Ecommerce {
  transaction_id: string | number;
  value: number | string;
  currency: string;
  items: Ga4Item[];
}

/**
 * The event `track()` takes for the name `N`, with what offerwise requires of it (checked again at
 * run time, for JavaScript callers): items for the item events, an order for `purchase`, a term
 * for `search`.
 */
export type TrackEventOf<N extends EventName> = { event: N } & (N extends 'purchase'
  ? { ecommerce: Ga4PurchaseEcommerce }
  : N extends ItemEventName
    ? { ecommerce: Ga4Ecommerce & { items: Ga4Item[] } }
    : N extends 'search'
      ? | { search_term: string; ecommerce?: Ga4Ecommerce | null }
        | { ecommerce: Ga4Ecommerce & { search_term: string } }
      : { ecommerce?: Ga4Ecommerce | null });

/**
 * What `track()` accepts: the GA4 ecommerce events shops already push to `dataLayer`, one type per
 * event name, so that a misspelled name or field is a compile error. The `dataLayer` path takes
 * anything (`unknown`) and checks it at run time; pass other shapes there, or cast.
 */
export type TrackEvent = { [N in EventName]: TrackEventOf<N> }[EventName];

/** An item after validation: trimmed, typed, bounded. */
export interface NormalizedItem {
  /** `item_id`, or `item_name` when the shop sends no id. */
  id: string;
  name?: string;
  /** Top-level category, lower-cased (the key used for affinity). */
  category?: string;
  /** `item_category2..5`, as sent. */
  subcategories?: string[];
  price?: number;
  quantity: number;
  discounted: boolean;
}

/** An event after validation; this is what is stored in the local event log. */
export interface NormalizedEvent {
  name: EventName;
  /** Wall-clock time it was tracked, ms since epoch. */
  at: number;
  items: NormalizedItem[];
  value?: number;
  currency?: string;
  transactionId?: string;
  searchTerm?: string;
  /** True when the order or any of its items carries a coupon or a discount. */
  discounted: boolean;
}
