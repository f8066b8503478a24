/**
 * `npm run report -- --feedback <files…> [--orders <file>] --out <dir> [--threshold 0.5]
 *   [--trace <trace.json>]`
 *
 * The effect report of logged feedback (models/analytics/effect-report.ts): writes
 * `<out>/report.json` and `<out>/report.html`, and prints a summary of what it counted.
 */
import path from 'node:path';
import { runReport } from '../analytics/effect-report.js';
import type { ReportOptions } from '../analytics/types.js';
import { parseArgs } from '../lib/args.js';
import { runCli, stderrLog, type Log } from '../lib/cli.js';

export function reportOptions(argv: readonly string[], log: Log = stderrLog): ReportOptions {
  const args = parseArgs(
    argv,
    {
      feedback: { required: true, list: true, expected: 'JSONL or Parquet files of feedback' },
      orders: {},
      out: { required: true, expected: 'the directory to write report.json and report.html to' },
      threshold: {},
      trace: {},
    },
    { warn: log },
  );
  return {
    feedback: args.feedback,
    orders: args.orders,
    out: args.out,
    ...(args.threshold !== undefined ? { threshold: Number(args.threshold) } : {}),
    trace: args.trace,
  };
}

export async function main(argv: readonly string[], log: Log = stderrLog) {
  const options = reportOptions(argv, log);
  const report = await runReport(options);
  const s = report.summary;
  for (const w of report.warnings) log(`report: warning: ${w}`);
  if (process.env.OFFERWISE_REPORT_RUSAGE)
    log(JSON.stringify({ maxRSS: process.resourceUsage().maxRSS }));
  return {
    json: path.join(options.out, 'report.json'),
    html: path.join(options.out, 'report.html'),
    events: s.events,
    duplicates: s.duplicates,
    decisions: s.decisions,
    rows: report.funnel.length,
    warnings: report.warnings.length,
    ms: report.timings.total,
  };
}

await runCli('report', import.meta.url, main);
