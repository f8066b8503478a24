/**
 * The effect report of logged feedback (`npm run report`, models/cli/report.ts): reads the
 * collector's JSONL (wire-format batches, one per line; `.gz` too) or Parquet (one event per row)
 * with DuckDB, runs the standard SQL of `queries.ts`, and writes `<out>/report.json` and a
 * self-contained `<out>/report.html`. Definitions are in {@link DEFINITIONS} and the README
 * ("Effect reports").
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFINITIONS } from './definitions.js';
import { renderHtml } from './html.js';
import {
  ANALYSIS,
  LOAD_CLEANUP,
  INVALID_ORDER_REASON,
  loadingSql,
  QUERIES,
  type QueryName,
  NOT_A_BATCH,
} from './queries.js';
import { classification, meanDifference, newcombe, ratio, sweep, wilson } from './stats.js';
import type { Classification } from './stats.js';
import { readTrace } from './trace.js';
import type {
  ArmCounts,
  Comparison,
  DailyRow,
  EffectReport,
  HoldoutComparison,
  OfferRow,
  ReportOptions,
} from './types.js';

type Row = Record<string, unknown>;

const num = (v: unknown): number =>
  typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : v == null ? 0 : Number(v);
const str = (v: unknown): string => (v == null ? '' : String(v));
const isoDay = (day: unknown) => new Date(num(day) * 86_400_000).toISOString().slice(0, 10);

function offerRow(r: Row, hasOrders: boolean): OfferRow {
  const shown = num(r.shown);
  const impressions = num(r.impressions);
  const clicks = num(r.clicks);
  const claims = num(r.claims);
  const dismissals = num(r.dismissals);
  const engaged = num(r.engaged);
  const converted = hasOrders ? num(r.converted) : null;
  return {
    offerId: str(r.offerId),
    placement: str(r.placement),
    ...(r.day !== undefined ? { day: isoDay(r.day) } : {}),
    ...(r.arm !== undefined ? { arm: str(r.arm) } : {}),
    shown,
    impressions,
    clicks,
    claims,
    dismissals,
    engaged,
    converted,
    revenue: hasOrders ? num(r.revenue) : null,
    viewableRate: ratio(impressions, shown),
    clickThrough: ratio(clicks, impressions),
    claimRate: ratio(claims, impressions),
    dismissRate: ratio(dismissals, impressions),
    participation: ratio(engaged, shown),
    conversion: converted === null ? null : ratio(converted, shown),
  };
}

const emptyArm = (): ArmCounts => ({
  decisions: 0,
  engaged: 0,
  claimed: 0,
  converted: 0,
  revenue: 0,
  revenueSq: 0,
});

function compare(
  placement: string,
  p: ArmCounts,
  h: ArmCounts,
  hasOrders: boolean,
): HoldoutComparison {
  const rate = (key: 'engaged' | 'claimed' | 'converted'): Comparison | null => {
    const d = newcombe(p[key], p.decisions, h[key], h.decisions);
    if (!d) return null;
    return {
      ...d,
      personalized: wilson(p[key], p.decisions)!,
      holdout: wilson(h[key], h.decisions)!,
    };
  };
  return {
    placement,
    personalized: p,
    holdout: h,
    engaged: rate('engaged'),
    claimed: rate('claimed'),
    converted: hasOrders ? rate('converted') : null,
    revenuePerDecision: hasOrders
      ? meanDifference(
          { n: p.decisions, sum: p.revenue, sumSq: p.revenueSq },
          { n: h.decisions, sum: h.revenue, sumSq: h.revenueSq },
        )
      : null,
  };
}

/** Feedback files by format: Parquet by its extension, JSONL (or `.gz`) otherwise. */
export async function classifyFeedback(files: readonly string[]) {
  const jsonl: string[] = [];
  const parquet: string[] = [];
  for (const file of files) {
    const s = await stat(file).catch(() => undefined);
    if (!s?.isFile()) throw new Error(`--feedback: ${JSON.stringify(file)} is not a file`);
    (/\.parquet$/i.test(file) ? parquet : jsonl).push(path.resolve(file));
  }
  return { jsonl, parquet };
}

/** Runs the report and writes `report.json` and `report.html` into `options.out`. */
export async function runReport(options: ReportOptions): Promise<EffectReport> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => {
    timings[name] = Math.round(performance.now() - since);
    return performance.now();
  };
  const threshold = options.threshold ?? 0.5;
  if (
    !(threshold > 0 && threshold <= 1) ||
    Math.abs(threshold * 100 - Math.round(threshold * 100)) > 1e-9
  )
    throw new Error(`threshold: got ${threshold}, expected a multiple of 0.01 in (0, 1]`);
  if (options.feedback.length === 0) throw new Error('--feedback: at least one file');
  const files = await classifyFeedback(options.feedback);
  if (options.orders !== undefined) {
    const s = await stat(options.orders).catch(() => undefined);
    if (!s?.isFile()) throw new Error(`--orders: ${JSON.stringify(options.orders)} is not a file`);
  }
  const hasOrders = options.orders !== undefined;

  const instance = await DuckDBInstance.create(':memory:', { preserve_insertion_order: 'false' });
  const db = await instance.connect();
  try {
    let t = performance.now();
    for (const sql of loadingSql({
      ...files,
      orders: hasOrders ? path.resolve(options.orders!) : undefined,
    }))
      await db.run(sql);
    t = lap('load', t);
    for (const step of ANALYSIS) {
      await db.run(step.sql);
      if (step.name === 'events') await db.run(LOAD_CLEANUP);
      t = lap(step.name, t);
    }
    const q = async (name: QueryName): Promise<Row[]> =>
      (await db.runAndReadAll(QUERIES[name])).getRowObjectsJS() as Row[];
    const results = {} as Record<QueryName, Row[]>;
    for (const name of Object.keys(QUERIES) as QueryName[]) results[name] = await q(name);
    t = lap('queries', t);

    const s = results.summary[0]!;
    const load = results.loadStats[0] ?? {};
    const o = results.orders[0] ?? {};
    const warnings: string[] = [];
    const dropped: Record<string, number> = {};
    for (const r of results.dropped) dropped[str(r.reason)] = num(r.n);

    const daily: DailyRow[] = results.daily.map((r) => ({
      day: isoDay(r.day),
      arm: str(r.arm),
      impressions: num(r.impressions),
      decisions: num(r.decisions),
      clickThrough: wilson(num(r.clicks), num(r.impressions)),
      claimRate: wilson(num(r.claims), num(r.impressions)),
      engagement: wilson(num(r.engaged), num(r.decisions)),
      conversion: hasOrders ? wilson(num(r.converted), num(r.decisions)) : null,
    }));

    const arms = new Map<string, { personalized: ArmCounts; holdout: ArmCounts }>();
    const total = { personalized: emptyArm(), holdout: emptyArm() };
    for (const r of results.arms) {
      const placement = str(r.placement);
      const arm = str(r.arm) === 'holdout' ? 'holdout' : 'personalized';
      const entry = arms.get(placement) ?? { personalized: emptyArm(), holdout: emptyArm() };
      arms.set(placement, entry);
      const counts: ArmCounts = {
        decisions: num(r.decisions),
        engaged: num(r.engaged),
        claimed: num(r.claimed),
        converted: num(r.converted),
        revenue: num(r.revenue),
        revenueSq: num(r.revenue_sq),
      };
      entry[arm] = counts;
      for (const k of Object.keys(counts) as (keyof ArmCounts)[]) total[arm][k] += counts[k];
    }
    if (total.holdout.decisions === 0)
      warnings.push("No holdout decisions (modelVersion 'none') in the logs: no lift to report.");
    if (total.personalized.decisions === 0)
      warnings.push('No personalized decisions in the logs: no lift to report.');

    const buckets = results.propensityBuckets.map((r) => ({
      bucket: num(r.bucket),
      n: num(r.n),
      responded: num(r.responded),
    }));
    const grid = Array.from({ length: 100 }, (_, i) => (i + 1) / 100);
    const curve = sweep(buckets, grid);
    const population = buckets.reduce((a, b) => a + b.n, 0);
    const responded = buckets.reduce((a, b) => a + b.responded, 0);
    let best: Classification | null = null;
    for (const c of curve) if (c.f1 !== null && (best === null || c.f1 > best.f1!)) best = c;
    const atThreshold =
      sweep(buckets, [threshold])[0] ?? classification(threshold, 0, 0, responded, population);

    const summary: EffectReport['summary'] = {
      lines: num(load.lines),
      badLines: num(load.bad_lines),
      rawEvents: num(s.raw_events),
      events: num(s.events),
      duplicates: num(s.valid_copies) - num(s.events),
      invalidEvents: num(s.invalid_copies),
      anonymousEvents: num(s.anonymous_events),
      decisions: num(s.decisions),
      pairs: num(s.pairs),
      firstDay: s.first_at == null ? null : isoDay(Math.floor(num(s.first_at) / 86_400_000)),
      lastDay: s.last_at == null ? null : isoDay(Math.floor(num(s.last_at) / 86_400_000)),
      dropped,
      orders: hasOrders
        ? {
            lines: num(o.raw_orders),
            invalid: num(o.invalid_orders),
            orders: num(o.orders),
            revenue: num(o.revenue),
            matchedOrders: num(o.matched_orders),
            matchedRevenue: num(o.matched_revenue),
          }
        : null,
    };
    if (summary.badLines > 0)
      warnings.push(`${summary.badLines} line(s) of the feedback files left out: ${NOT_A_BATCH}.`);
    if (summary.invalidEvents > 0)
      warnings.push(`${summary.invalidEvents} event(s) lack a field or have an invalid value.`);
    if (summary.anonymousEvents > 0)
      warnings.push(
        `${summary.anonymousEvents} event(s) have no decision id (anonymous measurement): counted, not in the rates.`,
      );
    if (summary.orders && summary.orders.invalid > 0)
      warnings.push(`${summary.orders.invalid} order line(s) left out: ${INVALID_ORDER_REASON}.`);
    if (summary.orders && summary.orders.matchedOrders < summary.orders.orders)
      warnings.push(
        `${summary.orders.orders - summary.orders.matchedOrders} order(s) name a decision not found in the feedback.`,
      );

    const report: EffectReport = {
      version: 1,
      inputs: {
        feedback: options.feedback.map((f) => path.basename(f)),
        orders: hasOrders ? path.basename(options.orders!) : null,
      },
      definitions: DEFINITIONS,
      summary,
      offers: results.offerDaily.map((r) => offerRow(r, hasOrders)),
      funnel: results.offerFunnel.map((r) => offerRow(r, hasOrders)),
      daily,
      holdout: {
        overall: compare('all', total.personalized, total.holdout, hasOrders),
        byPlacement: [...arms].map(([placement, a]) =>
          compare(placement, a.personalized, a.holdout, hasOrders),
        ),
      },
      targeting: {
        predictor: 'propensity',
        population,
        responded,
        threshold: atThreshold,
        best,
        sweep: curve,
      },
      anonymous: results.anonymous.map((r) => ({
        offerId: str(r.offerId),
        placement: str(r.placement),
        day: isoDay(r.day),
        impressions: num(r.impressions),
        clicks: num(r.clicks),
        claims: num(r.claims),
        dismissals: num(r.dismissals),
      })),
      warnings,
      timings,
      ...(options.trace !== undefined
        ? { optimiser: readTrace(options.trace, await readFile(options.trace, 'utf8')) }
        : {}),
    };
    await mkdir(options.out, { recursive: true });
    t = performance.now();
    await writeFile(path.join(options.out, 'report.html'), renderHtml(report));
    lap('html', t);
    timings.total = Math.round(performance.now() - t0);
    await writeFile(path.join(options.out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    return report;
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}
