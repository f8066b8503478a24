/**
 * `npm run reproduce [-- --only model|recs|analytics|ope] [--data data] [--out reproduce]`
 *
 * Rebuilds the tables the README and the docs quote (models/reproduce/): `model` (training CV,
 * the refit's bytes against models/default.onnx, in-sample eval, replay), `recs` (eval:recs with
 * tuning), `analytics` (the optimiser's validation table) and `ope` (the OPE coverage table: 100
 * simulations per catalog, about 11 minutes on 2 cores), from the files `npm run data` writes
 * into `--data`; without `--only`, all four in that order. Writes `<out>/<part>.json` and
 * `<out>/<part>.md`, logs progress and each part's seconds on stderr, and prints one JSON object
 * last:
 * `{ parts: { <part>: { seconds, claims, differ: [{ id, doc, quoted, reproduced }] } }, differ,
 * machine: { cpus, model, node } }`. Exit status 1 when a quoted number differs beyond its noise.
 */
import { parseArgs } from '../lib/args.js';
import { runCli, stderrLog, type Log } from '../lib/cli.js';
import { PARTS, type Part } from '../reproduce/compare.js';
import { reproduce, type Summary } from '../reproduce/run.js';

export async function main(argv: readonly string[], log: Log = stderrLog): Promise<Summary> {
  const args = parseArgs(argv, {
    only: { choices: PARTS },
    data: { default: 'data', expected: 'the folder npm run data writes' },
    out: { default: 'reproduce' },
  });
  const parts: readonly Part[] = args.only ? [args.only] : PARTS;
  return reproduce({ parts, data: args.data, out: args.out, log });
}

await runCli('reproduce', import.meta.url, async (argv, log) => {
  const summary = await main(argv, log);
  // After the summary line is printed: a difference fails the run (CI), the files stay.
  if (summary.differ > 0) process.exitCode = 1;
  return summary;
});
