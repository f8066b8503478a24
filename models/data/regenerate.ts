/**
 * `npx tsx models/data/regenerate.ts [--shared ../shared/data]`
 *
 * Rebuilds the recorded cuts (models/data/*.ids.json) from the training files themselves: the
 * Hillstrom `row_id`s, YOOCHOOSE's sessions, items and time window, and each file's SHA-256. Run it
 * when the training files change; shared-data.test.ts checks that the committed lists still match.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../lib/args.js';
import { runCli } from '../lib/cli.js';
import { SHARED_DATA_DIR } from '../lib/paths.js';
import { HILLSTROM_IDS_FILE, YOOCHOOSE_IDS_FILE } from './datasets.js';
import { sha256Of } from './download.js';
import { describeHillstrom, type HillstromCut } from './hillstrom.js';
import { describeYoochoose, type YoochooseCut } from './yoochoose.js';

export const HILLSTROM_TRAIN = 'hillstrom-train.csv';
export const YOOCHOOSE_TRAIN = 'yoochoose-clicks-train.tsv';

export function hillstromCutOf(sharedDir: string): HillstromCut {
  const bytes = readFileSync(join(sharedDir, HILLSTROM_TRAIN));
  return describeHillstrom(bytes.toString('utf8'), HILLSTROM_TRAIN, sha256Of(bytes));
}

export function yoochooseCutOf(sharedDir: string): YoochooseCut {
  const bytes = readFileSync(join(sharedDir, YOOCHOOSE_TRAIN));
  return describeYoochoose(bytes.toString('utf8'), YOOCHOOSE_TRAIN, sha256Of(bytes));
}

/** The JSON text of a recorded cut, as committed. */
export const cutJson = (cut: HillstromCut | YoochooseCut) => `${JSON.stringify(cut, null, 2)}\n`;

export function main(argv: readonly string[]) {
  const args = parseArgs(argv, { shared: { default: SHARED_DATA_DIR } });
  const hillstrom = hillstromCutOf(args.shared);
  const yoochoose = yoochooseCutOf(args.shared);
  writeFileSync(HILLSTROM_IDS_FILE, cutJson(hillstrom));
  writeFileSync(YOOCHOOSE_IDS_FILE, cutJson(yoochoose));
  return {
    hillstrom: {
      file: HILLSTROM_IDS_FILE,
      rows: hillstrom.rows,
      encoding: hillstrom.rowIds.encoding,
    },
    yoochoose: {
      file: YOOCHOOSE_IDS_FILE,
      rows: yoochoose.rows,
      sessions: yoochoose.sessions.count,
      items: yoochoose.items.count,
    },
  };
}

await runCli('regenerate', import.meta.url, main);
