// The catalog's learning files (`segments`, `effects`) as the catalog source gets them: named by URL
// and SHA-256, fetched, checked byte for byte, validated, kept in IndexedDB under their SHA-256;
// or inline. A file that cannot be fetched, is not the one named, or is broken is left out with a
// diagnostic naming why, and decisions go on with the catalog alone.
import { createHash } from 'node:crypto';
import { openDB } from 'idb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freshIndexedDB } from '../../test/support/fake-idb.js';
import { validateCatalog } from './validate.js';
import { CATALOG_DB_NAME, CatalogSource, type CatalogSourceOptions } from './source.js';

const SEGMENTS = {
  format: 'offerwise-segments',
  version: 1,
  vector: { version: 2, categories: ['womens'] },
  standardization: { mean: Array<number>(12).fill(0), scale: Array<number>(12).fill(1) },
  centroids: [
    [1, ...Array<number>(11).fill(0)],
    [13, ...Array<number>(11).fill(0)],
  ],
  spread: [2, 8],
  labels: ['recent buyers', 'lapsed'],
};
const segmentsText = JSON.stringify(SEGMENTS, null, 2);
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const SEGMENTS_SHA = sha(segmentsText);

const effects = (over: Record<string, unknown> = {}) => ({
  format: 'offerwise-effects',
  version: 1,
  reward: 'net',
  generated_at: '2026-11-27T00:00:00Z',
  valid_until: '2026-12-04T00:00:00Z',
  window: { from: '2026-11-20T00:00:00Z', to: '2026-11-27T00:00:00Z' },
  epsilon: 2,
  segments_sha256: SEGMENTS_SHA,
  k: 2,
  temperature: 0.4,
  model: null,
  offers: { 'c-10': { mean: 1.2, se: 0.1, n: 500 } },
  ...over,
});
const effectsText = JSON.stringify(effects());
const EFFECTS_SHA = sha(effectsText);

const catalogJson = (extra: Record<string, unknown> = {}) => ({
  version: 1,
  server_time: '2026-11-28T12:00:00Z',
  currency: 'EUR',
  offers: [{ id: 'c-10', type: 'coupon', title: 'Ten off', discount: { percent: 10 }, code: 'T' }],
  segments: { url: '/learn/segments.json', sha256: SEGMENTS_SHA },
  effects: { url: 'https://cdn.shop.example/effects.json', sha256: EFFECTS_SHA.toUpperCase() },
  ...extra,
});

/** A server: the catalog at /api/catalog, files by path; each answer a body or a status. */
function server(files: Record<string, string | number | (() => Promise<never>)>) {
  return vi.fn(async (url: RequestInfo | URL) => {
    const answer = files[String(url)];
    if (typeof answer === 'function') return answer();
    if (answer === undefined || typeof answer === 'number') {
      return new Response('no', { status: answer ?? 404 });
    }
    return new Response(answer, { status: 200 });
  });
}

let diagnostics: { code: string; message: string }[];
const sources: CatalogSource[] = [];
const clock = Date.UTC(2026, 10, 28, 12);

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

async function storedKeys(): Promise<string[]> {
  const db = await openDB(CATALOG_DB_NAME);
  try {
    return (await db.getAllKeys('catalog')).map(String).sort();
  } finally {
    db.close();
  }
}

/** Lets fake-indexeddb (which schedules with the real setImmediate) finish what it is doing. */
async function settleIdb() {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Fake time passes, with IndexedDB's real ticks between its steps. */
async function advance(ms: number) {
  await settleIdb();
  await vi.advanceTimersByTimeAsync(ms);
  await settleIdb();
}

beforeEach(() => {
  freshIndexedDB();
  diagnostics = [];
});

afterEach(() => {
  for (const source of sources.splice(0)) source.destroy();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('the catalog’s learning files', () => {
  it('fetches both, checks their SHA-256, keeps them; a later page reads them without a request', async () => {
    const fetch = server({
      '/api/catalog': JSON.stringify(catalogJson()),
      '/learn/segments.json': segmentsText,
      'https://cdn.shop.example/effects.json': effectsText,
    });
    const page = make({ source: '/api/catalog', fetch });
    const catalog = await page.current();
    expect(catalog!.segments).toMatchObject({ labels: ['recent buyers', 'lapsed'] });
    expect(catalog!.segments!.sha256).toBe(SEGMENTS_SHA);
    expect(catalog!.effects).toMatchObject({ temperature: 0.4, sha256: EFFECTS_SHA });
    expect(await page.current()).toBe(catalog); // the same object while nothing changes
    expect(fetch.mock.calls.map(([url]) => url).sort()).toEqual([
      '/api/catalog',
      '/learn/segments.json',
      'https://cdn.shop.example/effects.json',
    ]);
    await vi.waitFor(async () =>
      expect(await storedKeys()).toEqual([
        `file:effects:${EFFECTS_SHA}`,
        `file:segments:${SEGMENTS_SHA}`,
        'last',
      ]),
    );
    expect(diagnostics).toEqual([]);
    page.destroy();

    // The next page: the catalog fails, the persisted one names the same files, read from disk.
    const offline = server({ '/api/catalog': 503 });
    const next = make({ source: '/api/catalog', fetch: offline });
    const again = await next.current();
    expect(again!.segments!.labels).toEqual(['recent buyers', 'lapsed']);
    expect(again!.effects!.sha256).toBe(EFFECTS_SHA);
    expect(offline.mock.calls.map(([url]) => url)).toEqual(['/api/catalog']);
  });

  it('refuses a file that is not the one named, and tries again with backoff until it is', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const files: Record<string, string | number> = {
      '/api/catalog': JSON.stringify(catalogJson({ effects: undefined })),
      '/learn/segments.json': segmentsText.replace('lapsed', 'gone'), // an older deployment
    };
    const source = make({ source: '/api/catalog', fetch: server(files) });
    await advance(0);
    const catalog = await source.current();
    expect(catalog!.offers).toHaveLength(1);
    expect(catalog!.segments).toBeUndefined();
    expect(diagnostics).toEqual([
      {
        code: 'segments_invalid',
        message: `segments /learn/segments.json: SHA-256 ${sha(files['/learn/segments.json'] as string).slice(0, 12)}…, expected ${SEGMENTS_SHA.slice(0, 12)}… (not the file the catalog names); decisions go on without it; retrying in 1 s`,
      },
    ]);
    files['/learn/segments.json'] = 404;
    await advance(1000);
    expect(diagnostics.map((d) => [d.code, d.message.split('retrying in ')[1]])).toEqual([
      ['segments_invalid', '1 s'],
      ['segments_unavailable', '2 s'],
    ]);
    expect(diagnostics[1]!.message).toMatch(/^segments \/learn\/segments\.json: HTTP 404/);
    files['/learn/segments.json'] = segmentsText;
    await advance(2000);
    expect((await source.current())!.segments!.sha256).toBe(SEGMENTS_SHA);
    expect(diagnostics).toHaveLength(2);
  });

  it('a file that is the one named but broken is refused for good; the catalog goes on', async () => {
    const bad = JSON.stringify(effects({ temperature: 0 }));
    const fetch = server({
      '/api/catalog': JSON.stringify(
        catalogJson({ effects: { url: '/learn/effects.json', sha256: sha(bad) } }),
      ),
      '/learn/segments.json': segmentsText,
      '/learn/effects.json': bad,
    });
    const source = make({ source: '/api/catalog', fetch });
    const catalog = await source.current();
    expect(catalog!.segments).toBeDefined();
    expect(catalog!.effects).toBeUndefined();
    expect(diagnostics).toEqual([
      {
        code: 'effects_invalid',
        message:
          'effects /learn/effects.json was refused: effects.temperature: got 0, expected a number from 1e-9 to 1000000000; decisions go on without it',
      },
    ]);
    await source.current();
    expect(fetch).toHaveBeenCalledTimes(3); // not fetched again
  });

  it('waits at most waitMs for a file, then decides without it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const source = make({
      source: '/api/catalog',
      waitMs: 300,
      fetch: server({
        '/api/catalog': JSON.stringify(catalogJson({ effects: undefined })),
        '/learn/segments.json': () => new Promise<never>(() => undefined),
      }),
    });
    await advance(0); // the catalog is in; its segments file is being fetched
    let done = false;
    const pending = source.current().then((c) => {
      done = true;
      return c;
    });
    await advance(299);
    expect(done).toBe(false);
    await advance(1);
    expect((await pending)!.segments).toBeUndefined();
    // After the 5 s timeout: unavailable, retried.
    await advance(5000);
    expect(diagnostics.map((d) => d.code)).toEqual(['segments_unavailable']);
    expect(diagnostics[0]!.message).toContain('no answer within 5000 ms');
  });

  it('a malformed entry is skipped alone, naming the field', () => {
    const { catalog, problems, learning } = validateCatalog(
      catalogJson({
        segments: { url: 'http://shop.example/s.json', sha256: SEGMENTS_SHA },
        effects: { url: '/e.json', sha256: 'abc' },
      }),
      clock,
    );
    expect(catalog.offers).toHaveLength(1);
    expect(learning).toEqual({});
    expect(problems.map((p) => p.message)).toEqual([
      'segments.url: got "http://shop.example/s.json", expected a same-origin path or an https: URL',
      'effects.sha256: got "abc", expected 64 hex digits (the SHA-256 of the file)',
    ]);
    expect(validateCatalog(catalogJson({ effects: 'e.json' }), clock).problems[0]!.message).toBe(
      'effects: got "e.json", expected { "url": a same-origin path or https: URL, "sha256": 64 hex digits }, or the file itself',
    );
    expect(
      validateCatalog(
        catalogJson({ effects: { url: '/e.json', sha256: EFFECTS_SHA, size: 3 } }),
        clock,
      ).problems[0]!.message,
    ).toBe('effects.size: got 3, expected only url and sha256');
  });

  it('inline files: validated with the catalog, their own sha256 when they name one', async () => {
    const source = make({
      source: catalogJson({
        segments: { ...SEGMENTS, sha256: SEGMENTS_SHA },
        effects: effects({ reward: 'visits' }),
      }),
    });
    const catalog = await source.current();
    expect(catalog!.segments!.sha256).toBe(SEGMENTS_SHA);
    expect(catalog!.effects).toBeUndefined();
    expect(diagnostics).toEqual([
      {
        code: 'effects_invalid',
        message:
          'skipped effects.reward: got "visits", expected click | claim | order | revenue | discount | net',
      },
    ]);
    const plain = validateCatalog(catalogJson({ segments: SEGMENTS, effects: undefined }), clock);
    expect(plain.catalog.segments!.sha256).toBeUndefined();
    expect(
      validateCatalog(catalogJson({ segments: { ...SEGMENTS, sha256: 'x' } }), clock).problems[0]!
        .message,
    ).toBe('segments.sha256: got "x", expected the SHA-256 of the file it copies, 64 hex digits');
  });

  it('keeps on disk only the files the catalog names', async () => {
    const newer = JSON.stringify(effects({ temperature: 0.3 }));
    const files: Record<string, string> = {
      '/api/catalog': JSON.stringify(catalogJson()),
      '/learn/segments.json': segmentsText,
      'https://cdn.shop.example/effects.json': effectsText,
      '/learn/effects-2.json': newer,
    };
    const first = make({ source: '/api/catalog', fetch: server(files) });
    await first.current();
    await vi.waitFor(async () => expect(await storedKeys()).toHaveLength(3));
    first.destroy();
    files['/api/catalog'] = JSON.stringify(
      catalogJson({ effects: { url: '/learn/effects-2.json', sha256: sha(newer) } }),
    );
    const second = make({ source: '/api/catalog', fetch: server(files) });
    expect((await second.current())!.effects!.temperature).toBe(0.3);
    await vi.waitFor(async () =>
      expect(await storedKeys()).toEqual([
        `file:effects:${sha(newer)}`,
        `file:segments:${SEGMENTS_SHA}`,
        'last',
      ]),
    );
  });
});
