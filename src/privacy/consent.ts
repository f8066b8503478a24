import { fieldError } from '../util/errors.js';

/**
 * `granted`: the profile is kept on disk. `denied`: memory only, for this page, nothing on disk.
 * `pending`: events are kept in memory until `consent('granted')` writes them or
 * `consent('denied')` discards them.
 */
export type Consent = 'granted' | 'denied' | 'pending';

const STATES: readonly Consent[] = ['granted', 'denied', 'pending'];

export function parseConsent(value: unknown, field: string): Consent {
  if (typeof value === 'string' && (STATES as readonly string[]).includes(value)) {
    return value as Consent;
  }
  throw fieldError('invalid_consent', field, value, '"granted", "denied" or "pending"');
}

/** True when the browser sends the Global Privacy Control signal. */
export function globalPrivacyControl(): boolean {
  try {
    return (
      (globalThis.navigator as { globalPrivacyControl?: unknown } | undefined)
        ?.globalPrivacyControl === true
    );
  } catch {
    return false;
  }
}

/**
 * The consent in force at start-up. Under Global Privacy Control a configured `granted` is
 * treated as `denied`; only a grant made at run time with `consent('granted')` (the shopper's own
 * choice in the shop's consent banner) or `honorGlobalPrivacyControl: false` overrides it.
 */
export function initialConsent(configured: Consent, honorGpc: boolean, gpc: boolean): Consent {
  return honorGpc && gpc && configured === 'granted' ? 'denied' : configured;
}

/**
 * A consent platform's adapter (`consentMode: (set) => unsubscribe`): offerwise calls it once
 * when the decision half starts, with `set(state)` for the platform's answers ('granted',
 * 'denied' or 'pending', as often as they change); what it returns, if a function, is called on
 * `destroy()`. It may subscribe to the platform's own events (OneTrust's
 * `OptanonWrapper`, Cookiebot's `CookiebotOnAccept`, …) and call `set` at once with the stored
 * answer. A bad state or an adapter that throws is reported and changes nothing.
 */
export type ConsentAdapter = (set: (consent: Consent) => void) => (() => void) | void;
