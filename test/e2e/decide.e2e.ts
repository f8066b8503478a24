// Decisions in real Chromium with the real predictor worker, loaded by the script tag from /dist/:
// frequency caps hold across two tabs deciding at once; a decision's shape once the model is
// ready (model version, propensities, explanations, ids); the non-personalized ranking without
// consent; hostile catalog strings never execute; cachedDecision() on the next page, under a
// fresh id and never past its session.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createScorer } from '../../models/uplift/onnx-scorer.js';
import type { OfferwiseConfig } from '../../src/config.js';
import { validateCatalog } from '../../src/catalog/validate.js';
import type { DecideRequest } from '../../src/decide/decider.js';
import { DEFAULT_MESSAGES } from '../../src/decide/explain.js';
import { choose, decisionRandom, DEFAULT_POLICY } from '../../src/decide/policy.js';
import type { StateContents } from '../../src/decide/state-store.js';
import type { Decision } from '../../src/decide/types.js';
import { featureOffer } from '../../src/decide/value.js';
import type { TrackEvent } from '../../src/events/types.js';
import { buildFeatures, FEATURE_COUNT, type FeatureContext } from '../../src/features/spec.js';
import type { ProfileSnapshot } from '../../src/profile/snapshot.js';
import { DEFAULT_FALLBACK } from '../../src/predictor/default-fallback.js';
import { scoreFallback } from '../../src/predictor/fallback.js';
import {
  openPage,
  requireChromium,
  sdkPage,
  useHarness,
  type PageWindow,
  type WatchedPage,
} from '../support/e2e.js';
import { distDir } from '../support/server.mjs';

const hasChromium = requireChromium();

/** No frequency cap at all: every eligible offer stays a candidate however often it is shown. */
const NO_CAPS = { offer: {}, placement: {}, overall: {} };
const HOUR = 3_600_000;

type CatalogOffer = Record<string, unknown> & { id: string; category?: string };

/** A catalog of version 1 whose server clock is `now` (so the local and server clocks agree). */
function catalogOf(offers: CatalogOffer[], now = Date.now()) {
  return {
    version: 1,
    server_time: new Date(now).toISOString(),
    currency: 'EUR',
    placements: { home: { limit: 3 }, cart: { limit: 1 } },
    offers,
  };
}

/** N coupons, each in its own category, all eligible in `home`. */
function coupons(n: number): CatalogOffer[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `c-${i}`,
    type: 'coupon',
    title: `${5 + i}% off category ${i}`,
    category: `cat${i}`,
    discount: { percent: 5 + i },
    code: `CODE${i}`,
    placements: ['home'],
  }));
}

/** Strings that would run script if anything put them into the page as HTML. */
const XSS = {
  title: `<img src=x onerror="window.__xss='title'">`,
  description: `</p><script>window.__xss='description'</script><svg onload="window.__xss='svg'">`,
  code: `"><img src=x onerror=window.__xss='code'>`,
  itemName: `<iframe srcdoc="<script>parent.__xss='item'</script>"></iframe>`,
};

/**
 * A small varied catalog, in the shop's order. Every offer is eligible for a member in `home`;
 * `c-womens-2` shares its category with the offer before it (diversification skips it).
 */
function variedCatalog(now = Date.now()) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return catalogOf(
    [
      {
        id: 'c-xss',
        type: 'coupon',
        title: XSS.title,
        description: XSS.description,
        category: 'womens',
        discount: { percent: 10 },
        code: XSS.code,
        valid_from: iso(now - 24 * HOUR),
        valid_to: iso(now + 24 * HOUR),
        placements: ['home'],
      },
      {
        id: 'c-womens-2',
        type: 'coupon',
        title: '€10 off womens',
        category: 'Womens',
        discount: { amount: 10 },
        code: 'W10',
        placements: [],
      },
      {
        id: 'fs-mens',
        type: 'flash_sale',
        title: 'Boots sale',
        category: 'mens',
        starts_at: iso(now - HOUR),
        ends_at: iso(now + 3 * HOUR),
        placements: ['home'],
        items: [
          { item_id: 'sku-1', item_name: XSS.itemName, price: 80, sale_price: 56, stock: 5 },
          { item_id: 'sku-2', item_name: 'Chelsea boot', price: 120, sale_price: 90 },
        ],
      },
      {
        id: 'm-ship',
        type: 'member_deal',
        title: 'Free shipping for members',
        discount: { amount: 5 },
        placements: ['home'],
      },
      {
        id: 'c-kids',
        type: 'coupon',
        title: '15% off kids',
        category: 'kids',
        discount: { percent: 15 },
        code: 'KIDS15',
        placements: ['home'],
      },
      {
        id: 'c-any',
        type: 'coupon',
        title: '5% off everything',
        discount: { percent: 5 },
        code: 'ALL5',
        placements: ['home'],
      },
    ],
    now,
  );
}

/** Category of each offer of {@link variedCatalog} as validated (lower-cased, `any` by default). */
const VARIED_CATEGORY: Record<string, string> = {
  'c-xss': 'womens',
  'c-womens-2': 'womens',
  'fs-mens': 'mens',
  'm-ship': 'any',
  'c-kids': 'kids',
  'c-any': 'any',
};

/**
 * The one true line for each offer of {@link variedCatalog}, for a member who browsed womens,
 * mens and kids equally (each a third of the interest, above the 30% rule) and never bought.
 */
const VARIED_EXPLANATION: Record<string, string> = {
  'c-xss': 'You often browse Womens',
  'c-womens-2': 'You often browse Womens',
  'fs-mens': 'You often browse Mens',
  'c-kids': 'You often browse Kids',
  'm-ship': DEFAULT_MESSAGES.member,
  'c-any': DEFAULT_MESSAGES.generic,
};

function views(categories: string[], each: number): TrackEvent[] {
  return categories.flatMap((category) =>
    Array.from({ length: each }, (_, i) => ({
      event: 'view_item',
      ecommerce: {
        currency: 'EUR',
        items: [
          { item_id: `${category}-${i}`, item_name: 'Item', item_category: category, price: 30 },
        ],
      },
    })),
  );
}

/** The shipped model's bytes and version: 12 hex digits of their SHA-256, computed here. */
function shippedModel(): { bytes: Uint8Array; version: string } {
  const onnx = readdirSync(distDir).find((f) => /^offerwise-model-[0-9a-f]{12}\.onnx$/.test(f));
  if (!onnx) throw new Error(`no model in ${distDir}: run \`npm run build\` first`);
  const bytes = new Uint8Array(readFileSync(path.join(distDir, onnx)));
  return { bytes, version: createHash('sha256').update(bytes).digest('hex').slice(0, 12) };
}

/**
 * The features of every offer of `catalog` for `profile`, in catalog order, built here in Node
 * by the same code the SDK runs (so scores can be recomputed outside the browser).
 */
function featureRows(catalog: object, profile: ProfileSnapshot, context: FeatureContext) {
  const { catalog: valid } = validateCatalog(catalog, Date.now());
  const rows = new Float32Array(valid.offers.length * FEATURE_COUNT);
  valid.offers.forEach((offer, i) =>
    buildFeatures(profile, featureOffer(offer), context, rows, i * FEATURE_COUNT),
  );
  return { offers: valid.offers, rows };
}

/**
 * Replays a decision from its id: the policy, given every candidate's score (here: all offers of
 * the catalog) and seeded by `decisionId`, must pick the same offers with the same propensities
 * and scores (the scores within float32 noise between two ONNX Runtime builds).
 */
function expectReplays(
  decision: Decision,
  candidates: { offerId: string; category: string; score: number }[],
  limit: number,
): void {
  const picks = choose(candidates, limit, DEFAULT_POLICY, decisionRandom(decision.decisionId));
  const what = `decision ${decision.decisionId} (${decision.source})`;
  expect(
    decision.offers.map((o) => o.offerId),
    what,
  ).toEqual(picks.map((p) => p.offerId));
  decision.offers.forEach((offer, i) => {
    expect(offer.propensity, what).toBeCloseTo(picks[i]!.propensity, 9);
    expect(Math.abs(offer.score - picks[i]!.score), what).toBeLessThan(1e-5);
  });
}

interface DecideWindow extends PageWindow {
  ow: PageWindow['offerwise'];
  seen: { rejections: string[] };
  __xss?: unknown;
}

/** Runs in every page before its scripts: records unhandled rejections. */
function recordRejections(): void {
  const w = window as unknown as DecideWindow;
  w.seen = { rejections: [] };
  addEventListener('unhandledrejection', (e) => w.seen.rejections.push(String(e.reason)));
}

/**
 * Creates `window.ow` with `config` (its clock `aheadMs` ahead of the page's); resolves when its
 * storage is ready.
 */
async function createIn(page: Page, config: OfferwiseConfig, aheadMs = 0): Promise<void> {
  await page.evaluate(
    async ({ config, aheadMs }) => {
      const w = window as unknown as DecideWindow;
      w.ow = await w.Offerwise.createOffers(
        aheadMs === 0 ? config : { ...config, now: () => Date.now() + aheadMs },
      );
    },
    { config, aheadMs },
  );
}

/** `count` decide() calls started at once in the page; their decisions in call order. */
function decideIn(page: Page, request: DecideRequest, count = 1): Promise<Decision[]> {
  return page.evaluate(
    ({ request, count }) => {
      const w = window as unknown as DecideWindow;
      return Promise.all(Array.from({ length: count }, () => w.ow.decide(request)));
    },
    { request, count },
  );
}

function trackIn(page: Page, events: TrackEvent[]): Promise<void> {
  return page.evaluate(async (events) => {
    const w = window as unknown as DecideWindow;
    for (const event of events) await w.ow.track(event);
  }, events);
}

function diagnosticCodes(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    (window as unknown as DecideWindow).ow.diagnostics().map((d) => d.code),
  );
}

/** The decision state as `exportData()` returns it (its declared type omits `decisions`). */
function stateOf(page: Page): Promise<StateContents> {
  return page.evaluate(async () => {
    const exported = await (window as unknown as DecideWindow).ow.exportData();
    return (exported as typeof exported & { decisions: StateContents }).decisions;
  });
}

/** Uncaught errors and unhandled rejections of a page. */
async function problems(tab: WatchedPage): Promise<string[]> {
  const rejections = await tab.page.evaluate(
    () => (window as unknown as DecideWindow).seen.rejections,
  );
  return [
    ...tab.errors.map((e) => `pageerror: ${e.message}`),
    ...rejections.map((r) => `unhandledrejection: ${r}`),
    ...tab.console.map((m) => m.text()).filter((text) => /uncaught/i.test(text)),
  ];
}

describe.skipIf(!hasChromium)('decide() in Chromium', () => {
  const h = useHarness();
  let url: string;
  let model: { bytes: Uint8Array; version: string };

  beforeAll(() => {
    if (!existsSync(distDir)) throw new Error('dist/ is missing: run `npm run build` first');
    model = shippedModel();
  });

  async function newContext(): Promise<BrowserContext> {
    const context = await h.newContext();
    await context.addInitScript(recordRejections);
    url ??= h.server.page('/decide.html', sdkPage({}));
    return context;
  }

  /** Two tabs of one browser, each with an SDK over `n` coupons capped at one show a session. */
  async function twoTabs(n: number) {
    const context = await newContext();
    const a = await openPage(context, url);
    const b = await openPage(context, url);
    const offers = coupons(n);
    const config: OfferwiseConfig = {
      consent: 'granted',
      catalog: catalogOf(offers),
      decisions: { holdoutShare: 0, caps: { offer: { session: 1 }, placement: {}, overall: {} } },
    };
    await Promise.all([createIn(a.page, config), createIn(b.page, config)]);
    return { context, a, b, offers, config };
  }

  it('caps hold across two tabs deciding at once: each offer shown once in all', async () => {
    const N = 8;
    const ROUNDS = 30;
    /** decide() calls each tab starts together in every round. */
    const PER_TAB = 3;
    const { context, a, b, offers, config } = await twoTabs(N);

    const byTab: Record<'a' | 'b', Decision[]> = { a: [], b: [] };
    const request = { placement: 'home', limit: 1 };
    for (let round = 0; round < ROUNDS; round++) {
      const [da, db] = await Promise.all([
        decideIn(a.page, request, PER_TAB),
        decideIn(b.page, request, PER_TAB),
      ]);
      byTab.a.push(...da);
      byTab.b.push(...db);
    }

    const all = [...byTab.a, ...byTab.b];
    expect(all).toHaveLength(2 * ROUNDS * PER_TAB);
    const shown = all.flatMap((d) => d.offers.map((o) => o.offerId));
    expect(all.filter((d) => d.offers.length > 0)).toHaveLength(N);
    expect(all.every((d) => d.offers.length <= 1)).toBe(true);
    // Each offer exactly once across both tabs (at most once by the cap, N shows in all).
    expect([...shown].sort()).toEqual(offers.map((o) => o.id).sort());
    // The first round alone has 2 × 3 decisions for 8 offers: both tabs showed some.
    expect(byTab.a.some((d) => d.offers.length > 0)).toBe(true);
    expect(byTab.b.some((d) => d.offers.length > 0)).toBe(true);
    // Nothing fell back to a per-tab memory store (which would not be exact across tabs).
    expect(await diagnosticCodes(a.page)).toEqual([]);
    expect(await diagnosticCodes(b.page)).toEqual([]);
    expect(new Set(all.map((d) => d.decisionId)).size).toBe(all.length);

    // The counters on disk, read by a third page: one session impression per offer, N in all.
    const reader = await openPage(context, url);
    await createIn(reader.page, config);
    const state = await stateOf(reader.page);
    expect(state.storage).toBe('indexeddb');
    for (const offer of offers) {
      expect(state.counters[`offer:${offer.id}`]?.session?.count, offer.id).toBe(1);
      expect(state.counters[`offer:${offer.id}`]?.times, offer.id).toHaveLength(1);
    }
    expect(state.counters['placement:home']?.session?.count).toBe(N);
    expect(state.counters['overall']?.session?.count).toBe(N);
    expect(Object.keys(state.counters).sort()).toEqual(
      [...offers.map((o) => `offer:${o.id}`), 'overall', 'placement:home'].sort(),
    );

    for (const tab of [a, b, reader]) expect(await problems(tab)).toEqual([]);
  });

  it('a tab whose copy of the caps is stale sees the other tab’s reservations: tabs taking turns', async () => {
    // Each tab keeps a copy of the counters from its own last decision and chooses from it
    // before its transaction has read anything; taking turns, every decision's copy misses the
    // other tab's last reservation, so each must be seen in the transaction and chosen again.
    const N = 6;
    const { a, b, offers } = await twoTabs(N);
    const request = { placement: 'home', limit: 1 };
    const shown: string[] = [];
    for (let turn = 0; turn < N + 2; turn++) {
      const [decision] = await decideIn((turn % 2 === 0 ? a : b).page, request);
      const offer = decision!.offers[0]?.offerId;
      if (turn < N) {
        // Never one the other tab (or this one) showed already.
        expect(offer, `turn ${turn}`).toBeDefined();
        expect(shown, `turn ${turn}`).not.toContain(offer);
        shown.push(offer!);
      } else {
        expect(decision!.offers, `turn ${turn}: every offer is at its cap`).toEqual([]);
      }
    }
    expect([...shown].sort()).toEqual(offers.map((o) => o.id).sort());
    const state = await stateOf(a.page);
    for (const offer of offers) {
      expect(state.counters[`offer:${offer.id}`]?.session?.count, offer.id).toBe(1);
    }
    expect(state.counters['placement:home']?.session?.count).toBe(N);
    expect(await diagnosticCodes(a.page)).toEqual([]);
    expect(await diagnosticCodes(b.page)).toEqual([]);
    for (const tab of [a, b]) expect(await problems(tab)).toEqual([]);
  });

  it('decides with the shipped model from the first decision of a fresh page: shape, propensities, explanations', async () => {
    const context = await newContext();
    const requests: string[] = [];
    context.on('request', (r) => requests.push(new URL(r.url()).pathname));
    const tab = await openPage(context, url);
    const domBefore = await tab.page.evaluate(() => document.documentElement.outerHTML);
    const catalog = variedCatalog();
    await createIn(tab.page, {
      consent: 'granted',
      catalog,
      decisions: { holdoutShare: 0, caps: NO_CAPS },
    });
    await trackIn(tab.page, views(['womens', 'mens', 'kids'], 4));
    const limit = 3;
    const request = { placement: 'home', limit, context: { member: true } };

    // The first decision of a fresh page creates the predictor: its worker is far from ready,
    // and the model decides all the same (the main thread's copy of the shipped network).
    const decisions: Decision[] = await decideIn(tab.page, request);
    expect(decisions[0]!.source, 'the first decision of a fresh page').toBe('model');
    // Then a series decided by the model: one by one, and ten at once.
    for (let i = 0; i < 20; i++) decisions.push(...(await decideIn(tab.page, request)));
    decisions.push(...(await decideIn(tab.page, request, 10)));
    const profile = await tab.page.evaluate(() => (window as unknown as DecideWindow).ow.profile());

    // Every score recomputed here: the shipped model in ONNX Runtime (Node), and the fallback.
    const { offers, rows } = featureRows(catalog, profile, { channel: 'web', member: true });
    const scorer = await createScorer(model.bytes);
    const byModel = await scorer.score(rows, FEATURE_COUNT);
    await scorer.release();
    const byFallback = scoreFallback(DEFAULT_FALLBACK, rows, FEATURE_COUNT);
    const candidates = (uplift: Float32Array) =>
      offers.map((o, i) => ({ offerId: o.id, category: o.category, score: uplift[i]! }));

    // The model decides every time, before and after its worker is ready (1 + 20 + 10).
    expect(decisions.filter((d) => d.source === 'model')).toHaveLength(31);
    for (const d of decisions) {
      expect(d.source === 'model' || d.source === 'fallback', d.source).toBe(true);
      expect(d.modelVersion).toBe(d.source === 'model' ? model.version : DEFAULT_FALLBACK.version);
      expect(Object.keys(d).sort()).toEqual([
        'at',
        'decisionId',
        'modelVersion',
        'offers',
        'placement',
        'source',
      ]);
      expect(d.placement).toBe('home');
      expect(d.decisionId).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      // Six candidates in three categories and `any`: the three slots are always filled.
      expect(d.offers).toHaveLength(limit);
      const ids = d.offers.map((o) => o.offerId);
      const categories = ids.map((id) => VARIED_CATEGORY[id]).filter((c) => c !== 'any');
      expect(new Set(categories).size, `diversified: ${ids.join(', ')}`).toBe(categories.length);
      for (const offer of d.offers) {
        expect(Object.keys(offer).sort()).toEqual([
          'explanation',
          'offerId',
          'propensity',
          'score',
        ]);
        expect(offer.propensity).toBeGreaterThan(0);
        expect(offer.propensity).toBeLessThanOrEqual(1);
        expect(typeof offer.explanation).toBe('string');
        expect(offer.explanation).toBe(VARIED_EXPLANATION[offer.offerId]);
      }
      // The exact picks, propensities and scores, replayed from the decision id.
      expectReplays(
        d,
        candidates(d.source === 'model' ? byModel.uplift : byFallback.uplift),
        limit,
      );
    }
    expect(new Set(decisions.map((d) => d.decisionId)).size).toBe(decisions.length);
    // The worker loaded the shipped model and the runtime from beside the script.
    expect(requests).toContain(`/dist/offerwise-model-${model.version}.onnx`);
    expect(requests.some((p) => /^\/dist\/ort-wasm-simd-threaded-.*\.wasm$/.test(p))).toBe(true);

    // The hostile strings in the catalog never ran and nothing was added to the page.
    const after = await tab.page.evaluate(() => ({
      xss: (window as unknown as DecideWindow).__xss,
      dom: document.documentElement.outerHTML,
    }));
    expect(after.xss).toBeUndefined();
    expect(after.dom).toBe(domBefore);
    // The decisions carry ids, never catalog text.
    const text = JSON.stringify(decisions);
    for (const s of Object.values(XSS)) expect(text).not.toContain(s);
    expect(text).not.toContain('<');
    expect(await diagnosticCodes(tab.page)).toEqual([]);
    expect(await problems(tab)).toEqual([]);
  });

  it('without consent decides in catalog order with propensity 1, never loading the model', async () => {
    const context = await newContext();
    const requests: string[] = [];
    context.on('request', (r) => requests.push(new URL(r.url()).pathname));
    const tab = await openPage(context, url);
    await createIn(tab.page, {
      consent: 'denied',
      catalog: variedCatalog(),
      decisions: { holdoutShare: 0, caps: NO_CAPS },
    });
    const request = { placement: 'home', limit: 3, context: { member: true } };
    const decisions = [
      ...(await decideIn(tab.page, request)),
      ...(await decideIn(tab.page, request, 5)),
    ];
    const generic = DEFAULT_MESSAGES.generic;

    for (const d of decisions) {
      expect(d).toMatchObject({
        placement: 'home',
        source: 'fallback',
        modelVersion: 'none',
        holdout: false,
      });
      // The shop's order, one offer per category: c-womens-2 (womens again) is skipped.
      expect(d.offers).toEqual([
        { offerId: 'c-xss', score: 0, propensity: 1, explanation: generic },
        { offerId: 'fs-mens', score: 0, propensity: 1, explanation: generic },
        { offerId: 'm-ship', score: 0, propensity: 1, explanation: generic },
      ]);
    }
    expect(new Set(decisions.map((d) => d.decisionId)).size).toBe(decisions.length);
    // Not a member: the member deal is not a candidate; the next offer in order takes its slot.
    const [nonMember] = await decideIn(tab.page, { placement: 'home', limit: 3 });
    expect(nonMember!.offers.map((o) => o.offerId)).toEqual(['c-xss', 'fs-mens', 'c-kids']);
    // Nothing personal is scored, so the predictor never starts.
    expect(tab.page.workers()).toHaveLength(0);
    expect(requests.filter((p) => /\.(onnx|wasm|mjs)$/.test(p))).toEqual([]);
    // Decision state stays in memory without consent.
    expect((await stateOf(tab.page)).storage).toBe('memory');
    expect(
      await tab.page.evaluate(() => (window as unknown as DecideWindow).__xss),
    ).toBeUndefined();
    expect(await diagnosticCodes(tab.page)).toEqual([]);
    expect(await problems(tab)).toEqual([]);
  });

  it("cachedDecision() on the next page: the last decision's offers under a fresh id, never past its session", async () => {
    const context = await newContext();
    const tab = await openPage(context, url);
    const config = (catalog: ReturnType<typeof variedCatalog>): OfferwiseConfig => ({
      consent: 'granted',
      catalog,
      decisions: { holdoutShare: 0, caps: NO_CAPS },
    });
    await createIn(tab.page, config(variedCatalog()));
    expect(
      await tab.page.evaluate(() => (window as unknown as DecideWindow).ow.cachedDecision('home')),
    ).toBeUndefined();
    const request = { placement: 'home', limit: 2 };
    await decideIn(tab.page, request);
    await decideIn(tab.page, { placement: 'cart', limit: 1 });
    const [last] = await decideIn(tab.page, request);
    expect(last!.offers).toHaveLength(2);

    // The next page: a fresh instance and a fresh copy of the catalog.
    await tab.page.reload();
    await createIn(tab.page, config(variedCatalog()));
    const before = await stateOf(tab.page);
    const cached = await tab.page.evaluate(() =>
      (window as unknown as DecideWindow).ow.cachedDecision('home'),
    );
    // The same offers under a fresh id (audit finding 4: the stored id would link the visits),
    // and report() takes the fresh one.
    expect(cached).toEqual({ ...last, decisionId: cached!.decisionId, source: 'cache' });
    expect(cached!.decisionId).not.toBe(last!.decisionId);
    await tab.page.evaluate(
      ({ id, offer }) => (window as unknown as DecideWindow).ow.report(id, offer, 'impression'),
      { id: cached!.decisionId, offer: cached!.offers[0]!.offerId },
    );
    // A cached decision records no impression.
    const after = await stateOf(tab.page);
    expect(after.counters).toEqual(before.counters);
    expect(after.decisions['home']).toEqual(last);
    // A placement never decided has nothing cached.
    expect(
      await tab.page.evaluate(() => (window as unknown as DecideWindow).ow.cachedDecision('pdp')),
    ).toBeUndefined();

    // A cached decision never outlives its session: 31 minutes later (and 3 days later) it is gone.
    for (const ahead of [31 * 60_000, 3 * 24 * HOUR]) {
      await tab.page.reload();
      await createIn(tab.page, config(variedCatalog()), ahead);
      expect(
        await tab.page.evaluate(() =>
          (window as unknown as DecideWindow).ow.cachedDecision('home'),
        ),
      ).toBeUndefined();
    }

    // Once one of its offers has left the catalog, the cached decision is not offered.
    const catalog = variedCatalog();
    const gone = last!.offers[0]!.offerId;
    catalog.offers = catalog.offers.filter((o) => o.id !== gone);
    await tab.page.reload();
    await createIn(tab.page, config(catalog));
    expect(
      await tab.page.evaluate(() => (window as unknown as DecideWindow).ow.cachedDecision('home')),
    ).toBeUndefined();
    expect(await diagnosticCodes(tab.page)).toEqual([]);
    expect(await problems(tab)).toEqual([]);
  });
});
