// The profile in real Chromium IndexedDB: persistence across reloads, forget(), and consent.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ProfileSnapshot } from '../../src/profile/snapshot.js';
import type { TrackEvent } from '../../src/events/types.js';
import {
  databaseNames,
  openPage,
  requireChromium,
  sdkPage,
  useHarness,
  type PageWindow,
} from '../support/e2e.js';

const hasChromium = requireChromium();

/** A shopping session: views, adds, a purchase (which empties the cart), then two more adds. */
const SESSION: TrackEvent[] = [
  view('A', 'Running Shoe', 'Shoes', 80),
  view('B', 'Linen Shirt', 'Shirts', 20),
  view('C', 'Trail Shoe', 'Shoes', 120),
  add('A', 'Running Shoe', 'Shoes', 80, 2),
  add('B', 'Linen Shirt', 'Shirts', 20, 1),
  {
    event: 'purchase',
    ecommerce: {
      transaction_id: 'T-1001',
      value: 180,
      currency: 'EUR',
      items: [
        { item_id: 'A', item_name: 'Running Shoe', item_category: 'Shoes', price: 80, quantity: 2 },
        { item_id: 'B', item_name: 'Linen Shirt', item_category: 'Shirts', price: 20 },
      ],
    },
  },
  view('D', 'Tote Bag', 'Bags', 45),
  add('D', 'Tote Bag', 'Bags', 45, 1),
  add('E', 'Wool Socks', 'Socks', 5, 3),
];

function view(id: string, name: string, category: string, price: number): TrackEvent {
  return {
    event: 'view_item',
    ecommerce: {
      currency: 'EUR',
      value: price,
      items: [{ item_id: id, item_name: name, item_category: category, price }],
    },
  };
}

function add(
  id: string,
  name: string,
  category: string,
  price: number,
  quantity: number,
): TrackEvent {
  return {
    event: 'add_to_cart',
    ecommerce: {
      currency: 'EUR',
      value: price * quantity,
      items: [{ item_id: id, item_name: name, item_category: category, price, quantity }],
    },
  };
}

/** Tracks the events one after the other, each awaited (so their time stamps are ordered). */
async function trackAll(page: Page, events: TrackEvent[]) {
  await page.evaluate(async (list) => {
    const w = window as unknown as PageWindow;
    await w.offerwise.ready;
    for (const event of list) await w.offerwise.track(event);
  }, events);
}

function profileOf(page: Page): Promise<ProfileSnapshot> {
  return page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    await w.offerwise.ready;
    return w.offerwise.profile();
  });
}

/** The parts of a snapshot that must survive a reload unchanged (decay moves scores by ~1e-6). */
function durable(snapshot: ProfileSnapshot) {
  const { at: _at, daysSinceLastPurchase: _days, categories, ...rest } = snapshot;
  return {
    ...rest,
    categories: categories.map((c) => ({ category: c.category, score: c.score.toFixed(3) })),
  };
}

describe.skipIf(!hasChromium)('profile in Chromium IndexedDB', () => {
  const h = useHarness();

  it('keeps every aggregate across a reload', async () => {
    const url = h.server.page('/persist.html', sdkPage({ consent: 'granted' }));
    const context = await h.newContext();
    const tab = await openPage(context, url);
    await trackAll(tab.page, SESSION);
    const before = await profileOf(tab.page);

    expect(before.storage).toBe('indexeddb');
    expect(before.consent).toBe('granted');
    expect(before.eventCounts).toEqual({ view_item: 4, add_to_cart: 4, purchase: 1 });
    expect(before.purchases.total).toEqual({ count: 1, spend: 180 });
    expect(before.purchases.d30).toEqual({ count: 1, spend: 180 });
    expect(before.purchases.d365).toEqual({ count: 1, spend: 180 });
    expect(before.currency).toBe('EUR');
    // Weights: view 1, add 3, purchase 5 → shoes 1+1+3+5, shirts 1+3+5, bags 1+3, socks 3.
    expect(before.categories.map((c) => c.category)).toEqual(['shoes', 'shirts', 'bags', 'socks']);
    const scores = before.categories.map((c) => c.score);
    [10, 9, 4, 3].forEach((expected, i) => expect(scores[i]).toBeCloseTo(expected, 3));
    // The purchase emptied the cart; D and E were added after it.
    expect(before.cart).toEqual({
      lines: [
        { id: 'D', name: 'Tote Bag', category: 'bags', price: 45, quantity: 1 },
        { id: 'E', name: 'Wool Socks', category: 'socks', price: 5, quantity: 3 },
      ],
      itemCount: 4,
      value: 60,
      currency: 'EUR',
    });
    expect(before.recent.viewed.map((r) => r.id)).toEqual(['D', 'C', 'B', 'A']);
    expect(before.recent.purchased.map((r) => r.id).sort()).toEqual(['A', 'B']);
    expect(before.price.min).toBe(5);
    expect(before.price.max).toBe(120);
    expect(before.segment).toBe('new');
    expect(before.log).toEqual({ events: 9, compacted: 0, expired: 0 });

    await tab.page.reload();
    const after = await profileOf(tab.page);
    expect(after.storage).toBe('indexeddb');
    expect(durable(after)).toEqual(durable(before));
    const exported = await tab.page.evaluate(() =>
      (window as unknown as PageWindow).offerwise.exportData(),
    );
    expect(exported.events.map((e) => e.name)).toEqual(SESSION.map((e) => e.event));
    expect(exported.transactions.map((t) => t.id)).toEqual(['T-1001']);
    expect(tab.errors).toEqual([]);
  });

  it('forget() deletes the database, here and in another open tab', async () => {
    const url = h.server.page('/forget.html', sdkPage({ consent: 'granted' }));
    const context = await h.newContext();
    const a = await openPage(context, url);
    const b = await openPage(context, url);
    await trackAll(a.page, SESSION.slice(0, 6));
    // Tab B holds its own open connection to the same database.
    expect((await profileOf(b.page)).eventCounts).toEqual({
      view_item: 3,
      add_to_cart: 2,
      purchase: 1,
    });
    expect(await databaseNames(a.page)).toContain('offerwise');

    await a.page.evaluate(() => (window as unknown as PageWindow).offerwise.forget());
    expect(await databaseNames(a.page)).not.toContain('offerwise');

    const empty = await profileOf(a.page);
    expect(empty.eventCounts).toEqual({});
    expect(empty.purchases.total).toEqual({ count: 0, spend: 0 });
    expect(empty.categories).toEqual([]);
    expect(empty.cart.lines).toEqual([]);
    expect(empty.log).toEqual({ events: 0, compacted: 0, expired: 0 });
    // Reading after forget() does not bring the database back.
    expect(await databaseNames(a.page)).not.toContain('offerwise');
    const exported = await a.page.evaluate(() =>
      (window as unknown as PageWindow).offerwise.exportData(),
    );
    expect(exported.events).toEqual([]);
    expect(exported.transactions).toEqual([]);

    // The other tab sees the erased profile, not a stale copy.
    const other = await profileOf(b.page);
    expect(other.eventCounts).toEqual({});
    expect(other.purchases.total.count).toBe(0);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('forget() honours data-db-name', async () => {
    const url = h.server.page(
      '/forget-named.html',
      sdkPage({ consent: 'granted', 'db-name': 'shop-a' }),
    );
    const context = await h.newContext();
    const tab = await openPage(context, url);
    await trackAll(tab.page, SESSION.slice(0, 2));
    const names = await databaseNames(tab.page);
    expect(names).toContain('shop-a');
    expect(names).not.toContain('offerwise');
    await tab.page.evaluate(() => (window as unknown as PageWindow).offerwise.forget());
    expect(await databaseNames(tab.page)).toEqual([]);
    expect((await profileOf(tab.page)).eventCounts).toEqual({});
  });

  it('consent pending keeps events off disk until granted', async () => {
    const pendingUrl = h.server.page('/pending.html', sdkPage({ consent: 'pending' }));
    const grantedUrl = h.server.page('/granted.html', sdkPage({ consent: 'granted' }));
    const context = await h.newContext();
    const tab = await openPage(context, pendingUrl);
    await trackAll(tab.page, SESSION.slice(0, 6));
    await tab.page.evaluate(() => (window as unknown as PageWindow).offerwise.settled());

    const pending = await profileOf(tab.page);
    expect(pending.consent).toBe('pending');
    expect(pending.storage).toBe('memory');
    expect(pending.eventCounts).toEqual({ view_item: 3, add_to_cart: 2, purchase: 1 });
    expect(await databaseNames(tab.page)).toEqual([]);

    await tab.page.evaluate(() => (window as unknown as PageWindow).offerwise.consent('granted'));
    expect(await databaseNames(tab.page)).toEqual(['offerwise']);
    const granted = await profileOf(tab.page);
    expect(granted.storage).toBe('indexeddb');
    expect(granted.consent).toBe('granted');
    expect(granted.eventCounts).toEqual({ view_item: 3, add_to_cart: 2, purchase: 1 });

    // A later page opened with consent granted reads what the grant wrote.
    await tab.page.goto(grantedUrl);
    const reloaded = await profileOf(tab.page);
    expect(reloaded.storage).toBe('indexeddb');
    expect(reloaded.eventCounts).toEqual({ view_item: 3, add_to_cart: 2, purchase: 1 });
    expect(reloaded.purchases.total).toEqual({ count: 1, spend: 180 });
    expect(reloaded.categories.map((c) => c.category)).toEqual(['shoes', 'shirts']);
    expect(reloaded.log.events).toBe(6);
    expect(tab.errors).toEqual([]);
  });

  it('consent denied writes nothing, and revoking a grant erases the disk', async () => {
    const deniedUrl = h.server.page('/denied.html', sdkPage({ consent: 'denied' }));
    const grantedUrl = h.server.page('/granted.html', sdkPage({ consent: 'granted' }));
    const context = await h.newContext();
    const tab = await openPage(context, deniedUrl);
    await trackAll(tab.page, SESSION.slice(0, 3));
    const denied = await profileOf(tab.page);
    expect(denied.storage).toBe('memory');
    expect(denied.eventCounts).toEqual({ view_item: 3 });
    expect(await databaseNames(tab.page)).toEqual([]);

    await tab.page.goto(grantedUrl);
    await trackAll(tab.page, SESSION.slice(0, 3));
    expect(await databaseNames(tab.page)).toEqual(['offerwise']);
    await tab.page.evaluate(() => (window as unknown as PageWindow).offerwise.consent('denied'));
    expect(await databaseNames(tab.page)).toEqual([]);
    expect(tab.errors).toEqual([]);
  });
});
