/**
 * A placement and an item entry of a catalog. Each throws {@link Bad} for its first problem;
 * ./validate.ts then skips that placement or item alone.
 */
import { isPlainObject } from '../util/guards.js';
import type { CatalogItem, Placement, RecommendationSettings } from '../decide/types.js';
import {
  absent,
  bad,
  CATALOG_LIMITS,
  category,
  itemId,
  link,
  nonNegative,
  OFFER_TYPES,
  offerType,
  text,
  whole,
} from './fields.js';

/** One placement of `placements` (its `limit`, `types` and `items`). */
export function validatePlacement(raw: unknown, field: string): Placement {
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

/** One entry of `items` (name, category, price, links, popularity, neighbours). */
export function validateItem(raw: unknown, field: string): CatalogItem {
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

/** Most values of the catalog's `recommendations.repeat`. */
export const MAX_REPEAT_SCORES = 20;

/** The catalog's `recommendations` (learned by `npm run neighbours`). */
export function validateRecommendations(raw: unknown, field: string): RecommendationSettings {
  if (!isPlainObject(raw)) bad(field, raw, 'an object like { "repeat": [0.5, 0.1] }');
  const out: RecommendationSettings = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key !== 'repeat') bad(`${field}.${key}`, value, 'a known key (repeat)');
    const expected = `an array of at most ${MAX_REPEAT_SCORES} numbers from 0 to 10`;
    if (!Array.isArray(value) || value.length > MAX_REPEAT_SCORES) {
      bad(`${field}.repeat`, value, expected);
    }
    out.repeat = value.map((x: unknown, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 10) {
        bad(`${field}.repeat[${i}]`, x, 'a number from 0 to 10');
      }
      return x;
    });
  }
  return out;
}
