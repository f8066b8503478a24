// Smoke test of the demo's SDK playground (/playground.html of `npm run demo`): the page's dataLayer events land in the profile,
// the buttons work, forget() empties it, and nothing breaks under the page's strict CSP.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfileSnapshot } from '../../src/profile/snapshot.js';
import { startDemoServer, type DemoServer } from '../../demo/server.mjs';
import { launchChromium } from '../support/browser.mjs';
import { receivedEvents } from '../support/demo-qa.js';
import { openPage, requireChromium } from '../support/e2e.js';

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
  let server: DemoServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startDemoServer({
      port: 0,
      dataDir: mkdtempSync(path.join(tmpdir(), 'offerwise-demo-')),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the profile, tracks on click, survives a reload, forgets', async () => {
    const context = await browser.newContext();
    const tab = await openPage(context, server.url('/playground.html'));
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

  it('shows every element; a claimed coupon reaches the collector exactly once', async () => {
    const context = await browser.newContext({
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const tab = await openPage(context, server.url('/playground.html'));
    const offers = tab.page.locator('ow-offers');
    const claim = offers.getByRole('button', { name: /^Claim/ }).first();
    await claim.waitFor();
    await expect
      .poll(() => tab.page.locator('ow-recommendations').getByRole('listitem').count(), {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    await tab.page.locator('ow-my-data').getByRole('switch').waitFor();
    await claim.click();
    // The revealed code is a catalog code.
    const code = await offers.locator('input[readonly]').first().inputValue();
    expect(code).toMatch(/^[A-Z]+\d*$/);
    await tab.page.evaluate(() =>
      (window as unknown as { offerwise: { flush(): Promise<unknown> } }).offerwise.flush(),
    );
    const received = () => receivedEvents<{ id: string; type: string; offerId: string }>(server);
    await expect
      .poll(async () => (await received()).filter((e) => e.type === 'claim').length, {
        timeout: 15_000,
      })
      .toBe(1);
    // Impressions of the offers on screen arrive too, each once.
    await expect
      .poll(async () => (await received()).filter((e) => e.type === 'impression').length, {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    const ids = (await received()).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(tab.errors).toEqual([]);
    await context.close();
  });
});
