// The static server the browser tests, the benchmarks and the demo share, and the demo's
// collector under each attack of the privacy audit's finding 6 (issue 15): Node requests, and one
// real cross-site page in Chromium. The collector's clock is the test's, so nothing waits.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoServerOptions, DemoServer } from '../../demo/server.mjs';
import { startDemoServer } from '../../demo/server.mjs';
import { launchChromium, requireChromium } from '../support/browser.mjs';
import { collectorState, qaHeaders, receivedEvents, receivedOrders } from '../support/demo-qa.js';
import { startServer, type StaticServer } from '../support/server.mjs';

/** A raw GET, so that the path reaches the server exactly as written (fetch normalises `..`). */
function rawGet(server: StaticServer, rawPath: string): Promise<number> {
  return rawRequest(server, { path: rawPath }).then((r) => r.status);
}

/** A request with exactly these headers (fetch sets `Host` itself). */
function rawRequest(
  server: StaticServer,
  options: { path: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('static server', () => {
  let root: string;
  let server: StaticServer;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ow-server-'));
    const site = path.join(root, 'site');
    const lib = path.join(root, 'lib');
    mkdirSync(path.join(site, 'docs'), { recursive: true });
    mkdirSync(lib);
    writeFileSync(path.join(root, 'secret.txt'), 'outside the roots');
    writeFileSync(path.join(site, 'index.html'), '<p>home</p>');
    writeFileSync(path.join(site, 'app.js'), 'void 0;');
    writeFileSync(path.join(site, 'data.json'), '{"a":1}');
    writeFileSync(path.join(lib, 'mod.mjs'), 'export {};');
    writeFileSync(path.join(lib, 'mod.mjs.map'), '{}');
    writeFileSync(path.join(lib, 'm.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    server = await startServer({ roots: [site, { prefix: '/lib', dir: lib }] });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 on an ephemeral port', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    expect(server.url('/x')).toBe(`${server.origin}/x`);
  });

  it('serves files with their MIME type', async () => {
    const cases: [string, string][] = [
      ['/', 'text/html; charset=utf-8'],
      ['/index.html', 'text/html; charset=utf-8'],
      ['/app.js', 'text/javascript; charset=utf-8'],
      ['/data.json', 'application/json; charset=utf-8'],
      ['/lib/mod.mjs', 'text/javascript; charset=utf-8'],
      ['/lib/mod.mjs.map', 'application/json; charset=utf-8'],
      ['/lib/m.wasm', 'application/wasm'],
    ];
    for (const [pathname, type] of cases) {
      const res = await fetch(server.url(pathname));
      expect([pathname, res.status, res.headers.get('content-type')]).toEqual([
        pathname,
        200,
        type,
      ]);
    }
    const wasm = new Uint8Array(await (await fetch(server.url('/lib/m.wasm'))).arrayBuffer());
    expect([...wasm.slice(0, 4)]).toEqual([0, 0x61, 0x73, 0x6d]);
    expect(await (await fetch(server.url('/app.js?v=2'))).text()).toBe('void 0;');
  });

  it('answers 404, never an HTML page, for what it does not have', async () => {
    for (const pathname of ['/missing.wasm', '/docs/', '/lib/nope.mjs', '/lib/']) {
      const res = await fetch(server.url(pathname));
      expect([pathname, res.status]).toEqual([pathname, 404]);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    }
    expect(await rawGet(server, '/../secret.txt')).toBe(404);
    expect(await rawGet(server, '/lib/%2e%2e/secret.txt')).toBe(404);
    expect(await rawGet(server, '/lib/..%2f..%2fsecret.txt')).toBe(404);
  });

  it('lets a test add pages and routes that win over files', async () => {
    const url = server.page('/app.js', '<p>page</p>');
    expect(await (await fetch(url)).text()).toBe('<p>page</p>');
    server.route('/api/echo', (req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain' }).end(req.method);
    });
    const posted = await fetch(server.url('/api/echo'), { method: 'POST' });
    expect([posted.status, await posted.text()]).toEqual([201, 'POST']);
    server.unroute('/app.js');
    expect(await (await fetch(server.url('/app.js'))).text()).toBe('void 0;');
    expect((await fetch(server.url('/app.js'), { method: 'POST' })).status).toBe(405);
  });
});

const hasChromium = requireChromium();
const DAY = 86_400_000;
/** The collector's clock when each test's server starts. */
const T0 = Date.UTC(2026, 10, 20, 12);

describe('demo collector (issue 15, finding 6)', () => {
  const servers: DemoServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  /** A demo server of its own, on the test's clock (`clock.now`), with `limits` overridden. */
  async function demo(limits?: DemoServerOptions['limits']) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ow-collector-'));
    const clock = { now: T0 };
    const server = await startDemoServer({ port: 0, dataDir, now: () => clock.now, limits });
    servers.push(server);
    const lines = (file: string): Record<string, unknown>[] => {
      const full = path.join(dataDir, file);
      if (!existsSync(full)) return [];
      return readFileSync(full, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    return { server, clock, lines };
  }

  /** A POST as the shop's own page makes it (its Origin, JSON), with `headers` on top. */
  const post = (
    server: DemoServer,
    pathname: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(server.url(pathname), {
      method: 'POST',
      headers: { origin: server.origin, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  let ids = 0;
  /** A full event as the SDK sends it. */
  const event = (at: number, extra: Record<string, unknown> = {}) => ({
    id: `ev-${++ids}`,
    type: 'impression',
    decisionId: 'dec-1',
    offerId: 'c-shoes-15',
    placement: 'home',
    propensity: 0.5,
    modelVersion: 'd98eb637c883',
    at,
    ...extra,
  });
  const batch = (events: unknown[], extra: Record<string, unknown> = {}) => ({
    v: 1,
    sentAt: T0,
    events,
    dropped: {},
    ...extra,
  });
  const order = (extra: Record<string, unknown> = {}) => ({
    orderId: `ord-${++ids}`,
    decisionId: 'dec-1',
    revenue: 80,
    discount: 0,
    ...extra,
  });

  it('takes writes only from the shop’s own pages (Origin, Host) and only as JSON or text/plain', async () => {
    const { server, lines } = await demo();
    const ours = server.origin;
    const localhost = `http://localhost:${server.port}`;
    const cases: [string, Record<string, string>, number][] = [
      ['another site', { origin: 'https://evil.example' }, 403],
      ['another port of this host', { origin: `http://127.0.0.1:${server.port + 1}` }, 403],
      ['Origin null from another site', { origin: 'null', 'sec-fetch-site': 'cross-site' }, 403],
      ['Origin null, no fetch metadata', { origin: 'null' }, 403],
      ['a form post', { origin: ours, 'content-type': 'application/x-www-form-urlencoded' }, 415],
      ['the shop as 127.0.0.1', { origin: ours }, 204],
      ['the shop as localhost', { origin: localhost }, 204],
      // A browser that sends Origin: null for a same-origin request still says so.
      ['Origin null, same-origin', { origin: 'null', 'sec-fetch-site': 'same-origin' }, 204],
    ];
    for (const [what, headers, status] of cases) {
      const feedback = await post(server, '/api/feedback', batch([event(T0)]), headers);
      const orders = await post(server, '/api/orders', order(), headers);
      expect([what, feedback.status, orders.status]).toEqual([what, status, status]);
    }
    // No Origin at all: a non-browser client must say where it comes from.
    const bare = await rawRequest(server, {
      path: '/api/feedback',
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(batch([event(T0)])),
    });
    expect(bare.status).toBe(403);
    expect(JSON.parse(bare.body).error).toBe(
      `Origin: got undefined, expected one of ${ours}, ${localhost}`,
    );
    // A DNS-rebinding page: our address under another name, its own origin.
    const rebound = await rawRequest(server, {
      path: '/api/feedback',
      method: 'POST',
      headers: {
        host: `evil.example:${server.port}`,
        origin: `http://evil.example:${server.port}`,
        'content-type': 'text/plain',
      },
      body: JSON.stringify(batch([event(T0)])),
    });
    expect(rebound.status).toBe(403);
    // The SDK's page-leave request is text/plain: taken.
    const keepalive = await post(server, '/api/feedback', batch([event(T0)]), {
      'content-type': 'text/plain;charset=UTF-8',
    });
    expect(keepalive.status).toBe(204);
    expect(lines('feedback.jsonl')).toHaveLength(4);
    expect(lines('orders.jsonl')).toHaveLength(3);
    expect((await collectorState(server)).counts.refused).toBe(4 * 2 + 1 * 2 + 2);
  });

  it.skipIf(!hasChromium)(
    'a page of another site posting text/plain (the audit’s attack) changes nothing',
    async () => {
      const { server, lines } = await demo();
      const evil = await startServer({});
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(evil.page('/attack.html', '<p>another site</p>'));
        // `localhost`: the shop under its other name, so that the request is cross-site too.
        const target = `http://localhost:${server.port}`;
        await page.evaluate(async (target) => {
          // no-cors with text/plain: the "simple" requests a page may send anywhere without asking.
          const send = (pathname: string, body: unknown) =>
            fetch(target + pathname, {
              method: 'POST',
              mode: 'no-cors',
              headers: { 'content-type': 'text/plain' },
              body: JSON.stringify(body),
            });
          await send('/api/faults', { offline: true });
          await send('/api/orders', {
            orderId: 'evil-1',
            decisionId: 'dec-1',
            revenue: 999999,
            discount: 0,
          });
          await send('/api/feedback', { v: 1, events: [] });
          // Resolved: the answers came back, so the server has handled all three.
        }, target);
        const state = await collectorState(server);
        expect(state.offline).toBe(false);
        expect(state.counts.refused).toBe(3);
        expect(await receivedOrders(server)).toEqual([]);
        expect(lines('orders.jsonl')).toEqual([]);
      } finally {
        await browser.close();
        await evil.close();
      }
    },
  );

  it('orders: bounds and lengths checked (400 naming the field), unknown fields dropped, kept once', async () => {
    const { server, lines } = await demo();
    const refused: [string, string][] = [
      [
        '{"orderId":"o-1","decisionId":"d","revenue":1e300,"discount":0}',
        'revenue: got 1e+300, expected a number from 0 to 100000',
      ],
      [
        JSON.stringify(order({ revenue: 999_999 })),
        'revenue: got 999999, expected a number from 0 to 100000',
      ],
      [
        JSON.stringify(order({ revenue: -1 })),
        'revenue: got -1, expected a number from 0 to 100000',
      ],
      [
        JSON.stringify(order({ revenue: '80' })),
        'revenue: got "80", expected a number from 0 to 100000',
      ],
      [
        JSON.stringify(order({ revenue: 80, discount: 80.5 })),
        'discount: got 80.5, expected a number from 0 to the revenue (80)',
      ],
      [
        JSON.stringify(order({ orderId: 'x'.repeat(201) })),
        `orderId: got "${'x'.repeat(56)}…, expected a non-empty string of at most 200 characters`,
      ],
      [
        JSON.stringify(order({ offerId: 42 })),
        'offerId: got 42, expected a non-empty string of at most 200 characters',
      ],
      ['[]', 'body: got [], expected an order { "orderId", "decisionId", "revenue", "discount" }'],
      ['{"orderId":', 'body: got "{\\"orderId\\":", expected JSON'],
    ];
    for (const [body, message] of refused) {
      const answer = await post(server, '/api/orders', body);
      expect([body.slice(0, 40), answer.status, (await answer.json()).error]).toEqual([
        body.slice(0, 40),
        400,
        message,
      ]);
    }
    const good = {
      orderId: 'ord-ok',
      decisionId: 'dec-1',
      revenue: 100_000,
      discount: 8,
      offerId: 'c-shoes-15',
      shopper: { email: 'a@example.com' },
      at: '1999-01-01T00:00:00.000Z',
    };
    expect((await post(server, '/api/orders', good)).status).toBe(204);
    // The same order id again (a retried request): kept once, as first received.
    expect((await post(server, '/api/orders', { ...good, revenue: 90 })).status).toBe(204);
    const kept = {
      orderId: 'ord-ok',
      decisionId: 'dec-1',
      revenue: 100_000,
      discount: 8,
      offerId: 'c-shoes-15',
      at: new Date(T0).toISOString(),
    };
    expect(lines('orders.jsonl')).toEqual([kept]);
    expect(await receivedOrders(server)).toEqual([kept]);
  });

  it('feedback: fields checked against the wire format, unknown ones dropped, the time is the server’s', async () => {
    const { server, clock, lines } = await demo();
    const good = event(T0 - 5_000, {
      shopper: { email: 'a@example.com' },
      receivedAt: '1999-01-01T00:00:00.000Z',
    });
    const anonymous = {
      id: 'anon-1',
      type: 'click',
      offerId: 'c-shoes-15',
      placement: 'home',
      propensity: 0.25,
      modelVersion: 'd98eb637c883',
      at: T0 - 3_600_000,
      // An anonymous event has nothing to join a policy on: not kept.
      policies: { greedy: 0.5 },
    };
    const withPolicies = event(T0, { policies: { greedy: 0.12, 'big-discount': 1 } });
    const bad = [
      event(T0, { propensity: 0 }),
      event(T0, { propensity: 1.01 }),
      event(1e300),
      event(T0 - 8 * DAY - 1),
      event(T0, { type: 'purchase' }),
      event(T0, { policies: { a: 0.1, b: 0.1, c: 0.1, d: 0.1, e: 0.1 } }),
      event(T0, { policies: { Greedy: 0.5 } }),
      event(T0, { policies: { greedy: 1.5 } }),
      event(T0, { offerId: 'x'.repeat(201) }),
      event(T0, { decisionId: null }),
      'not an event',
    ];
    const body = batch([good, anonymous, withPolicies, ...bad], {
      dropped: { rejected: 2 },
      droppedId: 'drop-1',
      receivedAt: '1999-01-01T00:00:00.000Z',
      shopper: { email: 'a@example.com' },
    });
    const answer = await post(server, '/api/feedback', body);
    expect(answer.status).toBe(200);
    const at = (i: number) => `events[${i}]`;
    const times = `a time in ms since 1970 from ${T0 - 8 * DAY} to ${T0 + DAY} (the last 8 days, or 1 ahead)`;
    const text = 'a non-empty string of at most 200 characters';
    expect(await answer.json()).toEqual({
      stored: 3,
      duplicates: 0,
      invalid: [
        `${at(3)}.propensity: got 0, expected a probability in (0, 1], at least 0.0001`,
        `${at(4)}.propensity: got 1.01, expected a probability in (0, 1], at least 0.0001`,
        `${at(5)}.at: got 1e+300, expected ${times}`,
        `${at(6)}.at: got ${T0 - 8 * DAY - 1}, expected ${times}`,
        `${at(7)}.type: got "purchase", expected impression, click, claim, dismiss`,
        `${at(8)}.policies: got {"a":0.1,"b":0.1,"c":0.1,"d":0.1,"e":0.1}, expected at most 4 policies`,
        `${at(9)}.policies key: got "Greedy", expected a policy id matching /^[a-z0-9][a-z0-9_-]{0,31}$/`,
        `${at(10)}.policies.greedy: got 1.5, expected a probability from 0 to 1`,
        `${at(11)}.offerId: got "${'x'.repeat(56)}…, expected ${text}`,
        `${at(12)}.decisionId: got null, expected ${text}`,
        `${at(13)}: got "not an event", expected an event object`,
      ],
    });
    const strip = ({ shopper, receivedAt, ...rest }: Record<string, unknown>) => rest;
    const stored = [strip(good), strip({ ...anonymous, policies: undefined }), withPolicies].map(
      (e) => JSON.parse(JSON.stringify(e)) as Record<string, unknown>,
    );
    const [line, ...more] = lines('feedback.jsonl');
    expect(more).toEqual([]);
    // The collector's own receivedAt; the client's, and its unknown fields, are gone.
    expect(line).toEqual({
      receivedAt: new Date(T0).toISOString(),
      v: 1,
      sentAt: T0,
      dropped: { rejected: 2 },
      droppedId: 'drop-1',
      events: stored,
    });
    expect(await receivedEvents(server)).toEqual(stored);
    expect((await collectorState(server)).counts).toMatchObject({ stored: 3, invalid: 11 });

    // Sent again (a reply lost): acknowledged, nothing stored twice, the counters neither.
    const again = await post(server, '/api/feedback', body);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ stored: 0, duplicates: 3 });
    expect(lines('feedback.jsonl')).toHaveLength(1);

    // Not a batch: 400, and the SDK bisects down to it. Too many events or bytes: 413, it splits.
    const notBatches = ['[]', '{"v":2,"events":[]}', '{"v":1}', '{"v":1,"events":{}}', 'v=1'];
    for (const text of notBatches)
      expect([text, (await post(server, '/api/feedback', text)).status]).toEqual([text, 400]);
    const many = batch(Array.from({ length: 101 }, () => event(T0)));
    const tooMany = await post(server, '/api/feedback', many);
    expect([tooMany.status, (await tooMany.json()).error]).toEqual([
      413,
      'events.length: got 101, expected at most 100',
    ]);
    const big = batch([event(T0, { padding: 'x'.repeat(70_000) })]);
    const tooBig = await rawRequest(server, {
      path: '/api/feedback',
      method: 'POST',
      headers: { origin: server.origin, 'content-type': 'application/json' },
      body: JSON.stringify(big),
    });
    expect(tooBig.status).toBe(413);
    expect(lines('feedback.jsonl')).toHaveLength(1);

    // A batch of anonymous events: the server's time of it is kept to the hour, as theirs is.
    clock.now = T0 + 1_234_567;
    const hourly = batch([{ ...anonymous, id: 'anon-2', at: T0 }], { sentAt: T0 });
    expect((await post(server, '/api/feedback', hourly)).status).toBe(204);
    expect(lines('feedback.jsonl')[1]).toMatchObject({
      receivedAt: new Date(T0).toISOString(),
      sentAt: T0,
    });
  });

  it('QA routes answer 401 without the token and 403 with a wrong one', async () => {
    const { server } = await demo();
    const other = await demo();
    expect(server.qaToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(other.server.qaToken).not.toBe(server.qaToken);
    const routes: [string, string][] = [
      ['GET', '/api/feedback/received'],
      ['GET', '/api/orders'],
      ['GET', '/api/faults'],
      ['POST', '/api/faults'],
    ];
    const tokens: [string, Record<string, string>, number][] = [
      ['none', {}, 401],
      ['another server’s', { 'x-qa-token': other.server.qaToken }, 403],
      ['a short one', { 'x-qa-token': 'x' }, 403],
      ['this server’s', qaHeaders(server), 200],
    ];
    for (const [method, pathname] of routes) {
      for (const [what, headers, status] of tokens) {
        const answer = await fetch(server.url(pathname), {
          method,
          headers: { origin: server.origin, 'content-type': 'application/json', ...headers },
          ...(method === 'POST' ? { body: '{"latencyMs":0}' } : {}),
        });
        expect([method, pathname, what, answer.status]).toEqual([method, pathname, what, status]);
      }
    }
    const wrong = await post(server, '/api/faults', { offline: 'yes' }, qaHeaders(server));
    expect([wrong.status, (await wrong.json()).error]).toEqual([
      400,
      'offline: got "yes", expected true or false',
    ]);
  });

  it('rate limit: a client past its bucket gets 429 with Retry-After; a batch costs one per event', async () => {
    const { server, clock } = await demo({ rateCapacity: 3, ratePerSecond: 1 });
    const send = () => post(server, '/api/feedback', batch([event(clock.now)]));
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(204);
    const limited = await send();
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '1']);
    clock.now += 1_000;
    expect((await send()).status).toBe(204);
    expect((await send()).status).toBe(429);
    // Five events on a full bucket of 3: taken, and the debt (2) is waited off: 3 s to the next.
    clock.now += 3_000;
    const five = batch(Array.from({ length: 5 }, () => event(clock.now)));
    expect((await post(server, '/api/feedback', five)).status).toBe(204);
    const after = await send();
    expect([after.status, after.headers.get('retry-after')]).toEqual([429, '3']);
    // Orders share the bucket.
    expect((await post(server, '/api/orders', order())).status).toBe(429);
    expect((await collectorState(server)).counts.rateLimited).toBe(4);
  });

  it('bounded memory: the dedupe map keeps at most its cap and forgets after the TTL; reads keep the last N', async () => {
    const { server, clock, lines } = await demo({
      dedupeMaxIds: 1_000,
      recentMax: 500,
      rateCapacity: 1e9,
    });
    // A flood like the audit's (1.1 M events), scaled down: 5,000 events in 50 batches.
    for (let b = 0; b < 50; b++) {
      const events = Array.from({ length: 100 }, () => event(clock.now));
      expect((await post(server, '/api/feedback', batch(events))).status).toBe(204);
    }
    let state = await collectorState(server);
    expect(state.dedupe).toEqual({ ids: 1_000, evicted: 4_000 });
    expect(state.counts.stored).toBe(5_000);
    const kept = await receivedEvents<{ id: string }>(server);
    expect(kept.map((e) => e.id)).toEqual(
      Array.from({ length: 500 }, (_, i) => `ev-${ids - 499 + i}`),
    );
    expect(lines('feedback.jsonl')).toHaveLength(50);

    // The last 1,000 ids are still known: sent again, not stored twice.
    const last = Array.from({ length: 100 }, (_, i) => ({
      ...event(clock.now),
      id: `ev-${ids - 100 - i}`,
    }));
    expect((await post(server, '/api/feedback', batch(last))).status).toBe(204);
    state = await collectorState(server);
    expect([state.counts.stored, state.counts.duplicates]).toEqual([5_000, 100]);

    // Eight days on, every id is forgotten; an event that old cannot pass the `at` check either,
    // so a late retry is refused, never stored twice.
    const first = last[0]!;
    clock.now += 8 * DAY + 1;
    expect(
      (await post(server, '/api/feedback', batch([event(clock.now)], { sentAt: clock.now })))
        .status,
    ).toBe(204);
    state = await collectorState(server);
    expect(state.dedupe).toEqual({ ids: 1, evicted: 4_000 });
    const late = await post(server, '/api/feedback', batch([first], { sentAt: clock.now }));
    expect(late.status).toBe(200);
    expect(await late.json()).toMatchObject({
      stored: 0,
      invalid: [expect.stringMatching(/^events\[0\]\.at: /)],
    });
  });

  it('GETs are paged: ?after=<cursor>&limit=<n>, 100 by default, at most 1,000', async () => {
    const { server } = await demo();
    const sent: string[] = [];
    for (let b = 0; b < 3; b++) {
      const events = Array.from({ length: b < 2 ? 100 : 50 }, () => event(T0));
      sent.push(...events.map((e) => e.id));
      expect((await post(server, '/api/feedback', batch(events))).status).toBe(204);
    }
    const page = async (query: string) => {
      const answer = await fetch(server.url(`/api/feedback/received${query}`), {
        headers: qaHeaders(server),
      });
      return { status: answer.status, body: await answer.json() };
    };
    const one = await page('');
    expect(one.status).toBe(200);
    expect(one.body.events.map((e: { id: string }) => e.id)).toEqual(sent.slice(0, 100));
    expect([one.body.next, one.body.more]).toEqual(['100', true]);
    const two = await page(`?after=${one.body.next}&limit=120`);
    expect(two.body.events.map((e: { id: string }) => e.id)).toEqual(sent.slice(100, 220));
    expect([two.body.next, two.body.more]).toEqual(['220', true]);
    const three = await page(`?after=${two.body.next}&limit=1000`);
    expect(three.body.events.map((e: { id: string }) => e.id)).toEqual(sent.slice(220));
    expect([three.body.next, three.body.more]).toEqual(['250', false]);
    // Nothing new: the same cursor comes back, to poll with.
    const none = await page('?after=250');
    expect([none.body.events, none.body.next, none.body.more]).toEqual([[], '250', false]);
    expect(none.body.byType).toEqual({ impression: 250, click: 0, claim: 0, dismiss: 0 });
    expect(await page('?limit=1001')).toEqual({
      status: 400,
      body: { error: 'limit: got "1001", expected a whole number from 0 to 1000' },
    });
    expect(await page('?after=abc')).toEqual({
      status: 400,
      body: { error: 'after: got "abc", expected a cursor from a previous page (`next`)' },
    });
  });
});
