// recommend() in real Chromium through the script-tag bundle: the ranking of a tracked shopper
// equals the one the same code computes in Node for the same profile; another tab's tracked
// events reach this tab's recommendations; hostile item names stay text.
import { describe, expect, it } from 'vitest';
import type { OfferwiseConfig } from '../../src/config.js';
import { validateCatalog } from '../../src/catalog/validate.js';
import type { ProfileSnapshot } from '../../src/profile/snapshot.js';
import { rankItems, type Recommendation } from '../../src/recommend/recommend.js';
import { openPage, requireChromium, sdkPage, useHarness, type PageWindow } from '../support/e2e.js';

const hasChromium = requireChromium();

function catalog() {
  const items: Record<string, unknown> = {};
  for (let i = 0; i < 60; i++) {
    items[`sku-${i}`] = {
      name: i === 7 ? '<img src=x onerror="window.pwned=1">' : `Item ${i}`,
      category: `cat${i % 6}`,
      price: 10 + i,
      popularity: (i * 37) % 50,
      neighbours: [1, 2, 3, 5, 8].map((d, k) => [`sku-${(i + d) % 60}`, 1 / (k + 1)]),
    };
  }
  return {
    version: 1,
    server_time: new Date().toISOString(),
    currency: 'EUR',
    placements: { product: { limit: 6 } },
    offers: [],
    items,
  };
}

const view = (i: number) => ({
  event: 'view_item',
  ecommerce: {
    currency: 'EUR',
    items: [
      { item_id: `sku-${i}`, item_name: `Item ${i}`, item_category: `cat${i % 6}`, price: 10 },
    ],
  },
});

interface RecWindow extends PageWindow {
  ow: PageWindow['offerwise'];
  pwned?: number;
}

describe.skipIf(!hasChromium)('recommend() in Chromium', () => {
  const h = useHarness();

  it('ranks as the Node code does for the same profile, and hears another tab’s events', async () => {
    const url = h.server.page('/recs.html', sdkPage({}));
    const context = await h.newContext();
    const a = await openPage(context, url);
    const b = await openPage(context, url);
    const config: OfferwiseConfig = { consent: 'granted', catalog: catalog() };
    for (const tab of [a, b]) {
      await tab.page.evaluate(async (config) => {
        const w = window as unknown as RecWindow;
        w.ow = await w.Offerwise.createOffers(config);
      }, config);
    }
    await a.page.evaluate(
      async (events) => {
        const w = window as unknown as RecWindow;
        for (const e of events) await w.ow.track(e);
      },
      [view(3), view(4), view(7)],
    );
    const first = await a.page.evaluate(async () => {
      const w = window as unknown as RecWindow;
      return {
        rec: await w.ow.recommend({ placement: 'product' }),
        profile: await w.ow.profile(),
      };
    });
    const items = validateCatalog(catalog(), Date.now()).catalog.items;
    const expected = rankItems({ items, profile: first.profile as ProfileSnapshot, limit: 6 });
    expect(first.rec.personalized).toBe(true);
    expect(first.rec.items.map((r) => r.itemId)).toEqual(expected.map((r) => r.itemId));
    expect(first.rec.items[0]!.explanation).toMatch(/^Because you viewed /);

    // Tab B views sku-40: tab A's next recommendations include its neighbours (sku-41 first).
    await b.page.evaluate(async (e) => {
      await (window as unknown as RecWindow).ow.track(e);
    }, view(40));
    let after: Recommendation | undefined;
    for (let i = 0; i < 100; i++) {
      after = await a.page.evaluate(() =>
        (window as unknown as RecWindow).ow.recommend({ placement: 'product' }),
      );
      if (after.items[0]?.itemId === 'sku-41') break;
      await a.page.waitForTimeout(20);
    }
    expect(after!.items[0]).toMatchObject({
      itemId: 'sku-41',
      explanation: 'Because you viewed Item 40',
    });

    // A hostile name is data: it never ran, and comes back as the same text.
    const named = await a.page.evaluate(async () => {
      const w = window as unknown as RecWindow;
      const r = await w.ow.recommend({ placement: 'product', candidates: ['sku-7'] });
      return { name: r.items[0]?.name, pwned: w.pwned };
    });
    expect(named).toEqual({ name: '<img src=x onerror="window.pwned=1">', pwned: undefined });
    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});
