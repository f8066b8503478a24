/**
 * `npm run eval:recs -- --data <session tsv> [--train <session tsv>] [--test-days 1] [--tune yes]
 *   [neighbour flags of npm run neighbours] [--recency-decay 0.3] [--popularity-weight 0.01]
 *   [--category-weight 0.05] [--content-weight 0.05]`
 *
 * Next-item evaluation of the on-device recommendations (models/recs/evaluation.ts): neighbours
 * from `--train`, or from the sessions of `--data` that end before its last `--test-days` days;
 * the other sessions are the test set. `--tune yes` first picks the settings by a grid search
 * (models/recs/tune.ts) on a validation split of the training sessions (their last
 * `--test-days` days), then scores the test set with the winner.
 */
import { basename } from 'node:path';
import { numberFlag, parseArgs } from '../lib/args.js';
import { runCli, stderrLog, type Log } from '../lib/cli.js';
import { DEFAULT_RECOMMEND_OPTIONS, type RecommendOptions } from '../../src/recommend/recommend.js';
import { evaluateRecs, type RecsSettings } from '../recs/evaluation.js';
import { NEIGHBOUR_FLAGS, neighbourOptions } from '../recs/neighbours.js';
import { readSessions, timeSplit, type Session } from '../recs/sessions.js';
import { tune } from '../recs/tune.js';

/** The browser's ranking weights the evaluation can change. */
const RANKING_FLAGS = {
  'recency-decay': ['recencyDecay', 1],
  'popularity-weight': ['popularityWeight', 100],
  'category-weight': ['categoryWeight', 100],
  'content-weight': ['contentWeight', 100],
} as const;

export function main(argv: readonly string[], log: Log = stderrLog) {
  const args = parseArgs(argv, {
    data: { required: true, expected: 'a session TSV file (SessionId, ItemId, Time)' },
    train: {},
    'test-days': { default: '1' },
    tune: { choices: ['yes', 'no'], default: 'no' },
    ...NEIGHBOUR_FLAGS,
    'recency-decay': {},
    'popularity-weight': {},
    'category-weight': {},
    'content-weight': {},
  });
  const testDays = numberFlag('test-days', args['test-days'], { min: 0, max: 365, aboveMin: true });
  const recommend: RecommendOptions = { ...DEFAULT_RECOMMEND_OPTIONS };
  for (const [flag, [key, max]] of Object.entries(RANKING_FLAGS)) {
    const value = args[flag as keyof typeof RANKING_FLAGS];
    if (value !== undefined) recommend[key] = numberFlag(flag, value, { min: 0, max });
  }
  let settings: RecsSettings = { neighbours: neighbourOptions(args), recommend };
  const data = readSessions(args.data);
  let train: Session[];
  let test: Session[];
  let split: string;
  const skipped = [...data.problems];
  let skippedRows = data.skipped;
  if (args.train !== undefined) {
    const trainLog = readSessions(args.train);
    skipped.push(...trainLog.problems);
    skippedRows += trainLog.skipped;
    train = trainLog.sessions;
    test = data.sessions;
    split = `train: ${basename(args.train)}, test: ${basename(args.data)}`;
  } else {
    const parts = timeSplit(data.sessions, testDays);
    train = parts.train;
    test = parts.test;
    split = `time split of ${basename(args.data)}: test = sessions from ${new Date(parts.splitAt).toISOString()} (last ${testDays} day(s))`;
  }
  for (const p of skipped) log(`skipped: ${p}`);
  let tuning: ReturnType<typeof tune> | undefined;
  if (args.tune === 'yes') {
    const parts = timeSplit(train, testDays);
    log(
      `tune: ${parts.train.length} sessions train, ${parts.test.length} validate (from ${new Date(parts.splitAt).toISOString()}); the test set is not used`,
    );
    tuning = tune(parts.train, parts.test, settings, log);
    settings = { neighbours: tuning.winner.neighbours, recommend: tuning.winner.recommend };
  }
  const result = evaluateRecs(train, test, settings);
  const { messages: _messages, ...ranking } = settings.recommend;
  return {
    split,
    skipped_rows: skippedRows,
    ...result,
    neighbours: settings.neighbours,
    ranking,
    ...(tuning ? { tuning: { ...tuning, winner: { ...tuning.winner, recommend: ranking } } } : {}),
  };
}

await runCli('eval:recs', import.meta.url, main);
