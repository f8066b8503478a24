// @vitest-environment happy-dom
import { openDB } from 'idb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseNames, freshIndexedDB } from '../../test/support/fake-idb.js';
import {
  CATALOG_DB_NAME,
  CatalogSource,
  retryDelay,
  type CatalogSourceOptions,
  type StoredCatalog,
} from './source.js';

const URL_ = '/api/catalog';

const catalogJson = (title = 'Ten off', extra: Record<string, unknown> = {}) => ({
  version: 1,
  server_time: '2026-11-28T12:00:00Z',
  currency: 'EUR',
  placements: { home: { limit: 2 } },
  offers: [
    { id: 'c-10', type: 'coupon', title, discount: { percent: 10 }, code: 'TEN' },
    {
      id: 'm-ship',
      type: 'member_deal',
      title: 'Free shipping',
      discount: { amount: 5 },
      placements: ['home'],
    },
  ],
  items: { 'sku-1': { price: 80 } },
  ...extra,
});

const expected = (receivedAt: number, title = 'Ten off') => ({
  version: 1,
  server_time: Date.UTC(2026, 10, 28, 12),
  received_at: receivedAt,
  currency: 'EUR',
  placements: { home: { limit: 2 } },
  offers: [
    {
      id: 'c-10',
      type: 'coupon',
      title,
      category: 'any',
      discount: { percent: 10 },
      code: 'TEN',
      member_only: false,
      placements: [],
    },
    {
      id: 'm-ship',
      type: 'member_deal',
      title: 'Free shipping',
      category: 'any',
      discount: { amount: 5 },
      member_only: true,
      placements: ['home'],
    },
  ],
  items: { 'sku-1': { price: 80 } },
});

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });

/** A fetch that never answers, but rejects like the real one when its signal aborts. */
function hangingFetch() {
  const signals: AbortSignal[] = [];
  const fn = vi.fn(
    (_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        const signal = init!.signal!;
        signals.push(signal);
        signal.addEventListener('abort', () =>
          reject(new DOMException('The operation was aborted.', 'AbortError')),
        );
      }),
  );
  return { fn, signals };
}

/** Lets fake-indexeddb (which schedules with the real setImmediate) finish what it is doing. */
async function settleIdb() {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}

let diagnostics: { code: string; message: string }[];
const sources: CatalogSource[] = [];
let clock: number;

function make(options: Partial<CatalogSourceOptions> & Pick<CatalogSourceOptions, 'source'>) {
  const source = new CatalogSource({
    now: () => clock,
    onDiagnostic: (code, message) => diagnostics.push({ code, message }),
    random: () => 1,
    ...options,
  });
  sources.push(source);
  return source;
}

async function stored(): Promise<StoredCatalog | undefined> {
  const db = await openDB(CATALOG_DB_NAME);
  try {
    return (await db.get('catalog', 'last')) as StoredCatalog | undefined;
  } finally {
    db.close();
  }
}

/** First page: fetches and persists the catalog, then goes away. */
async function firstPage(title = 'Ten off') {
  const page = make({ source: URL_, fetch: vi.fn(async () => json(catalogJson(title))) });
  expect(await page.current()).toEqual(expected(clock, title));
  await vi.waitFor(async () => expect(await stored()).toBeDefined());
  page.destroy();
}

beforeEach(() => {
  freshIndexedDB();
  diagnostics = [];
  clock = 1_795_867_000_000;
});

afterEach(() => {
  for (const source of sources.splice(0)) source.destroy();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('CatalogSource: fetching', () => {
  it('fetches the URL with same-origin credentials and Accept JSON, validates and persists', async () => {
    const fetch = vi.fn(async () => json(catalogJson()));
    const source = make({ source: ` ${URL_} `, fetch });
    expect(await source.current()).toEqual(expected(clock));
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledWith(URL_, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
      signal: expect.any(AbortSignal) as AbortSignal,
    });
    await vi.waitFor(async () =>
      expect(await stored()).toEqual({
        source: URL_,
        json: JSON.stringify(catalogJson()),
        received_at: clock,
      }),
    );
    expect(await databaseNames()).toEqual([CATALOG_DB_NAME]);
    expect(diagnostics).toEqual([]);
  });

  it('returns the same catalog again without fetching again', async () => {
    const fetch = vi.fn(async () => json(catalogJson()));
    const source = make({ source: URL_, fetch });
    const first = await source.current();
    expect(await source.current()).toBe(first);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('refresh() fetches again and joins a fetch already under way', async () => {
    let title = 'One';
    const fetch = vi.fn(async () => json(catalogJson(title)));
    const source = make({ source: URL_, fetch });
    expect((await source.current())!.offers[0]!.title).toBe('One');
    title = 'Two';
    await Promise.all([source.refresh(), source.refresh()]);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect((await source.current())!.offers[0]!.title).toBe('Two');
  });

  it('hands out the fetched catalog while it is still being written; writes keep their order', async () => {
    // The first write is held: a first paint must not wait for it (waitMs would never end).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    type WithStore = (mode: string, fn: unknown) => Promise<unknown>;
    const proto = CatalogSource.prototype as unknown as { withStore: WithStore };
    const real = proto.withStore;
    let writes = 0;
    const spy = vi.spyOn(proto, 'withStore').mockImplementation(async function (
      this: unknown,
      mode,
      fn,
    ) {
      if (mode === 'readwrite' && writes++ === 0) await held;
      return real.call(this, mode, fn);
    });
    try {
      let title = 'One';
      const fetch = vi.fn(async () => json(catalogJson(title)));
      const source = make({ source: URL_, fetch, waitMs: 1e9 });
      expect((await source.current())!.offers[0]!.title).toBe('One');
      expect(await stored()).toBeUndefined();
      // A refresh fetches again although the first catalog is not written yet.
      title = 'Two';
      let refreshed = false;
      const second = source.refresh().then(() => (refreshed = true));
      await vi.waitFor(async () => expect((await source.current())!.offers[0]!.title).toBe('Two'));
      expect(fetch).toHaveBeenCalledTimes(2);
      // Its write waits for the first one: the newer catalog is the one left on disk.
      expect(refreshed).toBe(false);
      expect(await stored()).toBeUndefined();
      release();
      await second;
      expect(writes).toBe(2);
      expect(JSON.parse((await stored())!.json)).toEqual(catalogJson('Two'));
    } finally {
      spy.mockRestore();
    }
  });

  it('reports each skipped offer, capped at 20 and one summary', async () => {
    const bad = Array.from({ length: 25 }, (_, i) => ({ id: `bad-${i}`, type: 'coupon' }));
    const body = catalogJson('Ten off', {
      offers: [...catalogJson().offers, ...bad],
      placements: { home: { limit: 2 }, zero: { limit: 0 } },
    });
    const source = make({ source: URL_, fetch: vi.fn(async () => json(body)) });
    expect((await source.current())!.offers.map((o) => o.id)).toEqual(['c-10', 'm-ship']);
    expect(diagnostics).toHaveLength(21);
    expect(diagnostics[0]).toEqual({
      code: 'catalog_entry_skipped',
      message: 'skipped placements.zero.limit: got 0, expected a whole number from 1 to 20',
    });
    expect(diagnostics[1]).toEqual({
      code: 'catalog_offer_skipped',
      message:
        'skipped offers[2] "bad-0" title: got undefined, expected a non-empty string of at most 200 characters',
    });
    expect(diagnostics.slice(1, 20).every((d) => d.code === 'catalog_offer_skipped')).toBe(true);
    expect(diagnostics[20]).toEqual({
      code: 'catalog_offer_skipped',
      message:
        '6 more catalog problems not listed (26 in all); validate the catalog to see them all',
    });
  });
});

describe('CatalogSource: failures keep the last good catalog', () => {
  it('HTTP 500 after a reload: the persisted catalog, with a diagnostic', async () => {
    await firstPage();
    const persistedAt = clock;
    clock += 60_000;
    const fetch = vi.fn(async () => new Response('oops', { status: 500 }));
    const reloaded = make({ source: URL_, fetch });
    expect(await reloaded.current()).toEqual(expected(persistedAt));
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(diagnostics).toEqual([
      {
        code: 'catalog_unavailable',
        message:
          'catalog /api/catalog: HTTP 500; offers come from the last good catalog, if any; retrying in 1 s',
      },
    ]);
    // The failure did not overwrite what was stored.
    expect((await stored())!.received_at).toBe(persistedAt);
  });

  it('a failed refresh keeps the catalog fetched on this page', async () => {
    const fetch = vi.fn(async () => json(catalogJson()));
    const source = make({ source: URL_, fetch });
    const good = await source.current();
    fetch.mockImplementation(async () => {
      throw new TypeError('Failed to fetch');
    });
    await source.refresh();
    expect(await source.current()).toBe(good);
    expect(diagnostics.map((d) => d.message)).toEqual([
      'catalog /api/catalog: network error (TypeError: Failed to fetch); offers come from the last good catalog, if any; retrying in 1 s',
    ]);
  });

  it('a body that is not JSON: catalog_unavailable, persisted catalog kept', async () => {
    await firstPage();
    const fetch = vi.fn(async () => new Response('<!doctype html><p>Maintenance</p>'));
    const reloaded = make({ source: URL_, fetch });
    expect(await reloaded.current()).toEqual(expected(clock));
    expect(diagnostics).toEqual([
      {
        code: 'catalog_unavailable',
        message:
          'catalog /api/catalog: the response is not JSON; offers come from the last good catalog, if any; retrying in 1 s',
      },
    ]);
  });

  it('a broken envelope: invalid_catalog naming the field, persisted catalog kept', async () => {
    await firstPage();
    const fetch = vi.fn(async () => json({ ...catalogJson('New'), version: 2 }));
    const reloaded = make({ source: URL_, fetch });
    expect(await reloaded.current()).toEqual(expected(clock));
    expect(diagnostics).toEqual([
      {
        code: 'invalid_catalog',
        message: 'catalog /api/catalog was refused: version: got 2, expected 1',
      },
    ]);
    expect(JSON.parse((await stored())!.json)).toEqual(catalogJson());
  });

  it('no catalog at all when nothing good was ever received', async () => {
    const fetch = vi.fn(async () => new Response('nope', { status: 404, statusText: 'Not Found' }));
    const source = make({ source: URL_, fetch });
    expect(await source.current()).toBeUndefined();
    expect(diagnostics[0]!.message).toContain('HTTP 404 Not Found');
    expect(await stored()).toBeUndefined();
  });

  it('ignores a persisted catalog of another URL or older than maxAgeMs', async () => {
    await firstPage();
    const failing = () => vi.fn(async () => new Response('', { status: 503 }));
    expect(await make({ source: '/other', fetch: failing() }).current()).toBeUndefined();
    clock += 8 * 24 * 3600_000;
    expect(await make({ source: URL_, fetch: failing() }).current()).toBeUndefined();
    expect(
      await make({ source: URL_, fetch: failing(), maxAgeMs: 9 * 24 * 3600_000 }).current(),
    ).toBeDefined();
  });

  it('a newer fetch replaces the persisted catalog', async () => {
    await firstPage('Old');
    clock += 1000;
    const reloaded = make({ source: URL_, fetch: vi.fn(async () => json(catalogJson('New'))) });
    expect((await reloaded.current())!.offers[0]!.title).toBe('New');
    await vi.waitFor(async () => expect((await stored())!.received_at).toBe(clock));
  });
});

describe('CatalogSource: timers', () => {
  it('gives up on a request after 5 s (aborting it)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fn, signals } = hangingFetch();
    const source = make({ source: URL_, fetch: fn, waitMs: 60_000 });
    await settleIdb();
    let result: unknown = 'pending';
    void source.current().then((c) => (result = c));
    await vi.advanceTimersByTimeAsync(4999);
    expect(signals[0]!.aborted).toBe(false);
    expect(diagnostics).toEqual([]);
    expect(result).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(signals[0]!.aborted).toBe(true);
    expect(diagnostics).toEqual([
      {
        code: 'catalog_unavailable',
        message:
          'catalog /api/catalog: no answer within 5000 ms; offers come from the last good catalog, if any; retrying in 1 s',
      },
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toBeUndefined();
  });

  it('honours timeoutMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fn, signals } = hangingFetch();
    make({ source: URL_, fetch: fn, timeoutMs: 200 });
    await settleIdb();
    await vi.advanceTimersByTimeAsync(200);
    expect(signals[0]!.aborted).toBe(true);
  });

  it('waits at most waitMs for the first fetch, then uses the persisted catalog', async () => {
    await firstPage();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fn } = hangingFetch();
    const reloaded = make({ source: URL_, fetch: fn });
    await settleIdb();
    let result: unknown = 'pending';
    void reloaded.current().then((c) => (result = c));
    await vi.advanceTimersByTimeAsync(999);
    expect(result).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toEqual(expected(clock));
    expect(diagnostics).toEqual([]); // the fetch has not failed (yet)
  });

  it('a first fetch that answers within waitMs wins over the persisted catalog', async () => {
    await firstPage('Old');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let answer!: (r: Response) => void;
    const fetch = vi.fn(() => new Promise<Response>((resolve) => (answer = resolve)));
    const reloaded = make({ source: URL_, fetch });
    await settleIdb();
    let result: unknown = 'pending';
    void reloaded.current().then((c) => (result = c));
    await vi.advanceTimersByTimeAsync(500);
    answer(json(catalogJson('New')));
    await vi.advanceTimersByTimeAsync(0);
    await settleIdb();
    expect((result as { offers: { title: string }[] }).offers[0]!.title).toBe('New');
  });

  it('retries 1 s, 2 s, 4 s … doubling to 5 min, then every 5 min', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    make({ source: URL_, fetch });
    await settleIdb();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledTimes(1);
    const delays = [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map((s) => s * 1000);
    for (const [i, delay] of delays.entries()) {
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(fetch).toHaveBeenCalledTimes(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(fetch).toHaveBeenCalledTimes(i + 2);
    }
    expect(diagnostics.map((d) => d.message.split('retrying in ')[1])).toEqual([
      '1 s',
      '2 s',
      '4 s',
      '8 s',
      '16 s',
      '32 s',
      '1.1 min',
      '2.1 min',
      '4.3 min',
      '5 min',
      '5 min',
      '5 min',
      '5 min',
    ]);
  });

  it('draws jitter from the upper half of each window', () => {
    expect(retryDelay(1, () => 0)).toBe(500);
    expect(retryDelay(1, () => 0.5)).toBe(750);
    expect(retryDelay(3, () => 0)).toBe(2000);
    expect(retryDelay(10, () => 0)).toBe(150_000);
    expect(retryDelay(50, () => 0.999999)).toBe(300_000);
    for (let failures = 1; failures < 40; failures++) {
      const d = retryDelay(failures);
      expect(d).toBeGreaterThanOrEqual(Math.min(300_000, 1000 * 2 ** (failures - 1)) / 2);
      expect(d).toBeLessThanOrEqual(300_000);
    }
  });

  it('stops retrying once a fetch succeeds, and backs off from 1 s again after', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let fail = true;
    const fetch = vi.fn(async () => {
      if (fail) throw new TypeError('Failed to fetch');
      return json(catalogJson());
    });
    const source = make({ source: URL_, fetch });
    await settleIdb();
    await vi.advanceTimersByTimeAsync(1000); // 2nd attempt
    fail = false;
    await vi.advanceTimersByTimeAsync(2000); // 3rd attempt succeeds
    expect(fetch).toHaveBeenCalledTimes(3);
    await settleIdb();
    expect(await source.current()).toEqual(expected(clock));
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(fetch).toHaveBeenCalledTimes(3);
    fail = true;
    await source.refresh();
    expect(diagnostics.at(-1)!.message).toMatch(/retrying in 1 s$/);
  });

  it('refresh() during a backoff fetches at once and replaces the pending retry', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const source = make({ source: URL_, fetch });
    await settleIdb();
    await vi.advanceTimersByTimeAsync(0);
    await source.refresh();
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(1); // one retry pending, for 2 s
    await vi.advanceTimersByTimeAsync(1999);
    expect(fetch).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('destroy() stops the retry timer and aborts the fetch under way, silently', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const source = make({ source: URL_, fetch });
    await settleIdb();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    source.destroy();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    await source.refresh();
    expect(fetch).toHaveBeenCalledTimes(1);

    const hanging = hangingFetch();
    const other = make({ source: URL_, fetch: hanging.fn });
    await settleIdb();
    const before = diagnostics.length;
    other.destroy();
    expect(hanging.signals[0]!.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(vi.getTimerCount()).toBe(0);
    expect(hanging.fn).toHaveBeenCalledTimes(1);
    expect(diagnostics.length).toBe(before);
  });
});

describe('CatalogSource: an object source', () => {
  it('validates the object, never fetches and never opens a database', async () => {
    const fetch = vi.fn();
    const source = make({ source: catalogJson(), fetch });
    expect(await source.current()).toEqual(expected(clock));
    await source.refresh();
    expect(fetch).not.toHaveBeenCalled();
    expect(await databaseNames()).toEqual([]);
    expect(diagnostics).toEqual([]);
  });

  it('reports skipped offers of the object', async () => {
    const body = catalogJson('Ten off', {
      offers: [
        ...catalogJson().offers,
        { id: 'x', type: 'coupon', title: 'X', url: 'javascript:1' },
      ],
    });
    const source = make({ source: body });
    expect((await source.current())!.offers).toHaveLength(2);
    expect(diagnostics).toEqual([
      {
        code: 'catalog_offer_skipped',
        message:
          'skipped offers[2] "x" url: got "javascript:1", expected an https: URL or a same-origin path starting with /',
      },
    ]);
  });

  it('a broken object: invalid_catalog and no catalog, never a throw', async () => {
    const source = make({ source: { ...catalogJson(), currency: 'euro' } });
    expect(await source.current()).toBeUndefined();
    expect(diagnostics).toEqual([
      {
        code: 'invalid_catalog',
        message:
          'the catalog object was refused: currency: got "euro", expected an ISO 4217 currency code (3 upper-case letters)',
      },
    ]);
  });

  it('a source that is neither: invalid_catalog', async () => {
    const source = make({ source: '  ' });
    expect(await source.current()).toBeUndefined();
    expect(diagnostics.map((d) => d.code)).toEqual(['invalid_catalog']);
  });

  it('works without any fetch in the environment', async () => {
    vi.stubGlobal('fetch', undefined);
    try {
      expect(await make({ source: catalogJson() }).current()).toEqual(expected(clock));
      expect(await make({ source: URL_ }).current()).toBeUndefined();
      expect(diagnostics.map((d) => d.message)[0]).toMatch(/fetch is not available/);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('CatalogSource: storage', () => {
  it('forget() deletes the database; the next page has nothing persisted', async () => {
    await firstPage();
    const page = make({ source: URL_, fetch: vi.fn(async () => json(catalogJson())) });
    await page.current();
    await page.forget();
    expect(await databaseNames()).toEqual([]);
    expect(await page.current()).toEqual(expected(clock)); // this page's catalog stays
    const next = make({
      source: URL_,
      fetch: vi.fn(async () => new Response('', { status: 500 })),
    });
    expect(await next.current()).toBeUndefined();
  });

  it('degrades to memory when indexedDB.open throws', async () => {
    vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('The user denied permission', 'SecurityError');
    });
    const source = make({ source: URL_, fetch: vi.fn(async () => json(catalogJson())) });
    expect(await source.current()).toEqual(expected(clock));
    await source.refresh();
    expect(diagnostics.map((d) => d.code)).toEqual(['storage_fallback']);
    expect(diagnostics[0]!.message).toContain('The user denied permission');
  });

  it('degrades to memory when IndexedDB is missing', async () => {
    vi.stubGlobal('indexedDB', undefined);
    try {
      const source = make({ source: URL_, fetch: vi.fn(async () => json(catalogJson())) });
      expect(await source.current()).toEqual(expected(clock));
      await source.forget();
      expect(diagnostics.map((d) => d.code)).toEqual(['storage_fallback']);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('goes on without IndexedDB when open hangs for 3 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { IDBOpenDBRequest: FakeOpenRequest } = await import('fake-indexeddb');
    vi.spyOn(indexedDB, 'open').mockImplementation(
      () => new FakeOpenRequest() as unknown as IDBOpenDBRequest,
    );
    const { fn } = hangingFetch();
    const source = make({ source: URL_, fetch: fn, timeoutMs: 60_000 });
    let result: unknown = 'pending';
    void source.current().then((c) => (result = c));
    await vi.advanceTimersByTimeAsync(2999);
    expect(result).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toBeUndefined();
    expect(diagnostics.map((d) => d.code)).toEqual(['storage_fallback']);
  });

  it('a stored record that no longer validates is ignored', async () => {
    const db = await openDB(CATALOG_DB_NAME, 1, {
      upgrade: (d) => d.createObjectStore('catalog'),
    });
    await db.put('catalog', { source: URL_, json: '{"version":0}', received_at: clock }, 'last');
    await db.put('catalog', { source: URL_, json: 'not json', received_at: clock }, 'other');
    db.close();
    const source = make({
      source: URL_,
      fetch: vi.fn(async () => new Response('', { status: 500 })),
    });
    expect(await source.current()).toBeUndefined();
  });

  it('a throwing diagnostic listener cannot break it', async () => {
    const source = new CatalogSource({
      source: URL_,
      fetch: vi.fn(async () => new Response('', { status: 500 })),
      onDiagnostic: () => {
        throw new Error('listener bug');
      },
    });
    sources.push(source);
    await expect(source.current()).resolves.toBeUndefined();
  });
});

describe('CatalogSource: image origins (audit finding 9)', () => {
  // The test page is http://localhost:3000; catalog images must be https: or same-origin paths.
  const imagesCatalog = () =>
    catalogJson('Ten off', {
      offers: [
        {
          id: 'c-10',
          type: 'coupon',
          title: 'Ten off',
          discount: { percent: 10 },
          code: 'TEN',
          image: 'https://tracker.example/pixel.gif?offer=c-10',
        },
        {
          id: 'c-own',
          type: 'coupon',
          title: 'Own image',
          discount: { percent: 5 },
          code: 'FIVE',
          image: '/img/own.jpg',
        },
        {
          id: 'fs-1',
          type: 'flash_sale',
          title: 'Sale',
          starts_at: '2026-11-28T12:00:00Z',
          ends_at: '2026-11-28T14:00:00Z',
          items: [
            { item_id: 'a', item_name: 'A', price: 10, sale_price: 5, image: '/img/a.jpg' },
            {
              item_id: 'b',
              item_name: 'B',
              price: 10,
              sale_price: 5,
              image: 'https://cdn.shop.example/b.jpg',
            },
          ],
        },
      ],
      items: {
        'sku-1': { price: 80, image: 'https://api.shop.example/img/sku-1.jpg' },
        'sku-2': { price: 90, image: 'https://cdn.shop.example/sku-2.jpg' },
      },
    });

  const dropped = (field: string, url: string, origin: string, allowed: string) =>
    `${field}: dropped ${url}: its origin ${origin} is not an allowed image origin (${allowed}); add it to imageOrigins to show it`;

  it('default for a fetched catalog: the page and the catalog URL origins; others dropped, one diagnostic each', async () => {
    const source = make({
      source: 'https://api.shop.example/catalog',
      fetch: vi.fn(async () => json(imagesCatalog())),
    });
    const catalog = (await source.current())!;
    const allowed = 'http://localhost:3000, https://api.shop.example';
    // The offer stays whole but for its image; a relative image is the page's own origin.
    expect(catalog.offers[0]).toEqual({
      id: 'c-10',
      type: 'coupon',
      title: 'Ten off',
      category: 'any',
      discount: { percent: 10 },
      code: 'TEN',
      member_only: false,
      placements: [],
    });
    expect(catalog.offers[1]!.image).toBe('/img/own.jpg');
    expect(catalog.offers[2]!.items).toEqual([
      { item_id: 'a', item_name: 'A', price: 10, sale_price: 5, image: '/img/a.jpg' },
      { item_id: 'b', item_name: 'B', price: 10, sale_price: 5 },
    ]);
    expect(catalog.items['sku-1']).toEqual({
      price: 80,
      image: 'https://api.shop.example/img/sku-1.jpg',
    });
    expect(catalog.items['sku-2']).toEqual({ price: 90 });
    expect(diagnostics).toEqual([
      {
        code: 'catalog_image_dropped',
        message: dropped(
          'offers[0] "c-10" image',
          'https://tracker.example/pixel.gif?offer=c-10',
          'https://tracker.example',
          allowed,
        ),
      },
      {
        code: 'catalog_image_dropped',
        message: dropped(
          'offers[2] "fs-1" items[1].image',
          'https://cdn.shop.example/b.jpg',
          'https://cdn.shop.example',
          allowed,
        ),
      },
      {
        code: 'catalog_image_dropped',
        message: dropped(
          'items["sku-2"].image',
          'https://cdn.shop.example/sku-2.jpg',
          'https://cdn.shop.example',
          allowed,
        ),
      },
    ]);
  });

  it('default for a catalog object or a same-origin URL: the page origin only', async () => {
    const object = make({ source: imagesCatalog() });
    const catalog = (await object.current())!;
    expect(catalog.offers.map((o) => o.image)).toEqual([undefined, '/img/own.jpg', undefined]);
    expect(catalog.items['sku-1']!.image).toBeUndefined();
    expect(diagnostics.map((d) => d.code)).toEqual(Array(4).fill('catalog_image_dropped'));
    expect(diagnostics[0]!.message).toContain('(http://localhost:3000)');
  });

  it('an explicit list replaces the catalog origin; the page origin stays allowed', async () => {
    const source = make({
      source: 'https://api.shop.example/catalog',
      fetch: vi.fn(async () => json(imagesCatalog())),
      imageOrigins: ['https://cdn.shop.example'],
    });
    const catalog = (await source.current())!;
    expect(catalog.offers[0]!.image).toBeUndefined();
    expect(catalog.offers[1]!.image).toBe('/img/own.jpg');
    expect(catalog.offers[2]!.items!.map((i) => i.image)).toEqual([
      '/img/a.jpg',
      'https://cdn.shop.example/b.jpg',
    ]);
    expect(catalog.items['sku-1']!.image).toBeUndefined();
    expect(catalog.items['sku-2']!.image).toBe('https://cdn.shop.example/sku-2.jpg');
    expect(diagnostics.map((d) => d.message)).toEqual([
      dropped(
        'offers[0] "c-10" image',
        'https://tracker.example/pixel.gif?offer=c-10',
        'https://tracker.example',
        'http://localhost:3000, https://cdn.shop.example',
      ),
      dropped(
        'items["sku-1"].image',
        'https://api.shop.example/img/sku-1.jpg',
        'https://api.shop.example',
        'http://localhost:3000, https://cdn.shop.example',
      ),
    ]);
  });

  it('applies the rule to the persisted catalog of a later page too, with its own list', async () => {
    const first = make({
      source: URL_,
      fetch: vi.fn(async () => json(imagesCatalog())),
      imageOrigins: ['https://tracker.example', 'https://cdn.shop.example'],
    });
    expect((await first.current())!.offers[0]!.image).toBe(
      'https://tracker.example/pixel.gif?offer=c-10',
    );
    await vi.waitFor(async () => expect(await stored()).toBeDefined());
    first.destroy();
    // The stored JSON still has every image; this page allows fewer origins.
    const later = make({
      source: URL_,
      fetch: vi.fn(async () => json({}, 500)),
      imageOrigins: ['https://cdn.shop.example'],
      waitMs: 0,
    });
    const catalog = (await later.current())!;
    expect(catalog.offers[0]!.image).toBeUndefined();
    expect(catalog.offers[2]!.items![1]!.image).toBe('https://cdn.shop.example/b.jpg');
  });

  it('reports at most 20 dropped images, then one line with the rest', async () => {
    const items: Record<string, unknown> = {};
    for (let i = 0; i < 25; i++) items[`s${i}`] = { image: `https://t${i % 2}.example/${i}.jpg` };
    make({ source: catalogJson('Ten off', { items }) });
    expect(diagnostics).toHaveLength(21);
    expect(diagnostics[20]).toEqual({
      code: 'catalog_image_dropped',
      message:
        '5 more images dropped (25 in all, from https://t0.example, https://t1.example); add their origins to imageOrigins to show them',
    });
  });
});
