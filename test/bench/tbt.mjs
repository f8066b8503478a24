// Main-thread total blocking time (TBT) added by offerwise on the demo shop's home page, measured
// in one run against the same page without offerwise. One demo server (demo/server.mjs, port 0,
// the collector writing to a temporary directory) serves `/` (the home page, with the offerwise
// script tag) and `/bench-no-offerwise.html` (the same HTML with that <script> element removed;
// the shop's own scripts, product data, images and styles unchanged: shop.js keeps its
// `window.offerwise = window.offerwise || []` queue, which then never runs). One headless
// Chromium; each visit a fresh browser context (nothing in the HTTP cache, empty storage: a first
// visit), the two pages alternately, the order swapped every pair (with/without, without/with, …),
// after one untimed pair.
//
// In each page an init script registers a PerformanceObserver for `longtask` (buffered) before
// any page script. TBT = Σ over long tasks that start before the window's end of (duration − 50
// ms). The window runs from navigation start until network idle (no request in flight for 500
// ms, from the resource timing entries, starting at the load event) or 5 s after the load event,
// whichever comes first; `tbt5s` is the same sum until 5 s after load. Run by test/bench/run.mjs,
// or alone after `npm run build`: `node test/bench/tbt.mjs`.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderPage } from '../../demo/pages.mjs';
import { startDemoServer } from '../../demo/server.mjs';
import { launchChromium } from '../support/browser.mjs';

const VISITS_EACH = 12;
const AFTER_LOAD_MS = 5_000;
const IDLE_MS = 500;
const WITHOUT_PATH = '/bench-no-offerwise.html';

const round = (n, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
function percentiles(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return {
    p50: round(at(50)),
    p95: round(at(95)),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
  };
}

/** The demo's home page without the offerwise <script> element (throws if there is none). */
async function pageWithoutOfferwise() {
  const html = await renderPage('index');
  const tag = /[ \t]*<script\s+src="\/offerwise\/offerwise\.iife\.js"[^>]*>\s*<\/script>\n?/;
  if (!tag.test(html)) throw new Error('demo/layout.html: no offerwise script tag to remove');
  const out = html.replace(tag, '');
  if (out.includes('offerwise.iife.js')) throw new Error('demo/layout.html: two offerwise tags');
  return out;
}

/** Init script: long tasks from navigation start on. */
function observeLongTasks() {
  window.__tbt = { tasks: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      window.__tbt.tasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
}

/** In the page, 5 s after load: long tasks, load, network idle. */
function measure({ afterLoad, idle }) {
  const nav = performance.getEntriesByType('navigation')[0];
  const load = nav.loadEventEnd;
  const spans = performance
    .getEntriesByType('resource')
    .map((e) => [e.startTime, e.responseEnd > 0 ? e.responseEnd : e.startTime + e.duration]);
  // First t ≥ load with no request in flight during (t, t + idle).
  let t = load;
  for (;;) {
    const busy = spans.filter(([s, e]) => s < t + idle && e > t);
    if (busy.length === 0) break;
    t = Math.max(...busy.map(([, e]) => e));
    if (t > load + afterLoad) break;
  }
  const netIdle = t;
  const end = Math.min(netIdle, load + afterLoad);
  const tasks = window.__tbt.tasks;
  const tbt = (until) =>
    tasks.filter((x) => x.start < until).reduce((n, x) => n + Math.max(0, x.duration - 50), 0);
  const offers = document
    .querySelector('ow-offers')
    ?.shadowRoot?.querySelectorAll('[part~="offer"]');
  return {
    load,
    dcl: nav.domContentLoadedEventStart,
    netIdle,
    end,
    tbt: tbt(end),
    tbt5s: tbt(load + afterLoad),
    longTasks: tasks.filter((x) => x.start < end).length,
    longTasks5s: tasks.filter((x) => x.start < load + afterLoad).length,
    maxTask: tasks.reduce((m, x) => Math.max(m, x.duration), 0),
    offerwise: typeof window.Offerwise === 'object' && window.Offerwise !== null,
    offersRendered: offers ? offers.length : 0,
    resources: performance.getEntriesByType('resource').length,
  };
}

export async function runTbtBench({ emit = () => undefined, visitsEach = VISITS_EACH } = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'offerwise-tbt-'));
  const server = await startDemoServer({ port: 0, dataDir });
  const without = Buffer.from(await pageWithoutOfferwise());
  server.route(WITHOUT_PATH, (req, res) => {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': without.length,
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : without);
  });
  const browser = await launchChromium();
  const runs = { with: [], without: [] };
  const errors = [];
  try {
    const visit = async (variant, timed = true) => {
      const context = await browser.newContext();
      try {
        await context.addInitScript(observeLongTasks);
        const page = await context.newPage();
        page.on('pageerror', (error) => errors.push(`${variant}: ${error}`));
        await page.goto(server.url(variant === 'with' ? '/' : WITHOUT_PATH), {
          waitUntil: 'load',
        });
        // Wait in Node (polling in the page would add main-thread work) until 5 s after load.
        const { load, now } = await page.evaluate(() => ({
          load: performance.getEntriesByType('navigation')[0].loadEventEnd,
          now: performance.now(),
        }));
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(0, load + AFTER_LOAD_MS - now) + 100),
        );
        const r = await page.evaluate(measure, { afterLoad: AFTER_LOAD_MS, idle: IDLE_MS });
        if (variant === 'with' && !r.offerwise) throw new Error('offerwise did not load on /');
        if (variant === 'without' && r.offerwise)
          throw new Error(`offerwise loaded on ${WITHOUT_PATH}`);
        if (timed) runs[variant].push(r);
      } finally {
        await context.close();
      }
    };
    // One untimed pair first: the browser's own start-up work is not counted.
    await visit('with', false);
    await visit('without', false);
    for (let i = 0; i < visitsEach; i++) {
      const order = i % 2 === 0 ? ['with', 'without'] : ['without', 'with'];
      for (const variant of order) await visit(variant);
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
  const stats = (variant) => {
    const list = runs[variant];
    return {
      tbt: percentiles(list.map((r) => r.tbt)),
      tbt5s: percentiles(list.map((r) => r.tbt5s)),
      longTasksP50: percentiles(list.map((r) => r.longTasks)).p50,
      maxTaskP50: percentiles(list.map((r) => r.maxTask)).p50,
      windowEndP50: percentiles(list.map((r) => r.end)).p50,
      loadP50: percentiles(list.map((r) => r.load)).p50,
      windowEndedByNetworkIdle: list.filter((r) => r.netIdle < r.load + AFTER_LOAD_MS).length,
      offersRenderedP50: percentiles(list.map((r) => r.offersRendered)).p50,
      perVisitTbt: list.map((r) => round(r.tbt)),
    };
  };
  const withStats = stats('with');
  const withoutStats = stats('without');
  const added = round(withStats.tbt.p50 - withoutStats.tbt.p50);
  const ratio =
    withoutStats.tbt.p50 > 0 ? round(withStats.tbt.p50 / withoutStats.tbt.p50, 2) : null;
  const result = {
    name: 'tbt_added_demo_home',
    value: added,
    unit: 'ms',
    n: visitsEach,
    ratio,
    added5s: round(withStats.tbt5s.p50 - withoutStats.tbt5s.p50),
    with: withStats,
    without: withoutStats,
    browser: browser.version(),
    note: `TBT = Σ (long task duration − 50 ms) over PerformanceObserver('longtask', buffered) entries starting between navigation start and network idle (no request for ${IDLE_MS} ms after load) or ${AFTER_LOAD_MS / 1000} s after load, whichever first; value = p50 with offerwise − p50 without (the demo home page with its offerwise <script> removed, same server); ratio = p50 with / p50 without (null when without is 0); tbt5s = the same sum until ${AFTER_LOAD_MS / 1000} s after load. ${visitsEach} visits each, alternating, order swapped every pair; each visit a fresh browser context (cold HTTP cache, empty storage), headless, no CPU throttling`,
  };
  emit(result);
  return { results: [result] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runTbtBench({ emit: (result) => console.log(JSON.stringify(result)) }).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
