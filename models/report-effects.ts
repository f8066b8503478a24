/**
 * Effect report of logged feedback:
 *
 *   npm run report -- --feedback <files…> [--orders <file>] --out <dir> [--threshold 0.5]
 *
 * Reads the collector's JSONL (wire-format batches, one per line; `.gz` too) or Parquet (one event
 * per row) with DuckDB, runs the standard SQL of `report-queries.ts`, and writes
 * `<out>/report.json` and a self-contained `<out>/report.html`. Definitions are in
 * {@link DEFINITIONS} and the README ("Effect reports").
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { renderHtml } from './report-html.js';
import { ANALYSIS, LOAD_CLEANUP, loadingSql, QUERIES, type QueryName } from './report-queries.js';
import {
  classification,
  meanDifference,
  newcombe,
  ratio,
  sweep,
  wilson,
  type Classification,
  type Difference,
  type Rate,
} from './report-stats.js';

export const DEFINITIONS = {
  dedupe:
    'Events are deduplicated on their id (a retried or re-beaconed event can be stored twice). Events with an unknown type, a missing field or a propensity outside (0, 1] are not counted (invalidEvents).',
  unit: 'The wire format carries no shopper id (deliberately: nothing personal). The unit is the decision: a decision id with the offers its feedback names ("shown" = decision-offer pairs with at least one event; the logs do not list what was shown without feedback). Events without a decision id (anonymous measurement) cannot be joined and are only counted (anonymous).',
  day: "UTC day of a decision-offer pair's first event.",
  viewableRate:
    'impressions / shown: share of decision-offer pairs with an impression (the SDK reports one once the offer was on screen for a second).',
  clickThrough: 'clicks / impressions (decision-offer pairs clicked, per pair with an impression).',
  claimRate: 'claims / impressions.',
  dismissRate: 'dismissals / impressions.',
  participation:
    'engaged / shown: share of the decisions that showed the offer in which the shopper clicked or claimed it (share of decisions, not of shoppers: no shopper id is logged).',
  conversion:
    "With --orders: orders attributed to a decision (one JSON object per line: orderId, decisionId, value (or revenue, as the simulator writes), optional offerId of the coupon used; deduped on orderId). conversion = pairs whose decision has an order / shown. An order's revenue goes to the offer it names, else it is split evenly over the offers its decision showed.",
  holdout:
    "The SDK logs holdout decisions (a sticky share of consenting shoppers who see the non-personalized ranking) with modelVersion 'none' and propensity 1: those are the holdout arm, every other decision with a decision id is personalized. Per decision: engaged (a click or claim), claimed, converted; difference personalized − holdout with Newcombe's hybrid score 95% interval, revenue per decision with Welch's normal interval. Decisions of one shopper are not independent (the holdout is sticky per shopper), so the intervals are somewhat too narrow.",
  targeting:
    'Predicted to respond = logged propensity ≥ threshold (the policy gives its top-scored offer most of the probability and explored ones the exploration floor, so a high propensity means the model chose the offer; the wire format carries no model score). Responded = clicked or claimed. Over personalized decision-offer pairs with an impression.',
} as const;

export interface ReportOptions {
  feedback: readonly string[];
  orders?: string | undefined;
  out: string;
  /** Propensity threshold for "predicted to respond", a multiple of 0.01; default 0.5. */
  threshold?: number;
  /** An optimiser's `trace.json` (`npm run optimize -- --out`): its convergence is charted. */
  trace?: string | undefined;
}

/** The optimiser's convergence, as `npm run optimize` wrote it. */
export interface OptimiserTrace {
  file: string;
  method: string | null;
  /** `best` after each distinct evaluation (at most 2,000 points, evenly thinned). */
  points: { evaluation: number; value: number; best: number }[];
}

/** Reads an optimiser trace; an error names the file and what is wrong. */
export function readTrace(file: string, text: string): OptimiserTrace {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`--trace ${file}: not JSON`);
  }
  const d = data as { method?: unknown; trace?: unknown };
  if (!d || typeof d !== 'object' || !Array.isArray(d.trace)) {
    throw new Error(`--trace ${file}: expected { trace: [{ evaluation, value, best }] }`);
  }
  const points = d.trace.map((p: unknown, i: number) => {
    const q = p as { evaluation?: unknown; value?: unknown; best?: unknown };
    if (
      !q ||
      typeof q.evaluation !== 'number' ||
      typeof q.value !== 'number' ||
      typeof q.best !== 'number' ||
      ![q.evaluation, q.value, q.best].every(Number.isFinite)
    ) {
      throw new Error(`--trace ${file}: trace[${i}] is not { evaluation, value, best } numbers`);
    }
    return { evaluation: q.evaluation, value: q.value, best: q.best };
  });
  const step = Math.max(1, Math.ceil(points.length / 2000));
  const thinned = points.filter((_, i) => i % step === 0 || i === points.length - 1);
  return {
    file: path.basename(file),
    method: typeof d.method === 'string' ? d.method : null,
    points: thinned,
  };
}

export interface OfferRow {
  offerId: string;
  placement: string;
  day?: string;
  arm?: string;
  shown: number;
  impressions: number;
  clicks: number;
  claims: number;
  dismissals: number;
  engaged: number;
  converted: number | null;
  revenue: number | null;
  viewableRate: number | null;
  clickThrough: number | null;
  claimRate: number | null;
  dismissRate: number | null;
  participation: number | null;
  conversion: number | null;
}

export interface DailyRow {
  day: string;
  arm: string;
  impressions: number;
  decisions: number;
  clickThrough: Rate | null;
  claimRate: Rate | null;
  engagement: Rate | null;
  conversion: Rate | null;
}

export interface ArmCounts {
  decisions: number;
  engaged: number;
  claimed: number;
  converted: number;
  revenue: number;
  revenueSq: number;
}

export interface HoldoutComparison {
  placement: string;
  personalized: ArmCounts;
  holdout: ArmCounts;
  engaged: Comparison | null;
  claimed: Comparison | null;
  converted: Comparison | null;
  revenuePerDecision: (Difference & { mean1: number; mean2: number }) | null;
}

export interface Comparison extends Difference {
  personalized: Rate;
  holdout: Rate;
}

export interface EffectReport {
  version: 1;
  inputs: { feedback: string[]; orders: string | null };
  definitions: typeof DEFINITIONS;
  summary: {
    lines: number;
    badLines: number;
    rawEvents: number;
    events: number;
    duplicates: number;
    invalidEvents: number;
    anonymousEvents: number;
    decisions: number;
    pairs: number;
    firstDay: string | null;
    lastDay: string | null;
    dropped: Record<string, number>;
    orders: {
      /** Lines of the orders file read. */
      lines: number;
      /** Orders after dedupe on orderId (with a decision id and a value). */
      orders: number;
      revenue: number;
      /** Of those, orders whose decision is in the feedback. */
      matchedOrders: number;
      matchedRevenue: number;
    } | null;
  };
  offers: OfferRow[];
  funnel: OfferRow[];
  daily: DailyRow[];
  holdout: { overall: HoldoutComparison; byPlacement: HoldoutComparison[] };
  targeting: {
    predictor: 'propensity';
    population: number;
    responded: number;
    threshold: Classification;
    best: Classification | null;
    sweep: Classification[];
  };
  anonymous: {
    offerId: string;
    placement: string;
    day: string;
    impressions: number;
    clicks: number;
    claims: number;
    dismissals: number;
  }[];
  warnings: string[];
  timings: Record<string, number>;
  /** With `--trace`: the optimiser's convergence. */
  optimiser?: OptimiserTrace;
}

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

async function classify(files: readonly string[]) {
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
  const files = await classify(options.feedback);
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
            orders: num(o.orders),
            revenue: num(o.revenue),
            matchedOrders: num(o.matched_orders),
            matchedRevenue: num(o.matched_revenue),
          }
        : null,
    };
    if (summary.badLines > 0)
      warnings.push(
        `${summary.badLines} line(s) of the feedback files are not wire-format batches.`,
      );
    if (summary.invalidEvents > 0)
      warnings.push(`${summary.invalidEvents} event(s) lack a field or have an invalid value.`);
    if (summary.anonymousEvents > 0)
      warnings.push(
        `${summary.anonymousEvents} event(s) have no decision id (anonymous measurement): counted, not in the rates.`,
      );
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

/** `--feedback a b c --orders o --out d --threshold 0.5`: `--feedback` takes every value up to the next flag. */
export function parseReportArgs(argv: readonly string[]): ReportOptions {
  const values: Record<string, string[]> = {};
  let current: string | undefined;
  for (const arg of argv) {
    if (arg.startsWith('--')) {
      current = arg.slice(2);
      if (!['feedback', 'orders', 'out', 'threshold', 'trace'].includes(current))
        throw new Error(
          `unknown argument ${JSON.stringify(arg)}; expected --feedback, --orders, --out, --threshold, --trace`,
        );
      if (values[current]) throw new Error(`--${current} given twice`);
      values[current] = [];
    } else if (current === undefined) {
      throw new Error(`unexpected ${JSON.stringify(arg)}; expected --feedback <files…>`);
    } else values[current]!.push(arg);
  }
  const one = (name: string): string | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    if (v.length !== 1) throw new Error(`--${name} takes one value`);
    return v[0];
  };
  if (!values.feedback?.length) throw new Error('--feedback <files…> is required');
  const out = one('out');
  if (out === undefined) throw new Error('--out <dir> is required');
  const threshold = one('threshold');
  return {
    feedback: values.feedback,
    orders: one('orders'),
    out,
    ...(threshold !== undefined ? { threshold: Number(threshold) } : {}),
    trace: one('trace'),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const options = parseReportArgs(process.argv.slice(2));
    const report = await runReport(options);
    const s = report.summary;
    console.log(
      `report: ${s.events} events (${s.duplicates} duplicates dropped), ${s.decisions} decisions, ` +
        `${report.funnel.length} offer/placement/arm rows in ${report.timings.total} ms → ` +
        `${path.join(options.out, 'report.json')}, ${path.join(options.out, 'report.html')}`,
    );
    for (const w of report.warnings) console.warn(`warning: ${w}`);
    if (process.env.OFFERWISE_REPORT_RUSAGE)
      console.error(JSON.stringify({ maxRSS: process.resourceUsage().maxRSS }));
  } catch (error) {
    console.error(`report: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
