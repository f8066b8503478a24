// recommend() in real Chromium through the script-tag bundle: the ranking of a tracked shopper
// equals the one the same code computes in Node for the same profile; another tab's tracked
// events reach this tab's recommendations; hostile item names stay text; one <ow-recommendations>
// strip per mode shows what that mode promises (screenshots in test-artifacts/).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OfferwiseConfig } from '../../src/config.js';
import { validateCatalog } from '../../src/catalog/validate.js';
import type { ProfileSnapshot } from '../../src/profile/snapshot.js';
import {
  rankItems,
  type Recommendation,
  type RecommendMode,
} from '../../src/recommend/recommend.js';
import { openPage, requireChromium, sdkPage, useHarness, type PageWindow } from '../support/e2e.js';
import { repoRoot } from '../support/server.mjs';

const hasChromium = requireChromium();
const ARTIFACTS = path.join(repoRoot, 'test-artifacts');

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
  event: 'view_item' as const,
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
    expect(first.rec.items.map((r) => r.explanation)).toEqual(expected.map((r) => r.explanation));
    expect(first.rec.items.map((r) => r.explanation)).toContain('Because you viewed Item 7');

    // Tab B views sku-40: tab A's next recommendations include its neighbours (sku-41 first).
    // `discover`, because `for-you` may put sku-40 itself first (viewed in this visit).
    await b.page.evaluate(async (e) => {
      await (window as unknown as RecWindow).ow.track(e);
    }, view(40));
    let after: Recommendation | undefined;
    for (let i = 0; i < 100; i++) {
      after = await a.page.evaluate(() =>
        (window as unknown as RecWindow).ow.recommend({ placement: 'product', mode: 'discover' }),
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

  it('renders a strip per mode: what the shopper viewed, what is new, and both', async () => {
    const url = h.server.page('/recs.html', sdkPage({}));
    const tab = await openPage(await h.newContext(), url);
    const config: OfferwiseConfig = { consent: 'granted', catalog: catalog() };
    const modes: RecommendMode[] = ['for-you', 'discover', 'recently-viewed'];
    // The shopper viewed these, oldest first; the page shows sku-25, so no strip offers it.
    const viewed = [12, 25, 31, 44];
    const exclude = ['sku-25'];
    const shown = await tab.page.evaluate(
      async ({ config, events, modes, exclude }) => {
        const w = window as unknown as RecWindow;
        w.ow = await w.Offerwise.createOffers(config);
        for (const e of events) await w.ow.track(e);
        await w.Offerwise.load(); // the second file defines the elements
        for (const mode of modes) {
          const strip = document.createElement('ow-recommendations');
          Object.assign(strip, { offerwise: w.ow, exclude });
          strip.setAttribute('placement', 'product');
          strip.setAttribute('mode', mode);
          strip.style.display = 'block';
          strip.style.marginBlockEnd = '16px';
          document.body.append(strip);
        }
        const strips = [...document.querySelectorAll('ow-recommendations')];
        const settled = (s: Element) =>
          s.hasAttribute('empty') ||
          (s.shadowRoot?.querySelector('[part="item"]') !== null &&
            s.shadowRoot?.querySelector('[part="placeholder"]') === null);
        await new Promise<void>((resolve) => {
          const check = () => (strips.every(settled) ? resolve() : requestAnimationFrame(check));
          check();
        });
        return strips.map((s) => ({
          mode: s.getAttribute('mode'),
          heading: s.shadowRoot!.getElementById('heading')?.textContent,
          names: [...s.shadowRoot!.querySelectorAll('[part="name"]')].map((n) => n.textContent),
        }));
      },
      { config, events: viewed.map(view), modes, exclude },
    );
    const items = validateCatalog(catalog(), Date.now()).catalog.items;
    const idOf = new Map(Object.entries(items).map(([id, item]) => [item.name, id]));
    const ids = shown.map((s) => s.names.map((n) => idOf.get(n!) ?? `?${n}`));
    expect(shown.map((s) => [s.mode, s.heading])).toEqual([
      ['for-you', 'Recommended for you'],
      ['discover', 'Discover something new'],
      ['recently-viewed', 'Recently viewed'],
    ]);
    const [forYou, discover, recent] = ids as [string[], string[], string[]];

    // The viewed items, newest first, without the one on the page.
    expect(recent).toEqual(['sku-44', 'sku-31', 'sku-12']);

    const profile = (await tab.page.evaluate(() =>
      (window as unknown as RecWindow).ow.profile(),
    )) as ProfileSnapshot;
    const rank = (mode: RecommendMode) =>
      rankItems({ items, profile, limit: 6, mode, exclude }).map((r) => r.itemId);
    // Nothing viewed; a full strip (the catalog has plenty more), ranked as in Node.
    expect(discover).toHaveLength(6);
    expect(discover.filter((id) => viewed.includes(Number(id.slice(4))))).toEqual([]);
    expect(discover).toEqual(rank('discover'));
    // Led by the newest view's first neighbour (weight 1; any older view's count less). The
    // order after it depends on weights still being tuned: the Node ranking above pins it.
    expect(discover[0]).toBe('sku-45');
    // The newest view comes back among the first (its repeat score is on the scale of a first
    // neighbour's weight); the excluded view never shows.
    expect(forYou).toEqual(rank('for-you'));
    expect(forYou.slice(0, 3)).toContain('sku-44');
    expect(forYou).not.toContain('sku-25');

    mkdirSync(ARTIFACTS, { recursive: true });
    const strips = tab.page.locator('ow-recommendations');
    for (const [i, mode] of modes.entries()) {
      await strips.nth(i).screenshot({ path: path.join(ARTIFACTS, `recommendations-${mode}.png`) });
    }
    const diagnostics = await tab.page.evaluate(() =>
      (window as unknown as RecWindow).ow.diagnostics().map((d) => d.code),
    );
    expect(diagnostics).toEqual([]);
    expect(tab.errors).toEqual([]);
  });
});
