// The feedback outbox keeps the privacy promise, in real Chromium against the mock collector of
// test/support/collector.ts (issue 15, findings 2, 3 and 5):
// - forget() and a withdrawal delete every stored row that carries a decision id, and none of
//   those events reaches the collector later; a page under `pending` neither sends nor deletes
//   them;
// - no request carries the shop's cookies or the page's URL (Referer), regular batches and
//   page-leave requests alike;
// - anonymous measurement: random (v4) ids, whole hours, nothing stored on disk.
// Needs `npm run build` first (the pages load dist/offerwise.iife.js).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  catalog,
  collectorRoute,
  ENDPOINT,
  flushUntilDone,
  newCollector,
  pageProblems,
  recordRejections,
  sleep,
  type Collector,
  type RequestLog,
} from '../support/collector.js';
import { openPage, requireChromium, sdkPage, useHarness, type PageWindow } from '../support/e2e.js';

const hasChromium = requireChromium();

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const HOUR = 3600_000;

interface PrivacyWindow extends PageWindow {
  ow: PageWindow['offerwise'];
  clockShift: number;
}

/** Creates `window.ow` with the chaos catalog, wall clock `Date.now() + window.clockShift`. */
async function create(
  page: Page,
  config: Record<string, unknown>,
  clockShiftMs = 0,
): Promise<void> {
  await page.evaluate(
    async ({ config, catalog, endpoint, clockShiftMs }) => {
      const w = window as unknown as PrivacyWindow;
      w.clockShift = clockShiftMs;
      w.ow = await w.Offerwise.createOffers({
        catalog,
        endpoint,
        decisions: { holdoutShare: 0, caps: { offer: {}, placement: {}, overall: {} } },
        now: () => Date.now() + w.clockShift,
        ...config,
      });
    },
    { config, catalog: catalog(), endpoint: ENDPOINT, clockShiftMs },
  );
}

/** One decision, and an impression and a click for each offer it shows: its id and the event ids. */
function browse(page: Page): Promise<{ decisionId: string; ids: string[] }> {
  return page.evaluate(async () => {
    const w = window as unknown as PrivacyWindow;
    const d = await w.ow.decide({ placement: 'home', limit: 3 });
    if (d.offers.length === 0) throw new Error('the decision shows no offer');
    const ids: string[] = [];
    for (const o of d.offers) {
      for (const type of ['impression', 'click'] as const) {
        const r = await w.ow.report(d.decisionId, o.offerId, type);
        if (r.id) ids.push(r.id);
      }
    }
    return { decisionId: d.decisionId, ids };
  });
}

/**
 * The rows of `<name>` (an outbox database) through a connection of its own, without ever
 * creating it: `undefined` when the database does not exist.
 */
function storedEvents(
  page: Page,
  name = 'offerwise-outbox',
): Promise<Record<string, unknown>[] | undefined> {
  return page.evaluate(async (name) => {
    if (!(await indexedDB.databases()).some((d) => d.name === name)) return undefined;
    const open = indexedDB.open(name);
    open.onupgradeneeded = () => open.transaction?.abort();
    const db = await new Promise<IDBDatabase | undefined>((resolve) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => resolve(undefined);
    });
    if (!db) return undefined;
    try {
      const request = db.transaction('events', 'readonly').objectStore('events').getAll();
      const rows = await new Promise<{ event: Record<string, unknown> }[]>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      return rows.map((r) => r.event);
    } finally {
      db.close();
    }
  }, name);
}

const withDecision = (events: Record<string, unknown>[] | undefined) =>
  (events ?? []).filter((e) => e.decisionId !== undefined);

const flush = (page: Page) => page.evaluate(() => (window as unknown as PrivacyWindow).ow.flush());

/** Waits (polling) until `done()` holds; fails after `budgetMs`. */
async function until(what: string, done: () => Promise<boolean> | boolean, budgetMs = 10_000) {
  const end = Date.now() + budgetMs;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Every event the collector received from the `from`-th request on (stored or not), by id. */
function eventsSeen(c: Collector, from = 0): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const r of c.requests.slice(from)) {
    for (const e of r.batch?.events ?? []) out.set(String(e.id), e);
  }
  return out;
}

describe.skipIf(!hasChromium)('the feedback outbox keeps the privacy promise', () => {
  const h = useHarness();

  /** A collector that answers 503 while `down.value`; a page `/privacy.html` loading the bundle. */
  async function setUp(query = '') {
    const c = newCollector();
    const down = { value: false };
    c.fault = () => (down.value ? '5xx' : 'ok');
    h.server.route(ENDPOINT, collectorRoute(c));
    const url = h.server.page('/privacy.html', sdkPage({})) + query;
    const context = await h.newContext();
    await context.addInitScript(recordRejections);
    return { c, down, url, context };
  }

  it('forget() with the collector offline: no stored row keeps a decision id, and none of those events ever arrives', async () => {
    const { c, down, url, context } = await setUp();
    const tab = await openPage(context, url);
    const page = tab.page;
    await create(page, { consent: 'granted' });
    down.value = true;
    const before = [await browse(page), await browse(page)];
    await flush(page); // one failed attempt: the rows are released for a retry
    const stored = await storedEvents(page);
    expect(withDecision(stored).length).toBe(before.flatMap((b) => b.ids).length);

    await page.evaluate(() => (window as unknown as PrivacyWindow).ow.forget());
    expect(withDecision(await storedEvents(page))).toEqual([]);
    // The decisions of before are forgotten too: reporting on them is refused.
    const refused = await page.evaluate(async (decisionId) => {
      const w = window as unknown as PrivacyWindow;
      const d = await w.ow.decide({ placement: 'home', limit: 3 });
      return w.ow.report(decisionId, d.offers[0]!.offerId, 'click').then(
        () => 'accepted',
        (e: { code?: string }) => e.code,
      );
    }, before[0]!.decisionId);
    expect(refused).toBe('invalid_feedback');

    // Online again: this page and a later one (leases long expired) send what they hold.
    down.value = false;
    const online = c.requests.length;
    const after = await browse(page);
    expect((await flushUntilDone(page, 15_000))?.reason).toBe('done');
    await page.reload();
    await create(page, { consent: 'granted' }, 61_000);
    expect((await flushUntilDone(page, 15_000))?.reason).toBe('done');
    const old = new Set(before.flatMap((b) => b.ids));
    const oldDecisions = new Set(before.map((b) => b.decisionId));
    const seen = eventsSeen(c, online);
    expect([...seen.keys()].filter((id) => old.has(id))).toEqual([]);
    expect([...seen.values()].filter((e) => oldDecisions.has(String(e.decisionId)))).toEqual([]);
    // What was reported after forget() is delivered as usual.
    expect(after.ids.every((id) => c.counts.has(id))).toBe(true);
    expect(await pageProblems(page, tab.errors)).toEqual([]);
  });

  it("a withdrawal (consent('denied')) deletes them; a later grant sends only what came after it", async () => {
    const { c, down, url, context } = await setUp();
    const tab = await openPage(context, url);
    const page = tab.page;
    await create(page, { consent: 'granted' });
    down.value = true;
    const before = await browse(page);
    await flush(page);
    expect(withDecision(await storedEvents(page)).length).toBe(before.ids.length);

    await page.evaluate(() => (window as unknown as PrivacyWindow).ow.consent('denied'));
    expect(withDecision(await storedEvents(page))).toEqual([]);
    down.value = false;
    const online = c.requests.length;
    await page.evaluate(() => (window as unknown as PrivacyWindow).ow.consent('granted'));
    const after = await browse(page);
    expect((await flushUntilDone(page, 15_000))?.reason).toBe('done');
    await page.reload();
    await create(page, { consent: 'granted' }, 61_000);
    expect((await flushUntilDone(page, 15_000))?.reason).toBe('done');
    const seen = eventsSeen(c, online);
    expect(before.ids.filter((id) => seen.has(id))).toEqual([]);
    expect([...seen.values()].filter((e) => e.decisionId === before.decisionId)).toEqual([]);
    expect(after.ids.every((id) => c.counts.has(id))).toBe(true);
    expect(await pageProblems(page, tab.errors)).toEqual([]);
  });

  it('a page that starts denied (Global Privacy Control) deletes them; a page under pending neither sends nor deletes them', async () => {
    const { c, down, url, context } = await setUp();
    const tab = await openPage(context, url);
    const page = tab.page;
    await create(page, { consent: 'granted' });
    down.value = true;
    const first = await browse(page);
    await flush(page);

    // Pending, the collector back: the rows stay, nothing is sent.
    down.value = false;
    await page.reload();
    const mark = c.requests.length;
    await create(page, { consent: 'pending' }, 61_000);
    expect(await flush(page)).toMatchObject({ delivered: 0, remaining: 0 });
    await sleep(300);
    expect(withDecision(await storedEvents(page)).length).toBe(first.ids.length);
    expect(c.requests.slice(mark)).toEqual([]);
    // A grant on that page sends them: they were written under a grant.
    await page.evaluate(() => (window as unknown as PrivacyWindow).ow.consent('granted'));
    expect((await flushUntilDone(page, 15_000))?.reason).toBe('done');
    expect(first.ids.every((id) => c.counts.has(id))).toBe(true);

    // More rows under a grant, collector offline; then a page where the browser sends GPC.
    down.value = true;
    const second = await browse(page);
    await flush(page);
    expect(withDecision(await storedEvents(page)).length).toBe(second.ids.length);
    await context.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
    );
    await page.reload();
    await create(page, { consent: 'granted' }, 61_000);
    // The decision half starts when a method needs it; its start deletes the rows.
    expect(await page.evaluate(() => (window as unknown as PrivacyWindow).ow.consent())).toBe(
      'denied',
    );
    await page.evaluate(() => (window as unknown as PrivacyWindow).ow.feedbackStatus());
    await until('the rows to be deleted', async () => {
      return withDecision(await storedEvents(page)).length === 0;
    });
    down.value = false;
    const online = c.requests.length;
    // The shopper's own grant (under GPC only one marked so counts): the rows stay deleted.
    await page.evaluate(() =>
      (window as unknown as PrivacyWindow).ow.consent('granted', { source: 'user' }),
    );
    expect(await page.evaluate(() => (window as unknown as PrivacyWindow).ow.consent())).toBe(
      'granted',
    );
    expect((await flushUntilDone(page, 15_000))?.reason).toBe('done');
    expect(second.ids.filter((id) => eventsSeen(c, online).has(id))).toEqual([]);
    expect(await pageProblems(page, tab.errors)).toEqual([]);
  });

  it("a withdrawal in one tab: another tab's outbox drops its copies, its page leave carries none of them", async () => {
    const { c, down, url, context } = await setUp();
    const tabA = await openPage(context, url);
    const tabB = await openPage(context, url);
    await create(tabA.page, { consent: 'granted' });
    await create(tabB.page, { consent: 'granted' });
    // Pending in tab B: page-leave candidates in its memory. The collector refuses everything
    // until the withdrawal is done, so that a batch tab B sends before it (its 5 s timer may
    // fire first on a busy machine) cannot be stored: what is checked is what arrives after.
    down.value = true;
    const pending = await browse(tabB.page);
    await tabA.page.evaluate(() => (window as unknown as PrivacyWindow).ow.consent('denied'));
    // A request tab B started before it answers (refused) within a second; then the collector
    // is back, and nothing that arrives from here on may carry a withdrawn event.
    await sleep(1000);
    const from = c.requests.length;
    down.value = false;
    expect(withDecision(await storedEvents(tabA.page))).toEqual([]);
    // Tab B is left: whatever its page leave would carry, none of the withdrawn events.
    await tabB.page.goto(
      h.server.page('/elsewhere.html', '<!doctype html><title>elsewhere</title>'),
    );
    await sleep(500);
    const later = await openPage(context, url);
    await create(later.page, { consent: 'granted' }, 61_000);
    expect((await flushUntilDone(later.page, 15_000))?.reason).toBe('done');
    expect(pending.ids.filter((id) => eventsSeen(c, from).has(id))).toEqual([]);
    expect(await pageProblems(tabA.page, tabA.errors)).toEqual([]);
  });

  it('no request carries a cookie or a Referer: regular batches and page-leave requests', async () => {
    const { c, url, context } = await setUp('?q=boots&id=sku-1');
    const probes: RequestLog['headers'][] = [];
    h.server.route('/probe', (req, res) => {
      probes.push(req.headers);
      res.writeHead(204).end();
    });
    await context.addCookies([{ name: 'shopper', value: 'abc123', url: h.server.origin }]);
    const tab = await openPage(context, url);
    const page = tab.page;
    // The page's own requests do carry both: the test can see them when they are sent.
    await page.evaluate(() => fetch('/probe'));
    expect(probes[0]?.cookie).toBe('shopper=abc123');
    expect(probes[0]?.referer).toContain('?q=boots');

    await create(page, { consent: 'granted' });
    const regular = await browse(page);
    expect((await flushUntilDone(page, 15_000))?.reason).toBe('done');
    const posts = c.requests.filter((r) => !r.beacon && r.ids.length > 0);
    expect(posts.length).toBeGreaterThan(0);
    expect(regular.ids.every((id) => c.counts.has(id))).toBe(true);
    // Pending events (the batch waits 5 s), then the page is left: one page-leave request.
    const left = await browse(page);
    await page.goto(h.server.page('/elsewhere.html', '<!doctype html><title>elsewhere</title>'));
    await until('the page-leave request', () => c.requests.some((r) => r.beacon));
    const leaves = c.requests.filter((r) => r.beacon);
    expect(leaves[0]!.ids.every((id) => left.ids.includes(id))).toBe(true);
    for (const r of [...posts, ...leaves]) {
      expect(r.headers.cookie, r.contentType).toBeUndefined();
      expect(r.headers.referer, r.contentType).toBeUndefined();
    }
    expect(leaves[0]!.contentType).toMatch(/^text\/plain/);
    // Full measurement: v4 ids, `at` and `sentAt` to the second, a v4 batch header.
    for (const r of posts) {
      expect(r.headers['x-offerwise-batch']).toMatch(UUID_V4);
      expect(r.batch!.sentAt % 1000).toBe(0);
      for (const e of r.batch!.events) {
        expect(e.id).toMatch(UUID_V4);
        expect(Number(e.at) % 1000).toBe(0);
        expect(e.decisionId).toBe(regular.decisionId);
      }
    }
  });

  it('anonymous measurement: v4 ids, whole hours, no decision id, nothing on disk', async () => {
    const { c, url, context } = await setUp();
    // The first request is refused (400), so that a later one carries drop counters.
    let faults = 0;
    c.fault = () => (faults++ === 0 ? '400' : 'ok');
    const tab = await openPage(context, url);
    const page = tab.page;
    await create(page, { consent: 'denied', measurement: 'anonymous' });
    const one = await page.evaluate(async () => {
      const w = window as unknown as PrivacyWindow;
      const d = await w.ow.decide({ placement: 'home', limit: 3 });
      const r = await w.ow.report(d.decisionId, d.offers[0]!.offerId, 'impression');
      return { id: r.id, summary: await w.ow.flush() };
    });
    expect(one.summary).toMatchObject({ dropped: { rejected: 1 } });
    const rest = await browse(page);
    expect((await flushUntilDone(page, 15_000))?.reason).toBe('done');
    const stored = c.requests.filter((r) => r.fault === 'ok');
    const events = stored.flatMap((r) => r.batch!.events);
    expect(events.map((e) => e.id).sort()).toEqual([...rest.ids].sort());
    for (const id of [one.id, ...rest.ids]) expect(id).toMatch(UUID_V4);
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(
        ['at', 'id', 'modelVersion', 'offerId', 'placement', 'propensity', 'type'].sort(),
      );
      expect(Number(e.at) % HOUR).toBe(0);
    }
    for (const r of c.requests) {
      expect(r.batch!.sentAt % HOUR).toBe(0);
      expect(r.headers['x-offerwise-batch']).toMatch(UUID_V4);
    }
    const withDrops = stored.find((r) => r.batch!.droppedId !== undefined);
    expect(withDrops?.batch).toMatchObject({ dropped: { rejected: 1 } });
    expect(withDrops!.batch!.droppedId).toMatch(UUID_V4);
    // A page leave under anonymous measurement: whole hours there too.
    const left = await browse(page);
    await page.goto(h.server.page('/elsewhere.html', '<!doctype html><title>elsewhere</title>'));
    await until('the page-leave request', () => c.requests.some((r) => r.beacon));
    const leave = c.requests.find((r) => r.beacon)!;
    expect(leave.batch!.sentAt % HOUR).toBe(0);
    expect(leave.ids.every((id) => left.ids.includes(id))).toBe(true);
    // Nothing on disk: no outbox database was ever created.
    const names = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    expect(names).not.toContain('offerwise-outbox');
  });
});
