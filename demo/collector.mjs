// The demo shop's collector: feedback batches (/api/feedback), orders (/api/orders) and the QA
// routes (/api/feedback/received, GET /api/orders, /api/faults). Written to be copied: every field
// is checked against the wire format and unknown ones are dropped, the server stamps the time,
// writes come only from the shop's own pages (Origin), QA routes need a token, and memory stays
// bounded (rate limit, body cap, a dedupe map with a TTL and a size cap, paged reads). What a
// production collector must add is in docs/feedback.md ("What a production collector must do").
// Types (of this module and the two it re-exports, collector-schema.mjs and
// collector-bounds.mjs): collector.d.mts beside this file.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { IdMemory, RateLimiter, RecentLog } from './collector-bounds.mjs';
import {
  DEFAULT_LIMITS,
  EVENT_TYPES,
  PRECISION,
  floorTo,
  isObject,
  problem,
  validateBatch,
  validateOrder,
} from './collector-schema.mjs';

export * from './collector-schema.mjs';
export * from './collector-bounds.mjs';

/** The collector's fault controls, as `/api/faults` reads and sets them. */
const NO_FAULTS = Object.freeze({
  errorRate: 0,
  latencyMs: 0,
  dropAfterCommit: false,
  offline: false,
});

/** Checks a `POST /api/faults` body; returns the new faults or a message saying what is wrong. */
function parseFaults(body, current) {
  if (!isObject(body))
    return { error: problem('body', body, 'an object like { "errorRate": 0.5 }') };
  const next = { ...current };
  for (const [key, value] of Object.entries(body)) {
    if (key === 'errorRate') {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1))
        return { error: problem('errorRate', value, 'a number from 0 to 1') };
      next.errorRate = value;
    } else if (key === 'latencyMs') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 60_000)
        return { error: problem('latencyMs', value, 'a whole number from 0 to 60000') };
      next.latencyMs = value;
    } else if (key === 'dropAfterCommit' || key === 'offline') {
      if (typeof value !== 'boolean') return { error: problem(key, value, 'true or false') };
      next[key] = value;
    } else {
      return {
        error: problem('fault', key, 'errorRate, latencyMs, dropAfterCommit or offline'),
      };
    }
  }
  return { faults: next };
}

/** Makes a QA token: 256 random bits, URL-safe (it travels in a `#qa=` fragment). */
export const makeQaToken = () => randomBytes(32).toString('base64url');

function sameSecret(given, expected) {
  const a = Buffer.from(String(given));
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The collector's routes. `origins` are the pages allowed to write (the server's own origin under
 * its two names); `qaToken` guards the QA routes; `now` is the wall clock (tests pass their own).
 *
 * `POST /api/feedback` takes wire-format batches, keeps each event id once for `dedupeTtlMs`
 * (a retried batch is acknowledged again, not stored twice), appends the valid events to
 * `<dataDir>/feedback.jsonl` under its own `receivedAt` and answers 204; when events were
 * invalid it stores the others and answers 200 naming what it dropped (a 2xx: retrying cannot fix
 * them, and a 400 would make the SDK bisect and resend what is stored).
 *
 * Fault controls for QA (`/api/faults`, applied to `/api/feedback` only): `latencyMs` delays every
 * answer; `offline` destroys the connection before storing anything; `errorRate` answers that
 * share of requests with 503 (nothing stored); `dropAfterCommit` stores the batch, then destroys
 * the connection instead of answering (the client must retry and the dedupe must keep the events
 * once). Counters of what happened are in `GET /api/faults`.
 */
export function createCollector({ dataDir, origins, qaToken, now = Date.now, limits = {} }) {
  const L = { ...DEFAULT_LIMITS, ...limits };
  const allowed = new Set(origins);
  const hosts = new Set(origins.map((o) => new URL(o).host));
  const seen = new IdMemory({ ttlMs: L.dedupeTtlMs, maxIds: L.dedupeMaxIds, now });
  const orderIds = new IdMemory({ ttlMs: L.dedupeTtlMs, maxIds: L.dedupeMaxIds, now });
  const recentEvents = new RecentLog(L.recentMax);
  const recentOrders = new RecentLog(L.recentMax);
  const limiter = new RateLimiter({
    capacity: L.rateCapacity,
    perSecond: L.ratePerSecond,
    maxClients: L.rateMaxClients,
    now,
  });
  let faults = { ...NO_FAULTS };
  const counts = {
    requests: 0,
    stored: 0,
    duplicates: 0,
    invalid: 0,
    failed503: 0,
    dropped: 0,
    offline: 0,
    rateLimited: 0,
    refused: 0,
    byType: Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])),
  };

  // One write at a time: the dedupe check, the append and the marking of ids happen together, so
  // two copies of a batch in flight at once (a page-leave request and a retry) are stored once,
  // and an id is marked seen only once its event is on disk (a failed append is retried in full).
  let queue = Promise.resolve();
  const exclusive = (work) => {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  };
  const append = async (file, line) => {
    await mkdir(dataDir, { recursive: true });
    await appendFile(path.join(dataDir, file), line + '\n');
  };

  const send = (res, status, body, headers = {}) => {
    if (body === undefined) {
      res.writeHead(status, { 'cache-control': 'no-store', ...headers }).end();
      return;
    }
    res.writeHead(status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(JSON.stringify(body));
  };
  const refuse = (res, status, error, headers) => {
    counts.refused++;
    send(res, status, { error }, headers);
  };

  /**
   * A write must come from one of the shop's own pages. Browsers set `Origin` on every POST and a
   * page cannot forge it; a browser that sends `Origin: null` for its own page (some do under a
   * no-referrer policy) still says `Sec-Fetch-Site: same-origin`, which a page cannot forge
   * either. A `Host` that is not ours is a DNS-rebinding page.
   */
  const writeRefusal = (req) => {
    if (!hosts.has(req.headers.host ?? '')) return problem('Host', req.headers.host, 'this server');
    const origin = req.headers.origin;
    if (allowed.has(origin)) return undefined;
    if (
      (origin === undefined || origin === 'null') &&
      req.headers['sec-fetch-site'] === 'same-origin'
    )
      return undefined;
    return problem('Origin', origin, `one of ${[...allowed].join(', ')}`);
  };
  const mediaType = (req) =>
    String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
  const client = (req) => req.socket.remoteAddress ?? 'unknown';

  /** The body as text, or undefined once a 413 went out (the connection is then closed). */
  const readBody = (req, res, max) =>
    new Promise((resolve, reject) => {
      const tooLarge = () => {
        refuse(res, 413, problem('body', `${max + 1}+ bytes`, `at most ${max} bytes`), {
          connection: 'close',
        });
        resolve(undefined);
      };
      const declared = Number(req.headers['content-length']);
      if (declared > max) {
        tooLarge();
        return;
      }
      const chunks = [];
      let size = 0;
      let over = false;
      req.on('data', (chunk) => {
        if (over) return;
        size += chunk.length;
        if (size > max) {
          over = true;
          tooLarge();
        } else chunks.push(chunk);
      });
      req.on('end', () => {
        if (!over) resolve(Buffer.concat(chunks).toString('utf8'));
      });
      req.on('error', reject);
    });

  /**
   * The checks every write goes through, in order: method, origin, the QA token (`qa`), media
   * type, rate; then the body (size, JSON). Answers the refusal itself; returns `{ body }` to go on.
   */
  const admitWrite = async (req, res, { types, maxBytes, qa = false, allow = 'POST' }) => {
    if (req.method !== 'POST') {
      send(res, 405, undefined, { allow });
      return undefined;
    }
    const forbidden = writeRefusal(req);
    if (forbidden) {
      refuse(res, 403, forbidden);
      return undefined;
    }
    if (qa && !admitQa(req, res)) return undefined;
    if (!types.includes(mediaType(req))) {
      refuse(res, 415, problem('Content-Type', req.headers['content-type'], types.join(' or ')));
      return undefined;
    }
    const wait = limiter.take(client(req));
    if (wait > 0) {
      counts.rateLimited++;
      refuse(res, 429, `too many requests from this address: retry in ${wait} s`, {
        'retry-after': String(wait),
      });
      return undefined;
    }
    const text = await readBody(req, res, maxBytes);
    if (text === undefined) return undefined;
    try {
      return { body: JSON.parse(text) };
    } catch {
      refuse(res, 400, problem('body', text, 'JSON'));
      return undefined;
    }
  };

  /** A QA route: a valid `X-QA-Token` header, else 401 (none) or 403 (wrong). */
  const admitQa = (req, res) => {
    const token = req.headers['x-qa-token'];
    if (token === undefined || token === '') {
      refuse(res, 401, 'X-QA-Token: missing; the token is in the QA link `npm run demo` prints');
      return false;
    }
    if (!sameSecret(token, qaToken)) {
      refuse(res, 403, 'X-QA-Token: wrong token; use the one `npm run demo` printed at start-up');
      return false;
    }
    return true;
  };

  /** `?after=<cursor>&limit=<n>` of a paged GET, or an error message. */
  const pageOf = (url) => {
    const afterText = url.searchParams.get('after');
    const limitText = url.searchParams.get('limit');
    const after = afterText === null ? 0 : Number(afterText);
    const limit = limitText === null ? L.pageDefault : Number(limitText);
    if (afterText !== null && !(/^\d{1,15}$/.test(afterText) && Number.isSafeInteger(after)))
      return { error: problem('after', afterText, 'a cursor from a previous page (`next`)') };
    if (limitText !== null && !(/^\d{1,6}$/.test(limitText) && limit <= L.pageMax))
      return { error: problem('limit', limitText, `a whole number from 0 to ${L.pageMax}`) };
    return { after, limit };
  };

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function receive(req, res) {
    counts.requests++;
    const admitted = await admitWrite(req, res, {
      types: ['application/json', 'text/plain'],
      maxBytes: L.maxFeedbackBytes,
    });
    if (!admitted) return;
    const active = faults;
    if (active.latencyMs > 0) await sleep(active.latencyMs);
    if (active.offline) {
      counts.offline++;
      req.socket.destroy();
      return;
    }
    if (active.errorRate > 0 && Math.random() < active.errorRate) {
      counts.failed503++;
      send(res, 503, { error: 'fault injected: errorRate' });
      return;
    }
    const checked = validateBatch(admitted.body, now(), L);
    if (checked.error) {
      refuse(res, checked.status, checked.error);
      return;
    }
    limiter.spend(client(req), checked.events.length - 1);
    const { header, events, invalid } = checked;
    counts.invalid += invalid.length;
    const outcome = await exclusive(async () => {
      const fresh = [];
      const ids = new Set();
      for (const e of events) {
        if (seen.has(e.id) || ids.has(e.id)) continue;
        ids.add(e.id);
        fresh.push(e);
      }
      // Counters under one droppedId are the same counters sent again: kept once.
      const dropKey = header.droppedId === undefined ? undefined : `dropped:${header.droppedId}`;
      const freshDrops =
        Object.keys(header.dropped).length > 0 && !(dropKey !== undefined && seen.has(dropKey));
      if (fresh.length > 0 || freshDrops) {
        // Anonymous events carry the hour only: the server's own time of them no finer.
        const anonymous = !events.some((e) => e.decisionId !== undefined);
        const receivedAt = floorTo(
          now(),
          anonymous ? PRECISION.anonymousTimeMs : PRECISION.fullTimeMs,
        );
        const line = {
          receivedAt: new Date(receivedAt).toISOString(),
          ...header,
          dropped: freshDrops ? header.dropped : {},
          events: fresh,
        };
        if (!freshDrops) delete line.droppedId;
        await append('feedback.jsonl', JSON.stringify(line));
      }
      for (const e of fresh) {
        seen.add(e.id);
        recentEvents.push(e);
        counts.byType[e.type]++;
      }
      if (freshDrops && dropKey !== undefined) seen.add(dropKey);
      return { stored: fresh.length, duplicates: events.length - fresh.length };
    });
    counts.stored += outcome.stored;
    counts.duplicates += outcome.duplicates;
    if (active.dropAfterCommit) {
      counts.dropped++;
      req.socket.destroy();
      return;
    }
    if (invalid.length === 0) send(res, 204);
    else send(res, 200, { ...outcome, invalid });
  }

  function received(req, res, url) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, undefined, { allow: 'GET' });
      return;
    }
    if (!admitQa(req, res)) return;
    const page = pageOf(url);
    if (page.error) {
      refuse(res, 400, page.error);
      return;
    }
    const { items, next, more } = recentEvents.page(page.after, page.limit);
    send(res, 200, { events: items, next, more, byType: counts.byType });
  }

  /**
   * `POST /api/orders`: an order the shop attributes to a decision (the one whose coupon it used,
   * else the last one shown), `{ orderId, decisionId, revenue, discount, offerId? }`; kept once per
   * orderId in `<dataDir>/orders.jsonl`, the `--orders` input of `npm run report`, `ope` and
   * `optimize`. `GET` (QA) pages through what was received.
   */
  async function orders(req, res, url) {
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!admitQa(req, res)) return;
      const page = pageOf(url);
      if (page.error) {
        refuse(res, 400, page.error);
        return;
      }
      const { items, next, more } = recentOrders.page(page.after, page.limit);
      send(res, 200, { orders: items, next, more });
      return;
    }
    const admitted = await admitWrite(req, res, {
      types: ['application/json'],
      maxBytes: L.maxSmallBytes,
      allow: 'GET, POST',
    });
    if (!admitted) return;
    const checked = validateOrder(admitted.body, L);
    if (checked.error) {
      refuse(res, 400, checked.error);
      return;
    }
    await exclusive(async () => {
      if (orderIds.has(checked.order.orderId)) return;
      const kept = { ...checked.order, at: new Date(now()).toISOString() };
      await append('orders.jsonl', JSON.stringify(kept));
      orderIds.add(kept.orderId);
      recentOrders.push(kept);
    });
    send(res, 204);
  }

  async function faultsRoute(req, res) {
    const state = () => ({
      ...faults,
      counts: { ...counts, byType: { ...counts.byType } },
      dedupe: { ids: seen.size, evicted: seen.evicted },
    });
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (admitQa(req, res)) send(res, 200, state());
      return;
    }
    const admitted = await admitWrite(req, res, {
      types: ['application/json'],
      maxBytes: L.maxSmallBytes,
      qa: true,
      allow: 'GET, POST',
    });
    if (!admitted) return;
    const parsed = parseFaults(admitted.body, faults);
    if (parsed.error) {
      refuse(res, 400, parsed.error);
      return;
    }
    faults = parsed.faults;
    send(res, 200, state());
  }

  return {
    limits: L,
    routes: {
      '/api/feedback': receive,
      '/api/feedback/received': received,
      '/api/orders': orders,
      '/api/faults': faultsRoute,
    },
  };
}
