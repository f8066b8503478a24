// The script tag and its elements on a shop page with the strict CSP the README documents
// (script-src 'self' plus 'wasm-unsafe-eval', worker-src and connect-src 'self') and Trusted
// Types enforced: offers render and are decided by the model with no policy violation, XSS
// strings in the catalog stay text; and with a model that cannot load, offers still show (the
// fallback scorer decides).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPage, requireChromium, useHarness, type PageWindow } from '../support/e2e.js';
import { distDir, mimeType, type StaticServer, servedDistFiles } from '../support/server.mjs';

const hasChromium = requireChromium();

const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; " +
  "img-src 'self' data:; require-trusted-types-for 'script'; trusted-types offerwise lit-html";
const XSS = `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>`;

function catalog() {
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    version: 1,
    server_time: iso(now),
    currency: 'EUR',
    placements: { home: { limit: 2 }, product: { limit: 3 } },
    offers: [
      {
        id: 'c-xss',
        type: 'coupon',
        title: `Save ${XSS}`,
        description: XSS,
        category: 'shoes',
        discount: { percent: 10 },
        code: 'SAVE10',
        placements: ['home'],
      },
      {
        id: 'fs-1',
        type: 'flash_sale',
        title: `Sale ${XSS}`,
        category: 'bags',
        starts_at: iso(now - 60_000),
        ends_at: iso(now + 3_600_000),
        placements: ['home'],
        items: [{ item_id: 'b1', item_name: XSS, price: 40, sale_price: 30, stock: 4 }],
      },
    ],
    items: {
      b1: { name: XSS, category: 'bags', popularity: 10, neighbours: [['b2', 0.5]] },
      b2: { name: `Bag ${XSS}`, category: 'bags', popularity: 5 },
    },
  };
}

interface CspWindow extends PageWindow {
  violations: string[];
  rejections: string[];
  pwned?: number;
}

function recordProblems(): void {
  const w = window as unknown as CspWindow;
  w.violations = [];
  w.rejections = [];
  document.addEventListener('securitypolicyviolation', (e) =>
    w.violations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`),
  );
  addEventListener('unhandledrejection', (e) => w.rejections.push(String(e.reason)));
}

/** Serves dist/ under `prefix`, the catalog and the shop page, every response with the CSP. */
function serveShop(server: StaticServer, prefix: string, model?: string): string {
  const headers = { 'content-security-policy': CSP };
  for (const file of servedDistFiles()) {
    const body = readFileSync(path.join(distDir, file));
    server.route(`${prefix}offerwise/${file}`, (req, res) => {
      res.writeHead(200, {
        'content-type': mimeType(file),
        'cache-control': 'no-store',
        ...headers,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  }
  server.route(`${prefix}catalog.json`, {
    body: JSON.stringify(catalog()),
    type: 'application/json',
    headers,
  });
  server.route(`${prefix}api/feedback`, (_req, res) => {
    res.writeHead(204, headers).end();
  });
  const modelAttr = model ? ` data-model="${model}"` : '';
  server.route(`${prefix}shop.html`, {
    body: [
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CSP shop</title>',
      `<script src="${prefix}offerwise/offerwise.iife.js" data-consent="granted" data-catalog="${prefix}catalog.json" data-endpoint="${prefix}api/feedback" data-datalayer="off"${modelAttr}></script>`,
      '</head><body>',
      '<ow-offers placement="home" limit="2" min-height="300"></ow-offers>',
      '<ow-recommendations placement="product" limit="3"></ow-recommendations>',
      '</body></html>',
    ].join('\n'),
    type: 'text/html; charset=utf-8',
    headers,
  });
  return server.url(`${prefix}shop.html`);
}

describe.skipIf(!hasChromium)('a shop with a strict CSP and Trusted Types', () => {
  const h = useHarness();

  it('renders the elements, decides with the model, no violation, hostile strings as text', async () => {
    const context = await h.newContext();
    await context.addInitScript(recordProblems);
    const tab = await openPage(context, serveShop(h.server, '/strict/'));
    const offers = tab.page.locator('ow-offers');
    await offers.getByText(`Save ${XSS}`).waitFor();
    await offers.getByText(`Sale ${XSS}`).waitFor();
    await tab.page.locator('ow-recommendations').getByText(`Bag ${XSS}`).waitFor();
    // The model loads in its worker under this CSP: a decision by the model comes. A shopper
    // drawn into the sticky 5% holdout never gets one (CI met it): forget() draws a new shopper.
    let source = '';
    for (let i = 0; i < 80 && source !== 'model'; i++) {
      source = await tab.page.evaluate(async () => {
        const ow = (window as unknown as CspWindow).offerwise;
        const decision = await ow.decide({ placement: 'home' });
        if (decision.holdout !== true) return decision.source;
        await ow.forget();
        return 'holdout';
      });
      if (source !== 'model') await tab.page.waitForTimeout(250);
    }
    // On failure, say why the model never decided (the predictor's diagnostics).
    const diagnostics =
      source === 'model'
        ? []
        : await tab.page.evaluate(() =>
            (window as unknown as CspWindow).offerwise
              .diagnostics()
              .map((d) => `${d.code}: ${d.message}`),
          );
    expect(source, diagnostics.join('\n')).toBe('model');
    const state = await tab.page.evaluate(() => {
      const w = window as unknown as CspWindow;
      return { violations: w.violations, rejections: w.rejections, pwned: w.pwned ?? null };
    });
    expect(state).toEqual({ violations: [], rejections: [], pwned: null });
    expect(tab.errors).toEqual([]);
  });

  it('still shows offers when the model cannot load (the fallback decides)', async () => {
    const context = await h.newContext();
    await context.addInitScript(recordProblems);
    const tab = await openPage(
      context,
      serveShop(h.server, '/nomodel/', '/nomodel/offerwise/missing.onnx'),
    );
    await tab.page.locator('ow-offers').getByText(`Save ${XSS}`).waitFor();
    const decision = await tab.page.evaluate(() =>
      (window as unknown as CspWindow).offerwise.decide({ placement: 'home' }),
    );
    expect(decision.offers.length).toBeGreaterThan(0);
    expect(decision.source).toBe('fallback');
    // The worker reports the missing model once it has started and tried to fetch it: a
    // condition to wait for (the offers above come from the fallback without waiting for it).
    await expect
      .poll(
        () =>
          tab.page.evaluate(() =>
            (window as unknown as CspWindow).offerwise.diagnostics().map((d) => d.code),
          ),
        { timeout: 20_000 },
      )
      .toContain('model_unavailable');
    expect(await tab.page.evaluate(() => (window as unknown as CspWindow).violations)).toEqual([]);
    expect(tab.errors).toEqual([]);
  });
});
