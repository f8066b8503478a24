/**
 * `npx tsx models/cli/ope-coverage.ts [--seeds 100] [--shoppers 1000] [--days 7] [--bootstrap 500]
 *   [--offers standard|wide] [--data ../shared/data/hillstrom-train.csv, else data/…]`
 *
 * Validation of off-policy evaluation against the simulator (models/campaign/ope-coverage.ts).
 * Prints a markdown table: coverage, mean interval width and mean signed error (bias) per policy,
 * reward, source and estimator; the last line is one JSON object with the same numbers.
 */
import { opeCoverage, coverageTable } from '../campaign/ope-coverage.js';
import { fileFlag, parseArgs } from '../lib/args.js';
import { DATA_HINT, realDataFile } from '../lib/paths.js';
import { runCli } from '../lib/cli.js';
import { readHillstrom } from '../lib/hillstrom.js';

export async function main(argv: readonly string[]) {
  const args = parseArgs(argv, {
    seeds: { default: '100', integer: true },
    shoppers: { default: '1000', integer: true },
    days: { default: '7', integer: true },
    bootstrap: { default: '500', integer: true },
    offers: { default: 'standard', choices: ['standard', 'wide'] },
    data: { default: realDataFile('hillstrom-train.csv') },
  });
  const options = {
    seeds: Number(args.seeds),
    shoppers: Number(args.shoppers),
    days: Number(args.days),
    bootstrap: Number(args.bootstrap),
    offers: args.offers,
  };
  const started = performance.now();
  const result = await opeCoverage(
    readHillstrom(fileFlag('data', args.data, DATA_HINT)),
    options,
    (seed) => process.stderr.write(`\rope-coverage: seed ${seed}/${options.seeds}`),
  );
  process.stderr.write('\n');
  console.log(
    `${options.seeds} seeds × ${options.shoppers} shoppers × ${options.days} days, ${options.offers} catalog (${result.decisionsPerRun} personalized decisions per run on average), bootstrap ${options.bootstrap}\n`,
  );
  console.log(coverageTable(result.rows));
  return {
    ...options,
    seconds: Math.round((performance.now() - started) / 1000),
    table: result.rows,
  };
}

await runCli('ope-coverage', import.meta.url, main);
