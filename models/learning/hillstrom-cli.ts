/**
 * `npm run learn -- --hillstrom <csv> --out <effects.json> [--segments models/default-segments.json
 *   | none] [--epsilon 2 | inf] [--outcome visit|conversion|spend] [--split 1] [--rest <csv>]
 *   [--seed 1] [--model models/default.onnx] [--scorer model|fallback] [--profile-terms interest bought recent … | none]`
 *
 * Learns the e-mails' effects from a Hillstrom-format campaign (models/learning/hillstrom.ts).
 * `--split f` learns on a seeded fraction f of the rows and writes the others to `--rest`, so
 * that `npm run eval -- --data <rest> --effects <out>` scores rows the learner never saw.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../../src/decide/random.js';
import { fileFlag, numberFlag, parseArgs, seedFlag } from '../lib/args.js';
import type { Log } from '../lib/cli.js';
import { formatHillstrom, readHillstrom } from '../lib/hillstrom.js';
import { MODELS_DIR } from '../lib/paths.js';
import { shuffle } from '../lib/random.js';
import {
  DEFAULT_SEGMENTS,
  disjointCategoriesWarning,
  epsilonFlag,
  printable,
  resultWarnings,
  PROFILE_TERMS_FLAG,
  profileTermsFlag,
  readSegments,
  scorerOf,
  writeEffects,
} from './io.js';
import { effectsFromCells } from './learn.js';
import {
  HILLSTROM_OFFER_IDS,
  HILLSTROM_OUTCOMES,
  hillstromCells,
  hillstromOffers,
  OUTCOME_REWARD,
} from './hillstrom.js';
import { EFFECTS_PLACEMENTS } from '../../src/learning/effects.js';
import type { EffectsPlacement } from '../../src/learning/types.js';

/** Splits rows by a seeded shuffle: the first `fraction` to learn on, the rest to score. */
export function splitRows<T>(rows: readonly T[], fraction: number, seed: number) {
  const order = shuffle(
    rows.map((_, i) => i),
    seededRandom(seed),
  );
  const cut = Math.round(rows.length * fraction);
  const learn = order.slice(0, cut).sort((a, b) => a - b);
  const rest = order.slice(cut).sort((a, b) => a - b);
  return { learn: learn.map((i) => rows[i]!), rest: rest.map((i) => rows[i]!) };
}

export async function hillstromMain(argv: readonly string[], log: Log) {
  const args = parseArgs(argv, {
    hillstrom: { required: true, expected: 'a Hillstrom-format CSV file' },
    out: { required: true, expected: 'the effects file to write' },
    segments: { default: DEFAULT_SEGMENTS },
    epsilon: { default: '2' },
    outcome: { default: 'visit', choices: HILLSTROM_OUTCOMES },
    split: { default: '1' },
    rest: {},
    seed: { default: '1', integer: true },
    model: { default: `${MODELS_DIR}/default.onnx` },
    scorer: { default: 'model', choices: ['model', 'fallback'] },
    'profile-terms': PROFILE_TERMS_FLAG,
    // A campaign file's customers fall into crisp purchase profiles; scoring each with the group
    // its outcomes were counted in beat blending on held-out splits (docs/learning.md).
    placement: { default: 'nearest', choices: EFFECTS_PLACEMENTS },
  });
  const epsilon = epsilonFlag(args.epsilon);
  const split = numberFlag('split', args.split, { min: 0, max: 1, aboveMin: true });
  if (split < 1 && args.rest === undefined) {
    throw new Error(`--split ${split}: needs --rest <csv> to write the rows it leaves out`);
  }
  const seed = seedFlag(args.seed);
  if (args.rest !== undefined && split < 1) {
    const same = (other: string) => path.resolve(other) === path.resolve(args.rest!);
    if (same(args.hillstrom) || same(args.out)) {
      throw new Error(
        `--rest ${args.rest}: is the ${same(args.out) ? '--out' : '--hillstrom'} file: it would be overwritten; name another file`,
      );
    }
  }
  const all = readHillstrom(fileFlag('hillstrom', args.hillstrom));
  const { learn, rest } = split < 1 ? splitRows(all, split, seed) : { learn: all, rest: [] };
  if (learn.length === 0 || (split < 1 && rest.length === 0)) {
    throw new Error(
      `--split ${split}: of ${all.length} rows leaves ${learn.length} to learn on and ${rest.length} to score: take a split that leaves rows on both sides`,
    );
  }
  if (args.rest !== undefined && split < 1) writeFileSync(args.rest, formatHillstrom(rest));
  const segments = args.segments === 'none' ? undefined : readSegments(args.segments);
  const warning =
    segments &&
    disjointCategoriesWarning(
      'learn',
      args.segments,
      segments,
      Object.keys(HILLSTROM_OFFER_IDS),
      "Hillstrom's",
      "the campaign's buyers",
    );
  if (warning) log(warning);
  log(
    `learn: ${learn.length} of ${all.length} Hillstrom rows${segments ? `, ${segments.centroids.length} groups at ε = ${epsilon}` : ', no groups'}`,
  );
  const cells = hillstromCells(learn, {
    outcome: args.outcome,
    ...(segments ? { segments } : {}),
    epsilon,
    seed,
  });
  const scorer = segments ? await scorerOf(args.scorer, args.model) : undefined;
  try {
    const result = await effectsFromCells(cells, {
      reward: OUTCOME_REWARD[args.outcome],
      ...(segments && scorer ? { segments, offers: hillstromOffers(), score: scorer.score } : {}),
      profileTerms: profileTermsFlag(args['profile-terms']),
      placement: args.placement as EffectsPlacement,
      // A campaign file has no clock: the file is dated now and valid for the default 14 days.
      now: Date.now(),
    });
    for (const warning of resultWarnings(result)) log(warning);
    const text = writeEffects(args.out, result);
    return {
      ...printable(args.out, text, result),
      rows: { learned: learn.length, rest: rest.length },
      ...(args.rest !== undefined && split < 1 ? { rest: args.rest } : {}),
    };
  } finally {
    await scorer?.release();
  }
}
