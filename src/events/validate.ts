import { fieldError, type OfferwiseError } from '../util/errors.js';
import { isPlainObject } from '../util/guards.js';
import { EVENT_NAMES, type EventName, type NormalizedEvent, type NormalizedItem } from './types.js';

/** Result of validating one input: a normalized event, an ignored name, or an error. */
export type ValidationResult =
  | { kind: 'event'; event: NormalizedEvent }
  | { kind: 'ignored'; name: string }
  | { kind: 'invalid'; error: OfferwiseError };

export const LIMITS = {
  /** Items per event. Larger lists are refused rather than silently cut. */
  items: 200,
  /** Identifiers, names and categories. */
  text: 200,
  searchTerm: 200,
  quantity: 10_000,
  /** Upper bound on any money amount; catches cents-vs-units and garbage values. */
  amount: 1e9,
} as const;

const KNOWN = new Set<string>(EVENT_NAMES);
/** Events whose meaning depends on their items: an empty or missing list is an error. */
const NEEDS_ITEMS = new Set<EventName>([
  'view_item',
  'select_item',
  'add_to_cart',
  'remove_from_cart',
  'purchase',
]);
/** Events where the item list is optional (a whole-cart view may be empty; lists and promotions may omit it). */
const OPTIONAL_ITEMS = new Set<EventName>([
  'view_item_list',
  'view_cart',
  'begin_checkout',
  'view_promotion',
  'select_promotion',
  'search',
]);
const CURRENCY = /^[A-Z]{3}$/;

class Invalid {
  constructor(readonly error: OfferwiseError) {}
}

function fail(field: string, value: unknown, expected: string): never {
  throw new Invalid(fieldError('invalid_event', field, value, expected));
}

function text(value: unknown, field: string, required: boolean, max: number = LIMITS.text) {
  if (value === undefined || value === null) {
    if (required) fail(field, value, 'a non-empty string');
    return undefined;
  }
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string') fail(field, value, 'a string');
  const trimmed = (value as string).trim();
  if (trimmed === '') {
    if (required) fail(field, value, 'a non-empty string');
    return undefined;
  }
  if (trimmed.length > max) fail(field, value, `at most ${max} characters`);
  return trimmed;
}

function amount(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > LIMITS.amount) {
    fail(field, value, `a number from 0 to ${LIMITS.amount}`);
  }
  return n as number;
}

function quantity(value: unknown, field: string): number {
  if (value === undefined || value === null || value === '') return 1;
  const n = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > LIMITS.quantity) {
    fail(field, value, `a whole number from 1 to ${LIMITS.quantity}`);
  }
  return n as number;
}

function item(raw: unknown, field: string): NormalizedItem {
  if (!isPlainObject(raw)) fail(field, raw, 'an item object');
  const id = text(raw.item_id, `${field}.item_id`, false);
  const name = text(raw.item_name, `${field}.item_name`, false);
  if (id === undefined && name === undefined) {
    fail(`${field}.item_id`, raw.item_id, 'an item_id (or at least an item_name)');
  }
  const category = text(raw.item_category, `${field}.item_category`, false)?.toLowerCase();
  const subcategories: string[] = [];
  for (let level = 2; level <= 5; level++) {
    const sub = text(raw[`item_category${level}`], `${field}.item_category${level}`, false);
    if (sub !== undefined) subcategories.push(sub);
  }
  const discount = amount(raw.discount, `${field}.discount`);
  const coupon = text(raw.coupon, `${field}.coupon`, false);
  const out: NormalizedItem = {
    id: (id ?? name) as string,
    quantity: quantity(raw.quantity, `${field}.quantity`),
    discounted: (discount !== undefined && discount > 0) || coupon !== undefined,
  };
  if (name !== undefined) out.name = name;
  if (category !== undefined) out.category = category;
  if (subcategories.length > 0) out.subcategories = subcategories;
  const price = amount(raw.price, `${field}.price`);
  if (price !== undefined) out.price = price;
  return out;
}

function items(raw: unknown, name: EventName): NormalizedItem[] {
  const field = 'ecommerce.items';
  if (raw === undefined || raw === null) {
    if (NEEDS_ITEMS.has(name)) fail(field, raw, `a non-empty array of items for "${name}"`);
    return [];
  }
  if (!Array.isArray(raw)) fail(field, raw, 'an array of items');
  if (raw.length === 0 && NEEDS_ITEMS.has(name)) {
    fail(field, raw, `a non-empty array of items for "${name}"`);
  }
  if (raw.length > LIMITS.items) fail(field, raw, `at most ${LIMITS.items} items`);
  return raw.map((entry, i) => item(entry, `${field}[${i}]`));
}

/**
 * Validates one `track()` input without mutating it. Pure and synchronous so that it can run on
 * the caller's task at negligible cost; `at` is the time stamp to record.
 */
export function validateEvent(input: unknown, at: number): ValidationResult {
  try {
    if (!isPlainObject(input))
      fail('event', input, 'an object like { event: "view_item", ecommerce: {...} }');
    const rawName = input.event;
    if (typeof rawName !== 'string' || rawName.trim() === '') {
      fail('event', rawName, 'a GA4 event name string such as "view_item"');
    }
    const name = rawName.trim();
    if (!KNOWN.has(name)) return { kind: 'ignored', name };
    const eventName = name as EventName;

    const ecommerce = input.ecommerce;
    if (ecommerce !== undefined && ecommerce !== null && !isPlainObject(ecommerce)) {
      fail('ecommerce', ecommerce, 'an object or null');
    }
    const ec: Record<string, unknown> = ecommerce ?? {};
    if (!NEEDS_ITEMS.has(eventName) && !OPTIONAL_ITEMS.has(eventName)) {
      throw new Error(`unclassified event ${eventName}`);
    }

    const event: NormalizedEvent = {
      name: eventName,
      at,
      items: items(ec.items, eventName),
      discounted: false,
    };
    const value = amount(ec.value, 'ecommerce.value');
    if (value !== undefined) event.value = value;
    const currency = text(ec.currency, 'ecommerce.currency', false);
    if (currency !== undefined) {
      if (!CURRENCY.test(currency))
        fail('ecommerce.currency', ec.currency, 'an ISO 4217 code such as "EUR"');
      event.currency = currency;
    }
    const orderCoupon = text(ec.coupon, 'ecommerce.coupon', false);

    if (eventName === 'purchase') {
      event.transactionId = text(ec.transaction_id, 'ecommerce.transaction_id', true);
      if (event.value === undefined)
        fail('ecommerce.value', ec.value, 'the order total, a number ≥ 0');
      if (event.currency === undefined)
        fail('ecommerce.currency', ec.currency, 'an ISO 4217 code such as "EUR"');
      event.discounted = orderCoupon !== undefined || event.items.some((i) => i.discounted);
    }
    if (eventName === 'search') {
      const term = input.search_term !== undefined ? input.search_term : ec.search_term;
      const field = input.search_term !== undefined ? 'search_term' : 'ecommerce.search_term';
      event.searchTerm = text(term, field, true, LIMITS.searchTerm);
    }
    return { kind: 'event', event };
  } catch (thrown) {
    if (thrown instanceof Invalid) return { kind: 'invalid', error: thrown.error };
    throw thrown;
  }
}
