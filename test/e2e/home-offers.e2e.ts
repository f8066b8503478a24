// The demo home page's offers slot with each kind of decision it can get: a flash sale with two
// cards, or three cards and no flash sale (forced through the catalog the page receives, since
// the decision's own choice varies from shopper to shopper). At 1280×900 and 390×844, cold (the
// warm load is page-vitals.e2e.ts's): the layout shifts add up to less than 0.01, no blank floor
// is left under the offers (the slot is exactly as tall as what it shows), and no price or value
// text of any offer type overflows its box. Screenshots go to test-artifacts/home-offers/.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireChromium } from '../support/e2e.js';
import { repoRoot } from '../support/server.mjs';
import {
  VIEWPORTS,
  clippedPrices,
  layoutShifts,
  prepareContext,
  useDemoShop,
  waitForSettled,
  type ViewportName,
} from '../support/page-vitals.js';

const hasChromium = requireChromium();
const CLS_LIMIT = 0.01;
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'home-offers');

type Outcome = 'flash-sale' | 'no-flash-sale';

interface CatalogOffer {
  id: string;
  type: string;
  category: string;
  placements: string[];
  min_spend?: number;
}

/**
 * The offers the home placement keeps for each outcome, one of each type the outcome has: the
 * live flash sale (the first listed; the next one, within its lead time, would be a second band),
 * a coupon of another category (the decision shows one offer per category) without a minimum
 * spend, and a members' deal (the shopper is a member); or two coupons and a members' deal.
 */
function homeOffers(offers: CatalogOffer[], outcome: Outcome): Set<string> {
  const sale = offers.find((o) => o.type === 'flash_sale')!;
  const coupons = offers.filter(
    (o) => o.type === 'coupon' && !o.min_spend && o.category !== sale.category,
  );
  const deals = offers.filter((o) => o.type === 'member_deal');
  const categories = new Set([sale.category]);
  const keep =
    outcome === 'flash-sale'
      ? [sale, coupons[0]!, deals.find((d) => !categories.has(d.category))!]
      : [coupons[0]!, coupons[1]!, deals.find((d) => d.category !== coupons[0]!.category)!];
  return new Set(keep.map((o) => o.id));
}

/** Rewrites the catalog the page gets so that the home decision can only be `outcome`. */
async function forceOutcome(context: BrowserContext, outcome: Outcome): Promise<void> {
  await context.route('**/api/catalog', async (route) => {
    const response = await route.fetch();
    const catalog = (await response.json()) as { offers: CatalogOffer[] };
    const keep = homeOffers(catalog.offers, outcome);
    for (const offer of catalog.offers) {
      if (keep.has(offer.id)) continue;
      offer.placements = offer.placements.filter((p) => p !== 'home');
      // No placements means every placement: park it in the cart's, which shows coupons only.
      if (offer.placements.length === 0) offer.placements = ['cart'];
    }
    await route.fulfill({ response, json: catalog });
  });
  // A member (the demo's switch): members' deals are for members only.
  await context.addInitScript(() => localStorage.setItem('demo.member', 'true'));
}

describe.skipIf(!hasChromium)('demo home: the offers slot with and without a flash sale', () => {
  const shop = useDemoShop('home-offers');
  beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));

  async function check(viewport: ViewportName, outcome: Outcome): Promise<void> {
    const context = await shop.browser().newContext({ viewport: VIEWPORTS[viewport] });
    try {
      await prepareContext(context);
      await forceOutcome(context, outcome);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      // Cold only: a warm load shows the cached decision (the same outcome), which
      // page-vitals.e2e.ts measures on every page.
      for (const load of ['cold']) {
        await page.goto(shop.server().url('/'), { waitUntil: 'domcontentloaded' });
        await waitForSettled(page);
        const { cls, shifts } = await layoutShifts(page);
        const slot = await page.evaluate(() => {
          const host = document.querySelector('ow-offers')!;
          const root = host.shadowRoot!;
          const box = (el: Element) => el.getBoundingClientRect();
          const offers = [...root.querySelectorAll('[part~="offer"]')];
          return {
            types: offers.map((offer) => offer.localName),
            host: box(host).height,
            content: box(root.querySelector('.grid')!).height,
            offers: box(document.querySelector('.home-offers')!),
            shelves: box(document.querySelector('.home-shelves')!),
          };
        });
        const prices = await page.evaluate(clippedPrices, 'ow-offers');
        const label = `${viewport} ${outcome} ${load}`;
        expect(
          cls,
          `${label}: ${shifts.map((s) => `${s.value.toFixed(4)} ${s.moved.join(', ')}`).join('; ')}`,
        ).toBeLessThan(CLS_LIMIT);
        // The band first; the cards in the decision's order.
        expect(slot.types[0] === 'ow-flash-sale', label).toBe(outcome === 'flash-sale');
        expect([...slot.types].sort(), label).toEqual(
          outcome === 'flash-sale'
            ? ['ow-coupon', 'ow-flash-sale', 'ow-member-deal']
            : ['ow-coupon', 'ow-coupon', 'ow-member-deal'],
        );
        // No floor: the slot is as tall as the offers it shows.
        expect(slot.host, label).toBe(slot.content);
        expect(prices.clipped, label).toEqual([]);
        expect(prices.checked, label).toBeGreaterThanOrEqual(3);
        if (viewport === 'desktop') {
          // A column of its own, beside the shelves.
          expect(slot.offers.left, label).toBeGreaterThanOrEqual(slot.shelves.right);
        } else {
          // Above the shelves, its shortest outcome still ending below the fold.
          expect(slot.shelves.top, label).toBeGreaterThan(VIEWPORTS.mobile.height);
        }
      }
      await page.screenshot({
        path: path.join(ARTIFACTS, `home-${VIEWPORTS[viewport].width}-${outcome}.png`),
      });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }

  it.concurrent('at 1280×900', async () => {
    await check('desktop', 'flash-sale');
    await check('desktop', 'no-flash-sale');
  });
  it.concurrent('at 390×844', async () => {
    await check('mobile', 'flash-sale');
    await check('mobile', 'no-flash-sale');
  });
});
