// The offers area's real layout in Chromium at a desktop and a phone width: before its decision
// <ow-offers> reserves exactly what reserve.ts computes (skeletons of a band and two cards), the
// flash sale is a band across the grid as tall as band.ts states, its items in one row that
// scrolls sideways, nothing overflows the page, and the decision arriving moves nothing
// (layout-shift entries sum to 0). No price or value text overflows its box (a four-digit price
// included). Saves test-artifacts/flash-sale-<width>.png (look at them).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bandHeight } from '../../widgets/flash-sale/band.js';
import { reservedHeight } from '../../widgets/offers/reserve.js';
import { openPage, requireChromium, sdkPage, useHarness } from '../support/e2e.js';
import { clippedPrices } from '../support/page-vitals.js';
import { repoRoot } from '../support/server.mjs';

const hasChromium = requireChromium();
const ARTIFACTS = path.join(repoRoot, 'test-artifacts');
const COLOURS = ['#c96', '#69c', '#9c6', '#c69', '#6c9', '#96c', '#cc6', '#6cc'];

function catalog() {
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    version: 1,
    server_time: iso(now),
    currency: 'EUR',
    placements: { home: { limit: 3 } },
    offers: [
      {
        id: 'fs-shoes',
        type: 'flash_sale',
        title: 'Shoes: ten-minute flash sale',
        category: 'shoes',
        starts_at: iso(now - 60_000),
        ends_at: iso(now + 9 * 60_000),
        placements: ['home'],
        // Eight items: more than a desktop row holds, so the row scrolls at both widths.
        items: COLOURS.map((_, k) => ({
          item_id: `sku-${k}`,
          item_name:
            k === 1 ? 'Waterproof leather hiking boot with a long name that wraps' : `Trainer ${k}`,
          url: `/p/sku-${k}`,
          image: `/img/sku-${k}.svg`,
          // One four-digit price: the longest the demo's narrow items must hold.
          price: k === 3 ? 1299 : 80 + k,
          sale_price: k === 3 ? 909.3 : 56 + k,
          stock: 2 + k * 3,
        })),
      },
      {
        id: 'c-10',
        type: 'coupon',
        title: '10% off womens',
        description: 'On everything in Womens.',
        category: 'womens',
        discount: { percent: 10 },
        code: 'WOMEN10',
        valid_to: iso(now + 7 * 86_400_000),
        placements: ['home'],
      },
      {
        id: 'm-ship',
        type: 'member_deal',
        title: 'Free shipping for members',
        description: 'On every order, no minimum.',
        category: 'mens',
        discount: { amount: 5 },
        code: 'SHIPFREE',
        member_only: true,
        placements: ['home'],
      },
    ],
    items: {},
  };
}

function svg(colour: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160"><rect width="160" height="160" fill="${colour}"/></svg>`;
}

interface LayoutWindow {
  shifts: number;
}

/** Sums the layout shifts without recent input from the start of the page. */
function recorder(): void {
  const w = window as unknown as LayoutWindow;
  w.shifts = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & {
      value: number;
      hadRecentInput: boolean;
    })[]) {
      if (!entry.hadRecentInput) w.shifts += entry.value;
    }
  }).observe({ type: 'layout-shift', buffered: true });
}

/**
 * The shop's page. Before the script has defined the element the shop's own CSS reserves the
 * same height (reserve.ts's value for its content width), as docs/widgets.md asks.
 */
const shopPage = (reserve: number) =>
  sdkPage({ consent: 'granted', catalog: '/catalog.json', datalayer: 'off' }).replace(
    '<body></body>',
    [
      '<body style="margin:0;padding:16px;font-family:sans-serif">',
      `<style>ow-offers:not(:defined) { display: block; min-height: ${reserve}px }</style>`,
      '<h1 style="margin:0 0 16px">Offers for you</h1>',
      '<ow-offers placement="home" limit="3" member></ow-offers>',
      '<p id="below" style="margin:16px 0 0">Shop by category</p>',
      '</body>',
    ].join('\n'),
  );

describe.skipIf(!hasChromium)('flash sale layout in Chromium', () => {
  const h = useHarness();

  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ] as const) {
    it(`${width}×${height}: reserves what reserve.ts says, lays the sale out as a band whose items scroll, moves nothing`, async () => {
      // The catalog is held back until the skeletons are measured.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      h.server.route('/catalog.json', async (_req, res) => {
        await held;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(catalog()));
      });
      COLOURS.forEach((colour, k) =>
        h.server.route(`/img/sku-${k}.svg`, { body: svg(colour), type: 'image/svg+xml' }),
      );
      const reserve = reservedHeight({ bands: 1, cards: 2 }, width - 32);
      const url = h.server.page(`/layout-${width}.html`, shopPage(reserve));
      const context = await h.browser.newContext({ viewport: { width, height } });
      await context.addInitScript(recorder);
      const { page, errors } = await openPage(context, url);

      await page.waitForFunction(() =>
        document.querySelector('ow-offers')?.shadowRoot?.querySelector('.skeleton--card'),
      );
      const reserved = await page.evaluate(() => {
        const host = document.querySelector('ow-offers')!;
        const root = host.shadowRoot!;
        const band = root.querySelector('.skeleton--band')!.getBoundingClientRect();
        return {
          width: host.getBoundingClientRect().width,
          height: host.getBoundingClientRect().height,
          band: band.height,
          bands: root.querySelectorAll('.skeleton--band').length,
          cards: root.querySelectorAll('.skeleton--card').length,
          below: document.getElementById('below')!.getBoundingClientRect().top,
        };
      });
      expect(reserved.bands).toBe(1);
      expect(reserved.cards).toBe(2);
      expect(reserved.band).toBe(bandHeight(reserved.width));
      expect(reserved.height).toBe(reservedHeight({ bands: 1, cards: 2 }, reserved.width));

      release();
      await page.waitForFunction(() => {
        const root = document.querySelector('ow-offers')?.shadowRoot;
        const sale = root?.querySelector('ow-flash-sale')?.shadowRoot;
        return (
          !!root?.querySelector('ow-coupon')?.shadowRoot?.querySelector('[part="title"]') &&
          !!root.querySelector('ow-member-deal')?.shadowRoot?.querySelector('[part="title"]') &&
          (sale?.querySelectorAll('[part="item"]').length ?? 0) === 8
        );
      });
      // The images on screen are in (they cannot move anything: their boxes are fixed).
      await page.waitForFunction(() => {
        const img = document
          .querySelector('ow-offers')!
          .shadowRoot!.querySelector('ow-flash-sale')!
          .shadowRoot!.querySelector('img');
        return !!img && img.complete && img.naturalWidth > 0;
      });
      const final = await page.evaluate(() => {
        const host = document.querySelector('ow-offers')!;
        const root = host.shadowRoot!;
        const box = (el: Element) => el.getBoundingClientRect();
        const sale = root.querySelector('ow-flash-sale')!;
        const items = sale.shadowRoot!.querySelector<HTMLElement>('[part="items"]')!;
        const itemBoxes = [...items.querySelectorAll('[part="item"]')].map(box);
        const header = box(sale.shadowRoot!.querySelector('[part="header"]')!);
        const title = box(sale.shadowRoot!.querySelector('[part="title"]')!);
        const timer = box(sale.shadowRoot!.querySelector('[part="timer"]')!);
        const before = items.scrollLeft;
        items.scrollLeft = 400;
        return {
          host: box(host),
          grid: box(root.querySelector('.grid')!),
          sale: box(sale),
          coupon: box(root.querySelector('ow-coupon')!),
          member: box(root.querySelector('ow-member-deal')!),
          itemsBox: box(items),
          itemHeights: [...new Set(itemBoxes.map((b) => b.height))],
          itemsBottom: Math.max(...itemBoxes.map((b) => b.bottom)),
          itemTops: [...new Set(itemBoxes.map((b) => b.top))],
          overflowing: items.scrollWidth > items.clientWidth,
          scrolled: { before, after: items.scrollLeft },
          headerHeight: header.height,
          titleOnTimerRow:
            Math.abs(title.top + title.height / 2 - (timer.top + timer.height / 2)) < 2,
          pageOverflow: document.documentElement.scrollWidth - innerWidth,
          // What sticks out past the viewport, for the failure message.
          outside: (function wide(root: ParentNode): string[] {
            return [...root.querySelectorAll('*')].flatMap((el) => [
              ...(box(el).right > innerWidth ? [`${el.localName}.${el.className}`] : []),
              ...(el.shadowRoot ? wide(el.shadowRoot) : []),
            ]);
          })(document),
          below: document.getElementById('below')!.getBoundingClientRect().top,
          shifts: (window as unknown as LayoutWindow).shifts,
        };
      });
      const narrow = final.grid.width <= 420;
      // The band spans the grid; the cards share the row below it (or stack, on a phone).
      expect(final.sale.width).toBe(final.grid.width);
      expect(final.sale.height).toBe(bandHeight(final.grid.width));
      expect(final.headerHeight).toBe(narrow ? 94 : 44);
      expect(final.titleOnTimerRow).toBe(!narrow);
      expect(Math.min(final.coupon.top, final.member.top)).toBe(final.sale.bottom + 12);
      if (narrow) {
        const [first, second] = [final.coupon, final.member].sort((a, b) => a.top - b.top);
        expect(second!.top).toBe(first!.bottom + 12);
      } else {
        expect(final.member.top).toBe(final.coupon.top);
      }
      // One row of equal items, inside the row's box, scrolling sideways.
      expect(final.itemTops).toHaveLength(1);
      expect(final.itemHeights).toHaveLength(1);
      expect(final.itemsBottom).toBeLessThanOrEqual(final.itemsBox.bottom);
      expect(final.overflowing).toBe(true);
      expect(final.scrolled.before).toBe(0);
      expect(final.scrolled.after).toBeGreaterThan(0);
      expect(final.pageOverflow, final.outside.join(', ')).toBeLessThanOrEqual(0);
      expect((await page.evaluate(clippedPrices, 'ow-offers')).clipped).toEqual([]);
      // The decision took exactly the reserved space: nothing below moved.
      expect(final.host.height).toBe(reserved.height);
      expect(final.below).toBe(reserved.below);
      expect(final.shifts).toBe(0);
      expect(errors).toEqual([]);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.evaluate(() => {
        const sale = document
          .querySelector('ow-offers')!
          .shadowRoot!.querySelector('ow-flash-sale')!;
        sale.shadowRoot!.querySelector<HTMLElement>('[part="items"]')!.scrollLeft = 0;
      });
      await page.locator('ow-offers').screenshot({
        path: path.join(ARTIFACTS, `flash-sale-${width}.png`),
        animations: 'disabled',
      });
      await context.close();
    });
  }
});
