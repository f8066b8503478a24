// Benchmark of decide() in real Chromium: 200 eligible offers (coupons, flash sales and member
// deals in 20 categories and `any`, percent and amount discounts, minimum spends), a shopper with
// a tracked history, caps that never bind, and a warm predictor worker; then the same with the
// fallback scorer (a model URL that does not exist, so the predictor refuses it for good), and
// with the model again but `max_claims` on every coupon (each such offer's claims are read before
// eligibility); and with the learning loop on: the catalog carries a segments file (12 groups
// over the 20 categories) and an effects file (every offer × group, the model's part on), so each
// decision places the shopper and scores with the blended effects. Run by
// test/bench/run.mjs, or alone after `npm run build`: `node test/bench/decide.mjs` (one JSON
// object per line).
//
// Every response carries COOP/COEP (performance.now() ticks in 5 µs steps) and the browser has an
// on-disk profile, so the decision state and the profile really live in IndexedDB on disk.
//
// DECIDE_CPU_THROTTLE=<rate> slows the page's main thread by that factor (Chromium's CPU
// throttling, through CDP; the worker and the browser's IndexedDB are not slowed): a way to see
// what main-thread work costs on a slower device, or to compare with rows measured on a slower
// host. Results then carry `cpuThrottle`; `npm run bench` never sets it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromiumOnDisk } from '../support/browser.mjs';
import { distDir, mimeType, startServer, servedDistFiles } from '../support/server.mjs';
import { PAGE_PERCENTILES, round, roundAll } from './common.mjs';

const OFFERS = 200;
const LIMIT = 3;
const WARMUP_CALLS = 100;
const TIMED_CALLS = 300;
/** Attempts (250 ms apart) to wait for a decision by the model. */
const MODEL_ATTEMPTS = 120;

/** Main-thread slow-down factor (see the top of this file); undefined: none. */
const CPU_THROTTLE = process.env.DECIDE_CPU_THROTTLE
  ? Number(process.env.DECIDE_CPU_THROTTLE)
  : undefined;
if (CPU_THROTTLE !== undefined && !(CPU_THROTTLE >= 1)) {
  throw new Error(
    `DECIDE_CPU_THROTTLE: got ${process.env.DECIDE_CPU_THROTTLE}, expected a number ≥ 1`,
  );
}

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/** Runs in the page: the catalog, the shopper's history and percentiles (nearest rank). */
const PAGE_HELPERS = `
window.benchCatalog = (n, maxClaims = false) => {
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString();
  const HOUR = 3600000;
  const offers = [];
  for (let i = 0; i < n; i++) {
    const category = i % 21 === 20 ? undefined : 'cat' + (i % 20);
    const base = { id: 'o-' + i, title: 'Offer ' + i, placements: i % 2 ? ['home'] : [] };
    if (category) base.category = category;
    const discount = i % 4 === 0 ? { amount: 2 + (i % 15) } : { percent: 5 + (i % 8) * 5 };
    switch (i % 3) {
      case 0:
        offers.push({ ...base, type: 'coupon', discount, code: 'C' + i,
          ...(i % 5 === 0 ? { min_spend: 40 + (i % 4) * 20 } : {}),
          ...(maxClaims ? { max_claims: 1 } : {}),
          valid_from: iso(now - 24 * HOUR), valid_to: iso(now + (1 + (i % 10)) * 24 * HOUR) });
        break;
      case 1:
        offers.push({ ...base, type: 'flash_sale', starts_at: iso(now - HOUR),
          ends_at: iso(now + (1 + (i % 6)) * HOUR),
          items: [0, 1, 2].map((k) => ({ item_id: 'fs-' + i + '-' + k, item_name: 'Item ' + k,
            price: 40 + k * 10, sale_price: 30 + k * 5, stock: 3 + k })) });
        break;
      default:
        offers.push({ ...base, type: 'member_deal', discount,
          ...(i % 7 === 0 ? { value: 25 } : {}) });
    }
  }
  return { version: 1, server_time: iso(now), currency: 'EUR',
    placements: { home: { limit: ${LIMIT} } }, offers };
};
// The learning files inline (as the catalog source hands them to decisions once checked): 12
// groups over the profile vector of the 20 categories (9 + 3 × 20 dimensions), effects for every
// offer and group with the model's part, learned on these very segments (same SHA-256).
window.benchLearning = (catalog) => {
  const categories = Array.from({ length: 20 }, (_, i) => 'cat' + i);
  const d = 9 + 3 * categories.length;
  const k = 12;
  const sha = 'ab'.repeat(32);
  const wave = (g, j) => Math.round(Math.sin(g * 7.1 + j * 1.3) * 1000) / 1000;
  const segments = { format: 'offerwise-segments', version: 1,
    vector: { version: 2, categories },
    standardization: { mean: Array(d).fill(0.1), scale: Array(d).fill(0.5) },
    centroids: Array.from({ length: k }, (_, g) => Array.from({ length: d }, (_, j) => wave(g, j))),
    spread: Array.from({ length: k }, (_, g) => 2 + (g % 3)),
    labels: Array.from({ length: k }, (_, g) => 'group ' + g), sha256: sha };
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString();
  const offers = {};
  catalog.offers.forEach((o, i) => {
    offers[o.id] = { mean: 0.02 + (i % 9) * 0.003, se: 0.004, n: 400 + i,
      groups: Array.from({ length: k }, (_, g) => ({ mean: 0.01 + ((i * 7 + g * 3) % 11) * 0.002,
        sd: 0.003, n: 30 + g, pred: 0.01 + (g % 4) * 0.001 })) };
  });
  const effects = { format: 'offerwise-effects', version: 1, reward: 'net',
    generated_at: iso(now - 3600000), valid_until: iso(now + 14 * 86400000),
    window: { from: iso(now - 28 * 86400000), to: iso(now - 3600000) }, epsilon: 2,
    segments_sha256: sha, k, temperature: 0.002, model: { beta: 0.5 },
    profile: { interest: 0.02, bought: -0.004, depthPrice: -0.001, depthCoupon: 0.003,
      anyDiffuse: 0.01, recent: -0.02 }, offers,
    sha256: 'cd'.repeat(32) };
  return { ...catalog, segments, effects };
};
window.benchHistory = () => {
  const item = (i, category, price) =>
    ({ item_id: 'sku-' + i, item_name: 'Item ' + i, item_category: category, price });
  const events = [];
  for (let i = 0; i < 2; i++) {
    events.push({ event: 'purchase', ecommerce: { transaction_id: 'T-' + i, value: 90 + i * 30,
      currency: 'EUR', items: [item(100 + i, 'cat' + (i * 3), 90 + i * 30)] } });
  }
  for (let i = 0; i < 40; i++) {
    events.push({ event: 'view_item',
      ecommerce: { currency: 'EUR', items: [item(i, 'cat' + (i % 8), 20 + (i % 6) * 10)] } });
  }
  for (let i = 0; i < 4; i++) {
    events.push({ event: 'add_to_cart',
      ecommerce: { currency: 'EUR', items: [item(i, 'cat' + (i % 8), 30)] } });
  }
  return events;
};
${PAGE_PERCENTILES}
`;

const PAGE = [
  '<!doctype html>',
  '<html><head><meta charset="utf-8"><title>offerwise decide bench</title>',
  '<link rel="icon" href="data:,">',
  '<script src="/offerwise/offerwise.iife.js"></script>',
  `<script>${PAGE_HELPERS}</script>`,
  '</head><body>bench</body></html>',
].join('\n');

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

/**
 * In the page: one series of `decide()` calls on a fresh instance. `model` undefined means the
 * shipped model (waits until a decision says source 'model'); a URL that does not exist means
 * the fallback (waits until the predictor has refused it, so no call waits for the budget).
 */
async function series({
  model,
  maxClaims,
  learning,
  dbName,
  offers,
  limit,
  warmup,
  calls,
  attempts,
}) {
  const plain = benchCatalog(offers, maxClaims);
  const catalog = learning ? benchLearning(plain) : plain;
  const request = { placement: 'home', limit, context: { member: true } };
  const config = (name, decisions) => ({
    consent: 'granted',
    catalog,
    dbName: name,
    ...(model !== undefined ? { model } : {}),
    decisions: { holdoutShare: 0, caps: { offer: {}, placement: {}, overall: {} }, ...decisions },
  });
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // All offers eligible: with exploration 1 the first slot is uniform over the candidates, so
  // its propensity is 1 / (number of candidates).
  const probe = await Offerwise.createOffers({
    ...config(`${dbName}-probe`, { exploration: 1, diversify: false }),
    model: '/missing.onnx',
  });
  for (const event of benchHistory()) await probe.track(event);
  const probed = await probe.decide(request);
  await probe.forget();
  await probe.destroy();
  const candidates = Math.round(1 / probed.offers[0].propensity);

  const ow = await Offerwise.createOffers(config(dbName));
  for (const event of benchHistory()) await ow.track(event);
  const profile = await ow.profile();
  let ready;
  const waitStart = performance.now();
  for (let i = 0; i < attempts; i++) {
    const decision = await ow.decide(request);
    if (model === undefined ? decision.source === 'model' : ow.diagnostics().length > 0) {
      ready = decision;
      break;
    }
    await sleep(250);
  }
  const waitedMs = performance.now() - waitStart;
  for (let i = 0; i < warmup; i++) await ow.decide(request);

  const samples = [];
  const sources = {};
  const versions = new Set();
  let short = 0;
  let last;
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    const decision = await ow.decide(request);
    last = decision;
    samples.push(performance.now() - start);
    sources[decision.source] = (sources[decision.source] ?? 0) + 1;
    versions.add(decision.modelVersion);
    if (decision.offers.length !== limit) short += 1;
  }
  // For scale: the profile read that every decision starts with.
  const profileSamples = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await ow.profile();
    profileSamples.push(performance.now() - start);
  }
  const diagnostics = ow.diagnostics().map((d) => d.code);
  // With the learning files: did the last decision place the shopper and score with the effects?
  const inspected = ow.inspect(last.decisionId);
  const learned = learning
    ? {
        group: inspected?.group?.id ?? null,
        byGroup: inspected?.effects?.byGroup ?? false,
        effectSources: [...new Set((inspected?.candidates ?? []).map((c) => c.effect?.source))],
        // Candidates whose score has the profile part (the shopper's own terms × the slopes).
        withProfile: (inspected?.candidates ?? []).filter((c) => c.effect?.profile !== undefined)
          .length,
      }
    : undefined;
  const state = (await ow.exportData()).decisions;
  await ow.forget();
  await ow.destroy();
  return {
    latency: percentiles(samples),
    profileLatency: percentiles(profileSamples),
    candidates,
    withMaxClaims: catalog.offers.filter((o) => o.max_claims !== undefined).length,
    ready: ready !== undefined,
    waitedMs,
    sources,
    versions: [...versions],
    short,
    diagnostics,
    learned,
    storage: state.storage,
    profile: {
      events: profile.log.events,
      categories: profile.categories.length,
      cartLines: profile.cart.lines.length,
      purchases: profile.purchases.total.count,
    },
  };
}

/** Runs the decide() benchmarks in their own Chromium; returns the results (also passed to `emit`). */
export async function runDecideBench({ emit = () => undefined } = {}) {
  const results = [];
  const out = (result) => {
    results.push(result);
    emit(result);
  };
  const server = await startServer();
  serveDist(server, '/offerwise/');
  server.route('/decide.html', {
    body: PAGE,
    type: 'text/html; charset=utf-8',
    headers: ISOLATION,
  });
  const context = await launchChromiumOnDisk();
  const errors = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error));
    if (CPU_THROTTLE !== undefined) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_THROTTLE });
    }
    await page.goto(server.url('/decide.html'));
    if (!(await page.evaluate(() => crossOriginIsolated))) {
      throw new Error('decide bench page is not cross-origin isolated');
    }
    const variants = [
      {
        name: 'decide_200_offers',
        model: undefined,
        scorer: 'the shipped model in the worker (warm)',
      },
      {
        name: 'decide_20_offers',
        model: undefined,
        offers: 20,
        scorer: 'the shipped model in the worker (warm); the first 20 offers of the same catalog',
      },
      {
        name: 'decide_200_offers_fallback',
        model: '/missing.onnx',
        scorer: 'the fallback scorer (model refused: /missing.onnx is a 404)',
      },
      {
        name: 'decide_200_offers_learning',
        model: undefined,
        learning: true,
        scorer:
          'the shipped model in the worker (warm); learning on: segments (12 groups) and effects (200 offers × 12 groups, model part and profile slopes on) in the catalog',
      },
      {
        name: 'decide_200_offers_max_claims',
        model: undefined,
        maxClaims: true,
        scorer: 'the shipped model in the worker (warm); every coupon has max_claims: 1',
      },
    ];
    for (const variant of variants) {
      const offers = variant.offers ?? OFFERS;
      const r = await page.evaluate(series, {
        model: variant.model,
        maxClaims: variant.maxClaims === true,
        learning: variant.learning === true,
        dbName: `bench-${variant.name}`,
        offers,
        limit: LIMIT,
        warmup: WARMUP_CALLS,
        calls: TIMED_CALLS,
        attempts: MODEL_ATTEMPTS,
      });
      const expected = variant.model === undefined ? 'model' : 'fallback';
      if (!r.ready) throw new Error(`${variant.name}: the ${expected} scorer never decided`);
      if (r.candidates !== offers)
        throw new Error(`${variant.name}: ${r.candidates} candidates, not ${offers}`);
      if (r.sources[expected] !== TIMED_CALLS)
        throw new Error(`${variant.name}: sources ${JSON.stringify(r.sources)}`);
      if (r.short > 0) throw new Error(`${variant.name}: ${r.short} decisions under ${LIMIT}`);
      if (r.storage !== 'indexeddb') throw new Error(`${variant.name}: state in ${r.storage}`);
      const allowed = variant.model === undefined ? [] : ['model_unavailable'];
      if (r.diagnostics.some((code) => !allowed.includes(code)))
        throw new Error(`${variant.name}: diagnostics ${r.diagnostics.join(', ')}`);
      if (
        variant.learning &&
        (r.learned.group === null ||
          !r.learned.byGroup ||
          r.learned.effectSources.join() !== 'group' ||
          r.learned.withProfile !== r.candidates)
      )
        throw new Error(`${variant.name}: effects not used ${JSON.stringify(r.learned)}`);
      out({
        name: variant.name,
        values: roundAll(r.latency, 3),
        unit: 'ms',
        n: TIMED_CALLS,
        offers,
        candidates: r.candidates,
        withMaxClaims: r.withMaxClaims,
        limit: LIMIT,
        warmup: WARMUP_CALLS,
        scorer: variant.scorer,
        modelVersion: r.versions.join(','),
        profileLatency: roundAll(r.profileLatency, 3),
        shopper: r.profile,
        ...(r.learned ? { learned: r.learned } : {}),
        ...(CPU_THROTTLE !== undefined ? { cpuThrottle: CPU_THROTTLE } : {}),
        note: "await ow.decide({ placement, limit: 3, context: { member: true } }) on the page: the profile (this tab's copy), claims (only with max_claims), features of every offer, score(), expected value, the policy in one readwrite IndexedDB transaction with the cap counters (meta token read; counters from the copy while current), explanations, the decision saved in that transaction (returns once its commit is requested, before it completes); caps never bind; profileLatency = profile() alone (always a database read), for scale",
      });
    }
    if (errors.length > 0) throw new Error(`page errors: ${errors.map(String).join('; ')}`);
  } finally {
    await context.close();
    await server.close();
  }
  return { results };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runDecideBench({ emit: (result) => console.log(JSON.stringify(result)) }).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
