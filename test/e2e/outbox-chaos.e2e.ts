// Chaos tests of the feedback outbox in real Chromium (reliability.md R1–R4), against a local mock
// collector (POST /api/feedback) that parses the wire format, records every delivered event id
// (raw duplicates counted), tracks requests in flight, and injects faults from a seeded generator.
// Every scenario prints one line
//   outbox-chaos <scenario> accepted=N delivered=N lost=N duplicates=N max_inflight=N seed=S
// The seed is printed at the start; `OUTBOX_CHAOS_SEED=<seed>` replays it (each scenario draws
// from its own generator derived from the seed, so one scenario replays on its own too).
// Needs `npm run build` first (the pages load dist/offerwise.iife.js).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/decide/types.js';
import type { FlushSummary } from '../../src/feedback/outbox.js';
import { openPage, requireChromium, sdkPage, useHarness, type PageWindow } from '../support/e2e.js';

const hasChromium = requireChromium();

const SEED = (() => {
  const env = process.env.OUTBOX_CHAOS_SEED;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw new Error(`OUTBOX_CHAOS_SEED must be an integer in [0, 2^32): ${env}`);
    }
    return n;
  }
  return Math.floor(Math.random() * 0x1_0000_0000);
})();
console.log(`outbox-chaos seed=${SEED} (replay: OUTBOX_CHAOS_SEED=${SEED})`);

/** mulberry32: a small seeded generator, uniform in [0, 1). */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The generator of one scenario: the seed mixed with the scenario's number. */
function scenarioRandom(scenario: number): () => number {
  return generator((SEED ^ Math.imul(scenario + 1, 0x9e3779b1)) >>> 0);
}

const ENDPOINT = '/api/feedback';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The mock collector

/**
 * What the collector does with one request: `ok` stores it and answers 204; `5xx` answers 503;
 * `429` answers 429 with `Retry-After: 1`; `network` destroys the socket before storing;
 * `reply_lost` stores it, then destroys the socket (the batch is committed, the reply is lost).
 */
type Fault = 'ok' | '5xx' | '429' | 'network' | 'reply_lost';

interface RequestLog {
  /** Server clock (ms) when the request arrived (its headers) and when its reply went out. */
  arrived: number;
  replied: number;
  fault: Fault;
  ids: string[];
  attempt: string | undefined;
  contentType: string;
  beacon: boolean;
}

interface Collector {
  /** Delivered (stored) ids and how many times each was stored. */
  counts: Map<string, number>;
  /** Ids stored in a batch whose reply was lost. */
  replyLostIds: Set<string>;
  requests: RequestLog[];
  /** Bodies that were not the wire format. */
  malformed: string[];
  /** Sum of the `dropped` counters of stored batches, by reason. */
  dropped: Record<string, number>;
  inflight: number;
  maxInflight: number;
  /** Decides the fault of a request; `beacon` when it came with a text/plain body. */
  fault: (beacon: boolean) => Fault;
}

function newCollector(): Collector {
  return {
    counts: new Map(),
    replyLostIds: new Set(),
    requests: [],
    malformed: [],
    dropped: {},
    inflight: 0,
    maxInflight: 0,
    fault: () => 'ok',
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The ids of a wire-format body, or a reason it is not one. */
function parseWire(body: string): { ids: string[]; dropped: Record<string, number> } | string {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return 'not JSON';
  }
  const d = data as { v?: unknown; sentAt?: unknown; events?: unknown; dropped?: unknown };
  if (d === null || typeof d !== 'object') return 'not an object';
  if (d.v !== 1) return `v ${String(d.v)}`;
  if (typeof d.sentAt !== 'number') return 'sentAt';
  if (!Array.isArray(d.events)) return 'events';
  if (d.dropped === null || typeof d.dropped !== 'object') return 'dropped';
  const ids: string[] = [];
  for (const e of d.events as { id?: unknown }[]) {
    if (typeof e?.id !== 'string' || e.id === '') return 'event without id';
    ids.push(e.id);
  }
  return { ids, dropped: d.dropped as Record<string, number> };
}

function collectorRoute(c: Collector) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const arrived = Date.now();
    c.inflight++;
    c.maxInflight = Math.max(c.maxInflight, c.inflight);
    let open = true;
    const done = () => {
      if (open) c.inflight--;
      open = false;
    };
    // 'close' comes once the reply is sent or the socket is destroyed.
    res.on('close', done);
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const body = await readBody(req);
    const contentType = String(req.headers['content-type'] ?? '');
    const beacon = contentType.startsWith('text/plain');
    const parsed = parseWire(body);
    const log: RequestLog = {
      arrived,
      replied: 0,
      fault: 'ok',
      ids: [],
      attempt: req.headers['x-offerwise-attempt'] as string | undefined,
      contentType,
      beacon,
    };
    c.requests.push(log);
    if (typeof parsed === 'string') {
      c.malformed.push(`${parsed}: ${body.slice(0, 200)}`);
      log.replied = Date.now();
      res.writeHead(400).end();
      return;
    }
    log.ids = parsed.ids;
    const fault = c.fault(beacon);
    log.fault = fault;
    const store = () => {
      for (const id of parsed.ids) c.counts.set(id, (c.counts.get(id) ?? 0) + 1);
      for (const [reason, n] of Object.entries(parsed.dropped)) {
        if (typeof n === 'number') c.dropped[reason] = (c.dropped[reason] ?? 0) + n;
      }
    };
    log.replied = Date.now();
    switch (fault) {
      case 'ok':
        store();
        res.writeHead(204, { 'cache-control': 'no-store' }).end();
        return;
      case '5xx':
        res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
        return;
      case '429':
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' }).end('slow down');
        return;
      case 'network':
        req.socket.destroy();
        return;
      case 'reply_lost':
        store();
        for (const id of parsed.ids) c.replyLostIds.add(id);
        req.socket.destroy();
        return;
    }
  };
}

interface Tally {
  accepted: number;
  delivered: number;
  lost: number;
  duplicates: number;
  lostIds: string[];
  duplicateIds: string[];
}

function tally(c: Collector, accepted: Iterable<string>): Tally {
  const acc = new Set(accepted);
  const lostIds = [...acc].filter((id) => !c.counts.has(id));
  const duplicateIds = [...c.counts].filter(([, n]) => n > 1).map(([id]) => id);
  const duplicates = [...c.counts.values()].reduce((sum, n) => sum + n - 1, 0);
  return {
    accepted: acc.size,
    delivered: c.counts.size,
    lost: lostIds.length,
    duplicates,
    lostIds,
    duplicateIds,
  };
}

function printLine(scenario: string, t: Tally, c: Collector): void {
  console.log(
    `outbox-chaos ${scenario} accepted=${t.accepted} delivered=${t.delivered} lost=${t.lost} ` +
      `duplicates=${t.duplicates} max_inflight=${c.maxInflight} seed=${SEED}`,
  );
}

function faultSummary(c: Collector): string {
  const by: Record<string, number> = {};
  for (const r of c.requests) by[r.fault] = (by[r.fault] ?? 0) + 1;
  const beacons = c.requests.filter((r) => r.beacon).length;
  return `requests=${c.requests.length} ${JSON.stringify(by)} beacons=${beacons} dropped=${JSON.stringify(c.dropped)}`;
}

// ---------------------------------------------------------------------------------------------
// Pages

interface ChaosWindow extends PageWindow {
  ow: PageWindow['offerwise'];
  decision: Decision;
  acc: string[];
  stop: boolean;
  rejections: string[];
}

function catalog() {
  const now = Date.now();
  return {
    version: 1,
    server_time: new Date(now).toISOString(),
    currency: 'EUR',
    placements: { home: { limit: 3 } },
    offers: Array.from({ length: 4 }, (_, i) => ({
      id: `c-${i}`,
      type: 'coupon',
      title: `${5 + i}% off category ${i}`,
      category: `cat${i}`,
      discount: { percent: 5 + i },
      code: `CODE${i}`,
      placements: ['home'],
    })),
  };
}

/** Creates `window.ow` (wall clock shifted by `clockShiftMs`) and makes one decision. */
async function createIn(page: Page, clockShiftMs = 0): Promise<void> {
  await page.evaluate(
    async ({ catalog, endpoint, clockShiftMs }) => {
      const w = window as unknown as ChaosWindow;
      w.ow = await w.Offerwise.createOffers({
        consent: 'granted',
        catalog,
        endpoint,
        decisions: { holdoutShare: 0, caps: { offer: {}, placement: {}, overall: {} } },
        ...(clockShiftMs !== 0 ? { now: () => Date.now() + clockShiftMs } : {}),
      });
      w.decision = await w.ow.decide({ placement: 'home', limit: 3 });
      if (w.decision.offers.length === 0) throw new Error('the decision shows no offer');
    },
    { catalog: catalog(), endpoint: ENDPOINT, clockShiftMs },
  );
}

/** `n` report() calls, `parallel` at a time; the accepted ids. */
function reportIn(page: Page, n: number, parallel: number): Promise<string[]> {
  return page.evaluate(
    async ({ n, parallel }) => {
      const w = window as unknown as ChaosWindow;
      const d = w.decision;
      const ids: string[] = [];
      for (let i = 0; i < n; i += parallel) {
        const batch = [];
        for (let k = i; k < Math.min(n, i + parallel); k++) {
          const offer = d.offers[k % d.offers.length]!;
          batch.push(
            w.ow.report(d.decisionId, offer.offerId, k % 5 === 4 ? 'click' : 'impression'),
          );
        }
        for (const r of await Promise.all(batch)) {
          if (typeof r.id !== 'string') throw new Error(`report() accepted without an id`);
          ids.push(r.id);
        }
      }
      return ids;
    },
    { n, parallel },
  );
}

/**
 * Calls `flush()` until the collector holds every accepted id (or the budget runs out), waiting
 * out a scheduled retry between calls. Returns the last summary.
 */
async function flushUntilDelivered(
  page: Page,
  c: Collector,
  accepted: string[],
  budgetMs: number,
): Promise<FlushSummary | undefined> {
  const until = Date.now() + budgetMs;
  let last: FlushSummary | undefined;
  while (Date.now() < until) {
    last = await page.evaluate(() => (window as unknown as ChaosWindow).ow.flush());
    if (accepted.every((id) => c.counts.has(id)) && last.reason === 'done') return last;
    const wait = last.reason === 'retry_scheduled' ? (last.retryInMs ?? 200) + 20 : 50;
    await sleep(Math.max(10, Math.min(wait, until - Date.now())));
  }
  return last;
}

function recordRejections(): void {
  const w = window as unknown as ChaosWindow;
  w.rejections = [];
  addEventListener('unhandledrejection', (e) => w.rejections.push(String(e.reason)));
}

// ---------------------------------------------------------------------------------------------

describe.skipIf(!hasChromium)('outbox chaos in Chromium', () => {
  const h = useHarness();

  async function setUp(c: Collector): Promise<{ context: BrowserContext; url: string }> {
    h.server.route(ENDPOINT, collectorRoute(c));
    const url = h.server.page('/outbox.html', sdkPage({}));
    const context = await h.newContext();
    await context.addInitScript(recordRejections);
    return { context, url };
  }

  async function pageProblems(page: Page, errors: Error[]): Promise<string[]> {
    const rejections = await page.evaluate(() => (window as unknown as ChaosWindow).rejections);
    return [...errors.map((e) => `pageerror: ${e.message}`), ...rejections];
  }

  it('R1: healthy server, 2,000+ events: none lost, none duplicated', async () => {
    const c = newCollector();
    const { context, url } = await setUp(c);
    const tab = await openPage(context, url);
    await createIn(tab.page);
    const accepted: string[] = [];
    const started = Date.now();
    // 2,000 events, then more while it stays fast (at most 4,000 or ~4 s of reporting).
    while (accepted.length < 2000 || (accepted.length < 4000 && Date.now() - started < 4000)) {
      accepted.push(...(await reportIn(tab.page, 500, 25)));
    }
    const last = await flushUntilDelivered(tab.page, c, accepted, 20_000);
    const t = tally(c, accepted);
    printLine('R1', t, c);
    console.log(`outbox-chaos R1 detail ${faultSummary(c)} last_flush=${JSON.stringify(last)}`);
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(c.malformed).toEqual([]);
    expect(t.lostIds.slice(0, 5)).toEqual([]);
    expect(t.duplicates).toBe(0);
    expect(c.maxInflight).toBeLessThanOrEqual(1);
    expect(await pageProblems(tab.page, tab.errors)).toEqual([]);
  });

  it('R2: 30% 5xx, 5% 429 (Retry-After: 1), 5% network errors: none lost or duplicated, Retry-After honoured', async () => {
    const c = newCollector();
    const random = scenarioRandom(2);
    // Seeded faults; the 2nd request is always a 429 and the 4th a network error, so that every
    // fault kind occurs in every run however few batches there are.
    c.fault = () => {
      const r = random();
      if (c.requests.length === 2) return '429';
      if (c.requests.length === 4) return 'network';
      return r < 0.3 ? '5xx' : r < 0.35 ? '429' : r < 0.4 ? 'network' : 'ok';
    };
    const { context, url } = await setUp(c);
    const tab = await openPage(context, url);
    await createIn(tab.page);
    const accepted = await reportIn(tab.page, 800, 20);
    const last = await flushUntilDelivered(tab.page, c, accepted, 30_000);
    const t = tally(c, accepted);
    printLine('R2', t, c);
    console.log(`outbox-chaos R2 detail ${faultSummary(c)} last_flush=${JSON.stringify(last)}`);
    // No request may arrive within a second of a 429 reply leaving the server (server clock; the
    // client can only learn of the 429 after that, so this margin is on the generous side).
    const early: string[] = [];
    for (const r429 of c.requests.filter((r) => r.fault === '429')) {
      const next = c.requests.find((r) => r.arrived > r429.replied);
      // 5 ms of tolerance for the two clocks' granularity.
      if (next && next.arrived < r429.replied + 1000 - 5) {
        early.push(`+${next.arrived - r429.replied} ms after a 429`);
      }
    }
    console.log(
      `outbox-chaos R2 retry-after: ${c.requests.filter((r) => r.fault === '429').length} 429s, early=${JSON.stringify(early)}`,
    );
    expect(c.malformed).toEqual([]);
    expect(early).toEqual([]);
    expect(t.lostIds.slice(0, 5)).toEqual([]);
    expect(t.duplicates).toBe(0);
    expect(c.maxInflight).toBeLessThanOrEqual(1);
    expect(await pageProblems(tab.page, tab.errors)).toEqual([]);
  });

  it('R3: 10% of batches stored but the reply lost: none lost; duplicates only from those batches', async () => {
    const c = newCollector();
    const random = scenarioRandom(3);
    c.fault = () => (random() < 0.1 ? 'reply_lost' : 'ok');
    const { context, url } = await setUp(c);
    const tab = await openPage(context, url);
    await createIn(tab.page);
    const accepted = await reportIn(tab.page, 1000, 25);
    const last = await flushUntilDelivered(tab.page, c, accepted, 25_000);
    const t = tally(c, accepted);
    printLine('R3', t, c);
    console.log(`outbox-chaos R3 detail ${faultSummary(c)} last_flush=${JSON.stringify(last)}`);
    expect(c.malformed).toEqual([]);
    expect(t.lostIds.slice(0, 5)).toEqual([]);
    const stray = t.duplicateIds.filter((id) => !c.replyLostIds.has(id));
    expect(stray.slice(0, 5)).toEqual([]);
    // Each id is stored at most once per reply-lost batch it was in, plus its final delivery.
    for (const id of t.duplicateIds) {
      const lostIn = c.requests.filter((r) => r.fault === 'reply_lost' && r.ids.includes(id));
      expect(c.counts.get(id)).toBeLessThanOrEqual(lostIn.length + 1);
    }
    expect(c.maxInflight).toBeLessThanOrEqual(1);
    expect(await pageProblems(tab.page, tab.errors)).toEqual([]);
  });

  it('R4: reloads at random points while reporting, 20% 5xx: none lost after a healthy page flushes', async () => {
    const RELOADS = 12;
    const BATCH = 50;
    const c = newCollector();
    const random = scenarioRandom(4);
    // Faults on the regular POSTs only. A page-leave beacon's reply is never read and its rows stay
    // leased for 60 s, so a faulted beacon would only be resent after the lease; the final page
    // below runs with its wall clock 61 s ahead, which also covers that case.
    c.fault = () => (random() < 0.2 ? '5xx' : 'ok');
    const { context, url } = await setUp(c);
    const tab = await openPage(context, url);
    const accepted: string[] = [];
    for (let i = 0; i < RELOADS; i++) {
      await createIn(tab.page);
      // Report continuously, a few at a time, recording every accepted id in the page.
      await tab.page.evaluate(() => {
        const w = window as unknown as ChaosWindow;
        w.acc = [];
        w.stop = false;
        const d = w.decision;
        void (async () => {
          for (let k = 0; !w.stop; k += 5) {
            const batch = [];
            for (let j = k; j < k + 5; j++) {
              const offer = d.offers[j % d.offers.length]!;
              batch.push(
                w.ow.report(d.decisionId, offer.offerId, j % 5 === 4 ? 'click' : 'impression'),
              );
            }
            for (const r of await Promise.allSettled(batch)) {
              if (r.status === 'fulfilled' && r.value.id) w.acc.push(r.value.id);
            }
            // About 500 events/s: a busy page, without filling the 5,000-row cap.
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        })();
      });
      await sleep(150 + Math.floor(random() * 1200));
      accepted.push(
        ...(await tab.page.evaluate(() => (window as unknown as ChaosWindow).acc.splice(0))),
      );
      expect(await pageProblems(tab.page, tab.errors)).toEqual([]);
      await tab.page.reload();
    }
    // The final page: a healthy server, and a wall clock 61 s ahead so that leases taken by the
    // reloaded pages (in-flight batches, beacons) have expired, as on a later visit.
    c.fault = () => 'ok';
    await createIn(tab.page, 61_000);
    const last = await flushUntilDelivered(tab.page, c, accepted, 20_000);
    const t = tally(c, accepted);
    printLine('R4', t, c);
    console.log(
      `outbox-chaos R4 detail reloads=${RELOADS} ${faultSummary(c)} last_flush=${JSON.stringify(last)}`,
    );
    expect(c.malformed).toEqual([]);
    expect(t.lostIds.slice(0, 5)).toEqual([]);
    // Page-leave beacons are never confirmed, so every beaconed event is sent again once its lease
    // expires (see the next test): those duplicates are counted apart here.
    const beaconed = new Set(
      c.requests.filter((r) => r.beacon && r.fault === 'ok').flatMap((r) => r.ids),
    );
    const fromBeacons = [...c.counts]
      .filter(([id]) => beaconed.has(id))
      .reduce((sum, [, n]) => sum + n - 1, 0);
    console.log(
      `outbox-chaos R4 duplicates: ${fromBeacons} of ${t.duplicates} are events of a delivered beacon (${beaconed.size} beaconed events); bound ${RELOADS * BATCH}`,
    );
    expect(t.duplicates - fromBeacons).toBeLessThanOrEqual(RELOADS * BATCH);
    expect(last?.reason).toBe('done');
    expect(await pageProblems(tab.page, tab.errors)).toEqual([]);
  });

  // A page-leave beacon is never confirmed, so what it carries is sent again after its lease;
  // it carries at most one batch, which bounds those duplicates at batch size per page leave.
  // Deterministic: the first POST gets a 503 (backoff ≥ 1 s), 200 events are reported during the
  // backoff, the page reloads (the beacon is stored), and a later page (wall clock 61 s ahead)
  // sends the rest.
  it('R4 bound: one reload during a backoff causes at most batch-size (50) duplicates', async () => {
    const c = newCollector();
    c.fault = (beacon) => (!beacon && c.requests.length === 1 ? '5xx' : 'ok');
    const { context, url } = await setUp(c);
    const tab = await openPage(context, url);
    await createIn(tab.page);
    const accepted = await reportIn(tab.page, 50, 50); // a full batch: sent at once, gets the 503
    for (let i = 0; i < 50 && c.requests.length === 0; i++) await sleep(20);
    accepted.push(...(await reportIn(tab.page, 200, 10))); // during the backoff
    await tab.page.reload();
    c.fault = () => 'ok';
    await createIn(tab.page, 61_000);
    const last = await flushUntilDelivered(tab.page, c, accepted, 10_000);
    const t = tally(c, accepted);
    printLine('R4-beacon', t, c);
    console.log(
      `outbox-chaos R4-beacon detail ${faultSummary(c)} last_flush=${JSON.stringify(last)}`,
    );
    expect(t.lost).toBe(0);
    expect(t.duplicates).toBeLessThanOrEqual(50);
  });
});
