/**
 * World files (`--world <json>` of `npm run simulate` and `npm run loop`): every coefficient of a
 * simulated world's ground truth, so a new world is tried without code. Two kinds:
 * - `hillstrom`: today's simulation (Hillstrom rows, no browsing; the simulator's default,
 *   `worlds/hillstrom.json`), with the truth of `truth.ts`;
 * - `browsing`: shoppers who browse (`browsing.ts`; the loop's default, `worlds/browsing.json`).
 * The schema is in docs/learning.md. A bad file is refused with the field, the value and what
 * was expected.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fieldError } from '../../src/util/errors.js';
import { isPlainObject } from '../../src/util/guards.js';
import type { BrowsingResponse, BrowsingWorld } from './browsing.js';
import { HILLSTROM_RESPONSE, type HillstromResponse } from './truth.js';
import { jsonFlag } from '../lib/args.js';

export interface HillstromWorld {
  format: 'offerwise-world';
  version: 1;
  kind: 'hillstrom';
  name: string;
  /** The simulated catalog: 6 coupons, or 17 (`wide`). */
  offers: 'standard' | 'wide';
  response: HillstromResponse;
}

export type World = HillstromWorld | BrowsingWorld;

const WORLDS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'worlds');
/** The loop's default world. */
export const DEFAULT_BROWSING_WORLD = join(WORLDS_DIR, 'browsing.json');
/** A browsing world with other coefficients, written before any result on it was seen. */
export const UNTUNED_BROWSING_WORLD = join(WORLDS_DIR, 'browsing-untuned.json');
/** The default world with three of its coupons launched in week 3 (new offers in the loop). */
export const LAUNCH_BROWSING_WORLD = join(WORLDS_DIR, 'browsing-launch.json');
/** Today's simulation as a file (what `npm run simulate` does without `--world`). */
export const HILLSTROM_WORLD = join(WORLDS_DIR, 'hillstrom.json');

const bad = (field: string, value: unknown, expected: string): never => {
  throw fieldError('invalid_input', `world.${field}`, value, expected);
};

function object(value: unknown, field: string): Record<string, unknown> {
  if (!isPlainObject(value)) bad(field, value, 'an object');
  return value as Record<string, unknown>;
}

/** A finite number in [min, max]; `why` (a coefficient's {@link Limit}) ends the message. */
function number(value: unknown, field: string, min = -1e6, max = 1e6, why?: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    bad(field, value, `a number from ${min} to ${max}${why ? ` (${why})` : ''}`);
  }
  return value as number;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) {
    bad(field, value, 'a name of 1 to 200 characters');
  }
  return value as string;
}

/** Refuses a key of `raw` that is not in `allowed`: a misspelt field must not be ignored. */
function onlyKeys(
  raw: Record<string, unknown>,
  allowed: readonly string[],
  field: string,
  noun = 'field',
): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      bad(
        field === '' ? key : `${field}.${key}`,
        raw[key],
        `no such ${noun} (one of ${allowed.join(', ')})`,
      );
    }
  }
}

/** A coefficient's range narrower than any finite number, and why (for the message). */
interface Limit {
  min: number;
  max: number;
  why: string;
}

/**
 * The coefficients of `input` with the shape of `template`: every number of the template must be
 * there as a finite number, and nothing else (a misspelt coefficient must not fall back silently).
 * `limits` narrows some of them, by path below `field` (`basket.spread`).
 */
function coefficients<T>(
  input: unknown,
  template: T,
  field: string,
  limits: Readonly<Record<string, Limit>> = {},
  path = '',
): T {
  const raw = object(input, field);
  const shape = template as Record<string, unknown>;
  onlyKeys(raw, Object.keys(shape), field, 'coefficient');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(shape)) {
    const at = path === '' ? key : `${path}.${key}`;
    const limit = limits[at];
    out[key] =
      typeof value !== 'number'
        ? coefficients(raw[key], value, `${field}.${key}`, limits, at)
        : limit
          ? number(raw[key], `${field}.${key}`, limit.min, limit.max, limit.why)
          : number(raw[key], `${field}.${key}`);
  }
  return out as T;
}

/**
 * An order's value is (base + history·h) × U[1 − spread, 1 + spread], h ≥ 0 the year's spend, and
 * the SDK refuses a negative one: these ranges keep every order of every shopper at 0 or above.
 */
const BASKET_LIMITS: Readonly<Record<string, Limit>> = {
  'basket.base': {
    min: 0,
    max: 1e6,
    why: 'the mean basket of a shopper who spent nothing; below 0 orders are negative',
  },
  'basket.history': {
    min: 0,
    max: 1,
    why: 'the mean basket added per 1 of the year’s spend; below 0 big spenders’ orders are negative',
  },
};

const BROWSING_LIMITS: Readonly<Record<string, Limit>> = {
  ...BASKET_LIMITS,
  'basket.spread': {
    min: 0,
    max: 1,
    why: 'a basket is its mean × U[1 − spread, 1 + spread]; above 1 it can be negative',
  },
  'click.recentDays': {
    min: 0,
    max: 3650,
    why: 'the days within which a purchase of the category is recent',
  },
};

/** The shape of a browsing world's response (the values are only the template's). */
const BROWSING_RESPONSE_SHAPE: BrowsingResponse = {
  click: {
    intercept: 0,
    interest: 0,
    depth: 0,
    depthSensitive: 0,
    bought: 0,
    recent: 0,
    recentDays: 0,
    any: 0,
    anyDiffuse: 0,
    recency: 0,
  },
  claim: { intercept: 0, depth: 0, depthSensitive: 0 },
  order: { intercept: 0, history: 0, focus: 0, claimed: 0, claimedSensitive: 0, claimedHistory: 0 },
  basket: { base: 0, history: 0, spread: 0 },
};

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function range(value: unknown, field: string): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) bad(field, value, '[low, high]');
  const [low, high] = [
    number((value as unknown[])[0], `${field}[0]`, 0),
    number((value as unknown[])[1], `${field}[1]`, 0),
  ];
  if (high < low) bad(field, value, '[low, high] with low ≤ high');
  return [low, high];
}

const BROWSING_KEYS = [
  'format',
  'version',
  'kind',
  'name',
  'categories',
  'offers',
  'shoppers',
  'response',
];
const HILLSTROM_KEYS = ['format', 'version', 'kind', 'name', 'offers', 'response'];
const OFFER_KEYS = ['id', 'category', 'percent', 'launch_week'];
const SHOPPERS_KEYS = [
  'visitsPerWeek',
  'visitSpread',
  'viewsPerVisit',
  'prices',
  'pastMonths',
  'pastCoupon',
  'archetypes',
];
const ARCHETYPE_KEYS = [
  'name',
  'share',
  'interest',
  'concentration',
  'buyer',
  'sensitive',
  'history',
];

function browsingWorld(raw: Record<string, unknown>, name: string): BrowsingWorld {
  onlyKeys(raw, BROWSING_KEYS, '');
  const categories = raw.categories;
  if (
    !Array.isArray(categories) ||
    categories.length < 2 ||
    categories.length > 50 ||
    !categories.every((c) => typeof c === 'string' && ID.test(c) && c !== 'any') ||
    new Set(categories).size !== categories.length
  ) {
    bad('categories', categories, '2 to 50 distinct lower-case category names (not "any")');
  }
  const cats = categories as string[];
  if (!Array.isArray(raw.offers) || raw.offers.length < 2 || raw.offers.length > 200) {
    bad('offers', raw.offers, '2 to 200 offers');
  }
  const ids = new Set<string>();
  const offers = (raw.offers as unknown[]).map((o, i) => {
    const f = `offers[${i}]`;
    const offer = object(o, f);
    onlyKeys(offer, OFFER_KEYS, f);
    if (typeof offer.id !== 'string' || !ID.test(offer.id) || ids.has(offer.id)) {
      bad(`${f}.id`, offer.id, 'a new lower-case offer id');
    }
    ids.add(offer.id as string);
    if (offer.category !== 'any' && !cats.includes(offer.category as string)) {
      bad(`${f}.category`, offer.category, `"any" or one of ${cats.join(', ')}`);
    }
    const launch = offer.launch_week;
    if (
      launch !== undefined &&
      (typeof launch !== 'number' || !Number.isInteger(launch) || launch < 1 || launch > 52)
    ) {
      bad(`${f}.launch_week`, launch, 'a whole number of weeks from 1 to 52 (absent: 1)');
    }
    return {
      id: offer.id as string,
      category: offer.category as string,
      percent: number(offer.percent, `${f}.percent`, 1, 90),
      ...(launch !== undefined && launch !== 1 ? { launchWeek: launch as number } : {}),
    };
  });
  const s = object(raw.shoppers, 'shoppers');
  onlyKeys(s, SHOPPERS_KEYS, 'shoppers');
  if (!Array.isArray(s.archetypes) || s.archetypes.length === 0) {
    bad('shoppers.archetypes', s.archetypes, 'one or more archetypes');
  }
  const archetypes = (s.archetypes as unknown[]).map((a, i) => {
    const f = `shoppers.archetypes[${i}]`;
    const kind = object(a, f);
    onlyKeys(kind, ARCHETYPE_KEYS, f);
    const interest = object(kind.interest, `${f}.interest`);
    for (const [c, v] of Object.entries(interest)) {
      if (!cats.includes(c)) bad(`${f}.interest.${c}`, v, `a category of ${cats.join(', ')}`);
      number(v, `${f}.interest.${c}`, 0, 1e6);
    }
    return {
      name: text(kind.name, `${f}.name`),
      share: number(kind.share, `${f}.share`, 0),
      interest: interest as Record<string, number>,
      concentration: number(kind.concentration, `${f}.concentration`, 0.01),
      buyer: number(kind.buyer, `${f}.buyer`, 0, 1),
      sensitive: number(kind.sensitive, `${f}.sensitive`, 0, 1),
      history: number(kind.history, `${f}.history`, 0),
    };
  });
  if (!archetypes.some((a) => a.share > 0)) {
    bad('shoppers.archetypes', 'every share 0', 'a positive share somewhere');
  }
  const prices = object(s.prices, 'shoppers.prices');
  onlyKeys(prices, ['sensitive', 'other'], 'shoppers.prices');
  return {
    format: 'offerwise-world',
    version: 1,
    kind: 'browsing',
    name,
    categories: cats,
    offers,
    shoppers: {
      visitsPerWeek: number(s.visitsPerWeek, 'shoppers.visitsPerWeek', 0.01, 7),
      visitSpread: number(s.visitSpread, 'shoppers.visitSpread', 0, 1),
      viewsPerVisit: number(s.viewsPerVisit, 'shoppers.viewsPerVisit', 1, 100),
      prices: {
        sensitive: range(prices.sensitive, 'shoppers.prices.sensitive'),
        other: range(prices.other, 'shoppers.prices.other'),
      },
      pastMonths: number(s.pastMonths, 'shoppers.pastMonths', 0.2, 12),
      pastCoupon: number(s.pastCoupon, 'shoppers.pastCoupon', 0, 1),
      archetypes,
    },
    response: coefficients(raw.response, BROWSING_RESPONSE_SHAPE, 'response', BROWSING_LIMITS),
  };
}

/** Validates a world file (either kind). */
export function validateWorld(input: unknown): World {
  const raw = object(input, '');
  if (raw.format !== 'offerwise-world') bad('format', raw.format, '"offerwise-world"');
  if (raw.version !== 1) bad('version', raw.version, '1');
  const name = text(raw.name, 'name');
  if (raw.kind === 'browsing') return browsingWorld(raw, name);
  if (raw.kind !== 'hillstrom') bad('kind', raw.kind, '"hillstrom" or "browsing"');
  onlyKeys(raw, HILLSTROM_KEYS, '');
  if (raw.offers !== 'standard' && raw.offers !== 'wide') {
    bad('offers', raw.offers, '"standard" or "wide"');
  }
  return {
    format: 'offerwise-world',
    version: 1,
    kind: 'hillstrom',
    name,
    offers: raw.offers as 'standard' | 'wide',
    response: coefficients(raw.response, HILLSTROM_RESPONSE, 'response', BASKET_LIMITS),
  };
}

/** Reads and validates a world file; the error names the file. */
export function readWorld(path: string): World {
  return jsonFlag('world', path, validateWorld);
}

/** A browsing world, or an error saying the command needs one. */
export function browsingWorldOf(world: World, path: string): BrowsingWorld {
  if (world.kind !== 'browsing') {
    throw new Error(`--world ${path}: got a "${world.kind}" world, expected a "browsing" world`);
  }
  return world;
}
