// <ow-my-data> in Chromium at a desktop and a phone width, with a paragraph below it: while the
// profile is read (held back here until the skeleton is measured) the facts list reserves five
// lines, and the facts arriving take exactly that room (a new shopper's facts, each one line: no
// layout shift at all), or, when facts wrap (five long product names on a phone), grow it by the
// extra lines only, in one layout change.
import { describe, expect, it } from 'vitest';
import { openPage, requireChromium, sdkPage, useHarness, type PageWindow } from '../support/e2e.js';
import { layoutShifts, prepareContext } from '../support/page-vitals.js';

const hasChromium = requireChromium();

const shopPage = sdkPage({ consent: 'granted', datalayer: 'off' }).replace(
  '<body></body>',
  [
    '<body style="margin:0;padding:16px;font:15px/1.5 sans-serif">',
    '<h1 style="margin:0 0 16px">Your data</h1>',
    '<p id="below" style="margin:16px 0 0">Questions? Write to privacy@example.com.</p>',
    '</body>',
  ].join('\n'),
);

const LONG_NAMES = [
  'Waterproof leather hiking boot with a padded collar',
  'Merino wool crew-neck jumper in heather grey',
  'High-rise straight-leg selvedge denim jeans',
  'Packable insulated hooded jacket for cold mornings',
  'Organic cotton Breton top with three-quarter sleeves',
];

describe.skipIf(!hasChromium)('<ow-my-data> reserves its facts list', () => {
  const h = useHarness();

  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ] as const) {
    for (const shopper of ['new', 'long names'] as const) {
      it(`${width}×${height}, ${shopper}: the facts take the reserved lines, longer ones grow it once`, async () => {
        const url = h.server.page(`/my-data-${width}.html`, shopPage);
        const context = await h.browser.newContext({ viewport: { width, height } });
        await prepareContext(context);
        const { page, errors } = await openPage(context, url);

        const names = shopper === 'new' ? [] : LONG_NAMES;
        // The element reads the profile through a stand-in that holds the real profile back.
        await page.evaluate(async (names) => {
          await customElements.whenDefined('ow-my-data');
          const w = window as unknown as PageWindow & { release(): void };
          const ow = w.offerwise;
          for (const [k, name] of names.entries()) {
            await ow.track({
              event: 'view_item',
              ecommerce: {
                currency: 'EUR',
                items: [{ item_id: `sku-${k}`, item_name: name, item_category: `cat${k}` }],
              },
            });
          }
          const profile = await ow.profile();
          let release!: () => void;
          const held = new Promise<void>((resolve) => (release = resolve));
          w.release = release;
          const el = document.createElement('ow-my-data');
          el.offerwise = {
            profile: async () => (await held, profile),
            consent: () => ow.consent(),
          } as unknown as typeof ow;
          document.getElementById('below')!.before(el);
          await el.updateComplete;
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        }, names);

        const measure = () =>
          page
            .evaluate(() => {
              const el = document.querySelector('ow-my-data')!;
              const root = el.shadowRoot!;
              const list = root.querySelector('[part="facts"]')!;
              const lineHeight = parseFloat(getComputedStyle(list).lineHeight);
              return {
                lineHeight,
                list: list.getBoundingClientRect().height,
                storage: root.querySelector('[part="storage"]')!.getBoundingClientRect().height,
                placeholders: root.querySelectorAll('[part="fact-placeholder"]').length,
                // How many lines each fact takes.
                lines: [...root.querySelectorAll('[part="fact"]')].map((f) =>
                  Math.round(f.getBoundingClientRect().height / lineHeight),
                ),
                below: document.getElementById('below')!.getBoundingClientRect().top,
              };
            })
            .then(async (m) => ({ ...m, shifts: (await layoutShifts(page)).shifts }));
        const reserved = await measure();
        expect(reserved.placeholders).toBe(5);

        await page.evaluate(() => (window as unknown as { release(): void }).release());
        await page.waitForFunction(
          () =>
            (document.querySelector('ow-my-data')?.shadowRoot?.querySelectorAll('[part="fact"]')
              .length ?? 0) === 5,
          undefined,
          { polling: 'raf' },
        );
        await page.evaluate(
          () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
        );
        const final = await measure();
        expect(final.placeholders).toBe(0);
        expect(final.lines).toHaveLength(5);
        // The storage sentence took the room its reserve held.
        expect(final.storage).toBe(reserved.storage);
        const extra = final.lines.reduce((sum, n) => sum + n - 1, 0);
        const grown = final.list - reserved.list;
        expect(grown).toBeCloseTo(extra * final.lineHeight, 1);
        expect(final.below - reserved.below).toBeCloseTo(grown, 1);
        // Inserting the element moved the paragraph (this page has no room reserved for it);
        // what counts is what the facts arriving did.
        const arrival = final.shifts.slice(reserved.shifts.length);
        if (extra === 0) {
          expect(arrival).toEqual([]);
        } else {
          // One layout change, at the render that showed the facts.
          expect(arrival).toHaveLength(1);
        }
        if (shopper === 'new') expect(extra).toBe(0);
        if (shopper === 'long names' && width === 390) expect(extra).toBeGreaterThan(0);
        expect(errors).toEqual([]);
        await context.close();
      });
    }
  }
});
