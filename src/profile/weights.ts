import type { EventName } from '../events/types.js';

/**
 * Affinity added to each distinct top-level category named by an event's items (once per event,
 * whatever the quantity). Intent grows from seeing a list to buying; a removal takes back part of
 * an add. Scores decay with the profile's half-life and never go below zero.
 */
export const CATEGORY_WEIGHTS: Record<EventName, number> = {
  view_item_list: 0.1,
  view_promotion: 0,
  select_promotion: 1,
  select_item: 0.5,
  view_item: 1,
  search: 2,
  add_to_cart: 3,
  remove_from_cart: -2,
  view_cart: 0,
  begin_checkout: 0,
  purchase: 5,
};

/** Weight of an item's unit price in the shopper's decayed average price (the price band). */
export const PRICE_WEIGHTS: Partial<Record<EventName, number>> = {
  view_item: 1,
  select_item: 1,
  add_to_cart: 2,
  purchase: 3,
};
