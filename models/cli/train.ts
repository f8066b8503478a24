/**
 * `npm run train -- --data <hillstrom csv> --out models/default [--outcome visit|conversion]
 *   [--seed 1] [--folds 5] [--fallback-ts <file>]`
 * `npm run train -- --data <hillstrom csv> --study yes`: the men's-arm study instead (per-arm fits,
 *   class transformation, X-learner against the baseline on the same folds; writes nothing).
 *
 * Fits the offer model (models/uplift/training.ts) and writes `<out>.onnx`, `<out>.json` and
 * `REPORT.md` beside them; for the default model also the SDK's built-in fallback scorer
 * (`src/predictor/default-fallback.ts`), unless `--fallback-ts` names another file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from '../lib/args.js';
import { runCli, stderrLog, type Log } from '../lib/cli.js';
import { MODELS_DIR } from '../lib/paths.js';
import { parseHillstromFile } from '../lib/hillstrom.js';
import { fallbackModule } from '../uplift/fallback-module.js';
import { meanAndSd } from '../lib/stats.js';
import { compareUpliftMethods, studyTable } from '../uplift/meta-learners.js';
import { renderModelReport } from '../uplift/model-report.js';
import { train, type TrainOptions } from '../uplift/training.js';

/** The shipped model's path without extension: where the build and the package look for it. */
export const DEFAULT_OUT = join(MODELS_DIR, 'default');
export const DEFAULT_FALLBACK_TS = join(MODELS_DIR, '../src/predictor/default-fallback.ts');

export function main(argv: readonly string[], log: Log = stderrLog) {
  const args = parseArgs(argv, {
    data: { required: true, expected: 'a Hillstrom-format CSV file' },
    out: { default: DEFAULT_OUT },
    outcome: { default: 'visit', choices: ['visit', 'conversion'] },
    seed: { default: '1', integer: true },
    folds: { default: '5', integer: true },
    'fallback-ts': {},
    study: { default: 'no', choices: ['yes', 'no'] },
  });
  const text = readFileSync(args.data, 'utf8');
  if (args.study === 'yes') return study(text, args, log);
  const options: TrainOptions = {
    outcome: args.outcome,
    seed: Number(args.seed),
    folds: Number(args.folds),
  };
  const started = Date.now();
  const result = train(text, basename(args.data), options, log);
  mkdirSync(dirname(args.out), { recursive: true });
  const onnxPath = `${args.out}.onnx`;
  writeFileSync(onnxPath, result.onnx);
  writeFileSync(`${args.out}.json`, `${JSON.stringify(result.metadata, null, 2)}\n`);
  // The SDK's built-in fallback follows the default model only, unless a path is given.
  const fallbackPath =
    args['fallback-ts'] ??
    (resolve(args.out) === resolve(DEFAULT_OUT) ? DEFAULT_FALLBACK_TS : undefined);
  if (fallbackPath)
    writeFileSync(fallbackPath, fallbackModule(result.metadata, basename(args.data), result.onnx));
  writeFileSync(
    join(dirname(args.out), 'REPORT.md'),
    renderModelReport(result, options, relative(dirname(args.out), onnxPath), basename(args.data)),
  );
  const m = result.metadata as { family: string; modelBytes: number; modelSha256: string };
  log(
    `wrote ${onnxPath} (${m.modelBytes} bytes, sha256 ${m.modelSha256}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    model: onnxPath,
    family: m.family,
    bytes: m.modelBytes,
    sha256: m.modelSha256,
    cv: result.results.map((r) => ({ family: r.family, selectionScore: r.selectionScore })),
  };
}

/** The study's table on stderr (Markdown) and per method the mean and fold sd of each Qini. */
function study(
  text: string,
  args: { data: string; outcome: string; seed: string; folds: string },
  log: Log,
) {
  const options = {
    outcome: args.outcome as TrainOptions['outcome'],
    seed: Number(args.seed),
    folds: Number(args.folds),
  };
  const results = compareUpliftMethods(
    parseHillstromFile(text, args.data),
    options,
    undefined,
    log,
  );
  log(studyTable(results));
  return {
    study: results.map((r) => ({
      method: r.method,
      ...Object.fromEntries(
        (['womens', 'mens', 'any'] as const).map((arm) => [
          arm,
          meanAndSd(r.folds.map((f) => f[arm])),
        ]),
      ),
    })),
  };
}

await runCli('train', import.meta.url, main);
