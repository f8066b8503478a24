/**
 * Checks of the arguments that {@link Offerwise}'s methods take and no module below them checks:
 * a `recommend()` request, an interest category, the options of `consent()`. They run in the
 * profile half, so that a malformed call is refused the same way whether or not the decision half
 * could be loaded. Each throws an `OfferwiseError` naming the field, the value and what was expected.
 */
import {
  MAX_REQUEST_ITEMS,
  RECOMMEND_MODES,
  type RecommendRequest,
} from './recommend/recommend.js';
import { fieldError } from './util/errors.js';

/** Options of {@link Offerwise.consent}. */
export interface ConsentOptions {
  /**
   * `'user'`: the shopper made this choice just now (a click in the consent banner). Only such a
   * grant overrides Global Privacy Control; a replayed or configured one does not.
   */
  source?: 'user';
}

/** The `source` of `consent()`'s options (`invalid_consent` for anything else). */
export function consentSource(options: unknown): ConsentOptions['source'] {
  const source = (options as { source?: unknown } | undefined)?.source;
  if (options === undefined || source === 'user') return source as ConsentOptions['source'];
  throw fieldError('invalid_consent', 'consent().options', options, "{ source: 'user' }");
}

/** Validates a `recommend()` request; returns the placement. */
export function checkRecommendRequest(request: RecommendRequest): string {
  if (request === null || typeof request !== 'object') {
    throw fieldError(
      'invalid_input',
      'recommend()',
      request,
      'an object like { placement: "product" }',
    );
  }
  const { placement, limit } = request;
  if (typeof placement !== 'string' || placement.trim() === '') {
    throw fieldError('invalid_input', 'recommend().placement', placement, 'a placement name');
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 50)) {
    throw fieldError('invalid_input', 'recommend().limit', limit, 'a whole number from 1 to 50');
  }
  const mode: unknown = request.mode;
  if (mode !== undefined && !RECOMMEND_MODES.includes(mode as never)) {
    throw fieldError(
      'invalid_input',
      'recommend().mode',
      mode,
      RECOMMEND_MODES.map((m) => `"${m}"`).join(', '),
    );
  }
  for (const key of ['candidates', 'exclude'] as const) {
    const list: unknown = request[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length > MAX_REQUEST_ITEMS) {
      throw fieldError(
        'invalid_input',
        `recommend().${key}`,
        list,
        `an array of at most ${MAX_REQUEST_ITEMS} item ids`,
      );
    }
    list.forEach((id: unknown, i) => {
      if (typeof id !== 'string' || id === '') {
        throw fieldError('invalid_input', `recommend().${key}[${i}]`, id, 'a non-empty string');
      }
    });
  }
  return placement;
}

/** A category as the catalog and the profile store it: trimmed, lower-case, 1–200 characters. */
export function checkCategory(category: unknown, method: string): string {
  const value = typeof category === 'string' ? category.trim().toLowerCase() : '';
  if (value === '' || value.length > 200) {
    throw fieldError(
      'invalid_input',
      `${method}.category`,
      category,
      'a category name of 1 to 200 characters',
    );
  }
  return value;
}
