/**
 * `npm run learn -- --feedback <files…> [--orders <file>] --out <effects.json>
 *   [--segments models/default-segments.json | none] [--catalog <catalog.json>]
 *   [--reward net|click|claim|order|revenue|discount] [--model models/default.onnx]
 *   [--scorer model|fallback] [--model-term yes|no] [--objective uplift|conversion|revenue] [--valid-days 14]
 *   [--temperature-factor 0.1] [--profile-terms interest bought recent … | none] [--now <ISO date-time>]`
 *
 * `npm run learn -- --hillstrom <csv> --out <effects.json> [--segments <file>] [--split 0.7]
 *   [--split-seed 1] [--epsilon 2] [--outcome visit|conversion|spend]`
 *
 * Learns the value of every offer per shopper group from logged decisions
 * (models/learning/learn.ts) — the collector's files, or a Hillstrom-format file as a logged
 * campaign (models/learning/hillstrom.ts) — and writes the effects file the catalog names.
 */
import type { Offer } from '../../src/decide/types.js';
import { DEFAULT_VALUE } from '../../src/decide/value.js';
import { EFFECT_REWARDS, EFFECTS_PLACEMENTS, MAX_VALID_DAYS } from '../../src/learning/effects.js';
import type { EffectsPlacement } from '../../src/learning/types.js';
import { loadCatalog } from '../campaign/world.js';
import { jsonFlag, numberFlag, parseArgs, timeFlag } from '../lib/args.js';
import { runCli, stderrLog, type Log } from '../lib/cli.js';
import { MODELS_DIR } from '../lib/paths.js';
import {
  DEFAULT_SEGMENTS,
  printable,
  resultWarnings,
  PROFILE_TERMS_FLAG,
  profileTermsFlag,
  readSegments,
  scorerOf,
  writeEffects,
} from '../learning/io.js';
import { learnFromLogs } from '../learning/learn.js';

export async function main(argv: readonly string[], log: Log = stderrLog) {
  if (argv.includes('--hillstrom')) {
    const { hillstromMain } = await import('../learning/hillstrom-cli.js');
    return hillstromMain(argv, log);
  }
  const args = parseArgs(argv, {
    feedback: {
      required: true,
      list: true,
      expected: 'JSONL or Parquet files of feedback (or --hillstrom <csv>: a campaign file)',
    },
    orders: {},
    out: { required: true, expected: 'the effects file to write' },
    segments: { default: DEFAULT_SEGMENTS },
    catalog: {},
    reward: { default: 'net', choices: EFFECT_REWARDS },
    model: { default: `${MODELS_DIR}/default.onnx` },
    scorer: { default: 'model', choices: ['model', 'fallback'] },
    'model-term': { default: 'no', choices: ['yes', 'no'] },
    objective: { default: 'uplift', choices: ['uplift', 'conversion', 'revenue'] },
    'valid-days': { default: '14' },
    'temperature-factor': { default: '0.1' },
    placement: { default: 'blend', choices: EFFECTS_PLACEMENTS },
    'profile-terms': PROFILE_TERMS_FLAG,
    now: {},
    // Taken above, before this parse (its own flags: models/learning/hillstrom-cli.ts); listed so
    // that a mistyped flag's error names it among the choices.
    hillstrom: {},
  });
  const validDays = numberFlag('valid-days', args['valid-days'], {
    min: 0,
    max: MAX_VALID_DAYS,
    aboveMin: true,
  });
  const temperatureFactor = numberFlag('temperature-factor', args['temperature-factor'], {
    min: 0,
    max: 100,
    aboveMin: true,
  });
  const now = args.now === undefined ? Date.now() : timeFlag('now', args.now);
  const segments = args.segments === 'none' ? undefined : readSegments(args.segments);
  let offers: Offer[] | undefined;
  if (args.catalog !== undefined) {
    offers = jsonFlag('catalog', args.catalog, (json) => loadCatalog(json).offers);
  }
  const scorer =
    offers && segments && args['model-term'] === 'yes'
      ? await scorerOf(args.scorer, args.model)
      : undefined;
  try {
    const result = await learnFromLogs(
      { feedback: args.feedback, orders: args.orders },
      {
        reward: args.reward,
        ...(segments ? { segments } : {}),
        ...(offers ? { offers } : {}),
        ...(scorer ? { score: scorer.score } : {}),
        value: { ...DEFAULT_VALUE, objective: args.objective },
        profileTerms: profileTermsFlag(args['profile-terms']),
        now,
        validDays,
        temperatureFactor,
        placement: args.placement as EffectsPlacement,
      },
    );
    for (const warning of resultWarnings(result)) log(warning);
    if (!segments) log('learn: no segments (--segments none): offer effects only');
    else if (result.summary.decisions.withGroup === 0) {
      log(
        `learn: no decision reports a group of ${args.segments} (${segments.sha256.slice(0, 12)}): offer effects only`,
      );
    }
    if (segments && !offers) {
      const orderReward = args.reward !== 'click' && args.reward !== 'claim';
      log(
        `learn: no --catalog: no model predictions or profile terms at the groups (model.beta, profile absent)${orderReward ? `, and no surrogate index: --reward ${args.reward} is learned from its own cells, noisier than through the claims` : ''}`,
      );
    }
    const text = writeEffects(args.out, result);
    return printable(args.out, text, result);
  } finally {
    await scorer?.release();
  }
}

await runCli('learn', import.meta.url, main);
