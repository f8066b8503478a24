// The script tag in two files: the tag (the profile half) and offerwise-runtime-<version>.js (the
// decision half and the `ow-` elements), loaded by the tag when the page needs it. When it loads,
// that it is pinned by the tag's integrity, and that a page keeps its profile when it cannot load.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { distDir } from '../support/server.mjs';
import {
  IIFE_URL,
  openPage,
  requireChromium,
  useHarness,
  type PageWindow,
} from '../support/e2e.js';

const hasChromium = requireChromium();

const RUNTIME_FILE = readdirSync(distDir).find((f) => /^offerwise-runtime-.+\.js$/.test(f));
const CATALOG = {
  version: 1,
  currency: 'EUR',
  placements: { home: { limit: 1 } },
  offers: [
    {
      id: 'welcome',
      type: 'coupon',
      title: '10% off your first order',
      category: 'garden',
      discount: { percent: 10 },
      code: 'WELCOME10',
      placements: ['home'],
    },
  ],
};

/** A page with the tag in <head> and `body` in its body; records when the runtime was asked for. */
function page(
  body: string,
  tag = `<script src="${IIFE_URL}" data-consent="granted"></script>`,
): string {
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
${tag}
<script>
  // When the runtime file was asked for, on the page's clock (undefined: not yet).
  window.runtimeAt = () => performance.getEntriesByType('resource').find((e) => e.name.includes('/offerwise-runtime-'))?.startTime;
</script></head><body>${body}</body></html>`;
}

describe.skipIf(!hasChromium)('script tag in two files', () => {
  const h = useHarness();

  it('the runtime file is built beside the tag and named by version', () => {
    expect(RUNTIME_FILE).toMatch(/^offerwise-runtime-\d+\.\d+\.\d+.*\.js$/);
  });

  it('a page without `ow-` elements loads the runtime only after load, when idle; a method loads it at once', async () => {
    const context = await h.newContext();
    const tab = await openPage(
      context,
      h.server.page('/split-plain.html', page('<p>no offers here</p>')),
    );
    const state = await tab.page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      const api = await w.Offerwise.load();
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const requested = (w.runtimeAt as () => number | undefined)();
      return {
        afterLoad: requested !== undefined && requested >= nav.loadEventStart,
        predictor: typeof api.Predictor,
        same: api === (w.Offerwise as unknown),
      };
    });
    expect(state).toEqual({ afterLoad: true, predictor: 'function', same: true });
    expect(tab.errors).toEqual([]);

    // A decision method on a fresh page asks for the runtime at once (long before idle).
    const second = await openPage(
      context,
      h.server.page(
        '/split-method.html',
        page(
          '',
          `<script src="${IIFE_URL}" data-consent="granted"></script><script>window.decided = window.offerwise.decide({ placement: 'home' }); window.afterCall = document.querySelector('script[src*="/offerwise-runtime-"]') !== null;</script>`,
        ),
      ),
    );
    const decided = await second.page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      const decision = (await w.decided) as { placement: string; offers: unknown[] };
      return {
        afterCall: w.afterCall,
        placement: decision.placement,
        offers: decision.offers.length,
      };
    });
    // Asked for in the same task as the call; no catalog configured: an empty decision.
    expect(decided).toEqual({ afterCall: true, placement: 'home', offers: 0 });
    expect(second.errors).toEqual([]);
  });

  it('an `ow-` element in the page loads it while the page is parsed and renders an offer', async () => {
    h.server.route('/split-catalog.json', {
      body: JSON.stringify({ ...CATALOG, server_time: new Date().toISOString() }),
      type: 'application/json',
    });
    const context = await h.newContext();
    const tab = await openPage(
      context,
      h.server.page(
        '/split-offers.html',
        page(
          '<ow-offers placement="home" limit="1"></ow-offers>',
          `<script src="${IIFE_URL}" data-consent="granted" data-catalog="/split-catalog.json"></script>`,
        ),
      ),
    );
    await tab.page.locator('ow-offers').getByText('10% off your first order').waitFor();
    const flags = await tab.page.evaluate(() => {
      const w = window as unknown as PageWindow;
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const requested = (w.runtimeAt as () => number | undefined)();
      return {
        // Asked for while the page was parsed: an async script added before \`load\` holds \`load\`
        // back, so the idle-after-load path could not have asked first.
        beforeLoad:
          requested !== undefined && nav.loadEventStart > 0 && requested < nav.loadEventStart,
        defined: customElements.get('ow-offers') !== undefined,
        // The loader's <script> is gone once the file ran: the page's DOM is as the shop wrote it.
        leftover: document.querySelectorAll('script[src*="/offerwise-runtime-"]').length,
      };
    });
    expect(flags).toEqual({ beforeLoad: true, defined: true, leftover: 0 });
    expect(tab.errors).toEqual([]);
  });

  it('a pinned tag refuses a changed runtime file; the profile half keeps working and nothing throws', async () => {
    const hashes = JSON.parse(readFileSync(path.join(distDir, 'integrity.json'), 'utf8')) as Record<
      string,
      string
    >;
    const core = readFileSync(path.join(distDir, 'offerwise.iife.js'), 'utf8');
    const runtime = readFileSync(path.join(distDir, RUNTIME_FILE!), 'utf8');
    h.server.route('/pinned/offerwise.iife.js', { body: core, type: 'text/javascript' });
    h.server.route(`/pinned/${RUNTIME_FILE}`, {
      body: `${runtime}\nwindow.tampered = true;`,
      type: 'text/javascript',
    });
    const tag = `<script src="/pinned/offerwise.iife.js" integrity="${hashes['offerwise.iife.js']}" crossorigin="anonymous" data-consent="granted"></script>`;
    const context = await h.newContext();
    const tab = await openPage(context, h.server.page('/split-pinned.html', page('', tag)));
    const result = await tab.page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      const ow = w.offerwise;
      const loaded = await w.Offerwise.load().then(
        () => 'loaded',
        (e: { code?: string; name?: string }) => `${e.name}:${e.code}`,
      );
      await ow.track({
        event: 'view_item',
        ecommerce: { items: [{ item_id: 'A', item_category: 'Garden', price: 5 }] },
      });
      const decision = await ow.decide({ placement: 'home' });
      return {
        loaded,
        tampered: w.tampered === true,
        views: (await ow.profile()).eventCounts.view_item,
        offers: decision.offers.length,
        codes: ow.diagnostics().map((d) => d.code),
        flush: (await ow.flush()).reason,
      };
    });
    expect(result).toMatchObject({
      loaded: 'OfferwiseError:load_failed',
      tampered: false,
      views: 1,
      offers: 0,
      flush: 'unavailable',
    });
    expect(result.codes).toContain('runtime_failed');
    expect(result.codes).toContain('decide_failed');
    // Reported once on the console (a failure is kept for 30 s: no request storm).
    const warned = tab.warnings().filter((w) => w.includes('offerwise runtime'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain(RUNTIME_FILE);
    expect(tab.errors).toEqual([]);

    // The same tag with the untouched runtime beside it loads it (the stamped hash is the file's).
    h.server.route(`/pinned/${RUNTIME_FILE}`, { body: runtime, type: 'text/javascript' });
    const good = await openPage(context, h.server.page('/split-pinned-ok.html', page('', tag)));
    const ok = await good.page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      return typeof (await w.Offerwise.load()).Predictor;
    });
    expect(ok).toBe('function');
    expect(good.errors).toEqual([]);
  });
});
