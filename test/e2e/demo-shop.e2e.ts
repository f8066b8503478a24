// The demo shop as QA uses it (`npm run demo`): a shopper's journey from a category page to a
// claimed coupon that reaches the collector exactly once and an order; personas that give
// visibly different offers; the collector's fault switches (the events still arrive once, after
// the faults are cleared), reached through the QA link's token only; the shop's own code under
// denied consent, Global Privacy Control and "Forget me" (no order posted, no decision trace
// kept); every page free of console errors and CSP violations, and the QA panel usable from the
// keyboard. Nothing waits for a fixed time: every check polls.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/server.mjs';
import { launchChromium } from '../support/browser.mjs';
import { collectorState, receivedEvents, receivedOrders } from '../support/demo-qa.js';
import { openPage, requireChromium, type PageWindow, type WatchedPage } from '../support/e2e.js';

const hasChromium = requireChromium();
const POLL = { timeout: 20_000, interval: 200 };

interface Received {
  id: string;
  type: string;
  offerId: string;
  decisionId?: string;
}

/** Records CSP violations of every page of the context (read with `violations(page)`). */
async function watchCsp(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
}
const violations = (page: Page) =>
  page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);

interface Fetched {
  url: string;
  body: string | null;
}

/**
 * Records every `fetch()` the pages of the context make, as it is called: the shop calls it in
 * the click handler that then shows the confirmation, so once that is on screen the record is
 * complete (read with `fetched(page)`).
 */
async function recordFetches(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as { __fetched: Fetched[] };
    w.__fetched = [];
    const original = window.fetch.bind(window);
    window.fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      w.__fetched.push({ url, body: typeof init?.body === 'string' ? init.body : null });
      return original(input, init);
    };
  });
}
const fetched = (page: Page) =>
  page.evaluate(() => (window as unknown as { __fetched: Fetched[] }).__fetched);
const orderPosts = async (page: Page) =>
  (await fetched(page)).filter((f) => new URL(f.url, 'http://x').pathname === '/api/orders');

/** Every value the page's origin keeps in localStorage and sessionStorage, as one text. */
const storedText = (page: Page) =>
  page.evaluate(() =>
    JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }),
  );

/** The shop's decision traces (the keys its order attribution uses), wherever they are. */
const traces = (page: Page) =>
  page.evaluate(() =>
    [localStorage, sessionStorage]
      .flatMap((s) => Object.keys(s))
      .filter((k) => k === 'demo.lastDecision' || k === 'demo.claims')
      .sort(),
  );

/** The offers rendered by the first `<ow-offers>` of the page: id, category, explanation. */
function shownOffers(page: Page) {
  return page.evaluate(() => {
    const host = document.querySelector('ow-offers');
    const cards = [...(host?.shadowRoot?.querySelectorAll('[part~="offer"]') ?? [])] as unknown as {
      decisionId: string;
      offer: { id: string; category: string };
      explanation: string;
    }[];
    return cards.map((c) => ({
      decisionId: c.decisionId,
      id: c.offer.id,
      category: c.offer.category,
      explanation: c.explanation,
    }));
  });
}

function flush(page: Page) {
  return page.evaluate(() => (window as unknown as PageWindow).offerwise.flush());
}

describe.skipIf(!hasChromium)('demo shop', () => {
  let server: DemoServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    server = await startDemoServer({
      port: 0,
      dataDir: mkdtempSync(path.join(tmpdir(), 'offerwise-demo-shop-')),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await browser?.close();
    await server?.close();
  });

  /** A shopper's tab in a fresh context; `gpc`: the browser sends Global Privacy Control. */
  async function newTab(url: string, options: { gpc?: boolean } = {}): Promise<WatchedPage> {
    const context = await browser.newContext({
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    contexts.push(context);
    await watchCsp(context);
    await recordFetches(context);
    if (options.gpc) {
      await context.addInitScript(() =>
        Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {
          get: () => true,
          configurable: true,
        }),
      );
    }
    const tab = await openPage(context, server.url(url));
    await tab.page.waitForFunction(() => {
      const ow = (window as unknown as { offerwise?: unknown }).offerwise;
      return ow !== undefined && !Array.isArray(ow);
    });
    return tab;
  }

  const received = () => receivedEvents<Received>(server);
  const faults = () => collectorState(server);
  const qaLink = (url: string) => `${url}#qa=${server.qaToken}`;

  it('journey: a category page shows its own offer; the claim reaches the collector once; an order', async () => {
    const { page, errors } = await newTab('/');
    await page
      .getByRole('navigation', { name: 'Categories' })
      .getByRole('link', { name: 'Shoes' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Shoes' }).waitFor();
    // The category's slot decides among that category's offers: the offer shown is a shoes one.
    const claim = page
      .locator('ow-offers')
      .getByRole('button', { name: /^Claim/ })
      .first();
    await claim.waitFor({ timeout: 20_000 });
    const [offer] = await shownOffers(page);
    expect(offer!.category).toBe('shoes');
    await claim.click();
    const code = await page.locator('ow-offers').locator('input[readonly]').first().inputValue();
    expect(code).toBe('SHOES15');
    await expect.poll(async () => (await flush(page)).remaining, POLL).toBe(0);
    await expect
      .poll(async () => (await received()).filter((e) => e.type === 'claim').length, POLL)
      .toBe(1);
    const claims = (await received()).filter((e) => e.type === 'claim');
    expect(claims[0]!.offerId).toBe(offer!.id);

    // Product → cart → checkout with the claimed code → order.
    await page.locator('#product-list .card-link').first().click();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await expect.poll(() => page.locator('#cart-count').textContent()).toBe('1');
    await page.getByRole('link', { name: /^Cart/ }).click();
    await page.getByRole('link', { name: 'Checkout' }).click();
    await page.getByLabel('Coupon code').fill(code);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('.note').textContent()).toMatch(/applied/);
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('heading', { name: /order is placed/ }).waitFor();
    expect(await page.locator('#cart-count').textContent()).toBe('0');
    // With consent the order goes to the collector, attributed to the claim's decision.
    const orderId = await page.locator('#confirmation').getAttribute('data-transaction-id');
    expect(await orderPosts(page)).toHaveLength(1);
    await expect
      .poll(async () => (await receivedOrders(server)).find((o) => o.orderId === orderId), POLL)
      .toMatchObject({ decisionId: claims[0]!.decisionId, offerId: offer!.id });
    const profile = await page.evaluate(() =>
      (window as unknown as PageWindow).offerwise.profile(),
    );
    expect(profile.purchases.total.count).toBe(1);
    expect(profile.purchases.discounted).toBe(1);
    expect(profile.eventCounts).toMatchObject({ view_item: 1, add_to_cart: 1, begin_checkout: 1 });
    expect(profile.cart.itemCount).toBe(0);
    // A retried flush sends nothing twice.
    await flush(page);
    const ids = (await received()).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await received()).filter((e) => e.type === 'claim')).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it("personas: women's loyal and men's lapsed see different offers, for reasons of their own", async () => {
    // A device drawn into the sticky 5% holdout sees the shop's own order with generic reasons,
    // whatever its profile: the personas need one that is not (a new browser is a new device).
    let tab!: WatchedPage;
    for (let attempt = 1; attempt <= 5; attempt++) {
      tab = await newTab('/');
      await expect.poll(async () => (await shownOffers(tab.page)).length, POLL).toBeGreaterThan(0);
      const [first] = await shownOffers(tab.page);
      const holdout = await tab.page.evaluate(
        (id) =>
          (
            window as unknown as {
              offerwise: { inspect(id: string): { holdout?: boolean } | undefined };
            }
          ).offerwise.inspect(id)?.holdout === true,
        first!.decisionId,
      );
      if (!holdout) break;
    }
    const { page, errors } = tab;
    await page.getByRole('button', { name: 'QA panel' }).click();
    const panel = page.getByRole('complementary', { name: 'QA panel' });

    const isHoldout = (decisionId: string) =>
      page.evaluate(
        (id) =>
          (
            window as unknown as {
              offerwise: { inspect(id: string): { holdout?: boolean } | undefined };
            }
          ).offerwise.inspect(id)?.holdout === true,
        decisionId,
      );
    const replay = async (label: string, segment: string) => {
      const before = new Set((await shownOffers(page)).map((o) => o.decisionId));
      await panel.getByRole('button', { name: label }).click();
      await expect.poll(() => page.locator('#qa-status').textContent(), POLL).toMatch(/replayed/);
      await expect.poll(() => panel.locator('#qa-profile').textContent(), POLL).toContain(segment);
      // The elements decided again: wait for offers of a new decision.
      await expect
        .poll(async () => {
          const shown = await shownOffers(page);
          return shown.length > 0 && shown.every((o) => !before.has(o.decisionId));
        }, POLL)
        .toBe(true);
      return shownOffers(page);
    };
    const apply = async (label: string, segment: string) => {
      // A persona starts with forget(), which draws the device's holdout seed again: one drawn
      // into the 5% holdout is replayed once more (up to five times), as a new device would be.
      let shown = await replay(label, segment);
      for (let attempt = 1; attempt < 5 && (await isHoldout(shown[0]!.decisionId)); attempt++) {
        shown = await replay(label, segment);
      }
      // The panel inspects that decision: candidates with scores, the shown ones flagged.
      const decision = panel.locator(`[data-decision-id="${shown[0]!.decisionId}"]`);
      await decision.waitFor(POLL);
      expect(await decision.locator('tr.shown').count()).toBe(shown.length);
      expect(await decision.locator('h3').textContent()).toMatch(/home · (model|fallback)/);
      return shown;
    };

    const loyal = await apply("Women's loyal", 'loyal');
    const lapsed = await apply("Men's lapsed", 'lapsed');
    // Explanations are the first true rule. A lapsed shopper's coupons and deals name his men's
    // and shoes purchases or the time since his last order (a flash sale, with no discount, says
    // it ends soon or is generic, depending on the demo's 10-minute sale cycle); a loyal shopper's
    // never say so.
    const lines = (list: typeof loyal) => list.map((o) => `${o.id}: ${o.explanation}`);
    expect(
      lapsed.some((o) => /Mens|Shoes|been a while/.test(o.explanation)),
      lines(lapsed).join('; '),
    ).toBe(true);
    for (const o of loyal) expect(o.explanation).not.toMatch(/Mens|been a while/);
    expect(lines(loyal)).not.toEqual(lines(lapsed));
    expect(errors).toEqual([]);
  });

  it('fault switches: the collector fails, the claim still arrives exactly once afterwards', async () => {
    const { page, errors } = await newTab(qaLink('/category.html?c=womens'));
    const claim = page
      .locator('ow-offers')
      .getByRole('button', { name: /^Claim/ })
      .first();
    await claim.waitFor({ timeout: 20_000 });
    const [offer] = await shownOffers(page);
    await page.getByRole('button', { name: 'QA panel' }).click();
    const panel = page.getByRole('complementary', { name: 'QA panel' });
    const claimsOf = async () =>
      (await received()).filter((e) => e.type === 'claim' && e.offerId === offer!.id).length;

    // Offline: the connection is cut before anything is stored.
    await panel.getByLabel('Offline').check();
    await expect.poll(async () => (await faults()).offline, POLL).toBe(true);
    await claim.click();
    await expect
      .poll(async () => {
        await flush(page);
        return (await faults()).counts.offline;
      }, POLL)
      .toBeGreaterThan(0);
    expect(await claimsOf()).toBe(0);

    // Every request answered 503.
    await panel.getByLabel('Offline').uncheck();
    await panel.getByLabel('Error rate (503)').selectOption('1');
    await expect
      .poll(async () => {
        await flush(page);
        return (await faults()).counts.failed503;
      }, POLL)
      .toBeGreaterThan(0);
    expect(await claimsOf()).toBe(0);

    // Stored, but the answer is lost: the client must send again, the collector dedupes.
    await panel.getByLabel('Error rate (503)').selectOption('0');
    await panel.getByLabel('Drop after commit').check();
    await expect
      .poll(async () => {
        await flush(page);
        return (await faults()).counts.dropped;
      }, POLL)
      .toBeGreaterThan(0);
    await expect.poll(claimsOf, POLL).toBe(1);

    // Faults cleared: the outbox empties, and the claim is still there exactly once.
    await panel.getByLabel('Drop after commit').uncheck();
    await expect
      .poll(async () => {
        const summary = await flush(page);
        return summary.remaining === 0 && summary.reason === 'done';
      }, POLL)
      .toBe(true);
    expect(await claimsOf()).toBe(1);
    expect((await faults()).counts.duplicates).toBeGreaterThan(0);
    const ids = (await received()).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    await expect.poll(() => panel.locator('#qa-outbox').textContent(), POLL).toMatch(/claim \d/);
    expect(errors).toEqual([]);
  });

  it('a fault switch set while the panel reads the switches stays as set', async () => {
    const { page, errors } = await newTab(qaLink('/'));
    await page.getByRole('button', { name: 'QA panel' }).click();
    const panel = page.getByRole('complementary', { name: 'QA panel' });
    const offline = panel.getByLabel('Offline');
    const counts = panel.locator('#qa-fault-counts');
    await expect.poll(() => counts.textContent(), POLL).toMatch(/^Requests \d+: /);
    // The panel reads the switches every 2 s: hold the next read until the box is checked, so
    // that it answers with the switches as they were before (offline: false).
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    await page.route('**/api/faults', async (route) => {
      if (route.request().method() !== 'GET' || !first) return route.continue();
      first = false;
      // Read from the server now, answered after the check: a read from before the change.
      const response = await route.fetch();
      held();
      await released;
      return route.fulfill({ response });
    });
    await holding;
    await offline.check();
    await expect.poll(async () => (await faults()).offline, POLL).toBe(true);
    // The counts line is written with the switches: once it is back, the stale read was handled.
    await counts.evaluate((node) => (node.textContent = ''));
    release();
    await expect.poll(() => counts.textContent(), POLL).toMatch(/^Requests \d+: /);
    expect(await offline.isChecked()).toBe(true);
    await offline.uncheck();
    await expect.poll(async () => (await faults()).offline, POLL).toBe(false);
    expect(errors).toEqual([]);
  });

  /** From a category page: the first product into the cart, checkout (with `code`), order. */
  async function placeOrder(page: Page, code?: string): Promise<string> {
    await page.locator('#product-list .card-link').first().click();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.goto(server.url('/checkout.html'));
    if (code) {
      await page.getByLabel('Coupon code').fill(code);
      await page.getByRole('button', { name: 'Apply' }).click();
      await expect.poll(() => page.locator('.note').textContent()).toMatch(/applied/);
    }
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('heading', { name: /order is placed/ }).waitFor();
    return (await page.locator('#confirmation').getAttribute('data-transaction-id'))!;
  }
  const consentOf = (page: Page) =>
    page.evaluate(() => (window as unknown as PageWindow).offerwise.consent());

  it('the QA link unlocks the collector controls; without it the panel says how to get the token', async () => {
    const { page, errors } = await newTab('/');
    await page.getByRole('button', { name: 'QA panel' }).click();
    const panel = page.getByRole('complementary', { name: 'QA panel' });
    await expect
      .poll(() => panel.locator('#qa-outbox').textContent(), POLL)
      .toMatch(/needs the QA link/);
    expect(await panel.locator('#qa-locked').textContent()).toMatch(
      /open the QA link `npm run demo` printed \(it ends in #qa=…\) in this tab/,
    );
    expect(await panel.getByLabel('Offline').isDisabled()).toBe(true);
    expect((await fetched(page)).filter((f) => f.url.includes('/api/faults'))).toEqual([]);

    // The link's fragment goes into this tab's sessionStorage and out of the address bar.
    await page.goto(server.url(qaLink('/cart.html')));
    await expect
      .poll(() => panel.locator('#qa-fault-counts').textContent(), POLL)
      .toMatch(/^Requests \d+: /);
    expect(await page.evaluate(() => location.href)).toBe(server.url('/cart.html'));
    expect(await page.evaluate(() => sessionStorage.getItem('demo.qa-token'))).toBe(
      JSON.stringify(server.qaToken),
    );
    expect(await panel.locator('#qa-locked').isHidden()).toBe(true);
    expect(await panel.getByLabel('Offline').isEnabled()).toBe(true);
    // The next page of the tab keeps it.
    await page.goto(server.url('/'));
    await expect
      .poll(() => panel.locator('#qa-outbox').textContent(), POLL)
      .toMatch(/Collector received(impression|claim|nothing yet)/);
    expect(errors).toEqual([]);
  });

  it('denied consent and Global Privacy Control: the shop posts no order and keeps no decision trace', async () => {
    // Consent withdrawn in the QA panel after the shop recorded a decision.
    const { page, errors } = await newTab('/category.html?c=shoes');
    await page
      .locator('ow-offers')
      .getByRole('button', { name: /^Claim/ })
      .first()
      .waitFor(POLL);
    await expect.poll(() => traces(page), POLL).toEqual(['demo.lastDecision']);
    await page.getByRole('button', { name: 'QA panel' }).click();
    await page.getByLabel('Consent').selectOption('denied');
    await expect
      .poll(() => page.locator('#qa-status').textContent(), POLL)
      .toBe('Consent: denied.');
    expect(await traces(page)).toEqual([]);
    const denied = await placeOrder(page);
    // The choice was kept for the next pages (the checkout page started denied).
    expect(await consentOf(page)).toBe('denied');
    expect(await orderPosts(page)).toEqual([]);
    expect(await traces(page)).toEqual([]);

    // Global Privacy Control from the first page on: the shop never records a decision.
    const gpc = await newTab('/category.html?c=shoes', { gpc: true });
    expect(await consentOf(gpc.page)).toBe('denied');
    const withGpc = await placeOrder(gpc.page);
    expect(await orderPosts(gpc.page)).toEqual([]);
    expect(await traces(gpc.page)).toEqual([]);

    const orderIds = (await receivedOrders(server)).map((o) => o.orderId);
    expect(orderIds).not.toContain(denied);
    expect(orderIds).not.toContain(withGpc);
    expect([...errors, ...gpc.errors]).toEqual([]);
  });

  it('"Forget me" and the privacy page’s erase leave no trace of earlier decisions', async () => {
    const { page, errors } = await newTab('/category.html?c=shoes');
    const claim = page
      .locator('ow-offers')
      .getByRole('button', { name: /^Claim/ })
      .first();
    await claim.waitFor(POLL);
    const [offer] = await shownOffers(page);
    const forgotten = offer!.decisionId;
    await claim.click();
    const code = await page.locator('ow-offers').locator('input[readonly]').first().inputValue();
    await expect.poll(() => traces(page), POLL).toEqual(['demo.claims', 'demo.lastDecision']);
    expect(await storedText(page)).toContain(forgotten);
    await page.getByRole('button', { name: 'QA panel' }).click();
    const panel = page.getByRole('complementary', { name: 'QA panel' });
    await panel.locator(`[data-decision-id="${forgotten}"]`).waitFor(POLL);

    await panel.getByRole('button', { name: 'Forget me' }).click();
    await expect.poll(() => page.locator('#qa-status').textContent(), POLL).toMatch(/^Forgotten/);
    expect(await storedText(page)).not.toContain(forgotten);
    await expect
      .poll(() => panel.locator(`[data-decision-id="${forgotten}"]`).count(), POLL)
      .toBe(0);
    // The slot decided again: the shop may keep that new decision (consent is still granted).
    await expect.poll(() => traces(page), POLL).toEqual(['demo.lastDecision']);

    // An order with the code claimed before is not tied to the forgotten decision.
    const orderId = await placeOrder(page, code);
    const posts = await orderPosts(page);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).not.toContain(forgotten);
    await expect
      .poll(async () => (await receivedOrders(server)).some((o) => o.orderId === orderId), POLL)
      .toBe(true);
    const order = (await receivedOrders(server)).find((o) => o.orderId === orderId)!;
    expect(order.decisionId).not.toBe(forgotten);

    // The privacy page's "Erase my data" (<ow-my-data>) goes through the same instance.
    await page.goto(server.url('/privacy.html'));
    const myData = page.locator('ow-my-data');
    await myData.getByRole('button', { name: 'Erase my data' }).click();
    await myData.getByRole('button', { name: 'Yes, erase' }).click();
    await expect.poll(() => myData.getByText('Your data was erased.').count(), POLL).toBe(1);
    expect(await traces(page)).toEqual([]);
    expect(await storedText(page)).not.toContain(order.decisionId as string);
    expect(errors).toEqual([]);
  });

  it('every page: no console error, no CSP violation; the QA panel works from the keyboard', async () => {
    const tab = await newTab('/');
    const { page } = tab;
    const product = await page.evaluate(
      () =>
        (window as unknown as { SHOP: { products: { item_id: string }[] } }).SHOP.products[3]!
          .item_id,
    );
    const pages = [
      '/',
      '/category.html?c=mens',
      `/product.html?id=${product}`,
      '/search.html?q=boot',
      '/cart.html',
      '/checkout.html',
      '/privacy.html',
    ];
    for (const url of pages) {
      if (url !== '/') await page.goto(server.url(url));
      await page.waitForFunction(() => {
        const ow = (window as unknown as { offerwise?: unknown }).offerwise;
        return ow !== undefined && !Array.isArray(ow);
      });
      if (url.startsWith('/product')) {
        // The strip ranks items for this shopper and never proposes the product on screen.
        const strip = page.locator('ow-recommendations');
        await expect.poll(() => strip.getByRole('listitem').count(), POLL).toBeGreaterThan(0);
        await page.getByRole('button', { name: 'Add to cart' }).click();
      }
      if (url.startsWith('/privacy'))
        await page.locator('ow-my-data').getByRole('switch').waitFor();
      expect(await violations(page), url).toEqual([]);
      // What the page tracked is committed before the next navigation (a shopper clicking on at
      // once can leave an event of this page behind; that is not what this test is about).
      await page.evaluate(() =>
        (window as unknown as { offerwise: { settled(): Promise<void> } }).offerwise.settled(),
      );
    }
    // The search pushed a GA4 search event; the product page a view_item.
    const profile = await page.evaluate(() =>
      (window as unknown as PageWindow).offerwise.profile(),
    );
    expect(profile.eventCounts).toMatchObject({ search: 1, view_item: 1, view_cart: 1 });

    // Keyboard: the toggle opens the panel, Escape closes it and gives the focus back.
    const toggle = page.getByRole('button', { name: 'QA panel' });
    await toggle.focus();
    await page.keyboard.press('Enter');
    const panel = page.getByRole('complementary', { name: 'QA panel' });
    await panel.waitFor();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => panel.locator('#qa-profile').textContent(), POLL).toMatch(/Segment/);
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('QA panel');

    expect(tab.errors).toEqual([]);
    expect(tab.console.filter((m) => m.type() === 'error').map((m) => m.text())).toEqual([]);
  });
});
