import { describeValue, fieldError } from '../util/errors.js';
import { isPlainObject } from '../util/guards.js';
import { parseCatalogPolicies } from '../decide/candidate-policy.js';
import type {
  Catalog,
  CatalogItem,
  Offer,
  OfferType,
  Placement,
  SaleItem,
} from '../decide/types.js';

/**
 * One part of a catalog that validation skipped: an offer, a placement or an item entry.
 * `field` is the full path (`offers[3].discount.percent`, `placements.cart.limit`,
 * `items["sku-1"].price`); `offerId` is set when the skipped offer had a usable id.
 */
export interface CatalogProblem {
  offerId?: string;
  field: string;
  value: unknown;
  expected: string;
  message: string;
}

export const CATALOG_LIMITS = {
  id: 100,
  title: 200,
  description: 1000,
  category: 200,
  code: 64,
  placementName: 100,
  /** Items of one flash sale. */
  saleItems: 50,
  /** Placement `limit` upper bound. */
  placementLimit: 20,
  /** Neighbours kept per item (the heaviest ones). */
  neighbours: 100,
  /** Entries of `items` kept (in the catalog's order); the rest are skipped with one problem. */
  items: 50_000,
  /** Ids in a placement's `items`. */
  placementItems: 500,
  /** Links longer than this are refused. */
  link: 2048,
} as const;

export const OFFER_TYPES: readonly OfferType[] = ['coupon', 'flash_sale', 'member_deal'];

/** Thrown inside validation of one part; caught where that part is skipped. */
class Bad {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {}
}

function bad(field: string, value: unknown, expected: string): never {
  throw new Bad(field, value, expected);
}

/**
 * Bidirectional formatting characters (ALM, LRM, RLM, the embeddings and overrides, the
 * isolates). In a code or an id they make the shown text differ from the real one
 * (`SAVE\u202E10` shows as "SAVE01" but copies as written) and can reorder the page's text after
 * it; codes and ids never need them.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const BIDI_CONTROLS_ALL = new RegExp(BIDI_CONTROLS.source, 'g');

export const NO_BIDI_EXPECTED =
  'no bidirectional control characters (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069)';

/** `id`, refused when it holds a bidirectional control character. */
function plain(id: string, field: string, raw: unknown): string {
  if (BIDI_CONTROLS.test(id)) bad(field, raw, NO_BIDI_EXPECTED);
  return id;
}

/** `text` with its bidirectional controls written as `\uXXXX`, so a message shows them and is not reordered by them. */
export function escapeBidi(text: string): string {
  return text.replace(
    BIDI_CONTROLS_ALL,
    (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}

/** `path.key` for identifier-like keys, `path["key"]` otherwise. */
function prop(path: string, key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function absent(value: unknown): boolean {
  return value === undefined || value === null;
}

/** Length in code points, so a 200-character title of emoji is 200, not 400. */
function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function text(value: unknown, field: string, max: number, required: true): string;
function text(value: unknown, field: string, max: number, required: false): string | undefined;
function text(value: unknown, field: string, max: number, required: boolean): string | undefined {
  const expected = required
    ? `a non-empty string of at most ${max} characters`
    : `a string of at most ${max} characters`;
  if (absent(value)) {
    if (required) bad(field, value, expected);
    return undefined;
  }
  if (typeof value !== 'string') bad(field, value, expected);
  const trimmed = value.trim();
  if (trimmed === '') {
    if (required) bad(field, value, expected);
    return undefined;
  }
  if (trimmed.length > max && charCount(trimmed) > max) bad(field, value, expected);
  return trimmed;
}

function nonNegative(value: unknown, field: string): number | undefined {
  if (absent(value)) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    bad(field, value, 'a number of at least 0');
  }
  return value;
}

function whole(value: unknown, field: string, min: number, max?: number): number | undefined {
  if (absent(value)) return undefined;
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < min ||
    (max !== undefined && value > max)
  ) {
    bad(
      field,
      value,
      max === undefined
        ? `a whole number of at least ${min}`
        : `a whole number from ${min} to ${max}`,
    );
  }
  return value;
}

function bool(value: unknown, field: string): boolean | undefined {
  if (absent(value)) return undefined;
  if (typeof value !== 'boolean') bad(field, value, 'true or false');
  return value;
}

function offerType(value: unknown, field: string): OfferType {
  if (typeof value !== 'string' || !(OFFER_TYPES as readonly string[]).includes(value.trim())) {
    bad(field, value, `one of ${OFFER_TYPES.join(', ')}`);
  }
  return value.trim() as OfferType;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

export const DATE_TIME_EXPECTED =
  'an ISO 8601 date-time with a time zone, e.g. 2026-11-28T12:00:00Z';

/**
 * Parses an ISO 8601 / RFC 3339 date-time that names its time zone (`Z` or `±hh:mm`) to ms since
 * epoch; `undefined` for anything else, including impossible dates such as February 30 (which
 * `Date.parse` silently rolls over) and zone-less times (which it reads in the local zone).
 */
export function parseDateTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE_TIME.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const s = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return undefined;
  const daysInMonth = new Date(Date.UTC(2000, mo, 0)).getUTCDate(); // leap-year 2000 for Feb 29
  if (d < 1 || d > daysInMonth) return undefined;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return undefined;
  let offsetMin = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // Date.UTC maps years 0-99 to 1900-1999
  date.setUTCHours(h, mi, s, ms);
  return date.getTime() - offsetMin * 60_000;
}

function dateTime(value: unknown, field: string): number | undefined {
  if (absent(value)) return undefined;
  const ms = parseDateTime(value);
  if (ms === undefined) bad(field, value, DATE_TIME_EXPECTED);
  return ms;
}

const DUMMY_BASE = 'https://offerwise.invalid';
const DUMMY_HOST = 'offerwise.invalid';
// C0 controls, DEL and the backslash that special-scheme URL parsing treats as '/'.
const FORBIDDEN_IN_LINK = /[\u0000-\u001f\u007f\\]/;

/**
 * Returns a link that is safe to put in `href`/`src`, or `undefined`. Accepted: absolute `https:`
 * URLs without credentials (returned normalized by the URL parser, so the browser cannot read them
 * differently), and same-origin paths that start with a single `/` (returned as given, trimmed).
 * Everything else is refused: other schemes (`javascript:`, `data:`, `http:`, `vbscript:`, ...),
 * protocol-relative `//host`, relative paths without a leading `/`, and any link with control
 * characters or backslashes anywhere (the URL parser drops tabs and newlines and reads `\` as `/`,
 * which is how `java\tscript:` and `/\evil.com` get through naive checks).
 */
export function safeLink(value: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  const link = value.trim();
  if (link === '' || link.length > CATALOG_LIMITS.link || FORBIDDEN_IN_LINK.test(link)) {
    return undefined;
  }
  if (link.startsWith('/')) {
    if (link.startsWith('//')) return undefined;
    let url: URL;
    try {
      url = new URL(link, DUMMY_BASE);
    } catch {
      return undefined;
    }
    // The browser resolves `link` against the page exactly as we did against the dummy base.
    return url.protocol === 'https:' && url.host === DUMMY_HOST && url.username === ''
      ? link
      : undefined;
  }
  if (!/^https:\/\//i.test(link)) return undefined;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return undefined;
  }
  if (
    url.protocol !== 'https:' ||
    url.hostname === '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    return undefined;
  }
  return url.href;
}

const LINK_EXPECTED = 'an https: URL or a same-origin path starting with /';

function link(value: unknown, field: string): string | undefined {
  if (absent(value)) return undefined;
  const safe = typeof value === 'string' ? safeLink(value) : undefined;
  if (safe === undefined) bad(field, value, LINK_EXPECTED);
  return safe;
}

function category(value: unknown, field: string): string | undefined {
  return text(value, field, CATALOG_LIMITS.category, false)?.toLowerCase();
}

/** An id that may come as a string or a number (GA4 item ids often do). */
function itemId(value: unknown, field: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  const expected = `a non-empty string or number of at most ${CATALOG_LIMITS.id} characters`;
  if (typeof value !== 'string') bad(field, value, expected);
  const id = value.trim();
  if (id === '' || charCount(id) > CATALOG_LIMITS.id) bad(field, value, expected);
  return plain(id, field, value);
}

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
function offer(raw: Record<string, unknown>, id: string): Offer {
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

function placement(raw: unknown, field: string): Placement {
  if (!isPlainObject(raw)) bad(field, raw, 'an object with limit');
  const max = CATALOG_LIMITS.placementLimit;
  if (absent(raw.limit)) bad(`${field}.limit`, raw.limit, `a whole number from 1 to ${max}`);
  const limit = whole(raw.limit, `${field}.limit`, 1, max)!;
  const out: Placement = { limit };
  if (!absent(raw.types)) {
    const expected = `an array of offer types (${OFFER_TYPES.join(', ')})`;
    if (!Array.isArray(raw.types)) bad(`${field}.types`, raw.types, expected);
    out.types = raw.types.map((t, i) => offerType(t, `${field}.types[${i}]`));
  }
  if (!absent(raw.items)) {
    const expected = `an array of at most ${CATALOG_LIMITS.placementItems} item ids`;
    if (!Array.isArray(raw.items) || raw.items.length > CATALOG_LIMITS.placementItems) {
      bad(`${field}.items`, raw.items, expected);
    }
    out.items = raw.items.map((id, i) => itemId(id, `${field}.items[${i}]`));
  }
  return out;
}

function catalogItem(raw: unknown, field: string): CatalogItem {
  if (!isPlainObject(raw)) bad(field, raw, 'an object');
  const out: CatalogItem = {};
  const name = text(raw.name, `${field}.name`, CATALOG_LIMITS.title, false);
  if (name !== undefined) out.name = name;
  const cat = category(raw.category, `${field}.category`);
  if (cat !== undefined) out.category = cat;
  const price = nonNegative(raw.price, `${field}.price`);
  if (price !== undefined) out.price = price;
  const url = link(raw.url, `${field}.url`);
  if (url !== undefined) out.url = url;
  const image = link(raw.image, `${field}.image`);
  if (image !== undefined) out.image = image;
  const popularity = nonNegative(raw.popularity, `${field}.popularity`);
  if (popularity !== undefined) out.popularity = popularity;
  if (!absent(raw.neighbours)) {
    const expected = 'an array of [item id, weight] pairs';
    if (!Array.isArray(raw.neighbours)) bad(`${field}.neighbours`, raw.neighbours, expected);
    let neighbours = raw.neighbours.map((pair, i): [string, number] => {
      const at = `${field}.neighbours[${i}]`;
      if (!Array.isArray(pair) || pair.length !== 2) bad(at, pair, '[item id, weight]');
      const weight: unknown = pair[1];
      if (typeof weight !== 'number' || !Number.isFinite(weight)) {
        bad(`${at}[1]`, weight, 'a finite number');
      }
      return [itemId(pair[0], `${at}[0]`), weight];
    });
    if (neighbours.length > CATALOG_LIMITS.neighbours) {
      // Keep the heaviest, in the order the catalog gave them.
      const keep = new Set(
        neighbours
          .map((n, i) => [n[1], i] as const)
          .sort((a, b) => b[0] - a[0] || a[1] - b[1])
          .slice(0, CATALOG_LIMITS.neighbours)
          .map(([, i]) => i),
      );
      neighbours = neighbours.filter((_, i) => keep.has(i));
    }
    out.neighbours = neighbours;
  }
  return out;
}

/** An offer's problem (`prefix` = `offers[i]`, field relative to it) or any other (full field). */
function problem(bad: Bad, prefix?: string, offerId?: string): CatalogProblem {
  let field = bad.field;
  let named = bad.field;
  if (prefix !== undefined) {
    field = bad.field === '' ? prefix : `${prefix}.${bad.field}`;
    const label = offerId === undefined ? prefix : `${prefix} ${describeValue(offerId)}`;
    named = bad.field === '' ? label : `${label} ${bad.field}`;
  }
  const out: CatalogProblem = {
    field,
    value: bad.value,
    expected: bad.expected,
    message: escapeBidi(`${named}: got ${describeValue(bad.value)}, expected ${bad.expected}`),
  };
  return offerId === undefined ? out : { offerId, ...out };
}

function envelope(field: string, value: unknown, expected: string): never {
  throw fieldError('invalid_catalog', field, value, expected);
}

/**
 * Validates a version-1 catalog. Throws an `OfferwiseError('invalid_catalog')` naming the field
 * only when the envelope is broken (not an object, wrong `version`, bad `server_time`, `currency`,
 * `offers` or `placements`). Any other invalid part (an offer, a placement, an item entry) is
 * skipped on its own and described in `problems`. Unknown fields are ignored; strings are
 * trimmed and refused (not cut) when over their limit. `placements` and `items` of the result
 * have no prototype, so a placement named `constructor` or `__proto__` is only ever data.
 */
export function validateCatalog(
  input: unknown,
  receivedAt: number,
): { catalog: Catalog; problems: CatalogProblem[] } {
  if (!isPlainObject(input)) envelope('catalog', input, 'a catalog object');
  if (input.version !== 1) envelope('version', input.version, '1');
  const server_time = parseDateTime(input.server_time);
  if (server_time === undefined) envelope('server_time', input.server_time, DATE_TIME_EXPECTED);
  const currency = typeof input.currency === 'string' ? input.currency.trim() : undefined;
  if (currency === undefined || !/^[A-Z]{3}$/.test(currency)) {
    envelope('currency', input.currency, 'an ISO 4217 currency code (3 upper-case letters)');
  }
  if (!Array.isArray(input.offers)) envelope('offers', input.offers, 'an array of offers');
  if (input.placements !== undefined && !isPlainObject(input.placements)) {
    envelope('placements', input.placements, 'an object of placements by name');
  }

  const problems: CatalogProblem[] = [];

  const placements: Record<string, Placement> = Object.create(null) as Record<string, Placement>;
  for (const [key, raw] of Object.entries(input.placements ?? {})) {
    const field = prop('placements', key);
    try {
      const name = key.trim();
      if (name === '' || charCount(name) > CATALOG_LIMITS.placementName) {
        bad(field, key, `a placement name of 1 to ${CATALOG_LIMITS.placementName} characters`);
      }
      placements[name] = placement(raw, field);
    } catch (error) {
      if (!(error instanceof Bad)) throw error;
      problems.push(problem(error));
    }
  }

  const offers: Offer[] = [];
  const firstIndex = new Map<string, number>();
  input.offers.forEach((raw: unknown, index) => {
    const prefix = `offers[${index}]`;
    let id: string | undefined;
    try {
      if (!isPlainObject(raw)) bad('', raw, 'an offer object');
      id = plain(text(raw.id, 'id', CATALOG_LIMITS.id, true), 'id', raw.id);
      const first = firstIndex.get(id);
      if (first !== undefined)
        bad('id', raw.id, `an id no other offer has (offers[${first}] has it)`);
      firstIndex.set(id, index);
      offers.push(offer(raw, id));
    } catch (error) {
      if (!(error instanceof Bad)) throw error;
      problems.push(problem(error, prefix, id));
    }
  });

  const items: Record<string, CatalogItem> = Object.create(null) as Record<string, CatalogItem>;
  if (isPlainObject(input.items)) {
    const entries = Object.entries(input.items);
    if (entries.length > CATALOG_LIMITS.items) {
      problems.push(
        problem(
          new Bad(
            'items',
            `${entries.length} items`,
            `at most ${CATALOG_LIMITS.items} items (the first ${CATALOG_LIMITS.items} are kept)`,
          ),
        ),
      );
      entries.length = CATALOG_LIMITS.items;
    }
    for (const [key, raw] of entries) {
      const field = prop('items', key);
      try {
        const id = key.trim();
        if (id === '' || charCount(id) > CATALOG_LIMITS.id) {
          bad(field, key, `an item id of 1 to ${CATALOG_LIMITS.id} characters`);
        }
        plain(id, field, key);
        items[id] = catalogItem(raw, field);
      } catch (error) {
        if (!(error instanceof Bad)) throw error;
        problems.push(problem(error));
      }
    }
  } else if (!absent(input.items)) {
    problems.push(problem(new Bad('items', input.items, 'an object of items by id')));
  }

  const policies = parseCatalogPolicies(input.policies, (field, value, expected) =>
    problems.push(problem(new Bad(field, value, expected))),
  );

  return {
    catalog: {
      version: 1,
      server_time,
      received_at: receivedAt,
      currency,
      placements,
      offers,
      items,
      ...(policies.length > 0 ? { policies } : {}),
    },
    problems,
  };
}
