// What the page-vitals browser test (and anyone measuring the demo by hand) needs: the demo's
// pages, the two viewports, a layout-shift recorder installed before the page's own scripts, and
// a wait for the offerwise elements to settle that is a condition, never a fixed time.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/server.mjs';
import { launchChromium } from './browser.mjs';

/** One demo page; `cart`: the shopper has these lines in the cart before the page loads. */
export interface DemoPage {
  name: string;
  path: string;
  cart?: { item_id: string; quantity: number }[];
}

const CART = [
  { item_id: 'WOM-101', quantity: 1 },
  { item_id: 'SHO-101', quantity: 2 },
];

/** Every page of the demo shop a shopper reaches (the SDK playground is a developer page). */
export const DEMO_PAGES: readonly DemoPage[] = [
  { name: 'home', path: '/' },
  { name: 'category', path: '/category.html?c=womens' },
  { name: 'product', path: '/product.html?id=WOM-101' },
  { name: 'search', path: '/search.html?q=shoe' },
  { name: 'cart', path: '/cart.html', cart: CART },
  { name: 'checkout', path: '/checkout.html', cart: CART },
  { name: 'privacy', path: '/privacy.html' },
];

/** A laptop and a phone (the widths the issue measured). */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  mobile: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

/** One layout shift: its score, when, and what moved (`tag#id.class y/height→y/height`). */
export interface Shift {
  value: number;
  time: number;
  moved: string[];
}

interface VitalsWindow {
  __shifts: Shift[];
}

/**
 * Runs in the page before any of its scripts (an init script): records every layout shift
 * without recent input, buffered from navigation start, and remembers on each `<ow-offers>` the
 * source of the last decision it put on screen (to know when a cached one may still be replaced).
 */
function recordVitals(): void {
  const w = window as unknown as VitalsWindow;
  w.__shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & {
      value: number;
      hadRecentInput: boolean;
      sources?: { node?: Node; previousRect: DOMRectReadOnly; currentRect: DOMRectReadOnly }[];
    })[]) {
      if (entry.hadRecentInput) continue;
      w.__shifts.push({
        value: entry.value,
        time: Math.round(entry.startTime),
        moved: (entry.sources ?? []).map((s) => {
          const node = s.node;
          const name =
            node instanceof Element
              ? `${node.localName}${node.id ? `#${node.id}` : ''}${[...node.classList].map((c) => `.${c}`).join('')}`
              : (node?.nodeName ?? '?');
          return (
            `${name} ${Math.round(s.previousRect.y)}/${Math.round(s.previousRect.height)}→` +
            `${Math.round(s.currentRect.y)}/${Math.round(s.currentRect.height)}`
          );
        }),
      });
    }
  }).observe({ type: 'layout-shift', buffered: true });
  addEventListener('ow-decision', (event) => {
    const detail = (event as CustomEvent<{ source: string }>).detail;
    (event.target as Element & { __owSource?: string }).__owSource = detail.source;
  });
}

/** Installs the recorder in every page of the context. */
export async function prepareContext(context: BrowserContext): Promise<void> {
  await context.addInitScript(recordVitals);
}

/** Puts `lines` in the demo shop's cart (its localStorage key), before the page's scripts run. */
export async function seedCart(context: BrowserContext, lines: DemoPage['cart']): Promise<void> {
  if (!lines) return;
  await context.addInitScript((value) => {
    if (localStorage.getItem('demo.cart') === null) localStorage.setItem('demo.cart', value);
  }, JSON.stringify(lines));
}

/**
 * Resolves once every `<ow-offers>` and `<ow-recommendations>` of the page has settled (rendered
 * its decision or list, or set `empty`), every offerwise element has finished updating, and two
 * animation frames have passed (so the last layout is painted and its shifts reported). A
 * cached decision counts as settled only while it is on screen: off screen, `<ow-offers>` swaps
 * in the fresh one when it arrives, so the wait goes on until then.
 */
export async function waitForSettled(page: Page, timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const offersDone = [...document.querySelectorAll('ow-offers')].every((el) => {
        if (el.hasAttribute('empty')) return true;
        const rendered = (el.shadowRoot?.querySelectorAll('[part~="offer"]').length ?? 0) > 0;
        const source = (el as Element & { __owSource?: string }).__owSource;
        if (!rendered || source === undefined) return false;
        if (source !== 'cache') return true;
        const box = el.getBoundingClientRect();
        return box.bottom > 0 && box.top < innerHeight;
      });
      const recsDone = [...document.querySelectorAll('ow-recommendations')].every(
        (el) => el.hasAttribute('empty') || el.shadowRoot?.querySelector('[part~="item"]') !== null,
      );
      return offersDone && recsDone;
    },
    undefined,
    { timeout, polling: 'raf' },
  );
  await page.evaluate(async () => {
    // No named inner functions: the test runner's transform would wrap them in a helper the
    // page does not have.
    const pending: Promise<unknown>[] = [];
    const roots: (Document | ShadowRoot)[] = [document];
    for (let root = roots.pop(); root; root = roots.pop()) {
      for (const el of root.querySelectorAll('*')) {
        const update = (el as Element & { updateComplete?: Promise<unknown> }).updateComplete;
        if (el.localName.startsWith('ow-') && update) pending.push(update);
        if (el.shadowRoot) roots.push(el.shadowRoot);
      }
    }
    await Promise.all(pending);
    await document.fonts.ready;
    for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
  });
}

/** The shifts recorded since the page's navigation, and their sum (the page's CLS so far). */
export async function layoutShifts(page: Page): Promise<{ cls: number; shifts: Shift[] }> {
  const shifts = await page.evaluate(() => (window as unknown as VitalsWindow).__shifts);
  return { cls: shifts.reduce((sum, s) => sum + s.value, 0), shifts };
}

/**
 * The demo shop on a free port with an empty data folder, and one Chromium, for a test file's
 * pages (started before its tests, closed after). `name` labels the temporary data folder.
 */
export function useDemoShop(name: string): { server(): DemoServer; browser(): Browser } {
  let server: DemoServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await startDemoServer({
      port: 0,
      dataDir: mkdtempSync(path.join(tmpdir(), `offerwise-${name}-`)),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return { server: () => server!, browser: () => browser! };
}

/**
 * Runs in the page (`page.evaluate(clippedPrices, selector)`): the price and value texts of the
 * offers inside the element `hostSelector` (an `ow-offers`) that are wider than their own box or
 * reach past their item's or card's edge, as `part "text" scrollWidth>clientWidth`, and how many
 * were checked. No named inner functions: the test runner's transform would wrap them in a
 * helper the page does not have.
 */
export function clippedPrices(hostSelector: string): { clipped: string[]; checked: number } {
  const root = document.querySelector(hostSelector)!.shadowRoot!;
  const box = (el: Element) => el.getBoundingClientRect();
  const parts = [
    root,
    ...[...root.querySelectorAll('[part~="offer"]')].map((o) => o.shadowRoot!),
  ].flatMap((r) => [
    ...r.querySelectorAll<HTMLElement>(
      '[part~="price"], [part~="sale-price"], [part~="was-price"], [part~="value"]',
    ),
  ]);
  const clipped = parts
    .filter((el) => {
      const outer = el.closest('[part~="item"], [part~="base"]') ?? el;
      return (
        el.scrollWidth > el.clientWidth ||
        box(el).right > box(outer).right + 0.5 ||
        box(el).bottom > box(outer).bottom + 0.5
      );
    })
    .map(
      (el) =>
        `${el.getAttribute('part')} "${el.textContent!.trim().replace(/\s+/g, ' ')}" ${el.scrollWidth}>${el.clientWidth}`,
    );
  return { clipped, checked: parts.length };
}
