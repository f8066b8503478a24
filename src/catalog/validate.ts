/**
 * A received catalog: its envelope (version, server time, currency, the lists) is all or nothing;
 * each offer (./offer.ts), placement and item (./entries.ts) inside it is kept or skipped alone.
 */
import { describeValue, fieldError } from '../util/errors.js';
import { isPlainObject } from '../util/guards.js';
import { parseCatalogPolicies } from '../decide/candidate-policy.js';
import type { Catalog, CatalogItem, Offer, Placement } from '../decide/types.js';
import { validateItem, validatePlacement, validateRecommendations } from './entries.js';
import { LEARNING_KINDS, parseLearningEntry, type LearningRefs } from './learning-files.js';
import {
  absent,
  Bad,
  bad,
  CATALOG_LIMITS,
  charCount,
  DATE_TIME_EXPECTED,
  escapeBidi,
  parseDateTime,
  plain,
  prop,
  text,
} from './fields.js';
import { validateOffer } from './offer.js';

export {
  CATALOG_LIMITS,
  DATE_TIME_EXPECTED,
  escapeBidi,
  NO_BIDI_EXPECTED,
  OFFER_TYPES,
  parseDateTime,
  safeLink,
} from './fields.js';

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
): { catalog: Catalog; problems: CatalogProblem[]; learning: LearningRefs } {
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
      placements[name] = validatePlacement(raw, field);
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
      offers.push(validateOffer(raw, id));
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
        items[id] = validateItem(raw, field);
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

  let recommendations: Catalog['recommendations'];
  if (!absent(input.recommendations)) {
    try {
      recommendations = validateRecommendations(input.recommendations, 'recommendations');
    } catch (error) {
      if (!(error instanceof Bad)) throw error;
      problems.push(problem(error));
    }
  }

  // The learning files: a file inline is the catalog's now; one named by URL is the catalog
  // source's to fetch and check (`learning`). A bad entry leaves the catalog without that file.
  const learning: LearningRefs = {};
  const files: Pick<Catalog, 'segments' | 'effects'> = {};
  for (const kind of LEARNING_KINDS) {
    if (absent(input[kind])) continue;
    try {
      const entry = parseLearningEntry(kind, input[kind]);
      if ('ref' in entry) learning[kind] = entry.ref;
      else (files as Record<string, unknown>)[kind] = entry.file;
    } catch (error) {
      if (!(error instanceof Bad)) throw error;
      problems.push(problem(error));
    }
  }

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
      ...(recommendations !== undefined ? { recommendations } : {}),
      ...files,
    },
    problems,
    learning,
  };
}
