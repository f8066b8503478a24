// The script tag: data-* configuration, the queued-command snippet, window.dataLayer, a second
// copy of the script, and misconfiguration reported on the console without breaking the page.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { distDir } from '../support/server.mjs';
import {
  databaseNames,
  IIFE_URL,
  openPage,
  requireChromium,
  sdkPage,
  useHarness,
  type PageWindow,
} from '../support/e2e.js';

const hasChromium = requireChromium();

/**
 * A shop page: GTM-style dataLayer with entries already in it and another consumer that wrapped
 * `push` first; a snippet that queued a call before the script loaded; the script with every
 * data-* option; then a second copy of the script.
 */
const SHOP_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script>
  window.dataLayer = [
    { 'gtm.start': 1700000000000, event: 'gtm.js' },
    { ecommerce: null },
    {
      event: 'view_item',
      ecommerce: {
        currency: 'EUR',
        value: 30,
        items: [{ item_id: 'MUG-1', item_name: 'Mug', item_category: 'Kitchen', price: 30 }],
      },
    },
  ];
  window.initialEntries = window.dataLayer.slice();
  window.initialJson = JSON.stringify(window.dataLayer);
  // Another consumer (a tag manager) that wrapped push before offerwise loaded.
  window.consumerSeen = [];
  const arrayPush = window.dataLayer.push;
  window.dataLayer.push = function (...entries) {
    window.consumerSeen.push({ self: this === window.dataLayer, entries });
    return arrayPush.apply(this, entries);
  };
  window.consumerPush = window.dataLayer.push;
  // The queued-command snippet, run before the script is there.
  window.offerwise = window.offerwise || [];
  window.offerwise.push([
    'track',
    {
      event: 'add_to_cart',
      ecommerce: {
        currency: 'EUR',
        items: [{ item_id: 'POT-7', item_category: 'Garden', price: 12, quantity: 2 }],
      },
    },
  ]);
</script>
<script src="${IIFE_URL}" data-consent="granted" data-endpoint="https://collector.example/feedback"
  data-catalog="/catalog.json" data-model="/model.onnx" data-currency="EUR"
  data-db-name="shop-profile"></script>
<script>window.firstInstance = window.offerwise;</script>
<script src="${IIFE_URL}?copy=2" data-consent="granted" data-db-name="second-copy"></script>
</head><body></body></html>`;

describe.skipIf(!hasChromium)('script tag', () => {
  const h = useHarness();

  it('creates window.offerwise from data-*, replays the queue, reads dataLayer untouched', async () => {
    const url = h.server.page('/shop.html', SHOP_PAGE);
    const context = await h.newContext();
    const tab = await openPage(context, url);

    const result = await tab.page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      const layer = w.dataLayer;
      const ow = w.offerwise;
      await ow.ready;
      const isInstance = ow instanceof w.Offerwise.Offerwise;
      const lengthBefore = layer.length;
      const purchase = {
        event: 'purchase',
        ecommerce: {
          transaction_id: 'T-77',
          value: 54,
          currency: 'EUR',
          items: [{ item_id: 'POT-7', item_category: 'Garden', price: 12, quantity: 2 }],
        },
      };
      const reset = { ecommerce: null };
      const click = { event: 'gtm.click' };
      const returned = [layer.push(reset), layer.push(purchase, click)];
      await ow.settled();
      const seen = w.consumerSeen as { self: boolean; entries: unknown[] }[];
      return {
        isInstance,
        version: w.Offerwise.version,
        names: [...w.Offerwise.EVENT_NAMES],
        lengthBefore,
        returned,
        lengthAfter: layer.length,
        pushedKept: layer[3] === reset && layer[4] === purchase && layer[5] === click,
        initialKept: (w.initialEntries as unknown[]).every((entry, i) => layer[i] === entry),
        initialUnchanged: JSON.stringify(layer.slice(0, 3)) === w.initialJson,
        pushedUnchanged: JSON.stringify(purchase.ecommerce.items[0]),
        consumer: seen.map((s) => ({ self: s.self, count: s.entries.length })),
        consumerGotSameObjects: seen[1]?.entries[0] === purchase && seen[1]?.entries[1] === click,
        firstInstanceKept: w.offerwise === w.firstInstance,
        profile: await ow.profile(),
        stats: ow.stats(),
        // The decision half (the tag's second file) opens the outbox and the catalog cache.
        outbox: (await ow.feedbackStatus()).storage,
        catalog: typeof (await ow.catalog()),
      };
    });

    expect(result.isInstance).toBe(true);
    expect(result.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(result.names).toContain('purchase');
    // Other consumers see exactly what they would without offerwise.
    expect(result.lengthBefore).toBe(3);
    expect(result.returned).toEqual([4, 6]);
    expect(result.lengthAfter).toBe(6);
    expect(result.pushedKept).toBe(true);
    expect(result.initialKept).toBe(true);
    expect(result.initialUnchanged).toBe(true);
    expect(result.pushedUnchanged).toBe(
      JSON.stringify({ item_id: 'POT-7', item_category: 'Garden', price: 12, quantity: 2 }),
    );
    expect(result.consumer).toEqual([
      { self: true, count: 1 },
      { self: true, count: 2 },
    ]);
    expect(result.consumerGotSameObjects).toBe(true);

    // view_item came from the dataLayer, add_to_cart from the queue, purchase from a later push.
    expect(result.profile.eventCounts).toEqual({ view_item: 1, add_to_cart: 1, purchase: 1 });
    expect(result.profile.purchases.total).toEqual({ count: 1, spend: 54 });
    expect(result.profile.categories.map((c) => c.category)).toEqual(['garden', 'kitchen']);
    expect(result.stats.accepted).toBe(3);
    expect(result.stats.ignored).toEqual({ 'gtm.js': 1, 'gtm.click': 1 });
    expect(result.outbox).toBe('indexeddb');

    // data-db-name was honoured; the second copy created nothing and kept the first instance.
    // (the catalog cache and the feedback outbox follow the same name)
    expect((await databaseNames(tab.page)).sort()).toEqual([
      'shop-profile',
      'shop-profile-catalog',
      'shop-profile-outbox',
    ]);
    expect(result.firstInstanceKept).toBe(true);
    const twice = tab.warnings().filter((w) => w.includes('on this page twice'));
    expect(twice).toHaveLength(1);
    expect(tab.errors).toEqual([]);

    // After a reload the same profile is there.
    await tab.page.reload();
    const counts = await tab.page.evaluate(async () => {
      const ow = (window as unknown as PageWindow).offerwise;
      await ow.ready;
      return (await ow.profile()).eventCounts;
    });
    // The reload replays the same page, so dataLayer's view_item and the queued add come again.
    expect(counts).toEqual({ view_item: 2, add_to_cart: 2, purchase: 1 });
  });

  it('an invalid data-consent warns once with invalid_config and throws nothing', async () => {
    const url = h.server.page(
      '/bad-consent.html',
      sdkPage(
        { consent: 'yes' },
        {
          before: `window.offerwise = [['track', { event: 'view_item', ecommerce: { items: [{ item_id: 'X' }] } }]];`,
          after: `window.dataLayer = window.dataLayer || []; window.dataLayer.push({ event: 'view_item' });`,
        },
      ),
    );
    const context = await h.newContext();
    const tab = await openPage(context, url);
    const state = await tab.page.evaluate(() => {
      const w = window as unknown as PageWindow;
      return {
        api: typeof w.Offerwise,
        queueKept: Array.isArray(w.offerwise),
        pushed: w.dataLayer.push({ event: 'add_to_cart' }),
      };
    });
    expect(state).toEqual({ api: 'object', queueKept: true, pushed: 2 });
    const invalid = tab.warnings().filter((w) => w.includes('invalid_config'));
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toContain('config.consent');
    expect(invalid[0]).toContain('"yes"');
    expect(tab.errors).toEqual([]);
    expect(await databaseNames(tab.page)).toEqual([]);
  });

  it('loads with the integrity hash the build wrote to dist/integrity.json, and refuses a wrong one', async () => {
    const hashes = JSON.parse(readFileSync(path.join(distDir, 'integrity.json'), 'utf8')) as Record<
      string,
      string
    >;
    const good = hashes['offerwise.iife.js'];
    expect(good).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/);
    const page = (integrity: string) =>
      `<!doctype html><html><head><link rel="icon" href="data:,"><script src="${IIFE_URL}" integrity="${integrity}" crossorigin="anonymous"></script></head><body></body></html>`;
    const context = await h.newContext();
    const ok = await openPage(context, h.server.page('/sri-good.html', page(good!)));
    expect(await ok.page.evaluate(() => typeof (window as unknown as PageWindow).Offerwise)).toBe(
      'object',
    );
    const bad = await openPage(
      context,
      h.server.page('/sri-bad.html', page(`sha384-${'A'.repeat(64)}`)),
    );
    expect(await bad.page.evaluate(() => typeof (window as unknown as PageWindow).Offerwise)).toBe(
      'undefined',
    );
  });

  it('without data-* it only defines window.Offerwise', async () => {
    const url = h.server.page('/plain.html', sdkPage({}));
    const context = await h.newContext();
    const tab = await openPage(context, url);
    const state = await tab.page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      const ow = await w.Offerwise.createOffers({ consent: 'granted', dbName: 'esm-style' });
      await ow.track({ event: 'view_item', ecommerce: { items: [{ item_id: 'Z' }] } });
      return {
        instance: typeof w.offerwise,
        dataLayer: typeof w.dataLayer,
        counts: (await ow.profile()).eventCounts,
      };
    });
    expect(state).toEqual({
      instance: 'undefined',
      dataLayer: 'undefined',
      counts: { view_item: 1 },
    });
    expect(await databaseNames(tab.page)).toEqual(['esm-style']);
    expect(tab.warnings()).toEqual([]);
    expect(tab.errors).toEqual([]);
  });

  it('ingests gtag("event", ...) calls, which push an arguments object', async () => {
    const url = h.server.page(
      '/gtag.html',
      sdkPage(
        { consent: 'granted' },
        {
          before: `window.dataLayer = []; function gtag() { dataLayer.push(arguments); }
            gtag('event', 'view_item', { currency: 'EUR', items: [{ item_id: 'G-1', item_category: 'Books', price: 9 }] });`,
        },
      ),
    );
    const context = await h.newContext();
    const tab = await openPage(context, url);
    const profile = await tab.page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      const gtag = w.gtag as (...args: unknown[]) => void;
      gtag('event', 'add_to_cart', {
        currency: 'EUR',
        items: [{ item_id: 'G-2', item_category: 'Games', price: 20, quantity: 1 }],
      });
      gtag('config', 'G-XXXX');
      await w.offerwise.settled();
      return w.offerwise.profile();
    });
    expect(tab.errors).toEqual([]);
    expect(profile.eventCounts).toEqual({ view_item: 1, add_to_cart: 1 });
    expect(profile.categories.map((c) => c.category)).toEqual(['games', 'books']);
    expect(profile.cart.lines).toEqual([{ id: 'G-2', category: 'games', price: 20, quantity: 1 }]);
  });
});
