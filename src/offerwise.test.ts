// @vitest-environment happy-dom
import { IDBDatabase as FakeDatabase } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cartAdd, databaseNames, freshIndexedDB, order, view } from '../test/support/fake-idb.js';
import { createOffers, Offerwise } from './offerwise.js';
import { DAY_MS } from './profile/options.js';
import { OfferwiseError } from './util/errors.js';

const T0 = Date.UTC(2026, 10, 28, 12);

let clock = T0;
const now = () => clock;
const open: Offerwise[] = [];

async function make(config: ConstructorParameters<typeof Offerwise>[0] = {}) {
  const ow = await createOffers({ consent: 'granted', now, ...config });
  open.push(ow);
  return ow;
}

beforeEach(() => {
  freshIndexedDB();
  clock = T0;
});

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((ow) => ow.destroy()));
});

function writeTransactions(spy: { mock: { calls: unknown[][] } }): number {
  return spy.mock.calls.filter(
    ([stores, mode]) => mode === 'readwrite' && ([] as unknown[]).concat(stores).includes('log'),
  ).length;
}

describe('track() and profile()', () => {
  it('writes the calls of one task in one transaction and resolves once committed', async () => {
    const ow = await make();
    const spy = vi.spyOn(FakeDatabase.prototype, 'transaction');
    const done = [view('a', 'mens'), view('b', 'womens'), cartAdd('a', 'mens', 40, 2)].map((e) =>
      ow.track(e),
    );
    await Promise.all(done);
    expect(writeTransactions(spy)).toBe(1);
    const profile = await ow.profile();
    expect(profile.storage).toBe('indexeddb');
    expect(profile.eventCounts).toEqual({ view_item: 2, add_to_cart: 1 });
    // mens: view 1 + cart 3; womens: view 1.
    expect(profile.categories).toEqual([
      { category: 'mens', score: 4 },
      { category: 'womens', score: 1 },
    ]);
    expect(profile.cart.value).toBe(80);
    expect(ow.stats().accepted).toBe(3);
  });

  it('keeps the profile across instances (a reload) and counts a purchase once per transaction_id', async () => {
    const first = await make();
    await first.track(order('T-1', 120));
    await first.destroy();
    const second = await make();
    await second.track(order('T-1', 120)); // the same order, tracked again on the confirmation page
    await second.track(order('T-2', 30));
    const profile = await second.profile();
    expect(profile.purchases.total).toEqual({ count: 2, spend: 150 });
    expect(profile.eventCounts.purchase).toBe(3);
    expect(second.stats().duplicatePurchases).toBe(1);
  });

  it('loses no update when two instances (tabs) track at the same time', async () => {
    const a = await make();
    const b = await make();
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      calls.push(a.track(view(`a${i}`, 'mens')), b.track(view(`b${i}`, 'womens')));
      if (i % 10 === 0) calls.push(a.track(order(`A${i}`, 10)), b.track(order(`B${i}`, 5)));
      if (i % 7 === 0) await Promise.resolve(); // spread over several tasks
    }
    calls.push(a.track(order('SHARED', 100)), b.track(order('SHARED', 100)));
    await Promise.all(calls);
    const profile = await a.profile();
    expect(profile.eventCounts).toEqual({ view_item: 100, purchase: 12 });
    expect(profile.purchases.total).toEqual({ count: 11, spend: 5 * 10 + 5 * 5 + 100 });
    expect(profile.log.events).toBe(112);
  });

  it('refuses an invalid event with a clear error and leaves the profile unchanged', async () => {
    const diagnostics: string[] = [];
    const ow = await make({ onDiagnostic: (d) => diagnostics.push(d.code) });
    await ow.track(view('a', 'mens'));
    const before = await ow.profile();
    const error = await ow
      .track({ event: 'add_to_cart', ecommerce: { items: [{ item_id: 'a', quantity: 0 }] } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OfferwiseError);
    expect((error as OfferwiseError).code).toBe('invalid_event');
    expect((error as OfferwiseError).message).toBe(
      'ecommerce.items[0].quantity: got 0, expected a whole number from 1 to 10000',
    );
    // Fire-and-forget misuse must not produce an unhandled rejection (vitest fails the run on one).
    void ow.track('not an event' as never); // what JavaScript callers can pass
    expect(await ow.profile()).toEqual(before);
    expect(diagnostics).toEqual(['invalid_event', 'invalid_event']);
    expect(ow.stats().invalid).toBe(2);
  });

  it('ignores and counts unknown event names', async () => {
    const ow = await make();
    // What the dataLayer path passes on (track() types its argument; JavaScript does not).
    const untyped = ow.track.bind(ow) as (event: unknown) => Promise<void>;
    await untyped({ event: 'gtm.dom' });
    await untyped({ event: 'gtm.dom' });
    await untyped({ event: 'login', method: 'Google' });
    expect(ow.stats().ignored).toEqual({ 'gtm.dom': 2, login: 1 });
    expect((await ow.profile()).eventCounts).toEqual({});
  });

  it('ingests dataLayer entries and reports bad ones without throwing', async () => {
    const layer: unknown[] = [view('a', 'mens')];
    const ow = await make({ dataLayer: layer });
    expect(() => layer.push({ event: 'view_item', ecommerce: { items: 'nope' } })).not.toThrow();
    layer.push({ ecommerce: null }, cartAdd('b', 'kids', 5));
    await ow.settled();
    expect((await ow.profile()).eventCounts).toEqual({ view_item: 1, add_to_cart: 1 });
    expect(ow.diagnostics().map((d) => d.code)).toEqual(['invalid_event']);
  });
});

describe('retention and the row cap', () => {
  it('deletes raw events past retention at start and keeps their effect in the aggregates', async () => {
    const ow = await make({ profile: { retentionDays: 90 } });
    await ow.track(view('old', 'mens'));
    clock = T0 + 60 * DAY_MS;
    await ow.track(view('newer', 'mens'));
    await ow.destroy();
    clock = T0 + 91 * DAY_MS; // the first event is now past retention
    const later = await make({ profile: { retentionDays: 90 } });
    const data = await later.exportData();
    expect(data.events.map((e) => e.items[0]!.id)).toEqual(['newer']);
    expect(data.profile.log).toEqual({ events: 1, compacted: 0, expired: 1 });
    expect(data.profile.eventCounts.view_item).toBe(2);
    // mens: 1·2^(-91/14) + 1·2^(-31/14)
    expect(data.profile.categories[0]!.score).toBeCloseTo(
      Math.pow(2, -91 / 14) + Math.pow(2, -31 / 14),
      10,
    );
  });

  it('trims a stored batch that straddles the retention cutoff', async () => {
    const ow = await make({ profile: { retentionDays: 90 } });
    const first = ow.track(view('old', 'mens'));
    clock = T0 + 60 * DAY_MS; // same task, so both go into one stored batch
    const second = ow.track(view('newer', 'mens'));
    await Promise.all([first, second]);
    clock = T0 + 91 * DAY_MS;
    await ow.destroy();
    const later = await make({ profile: { retentionDays: 90 } });
    const data = await later.exportData();
    expect(data.events.map((e) => e.items[0]!.id)).toEqual(['newer']);
    expect(data.profile.log).toEqual({ events: 1, compacted: 0, expired: 1 });
  });

  it('compacts the oldest raw events beyond the cap; storage stays bounded', async () => {
    const ow = await make({ profile: { maxEvents: 10 } });
    for (let i = 0; i < 25; i++) void ow.track(view(`i${i}`, 'mens'));
    await ow.settled();
    for (let i = 25; i < 30; i++) await ow.track(view(`i${i}`, 'mens'));
    const data = await ow.exportData();
    expect(data.events.map((e) => e.items[0]!.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `i${20 + i}`),
    );
    expect(data.profile.log).toEqual({ events: 10, compacted: 20, expired: 0 });
    expect(data.profile.eventCounts.view_item).toBe(30);
  });
});

describe('forget() and exportData()', () => {
  it('exports everything as JSON, and forget() deletes the database', async () => {
    const ow = await make();
    await ow.track(order('T-9', 42));
    const data = await ow.exportData();
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    expect(data.transactions).toEqual([{ id: 'T-9', at: T0 }]);
    expect(data.events).toHaveLength(1);
    expect((await databaseNames()).sort()).toEqual(['offerwise', 'offerwise-decisions']); // export reads the decision state too
    await ow.forget();
    expect(await databaseNames()).toEqual([]);
    const profile = await ow.profile();
    expect(profile.purchases.total.count).toBe(0);
    expect(profile.eventCounts).toEqual({});
    expect(await databaseNames()).toEqual([]); // reading does not recreate it
    await ow.track(view('a', 'mens'));
    expect((await ow.profile()).eventCounts).toEqual({ view_item: 1 });
  });
});

describe('consent', () => {
  it('denied keeps nothing on disk and erases what an earlier grant stored', async () => {
    const granted = await make();
    await granted.track(view('a', 'mens'));
    await granted.destroy();
    const denied = await make({ consent: 'denied' });
    expect(await databaseNames()).toEqual([]);
    await denied.track(view('b', 'mens'));
    const profile = await denied.profile();
    expect(profile.storage).toBe('memory');
    expect(profile.eventCounts).toEqual({ view_item: 1 });
    expect(await databaseNames()).toEqual([]);
  });

  it('pending holds events in memory until granted, then writes them', async () => {
    const ow = await make({ consent: 'pending' });
    await ow.track(view('a', 'mens'));
    await ow.track(order('T-1', 10));
    expect(await databaseNames()).toEqual([]);
    await ow.consent('granted');
    expect(ow.consent()).toBe('granted');
    await ow.track(order('T-1', 10)); // already counted while pending
    await ow.destroy();
    const reloaded = await make();
    const profile = await reloaded.profile();
    expect(profile.eventCounts).toEqual({ view_item: 1, purchase: 2 });
    expect(profile.purchases.total.count).toBe(1);
  });

  it('a grant adopts everything gathered while pending, even past the row cap', async () => {
    const ow = await make({ consent: 'pending', profile: { maxEvents: 10 } });
    for (let i = 0; i < 25; i++) void ow.track(view(`i${i}`, i % 2 ? 'mens' : 'womens'));
    await ow.track(order('P-1', 30));
    const before = await ow.profile();
    expect(before.log).toEqual({ events: 10, compacted: 16, expired: 0 });
    await ow.consent('granted');
    await ow.destroy();
    const reloaded = await make({ profile: { maxEvents: 10 } });
    const after = await reloaded.profile();
    expect(after.eventCounts).toEqual({ view_item: 25, purchase: 1 });
    expect(after.log).toEqual(before.log);
    expect(after.categories).toEqual(before.categories);
    await reloaded.track(order('P-1', 30)); // the purchase id came along
    expect(reloaded.stats().duplicatePurchases).toBe(1);
  });

  it('a grant replays pending events into an existing profile', async () => {
    const first = await make();
    await first.track(view('a', 'mens'));
    await first.destroy();
    const ow = await make({ consent: 'pending' });
    await ow.track(view('b', 'mens'));
    await ow.track(cartAdd('b', 'mens'));
    await ow.consent('granted');
    const profile = await ow.profile();
    expect(profile.eventCounts).toEqual({ view_item: 2, add_to_cart: 1 });
    expect(profile.categories).toEqual([{ category: 'mens', score: 5 }]);
  });

  it('pending then denied discards the events', async () => {
    const ow = await make({ consent: 'pending' });
    await ow.track(view('a', 'mens'));
    await ow.consent('denied');
    expect((await ow.profile()).eventCounts).toEqual({});
    expect(await databaseNames()).toEqual([]);
    const error = await ow.consent('maybe' as never).catch((e: unknown) => e);
    expect((error as OfferwiseError).message).toBe(
      'consent: got "maybe", expected "granted", "denied" or "pending"',
    );
  });

  it("treats Global Privacy Control as denied unless the shopper's own grant says so", async () => {
    Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
    try {
      const ow = await make({ consent: 'granted' });
      expect(ow.consent()).toBe('denied');
      expect(ow.diagnostics().map((d) => d.code)).toEqual(['gpc_denied']);
      await ow.track(view('a', 'mens'));
      expect(await databaseNames()).toEqual([]);
      // A banner replaying a stored answer, by call or queued command, cannot tell a replay from
      // a choice: Global Privacy Control wins.
      await ow.consent('granted');
      ow.push(['consent', 'granted']);
      await ow.settled();
      expect(ow.consent()).toBe('denied');
      expect(ow.diagnostics().map((d) => d.code)).toEqual([
        'gpc_denied',
        'gpc_denied',
        'gpc_denied',
      ]);
      await ow.track(view('b', 'mens'));
      expect(await databaseNames()).toEqual([]);
      // The shopper's click in the banner says so explicitly.
      await expect(ow.consent('granted', { source: 'banner' } as never)).rejects.toThrow(
        `consent().options: got object, expected { source: 'user' }`,
      );
      await ow.consent('granted', { source: 'user' });
      expect(ow.consent()).toBe('granted');
      await ow.track(view('c', 'mens'));
      expect(await databaseNames()).toEqual(['offerwise']);
      const opted = await make({
        consent: 'granted',
        honorGlobalPrivacyControl: false,
        dbName: 'other',
      });
      expect(opted.consent()).toBe('granted');
    } finally {
      delete (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl;
    }
  });
});

describe('configuration', () => {
  it.each([
    [{ consent: 'yes' }, 'config.consent: got "yes", expected "granted", "denied" or "pending"'],
    [
      { profile: { halfLifeDays: 0 } },
      'config.profile.halfLifeDays: got 0, expected a number from 0.01 to 3650',
    ],
    [
      { profile: { priceBands: [50, 20] } },
      'config.profile.priceBands[1]: got 20, expected a price above 50',
    ],
    [{ currency: 'euro' }, 'config.currency: got "euro", expected an ISO 4217 code such as "EUR"'],
    [{ dataLayer: 'yes' }, 'config.dataLayer: got "yes", expected true, false or an array'],
    [{ endpont: '/x' }, 'config.endpont: got "/x", expected a known option'],
  ])('refuses %o', async (config, message) => {
    const error = await createOffers(config as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OfferwiseError);
    expect((error as OfferwiseError).code).toBe('invalid_config');
    expect((error as OfferwiseError).message.startsWith(message)).toBe(true);
  });

  it('refuses calls after destroy() without throwing', async () => {
    const layer: unknown[] = [];
    const ow = await make({ dataLayer: layer });
    await ow.destroy();
    const error = await ow.track(view('a', 'mens')).catch((e: unknown) => e);
    expect((error as OfferwiseError).code).toBe('destroyed');
    layer.push(view('b', 'mens'));
    expect(layer).toHaveLength(1);
  });
});
