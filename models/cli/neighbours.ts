/**
 * `npm run neighbours -- --data <session tsv> --out <file> [--k 20] [--half-life-days 7]
 *   [--window 10] [--decay quadratic] [--backward 0.5] [--cooccurrence 0.2]
 *   [--popularity-exponent 0] [--repeat-weight 8] [--repeat-items 10]`
 *
 * Item-to-item neighbours and repeat scores from session logs (models/recs/neighbours.ts), written
 * to `--out` for the catalog's `items` and `recommendations`; prints the counts, the repeat scores
 * and the file's size.
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from '../lib/args.js';
import { runCli, stderrLog, type Log } from '../lib/cli.js';
import { buildNeighbours, NEIGHBOUR_FLAGS, neighbourOptions } from '../recs/neighbours.js';
import { readSessions } from '../recs/sessions.js';

export function main(argv: readonly string[], log: Log = stderrLog) {
  const args = parseArgs(argv, {
    data: { required: true, expected: 'a session TSV file (SessionId, ItemId, Time)' },
    out: { required: true, expected: 'the JSON file to write' },
    ...NEIGHBOUR_FLAGS,
  });
  const options = neighbourOptions(args);
  const read = readSessions(args.data);
  for (const p of read.problems) log(`skipped: ${p}`);
  const artifact = buildNeighbours(read.sessions, options);
  const json = JSON.stringify(artifact);
  writeFileSync(args.out, json);
  const count = Object.keys(artifact.items).length;
  const bytes = Buffer.byteLength(json);
  return {
    data: basename(args.data),
    out: args.out,
    sessions: read.sessions.length,
    clicks: read.clicks,
    skipped_rows: read.skipped,
    items: count,
    bytes,
    bytes_per_1000_items: Math.round((bytes / Math.max(1, count)) * 1000),
    repeat: artifact.recommendations.repeat,
    ...options,
  };
}

await runCli('neighbours', import.meta.url, main);
