// @vitest-environment happy-dom
// Google Consent Mode v2 → offerwise consent: the mapping by hand (googleConsentState), then the
// same through a real instance reading a dataLayer (gtag's arguments objects and plain arrays),
// with what it keeps on disk, and the script tag's data-consent-mode.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseNames, freshIndexedDB, view } from '../../test/support/fake-idb.js';
import { createOffers, type Offerwise } from '../offerwise.js';
import type { OfferwiseConfig } from '../config.js';
import { googleConsentState } from './consent-mode.js';

/** What `gtag(...)` pushes: its arguments object. */
function gtag(..._args: unknown[]): IArguments {
  // eslint-disable-next-line prefer-rest-params
  return arguments;
}

const ALL_DENIED = {
  ad_storage: 'denied',
  ad_user_data: 'denied',
  ad_personalization: 'denied',
  analytics_storage: 'denied',
};
const ALL_GRANTED = {
  ad_storage: 'granted',
  ad_user_data: 'granted',
  ad_personalization: 'granted',
  analytics_storage: 'granted',
};

describe('googleConsentState: the mapping', () => {
  /** Runs commands through a fresh state; returns the consent (or error) after each. */
  function run(...commands: [unknown, unknown][]): string[] {
    const state = googleConsentState();
    return commands.map(([command, params]) => {
      const result = state(command, params);
      return 'consent' in result ? result.consent : `error: ${result.error}`;
    });
  }

  it('a default denial is pending (nothing erased); the update is the answer', () => {
    expect(run(['default', ALL_DENIED], ['update', ALL_GRANTED])).toEqual(['pending', 'granted']);
    expect(run(['default', ALL_DENIED], ['update', ALL_DENIED])).toEqual(['pending', 'denied']);
  });

  it('granted needs ad_storage, ad_personalization and analytics_storage; ad_user_data does not count', () => {
    const grantedBut = (key: string, value: string) => ({ ...ALL_GRANTED, [key]: value });
    expect(run(['update', grantedBut('ad_user_data', 'denied')])).toEqual(['granted']);
    expect(run(['update', grantedBut('ad_storage', 'denied')])).toEqual(['denied']);
    expect(run(['update', grantedBut('ad_personalization', 'denied')])).toEqual(['denied']);
    expect(run(['update', grantedBut('analytics_storage', 'denied')])).toEqual(['denied']);
    // Marketing accepted, statistics never answered: no grant yet, nothing denied either.
    expect(run(['update', { ad_storage: 'granted', ad_personalization: 'granted' }])).toEqual([
      'pending',
    ]);
  });

  it('updates merge signal by signal, and the latest update of a signal wins', () => {
    expect(
      run(
        ['default', ALL_DENIED],
        ['update', { ad_storage: 'granted', ad_personalization: 'granted' }],
        ['update', { analytics_storage: 'granted' }],
        ['update', { ad_personalization: 'denied' }],
        ['update', { ad_personalization: 'granted' }],
      ),
    ).toEqual(['pending', 'pending', 'granted', 'denied', 'granted']);
  });

  it('an update outranks every default, in either order', () => {
    // A default pushed after the banner's update (a late tag) changes nothing.
    expect(run(['update', ALL_GRANTED], ['default', ALL_DENIED])).toEqual(['granted', 'granted']);
    expect(run(['update', ALL_DENIED], ['default', ALL_GRANTED])).toEqual(['denied', 'denied']);
  });

  it('a default grant counts until an update; a regional default only denies', () => {
    expect(run(['default', ALL_GRANTED])).toEqual(['granted']);
    // The page cannot tell whether the shopper is in the region: its grant is not taken...
    expect(run(['default', { ...ALL_GRANTED, region: ['US-CA'] }])).toEqual(['pending']);
    // ...but its denial is, whatever the order of the defaults.
    const eea = { ...ALL_DENIED, region: ['DE', 'FR'] };
    expect(run(['default', ALL_GRANTED], ['default', eea])).toEqual(['granted', 'pending']);
    expect(run(['default', eea], ['default', ALL_GRANTED])).toEqual(['pending', 'pending']);
    expect(run(['default', eea], ['default', ALL_GRANTED], ['update', ALL_GRANTED])).toEqual([
      'pending',
      'pending',
      'granted',
    ]);
  });

  it('a malformed command is an error and changes nothing', () => {
    expect(
      run(
        ['update', ALL_GRANTED],
        ['updat', ALL_DENIED],
        ['update', 'denied'],
        ['update', { ...ALL_DENIED, ad_storage: false }],
        ['default', { ad_personalization: 'DENIED' }],
      ),
    ).toEqual([
      'granted',
      'error: dataLayer ["consent", "updat", …]: got "updat", expected "default" or "update"',
      'error: dataLayer ["consent", "update", …]: got "denied", expected an object { ad_storage, ad_personalization, analytics_storage: "granted" or "denied" }',
      'error: dataLayer ["consent", "update", …].ad_storage: got false, expected "granted" or "denied"',
      'error: dataLayer ["consent", "default", …].ad_personalization: got "DENIED", expected "granted" or "denied"',
    ]);
  });
});

describe("consentMode: 'google' through the dataLayer", () => {
  const open: Offerwise[] = [];
  async function make(config: OfferwiseConfig): Promise<Offerwise> {
    const ow = await createOffers(config);
    open.push(ow);
    return ow;
  }

  beforeEach(() => {
    freshIndexedDB();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((ow) => ow.destroy()));
    delete (globalThis as { dataLayer?: unknown }).dataLayer;
    delete (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl;
    vi.restoreAllMocks();
  });

  it('follows gtag() commands: default denied keeps events in memory, the update writes them', async () => {
    const layer: unknown[] = [gtag('consent', 'default', ALL_DENIED)];
    const ow = await make({
      consentMode: 'google',
      dataLayer: layer,
      endpoint: 'https://shop.example/feedback',
    });
    await ow.settled();
    expect(ow.consent()).toBe('pending');
    await ow.track(view('a', 'mens'));
    expect(await databaseNames()).toEqual([]);
    expect((await ow.feedbackStatus()).storage).toBe('none'); // no measurement without consent

    layer.push(gtag('consent', 'update', ALL_GRANTED));
    await ow.settled();
    expect(ow.consent()).toBe('granted');
    expect((await ow.profile()).eventCounts).toEqual({ view_item: 1 });
    expect(await databaseNames()).toContain('offerwise');
    // The decision half followed too: full measurement, its outbox on disk.
    expect((await ow.feedbackStatus()).storage).toBe('indexeddb');

    // The shopper withdraws in the banner: denied, and the stored profile is erased.
    layer.push(gtag('consent', 'update', { analytics_storage: 'denied' }));
    await ow.settled();
    expect(ow.consent()).toBe('denied');
    expect((await ow.profile()).eventCounts).toEqual({});
    expect(await databaseNames()).not.toContain('offerwise');
    expect(ow.diagnostics()).toEqual([]);
  });

  it('reads plain arrays too, and a returning shopper keeps the profile through the default denial', async () => {
    const first = await make({ consent: 'granted' });
    await first.track(view('a', 'mens'));
    await first.destroy();

    // The next page: the page's default, then the banner replaying the stored grant.
    const layer: unknown[] = [['consent', 'default', ALL_DENIED]];
    const ow = await make({ consentMode: 'google', dataLayer: layer });
    await ow.settled();
    expect(ow.consent()).toBe('pending');
    layer.push(['consent', 'update', ALL_GRANTED]);
    await ow.settled();
    expect(ow.consent()).toBe('granted');
    expect((await ow.profile()).eventCounts).toEqual({ view_item: 1 });
  });

  it('applies what is already in window.dataLayer, in order, even with dataLayer off', async () => {
    (globalThis as { dataLayer?: unknown[] }).dataLayer = [
      gtag('consent', 'default', ALL_DENIED),
      { event: 'view_item', ecommerce: { items: [{ item_id: 'x', item_category: 'mens' }] } },
      gtag('consent', 'update', ALL_GRANTED),
    ];
    const ow = await make({ consentMode: 'google' });
    await ow.settled();
    expect(ow.consent()).toBe('granted');
    // Consent Mode alone does not read the shop's events: dataLayer is off (the ESM default).
    expect((await ow.profile()).eventCounts).toEqual({});
  });

  it('reports a malformed command once, ignores it, and keeps following', async () => {
    const layer: unknown[] = [];
    const ow = await make({ consentMode: 'google', dataLayer: layer });
    layer.push(gtag('consent', 'update', { ...ALL_GRANTED, ad_storage: true }));
    await ow.settled();
    expect(ow.consent()).toBe('pending');
    expect(ow.diagnostics().map(({ code, message }) => ({ code, message }))).toEqual([
      {
        code: 'invalid_command',
        message:
          'dataLayer ["consent", "update", …].ad_storage: got true, expected "granted" or "denied"; the command was ignored',
      },
    ]);
    layer.push(gtag('consent', 'update', ALL_GRANTED));
    await ow.settled();
    expect(ow.consent()).toBe('granted');
    expect(ow.diagnostics()).toHaveLength(1);
  });

  it('Global Privacy Control turns a Consent Mode grant into denied', async () => {
    Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
    const layer: unknown[] = [gtag('consent', 'update', ALL_GRANTED)];
    const ow = await make({ consentMode: 'google', dataLayer: layer });
    await ow.settled();
    expect(ow.consent()).toBe('denied');
    expect(ow.diagnostics().map((d) => d.code)).toEqual(['gpc_denied']);
    await ow.track(view('a', 'mens'));
    expect(await databaseNames()).toEqual([]);
  });

  it('is off by default: consent commands change nothing, as before', async () => {
    const layer: unknown[] = [gtag('consent', 'update', ALL_GRANTED)];
    const ow = await make({ dataLayer: layer });
    layer.push(['consent', 'update', ALL_GRANTED]);
    await ow.settled();
    expect(ow.consent()).toBe('pending');
    const off = await make({ consentMode: 'off', dataLayer: layer, dbName: 'other' });
    await off.settled();
    expect(off.consent()).toBe('pending');
    expect([...ow.diagnostics(), ...off.diagnostics()]).toEqual([]);
  });

  it('an unknown consentMode is reported (invalid_option) and not followed', async () => {
    const layer: unknown[] = [gtag('consent', 'update', ALL_GRANTED)];
    const ow = await make({ consentMode: 'gogle' as never, dataLayer: layer });
    await ow.settled();
    expect(ow.consent()).toBe('pending');
    expect(ow.diagnostics().map(({ code, message }) => ({ code, message }))).toEqual([
      {
        code: 'invalid_option',
        message:
          'config.consentMode: got "gogle", expected "google", "off" or a function (a consent platform\'s adapter); consent does not follow it',
      },
    ]);
  });

  it('stops with destroy(): the push wrapper passes through', async () => {
    const layer: unknown[] = [];
    const ow = await make({ consentMode: 'google', dataLayer: layer });
    await ow.destroy();
    expect(layer.push(gtag('consent', 'update', ALL_GRANTED))).toBe(1);
    expect(ow.consent()).toBe('pending');
  });
});

describe('consentMode as a consent platform adapter: (set) => unsubscribe', () => {
  const open: Offerwise[] = [];
  beforeEach(() => {
    freshIndexedDB();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((ow) => ow.destroy()));
    delete (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl;
  });

  /** A stand-in for a CMP: its stored answer at once, then the shopper's later choices. */
  function platform(stored: string | undefined) {
    const calls = { subscribed: 0, unsubscribed: 0 };
    let listener: ((answer: string) => void) | undefined;
    const adapter = (set: (consent: never) => void) => {
      calls.subscribed++;
      listener = (answer) => set(answer as never);
      if (stored !== undefined) listener(stored);
      return () => {
        calls.unsubscribed++;
      };
    };
    return { adapter, calls, choose: (answer: string) => listener?.(answer) };
  }

  async function make(config: OfferwiseConfig): Promise<Offerwise> {
    const ow = await createOffers(config);
    open.push(ow);
    await ow.settled();
    return ow;
  }

  it('follows the platform: its stored grant writes the profile, a later denial erases it, destroy() unsubscribes', async () => {
    const cmp = platform('granted');
    const ow = await make({ consentMode: cmp.adapter });
    expect(cmp.calls.subscribed).toBe(1);
    expect(ow.consent()).toBe('granted');
    await ow.track(view('a', 'mens'));
    expect((await ow.profile()).eventCounts).toEqual({ view_item: 1 });
    cmp.choose('denied');
    await ow.settled();
    expect(ow.consent()).toBe('denied');
    expect(await databaseNames()).not.toContain('offerwise');
    await ow.destroy();
    expect(cmp.calls.unsubscribed).toBe(1);
    cmp.choose('granted'); // after destroy(): nothing
    expect(ow.consent()).toBe('denied');
    expect(ow.diagnostics()).toEqual([]);
  });

  it('reports a bad state (invalid_command) and a throwing adapter (invalid_option), changing nothing', async () => {
    const cmp = platform('yes');
    const ow = await make({ consentMode: cmp.adapter });
    expect(ow.consent()).toBe('pending');
    const broken = await make({
      dbName: 'other',
      consentMode: () => {
        throw new Error('OneTrust is not loaded');
      },
    });
    expect(broken.consent()).toBe('pending');
    expect([...ow.diagnostics(), ...broken.diagnostics()].map((d) => [d.code, d.message])).toEqual([
      [
        'invalid_command',
        'consentMode adapter: set() got "yes", expected "granted", "denied" or "pending"; ignored',
      ],
      [
        'invalid_option',
        'config.consentMode: the adapter threw (Error: OneTrust is not loaded); consent does not follow it',
      ],
    ]);
  });

  it("Global Privacy Control turns the platform's grant into denied", async () => {
    Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
    const ow = await make({ consentMode: platform('granted').adapter });
    expect(ow.consent()).toBe('denied');
    expect(ow.diagnostics().map((d) => d.message)).toEqual([
      'Global Privacy Control: a consent platform grant counts as denied (the page cannot tell a replayed answer from a click)',
    ]);
  });
});

describe('data-consent-mode on the script tag', () => {
  afterEach(async () => {
    const g = globalThis as { Offerwise?: unknown; offerwise?: Offerwise; dataLayer?: unknown };
    await g.offerwise?.destroy();
    delete g.Offerwise;
    delete g.offerwise;
    delete g.dataLayer;
    Reflect.deleteProperty(document, 'currentScript');
  });

  it('"google" makes the tag follow window.dataLayer', async () => {
    freshIndexedDB();
    const g = globalThis as { offerwise?: Offerwise; dataLayer?: unknown[] };
    g.dataLayer = [gtag('consent', 'default', ALL_DENIED), gtag('consent', 'update', ALL_GRANTED)];
    const script = document.createElement('script');
    script.type = 'text/x-not-run'; // happy-dom does not fetch it
    script.setAttribute('data-consent-mode', 'google');
    Object.defineProperty(document, 'currentScript', { value: script, configurable: true });
    vi.resetModules();
    await import('../script-tag/core.js');
    const ow = g.offerwise!;
    await ow.settled();
    expect(ow.consent()).toBe('granted');
  });
});
