import type { Consent, ConsentAdapter } from './privacy/consent.js';
import { parseConsent } from './privacy/consent.js';
import { DEFAULT_PROFILE_OPTIONS, type ProfileOptions } from './profile/options.js';
import { DEFAULT_DB_NAME } from './profile/schema.js';
import { DEFAULT_DECISION_OPTIONS, type DecisionOptions } from './decide/options.js';
import type { ExplanationMessages } from './decide/explain.js';
import type { CapRules } from './decide/state-store.js';
import type { Objective } from './decide/value.js';
import type { AssetsConfig } from './predictor/asset-options.js';
import {
  RECOMMENDATION_MESSAGE_KEYS,
  type RecommendationMessages,
  type RecommendOptions,
} from './recommend/recommend.js';
import { IMAGE_ORIGIN_EXPECTED, parseImageOrigin } from './catalog/image-origins.js';
import type { Diagnostic } from './util/diagnostics.js';
import { fieldError } from './util/errors.js';
import { isPlainObject } from './util/guards.js';

/** What `createOffers()` accepts. Every field is optional. */
export interface OfferwiseConfig {
  /** Consent for the local profile. Default `'pending'`: nothing is written until granted. */
  consent?: Consent;
  /** Treat `navigator.globalPrivacyControl === true` as a denial of a configured grant. Default true. */
  honorGlobalPrivacyControl?: boolean;
  /**
   * `'google'`: consent follows Google Consent Mode v2, the `gtag('consent', 'default' | 'update',
   * …)` commands in `window.dataLayer` (or the `dataLayer` array given); see
   * docs/privacy.md#google-consent-mode for the mapping. Default `'off'`: only `consent` and
   * `consent()` set it. Checked when the decision half starts (`invalid_option`).
   */
  consentMode?: 'google' | 'off' | ConsentAdapter;
  /** Read GA4 events from `window.dataLayer` (`true`) or from the given array. Default false (ESM). */
  dataLayer?: boolean | unknown[];
  /** Tunables of the local profile; see docs/api.md for defaults. */
  profile?: Partial<ProfileOptions>;
  /** Where feedback batches are POSTed (impressions, clicks, claims, dismissals). */
  endpoint?: string;
  /**
   * Offer-level measurement when consent is not granted: `'anonymous'` sends offer-level counts
   * without the decision id and with times cut to the hour; `'none'` (default) sends nothing.
   */
  measurement?: 'anonymous' | 'none';
  /**
   * @deprecated No effect (reported once as `deprecated_option`): the candidates and model
   * outputs it put on impressions could rebuild the profile. Name candidate policies in the
   * catalog (`policies`) instead; the device evaluates them and reports one rounded number each.
   */
  logCandidates?: boolean;
  /** The campaign catalog URL or object. Validated now; used once decisions are built. */
  catalog?: string | Record<string, unknown>;
  /**
   * Origins catalog images may load from (e.g. `["https://cdn.shop.example"]`), besides the page's
   * own. An image elsewhere is dropped (it would tell that origin which offer was shown). Default:
   * the catalog URL's origin, when the catalog is a URL.
   */
  imageOrigins?: string[];
  /** URL of an ONNX model. Validated now; used once the predictor is built. */
  model?: string;
  /**
   * Where the worker, `.wasm` and default model are, when not next to the SDK's module (a CDN, a
   * bundler that does not emit them): `{ baseUrl?, worker?, wasm? }`. Checked when the predictor
   * is built (`invalid_option`); see docs/integrate.md#bundlers.
   */
  assets?: AssetsConfig;
  /** The shop's ISO 4217 currency. */
  currency?: string;
  /** Name of the IndexedDB database. Default `'offerwise'`. */
  dbName?: string;
  /** How decisions are made; see docs/decisions.md for every option and its default. */
  decisions?: DecisionConfig;
  /** How `recommend()` ranks items; see docs/recommendations.md for every option and its default. */
  recommendations?: RecommendationConfig;
  /**
   * The learning loop. `epsilon`: the privacy parameter ε of the shopper group reported with a
   * decision's first impression (k-ary randomized response, consent granted only), from 0 to 10,
   * rounded to 2 decimals; default 2; 0 sends no group (learned effects still apply).
   */
  learning?: { epsilon?: number };
  /** Called for every diagnostic (non-fatal problem worked around). */
  onDiagnostic?: (diagnostic: Diagnostic) => void;
  /** Wall clock, ms since epoch. Default `Date.now`; tests pass a fake. */
  now?: () => number;
}

/** Decision tunables (all optional). */
export interface DecisionConfig {
  objective?: Objective;
  /** The shop's value of one outcome, for the `revenue` objective. Default 20. */
  outcomeValue?: number;
  /** Basket used to price a percent discount when the cart is empty. Default 50. */
  averageOrderValue?: number;
  /** Share of shoppers (sticky) who see no personalized offer. Default 0.05. */
  holdoutShare?: number;
  /** Share of each slot's probability spread evenly over its candidates. Default 0.1. */
  exploration?: number;
  /** Softmax temperature on expected values. Default 0.01. */
  temperature?: number;
  /** No two offers of the same category in a placement. Default true. */
  diversify?: boolean;
  /** How long a decision waits for the model before the fallback decides, ms. Default 50. */
  budgetMs?: number;
  /** Frequency caps per offer, placement and overall (session / day / week). */
  caps?: Partial<CapRules>;
  /** Explanation strings, to localise. */
  messages?: Partial<ExplanationMessages>;
  /** Locale for amounts in explanations; default the page's. */
  locale?: string;
  /** A min spend is reachable when the cart or a typical order is at least this share of it; 0 = always. Default 0.5. */
  minSpendShare?: number;
  /** An upcoming flash sale may be shown this many minutes before it starts. Default 60. */
  flashSaleLeadMinutes?: number;
}

/** Recommendation tunables (all optional); defaults in `DEFAULT_RECOMMEND_OPTIONS`. */
export interface RecommendationConfig {
  recentItems?: number;
  recencyDecay?: number;
  categoryWeight?: number;
  popularityWeight?: number;
  diversity?: number;
  popularPool?: number;
  contentWeight?: number;
  /** Explanation strings, to localise (`{item}`, `{category}` are filled in). */
  messages?: Partial<RecommendationMessages>;
}

export interface ResolvedConfig {
  consent: Consent;
  honorGlobalPrivacyControl: boolean;
  /** Checked by the decision half, which follows it (this file is in the script tag's byte budget). */
  consentMode: unknown;
  dataLayer: false | unknown[] | 'window';
  profile: ProfileOptions;
  endpoint: string | undefined;
  measurement: 'anonymous' | 'none';
  /** Options given that no longer do anything (`deprecated_option`, once at start-up). */
  deprecated: string[];
  catalog: string | Record<string, unknown> | undefined;
  /** Normalized origins; undefined = the default (the catalog URL's origin). */
  imageOrigins: string[] | undefined;
  model: string | undefined;
  /** Checked by the decision half (this file is in the script tag's byte budget). */
  assets: unknown;
  currency: string | undefined;
  dbName: string;
  decisions: DecisionOptions;
  /** The recommendation options the page set (the decision half adds the defaults). */
  recommendations: Partial<RecommendOptions>;
  learning: { epsilon: number };
  onDiagnostic: ((diagnostic: Diagnostic) => void) | undefined;
  now: () => number;
}

const KNOWN_KEYS = new Set([
  'consent',
  'honorGlobalPrivacyControl',
  'consentMode',
  'dataLayer',
  'profile',
  'endpoint',
  'measurement',
  'logCandidates',
  'catalog',
  'imageOrigins',
  'model',
  'assets',
  'currency',
  'dbName',
  'decisions',
  'recommendations',
  'learning',
  'onDiagnostic',
  'now',
]);

function bad(field: string, value: unknown, expected: string): never {
  throw fieldError('invalid_config', field, value, expected);
}

function optionalString(config: Record<string, unknown>, key: string): string | undefined {
  const value = config[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '')
    bad(`config.${key}`, value, 'a non-empty string');
  return value.trim();
}

function number(value: unknown, field: string, min: number, max: number, integer: boolean): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    bad(field, value, `${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
  }
  return value;
}

function profileOptions(raw: unknown): ProfileOptions {
  if (raw === undefined) return { ...DEFAULT_PROFILE_OPTIONS };
  if (!isPlainObject(raw)) bad('config.profile', raw, 'an object');
  const out: ProfileOptions = { ...DEFAULT_PROFILE_OPTIONS };
  for (const [key, value] of Object.entries(raw)) {
    const field = `config.profile.${key}`;
    switch (key) {
      case 'halfLifeDays':
        out.halfLifeDays = number(value, field, 0.01, 3650, false);
        break;
      case 'retentionDays':
        out.retentionDays = number(value, field, 1, 3650, false);
        break;
      case 'maxEvents':
        out.maxEvents = number(value, field, 1, 1_000_000, true);
        break;
      case 'recentItems':
        out.recentItems = number(value, field, 1, 500, true);
        break;
      case 'maxCategories':
        out.maxCategories = number(value, field, 1, 10_000, true);
        break;
      case 'priceBands': {
        if (!Array.isArray(value) || value.length !== 2)
          bad(field, value, 'two increasing prices [budgetMax, midMax]');
        const low = number(value[0], `${field}[0]`, 0, 1e9, false);
        const high = number(value[1], `${field}[1]`, 0, 1e9, false);
        if (high <= low) bad(`${field}[1]`, high, `a price above ${low}`);
        out.priceBands = [low, high];
        break;
      }
      default:
        bad(
          field,
          value,
          'one of halfLifeDays, retentionDays, maxEvents, recentItems, maxCategories, priceBands',
        );
    }
  }
  return out;
}

function decisionOptions(raw: unknown): DecisionOptions {
  const base = DEFAULT_DECISION_OPTIONS;
  if (raw === undefined) return base;
  if (!isPlainObject(raw)) bad('config.decisions', raw, 'an object');
  const out: DecisionOptions = { ...base, value: { ...base.value }, policy: { ...base.policy } };
  for (const [key, value] of Object.entries(raw)) {
    const field = `config.decisions.${key}`;
    switch (key) {
      case 'objective':
        if (value !== 'uplift' && value !== 'conversion' && value !== 'revenue') {
          bad(field, value, '"uplift", "conversion" or "revenue"');
        }
        out.value.objective = value;
        break;
      case 'outcomeValue':
        out.value.outcomeValue = number(value, field, 0, 1e9, false);
        break;
      case 'averageOrderValue':
        out.value.averageOrderValue = number(value, field, 0, 1e9, false);
        break;
      case 'holdoutShare':
        out.holdoutShare = number(value, field, 0, 1, false);
        break;
      case 'exploration':
        out.policy.exploration = number(value, field, 0, 1, false);
        break;
      case 'temperature':
        out.policy.temperature = number(value, field, 1e-6, 1e6, false);
        break;
      case 'diversify':
        if (typeof value !== 'boolean') bad(field, value, 'true or false');
        out.policy.diversify = value;
        break;
      case 'budgetMs':
        out.budgetMs = number(value, field, 0, 60_000, false);
        break;
      case 'caps': {
        if (!isPlainObject(value)) bad(field, value, 'an object { offer, placement, overall }');
        const caps = { ...base.caps };
        for (const [scope, limits] of Object.entries(value)) {
          if (scope !== 'offer' && scope !== 'placement' && scope !== 'overall') {
            bad(`${field}.${scope}`, limits, 'one of offer, placement, overall');
          }
          if (!isPlainObject(limits))
            bad(`${field}.${scope}`, limits, 'an object { session, day, week }');
          const parsed: Record<string, number> = {};
          for (const [window, limit] of Object.entries(limits)) {
            if (window !== 'session' && window !== 'day' && window !== 'week') {
              bad(`${field}.${scope}.${window}`, limit, 'one of session, day, week');
            }
            parsed[window] = number(limit, `${field}.${scope}.${window}`, 0, 1e6, true);
          }
          caps[scope] = parsed;
        }
        out.caps = caps;
        break;
      }
      case 'messages':
        if (!isPlainObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
          bad(field, value, 'an object of strings');
        }
        out.messages = value as Partial<ExplanationMessages>;
        break;
      case 'minSpendShare': {
        const share = number(value, field, 0, 10, false);
        out.eligibility = {
          ...out.eligibility,
          minSpend: share === 0 ? { kind: 'always' } : { kind: 'share', share },
        };
        break;
      }
      case 'flashSaleLeadMinutes':
        out.eligibility = {
          ...out.eligibility,
          flashSaleLeadMs: number(value, field, 0, 7 * 24 * 60, false) * 60_000,
        };
        break;
      case 'locale':
        if (typeof value !== 'string') bad(field, value, 'a BCP 47 language tag');
        out.locale = value;
        break;
      default:
        bad(
          field,
          value,
          'a known decision option (objective, outcomeValue, averageOrderValue, holdoutShare, exploration, temperature, diversify, budgetMs, caps, messages, locale, minSpendShare, flashSaleLeadMinutes)',
        );
    }
  }
  return out;
}

/** The options the page set, checked; the decision half fills in the defaults. */
function recommendOptions(raw: unknown): Partial<RecommendOptions> {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) bad('config.recommendations', raw, 'an object');
  const out: Partial<RecommendOptions> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = `config.recommendations.${key}`;
    switch (key) {
      case 'recentItems':
        out.recentItems = number(value, field, 0, 50, true);
        break;
      case 'popularPool':
        out.popularPool = number(value, field, 0, 1000, true);
        break;
      case 'recencyDecay':
      case 'diversity':
        out[key] = number(value, field, 0, 1, false);
        break;
      case 'categoryWeight':
      case 'popularityWeight':
      case 'contentWeight':
        out[key] = number(value, field, 0, 100, false);
        break;
      case 'messages': {
        if (!isPlainObject(value)) bad(field, value, 'an object of strings');
        for (const [k, v] of Object.entries(value)) {
          if (!RECOMMENDATION_MESSAGE_KEYS.includes(k as never)) {
            bad(`${field}.${k}`, v, `one of ${RECOMMENDATION_MESSAGE_KEYS.join(', ')}`);
          }
          if (typeof v !== 'string') bad(`${field}.${k}`, v, 'a string');
        }
        out.messages = value as unknown as RecommendationMessages;
        break;
      }
      default:
        bad(
          field,
          value,
          'a known recommendation option (recentItems, recencyDecay, categoryWeight, popularityWeight, diversity, popularPool, contentWeight, messages)',
        );
    }
  }
  return out;
}

function learningOptions(raw: unknown = {}): { epsilon: number } {
  if (!isPlainObject(raw) || Object.keys(raw).some((key) => key !== 'epsilon')) {
    bad('config.learning', raw, 'an object { epsilon }');
  }
  // Rounded to the wire's 2 decimals where the group is reported (the decision half).
  return { epsilon: number(raw.epsilon ?? 2, 'config.learning.epsilon', 0, 10, false) };
}

function imageOriginsOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value))
    bad('config.imageOrigins', value, `an array of origins, each ${IMAGE_ORIGIN_EXPECTED}`);
  return value.map((entry, i) => {
    const origin = parseImageOrigin(entry);
    if (origin === undefined) bad(`config.imageOrigins[${i}]`, entry, IMAGE_ORIGIN_EXPECTED);
    return origin;
  });
}

function measurementOf(value: unknown): 'anonymous' | 'none' {
  if (value === undefined || value === 'none') return 'none';
  if (value === 'anonymous') return 'anonymous';
  bad('config.measurement', value, '"anonymous" or "none"');
}

/** Validates the integrator's configuration; throws `OfferwiseError` `invalid_config` naming the field. */
export function resolveConfig(input: unknown): ResolvedConfig {
  if (input === undefined) input = {};
  if (!isPlainObject(input)) bad('config', input, 'an object');
  const config = input;
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.has(key))
      bad(`config.${key}`, config[key], `a known option (${[...KNOWN_KEYS].join(', ')})`);
  }
  let consent: Consent = 'pending';
  if (config.consent !== undefined) {
    try {
      consent = parseConsent(config.consent, 'config.consent');
    } catch {
      bad('config.consent', config.consent, '"granted", "denied" or "pending"');
    }
  }
  const gpc = config.honorGlobalPrivacyControl;
  if (gpc !== undefined && typeof gpc !== 'boolean')
    bad('config.honorGlobalPrivacyControl', gpc, 'true or false');
  const logCandidates = config.logCandidates;
  if (logCandidates !== undefined && typeof logCandidates !== 'boolean')
    bad('config.logCandidates', logCandidates, 'true or false');
  let dataLayer: ResolvedConfig['dataLayer'] = false;
  if (config.dataLayer === true) dataLayer = 'window';
  else if (Array.isArray(config.dataLayer)) dataLayer = config.dataLayer;
  else if (config.dataLayer !== undefined && config.dataLayer !== false) {
    bad('config.dataLayer', config.dataLayer, 'true, false or an array');
  }
  const catalog = config.catalog;
  if (
    catalog !== undefined &&
    !isPlainObject(catalog) &&
    (typeof catalog !== 'string' || catalog.trim() === '')
  ) {
    bad('config.catalog', catalog, 'a URL string or a catalog object');
  }
  const currency = optionalString(config, 'currency');
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency))
    bad('config.currency', currency, 'an ISO 4217 code such as "EUR"');
  for (const key of ['onDiagnostic', 'now'] as const) {
    if (config[key] !== undefined && typeof config[key] !== 'function')
      bad(`config.${key}`, config[key], 'a function');
  }
  return {
    consent,
    honorGlobalPrivacyControl: gpc ?? true,
    consentMode: config.consentMode,
    dataLayer,
    profile: profileOptions(config.profile),
    endpoint: optionalString(config, 'endpoint'),
    measurement: measurementOf(config.measurement),
    deprecated: logCandidates === true ? ['logCandidates'] : [],
    catalog:
      typeof catalog === 'string'
        ? catalog.trim()
        : (catalog as Record<string, unknown> | undefined),
    imageOrigins: imageOriginsOf(config.imageOrigins),
    model: optionalString(config, 'model'),
    assets: config.assets,
    currency,
    dbName: optionalString(config, 'dbName') ?? DEFAULT_DB_NAME,
    decisions: decisionOptions(config.decisions),
    recommendations: recommendOptions(config.recommendations),
    learning: learningOptions(config.learning),
    onDiagnostic: config.onDiagnostic as ResolvedConfig['onDiagnostic'],
    now: (config.now as (() => number) | undefined) ?? Date.now,
  };
}
