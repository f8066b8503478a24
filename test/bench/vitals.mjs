// Page vitals of the demo shop with and without offerwise (issue 19): for every demo page (the
// list of test/support/page-vitals.ts, mirrored below and checked against it) at 1280×900 and
// 390×844, CLS, LCP and an INP-style input delay, each from cold visits: a fresh browser context
// per visit (empty HTTP cache, empty storage, no cached decision) in one headless Chromium, on the
// demo server (demo/server.mjs, port 0, the collector writing to a temporary directory).
//
// "Without" loads the very same pages: every request of both variants goes through the same
// `context.route` handler (so both pay the same interception cost), which in the "without" visits
// aborts the requests under /offerwise/ (the script tag's file, and so everything it would load).
// The markup is unchanged: the `ow-` elements stay in the page, undefined and empty, and shop.js
// keeps its `window.offerwise` queue, which then never runs. The two variants alternate, the order
// swapped every pair, after one untimed pair (the browser's own start-up).
//
// In each page an init script, before any of the page's scripts, observes (buffered):
// `layout-shift` (CLS = Σ values of the entries without recent input), `largest-contentful-paint`
// (LCP = the last entry before the first input, with its element named; null when the element is
// in a shadow tree, which is then said), `first-input`, and `event` with `durationThreshold: 16`.
// A visit waits for the load event, then (with offerwise) until every <ow-offers> and
// <ow-recommendations> has settled (rendered, or set `empty`; the condition of
// test/support/page-vitals.ts's waitForSettled), then until every image in the viewport has
// loaded (the demo's images are lazy, and lazy images do not hold the load event), then the fonts,
// then until no layout-shift or LCP entry has come for 5 frames and 100 ms (an image's LCP entry
// waits for its frame to be presented). CLS and LCP are read there. Then the page's control is
// scrolled to the middle of the viewport and clicked with `page.mouse.click` (a real input through
// the browser, not `element.click()`): on the grids the first "Add to cart", on the product page
// its "Add to cart", in the cart the first line's "+", at checkout "Apply" with no code, on the
// privacy page the membership switch; none of them navigates. Input delay = processingStart −
// startTime of the `first-input` entry (the pointerdown); the interaction's duration = the longest
// entry with its interactionId (the Event Timing API rounds durations to 8 ms and reports `event`
// entries only from 16 ms, so a duration under 16 ms is the first-input entry's own). Run by
// test/bench/run.mjs, or alone after `npm run build`: `node test/bench/vitals.mjs` (one JSON
// object per line).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startDemoServer } from '../../demo/server.mjs';
import { launchChromium } from '../support/browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const VISITS = 5;
const SETTLE_TIMEOUT_MS = 20_000;
const BLOCKED = '/offerwise/';

const CART = [
  { item_id: 'WOM-101', quantity: 1 },
  { item_id: 'SHO-101', quantity: 2 },
];

/** DEMO_PAGES of test/support/page-vitals.ts (Node cannot import .ts), and the control clicked. */
const PAGES = [
  { name: 'home', path: '/', control: '#product-list button.add', what: 'first "Add to cart"' },
  {
    name: 'category',
    path: '/category.html?c=womens',
    control: '#product-list button.add',
    what: 'first "Add to cart"',
  },
  {
    name: 'product',
    path: '/product.html?id=WOM-101',
    control: '#product button.primary',
    what: '"Add to cart"',
  },
  {
    name: 'search',
    path: '/search.html?q=shoe',
    control: '#product-list button.add',
    what: 'first "Add to cart"',
  },
  {
    name: 'cart',
    path: '/cart.html',
    cart: CART,
    control: '#cart .qty button:last-of-type',
    what: '"+" of the first line',
  },
  {
    name: 'checkout',
    path: '/checkout.html',
    cart: CART,
    control: '#checkout button:not(.primary)',
    what: '"Apply" (no code)',
  },
  { name: 'privacy', path: '/privacy.html', control: '#member-switch', what: 'membership switch' },
];

const VIEWPORTS = [
  { width: 1280, height: 900 },
  { width: 390, height: 844 },
];

/** Throws when the pages above no longer match DEMO_PAGES in test/support/page-vitals.ts. */
function checkPagesMatchTestList() {
  const source = readFileSync(path.join(here, '../support/page-vitals.ts'), 'utf8');
  const list = /DEMO_PAGES[^=]*=\s*\[([\s\S]*?)\];/.exec(source)?.[1];
  if (!list) throw new Error('test/support/page-vitals.ts: DEMO_PAGES not found');
  const theirs = [...list.matchAll(/\{\s*name:\s*'([^']+)',\s*path:\s*'([^']+)'(,\s*cart)?/g)].map(
    (m) => `${m[1]} ${m[2]}${m[3] ? ' +cart' : ''}`,
  );
  const ours = PAGES.map((p) => `${p.name} ${p.path}${p.cart ? ' +cart' : ''}`);
  if (theirs.join('\n') !== ours.join('\n'))
    throw new Error(
      `test/bench/vitals.mjs PAGES differ from DEMO_PAGES: [${ours.join(', ')}] vs [${theirs.join(', ')}]`,
    );
}

const round = (n, digits = 1) => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);
/** p50 (nearest rank) and max; null when there is nothing to summarize. */
function summary(values, digits = 1) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { p50: null, max: null };
  const p50 = sorted[Math.ceil(0.5 * sorted.length) - 1];
  return { p50: round(p50, digits), max: round(sorted[sorted.length - 1], digits) };
}
/** The most frequent value. */
function mode(values) {
  const counts = new Map();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/** Init script: the vitals' entries from navigation start, before any page script. */
function observeVitals() {
  const v = { shifts: [], lcp: [], events: [], firstInput: null, observers: [] };
  window.__vitals = v;
  const describe = (node) => {
    if (!node) return null;
    if (!(node instanceof Element)) return node.nodeName;
    const classes = [...node.classList].map((c) => `.${c}`).join('');
    return `${node.localName}${node.id ? `#${node.id}` : ''}${classes}`;
  };
  const observe = (type, options, each) => {
    try {
      const observer = new PerformanceObserver((list) => list.getEntries().forEach(each));
      observer.observe({ type, buffered: true, ...options });
      v.observers.push({ observer, each });
    } catch {
      // an entry type this browser lacks: its numbers stay empty
    }
  };
  observe('layout-shift', {}, (e) => {
    if (!e.hadRecentInput) v.shifts.push({ value: e.value, time: e.startTime });
  });
  observe('largest-contentful-paint', {}, (e) => {
    // The path only: the server's port changes from run to run.
    const url = e.url ? new URL(e.url).pathname : '';
    v.lcp.push({ time: e.startTime, size: e.size, element: describe(e.element), url });
  });
  observe('first-input', {}, (e) => {
    v.firstInput = {
      name: e.name,
      start: e.startTime,
      processingStart: e.processingStart,
      processingEnd: e.processingEnd,
      duration: e.duration,
      interactionId: e.interactionId ?? 0,
      target: describe(e.target),
    };
  });
  observe('event', { durationThreshold: 16 }, (e) => {
    v.events.push({
      name: e.name,
      start: e.startTime,
      processingStart: e.processingStart,
      duration: e.duration,
      interactionId: e.interactionId ?? 0,
    });
  });
  // Which decision <ow-offers> put on screen: a cached one may still be replaced (see settled()).
  addEventListener('ow-decision', (event) => {
    event.target.__owSource = event.detail?.source;
  });
}

/** Init script: the demo shop's cart (its localStorage key) before the page's scripts. */
function seedCart(value) {
  if (localStorage.getItem('demo.cart') === null) localStorage.setItem('demo.cart', value);
}

/** In the page: every offerwise element settled (the condition of page-vitals.ts). */
function settled() {
  const offersDone = [...document.querySelectorAll('ow-offers')].every((el) => {
    if (el.hasAttribute('empty')) return true;
    const rendered = (el.shadowRoot?.querySelectorAll('[part~="offer"]').length ?? 0) > 0;
    if (!rendered || el.__owSource === undefined) return false;
    if (el.__owSource !== 'cache') return true;
    const box = el.getBoundingClientRect();
    return box.bottom > 0 && box.top < innerHeight;
  });
  const recsDone = [...document.querySelectorAll('ow-recommendations')].every(
    (el) => el.hasAttribute('empty') || el.shadowRoot?.querySelector('[part~="item"]') !== null,
  );
  return offersDone && recsDone;
}

/**
 * In the page: every image in the viewport (shadow trees included) has loaded or failed. The
 * demo's images are lazy, and lazy images do not hold the load event: read at `load`, LCP would
 * miss the image painted after it.
 */
function imagesDone() {
  const roots = [document];
  for (let root = roots.pop(); root; root = roots.pop()) {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) roots.push(el.shadowRoot);
      if (el.localName !== 'img' || el.complete) continue;
      const box = el.getBoundingClientRect();
      if (box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth)
        return false;
    }
  }
  return true;
}

/** In the page: fonts ready, then the shifts and LCP so far once no new entry comes. */
async function readLoadVitals() {
  await document.fonts.ready;
  const v = window.__vitals;
  // An image's LCP entry comes once its frame is presented, which on a busy machine can be a few
  // frames after it loaded: read once no entry has come for 5 frames (and 100 ms).
  let quietFrom = performance.now();
  let seen = -1;
  for (let quiet = 0; quiet < 5 || performance.now() - quietFrom < 100; quiet++) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    for (const { observer, each } of v.observers) observer.takeRecords().forEach(each);
    if (v.lcp.length + v.shifts.length !== seen) {
      seen = v.lcp.length + v.shifts.length;
      quiet = -1;
      quietFrom = performance.now();
    }
  }
  const last = v.lcp[v.lcp.length - 1];
  return {
    cls: v.shifts.reduce((sum, s) => sum + s.value, 0),
    shifts: v.shifts.length,
    lcp: last ? last.time : null,
    lcpElement: last
      ? (last.element ?? `null (in a shadow tree${last.url ? `, ${last.url}` : ''})`)
      : null,
    offerwise: typeof window.Offerwise === 'object' && window.Offerwise !== null,
    sdkElements: document.querySelectorAll('ow-offers, ow-recommendations, ow-my-data').length,
  };
}

/** In the page: the control in the middle of the viewport, and where to click it. */
async function placeControl(selector) {
  const control = document.querySelector(selector);
  if (!control) return null;
  control.scrollIntoView({ block: 'center', inline: 'center' });
  for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
  const box = control.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return null;
  return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
}

/** In the page, after the click's first-input entry arrived: the interaction's timing. */
async function readInput() {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
  const v = window.__vitals;
  for (const { observer, each } of v.observers) observer.takeRecords().forEach(each);
  const first = v.firstInput;
  const same = v.events.filter(
    (e) => first.interactionId !== 0 && e.interactionId === first.interactionId,
  );
  return {
    name: first.name,
    inputDelay: first.processingStart - first.start,
    duration: Math.max(first.duration, ...same.map((e) => e.duration)),
  };
}

export async function runVitalsBench({ emit = () => undefined, visits = VISITS } = {}) {
  const started = performance.now();
  checkPagesMatchTestList();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'offerwise-vitals-'));
  const server = await startDemoServer({ port: 0, dataDir });
  const browser = await launchChromium();
  const runs = new Map();
  const errors = [];
  let blocked = 0;
  /** A fresh context and tab for one visit, its init scripts and route in place. */
  const open = async ({ page, viewport, variant }) => {
    const context = await browser.newContext({ viewport });
    await context.addInitScript(observeVitals);
    if (page.cart) await context.addInitScript(seedCart, JSON.stringify(page.cart));
    await context.route('**/*', (route) => {
      const { pathname } = new URL(route.request().url());
      if (variant === 'without' && pathname.startsWith(BLOCKED)) {
        blocked += 1;
        return route.abort('blockedbyclient');
      }
      return route.continue();
    });
    const tab = await context.newPage();
    const label = `${page.name} ${viewport.width} ${variant}`;
    tab.on('pageerror', (error) => errors.push(`${label}: ${error}`));
    return { context, tab, label };
  };
  const measure = async ({ page, variant }, { tab, label }) => {
    await tab.goto(server.url(page.path), { waitUntil: 'load' });
    const wait = { timeout: SETTLE_TIMEOUT_MS, polling: 'raf' };
    if (variant === 'with') await tab.waitForFunction(settled, undefined, wait);
    await tab.waitForFunction(imagesDone, undefined, wait);
    const load = await tab.evaluate(readLoadVitals);
    if (variant === 'with' && !load.offerwise) throw new Error(`${label}: offerwise did not load`);
    if (variant === 'without' && load.offerwise)
      throw new Error(`${label}: offerwise loaded although blocked`);
    const at = await tab.evaluate(placeControl, page.control);
    if (!at) throw new Error(`${label}: no visible ${page.control} (${page.what}) to click`);
    await tab.mouse.click(at.x, at.y);
    await tab.waitForFunction(() => window.__vitals.firstInput !== null, undefined, {
      timeout: 5_000,
    });
    return { ...load, ...(await tab.evaluate(readInput)) };
  };
  // One untimed pair first (the browser's own start-up work), then per viewport and page the two
  // variants alternately, the order swapped every pair.
  const schedule = [
    { page: PAGES[0], viewport: VIEWPORTS[0], variant: 'with' },
    { page: PAGES[0], viewport: VIEWPORTS[0], variant: 'without' },
  ];
  for (const viewport of VIEWPORTS) {
    for (const page of PAGES) {
      const list = { with: [], without: [] };
      runs.set(`${page.name} ${viewport.width}`, { page, viewport, list });
      for (let i = 0; i < visits; i++) {
        const order = i % 2 === 0 ? ['with', 'without'] : ['without', 'with'];
        for (const variant of order) schedule.push({ page, viewport, variant, list });
      }
    }
  }
  try {
    // The next visit's context opens while the last one closes: neither is measured, and nothing
    // else runs while a page is measured.
    const opening = (step) => {
      const promise = open(step);
      promise.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
      return promise;
    };
    let next = opening(schedule[0]);
    for (let i = 0; i < schedule.length; i++) {
      const step = schedule[i];
      const visit = await next;
      let result;
      try {
        result = await measure(step, visit);
      } finally {
        const closing = visit.context.close();
        next = i + 1 < schedule.length ? opening(schedule[i + 1]) : undefined;
        await closing;
      }
      step.list?.[step.variant].push(result);
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
  const stats = (list) => ({
    cls: summary(
      list.map((r) => r.cls),
      4,
    ),
    lcp: summary(list.map((r) => r.lcp)),
    lcpElement: mode(list.map((r) => r.lcpElement)),
    inputDelay: summary(list.map((r) => r.inputDelay)),
    duration: summary(list.map((r) => r.duration)),
    shiftsP50: summary(list.map((r) => r.shifts)).p50,
  });
  const results = [];
  for (const { page, viewport, list } of runs.values()) {
    const withStats = stats(list.with);
    const withoutStats = stats(list.without);
    const inputs = [...list.with, ...list.without];
    const result = {
      name: `vitals_${page.name}_${viewport.width}`,
      value: withStats.cls.max,
      unit: 'CLS (worst visit with offerwise)',
      n: visits,
      page: page.name,
      path: page.path,
      viewport: `${viewport.width}×${viewport.height}`,
      control: `${page.what} (${page.control})`,
      firstInput: mode(inputs.map((r) => r.name)),
      with: withStats,
      without: withoutStats,
      added: {
        cls: round(withStats.cls.max - withoutStats.cls.max, 4),
        lcpP50: round(withStats.lcp.p50 - withoutStats.lcp.p50),
        inputDelayP50: round(withStats.inputDelay.p50 - withoutStats.inputDelay.p50),
        inputDelayMax: round(withStats.inputDelay.max - withoutStats.inputDelay.max),
        durationP50: round(withStats.duration.p50 - withoutStats.duration.p50),
      },
      perVisit: {
        with: list.with.map((r) => [round(r.cls, 4), round(r.lcp), round(r.inputDelay)]),
        without: list.without.map((r) => [round(r.cls, 4), round(r.lcp), round(r.inputDelay)]),
      },
    };
    results.push(result);
    emit(result);
  }
  const worst = (pick) => results.reduce((m, r) => Math.max(m, pick(r) ?? -Infinity), -Infinity);
  const result = {
    name: 'vitals_demo_pages',
    value: worst((r) => r.with.cls.max),
    unit: 'CLS (worst visit with offerwise, any page and viewport)',
    n: visits,
    pages: PAGES.length,
    viewports: VIEWPORTS.map((v) => `${v.width}×${v.height}`),
    worstClsWithout: worst((r) => r.without.cls.max),
    maxAddedLcpP50: worst((r) => r.added.lcpP50),
    maxAddedInputDelayP50: worst((r) => r.added.inputDelayP50),
    worstInputDelayWith: worst((r) => r.with.inputDelay.max),
    worstInputDelayWithout: worst((r) => r.without.inputDelay.max),
    blockedRequests: blocked,
    seconds: round((performance.now() - started) / 1000),
    browser: browser.version(),
    note: `${visits} cold visits per page, viewport and variant (a fresh browser context each: empty HTTP cache and storage), with and without offerwise alternating, order swapped every pair; without = the same page with every request under ${BLOCKED} aborted by context.route (the markup unchanged; both variants routed through the same handler). CLS = Σ layout-shift values without recent input, from navigation start until load, the offerwise elements settled and the images in the viewport loaded (+ fonts, then no new entry for 5 frames and 100 ms); LCP = the last largest-contentful-paint entry before the input; input delay = first-input processingStart − startTime of a page.mouse.click on a non-navigating control; duration = the longest Event Timing entry of that interaction (entries < 16 ms are not reported: then the first-input entry's own duration; 8 ms granularity). p50 = nearest rank; added = with − without. Headless, no CPU throttling`,
  };
  results.push(result);
  emit(result);
  return { results };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runVitalsBench({ emit: (result) => console.log(JSON.stringify(result)) }).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
