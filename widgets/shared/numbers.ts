// Numeric properties as pages and frameworks hand them over. Lit's `type: Number` converts the
// attribute only; React 19 (and Preact, Solid) set a property when the element has one, so
// `<ow-offers limit="2">` in JSX arrives as the string "2". Every numeric property is therefore
// read through `readNumber()`, which takes numbers and numeric strings alike.
import type { Offerwise } from '../../src/offerwise.js';
import { describeValue } from '../../src/util/errors.js';
import { reportOnce } from './support.js';

/** What a numeric property accepts. */
export interface NumberRule {
  /** Whole numbers only. */
  integer?: boolean;
  min?: number;
  max?: number;
  /** The accepted values in words, for the diagnostic: "a whole number from 1 to 20". */
  expected: string;
}

/** A numeric property read: its number, or why it was refused (then `value` is undefined). */
export interface NumberRead {
  value: number | undefined;
  /** `got "abc", expected a whole number from 1 to 20`: set only for a refused value. */
  problem?: string;
}

// A plain decimal: `Number()` alone would also take "0x10", "Infinity" and " ".
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * `value` (a number or a numeric string) as a number that fits `rule`. Unset (undefined, null: a
 * removed attribute, or an empty string) reads as undefined with no problem: the default applies.
 * `attribute` is the element's attribute text, named in the problem when Lit turned it into NaN.
 */
export function readNumber(
  value: unknown,
  rule: NumberRule,
  attribute?: string | null,
): NumberRead {
  if (value === undefined || value === null) return { value: undefined };
  let number: number | undefined;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return { value: undefined };
    if (DECIMAL.test(text)) number = Number(text);
  }
  if (
    number !== undefined &&
    Number.isFinite(number) &&
    (!rule.integer || Number.isInteger(number)) &&
    (rule.min === undefined || number >= rule.min) &&
    (rule.max === undefined || number <= rule.max)
  ) {
    return { value: number };
  }
  const shown =
    typeof value === 'number' && Number.isNaN(value) && typeof attribute === 'string'
      ? attribute
      : value;
  return { value: undefined, problem: `got ${describeValue(shown)}, expected ${rule.expected}` };
}

/** `limit` of `<ow-offers>`: what `decide()` accepts. */
export const OFFERS_LIMIT: NumberRule = {
  integer: true,
  min: 1,
  max: 20,
  expected: 'a whole number from 1 to 20',
};

/** `limit` of `<ow-recommendations>`: what `recommend()` accepts. */
export const RECOMMENDATIONS_LIMIT: NumberRule = {
  integer: true,
  min: 1,
  max: 50,
  expected: 'a whole number from 1 to 50',
};

/** `server-offset` of `<ow-flash-sale>`: milliseconds, either sign. */
export const SERVER_OFFSET: NumberRule = { expected: 'a number of milliseconds' };

/** `ending-soon-minutes` of `<ow-flash-sale>`. */
export const ENDING_SOON_MINUTES: NumberRule = {
  min: 0,
  expected: 'a number of minutes, 0 or more',
};

/**
 * Reports a refused numeric property through the instance's diagnostics (`ow_invalid_number`,
 * once per instance like every element mistake): `<ow-offers placement="home"> limit: got "abc",
 * expected a whole number from 1 to 20; using the placement's limit`.
 */
export function reportNumber(
  ow: Offerwise,
  element: string,
  attribute: string,
  read: NumberRead,
  instead: string,
): void {
  if (read.problem) {
    reportOnce(ow, 'ow_invalid_number', `${element} ${attribute}: ${read.problem}; ${instead}`);
  }
}
