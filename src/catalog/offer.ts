/**
 * One offer of a catalog: its fields, and the rules between them (a coupon needs a code, a flash
 * sale its times and items, an end after its start). Throws {@link Bad} for the first problem;
 * ./validate.ts then skips this offer alone.
 */
import { isPlainObject } from '../util/guards.js';
import type { Offer, SaleItem } from '../decide/types.js';
import {
  absent,
  bad,
  bool,
  CATALOG_LIMITS,
  category,
  dateTime,
  DATE_TIME_EXPECTED,
  itemId,
  link,
  nonNegative,
  offerType,
  plain,
  text,
  whole,
} from './fields.js';

function discount(value: unknown, field: string): Offer['discount'] | undefined {
  if (absent(value)) return undefined;
  const expected = 'an object with either percent (0 to 100) or amount (at least 0)';
  if (!isPlainObject(value)) bad(field, value, expected);
  const hasPercent = !absent(value.percent);
  const hasAmount = !absent(value.amount);
  if (hasPercent === hasAmount) bad(field, value, expected);
  if (hasPercent) {
    const percent = value.percent;
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
      bad(`${field}.percent`, percent, 'a number from 0 to 100');
    }
    return { percent };
  }
  return { amount: nonNegative(value.amount, `${field}.amount`)! };
}

function codePool(value: unknown, field: string): string[] | undefined {
  if (absent(value)) return undefined;
  const expected = `a non-empty array of codes (strings of at most ${CATALOG_LIMITS.code} characters)`;
  if (!Array.isArray(value) || value.length === 0) bad(field, value, expected);
  return value.map((code, i) =>
    plain(text(code, `${field}[${i}]`, CATALOG_LIMITS.code, true), `${field}[${i}]`, code),
  );
}

function placementNames(value: unknown, field: string): string[] {
  if (absent(value)) return [];
  if (!Array.isArray(value)) bad(field, value, 'an array of placement names');
  return value.map((name, i) => text(name, `${field}[${i}]`, CATALOG_LIMITS.placementName, true));
}

function saleItem(value: unknown, field: string): SaleItem {
  if (!isPlainObject(value)) bad(field, value, 'an object');
  const item_id = itemId(value.item_id, `${field}.item_id`);
  const item_name = text(value.item_name, `${field}.item_name`, CATALOG_LIMITS.title, true);
  const url = link(value.url, `${field}.url`);
  const image = link(value.image, `${field}.image`);
  if (absent(value.price)) bad(`${field}.price`, value.price, 'a number of at least 0');
  const price = nonNegative(value.price, `${field}.price`)!;
  const sale_price = value.sale_price;
  if (
    typeof sale_price !== 'number' ||
    !Number.isFinite(sale_price) ||
    sale_price < 0 ||
    sale_price > price
  ) {
    bad(`${field}.sale_price`, sale_price, `a number from 0 to ${price} (the price)`);
  }
  const stock = whole(value.stock, `${field}.stock`, 0);
  const cat = category(value.category, `${field}.category`);
  return {
    item_id,
    item_name,
    ...(url !== undefined && { url }),
    ...(image !== undefined && { image }),
    price,
    sale_price,
    ...(stock !== undefined && { stock }),
    ...(cat !== undefined && { category: cat }),
  };
}

function saleItems(value: unknown, field: string): SaleItem[] | undefined {
  if (absent(value)) return undefined;
  const max = CATALOG_LIMITS.saleItems;
  if (!Array.isArray(value) || value.length === 0 || value.length > max) {
    bad(field, value, `a non-empty array of at most ${max} items`);
  }
  return value.map((item, i) => saleItem(item, `${field}[${i}]`));
}

/** Validates one offer (already known to be an object with a valid id); throws {@link Bad}. */
export function validateOffer(raw: Record<string, unknown>, id: string): Offer {
  const type = offerType(raw.type, 'type');
  const title = text(raw.title, 'title', CATALOG_LIMITS.title, true);
  const description = text(raw.description, 'description', CATALOG_LIMITS.description, false);
  const cat = category(raw.category, 'category') ?? 'any';
  const disc = discount(raw.discount, 'discount');
  const rawCode = text(raw.code, 'code', CATALOG_LIMITS.code, false);
  const code = rawCode === undefined ? undefined : plain(rawCode, 'code', raw.code);
  const code_pool = codePool(raw.code_pool, 'code_pool');
  const min_spend = nonNegative(raw.min_spend, 'min_spend');
  const valid_from = dateTime(raw.valid_from, 'valid_from');
  const valid_to = dateTime(raw.valid_to, 'valid_to');
  const starts_at = dateTime(raw.starts_at, 'starts_at');
  const ends_at = dateTime(raw.ends_at, 'ends_at');
  const member_only = bool(raw.member_only, 'member_only') ?? type === 'member_deal';
  const max_claims = whole(raw.max_claims, 'max_claims', 1);
  const budget = nonNegative(raw.budget, 'budget');
  const remaining = nonNegative(raw.remaining, 'remaining');
  const placements = placementNames(raw.placements, 'placements');
  const value = nonNegative(raw.value, 'value');
  const url = link(raw.url, 'url');
  const image = link(raw.image, 'image');
  const items = saleItems(raw.items, 'items');

  if (type !== 'flash_sale' && disc === undefined) {
    bad('discount', raw.discount, `an object with percent or amount (required for ${type})`);
  }
  if (type === 'coupon' && code === undefined && code_pool === undefined) {
    bad('code', raw.code, 'a code or a code_pool (required for coupon)');
  }
  if (valid_from !== undefined && valid_to !== undefined && valid_to <= valid_from) {
    bad('valid_to', raw.valid_to, 'a date-time after valid_from');
  }
  if (type === 'flash_sale') {
    if (starts_at === undefined) {
      bad('starts_at', raw.starts_at, `${DATE_TIME_EXPECTED} (required for flash_sale)`);
    }
    if (ends_at === undefined) {
      bad('ends_at', raw.ends_at, `${DATE_TIME_EXPECTED} (required for flash_sale)`);
    }
    if (items === undefined) {
      bad(
        'items',
        raw.items,
        `a non-empty array of at most ${CATALOG_LIMITS.saleItems} items (required for flash_sale)`,
      );
    }
  }
  if (starts_at !== undefined && ends_at !== undefined && ends_at <= starts_at) {
    bad('ends_at', raw.ends_at, 'a date-time after starts_at');
  }

  // Same key order as the Offer type, optional keys only when present.
  return {
    id,
    type,
    title,
    ...(description !== undefined && { description }),
    category: cat,
    ...(disc !== undefined && { discount: disc }),
    ...(code !== undefined && { code }),
    ...(code_pool !== undefined && { code_pool }),
    ...(min_spend !== undefined && { min_spend }),
    ...(valid_from !== undefined && { valid_from }),
    ...(valid_to !== undefined && { valid_to }),
    ...(starts_at !== undefined && { starts_at }),
    ...(ends_at !== undefined && { ends_at }),
    member_only,
    ...(max_claims !== undefined && { max_claims }),
    ...(budget !== undefined && { budget }),
    ...(remaining !== undefined && { remaining }),
    placements,
    ...(items !== undefined && { items }),
    ...(url !== undefined && { url }),
    ...(image !== undefined && { image }),
    ...(value !== undefined && { value }),
  };
}
