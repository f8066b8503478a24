/**
 * Google Consent Mode v2 (`consentMode: 'google'`): consent follows the `gtag('consent',
 * 'default' | 'update', signals)` commands a consent banner pushes into the dataLayer. The
 * decision half runs it (the script tag's first file has a byte budget), so with the script tag
 * it starts once the second file is loaded: until then consent stays as configured (`pending` by
 * default: events wait in memory, and a grant writes them). The mapping is documented in
 * docs/privacy.md#google-consent-mode.
 */
import type { ResolvedConfig } from '../config.js';
import { watchDataLayer, type DataLayerAdapter } from '../events/datalayer.js';
import type { ProfileService } from '../profile/service.js';
import type { ReportDiagnostic } from '../util/diagnostic-codes.js';
import { describeValue } from '../util/errors.js';
import { isPlainObject, quiet } from '../util/guards.js';
import {
  globalPrivacyControl,
  initialConsent,
  type Consent,
  type ConsentAdapter,
} from './consent.js';

/**
 * The signals offerwise reads. A grant turns on three things at once, one per signal: a profile
 * kept on the device to choose offers (`ad_storage`), its use to personalize them
 * (`ad_personalization`), and full measurement, offer events tied to a decision and the shopper
 * group (`analytics_storage`); so it needs all three. `ad_user_data` is about sending data to
 * Google, which offerwise never does.
 */
export const GOOGLE_SIGNALS = ['ad_storage', 'ad_personalization', 'analytics_storage'] as const;

const SIGNALS_EXPECTED = `{ ${GOOGLE_SIGNALS.join(', ')}: "granted" or "denied" }`;

/** `gtag()` pushes its `arguments` object; some banners push the same as a plain array. */
function consentCommand(entry: unknown): ArrayLike<unknown> | undefined {
  const command =
    Array.isArray(entry) || Object.prototype.toString.call(entry) === '[object Arguments]'
      ? (entry as ArrayLike<unknown>)
      : undefined;
  return command?.[0] === 'consent' ? command : undefined;
}

/** What a consent command is wrong about, in the house format (`<field>: got <value>, expected …`). */
function malformed(command: unknown, params: unknown): string | undefined {
  const field = `dataLayer ["consent", ${describeValue(command)}, …]`;
  if (command !== 'default' && command !== 'update')
    return `${field}: got ${describeValue(command)}, expected "default" or "update"`;
  if (!isPlainObject(params))
    return `${field}: got ${describeValue(params)}, expected an object ${SIGNALS_EXPECTED}`;
  for (const key of GOOGLE_SIGNALS) {
    const value = params[key];
    if (value !== undefined && value !== 'granted' && value !== 'denied')
      return `${field}.${key}: got ${describeValue(value)}, expected "granted" or "denied"`;
  }
  return undefined;
}

/**
 * The consent that the commands seen so far add up to. Feed it each command's `command` and
 * `params` in order; it returns the consent after it, or an error message for a malformed command
 * (which changes nothing).
 *
 * - `granted`: every signal granted (by an `update`, or else by a `default`);
 * - `denied`: an `update` denied a signal. Only the shopper's answer erases what a grant stored: a
 *   `default` denial is `pending` (nothing written, nothing erased), since on every page a banner
 *   replays a returning shopper's stored grant as an `update` after the page's defaults;
 * - `pending` otherwise.
 *
 * An `update` outranks every `default` whatever the order, and the latest `update` of a signal
 * wins. A `default` with a `region` may not apply to this shopper (the page cannot tell where they
 * are), so only its denials count; and no `default` undoes another `default`'s denial.
 */
export function googleConsentState(): (
  command: unknown,
  params: unknown,
) => { consent: Consent } | { error: string } {
  const updated: Record<string, unknown> = {};
  const defaults: Record<string, unknown> = {};
  return (command, params) => {
    const error = malformed(command, params);
    if (error !== undefined) return { error };
    const signals = params as Record<string, unknown>;
    for (const key of GOOGLE_SIGNALS) {
      const value = signals[key];
      if (value === undefined) continue;
      if (command === 'update') updated[key] = value;
      else if (value === 'denied' || (signals.region === undefined && defaults[key] !== 'denied'))
        defaults[key] = value;
    }
    if (GOOGLE_SIGNALS.some((key) => updated[key] === 'denied')) return { consent: 'denied' };
    const granted = GOOGLE_SIGNALS.every((key) => (updated[key] ?? defaults[key]) === 'granted');
    return { consent: granted ? 'granted' : 'pending' };
  };
}

/** What the decision half lends {@link followConsentMode}. */
export interface ConsentModeHost {
  readonly config: Pick<ResolvedConfig, 'consentMode' | 'dataLayer' | 'honorGlobalPrivacyControl'>;
  readonly service: Pick<ProfileService, 'setConsent'>;
  readonly report: ReportDiagnostic;
  /** The decision half's side of a consent change (its stores and measurement). */
  readonly changed: (consent: Consent) => Promise<void>;
}

/**
 * Starts following Consent Mode when `config.consentMode` is `'google'`: reads the consent
 * commands (`gtag()`'s arguments objects, or plain arrays `['consent', 'update', {…}]`) already
 * in the dataLayer (`config.dataLayer` when an array, else `window.dataLayer`), then every later
 * one, and sets consent whenever the state they add up to changes, as `consent(state)` would:
 * under Global Privacy Control a grant counts as `denied` (`gpc_denied`), since the page cannot
 * tell a banner replaying a stored answer from a click. A malformed command is reported
 * (`invalid_command`) and ignored; a `consentMode` other than `'google'` or `'off'`, reported
 * (`invalid_option`). Returns what stops it.
 */
export function followConsentMode(host: ConsentModeHost): DataLayerAdapter | undefined {
  const { config, report } = host;
  const mode = config.consentMode;
  if (mode === undefined || mode === 'off') return undefined;
  let last: Consent | undefined;
  // One way in for every source: the same GPC rule, and nothing done for a repeated state.
  const follow = (consent: Consent, what: string) => {
    if (consent === last) return;
    last = consent;
    const next = initialConsent(consent, config.honorGlobalPrivacyControl, globalPrivacyControl());
    if (next !== consent) {
      report(
        'gpc_denied',
        `Global Privacy Control: a ${what} grant counts as denied (the page cannot tell a replayed answer from a click)`,
      );
    }
    quiet(host.service.setConsent(next).then(() => host.changed(next)));
  };
  if (typeof mode === 'function') return followAdapter(mode as ConsentAdapter, follow, report);
  if (mode !== 'google') {
    report(
      'invalid_option',
      `config.consentMode: got ${describeValue(mode)}, expected "google", "off" or a function (a consent platform's adapter); consent does not follow it`,
    );
    return undefined;
  }
  let layer = config.dataLayer;
  if (!Array.isArray(layer)) {
    const w = globalThis as { dataLayer?: unknown };
    if (!Array.isArray(w.dataLayer)) w.dataLayer = [];
    layer = w.dataLayer as unknown[];
  }
  const state = googleConsentState();
  return watchDataLayer(layer, (entry) => {
    const command = consentCommand(entry);
    if (command === undefined) return;
    const result = state(command[1], command[2]);
    if ('error' in result) {
      report('invalid_command', `${result.error}; the command was ignored`);
      return;
    }
    follow(result.consent, 'Consent Mode');
  });
}

function followAdapter(
  adapter: ConsentAdapter,
  follow: (consent: Consent, what: string) => void,
  report: ReportDiagnostic,
): DataLayerAdapter {
  let active = true;
  let stop: unknown;
  const set = (consent: Consent) => {
    if (!active) return;
    if (consent !== 'granted' && consent !== 'denied' && consent !== 'pending') {
      report(
        'invalid_command',
        `consentMode adapter: set() got ${describeValue(consent)}, expected "granted", "denied" or "pending"; ignored`,
      );
      return;
    }
    follow(consent, 'consent platform');
  };
  try {
    stop = adapter(set);
  } catch (error) {
    report(
      'invalid_option',
      `config.consentMode: the adapter threw (${String(error)}); consent does not follow it`,
    );
  }
  return {
    detach() {
      active = false;
      try {
        if (typeof stop === 'function') stop();
      } catch {
        // the platform's own unsubscribe failing must not break destroy()
      }
    },
  };
}
