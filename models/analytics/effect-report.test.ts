// @vitest-environment node
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport } from './effect-report.js';
import { escapeHtml } from './html.js';
import type { EffectReport } from './types.js';

const DAY1 = Date.UTC(2025, 0, 1, 10);
const DAY2 = DAY1 + 86_400_000;
const EVIL = '<script>alert("x")</script>';
const EVIL_PLACEMENT = '"><img src=x onerror=alert(1)>';

let n = 0;
const ev = (
  type: string,
  decisionId: string | undefined,
  offerId: string,
  at: number,
  propensity: number,
  modelVersion = 'm1',
  placement = 'home',
) => ({
  id: `e${++n}`,
  type,
  ...(decisionId ? { decisionId } : {}),
  offerId,
  placement,
  propensity,
  modelVersion,
  at,
});
const batch = (events: object[], dropped: Record<string, number> = {}, droppedId?: string) =>
  JSON.stringify({
    receivedAt: '2025-01-03T00:00:00.000Z',
    v: 1,
    sentAt: DAY2,
    events,
    dropped,
    ...(droppedId !== undefined ? { droppedId } : {}),
  });

/**
 * Personalized (modelVersion m1): d1 home day 1: A (0.9) impression, click, claim; B (0.05, hostile
 * id) impression. d2 home day 1: A (0.9) impression. d3 placement EVIL_PLACEMENT day 2: B (0.3)
 * impression, dismiss.
 * Holdout (modelVersion 'none', propensity 1): d4 home day 1: A impression, click. d5 home day 2:
 * A impression. d6 home day 2: A click only (no impression).
 * Plus: d1's A impression and click stored twice, an anonymous impression, three invalid events, a
 * line that is not JSON, and one drop counter (evicted: 4) sent twice under one `droppedId`. Orders: o1 d1 100 (coupon A; twice), o2 d2 50 (no coupon), o3 d4 30
 * (simulator style: revenue), o4 for a decision not in the logs, o5 with a value of −10⁹ (invalid).
 */
function fixture(dir: string) {
  const d1a = ev('impression', 'd1', 'A', DAY1, 0.9);
  const d1click = ev('click', 'd1', 'A', DAY1 + 5000, 0.9);
  const lines = [
    batch(
      [
        d1a,
        d1click,
        ev('claim', 'd1', 'A', DAY1 + 9000, 0.9),
        ev('impression', 'd1', EVIL, DAY1, 0.05),
      ],
      { rejected: 2 },
    ),
    batch([d1a, d1click, ev('impression', 'd2', 'A', DAY1 + 60_000, 0.9)]),
    // The same counters sent twice under one droppedId (a reply lost): counted once.
    batch([], { evicted: 4 }, 'drop-1'),
    batch([], { evicted: 4 }, 'drop-1'),
    'not json at all',
    batch(
      [
        ev('impression', 'd3', EVIL, DAY2, 0.3, 'm1', EVIL_PLACEMENT),
        ev('dismiss', 'd3', EVIL, DAY2 + 3000, 0.3, 'm1', EVIL_PLACEMENT),
        ev('impression', 'd4', 'A', DAY1 + 120_000, 1, 'none'),
        ev('click', 'd4', 'A', DAY1 + 125_000, 1, 'none'),
        ev('impression', 'd5', 'A', DAY2 + 1000, 1, 'none'),
        ev('click', 'd6', 'A', DAY2 + 2000, 1, 'none'),
        ev('impression', undefined, 'A', DAY2, 1, 'none'),
        ev('hover', 'd2', 'A', DAY1, 0.9),
        ev('impression', 'd2', 'A', DAY1, 0),
        // Under the wire's smallest propensity (0.0001): no SDK wrote it.
        ev('impression', 'd2', 'A', DAY1 + 1, 1e-12),
        // Not times: before 1970, and past the last ms a Date holds (it stopped the report with
        // "Invalid time value" when it dated the days).
        ev('impression', 'd2', 'A', -5, 0.9),
        ev('click', 'd2', 'A', 9e15, 0.9),
      ],
      { rejected: 1, expired: 3 },
    ),
  ];
  const feedback = path.join(dir, 'feedback.jsonl');
  writeFileSync(feedback, lines.join('\n') + '\n');
  const orders = path.join(dir, 'orders.jsonl');
  const o1 = JSON.stringify({
    orderId: 'o1',
    decisionId: 'd1',
    offerId: 'A',
    value: 100,
    at: DAY1,
  });
  writeFileSync(
    orders,
    [
      o1,
      o1,
      JSON.stringify({ orderId: 'o2', decisionId: 'd2', value: 50, at: DAY1 }),
      JSON.stringify({
        orderId: 'o3',
        decisionId: 'd4',
        offerId: null,
        revenue: 30,
        discount: 3,
        at: DAY1,
      }),
      JSON.stringify({ orderId: 'o4', decisionId: 'dX', value: 10, at: DAY1 }),
      // Not an order: left out and counted, d1's revenue stays 100.
      JSON.stringify({ orderId: 'o5', decisionId: 'd1', value: -1e9, at: DAY1 }),
    ].join('\n') + '\n',
  );
  return { feedback, orders };
}

let dir: string;
let report: EffectReport;
let html: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'offerwise-report-'));
  const { feedback, orders } = fixture(dir);
  report = await runReport({ feedback: [feedback], orders, out: path.join(dir, 'out') });
  html = readFileSync(path.join(dir, 'out/report.html'), 'utf8');
}, 20_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run report', () => {
  it('dedupes on event id and counts what it could not use', () => {
    expect(report.summary).toMatchObject({
      lines: 6,
      badLines: 1,
      rawEvents: 19,
      events: 12,
      duplicates: 2,
      invalidEvents: 5,
      anonymousEvents: 1,
      decisions: 6,
      pairs: 7,
      firstDay: '2025-01-01',
      lastDay: '2025-01-02',
      dropped: { evicted: 4, expired: 3, rejected: 3 },
      orders: {
        lines: 6,
        invalid: 1,
        orders: 4,
        revenue: 190,
        matchedOrders: 3,
        matchedRevenue: 180,
      },
    });
    const json = JSON.parse(readFileSync(path.join(dir, 'out/report.json'), 'utf8'));
    expect(json.summary.events).toBe(12);
  });

  it('computes the rates per offer, placement and day', () => {
    const a1 = report.offers.find((r) => r.offerId === 'A' && r.day === '2025-01-01')!;
    // d1, d2 (personalized) and d4 (holdout); revenue: o1 100 to A, o2 50 and o3 30 split over
    // their decisions' single offer.
    expect(a1).toMatchObject({ placement: 'home', shown: 3, impressions: 3, clicks: 2, claims: 1 });
    expect(a1).toMatchObject({ engaged: 2, converted: 3, revenue: 180, viewableRate: 1 });
    expect(a1.clickThrough).toBeCloseTo(2 / 3, 12);
    expect(a1.claimRate).toBeCloseTo(1 / 3, 12);
    expect(a1.participation).toBeCloseTo(2 / 3, 12);
    expect(a1.conversion).toBe(1);
    const a2 = report.offers.find((r) => r.offerId === 'A' && r.day === '2025-01-02')!;
    // d5 (impression) and d6 (a click without an impression).
    expect(a2).toMatchObject({ shown: 2, impressions: 1, clicks: 1, viewableRate: 0.5 });
    expect(a2).toMatchObject({ clickThrough: 1, converted: 0, revenue: 0, participation: 0.5 });
    const b1 = report.offers.find((r) => r.offerId === EVIL && r.day === '2025-01-01')!;
    // d1's order named coupon A: nothing for B.
    expect(b1).toMatchObject({ shown: 1, impressions: 1, clicks: 0, converted: 1, revenue: 0 });
    const b2 = report.offers.find((r) => r.offerId === EVIL && r.day === '2025-01-02')!;
    expect(b2).toMatchObject({ placement: EVIL_PLACEMENT, dismissals: 1, dismissRate: 1 });
    expect(report.offers).toHaveLength(4);
    const funnel = report.funnel.find((r) => r.offerId === 'A' && r.arm === 'holdout')!;
    expect(funnel).toMatchObject({ shown: 3, impressions: 2, clicks: 2, claims: 0, revenue: 30 });
    expect(report.anonymous).toEqual([
      {
        offerId: 'A',
        placement: 'home',
        day: '2025-01-02',
        impressions: 1,
        clicks: 0,
        claims: 0,
        dismissals: 0,
      },
    ]);
  });

  it('compares personalized with holdout decisions, with 95% intervals', () => {
    const o = report.holdout.overall;
    expect(o.personalized).toMatchObject({ decisions: 3, engaged: 1, claimed: 1, converted: 2 });
    expect(o.holdout).toMatchObject({ decisions: 3, engaged: 2, claimed: 0, converted: 1 });
    // 1/3 − 2/3; Wilson(1/3) = [0.0615, 0.7923], Wilson(2/3) = [0.2077, 0.9385]:
    // lower −1/3 − √((1/3 − 0.0615)² + (0.9385 − 2/3)²) = −0.7177,
    // upper −1/3 + √((0.7923 − 1/3)² + (2/3 − 0.2077)²) = +0.3158.
    expect(o.engaged!.diff).toBeCloseTo(-1 / 3, 12);
    expect(o.engaged!.lo).toBeCloseTo(-0.7177, 3);
    expect(o.engaged!.hi).toBeCloseTo(0.3158, 3);
    expect(o.engaged!.lift).toBeCloseTo(-0.5, 12);
    expect(o.engaged!.significant).toBe(false);
    expect(o.converted!.diff).toBeCloseTo(1 / 3, 12);
    // Revenue per decision: 100, 50, 0 vs 30, 0, 0.
    const r = o.revenuePerDecision!;
    expect(r.mean1).toBeCloseTo(50, 10);
    expect(r.mean2).toBeCloseTo(10, 10);
    expect(r.hi - r.diff).toBeCloseTo(1.959964 * Math.sqrt(2500 / 3 + 300 / 3), 3);
    expect(report.holdout.byPlacement.map((c) => c.placement).sort()).toEqual(
      [EVIL_PLACEMENT, 'home'].sort(),
    );
    const day1 = report.daily.find((d) => d.day === '2025-01-01' && d.arm === 'personalized')!;
    expect(day1.clickThrough).toMatchObject({ x: 1, n: 3 });
    expect(day1.engagement).toMatchObject({ x: 1, n: 2 });
    expect(day1.conversion).toMatchObject({ x: 2, n: 2 });
  });

  it('scores "predicted to respond" (propensity ≥ threshold) against responded', () => {
    // Personalized pairs with an impression: d1A 0.9 responded, d2A 0.9, d1B 0.05, d3B 0.3.
    const t = report.targeting;
    expect(t).toMatchObject({ population: 4, responded: 1 });
    expect(t.threshold).toMatchObject({ threshold: 0.5, tp: 1, fp: 1, fn: 0, tn: 2 });
    expect(t.threshold.precision).toBe(0.5);
    expect(t.threshold.recall).toBe(1);
    expect(t.threshold.f1).toBeCloseTo(2 / 3, 12);
    // F1 is 1/2 up to 0.30 (three predicted), 2/3 from 0.31 to 0.90, 0 above.
    expect(t.best!.threshold).toBe(0.31);
    expect(t.best!.f1).toBeCloseTo(2 / 3, 12);
    expect(t.sweep).toHaveLength(100);
  });

  it('writes a self-contained HTML report with the hostile strings escaped', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain(escapeHtml(EVIL));
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain(escapeHtml(EVIL_PLACEMENT));
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<[^>]*\s(src|href)\s*=/i); // no element loads anything
    expect(html).toContain("default-src 'none'");
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(5);
  });

  it('works without orders and reads Parquet', async () => {
    const out = path.join(dir, 'out2');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const parquet = path.join(dir, 'events.parquet');
    await db.run(`COPY (SELECT 'p1' AS id, 'impression' AS type, 'd9' AS "decisionId", 'A' AS "offerId",
      'home' AS placement, 0.9 AS propensity, 'm1' AS "modelVersion", ${DAY1}::BIGINT AS "at")
      TO '${parquet}' (FORMAT parquet)`);
    db.closeSync();
    const r = await runReport({ feedback: [path.join(dir, 'feedback.jsonl'), parquet], out });
    expect(r.summary).toMatchObject({ events: 13, decisions: 7, orders: null });
    expect(r.holdout.overall.converted).toBeNull();
    expect(r.offers[0]).toMatchObject({ converted: null, revenue: null, conversion: null });
  });

  it('charts an optimiser trace (--trace) and refuses a malformed one naming the entry', async () => {
    const traceDir = mkdtempSync(path.join(tmpdir(), 'offerwise-trace-'));
    try {
      const { feedback } = fixture(traceDir);
      const trace = path.join(traceDir, 'trace.json');
      const points = [
        { evaluation: 1, value: 2, best: 2 },
        { evaluation: 2, value: 1, best: 2 },
        { evaluation: 3, value: 5, best: 5 },
      ];
      writeFileSync(trace, JSON.stringify({ method: 'ga', budget: 3, trace: points }));
      const out = path.join(traceDir, 'out');
      const r = await runReport({ feedback: [feedback], out, trace });
      expect(r.optimiser).toEqual({ file: 'trace.json', method: 'ga', points });
      const page = readFileSync(path.join(out, 'report.html'), 'utf8');
      expect(page).toContain('<h2>Optimiser convergence</h2>');
      expect(page).toContain('3 evaluations · best 5.000');
      // One dot per evaluation and the best-so-far line through all three.
      const best = /<polyline class="best" points="([^"]+)"/.exec(page)![1]!.split(' ');
      expect(best).toHaveLength(3);
      writeFileSync(trace, JSON.stringify({ trace: [{ evaluation: 1, value: 'x', best: 1 }] }));
      await expect(runReport({ feedback: [feedback], out, trace })).rejects.toThrow(
        'trace[0] is not { evaluation, value, best } numbers',
      );
    } finally {
      rmSync(traceDir, { recursive: true, force: true });
    }
  }, 20_000);
});
