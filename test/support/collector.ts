// Shared by the outbox chaos tests (test/e2e/outbox-chaos*.e2e.ts) and the privacy tests
// (test/e2e/privacy-outbox.e2e.ts): the seed, a mock collector (POST /api/feedback) that parses
// the wire format, records every request (headers and parsed body included) and every delivered
// event id (raw duplicates counted), tracks requests and page-leave keepalive bytes in flight and
// injects faults,
// the tally and its one printed line, and the page helpers that create an instance, report and
// flush.
//
// Every scenario prints one line
//   outbox-chaos <scenario> accepted=N delivered=N lost=N duplicates=N max_inflight=N seed=S
// The seed is printed when a test file loads this module; `OUTBOX_CHAOS_SEED=<seed>` replays it
// (each scenario draws from its own generator derived from the seed, so one scenario replays on
// its own too).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import type { Decision } from '../../src/decide/types.js';
import type { FlushSummary } from '../../src/feedback/outbox.js';
import type { FeedbackType } from '../../src/feedback/policy.js';
import { sdkPage, type Harness, type PageWindow } from './e2e.js';
import { seededRandom } from '../../src/decide/random.js';

export const SEED = (() => {
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

/** The seed of one scenario: the run's seed mixed with the scenario's number. */
export function scenarioSeed(scenario: number): number {
  return (SEED ^ Math.imul(scenario + 1, 0x9e3779b1)) >>> 0;
}

/** The generator of one scenario. */
export function scenarioRandom(scenario: number): () => number {
  return seededRandom(scenarioSeed(scenario));
}

export const ENDPOINT = '/api/feedback';
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The mock collector

/**
 * What the collector does with one request: `ok` stores it and answers 204; `5xx` answers 503;
 * `503-date` answers 503 with `Retry-After` as an HTTP-date `retryAfterDateMs` after the server's
 * clock (and, like every reply, a `Date` header); `503-retry` answers 503 with `Retry-After: 1` (a
 * server down for maintenance); `429` answers 429 with `Retry-After: 1`;
 * `network` destroys the socket before storing; `reply_lost` stores it, then destroys the socket
 * (the batch is committed, the reply is lost); `400` and `413` answer that status.
 */
export type Fault =
  'ok' | '5xx' | '503-date' | '503-retry' | '429' | 'network' | 'reply_lost' | '400' | '413';

/** What the fault function sees of a request. */
export interface BatchInfo {
  ids: string[];
  /** Body bytes. */
  bytes: number;
  /** A page-leave send: text/plain (sendBeacon, or fetch keepalive). */
  beacon: boolean;
  attempt: string | undefined;
}

export interface RequestLog {
  /** Server clock (ms) when the request arrived (its headers) and when its reply went out. */
  arrived: number;
  replied: number;
  /** When the collector saw the request end (reply sent or socket closed). */
  closed: number;
  fault: Fault;
  /** Status answered; 0 for a destroyed socket. */
  status: number;
  ids: string[];
  bytes: number;
  attempt: string | undefined;
  contentType: string;
  beacon: boolean;
  /** The client went away before the reply was written. */
  aborted: boolean;
  /** The request's headers as the collector received them (names in lower case). */
  headers: IncomingHttpHeaders;
  /** The body as parsed (wire format); undefined when it was not the wire format. */
  batch: WireBatchIn | undefined;
}

/** A wire-format body as the collector parsed it (fields as sent, not checked beyond `parseWire`). */
export interface WireBatchIn {
  v: number;
  sentAt: number;
  events: Record<string, unknown>[];
  dropped: Record<string, number>;
  droppedId?: string;
}

export interface Collector {
  /** Delivered (stored) ids and how many times each was stored. */
  counts: Map<string, number>;
  /** Ids stored in a batch whose reply was lost (or whose client left before the reply). */
  replyLostIds: Set<string>;
  requests: RequestLog[];
  /** Bodies that were not the wire format. */
  malformed: string[];
  /** Drop counters of stored batches by reason, each `droppedId` counted once (as a server must). */
  dropped: Record<string, number>;
  /** The same summed over every stored batch, repeats included. */
  droppedRaw: Record<string, number>;
  /** `droppedId`s stored, and how many times each came. */
  droppedIds: Map<string, number>;
  /** Requests of any kind open at the collector, and the most at once. */
  inflight: number;
  maxInflight: number;
  /** Regular (application/json) POSTs open at once: the one-sender rule. */
  inflightPosts: number;
  maxInflightPosts: number;
  /** Body bytes of page-leave (text/plain) requests open at once, and the most at once. */
  keepaliveBytes: number;
  maxKeepaliveBytes: number;
  /** Decides the fault of a request (`beacon` when it came with a text/plain body). */
  fault: (beacon: boolean, batch: BatchInfo) => Fault;
  /** Milliseconds the collector takes before it answers (after reading the body); default 0. */
  latency: () => number;
  /** For `503-date`: how far after the server's clock the Retry-After date is; default 2 s. */
  retryAfterDateMs: number;
}

export function newCollector(): Collector {
  return {
    counts: new Map(),
    replyLostIds: new Set(),
    requests: [],
    malformed: [],
    dropped: {},
    droppedRaw: {},
    droppedIds: new Map(),
    inflight: 0,
    maxInflight: 0,
    inflightPosts: 0,
    maxInflightPosts: 0,
    keepaliveBytes: 0,
    maxKeepaliveBytes: 0,
    fault: () => 'ok',
    latency: () => 0,
    retryAfterDateMs: 2000,
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
export function parseWire(body: string):
  | {
      ids: string[];
      dropped: Record<string, number>;
      droppedId: string | undefined;
      batch: WireBatchIn;
    }
  | string {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return 'not JSON';
  }
  const d = data as {
    v?: unknown;
    sentAt?: unknown;
    events?: unknown;
    dropped?: unknown;
    droppedId?: unknown;
  };
  if (d === null || typeof d !== 'object') return 'not an object';
  if (d.v !== 1) return `v ${String(d.v)}`;
  if (typeof d.sentAt !== 'number') return 'sentAt';
  if (!Array.isArray(d.events)) return 'events';
  if (d.dropped === null || typeof d.dropped !== 'object') return 'dropped';
  const hasDrops = Object.keys(d.dropped).length > 0;
  if (hasDrops !== (typeof d.droppedId === 'string' && d.droppedId !== '')) {
    return 'droppedId must come with non-empty dropped, and only then';
  }
  const ids: string[] = [];
  for (const e of d.events as { id?: unknown }[]) {
    if (typeof e?.id !== 'string' || e.id === '') return 'event without id';
    ids.push(e.id);
  }
  return {
    ids,
    dropped: d.dropped as Record<string, number>,
    droppedId: hasDrops ? (d.droppedId as string) : undefined,
    batch: d as WireBatchIn,
  };
}

export function collectorRoute(c: Collector) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const arrived = Date.now();
    const contentType = String(req.headers['content-type'] ?? '');
    const beacon = contentType.startsWith('text/plain');
    const length = Number(req.headers['content-length'] ?? 0) || 0;
    c.inflight++;
    c.maxInflight = Math.max(c.maxInflight, c.inflight);
    if (beacon) {
      c.keepaliveBytes += length;
      c.maxKeepaliveBytes = Math.max(c.maxKeepaliveBytes, c.keepaliveBytes);
    } else {
      c.inflightPosts++;
      c.maxInflightPosts = Math.max(c.maxInflightPosts, c.inflightPosts);
    }
    let open = true;
    let log: RequestLog | undefined;
    const done = () => {
      if (!open) return;
      open = false;
      c.inflight--;
      if (beacon) c.keepaliveBytes -= length;
      else c.inflightPosts--;
      if (log) {
        log.closed = Date.now();
        // The client went away before the reply (not a socket the collector destroyed itself).
        if (!res.writableEnded && log.fault !== 'network' && log.fault !== 'reply_lost') {
          log.aborted = true;
        }
      }
    };
    // 'close' comes once the reply is sent or the socket is destroyed.
    res.on('close', done);
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const body = await readBody(req);
    const parsed = parseWire(body);
    const entry: RequestLog = {
      arrived,
      replied: 0,
      closed: 0,
      fault: 'ok',
      status: 0,
      ids: [],
      bytes: Buffer.byteLength(body),
      attempt: req.headers['x-offerwise-attempt'] as string | undefined,
      contentType,
      beacon,
      aborted: false,
      headers: req.headers,
      batch: typeof parsed === 'string' ? undefined : parsed.batch,
    };
    log = entry;
    c.requests.push(entry);
    if (typeof parsed === 'string') {
      c.malformed.push(`${parsed}: ${body.slice(0, 200)}`);
      entry.replied = Date.now();
      entry.status = 400;
      res.writeHead(400).end();
      return;
    }
    entry.ids = parsed.ids;
    const fault = c.fault(beacon, {
      ids: parsed.ids,
      bytes: entry.bytes,
      beacon,
      attempt: entry.attempt,
    });
    entry.fault = fault;
    const wait = c.latency();
    if (wait > 0) await sleep(wait);
    const store = () => {
      for (const id of parsed.ids) c.counts.set(id, (c.counts.get(id) ?? 0) + 1);
      const seen = parsed.droppedId !== undefined && c.droppedIds.has(parsed.droppedId);
      if (parsed.droppedId !== undefined) {
        c.droppedIds.set(parsed.droppedId, (c.droppedIds.get(parsed.droppedId) ?? 0) + 1);
      }
      for (const [reason, n] of Object.entries(parsed.dropped)) {
        if (typeof n !== 'number') continue;
        c.droppedRaw[reason] = (c.droppedRaw[reason] ?? 0) + n;
        if (!seen) c.dropped[reason] = (c.dropped[reason] ?? 0) + n;
      }
    };
    entry.replied = Date.now();
    const reply = (status: number, headers: Record<string, string> = {}, text?: string) => {
      entry.status = status;
      // A client that left while the collector worked: its batch is handled all the same (as a
      // real server would), only the reply is lost.
      if (!open) {
        entry.aborted = true;
        if (status >= 200 && status < 300) for (const id of parsed.ids) c.replyLostIds.add(id);
        return;
      }
      res
        .writeHead(status, {
          'cache-control': 'no-store',
          ...(text !== undefined ? { 'content-type': 'text/plain' } : {}),
          ...headers,
        })
        .end(text);
    };
    switch (fault) {
      case 'ok':
        store();
        reply(204);
        return;
      case '5xx':
        reply(503, {}, 'unavailable');
        return;
      case '503-date':
        reply(
          503,
          { 'retry-after': new Date(Date.now() + c.retryAfterDateMs).toUTCString() },
          'unavailable',
        );
        return;
      case '503-retry':
        reply(503, { 'retry-after': '1' }, 'down for maintenance');
        return;
      case '429':
        reply(429, { 'retry-after': '1' }, 'slow down');
        return;
      case '400':
        reply(400, {}, 'malformed event');
        return;
      case '413':
        reply(413, {}, 'too large');
        return;
      // A socket the collector destroys is over for it at once: Chromium may send the same
      // request again on a fresh connection (its transparent retry of a reset keep-alive
      // socket) before Node reports this one closed.
      case 'network':
        done();
        req.socket.destroy();
        return;
      case 'reply_lost':
        store();
        for (const id of parsed.ids) c.replyLostIds.add(id);
        done();
        req.socket.destroy();
        return;
    }
  };
}

export interface Tally {
  accepted: number;
  delivered: number;
  lost: number;
  duplicates: number;
  lostIds: string[];
  duplicateIds: string[];
}

/**
 * Accepted vs delivered. `excused` are accepted ids that were dropped by a documented, counted
 * drop (evicted, expired, rejected, too_large): they are not loss (reliability.md's definition),
 * and the caller checks the counters that account for them.
 */
export function tally(c: Collector, accepted: Iterable<string>, excused?: Set<string>): Tally {
  const acc = new Set(accepted);
  const lostIds = [...acc].filter((id) => !c.counts.has(id) && !excused?.has(id));
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

/**
 * The scenario's one line. `max_inflight` is the most regular POSTs open at once (the one-sender
 * rule); page-leave beacons are apart (reliability.md rule 6: they go without the sender role) and
 * in `faultSummary` as `max_inflight_all`.
 */
export function printLine(scenario: string, t: Tally, c: Collector): void {
  console.log(
    `outbox-chaos ${scenario} accepted=${t.accepted} delivered=${t.delivered} lost=${t.lost} ` +
      `duplicates=${t.duplicates} max_inflight=${c.maxInflightPosts} seed=${SEED}`,
  );
}

export function faultSummary(c: Collector): string {
  const by: Record<string, number> = {};
  for (const r of c.requests) by[r.fault] = (by[r.fault] ?? 0) + 1;
  const beacons = c.requests.filter((r) => r.beacon).length;
  return (
    `requests=${c.requests.length} ${JSON.stringify(by)} beacons=${beacons} ` +
    `dropped=${JSON.stringify(c.dropped)}${
      JSON.stringify(c.droppedRaw) !== JSON.stringify(c.dropped)
        ? ` (raw, repeats included: ${JSON.stringify(c.droppedRaw)})`
        : ''
    } max_inflight_all=${c.maxInflight}`
  );
}

// ---------------------------------------------------------------------------------------------
// Pages

export interface ChaosWindow extends PageWindow {
  ow: PageWindow['offerwise'];
  decision: Decision;
  acc: string[];
  stop: boolean;
  rejections: string[];
  /** Added to `Date.now()` by the instance's wall clock (`now` option); change it to jump. */
  clockShift: number;
  /** Diagnostics of the instance, with `performance.now()` when they came. */
  diagnostics: { code: string; message: string; at: number }[];
  /** `performance.now()` when `createIn` called `createOffers`. */
  createdAt: number;
}

export interface CatalogOffer {
  id: string;
  title: string;
  category: string;
  description?: string;
  code?: string;
  placements: string[];
}

/** A catalog of coupons; by default four offers on `home`. */
export function catalog(offers?: CatalogOffer[], placements: string[] = ['home']) {
  const now = Date.now();
  return {
    version: 1,
    server_time: new Date(now).toISOString(),
    currency: 'EUR',
    placements: Object.fromEntries(placements.map((p) => [p, { limit: 3 }])),
    offers: (
      offers ??
      Array.from({ length: 4 }, (_, i) => ({
        id: `c-${i}`,
        title: `${5 + i}% off category ${i}`,
        category: `cat${i}`,
        code: `CODE${i}`,
        placements: ['home'],
      }))
    ).map((o, i) => ({ type: 'coupon', discount: { percent: 5 + i }, code: `CODE${i}`, ...o })),
  };
}

export interface CreateOptions {
  /** Default `catalog()`. */
  catalog?: Record<string, unknown>;
  /** Placement of the decision; default `home`. */
  placement?: string;
  /** `dbName` of the instance (the outbox is `<dbName>-outbox`); default the SDK's. */
  dbName?: string;
}

/**
 * Creates `window.ow` and makes one decision (`window.decision`). Its wall clock is
 * `Date.now() + window.clockShift`, starting at `clockShiftMs`: set `clockShift` in the page to
 * jump. Diagnostics go to `window.diagnostics`.
 */
export async function createIn(
  page: Page,
  clockShiftMs = 0,
  options: CreateOptions = {},
): Promise<void> {
  await page.evaluate(
    async ({ catalog, endpoint, clockShiftMs, placement, dbName }) => {
      const w = window as unknown as ChaosWindow;
      w.clockShift = clockShiftMs;
      w.diagnostics = [];
      w.createdAt = performance.now();
      w.ow = await w.Offerwise.createOffers({
        consent: 'granted',
        catalog,
        endpoint,
        ...(dbName !== undefined ? { dbName } : {}),
        decisions: { holdoutShare: 0, caps: { offer: {}, placement: {}, overall: {} } },
        now: () => Date.now() + w.clockShift,
        onDiagnostic: (d) =>
          w.diagnostics.push({ code: d.code, message: d.message, at: performance.now() }),
      });
      w.decision = await w.ow.decide({ placement, limit: 3 });
      if (w.decision.offers.length === 0) throw new Error('the decision shows no offer');
    },
    {
      catalog: options.catalog ?? catalog(),
      endpoint: ENDPOINT,
      clockShiftMs,
      placement: options.placement ?? 'home',
      dbName: options.dbName,
    },
  );
}

/** The default mix of `reportIn`: four impressions, then a click. */
export const DEFAULT_TYPES: readonly FeedbackType[] = [
  'impression',
  'impression',
  'impression',
  'impression',
  'click',
];

/**
 * `n` report() calls, `parallel` at a time, of types `types[k % types.length]`; the accepted ids
 * in call order (ids are assigned in call order for impressions and clicks).
 */
export function reportIn(
  page: Page,
  n: number,
  parallel: number,
  types: readonly FeedbackType[] = DEFAULT_TYPES,
): Promise<string[]> {
  return page.evaluate(
    async ({ n, parallel, types }) => {
      const w = window as unknown as ChaosWindow;
      const d = w.decision;
      const ids: string[] = [];
      for (let i = 0; i < n; i += parallel) {
        const batch = [];
        for (let k = i; k < Math.min(n, i + parallel); k++) {
          const offer = d.offers[k % d.offers.length]!;
          batch.push(w.ow.report(d.decisionId, offer.offerId, types[k % types.length]!));
        }
        for (const r of await Promise.all(batch)) {
          if (typeof r.id !== 'string') throw new Error(`report() accepted without an id`);
          ids.push(r.id);
        }
      }
      return ids;
    },
    { n, parallel, types: [...types] },
  );
}

/**
 * Calls `flush()` until the collector holds every accepted id (or the budget runs out), waiting
 * out a scheduled retry between calls. Returns the last summary.
 */
export async function flushUntilDelivered(
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

export interface FetchLog {
  /** performance.now() (the page's, possibly a fake clock) when the POST was made. */
  at: number;
  attempt: string | undefined;
  /** Status; 0 for a network error; -1 while pending. */
  status: number;
  /** performance.now() when the reply (or the network error) reached the page; -1 while pending. */
  repliedAt: number;
}

/**
 * An init script: logs every feedback POST the page makes (`window.fetchLog`), whether or not it
 * reaches the network, and makes `Math.random` the seeded generator of the query's `seed` (the
 * backoff's jitter replays with the run).
 */
export function logFeedbackFetches(): void {
  const w = window as unknown as { fetchLog: FetchLog[] };
  w.fetchLog = [];
  const seedParam = new URLSearchParams(location.search).get('seed');
  if (seedParam !== null) {
    let a = Number(seedParam) >>> 0;
    Math.random = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const original = window.fetch;
  window.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const promise = original.call(this, input, init);
    if (url.includes('/api/feedback')) {
      const headers = (init?.headers ?? {}) as Record<string, string>;
      const entry: FetchLog = {
        at: performance.now(),
        attempt: headers['X-Offerwise-Attempt'],
        status: -1,
        repliedAt: -1,
      };
      w.fetchLog.push(entry);
      promise.then(
        (r) => {
          entry.status = r.status;
          entry.repliedAt = performance.now();
        },
        () => {
          entry.status = 0;
          entry.repliedAt = performance.now();
        },
      );
    }
    return promise;
  } as typeof fetch;
}

export function fetchLogOf(page: Page): Promise<FetchLog[]> {
  return page.evaluate(() => (window as unknown as { fetchLog: FetchLog[] }).fetchLog);
}

/**
 * On a page whose clock is Playwright's paused fake clock: calls `flush()` until everything
 * `accepted` is delivered and the flush is `done`, running the fake clock through each scheduled
 * retry (a backoff of minutes passes in milliseconds, so the run does not depend on how long the
 * seeded faults make it back off). At most `rounds` flushes. Returns the last summary.
 */
export async function flushUntilDeliveredOnClock(
  page: Page,
  c: Collector,
  accepted: string[],
  rounds: number,
): Promise<FlushSummary | undefined> {
  let last: FlushSummary | undefined;
  for (let i = 0; i < rounds; i++) {
    last = await page.evaluate(() => (window as unknown as ChaosWindow).ow.flush());
    if (last.reason === 'done' && accepted.every((id) => c.counts.has(id))) break;
    await page.clock.runFor(last.reason === 'retry_scheduled' ? (last.retryInMs ?? 0) + 50 : 50);
    await sleep(20);
  }
  return last;
}

/**
 * Calls `flush()` until it reports `done` with nothing remaining (what this page's store holds is
 * delivered or dropped), waiting out scheduled retries. Returns the last summary.
 */
export async function flushUntilDone(
  page: Page,
  budgetMs: number,
): Promise<FlushSummary | undefined> {
  const until = Date.now() + budgetMs;
  let last: FlushSummary | undefined;
  while (Date.now() < until) {
    last = await page.evaluate(() => (window as unknown as ChaosWindow).ow.flush());
    if (last.reason === 'done' && last.remaining === 0) return last;
    const wait = last.reason === 'retry_scheduled' ? (last.retryInMs ?? 200) + 20 : 50;
    await sleep(Math.max(10, Math.min(wait, until - Date.now())));
  }
  return last;
}

/** An init script: records unhandled rejections in `window.rejections`. */
export function recordRejections(): void {
  const w = window as unknown as ChaosWindow;
  w.rejections = [];
  addEventListener('unhandledrejection', (e) => w.rejections.push(String(e.reason)));
}

/** Uncaught errors and unhandled rejections of a page (needs `recordRejections`). */
export async function pageProblems(page: Page, errors: Error[]): Promise<string[]> {
  const rejections = await page.evaluate(() => (window as unknown as ChaosWindow).rejections);
  return [...errors.map((e) => `pageerror: ${e.message}`), ...rejections];
}

/** Routes the collector, serves `/outbox.html` (the bundle) and makes a context. */
export async function chaosSetUp(
  h: Harness,
  c: Collector,
): Promise<{ context: BrowserContext; url: string }> {
  h.server.route(ENDPOINT, collectorRoute(c));
  const url = h.server.page('/outbox.html', sdkPage({}));
  const context = await h.newContext();
  await context.addInitScript(recordRejections);
  return { context, url };
}
