// Benchmarks of the predictor in real Chromium: cold start (new Predictor → first model score),
// the warm round trip of score() for 200 and 1,000 candidate rows, the same rows scored by ONNX
// Runtime inside the worker without messaging (Predictor.measure), and the main thread's long
// tasks while the model loads. Run by test/bench/run.mjs, or alone after `npm run build`:
// `node test/bench/predictor.mjs` (one JSON object per line).
//
// Every response carries COOP/COEP, so the page and the worker are cross-origin isolated and
// performance.now() ticks in 5 µs steps in both. The browser has an on-disk profile, as shoppers
// do: an off-the-record context keeps its HTTP cache in memory, too small for the 14 MB .wasm.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromiumOnDisk } from '../support/browser.mjs';
import { distDir, mimeType, startServer, servedDistFiles } from '../support/server.mjs';
import { PAGE_PERCENTILES, round, roundAll } from './common.mjs';

const FEATURES = 34;
/** Fresh pages for each cold-start series. */
const COLD_PAGES = 7;
/** Untimed calls per size before the timed series (V8 tiers the wasm up meanwhile). */
const WARMUP_CALLS = 300;
const TIMED_CALLS = 500;
const SIZES = [200, 1000];
/** Fresh pages watched for long tasks, with the predictor and without (the control). */
const LONGTASK_PAGES = 5;

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/** Runs in the page: a seeded generator and percentiles (nearest rank). */
const PAGE_HELPERS = `
window.benchRows = (n, seed) => {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rows = new Float32Array(n * ${FEATURES});
  for (let i = 0; i < rows.length; i++) {
    const j = i % ${FEATURES};
    rows[i] = j === 0 ? next() * 13 : j === 2 || j === 3 || j === 15 ? next() * 7 : next();
  }
  return rows;
};
${PAGE_PERCENTILES}
`;

/** Records long tasks from the start of the page (before the SDK's script). */
const LONGTASK_OBSERVER = `
window.longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    window.longTasks.push({ start: e.startTime, duration: e.duration, name: e.name });
  }
}).observe({ type: 'longtask', buffered: true });
`;

function page(base, { longtasks = false, predictor = false } = {}) {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><title>offerwise predictor bench</title>',
    '<link rel="icon" href="data:,">',
    longtasks ? `<script>${LONGTASK_OBSERVER}</script>` : '',
    `<script src="${base}offerwise.iife.js"></script>`,
    `<script>${PAGE_HELPERS}</script>`,
    // As a shop would: the predictor made at load, started when the page is idle (the default).
    // (the class comes with the script tag's second file, loaded here as soon as asked for)
    predictor
      ? '<script>Offerwise.load().then(() => { window.predictor = new Offerwise.Predictor(); });</script>'
      : '',
    '</head><body>bench</body></html>',
  ].join('\n');
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Serves dist/ under `prefix`, every response isolated; `cache(file)` gives its Cache-Control. */
function serveDist(server, prefix, cache) {
  const hits = new Map();
  const files = servedDistFiles();
  for (const file of files) {
    const body = readFileSync(path.join(distDir, file));
    server.route(`${prefix}${file}`, (req, res) => {
      hits.set(file, (hits.get(file) ?? 0) + 1);
      res.writeHead(200, {
        'content-type': mimeType(file),
        'content-length': body.length,
        'cache-control': cache(file),
        ...ISOLATION,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  }
  /** Requests for the .wasm and the model so far. */
  return () => ({
    wasm: files.filter((f) => f.endsWith('.wasm')).reduce((n, f) => n + (hits.get(f) ?? 0), 0),
    model: files.filter((f) => f.endsWith('.onnx')).reduce((n, f) => n + (hits.get(f) ?? 0), 0),
  });
}

/**
 * Runs the predictor benchmarks in their own Chromium; returns the results (also passed to `emit`
 * one by one) and the browser's version.
 */
export async function runPredictorBench({ emit = () => undefined } = {}) {
  const results = [];
  const out = (result) => {
    results.push(result);
    emit(result);
  };
  const server = await startServer();
  const plainHits = serveDist(server, '/offerwise/', () => 'no-store');
  const cachedHits = serveDist(server, '/cached/offerwise/', (file) =>
    /\.(wasm|onnx)$/.test(file) ? 'public, max-age=3600' : 'no-store',
  );
  const html = (body) => ({ body, type: 'text/html; charset=utf-8', headers: ISOLATION });
  server.route('/bench.html', html(page('/offerwise/')));
  server.route('/cached/bench.html', html(page('/cached/offerwise/')));
  server.route('/longtask.html', html(page('/offerwise/', { longtasks: true, predictor: true })));
  server.route('/longtask-control.html', html(page('/offerwise/', { longtasks: true })));

  const context = await launchChromiumOnDisk();
  const errors = [];
  const watch = (p) => p.on('pageerror', (error) => errors.push(error));
  let product = 'unknown';
  try {
    // 1. Cold start: a fresh page, new Predictor() → the first score that says source 'model'.
    const coldStart = async (url) => {
      const tab = await context.newPage();
      watch(tab);
      await tab.goto(url);
      const run = await tab.evaluate(async () => {
        const rows = benchRows(200, 1);
        await Offerwise.load();
        const start = performance.now();
        const predictor = new Offerwise.Predictor();
        const result = await predictor.score(rows, 34, { budgetMs: 60_000 });
        const ms = performance.now() - start;
        const { fetchMs, createMs } = predictor.model ?? {};
        predictor.destroy();
        return { ms, source: result.source, reason: result.reason, fetchMs, createMs };
      });
      await tab.close();
      if (run.source !== 'model') throw new Error(`cold start: fallback (${run.reason})`);
      return run;
    };
    const coldSeries = async (name, url, hits, note) => {
      const before = hits();
      const runs = [];
      for (let i = 0; i < COLD_PAGES; i++) runs.push(await coldStart(url));
      const after = hits();
      const ms = runs.map((r) => r.ms);
      out({
        name,
        values: {
          p50: round(median(ms), 1),
          min: round(Math.min(...ms), 1),
          max: round(Math.max(...ms), 1),
        },
        unit: 'ms',
        n: COLD_PAGES,
        runsMs: ms.map((v) => round(v, 1)),
        fetchMsP50: round(median(runs.map((r) => r.fetchMs)), 1),
        createMsP50: round(median(runs.map((r) => r.createMs)), 1),
        downloads: { wasm: after.wasm - before.wasm, model: after.model - before.model },
        note,
      });
    };
    await coldSeries(
      'predictor_cold_start',
      server.url('/bench.html'),
      plainHits,
      'fresh page each; new Predictor() until the first score with source "model": worker spawn, model + metadata fetch, wasm fetch + compile, session, warm-up run, then scoring 200 rows; everything no-store',
    );
    await coldStart(server.url('/cached/bench.html')); // fills the HTTP cache
    await coldSeries(
      'predictor_cold_start_http_cached',
      server.url('/cached/bench.html'),
      cachedHits,
      'as predictor_cold_start, with the .wasm and the model served Cache-Control: public, max-age=3600 and already in the HTTP cache (a later page view)',
    );

    // 2./3. Warm round trip of score() and the same rows inside the worker (measure()).
    const tab = await context.newPage();
    watch(tab);
    await tab.goto(server.url('/bench.html'));
    const cdp = await context.newCDPSession(tab);
    ({ product } = await cdp.send('Browser.getVersion'));
    await cdp.detach();
    const isolated = await tab.evaluate(async () => {
      await Offerwise.load();
      window.predictor = new Offerwise.Predictor({ startWhenIdle: false });
      return { page: crossOriginIsolated, ready: await window.predictor.whenReady() };
    });
    if (!isolated.page) throw new Error('bench page is not cross-origin isolated');
    if (!isolated.ready) throw new Error('the model did not load');
    const worker = tab.workers()[0];
    const workerIsolated = worker ? await worker.evaluate(() => crossOriginIsolated) : false;
    if (!workerIsolated) throw new Error('the predictor worker is not cross-origin isolated');

    await tab.evaluate(
      async ({ sizes, warmup }) => {
        for (const n of sizes) {
          const rows = benchRows(n, n);
          for (let i = 0; i < warmup; i++) await window.predictor.score(rows, 34);
        }
      },
      { sizes: SIZES, warmup: WARMUP_CALLS },
    );
    for (const rows of SIZES) {
      const timing = await tab.evaluate(
        async ({ n, calls }) => {
          const predictor = window.predictor;
          const rows = benchRows(n, n);
          const samples = [];
          let fallbacks = 0;
          for (let i = 0; i < calls; i++) {
            const start = performance.now();
            const result = await predictor.score(rows, 34);
            samples.push(performance.now() - start);
            if (result.source !== 'model') fallbacks += 1;
          }
          const direct = await predictor.measure(rows, 34, calls);
          return { roundTrip: percentiles(samples), direct: percentiles(direct), fallbacks };
        },
        { n: rows, calls: TIMED_CALLS },
      );
      if (timing.fallbacks > 0)
        throw new Error(`${timing.fallbacks} scores came from the fallback`);
      out({
        name: `predictor_round_trip_${rows}_rows`,
        values: roundAll(timing.roundTrip, 3),
        unit: 'ms',
        n: TIMED_CALLS,
        rows,
        features: FEATURES,
        warmup: WARMUP_CALLS,
        note: 'await predictor.score(rows) on the page, model ready: copy, transfer to the worker, session.run, 3 outputs transferred back',
      });
      out({
        name: `predictor_in_worker_${rows}_rows`,
        values: roundAll(timing.direct, 3),
        unit: 'ms',
        n: TIMED_CALLS,
        rows,
        features: FEATURES,
        roundTripRatio: {
          p50: round(timing.roundTrip.p50 / timing.direct.p50, 2),
          p95: round(timing.roundTrip.p95 / timing.direct.p95, 2),
          p99: round(timing.roundTrip.p99 / timing.direct.p99, 2),
        },
        note: 'predictor.measure(): the same rows scored by ONNX Runtime inside the worker, no messaging; roundTripRatio = round trip / this',
      });
    }
    await tab.evaluate(() => window.predictor.destroy());
    await tab.close();

    // 4. Long tasks on the main thread from page load until the model is ready.
    const watchLoad = async (url, withPredictor) => {
      const p = await context.newPage();
      watch(p);
      await p.goto(url);
      const seen = await p.evaluate(async (withPredictor) => {
        let readyAt = performance.now();
        if (withPredictor) {
          while (!['ready', 'fallback'].includes(window.predictor?.state)) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          readyAt = performance.now();
          if (window.predictor.state !== 'ready') return { state: window.predictor.state };
        } else {
          await new Promise((resolve) => setTimeout(resolve, 1500));
          readyAt = performance.now();
        }
        await new Promise((resolve) => setTimeout(resolve, 200)); // observer callbacks
        // Calibration: a 70 ms task of our own must be seen, or the observer is not working.
        const busyUntil = performance.now() + 70;
        while (performance.now() < busyUntil);
        await new Promise((resolve) => setTimeout(resolve, 200));
        return {
          state: window.predictor?.state ?? 'none',
          readyAt,
          tasks: window.longTasks.filter((t) => t.start <= readyAt),
          calibrated: window.longTasks.some((t) => t.start > readyAt && t.duration >= 65),
        };
      }, withPredictor);
      await p.close();
      if (withPredictor && seen.state !== 'ready') throw new Error(`model state ${seen.state}`);
      if (!seen.calibrated) throw new Error('the longtask observer missed a 70 ms task');
      return seen;
    };
    const withModel = [];
    const control = [];
    for (let i = 0; i < LONGTASK_PAGES; i++) {
      withModel.push(await watchLoad(server.url('/longtask.html'), true));
      control.push(await watchLoad(server.url('/longtask-control.html'), false));
    }
    const summary = (pages) => {
      const tasks = pages.flatMap((p) => p.tasks);
      return {
        maxMs: round(Math.max(0, ...tasks.map((t) => t.duration)), 1),
        over50: tasks.filter((t) => t.duration > 50).length,
      };
    };
    const loaded = summary(withModel);
    out({
      name: 'predictor_load_longtasks',
      ...loaded,
      unit: 'ms',
      n: LONGTASK_PAGES,
      readyAtMs: withModel.map((p) => round(p.readyAt, 1)),
      tasksMs: withModel.map((p) => p.tasks.map((t) => round(t.duration, 1))),
      control: {
        ...summary(control),
        tasksMs: control.map((p) => p.tasks.map((t) => round(t.duration, 1))),
      },
      note: "PerformanceObserver 'longtask' (buffered, registered before the SDK script) from page load until predictor.state is 'ready' (idle start, as a shop page would); control: the same page without a Predictor, watched for 1.5 s; each page then checks that the observer sees a 70 ms busy loop of its own",
    });
    if (errors.length > 0) throw new Error(`page errors: ${errors.map(String).join('; ')}`);
  } finally {
    await context.close();
    await server.close();
  }
  return { results, chromium: product };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runPredictorBench({ emit: (result) => console.log(JSON.stringify(result)) }).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
