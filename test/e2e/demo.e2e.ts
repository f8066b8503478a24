// Smoke test of the demo shop (`npm run demo`): the page's dataLayer events land in the profile,
// the buttons work, forget() empties it, and nothing breaks under the page's strict CSP.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfileSnapshot } from '../../src/profile/snapshot.js';
import { startDemoServer } from '../../demo/server.mjs';
import { launchChromium } from '../support/browser.mjs';
import { openPage, requireChromium } from '../support/e2e.js';
import type { StaticServer } from '../support/server.mjs';

const hasChromium = requireChromium();

/** The profile JSON the page printed, once it matches `ready`. */
async function shown(page: Page, ready: (p: ProfileSnapshot) => boolean): Promise<ProfileSnapshot> {
  let last: ProfileSnapshot | undefined;
  await expect
    .poll(async () => {
      const text = (await page.locator('#profile').textContent()) ?? '';
      try {
        last = JSON.parse(text) as ProfileSnapshot;
      } catch {
        return false;
      }
      return ready(last);
    })
    .toBe(true);
  return last!;
}

describe.skipIf(!hasChromium)('demo shop', () => {
  let server: StaticServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startDemoServer({ port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the profile, tracks on click, survives a reload, forgets', async () => {
    const context = await browser.newContext();
    const tab = await openPage(context, server.url('/'));
    const first = await shown(tab.page, (p) => p.eventCounts.purchase === 1);
    expect(first.eventCounts).toEqual({ view_item: 1, add_to_cart: 1, purchase: 1 });
    expect(first.purchases.total).toEqual({ count: 1, spend: 148 });

    await tab.page.getByRole('button', { name: 'Track view_item' }).click();
    await shown(tab.page, (p) => p.eventCounts.view_item === 2);
    await expect
      .poll(() => tab.page.locator('#status').textContent())
      .toMatch(/^Tracked view_item/);

    // The page's purchase has a fixed transaction id: a reload counts the event, not the order.
    await tab.page.reload();
    const reloaded = await shown(tab.page, (p) => p.eventCounts.purchase === 2);
    expect(reloaded.eventCounts).toEqual({ view_item: 3, add_to_cart: 2, purchase: 2 });
    expect(reloaded.purchases.total).toEqual({ count: 1, spend: 148 });

    await tab.page.getByRole('button', { name: 'forget()' }).click();
    const forgotten = await shown(tab.page, (p) => Object.keys(p.eventCounts).length === 0);
    expect(forgotten.purchases.total.count).toBe(0);

    expect(tab.errors).toEqual([]);
    expect(tab.console.filter((m) => m.type() === 'error').map((m) => m.text())).toEqual([]);
    expect((await fetch(server.url('/offerwise/offerwise.iife.js'))).status).toBe(200);
    expect((await fetch(server.url('/offerwise/missing.js'))).status).toBe(404);
    await context.close();
  });
});
