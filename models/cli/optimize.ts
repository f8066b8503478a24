/**
 * `npm run optimize -- --feedback <files…> [--out <dir>]`   (a collector's logs: the catalog's policies)
 * `npm run optimize -- --feedback <files…> --space <json> [--method ga|sa|pso|random] [--budget 300]
 *   [--seed 1] [--out <dir>] [--truth <truth.json>] [--oracle true]`   (a simulation's logs)
 * `npm run optimize -- --synthetic quadratic|rastrigin [--method ga|sa|pso|random] [--budget] [--seed]`
 * `npm run optimize -- --table true [--budgets 300 1000] [--seeds 20]`
 *
 * Searches campaign settings for the best estimated value on the logged traffic
 * (models/campaign/optimiser.ts). With `--out`, writes `<out>/patch.json` (the catalog patch and
 * SDK options of the best setting, with its estimate and interval) and `<out>/trace.json` (the
 * convergence trace); prints a summary. `--table true` prints the method comparison on the
 * synthetic objectives as a markdown table, then the same numbers as JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLogs, readTruth } from '../campaign/logs.js';
import {
  chooseReported,
  compareMethods,
  comparisonTable,
  parseSpace,
  searchSettings,
} from '../campaign/optimiser.js';
import { search, synthetic } from '../campaign/search.js';
import { jsonFlag, parseArgs } from '../lib/args.js';
import { runCli, stderrLog, type Log } from '../lib/cli.js';

function writeOutputs(dir: string, patch: unknown, trace: unknown): void {
  mkdirSync(dir, { recursive: true });
  if (patch !== undefined)
    writeFileSync(join(dir, 'patch.json'), JSON.stringify(patch, null, 2) + '\n');
  writeFileSync(join(dir, 'trace.json'), JSON.stringify(trace) + '\n');
}

export function main(argv: readonly string[], log: Log = stderrLog) {
  const args = parseArgs(
    argv,
    {
      feedback: { list: true },
      decisions: {},
      orders: {},
      catalog: {},
      space: {},
      method: { default: 'ga', choices: ['ga', 'sa', 'pso', 'random'] },
      budget: { default: '300', integer: true },
      seed: { default: '1', integer: true },
      out: {},
      truth: {},
      oracle: { choices: ['true'] },
      synthetic: { choices: ['quadratic', 'rastrigin'] },
      table: { choices: ['true'] },
      budgets: { list: true, integer: true, default: ['300', '1000'] },
      seeds: { default: '20', integer: true },
    },
    { warn: log },
  );
  const { method } = args;
  const budget = Number(args.budget);
  const seed = Number(args.seed);
  if (args.table) {
    const seeds = Number(args.seeds);
    const rows = compareMethods(args.budgets.map(Number), seeds);
    // The table is the result people read; the JSON line after it carries the same numbers.
    console.log(comparisonTable(rows, seeds));
    return { seeds, rows };
  }
  if (args.synthetic) {
    const s = synthetic(args.synthetic);
    const result = search(method, s.dims, s.f, { budget, seed });
    const out = {
      evaluations: result.evaluations,
      bestValue: result.bestValue,
      synthetic: s.name,
      method,
      optimum: s.optimum,
      share: result.bestValue / s.optimum,
      best: result.best.map((g, i) => s.dims[i]!.values[g]),
    };
    if (args.out) writeOutputs(args.out, undefined, { ...out, trace: result.trace });
    return out;
  }
  if (!args.feedback) throw new Error('--feedback is required (or --synthetic, or --table true)');
  const logs = readLogs({
    feedback: args.feedback,
    decisions: args.decisions,
    orders: args.orders,
    catalog: args.catalog,
  });
  for (const w of logs.warnings) log(`optimize: warning: ${w}`);
  const space = args.space ? jsonFlag('space', args.space, parseSpace) : undefined;
  if (!logs.decisions) {
    // A collector's logs: the device evaluated the catalog's candidate policies; choose among them.
    const chosen = chooseReported(logs, space, seed);
    if (args.out) writeOutputs(args.out, chosen.patch, { candidates: chosen.candidates });
    return chosen.summary;
  }
  if (!space) throw new Error('--space is required to search settings on decisions.jsonl');
  const found = searchSettings({ ...logs, decisions: logs.decisions }, space, {
    method,
    budget,
    seed,
    perDecision: args.truth ? readTruth(args.truth) : undefined,
    oracle: args.oracle === 'true',
  });
  if (args.out)
    writeOutputs(args.out, found.patch, {
      method,
      budget,
      seed,
      evaluations: found.evaluations,
      trace: found.trace,
    });
  return {
    evaluations: found.evaluations,
    bestValue: found.bestValue,
    method,
    seconds: Number(found.seconds.toFixed(2)),
    decisions: found.decisions,
    best: found.best,
    estimate: found.patch.estimate,
    logged: found.logged,
    ...(found.patch.truth ? { truth: found.patch.truth } : {}),
  };
}

await runCli('optimize', import.meta.url, main);
