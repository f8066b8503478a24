/**
 * `npm run data [-- --from <dir>] [--only hillstrom|yoochoose] [--out data]`
 *
 * Fetches the public data sets (Hillstrom's MineThatData e-mail CSV, YOOCHOOSE's clicks) into
 * `<out>/sources/`, cuts out the rows the shipped models were trained on (the id lists in
 * models/data/), and writes `<out>/hillstrom-train.csv` and `<out>/yoochoose-clicks-train.tsv`
 * only when each matches its recorded SHA-256. `--from <dir>` takes local copies instead: the
 * originals (cut), or the training files themselves (checked and copied). Progress goes to stderr
 * (a bar on a terminal); the last stdout line is one JSON object of what was written.
 */
import { resolve } from 'node:path';
import { parseArgs } from '../lib/args.js';
import { runCli, stderrLog, type Log } from '../lib/cli.js';
import { DATA_SETS, fetchData } from '../data/fetch-data.js';
import { createProgress, type Progress } from '../data/progress.js';

export async function main(
  argv: readonly string[],
  log: Log = stderrLog,
  progress: Progress = createProgress({
    tty: process.stderr.isTTY === true,
    write: (text) => process.stderr.write(text),
    log,
  }),
) {
  const args = parseArgs(argv, {
    from: { expected: 'a folder holding the originals or the training files' },
    only: { choices: DATA_SETS },
    out: { default: 'data' },
  });
  const files = await fetchData({
    out: args.out,
    from: args.from === undefined ? undefined : resolve(args.from),
    only: args.only,
    log,
    progress,
  });
  return { out: args.out, files };
}

await runCli('data', import.meta.url, main);
