// Benchmark of the feedback outbox (issue 6) in real Chromium with an on-disk profile and a
// healthy local collector (POST /api/feedback answers 204 and records when each event id arrived):
//   - main-thread cost of report(): the synchronous part of the call, and the time until the
//     promise resolved (accepted = the IndexedDB commit), p50/p95;
//   - accepted-to-delivered latency (collector arrival time − the page's wall clock when report()
//     resolved, both Date.now() on this machine), p50/p95: with natural batching (flush() never
//     called; a busy page at ~100 events/s, where a batch goes at 50 events, and a sparse page at
//     4 events/s, where it goes 5 s after the first pending event), and with flush() after each event;
//   - the size of the outbox code: src/feedback/*.ts bundled alone with rollup + TypeScript +
//     terser (everything outside src/feedback external), minified and brotli-compressed; and the
//     same with its dependencies (src/util, idb) bundled in.
// Run by test/bench/run.mjs, or alone after `npm run build`: `node test/bench/outbox.mjs` (one JSON
// object per line).
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { rollup } from 'rollup';
import { launchChromiumOnDisk } from '../support/browser.mjs';
import { distDir, repoRoot, startServer } from '../support/server.mjs';
import { round, roundAll } from './common.mjs';

const WARMUP_CALLS = 200;
const TIMED_CALLS = 1_000;
const BUSY_EVENTS = 400;
const BUSY_GAP_MS = 10;
const SPARSE_EVENTS = 24;
const SPARSE_GAP_MS = 250;
const FLUSH_EVENTS = 200;

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>offerwise outbox bench</title><link rel="icon" href="data:,">
<script src="/dist/offerwise.iife.js"></script></head><body>outbox bench</body></html>`;

/** Runs in the page: an instance with its own database and one decision to report on. */
async function createInPage({ dbName }) {
  const now = Date.now();
  const catalog = {
    version: 1,
    server_time: new Date(now).toISOString(),
    currency: 'EUR',
    placements: { home: { limit: 3 } },
    offers: [0, 1, 2, 3].map((i) => ({
      id: `c-${i}`,
      type: 'coupon',
      title: `${5 + i}% off`,
      category: `cat${i}`,
      discount: { percent: 5 + i },
      code: `CODE${i}`,
      placements: ['home'],
    })),
  };
  window.ow = await Offerwise.createOffers({
    consent: 'granted',
    catalog,
    endpoint: '/api/feedback',
    dbName,
    decisions: { holdoutShare: 0, caps: { offer: {}, placement: {}, overall: {} } },
  });
  window.decision = await window.ow.decide({ placement: 'home', limit: 3 });
  if (window.decision.offers.length === 0) throw new Error('no offer to report on');
  window.reportOne = (i) => {
    const d = window.decision;
    return window.ow.report(
      d.decisionId,
      d.offers[i % d.offers.length].offerId,
      i % 5 === 4 ? 'click' : 'impression',
    );
  };
  window.percentiles = (samples) => {
    const sorted = Float64Array.from(samples).sort();
    const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
    return { p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] };
  };
}

function percentiles(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Brotli (quality 11) size of a string. */
function brotli(text) {
  return brotliCompressSync(Buffer.from(text), {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 11 },
  }).length;
}

/** src/feedback/outbox.ts bundled and minified; `alone`: everything outside src/feedback external. */
export async function bundleOutbox(alone) {
  const feedbackDir = path.join(repoRoot, 'src', 'feedback') + path.sep;
  const bundle = await rollup({
    input: path.join(repoRoot, 'src/feedback/outbox.ts'),
    external: alone
      ? (id, importer) => {
          if (importer === undefined) return false;
          // Rollup asks again with the resolved absolute id: keep src/feedback, nothing else.
          if (path.isAbsolute(id)) return !id.startsWith(feedbackDir);
          if (!id.startsWith('.')) return true; // packages (idb)
          return !path.resolve(path.dirname(importer), id).startsWith(feedbackDir);
        }
      : undefined,
    plugins: [
      ...(alone ? [] : [nodeResolve({ browser: true })]),
      typescript({
        tsconfig: path.join(repoRoot, 'tsconfig.json'),
        include: [path.join(repoRoot, 'src/**/*.ts')],
        exclude: [path.join(repoRoot, 'src/**/*.test.ts')],
        compilerOptions: { noEmit: false, declaration: false, sourceMap: false, types: [] },
        noEmitOnError: false,
      }),
    ],
    onwarn: () => undefined,
  });
  const { output } = await bundle.generate({
    format: 'es',
    plugins: [terser({ format: { comments: false } })],
  });
  await bundle.close();
  const code = output[0].code;
  const modules = Object.keys(output[0].modules).map((m) => path.relative(repoRoot, m));
  return { bytes: Buffer.byteLength(code), brotli: brotli(code), modules };
}

export async function runOutboxBench({ emit = () => undefined } = {}) {
  const results = [];
  const out = (result) => {
    results.push(result);
    emit(result);
  };

  // 1. Code size (no browser needed).
  const alone = await bundleOutbox(true);
  const withDeps = await bundleOutbox(false);
  out({
    name: 'outbox_code_size',
    value: alone.brotli,
    unit: 'bytes (brotli)',
    minified: alone.bytes,
    modules: alone.modules,
    withDependencies: {
      minified: withDeps.bytes,
      brotli: withDeps.brotli,
      modules: withDeps.modules,
    },
    note:
      'src/feedback/outbox.ts bundled with rollup + TypeScript + terser, brotli quality 11; value: ' +
      'src/feedback only (src/util and idb external, shared with the rest of the SDK)',
  });

  // 2. In Chromium, against a healthy collector.
  const arrivals = new Map();
  let requests = 0;
  const server = await startServer({ roots: [{ prefix: '/dist/', dir: distDir }] });
  server.route('/outbox.html', {
    body: PAGE,
    type: 'text/html; charset=utf-8',
    headers: ISOLATION,
  });
  server.route('/api/feedback', (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      requests++;
      try {
        for (const e of JSON.parse(Buffer.concat(chunks).toString('utf8')).events) {
          if (!arrivals.has(e.id)) arrivals.set(e.id, at);
        }
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(204).end();
    });
  });
  const context = await launchChromiumOnDisk();
  const errors = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error));
    await page.goto(server.url('/outbox.html'));
    if (!(await page.evaluate(() => crossOriginIsolated))) {
      throw new Error('outbox bench page is not cross-origin isolated');
    }

    // 2a. Main-thread cost: the synchronous part of report(), and until it resolved (awaited one
    //     at a time, so each sample is one commit; batches are sent in between, as in real use).
    await page.evaluate(createInPage, { dbName: 'bench-outbox-main' });
    const main = await page.evaluate(
      async ({ warmup, calls }) => {
        const sync = [];
        const accepted = [];
        for (let i = 0; i < warmup + calls; i++) {
          const start = performance.now();
          const promise = window.reportOne(i);
          const returned = performance.now();
          await promise;
          const end = performance.now();
          if (i >= warmup) {
            sync.push(returned - start);
            accepted.push(end - start);
          }
        }
        await window.ow.flush();
        await window.ow.destroy();
        return { sync: window.percentiles(sync), accepted: window.percentiles(accepted) };
      },
      { warmup: WARMUP_CALLS, calls: TIMED_CALLS },
    );
    out({
      name: 'outbox_report_main_thread',
      values: roundAll(main.sync, 4),
      unit: 'ms',
      n: TIMED_CALLS,
      note: 'performance.now() around the synchronous part of one report() call (5 µs timers)',
    });
    out({
      name: 'outbox_report_until_accepted',
      values: roundAll(main.accepted, 3),
      unit: 'ms',
      n: TIMED_CALLS,
      note: 'one awaited report() at a time, until its IndexedDB commit resolved (on-disk profile)',
    });

    // 2b. Accepted-to-delivered latency.
    const latency = async (name, { events, gapMs, flush, note }) => {
      await page.evaluate(createInPage, { dbName: `bench-outbox-${name}` });
      const accepted = await page.evaluate(
        async ({ events, gapMs, flush }) => {
          const out = [];
          for (let i = 0; i < events; i++) {
            const { id } = await window.reportOne(i);
            out.push([id, Date.now()]);
            if (flush) await window.ow.flush();
            if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
          }
          return out;
        },
        { events, gapMs, flush },
      );
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && accepted.some(([id]) => !arrivals.has(id))) await sleep(50);
      const missing = accepted.filter(([id]) => !arrivals.has(id)).length;
      if (missing > 0) throw new Error(`${name}: ${missing} events never arrived`);
      await page.evaluate(() => window.ow.destroy());
      out({
        name,
        values: roundAll(percentiles(accepted.map(([id, at]) => arrivals.get(id) - at)), 1),
        unit: 'ms',
        n: events,
        note,
      });
    };
    await latency('outbox_delivery_latency_busy', {
      events: BUSY_EVENTS,
      gapMs: BUSY_GAP_MS,
      flush: false,
      note: `flush() not called; one report() every ${BUSY_GAP_MS} ms (batches go at 50 events)`,
    });
    await latency('outbox_delivery_latency_sparse', {
      events: SPARSE_EVENTS,
      gapMs: SPARSE_GAP_MS,
      flush: false,
      note: `flush() not called; one report() every ${SPARSE_GAP_MS} ms (batches go 5 s after the first pending event)`,
    });
    await latency('outbox_delivery_latency_flush', {
      events: FLUSH_EVENTS,
      gapMs: 0,
      flush: true,
      note: 'flush() awaited after each report()',
    });
    if (errors.length > 0) throw new Error(`page errors: ${errors.map(String).join('; ')}`);
  } finally {
    await context.close();
    await server.close();
  }
  return { results, requests };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runOutboxBench({ emit: (result) => console.log(JSON.stringify(result)) }).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
