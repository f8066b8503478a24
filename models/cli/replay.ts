/**
 * `npm run replay -- --data <hillstrom csv> [--folds 5] [--seed 1] [--share 0.3] [--family <the shipped one>]
 *   [--segments models/default-segments.json | none] [--epsilon 2 | inf]
 *   [--profile-terms interest bought recent … | none] [--bootstrap 200]`
 *
 * Offline replay of targeting policies on randomised campaign data (models/uplift/replay.ts):
 * prints incremental visits per 1,000 shoppers over sending nothing, per policy; with segments
 * (the default), also the `learned` policy: effects learned per fold on the training folds
 * (`npm run learn -- --hillstrom`), groups reported through k-RR at `--epsilon`. Every value has
 * its standard error (`se`), and `differences` pairs the learned policy (the model's without
 * segments) with each other policy shopper by shopper: the difference and its standard error.
 * `--bootstrap n` repeats the whole replay on n resamples of the shoppers (models refitted, effects
 * relearned) and adds `bootstrap`: every value's and difference's full standard error and 95% range.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { OfferwiseError } from '../../src/util/errors.js';
import { numberFlag, parseArgs, seedFlag } from '../lib/args.js';
import { runCli, type Log } from '../lib/cli.js';
import { readHillstrom } from '../lib/hillstrom.js';
import {
  DEFAULT_SEGMENTS,
  epsilonFlag,
  PROFILE_TERMS_FLAG,
  profileTermsFlag,
  readSegments,
} from '../learning/io.js';
import { bootstrapReplay, replay } from '../uplift/replay.js';
import { FAMILIES, type Family } from '../uplift/training.js';
import { MODELS_DIR } from '../lib/paths.js';
import { EFFECTS_PLACEMENTS } from '../../src/learning/effects.js';
import type { EffectsPlacement } from '../../src/learning/types.js';

/** Each fold refits the model; the folds' ids are bytes (`stratifiedFolds`), so 256 at most. */
const MAX_FOLDS = 100;

/** The family of the shipped model: what "uplift (the model)" replays by default. */
function shippedFamily(): string {
  const metadata = JSON.parse(readFileSync(join(MODELS_DIR, 'default.json'), 'utf8')) as {
    family: string;
  };
  return metadata.family;
}

export async function main(argv: readonly string[], log: Log = () => {}) {
  const args = parseArgs(argv, {
    data: { required: true, expected: 'a Hillstrom-format CSV file' },
    folds: { default: '5', integer: true },
    seed: { default: '1', integer: true },
    share: { default: '0.3' },
    segments: { default: DEFAULT_SEGMENTS },
    epsilon: { default: '2' },
    'profile-terms': PROFILE_TERMS_FLAG,
    placement: { default: 'nearest', choices: EFFECTS_PLACEMENTS },
    family: { default: shippedFamily(), choices: [...FAMILIES] },
    bootstrap: { default: '0', integer: true },
  });
  const runs = numberFlag('bootstrap', args.bootstrap, { min: 0, max: 10_000 });
  if (runs === 1) {
    throw new Error('--bootstrap: got 1, expected 0 (no bootstrap) or at least 2 runs (a spread)');
  }
  const folds = numberFlag('folds', args.folds, { min: 2, max: MAX_FOLDS, integer: true });
  const seed = seedFlag(args.seed);
  const epsilon = epsilonFlag(args.epsilon);
  const segments = args.segments === 'none' ? undefined : readSegments(args.segments);
  const share = numberFlag('share', args.share, { min: 0, max: 1, aboveMin: true });
  const rows = readHillstrom(args.data);
  if (rows.length === 0) {
    throw new OfferwiseError(
      'invalid_input',
      `--data ${args.data}: got a header and no rows, expected at least ${folds} shoppers (one per fold)`,
      { field: '--data', value: args.data, expected: `at least ${folds} rows` },
    );
  }
  if (folds > rows.length) {
    // A fold with no shopper would have nothing to hold out.
    throw new OfferwiseError(
      'invalid_input',
      `--folds: got ${JSON.stringify(args.folds)}, expected at most ${rows.length} (the rows of ${args.data}: one or more per fold)`,
      { field: '--folds', value: folds, expected: `at most ${rows.length}` },
    );
  }
  const options = {
    folds,
    seed,
    share,
    family: args.family as Family,
    ...(segments
      ? {
          learned: {
            segments,
            epsilon,
            profileTerms: profileTermsFlag(args['profile-terms']),
            placement: args.placement as EffectsPlacement,
          },
        }
      : {}),
  };
  const result = await replay(rows, options);
  const bootstrap =
    runs > 0
      ? await bootstrapReplay(rows, {
          ...options,
          runs,
          progress: (run) => {
            if (run % 10 === 0 || run === runs) log(`replay: bootstrap ${run} of ${runs}`);
          },
        })
      : undefined;
  return {
    data: basename(args.data),
    rows: rows.length,
    share,
    family: args.family,
    incrementalVisitsPer1000: result.rows,
    differences: result.differences,
    ...(bootstrap ? { bootstrap } : {}),
  };
}

await runCli('replay', import.meta.url, main);
