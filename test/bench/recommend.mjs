// Benchmark of recommend() in real Chromium: a catalog of 5,000 items (20 categories, Zipf-like
// popularity, names, prices, links) with 20 neighbours each, drawn with a seeded PRNG, and a
// shopper with a tracked history (40 views along the neighbour graph, 2 purchases, 4 cart lines).
// Latency of `recommend({ placement: 'product', limit: 8 })` with the default candidate pool
// (repeats of this visit's views, neighbours, content look-alikes of the 3 newest items, 100
// popular), with 50 explicit candidates (as a flash sale passes them), in `discover` and
// `recently-viewed` mode, and without consent (popularity only); then the JS heap that the validated catalog keeps, with and without the neighbours, in
// a second Chromium started with `--expose-gc` and precise memory info. Run by
// test/bench/run.mjs, or alone after `npm run build`: `node test/bench/recommend.mjs` (one JSON
// object per line).
//
// Every response carries COOP/COEP (performance.now() ticks in 5 µs steps) and the browser has an
// on-disk profile, so the profile and the catalog database really live in IndexedDB on disk.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { launchChromiumOnDisk } from '../support/browser.mjs';
import { distDir, mimeType, startServer, servedDistFiles } from '../support/server.mjs';
import { PAGE_PERCENTILES, round, roundAll } from './common.mjs';

const ITEMS = 5_000;
const NEIGHBOURS = 20;
const CATEGORY_COUNT = 20;
const LIMIT = 8;
const FLASH_SALE_ITEMS = 50;
const WARMUP_CALLS = 100;
const TIMED_CALLS = 500;
/** The SDK's default pool: neighbours of the recent items plus this many popular items. */
const POPULAR_POOL = 100;
/** Fresh pages per memory variant; the median delta is reported. */
const MEMORY_RUNS = 3;
/** After creating an instance: lets the predictor (consent granted) load in idle time first. */
const SETTLE_MS = 3000;

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

const CATEGORIES = [
  'boots',
  'sneakers',
  'sandals',
  'jackets',
  'coats',
  'shirts',
  't-shirts',
  'jeans',
  'trousers',
  'dresses',
  'skirts',
  'knitwear',
  'bags',
  'belts',
  'hats',
  'scarves',
  'socks',
  'sportswear',
  'swimwear',
  'accessories',
];
const ADJECTIVES = ['Classic', 'Slim', 'Relaxed', 'Vintage', 'Essential', 'Premium', 'Everyday'];
const MATERIALS = ['leather', 'cotton', 'wool', 'linen', 'denim', 'suede', 'recycled', 'knit'];
const COLOURS = ['black', 'navy', 'olive', 'sand', 'grey', 'burgundy', 'white', 'tan'];

/** Seeded PRNG (mulberry32): the same catalog and shopper on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Like models/recs/neighbours.ts: 4 significant digits. */
const round4 = (x) => Number(x.toPrecision(4));

/**
 * The synthetic shop. Categories have Zipf-like sizes, popularity is Zipf over a random
 * permutation of the items (≈ sessions containing the item), and each item's 20 neighbours are
 * 14 items of its own category and 6 of any category, both drawn with a bias to popular items,
 * with decreasing weights of the magnitude `npm run neighbours` writes (rates, 4 digits).
 */
function buildShop() {
  const random = prng(20261128);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const ids = Array.from({ length: ITEMS }, (_, i) => `sku-${i}`);
  // Category sizes ∝ 1/(k+1)^0.6.
  const catWeights = CATEGORIES.map((_, k) => 1 / (k + 1) ** 0.6);
  const catTotal = catWeights.reduce((s, w) => s + w, 0);
  const categoryOf = ids.map(() => {
    let u = random() * catTotal;
    for (let k = 0; k < CATEGORIES.length; k++) {
      u -= catWeights[k];
      if (u <= 0) return CATEGORIES[k];
    }
    return CATEGORIES[CATEGORIES.length - 1];
  });
  const order = ids.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const popularity = new Array(ITEMS);
  order.forEach((item, rank) => {
    popularity[item] = Math.max(1, Math.round(40_000 / (rank + 1) ** 1.05));
  });
  // Most popular first, overall and per category.
  const byPopularity = [...order];
  const inCategory = new Map(CATEGORIES.map((c) => [c, []]));
  for (const i of byPopularity) inCategory.get(categoryOf[i]).push(i);
  const biased = (list, power) => list[Math.floor(list.length * random() ** power)];

  const items = {};
  const neighbourIdx = [];
  for (let i = 0; i < ITEMS; i++) {
    const category = categoryOf[i];
    const noun = category.replace(/s$/, '');
    const base = 15 + (CATEGORIES.indexOf(category) % 7) * 12;
    const price = Math.max(4.99, Math.round(base * Math.exp((random() - 0.5) * 1.2)) - 0.01);
    const chosen = new Set();
    const same = inCategory.get(category);
    while (chosen.size < 14) {
      const j = biased(same, 2);
      if (j !== i) chosen.add(j);
    }
    while (chosen.size < NEIGHBOURS) {
      const j = biased(byPopularity, 3);
      if (j !== i) chosen.add(j);
    }
    const top = 0.02 + random() * 0.25;
    const weights = [...chosen]
      .map((j, k) => [j, top * Math.exp(-0.15 * k) * (0.8 + 0.4 * random())])
      .sort((a, b) => b[1] - a[1]);
    neighbourIdx.push(weights.map(([j]) => j));
    items[ids[i]] = {
      name: `${pick(ADJECTIVES)} ${pick(COLOURS)} ${pick(MATERIALS)} ${noun}`,
      category,
      price,
      url: `https://shop.example/p/${ids[i]}`,
      image: `https://cdn.shop.example/img/${ids[i]}.jpg`,
      popularity: popularity[i],
      neighbours: weights.map(([j, w]) => [ids[j], round4(w)]),
    };
  }

  // The shopper: a walk along the neighbour graph (70%) with jumps to popular items of two
  // favourite categories (30%); purchases half-way (an item viewed earlier and the most popular
  // item of the shop), then more views, then 4 adds to cart of items viewed last.
  const favourites = [inCategory.get('boots'), inCategory.get('jackets')];
  const walk = [];
  let at = favourites[0][3];
  while (walk.length < 40) {
    walk.push(at);
    at = random() < 0.7 ? neighbourIdx[at][Math.floor(random() * 6)] : biased(pick(favourites), 2);
  }
  const ga4 = (i) => ({
    item_id: ids[i],
    item_name: items[ids[i]].name,
    item_category: items[ids[i]].category,
    price: items[ids[i]].price,
  });
  const view = (i) => ({ event: 'view_item', ecommerce: { currency: 'EUR', items: [ga4(i)] } });
  const purchased = [walk[5], byPopularity[0]];
  const carted = [...new Set(walk.slice(30))].slice(-4);
  const history = [
    ...walk.slice(0, 30).map(view),
    ...purchased.map((i, k) => ({
      event: 'purchase',
      ecommerce: {
        transaction_id: `T-${k}`,
        currency: 'EUR',
        value: items[ids[i]].price,
        items: [ga4(i)],
      },
    })),
    ...walk.slice(30).map(view),
    ...carted.map((i) => ({
      event: 'add_to_cart',
      ecommerce: { currency: 'EUR', value: items[ids[i]].price, items: [ga4(i)] },
    })),
  ];
  // A flash sale: 47 items of two categories, plus two cart lines and one purchase, which must
  // never be recommended.
  const sale = new Set([carted[0], carted[1], purchased[0]]);
  const pools = [inCategory.get('boots'), inCategory.get('sneakers')];
  while (sale.size < FLASH_SALE_ITEMS) sale.add(pick(pick(pools)));

  const envelope = {
    version: 1,
    server_time: new Date().toISOString(),
    currency: 'EUR',
    placements: { product: { limit: LIMIT } },
    offers: [],
  };
  const withoutNeighbours = Object.fromEntries(
    Object.entries(items).map(([id, { neighbours, ...rest }]) => [id, rest]),
  );
  return {
    catalogs: {
      full: { ...envelope, items },
      withoutNeighbours: { ...envelope, items: withoutNeighbours },
      noItems: envelope,
    },
    history,
    views: walk.length,
    forbidden: [...new Set([...carted, ...purchased])].map((i) => ids[i]),
    saleIds: [...sale].map((i) => ids[i]),
    popularPool: byPopularity.slice(0, POPULAR_POOL).map((i) => ids[i]),
  };
}

/** Runs in the page: percentiles (nearest rank). */
const PAGE_HELPERS = `
${PAGE_PERCENTILES}
`;

const PAGE = [
  '<!doctype html>',
  '<html><head><meta charset="utf-8"><title>offerwise recommend bench</title>',
  '<link rel="icon" href="data:,">',
  '<script src="/offerwise/offerwise.iife.js"></script>',
  `<script>${PAGE_HELPERS}</script>`,
  '</head><body>bench</body></html>',
].join('\n');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/** Serves dist/ under `prefix`, every response no-store and cross-origin isolated. */
function serveDist(server, prefix) {
  const files = servedDistFiles();
  for (const file of files) {
    const body = readFileSync(path.join(distDir, file));
    server.route(`${prefix}${file}`, (req, res) => {
      res.writeHead(200, {
        'content-type': mimeType(file),
        'content-length': body.length,
        'cache-control': 'no-store',
        ...ISOLATION,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  }
}

function serveJson(server, pathname, json) {
  const body = Buffer.from(json);
  server.route(pathname, (req, res) => {
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'no-store',
      ...ISOLATION,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}

/**
 * In the page: one series of `recommend()` calls on a fresh instance made with the catalog object
 * (fetched and parsed once per page). Returns the latencies, the lists seen and the profile.
 */
async function series({ catalogUrl, consent, dbName, history, request, warmup, calls, settleMs }) {
  window.benchCatalog ??= await (await fetch(catalogUrl)).json();
  const ow = await Offerwise.createOffers({
    consent,
    catalog: window.benchCatalog,
    dbName,
    // The synthetic catalog's images: allowed, as a shop lists its CDN (`imageOrigins`).
    imageOrigins: ['https://cdn.shop.example'],
  });
  for (const event of history) await ow.track(event);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const first = await ow.recommend(request);
  for (let i = 0; i < warmup; i++) await ow.recommend(request);

  const samples = [];
  const lists = new Set();
  let short = 0;
  let personalized = 0;
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    const r = await ow.recommend(request);
    samples.push(performance.now() - start);
    if (r.items.length !== request.limit) short += 1;
    if (r.personalized) personalized += 1;
    lists.add(r.items.map((item) => item.itemId).join(','));
  }
  // For scale: profile() alone (always a database read; recommend() uses this tab's copy).
  const profileSamples = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await ow.profile();
    profileSamples.push(performance.now() - start);
  }
  const profile = await ow.profile();
  const diagnostics = ow.diagnostics().map((d) => d.code);
  await ow.forget();
  await ow.destroy();
  return {
    latency: percentiles(samples),
    profileLatency: percentiles(profileSamples),
    first,
    lists: [...lists],
    short,
    personalized,
    diagnostics,
    profile: {
      events: profile.log.events,
      viewed: profile.recent.viewed.length,
      carted: profile.recent.carted.length,
      cartLines: profile.cart.lines.length,
      purchases: profile.purchases.total.count,
    },
  };
}

/**
 * In a fresh page of the memory browser: the JS heap before and after an instance whose catalog
 * comes from a URL (fetched, parsed, validated, the raw object and the JSON text dropped), forced
 * to load by one recommend() call. Consent denied, so no predictor worker is started.
 */
async function heapDelta({ catalogUrl, dbName, expectItems }) {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
  const collect = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await settle();
    }
  };
  const uaMemory = async () => {
    if (typeof performance.measureUserAgentSpecificMemory !== 'function') return undefined;
    const result = await Promise.race([
      performance.measureUserAgentSpecificMemory(),
      new Promise((resolve) => setTimeout(() => resolve(undefined), 30_000)),
    ]);
    return result?.bytes;
  };
  await collect();
  const heapBefore = performance.memory.usedJSHeapSize;
  const uaBefore = await uaMemory();
  let ow = await Offerwise.createOffers({
    consent: 'denied',
    catalog: catalogUrl,
    dbName,
    imageOrigins: ['https://cdn.shop.example'],
  });
  const r = await ow.recommend({ placement: 'product', limit: 8 });
  const returned = r.items.length;
  window.keep = ow;
  ow = undefined;
  await collect();
  const heapAfter = performance.memory.usedJSHeapSize;
  const uaAfter = await uaMemory();
  const diagnostics = window.keep.diagnostics().map((d) => d.code);
  await window.keep.forget();
  await window.keep.destroy();
  window.keep = undefined;
  return {
    heap: heapAfter - heapBefore,
    ua: uaBefore !== undefined && uaAfter !== undefined ? uaAfter - uaBefore : undefined,
    returned,
    expected: expectItems,
    diagnostics,
  };
}

async function latencyBench(server, shop, out) {
  const context = await launchChromiumOnDisk();
  const errors = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error));
    await page.goto(server.url('/recommend.html'));
    if (!(await page.evaluate(() => crossOriginIsolated))) {
      throw new Error('recommend bench page is not cross-origin isolated');
    }
    const forbidden = new Set(shop.forbidden);
    const variants = [
      {
        name: 'recommend_5000_items',
        consent: 'granted',
        request: { placement: 'product', limit: LIMIT },
        pool: 'default: the views of this visit (repeat scores), neighbours of the 10 newest distinct recent items, content look-alikes of the 3 newest, 100 most popular',
      },
      {
        name: 'recommend_5000_items_candidates',
        consent: 'granted',
        request: { placement: 'product', limit: LIMIT, candidates: shop.saleIds },
        pool: `${FLASH_SALE_ITEMS} explicit candidates (a flash sale; 2 cart lines and 1 purchase among them)`,
      },
      {
        name: 'recommend_5000_items_discover',
        consent: 'granted',
        request: { placement: 'product', limit: LIMIT, mode: 'discover' },
        pool: 'mode discover: the default pool minus every item viewed',
      },
      {
        name: 'recommend_5000_items_recently_viewed',
        consent: 'granted',
        request: { placement: 'product', limit: LIMIT, mode: 'recently-viewed' },
        pool: 'mode recently-viewed: the viewed items, newest first',
      },
      {
        name: 'recommend_5000_items_no_consent',
        consent: 'denied',
        request: { placement: 'product', limit: LIMIT },
        pool: 'consent denied: the 100 most popular items, popularity and diversity only',
      },
    ];
    for (const variant of variants) {
      const r = await page.evaluate(series, {
        catalogUrl: '/bench/catalog.json',
        consent: variant.consent,
        dbName: `bench-${variant.name}`,
        history: shop.history,
        request: variant.request,
        warmup: WARMUP_CALLS,
        calls: TIMED_CALLS,
        settleMs: variant.consent === 'granted' ? SETTLE_MS : 0,
      });
      const fail = (why) => {
        throw new Error(`${variant.name}: ${why}`);
      };
      const granted = variant.consent === 'granted';
      if (r.short > 0) fail(`${r.short} lists not of ${LIMIT} items`);
      if (r.personalized !== (granted ? TIMED_CALLS : 0))
        fail(`personalized in ${r.personalized} of ${TIMED_CALLS} calls`);
      if (r.lists.length !== 1) fail(`${r.lists.length} different lists (not deterministic)`);
      const ids = r.lists[0].split(',');
      if (r.first.items.map((item) => item.itemId).join(',') !== r.lists[0])
        fail('the first list differs from the timed ones');
      if (new Set(ids).size !== ids.length) fail(`duplicates in ${r.lists[0]}`);
      const because = r.first.items.filter((item) => item.because !== undefined).length;
      const bad = ids.filter((id) => forbidden.has(id));
      if (granted) {
        if (bad.length > 0) fail(`cart or purchased items returned: ${bad.join(', ')}`);
        if (because === 0 && variant.request.mode !== 'recently-viewed')
          fail('no item explained by neighbour evidence');
        if (r.profile.cartLines !== 4 || r.profile.purchases !== 2)
          fail(`profile ${JSON.stringify(r.profile)}`);
      } else if (because > 0) fail('items explained by the history without consent');
      if (variant.request.candidates && ids.some((id) => !variant.request.candidates.includes(id)))
        fail('items outside the candidates');
      if (!granted && ids.some((id) => !shop.popularPool.includes(id)))
        fail('items outside the 100 most popular');
      if (r.diagnostics.length > 0) fail(`diagnostics ${r.diagnostics.join(', ')}`);
      out({
        name: variant.name,
        values: roundAll(r.latency, 3),
        unit: 'ms',
        n: TIMED_CALLS,
        warmup: WARMUP_CALLS,
        items: ITEMS,
        neighboursPerItem: NEIGHBOURS,
        limit: LIMIT,
        consent: variant.consent,
        pool: variant.pool,
        personalized: granted,
        explainedByNeighbours: because,
        cartOrBoughtReturned: bad.length,
        returned: ids,
        profileLatency: roundAll(r.profileLatency, 3),
        shopper: {
          events: shop.history.length,
          ...(granted ? r.profile : {}),
        },
        note: `await ow.recommend(${JSON.stringify({ ...variant.request, ...(variant.request.candidates ? { candidates: `[${variant.request.candidates.length} ids]` } : {}) })}) on the page, catalog passed as an object (validated once at createOffers): the loaded catalog, ${granted ? "this tab's copy of the profile, " : 'no profile (consent denied; the same history was tracked), '}rankItems() over the pool, explanations; every call checked for ${LIMIT} items, the same list, personalized ${granted}${granted ? ', no cart line or purchase returned' : ''}; profileLatency = profile() alone (always a database read), for scale`,
      });
    }
    if (errors.length > 0) throw new Error(`page errors: ${errors.map(String).join('; ')}`);
  } finally {
    await context.close();
  }
}

async function memoryBench(server, shop, json, out) {
  const context = await launchChromiumOnDisk({
    args: [
      '--js-flags=--expose-gc',
      '--enable-precise-memory-info',
      '--enable-blink-features=ForceEagerMeasureMemory',
    ],
  });
  const errors = [];
  const deltas = { noItems: [], withoutNeighbours: [], full: [] };
  const uaDeltas = { noItems: [], withoutNeighbours: [], full: [] };
  try {
    for (let run = 0; run < MEMORY_RUNS; run++) {
      for (const variant of Object.keys(deltas)) {
        const page = await context.newPage();
        page.on('pageerror', (error) => errors.push(error));
        await page.goto(server.url('/recommend.html'));
        if (!(await page.evaluate(() => crossOriginIsolated && typeof gc === 'function'))) {
          throw new Error('memory bench page: not cross-origin isolated or no gc()');
        }
        const r = await page.evaluate(heapDelta, {
          catalogUrl: `/bench/catalog-${variant}.json`,
          dbName: `bench-memory-${variant}-${run}`,
          expectItems: variant === 'noItems' ? 0 : LIMIT,
        });
        await page.close();
        if (r.returned !== r.expected)
          throw new Error(`memory ${variant}: ${r.returned} items, not ${r.expected}`);
        if (r.diagnostics.length > 0)
          throw new Error(`memory ${variant}: diagnostics ${r.diagnostics.join(', ')}`);
        deltas[variant].push(r.heap);
        if (r.ua !== undefined) uaDeltas[variant].push(r.ua);
      }
    }
    if (errors.length > 0) throw new Error(`page errors: ${errors.map(String).join('; ')}`);
  } finally {
    await context.close();
  }
  const heap = Object.fromEntries(Object.entries(deltas).map(([k, v]) => [k, median(v)]));
  const ua = Object.values(uaDeltas).every((v) => v.length === MEMORY_RUNS)
    ? Object.fromEntries(Object.entries(uaDeltas).map(([k, v]) => [k, median(v)]))
    : undefined;
  const neighbours = heap.full - heap.withoutNeighbours;
  const pairs = ITEMS * NEIGHBOURS;
  const size = (text) => ({
    bytes: Buffer.byteLength(text),
    gzip: gzipSync(text).length,
    brotli: brotliCompressSync(text, {
      params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 },
    }).length,
  });
  const full = size(json.full);
  const bare = size(json.withoutNeighbours);
  out({
    name: 'recommend_catalog_memory',
    value: neighbours,
    unit: 'bytes',
    perThousandItems: Math.round((neighbours / ITEMS) * 1000),
    perNeighbour: round(neighbours / pairs, 1),
    items: ITEMS,
    neighboursPerItem: NEIGHBOURS,
    heap: {
      ...heap,
      catalogFull: heap.full - heap.noItems,
      itemsWithoutNeighbours: heap.withoutNeighbours - heap.noItems,
      runs: deltas,
    },
    ...(ua
      ? { measureUserAgentSpecificMemory: { ...ua, neighbours: ua.full - ua.withoutNeighbours } }
      : {}),
    json: {
      full,
      withoutNeighbours: bare,
      neighbours: {
        bytes: full.bytes - bare.bytes,
        gzip: full.gzip - bare.gzip,
        brotli: full.brotli - bare.brotli,
      },
      perThousandItems: {
        bytes: Math.round((full.bytes / ITEMS) * 1000),
        gzip: Math.round((full.gzip / ITEMS) * 1000),
      },
    },
    note: `value = JS heap (performance.memory.usedJSHeapSize of the page's renderer, --enable-precise-memory-info, after gc() three times) retained by the neighbours alone: the delta of an instance whose 5,000-item catalog has 20 neighbours per item minus the delta of one whose catalog has the same items without neighbours; median of ${MEMORY_RUNS} fresh pages each. Each delta is measured around createOffers({ consent: 'denied', catalog: URL }) and one recommend() (so the catalog is fetched, parsed, validated and the raw object and JSON text dropped; no predictor worker), kept alive by a global. heap.full/withoutNeighbours/noItems are those deltas (they include the instance itself: profile service, IndexedDB connections, diagnostics); catalogFull and itemsWithoutNeighbours subtract the instance without items (they include recommend()'s popularity index, built at the first call). Item id strings in neighbour lists come from JSON.parse, which internalizes short strings, so they mostly share the item keys' storage: the figure is the [id, weight] arrays, the lists and the boxed weights. json: the catalog as served (compact JSON); gzip level 6, brotli quality 11, computed in Node`,
  });
}

/** Runs the recommend() benchmarks in their own Chromium; returns the results (also passed to `emit`). */
export async function runRecommendBench({ emit = () => undefined } = {}) {
  const results = [];
  const out = (result) => {
    results.push(result);
    emit(result);
  };
  const shop = buildShop();
  const json = Object.fromEntries(
    Object.entries(shop.catalogs).map(([k, catalog]) => [k, JSON.stringify(catalog)]),
  );
  const server = await startServer();
  serveDist(server, '/offerwise/');
  server.route('/recommend.html', {
    body: PAGE,
    type: 'text/html; charset=utf-8',
    headers: ISOLATION,
  });
  serveJson(server, '/bench/catalog.json', json.full);
  for (const [k, text] of Object.entries(json)) serveJson(server, `/bench/catalog-${k}.json`, text);
  try {
    await latencyBench(server, shop, out);
    await memoryBench(server, shop, json, out);
  } finally {
    await server.close();
  }
  return { results };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runRecommendBench({ emit: (result) => console.log(JSON.stringify(result)) }).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
