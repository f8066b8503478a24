/**
 * The field checks every part of a catalog is made of: trimmed text with a length limit, numbers,
 * ISO date-times, safe links, ids (no bidirectional controls), offer types. Each throws {@link Bad}
 * naming the field, the value and what was expected; the caller decides what a failure skips
 * (the whole catalog, or only the offer, placement or item it belongs to; see ./validate.ts).
 */
import type { OfferType } from '../decide/types.js';

/** The limits of a catalog's fields and lists. */
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
export class Bad {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {}
}

export function bad(field: string, value: unknown, expected: string): never {
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
export function plain(id: string, field: string, raw: unknown): string {
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
export function prop(path: string, key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

export function absent(value: unknown): boolean {
  return value === undefined || value === null;
}

/** Length in code points, so a 200-character title of emoji is 200, not 400. */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function text(value: unknown, field: string, max: number, required: true): string;
export function text(
  value: unknown,
  field: string,
  max: number,
  required: false,
): string | undefined;
export function text(
  value: unknown,
  field: string,
  max: number,
  required: boolean,
): string | undefined {
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

export function nonNegative(value: unknown, field: string): number | undefined {
  if (absent(value)) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    bad(field, value, 'a number of at least 0');
  }
  return value;
}

export function whole(
  value: unknown,
  field: string,
  min: number,
  max?: number,
): number | undefined {
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

export function bool(value: unknown, field: string): boolean | undefined {
  if (absent(value)) return undefined;
  if (typeof value !== 'boolean') bad(field, value, 'true or false');
  return value;
}

export function offerType(value: unknown, field: string): OfferType {
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

export function dateTime(value: unknown, field: string): number | undefined {
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

export function link(value: unknown, field: string): string | undefined {
  if (absent(value)) return undefined;
  const safe = typeof value === 'string' ? safeLink(value) : undefined;
  if (safe === undefined) bad(field, value, LINK_EXPECTED);
  return safe;
}

export function category(value: unknown, field: string): string | undefined {
  return text(value, field, CATALOG_LIMITS.category, false)?.toLowerCase();
}

/** An id that may come as a string or a number (GA4 item ids often do). */
export function itemId(value: unknown, field: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  const expected = `a non-empty string or number of at most ${CATALOG_LIMITS.id} characters`;
  if (typeof value !== 'string') bad(field, value, expected);
  const id = value.trim();
  if (id === '' || charCount(id) > CATALOG_LIMITS.id) bad(field, value, expected);
  return plain(id, field, value);
}
