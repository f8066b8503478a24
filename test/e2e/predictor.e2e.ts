// The predictor in real Chromium, loaded by a script tag from /offerwise/ as a shop would host it:
// the shipped model scores in the worker exactly as ONNX Runtime does in Node; the fallback
// answers before readiness, under a CSP without 'wasm-unsafe-eval', and for a missing or corrupt
// model; a CSP with 'wasm-unsafe-eval' and Trusted Types is not violated; the HTTP cache keeps the
// model and the .wasm between pages.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createScorer } from '../../models/uplift/onnx-scorer.js';
import { DEFAULT_FALLBACK } from '../../src/predictor/default-fallback.js';
import { scoreFallback } from '../../src/predictor/fallback.js';
import type { Predictor, PredictorOptions, ScoreResult } from '../../src/predictor/predictor.js';
import type { ModelMetadata } from '../../src/predictor/types.js';
import { launchChromium, launchChromiumOnDisk } from '../support/browser.mjs';
import { openPage, requireChromium, type EmbedApi, type WatchedPage } from '../support/e2e.js';
import {
  distDir,
  mimeType,
  startServer,
  type StaticServer,
  servedDistFiles,
} from '../support/server.mjs';
import { nanModel, NAN_FEATURE } from '../support/nan-model.js';
import type { Decision } from '../../src/decide/types.js';

const hasChromium = requireChromium();

const FEATURES = 34;
/** Where the shop hosts the SDK; the predictor finds its assets beside the script. */
const BASE = '/offerwise/';

/** The CSP of a shop that did not allow WebAssembly; sent on every response, the worker's too. */
const STRICT_CSP = "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'";
/** The documented CSP: the same plus 'wasm-unsafe-eval'. */
const WASM_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'";
/** …and Trusted Types enforced. */
const WASM_TT_CSP = `${WASM_CSP}; require-trusted-types-for 'script'`;

/** The built files: every dist/ file but the type declarations and source maps. */
const distFiles = existsSync(distDir) ? servedDistFiles() : [];
const metadataFile = distFiles.find((f) => /^offerwise-model-[0-9a-f]{12}\.json$/.test(f));
const modelFile = distFiles.find((f) => /^offerwise-model-[0-9a-f]{12}\.onnx$/.test(f));
const wasmFile = distFiles.find((f) => f.endsWith('.wasm'));
const workerFile = distFiles.find((f) => /^offerwise-worker-.*\.mjs$/.test(f));

/** Fixed rows: zeros, then shapes like real features (recency in months, logs, one-hots, fractions). */
function fixedRows(): Float32Array {
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const rows = new Float32Array(8 * FEATURES);
  for (let r = 1; r < 8; r++) {
    for (let j = 0; j < FEATURES; j++) {
      const u = next();
      rows[r * FEATURES + j] =
        j === 0 ? u * 13 : j === 2 || j === 3 || j === 15 || j === 21 || j === 22 ? u * 7 : u;
    }
  }
  return rows;
}

/** The same rows with a NaN and an Infinity in the last one: the worker scores them as 0. */
function withNonFinite(rows: Float32Array): { dirty: Float32Array; clean: Float32Array } {
  const dirty = rows.slice();
  const clean = rows.slice();
  const last = rows.length - FEATURES;
  dirty[last + 3] = NaN;
  dirty[last + 20] = Infinity;
  clean[last + 3] = 0;
  clean[last + 20] = 0;
  return { dirty, clean };
}

/** `window` of a test page. */
interface TestWindow {
  Offerwise: EmbedApi & { Predictor: typeof Predictor };
  predictor: Predictor;
  diagnostics: [code: string, message: string][];
  seen: { violations: string[]; rejections: string[] };
  shopPolicy?: { createScriptURL(url: string): unknown };
}

/** A score result as plain arrays (what the page sends back). */
type PlainScores = Omit<ScoreResult, 'pTreated' | 'pControl' | 'uplift'> & {
  pTreated: number[];
  pControl: number[];
  uplift: number[];
};

/**
 * Runs in every page before its own scripts: records CSP violations and unhandled rejections
 * (playwright injects it through DevTools, so the page's CSP does not apply to it).
 */
function recordProblems(): void {
  const w = window as unknown as TestWindow;
  w.seen = { violations: [], rejections: [] };
  document.addEventListener('securitypolicyviolation', (e) =>
    w.seen.violations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`),
  );
  addEventListener('unhandledrejection', (e) => w.seen.rejections.push(String(e.reason)));
}

/** A shop page: external scripts only (inline ones would need 'unsafe-inline'), then the SDK. */
function shopPage(base: string, scripts: string[] = []): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><title>offerwise predictor e2e</title>',
    ...scripts.map((src) => `<script src="${src}"></script>`),
    `<script src="${base}offerwise.iife.js"></script>`,
    '</head><body></body></html>',
  ].join('\n');
}

/**
 * Serves every built file under `prefix` through routes, with `headers(file)` added to each
 * response, and counts the requests per file name.
 */
function serveDist(
  server: StaticServer,
  prefix: string,
  headers: (file: string) => Record<string, string>,
): Map<string, number> {
  const hits = new Map<string, number>();
  for (const file of distFiles) {
    const body = readFileSync(path.join(distDir, file));
    server.route(`${prefix}${file}`, (req, res) => {
      hits.set(file, (hits.get(file) ?? 0) + 1);
      res.writeHead(200, {
        'content-type': mimeType(file),
        'content-length': body.length,
        'cache-control': 'no-store',
        ...headers(file),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  }
  return hits;
}

/** Serves a shop page and its scripts under `prefix`, every response with `csp`. */
function cspShop(
  server: StaticServer,
  prefix: string,
  csp: string,
  scripts: Record<string, string> = {},
): string {
  const headers = { 'content-security-policy': csp };
  serveDist(server, `${prefix}offerwise/`, () => headers);
  for (const [name, body] of Object.entries(scripts)) {
    server.route(`${prefix}${name}`, { body, type: 'text/javascript; charset=utf-8', headers });
  }
  server.route(`${prefix}shop.html`, {
    body: shopPage(
      `${prefix}offerwise/`,
      Object.keys(scripts).map((name) => `${prefix}${name}`),
    ),
    type: 'text/html; charset=utf-8',
    headers,
  });
  return server.url(`${prefix}shop.html`);
}

/** Creates `window.predictor`, its diagnostics collected in `window.diagnostics`. */
async function createPredictor(
  page: Page,
  options: Omit<PredictorOptions, 'onDiagnostic' | 'createWorker'> & {
    /** Make the worker from this URL through the shop's Trusted Types policy. */
    trustedWorkerUrl?: string;
  } = {},
): Promise<void> {
  await page.evaluate(async ({ trustedWorkerUrl, ...options }) => {
    const w = window as unknown as TestWindow;
    // The predictor class comes with the script tag's second file.
    await w.Offerwise.load();
    w.diagnostics = [];
    const policy = w.shopPolicy;
    w.predictor = new w.Offerwise.Predictor({
      ...options,
      onDiagnostic: (code, message) => w.diagnostics.push([code, message]),
      ...(trustedWorkerUrl !== undefined && policy
        ? {
            createWorker: () =>
              new Worker(policy.createScriptURL(trustedWorkerUrl) as string, {
                type: 'module',
                name: 'offerwise-predictor',
              }),
          }
        : {}),
    });
  }, options);
}

/** `predictor.score(rows)` in the page, as plain arrays. */
function scoreIn(page: Page, rows: Float32Array, budgetMs?: number): Promise<PlainScores> {
  return page.evaluate(
    async ({ rows, budgetMs }) => {
      const w = window as unknown as TestWindow;
      const result = await w.predictor.score(
        Float32Array.from(rows),
        34,
        budgetMs === undefined ? {} : { budgetMs },
      );
      return {
        ...result,
        pTreated: Array.from(result.pTreated),
        pControl: Array.from(result.pControl),
        uplift: Array.from(result.uplift),
      };
    },
    { rows: Array.from(rows), budgetMs },
  );
}

/** Resolves `whenReady()` up to `times` times, until the predictor gave up or is ready. */
function settleIn(page: Page, times = 1) {
  return page.evaluate(async (times) => {
    const w = window as unknown as TestWindow;
    const ready: boolean[] = [];
    for (let i = 0; i < times && w.predictor.state !== 'fallback'; i++) {
      ready.push(await w.predictor.whenReady());
      if (ready.at(-1)) break;
    }
    return {
      ready,
      state: w.predictor.state,
      model: w.predictor.model,
      refusedBecause: w.predictor.refusedBecause,
      diagnostics: w.diagnostics,
      seen: w.seen,
    };
  }, times);
}

function expectClose(actual: number[], expected: Float32Array, tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(0, ...actual.map((v, i) => Math.abs(v - expected[i]!)));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

/** Uncaught errors of the page or its worker: pageerror, or "Uncaught" on the console. */
function uncaught(tab: WatchedPage): string[] {
  return [
    ...tab.errors.map((e) => `pageerror: ${e.message}`),
    ...tab.console.map((m) => m.text()).filter((text) => /uncaught/i.test(text)),
  ];
}

describe.skipIf(!hasChromium)('predictor in Chromium', () => {
  let server: StaticServer;
  let browser: Browser;
  let metadata: ModelMetadata;
  let modelBytes: Uint8Array;
  const contexts: BrowserContext[] = [];

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext();
    await context.addInitScript(recordProblems);
    contexts.push(context);
    return context;
  }

  beforeAll(async () => {
    if (
      !metadataFile ||
      !modelFile ||
      !wasmFile ||
      !workerFile ||
      !distFiles.includes('offerwise.iife.js')
    ) {
      throw new Error(`${distDir} lacks the built files: run \`npm run build\` first`);
    }
    metadata = JSON.parse(readFileSync(path.join(distDir, metadataFile), 'utf8')) as ModelMetadata;
    modelBytes = new Uint8Array(readFileSync(path.join(distDir, modelFile)));
    server = await startServer({ roots: [{ prefix: BASE, dir: distDir }] });
    server.page('/shop.html', shopPage(BASE));
    browser = await launchChromium();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads the shipped model in the worker and scores as ONNX Runtime does in Node', async () => {
    const rows = fixedRows();
    const { dirty, clean } = withNonFinite(rows);
    const scorer = await createScorer(modelBytes);
    const expected = await scorer.score(clean, FEATURES);
    await scorer.release();

    const context = await newContext();
    const requests: string[] = [];
    context.on('request', (request) => requests.push(new URL(request.url()).pathname));
    const tab = await openPage(context, server.url('/shop.html'));
    await createPredictor(tab.page);
    const settled = await settleIn(tab.page);
    const scores = await scoreIn(tab.page, dirty);

    expect(settled.ready).toEqual([true]);
    expect(settled.state).toBe('ready');
    expect(metadata.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(modelFile).toBe(`offerwise-model-${metadata.modelSha256.slice(0, 12)}.onnx`);
    expect(settled.model).toMatchObject({
      modelVersion: metadata.modelSha256.slice(0, 12),
      sha256: metadata.modelSha256,
      featureCount: FEATURES,
    });
    expect(scores.source).toBe('model');
    expect(scores.modelVersion).toBe(metadata.modelSha256.slice(0, 12));
    expect(scores.reason).toBeUndefined();
    expectClose(scores.uplift, expected.uplift, 1e-5);
    expectClose(scores.pTreated, expected.pTreated, 1e-5);
    expectClose(scores.pControl, expected.pControl, 1e-5);
    // Not a constant: the rows really went through the model (the shipped depth-3 tree gives one
    // value per leaf reached, not one per row).
    expect(new Set(scores.uplift.map((u) => u.toFixed(6))).size).toBeGreaterThan(1);
    // Every asset came from beside the script, on the page's origin.
    for (const file of [workerFile, metadataFile, modelFile, wasmFile]) {
      expect(requests).toContain(`${BASE}${file}`);
    }
    expect(settled.diagnostics).toEqual([]);
    expect(settled.seen).toEqual({ violations: [], rejections: [] });
    expect(uncaught(tab)).toEqual([]);
  });

  it("answers with the main thread's copy of the shipped model before the worker is ready (budgetMs: 0), then with the worker", async () => {
    const rows = fixedRows();
    const tab = await openPage(await newContext(), server.url('/shop.html'));
    await createPredictor(tab.page, { startWhenIdle: false });
    const early = await scoreIn(tab.page, rows, 0);
    const settled = await settleIn(tab.page);
    const later = await scoreIn(tab.page, rows, 0);

    expect(early).toMatchObject({ source: 'model', engine: 'inline' });
    expect(early.modelVersion).toBe(metadata.modelSha256.slice(0, 12));
    expect(early.reason).toContain('not ready within 0 ms');
    expect(settled.ready).toEqual([true]);
    expect(later).toMatchObject({ source: 'model', engine: 'worker' });
    expect(later.modelVersion).toBe(metadata.modelSha256.slice(0, 12));
    // The same model in this browser's JavaScript and in ONNX Runtime's wasm.
    expectClose(early.uplift, Float32Array.from(later.uplift), 1e-6);
    expectClose(early.pTreated, Float32Array.from(later.pTreated), 1e-6);
    expect(settled.diagnostics).toEqual([]);
    expect(uncaught(tab)).toEqual([]);
  });

  it('answers with the logistic fallback before the worker is ready when there is no copy of the model (inline: false)', async () => {
    const rows = fixedRows();
    const expected = scoreFallback(DEFAULT_FALLBACK, rows, FEATURES);
    const tab = await openPage(await newContext(), server.url('/shop.html'));
    await createPredictor(tab.page, { startWhenIdle: false, inline: false });
    const early = await scoreIn(tab.page, rows, 0);
    expect(early.source).toBe('fallback');
    expect(early.modelVersion).toBe(DEFAULT_FALLBACK.version);
    expectClose(early.uplift, expected.uplift, 1e-6);
    expect(uncaught(tab)).toEqual([]);
  });

  it("scores with the main thread's copy of the model under a CSP without 'wasm-unsafe-eval', with no uncaught error", async () => {
    const url = cspShop(server, '/strict/', STRICT_CSP);
    const rows = fixedRows();
    const tab = await openPage(await newContext(), url);
    await createPredictor(tab.page);
    const first = await scoreIn(tab.page, rows, 0);
    // The worker's first step compiles eight bytes of wasm: blocked by the CSP, it says so at
    // once, and the predictor falls back for good without fetching the 14 MB runtime.
    const settled = await settleIn(tab.page, 5);
    const after = await scoreIn(tab.page, rows);

    // No wasm here, but the shipped model still decides: its copy runs as plain JavaScript.
    expect(first).toMatchObject({ source: 'model', engine: 'inline' });
    expect(settled.ready.every((ready) => !ready)).toBe(true);
    expect(settled.state).toBe('fallback');
    expect(after).toMatchObject({ source: 'model', engine: 'inline' });
    expect(after.modelVersion).toBe(metadata.modelSha256.slice(0, 12));
    expect(after.reason).toMatch(/^runtime_blocked: WebAssembly cannot be compiled here/);
    expect(settled.diagnostics.map(([code]) => code)).toEqual(['runtime_blocked']);
    expect(settled.diagnostics[0]![1]).toContain("'wasm-unsafe-eval'");
    // The violation happens inside the worker, which the page's listener cannot see.
    expect(settled.seen).toEqual({ violations: [], rejections: [] });
    expect(uncaught(tab)).toEqual([]);
  });

  it("scores with the model under a CSP with 'wasm-unsafe-eval', violating nothing", async () => {
    const url = cspShop(server, '/wasm-ok/', WASM_CSP);
    const tab = await openPage(await newContext(), url);
    await createPredictor(tab.page);
    const settled = await settleIn(tab.page);
    const scores = await scoreIn(tab.page, fixedRows());

    expect(settled.ready).toEqual([true]);
    expect(scores.source).toBe('model');
    expect(settled.diagnostics).toEqual([]);
    expect(settled.seen).toEqual({ violations: [], rejections: [] });
    expect(uncaught(tab)).toEqual([]);
  });

  it('scores with the model under Trusted Types when the shop passes a policy-made worker', async () => {
    const url = cspShop(server, '/tt-policy/', WASM_TT_CSP, {
      'policy.js': `window.shopPolicy = trustedTypes.createPolicy('shop', {
        createScriptURL(url) {
          const parsed = new URL(url, location.href);
          if (parsed.origin !== location.origin) throw new TypeError('not same-origin: ' + url);
          return parsed.href;
        },
      });`,
    });
    const tab = await openPage(await newContext(), url);
    await createPredictor(tab.page, {
      trustedWorkerUrl: `/tt-policy/offerwise/${workerFile}`,
    });
    const settled = await settleIn(tab.page);
    const scores = await scoreIn(tab.page, fixedRows());

    expect(await tab.page.evaluate(() => typeof (window as unknown as TestWindow).shopPolicy)).toBe(
      'object',
    );
    expect(settled.ready).toEqual([true]);
    expect(scores.source).toBe('model');
    expect(settled.diagnostics).toEqual([]);
    expect(settled.seen).toEqual({ violations: [], rejections: [] });
    expect(uncaught(tab)).toEqual([]);
  });

  // The predictor makes its worker URL through its own Trusted Types policy ("offerwise").
  it("scores with the model under 'wasm-unsafe-eval' + Trusted Types, violating nothing", async () => {
    const url = cspShop(server, '/tt/', WASM_TT_CSP);
    const tab = await openPage(await newContext(), url);
    await createPredictor(tab.page);
    const settled = await settleIn(tab.page);
    const scores = await scoreIn(tab.page, fixedRows());

    expect(settled.seen).toEqual({ violations: [], rejections: [] });
    expect(settled.diagnostics).toEqual([]);
    expect(settled.ready).toEqual([true]);
    expect(scores.source).toBe('model');
    expect(uncaught(tab)).toEqual([]);
  });

  it('falls back for a missing model (model_unavailable) and a corrupt one (model_invalid)', async () => {
    const corrupt = modelBytes.slice();
    corrupt[Math.floor(corrupt.length / 2)]! ^= 0xff;
    server.route('/bad.onnx', { body: corrupt, type: 'application/octet-stream' });
    server.route('/bad.json', {
      body: JSON.stringify(metadata),
      type: 'application/json; charset=utf-8',
    });
    const rows = fixedRows();
    const cases = [
      // Its metadata (/nope.json) is missing too.
      { options: { model: '/nope.onnx' }, code: 'model_unavailable', mentions: '/nope.json' },
      // The real metadata, but no model bytes.
      {
        options: { model: '/nope.onnx', metadata: `${BASE}${metadataFile}` },
        code: 'model_unavailable',
        mentions: '/nope.onnx',
      },
      { options: { model: '/bad.onnx' }, code: 'model_invalid', mentions: 'SHA-256' },
    ];
    const context = await newContext();
    for (const { options, code, mentions } of cases) {
      const tab = await openPage(context, server.url('/shop.html'));
      await createPredictor(tab.page, options);
      const settled = await settleIn(tab.page);
      const scores = await scoreIn(tab.page, rows);

      expect(settled.ready, code).toEqual([false]);
      expect(settled.state, code).toBe('fallback');
      expect(settled.model, code).toBeUndefined();
      expect(settled.refusedBecause, code).toMatch(new RegExp(`^${code}: `));
      expect(
        settled.diagnostics.map(([c]) => c),
        code,
      ).toEqual([code]);
      expect(settled.diagnostics[0]![1], code).toContain(mentions);
      expect(scores.source, code).toBe('fallback');
      expect(scores.reason, code).toBe(settled.refusedBecause);
      expect(settled.seen, code).toEqual({ violations: [], rejections: [] });
      expect(uncaught(tab), code).toEqual([]);
      await tab.page.close();
    }
  });

  /** Serves the NaN-computing model (valid file, matching SHA) at /nan/model.onnx and .json. */
  function serveNanModel(): string {
    const nan = nanModel();
    server.route('/nan/model.onnx', { body: nan.bytes, type: 'application/octet-stream' });
    server.route('/nan/model.json', {
      body: JSON.stringify(nan.metadata),
      type: 'application/json; charset=utf-8',
    });
    return nan.metadata.modelSha256.slice(0, 12);
  }

  it('refuses a model whose outputs are NaN once, in the worker path too, and answers with the fallback', async () => {
    const version = serveNanModel();
    // Row 0 is sound for this model (p = 0.5); rows 1 and 2 compute NaN.
    const rows = new Float32Array(3 * FEATURES);
    rows[FEATURES + NAN_FEATURE] = 1;
    rows[2 * FEATURES + NAN_FEATURE] = 1;
    const expected = scoreFallback(DEFAULT_FALLBACK, rows, FEATURES);
    const tab = await openPage(await newContext(), server.url('/shop.html'));
    await createPredictor(tab.page, { model: '/nan/model.onnx' });
    const settled = await settleIn(tab.page);
    const sound = await scoreIn(tab.page, rows.slice(0, FEATURES));
    const bad = await scoreIn(tab.page, rows);
    const after = await scoreIn(tab.page, rows.slice(0, FEATURES));
    const final = await settleIn(tab.page);

    expect(settled.ready).toEqual([true]);
    expect(sound.source).toBe('model');
    expect(sound.pTreated).toEqual([0.5]);
    const message = `model output p_treated[1]: got NaN, expected a finite number from 0 to 1; model ${version} is not used again on this page`;
    expect(bad.source).toBe('fallback');
    expect(bad.reason).toBe(`model_invalid: ${message}`);
    expectClose(bad.uplift, expected.uplift, 1e-6);
    expectClose(bad.pTreated, expected.pTreated, 1e-6);
    expect(after.source).toBe('fallback');
    expect(final.state).toBe('fallback');
    expect(final.diagnostics).toEqual([['model_invalid', `${message}; scoring with the fallback`]]);
    expect(final.seen).toEqual({ violations: [], rejections: [] });
    expect(uncaught(tab)).toEqual([]);
  });

  it('decisions of a shopper the NaN model breaks on stay finite, decided by the fallback', async () => {
    serveNanModel();
    const now = Date.now();
    const coupon = (id: string, category: string, percent: number) => ({
      id,
      type: 'coupon',
      title: `${percent}% off ${category}`,
      category,
      discount: { percent },
      code: id.toUpperCase(),
      placements: ['home'],
    });
    const catalog = {
      version: 1,
      server_time: new Date(now).toISOString(),
      currency: 'EUR',
      placements: { home: { limit: 2 } },
      offers: [
        coupon('c-womens', 'womens', 10),
        coupon('c-mens', 'mens', 15),
        coupon('c-kids', 'kids', 20),
      ],
    };
    const tab = await openPage(await newContext(), server.url('/shop.html'));
    const run = await tab.page.evaluate(
      async ({ catalog }) => {
        const w = window as unknown as TestWindow;
        const ow = await w.Offerwise.createOffers({
          consent: 'granted',
          catalog,
          model: '/nan/model.onnx',
          // No caps: every decision has two offers to show, however many are made.
          decisions: { holdoutShare: 0, caps: { offer: {}, placement: {}, overall: {} } },
        });
        // A past purchase sets has_purchased = 1: the model computes NaN for this shopper.
        await ow.track({
          event: 'purchase',
          ecommerce: {
            transaction_id: 't-1',
            currency: 'EUR',
            value: 40,
            items: [{ item_id: 'w-1', item_category: 'womens', price: 40, quantity: 1 }],
          },
        });
        const invalid = () => ow.diagnostics().filter((d) => d.code === 'model_invalid');
        const decisions: Decision[] = [];
        // Until the model has loaded and been refused (the predictor loads it in idle time).
        for (let attempt = 0; attempt < 120 && invalid().length === 0; attempt++) {
          decisions.push(await ow.decide({ placement: 'home' }));
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        const refusedAfter = decisions.length;
        for (let i = 0; i < 5; i++) decisions.push(await ow.decide({ placement: 'home' }));
        return { decisions, refusedAfter, invalid: invalid() };
      },
      { catalog },
    );

    expect(run.invalid, 'the model was never refused within 30 s').toHaveLength(1);
    expect(run.invalid[0]!.message).toMatch(
      /^model output p_treated\[0\]: got NaN, expected a finite number from 0 to 1; model [0-9a-f]{12} is not used again on this page; scoring with the fallback$/,
    );
    expect(run.decisions.length).toBe(run.refusedAfter + 5);
    for (const decision of run.decisions) {
      expect(decision.source).toBe('fallback');
      expect(decision.modelVersion).toBe(DEFAULT_FALLBACK.version);
      expect(decision.offers).toHaveLength(2);
      for (const offer of decision.offers) {
        expect(Number.isFinite(offer.score), `score of ${offer.offerId}`).toBe(true);
        expect(offer.propensity).toBeGreaterThan(0);
        expect(offer.propensity).toBeLessThanOrEqual(1);
      }
    }
    expect(uncaught(tab)).toEqual([]);
  });

  it('the HTTP cache serves the model and the .wasm to the next page', async () => {
    // An on-disk profile, as shoppers have: an off-the-record context keeps its HTTP cache in
    // memory, where the uncompressed 14 MB .wasm is too large to be stored.
    const hits = serveDist(server, '/cached/offerwise/', (file): Record<string, string> =>
      /\.(wasm|onnx)$/.test(file) ? { 'cache-control': 'public, max-age=3600' } : {},
    );
    const url = server.page('/cached/shop.html', shopPage('/cached/offerwise/'));
    const context = await launchChromiumOnDisk();
    try {
      await context.addInitScript(recordProblems);
      for (let visit = 1; visit <= 2; visit++) {
        const tab = await openPage(context, url);
        await createPredictor(tab.page);
        const settled = await settleIn(tab.page);
        const scores = await scoreIn(tab.page, fixedRows());
        expect(settled.ready, `visit ${visit}`).toEqual([true]);
        expect(scores.source, `visit ${visit}`).toBe('model');
        expect(uncaught(tab), `visit ${visit}`).toEqual([]);
        await tab.page.close();
      }
    } finally {
      await context.close();
    }
    // The metadata is no-store: fetched on both visits, so the second page did load a model.
    expect(hits.get(metadataFile!)).toBe(2);
    expect(hits.get(workerFile!)).toBe(2);
    expect(hits.get(modelFile!)).toBe(1);
    expect(hits.get(wasmFile!)).toBe(1);
  });
});
