/**
 * `npm run eval:recs -- --data <session tsv> [--train <session tsv>] [--test-days 1]
 *   [neighbour flags of npm run neighbours]`
 *
 * Next-item evaluation of the on-device recommendations (models/recs/evaluation.ts): neighbours
 * from `--train`, or from the sessions of `--data` that end before its last `--test-days` days;
 * the other sessions are the test set.
 */
import { basename } from 'node:path';
import { numberFlag, parseArgs } from '../lib/args.js';
import { runCli, stderrLog, type Log } from '../lib/cli.js';
import { evaluateRecs } from '../recs/evaluation.js';
import { NEIGHBOUR_FLAGS, neighbourOptions } from '../recs/neighbours.js';
import { readSessions, timeSplit, type Session } from '../recs/sessions.js';

export function main(argv: readonly string[], log: Log = stderrLog) {
  const args = parseArgs(argv, {
    data: { required: true, expected: 'a session TSV file (SessionId, ItemId, Time)' },
    train: {},
    'test-days': { default: '1' },
    ...NEIGHBOUR_FLAGS,
  });
  const testDays = numberFlag('test-days', args['test-days'], { min: 0, max: 365, aboveMin: true });
  const options = neighbourOptions(args);
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
  const result = evaluateRecs(train, test, options);
  return { split, skipped_rows: skippedRows, ...result, neighbours: options };
}

await runCli('eval:recs', import.meta.url, main);
