// Time to the first offer painted with a COLD HTTP cache: a first-time shopper. The same shop page,
// catalog, server and in-page measurement as the warm-cache bench (test/bench/widgets.mjs, whose
// helpers this imports): dist/ served `public, max-age=31536000, immutable`, the catalog
// `max-age=60` with an ETag, `<script src="/dist/offerwise.iife.js" data-consent="granted"
// data-catalog="/catalog.json" data-datalayer="off">` in <head>, `<ow-offers placement="home"
// limit="3" member>` in the body, "painted" = the rAF callback after the first one in which an
// offer element has its `base` part laid out with text. Each visit is a fresh headless Chromium
// with a fresh on-disk profile (nothing in the HTTP cache, no IndexedDB, no compiled code), so the
// bundle and the catalog are downloaded, there is no cached decision, and the painted offers are
// the fresh `decide()`'s. The browser idles 500 ms on about:blank before the navigation. Run by
// test/bench/run.mjs, or alone after `npm run build`: `node test/bench/first-paint-cold.mjs`.
//
// Each visit also records the page's FIRST `ow-decision` event (what `<ow-offers>` put on screen
// first; its detail's `source` is 'model', 'fallback' or 'cache'): the share of first visits whose
// first decision was model-scored, and the time to it, are their own lines. The event is counted
// however the decision was made (worker, or a copy of the model in the page), so the line reads
// the same before and after a change to how the first decision is scored.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromiumOnDisk } from '../support/browser.mjs';
import { startServer } from '../support/server.mjs';
import {
  collect,
  DONE,
  PAINT_TIMEOUT_MS,
  percentiles,
  recorder,
  round,
  roundAll,
  serveCatalog,
  serveDist,
  SHOP_PAGE,
} from './widgets.mjs';

const VISITS = 20;
/** How long after the offer is painted its `ow-decision` event may still come, ms. */
const DECISION_EVENT_TIMEOUT_MS = 5_000;

/** Init script: the page's first `ow-decision` (bubbles and is composed, so window hears it). */
function firstDecision() {
  window.__owFirstDecision = null;
  addEventListener('ow-decision', (event) => {
    if (window.__owFirstDecision) return;
    const detail = event.detail ?? {};
    window.__owFirstDecision = {
      at: performance.now(),
      source: detail.source ?? 'unknown',
      decisionId: detail.decisionId,
      offers: detail.offerIds?.length ?? 0,
    };
  });
}

export async function runColdPaintBench({ emit = () => undefined, visits: n = VISITS } = {}) {
  const hits = new Map();
  const server = await startServer();
  serveDist(server, '/dist/', hits);
  const bundlePath = '/dist/offerwise.iife.js';
  const catalogPath = '/catalog.json';
  serveCatalog(server, catalogPath, hits);
  server.route('/shop.html', (req, res) => {
    const body = Buffer.from(SHOP_PAGE);
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  const url = server.url('/shop.html');
  const visits = [];
  let browserVersion;
  try {
    for (let i = 0; i < n; i++) {
      const context = await launchChromiumOnDisk();
      try {
        const errors = [];
        await context.addInitScript(recorder, DONE);
        await context.addInitScript(firstDecision);
        const page = context.pages()[0] ?? (await context.newPage());
        page.on('pageerror', (error) => errors.push(error));
        if (!browserVersion) {
          const cdp = await context.newCDPSession(page);
          browserVersion = (await cdp.send('Browser.getVersion')).product;
          await cdp.detach();
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
        const before = hits.get(bundlePath) ?? 0;
        let timer;
        let listener;
        const done = new Promise((resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no offer painted and decided within ${PAINT_TIMEOUT_MS} ms`)),
            PAINT_TIMEOUT_MS,
          );
          listener = (message) => {
            if (message.text() === DONE) resolve();
          };
          page.on('console', listener);
        });
        done.catch(() => undefined);
        try {
          await page.goto(url);
          await done;
        } finally {
          clearTimeout(timer);
          page.off('console', listener);
        }
        const r = await page.evaluate(collect, { bundlePath, catalogPath });
        // Painted offers were put there by a decision, so its event is due; a missing one counts
        // as 'none' in the share rather than failing the whole run.
        r.firstDecision = await page
          .waitForFunction(() => window.__owFirstDecision, undefined, {
            timeout: DECISION_EVENT_TIMEOUT_MS,
          })
          .then((handle) => handle.jsonValue())
          .catch(() => null);
        if (errors.length > 0) throw new Error(`page errors: ${errors.map(String).join('; ')}`);
        if ((hits.get(bundlePath) ?? 0) !== before + 1)
          throw new Error('the bundle did not come from the server: the cache was not cold');
        if (!r.bundle || r.bundle.transferSize === 0) throw new Error('bundle from a cache');
        visits.push(r);
      } finally {
        await context.close();
      }
    }
  } finally {
    await server.close();
  }
  const decided = (v) => v.calls.find((c) => c.name === 'decide');
  const cached = (v) => v.calls.find((c) => c.name === 'cachedDecision');
  const fromFresh = visits.filter((v) => v.offer?.decisionId === decided(v)?.decisionId).length;
  const median = (values) => {
    const finite = values.filter((x) => Number.isFinite(x));
    return finite.length > 0 ? round(percentiles(finite).p50, 1) : null;
  };
  const sources = {};
  for (const v of visits) {
    const s = decided(v)?.source ?? 'none';
    sources[s] = (sources[s] ?? 0) + 1;
  }
  const result = {
    name: 'first_offer_paint_cold',
    values: roundAll(percentiles(visits.map((v) => v.painted - v.dcl)), 1),
    unit: 'ms',
    n,
    afterNavigationStart: roundAll(percentiles(visits.map((v) => v.painted)), 1),
    afterScriptStart: roundAll(percentiles(visits.map((v) => v.painted - v.scriptStart)), 1),
    paintedFromFresh: fromFresh,
    cachedDecisionNone: visits.filter((v) => cached(v)?.none === true).length,
    freshSources: sources,
    stepsP50: {
      // ms after navigation start
      responseStart: median(visits.map((v) => v.responseStart)),
      scriptStart: median(visits.map((v) => v.scriptStart)),
      bundleResponseEnd: median(visits.map((v) => v.bundle?.responseEnd ?? NaN)),
      scriptEnd: median(visits.map((v) => v.scriptEnd)),
      dcl: median(visits.map((v) => v.dcl)),
      catalogResponseEnd: median(visits.map((v) => v.catalog?.responseEnd ?? NaN)),
      decideResolved: median(visits.map((v) => decided(v)?.end ?? NaN)),
      offerSeen: median(visits.map((v) => v.seen)),
      painted: median(visits.map((v) => v.painted)),
    },
    bundleTransferSizeP50: median(visits.map((v) => v.bundle.transferSize)),
    browser: browserVersion,
    note: `values = painted − the navigation's domContentLoadedEventStart (as the warm-cache line); afterNavigationStart = performance.now() at paint. Each visit a fresh Chromium with a fresh on-disk profile: nothing cached, no IndexedDB; the bundle fetched from the loopback server in every visit (checked), uncompressed; page, catalog and paint probe of test/bench/widgets.mjs`,
  };
  emit(result);
  const firstSources = {};
  for (const v of visits) {
    const s = v.firstDecision?.source ?? 'none';
    firstSources[s] = (firstSources[s] ?? 0) + 1;
  }
  const modelFirst = visits.filter((v) => v.firstDecision?.source === 'model');
  // The holdout (a share of decisions left unpersonalized to measure the effect) is decided in the
  // shop's order and says 'fallback' by design: it is no model-readiness miss.
  const holdout = (v) => decided(v)?.holdout === true;
  const personalized = visits.filter((v) => !holdout(v));
  const share = {
    name: 'first_decision_model_share_cold',
    value: round((modelFirst.length / n) * 100, 1),
    unit: '% of visits',
    n,
    modelScored: modelFirst.length,
    sources: firstSources,
    holdouts: n - personalized.length,
    ofPersonalized:
      personalized.length > 0
        ? round((modelFirst.filter((v) => !holdout(v)).length / personalized.length) * 100, 1)
        : null,
    sameAsDecide: visits.filter(
      (v) => v.firstDecision && v.firstDecision.decisionId === decided(v)?.decisionId,
    ).length,
    note: `a first visit (fresh Chromium and profile, no cached decision): the detail.source of the page's first ow-decision event; holdouts = visits whose decide() returned holdout: true (unpersonalized by design, source 'fallback'); ofPersonalized = the model-scored share of the other visits; sameAsDecide = visits where that decision is the one decide() returned`,
  };
  emit(share);
  const decisionAt = (list) => {
    const at = list.map((v) => v.firstDecision?.at).filter((x) => Number.isFinite(x));
    return at.length > 0 ? roundAll(percentiles(at), 1) : null;
  };
  const paintedAt = (list) =>
    list.length > 0 ? roundAll(percentiles(list.map((v) => v.painted)), 1) : null;
  const time = {
    name: 'first_offer_time_cold',
    values: roundAll(percentiles(visits.map((v) => v.painted)), 1),
    unit: 'ms after navigation start',
    n,
    firstDecisionEvent: decisionAt(visits),
    bySource: Object.fromEntries(
      Object.keys(firstSources).map((s) => {
        const list = visits.filter((v) => (v.firstDecision?.source ?? 'none') === s);
        return [
          s,
          { visits: list.length, painted: paintedAt(list), decisionEvent: decisionAt(list) },
        ];
      }),
    ),
    note: `a first visit: the first offer painted (as first_offer_paint_cold, but from navigation start) and the page's first ow-decision event, ms after navigation start; bySource splits them by that decision's source`,
  };
  emit(time);
  return { results: [result, share, time] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runColdPaintBench({ emit: (result) => console.log(JSON.stringify(result)) }).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
