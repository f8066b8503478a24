/**
 * The public data sets behind the shipped models: where each comes from, and the recorded cut
 * (id lists + the SHA-256 of the training file it must give) kept beside this file.
 *
 * The sources' own SHA-256 are null: they were not downloadable where the cuts were recorded (no
 * internet). The files' structure is checked instead (Hillstrom: header and 64,000 rows;
 * YOOCHOOSE: the archive lists yoochoose-clicks.dat, which has ≥ 100,000 well-formed clicks), and
 * the training file made from them must match its recorded SHA-256 byte for byte. `npm run data`
 * prints each source's SHA-256, to be recorded here once a download has been seen to give the
 * right training file.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HillstromCut } from './hillstrom.js';
import type { YoochooseCut } from './yoochoose.js';

export const DATA_DIR = dirname(fileURLToPath(import.meta.url));

export const HILLSTROM_IDS_FILE = join(DATA_DIR, 'hillstrom-train.ids.json');
export const YOOCHOOSE_IDS_FILE = join(DATA_DIR, 'yoochoose-clicks-train.ids.json');

export interface SourceSpec {
  url: string;
  /** The file's name as published (also what `--from` looks for). */
  file: string;
  sha256: string | null;
}

export const HILLSTROM_SOURCE: SourceSpec = {
  url: 'http://www.minethatdata.com/Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv',
  file: 'Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv',
  sha256: null,
};

export const YOOCHOOSE_SOURCE: SourceSpec = {
  url: 'https://s3-eu-west-1.amazonaws.com/yc-rdata/yoochoose-data.7z',
  file: 'yoochoose-data.7z',
  sha256: null,
};

export function readHillstromCut(path = HILLSTROM_IDS_FILE): HillstromCut {
  return JSON.parse(readFileSync(path, 'utf8')) as HillstromCut;
}

export function readYoochooseCut(path = YOOCHOOSE_IDS_FILE): YoochooseCut {
  return JSON.parse(readFileSync(path, 'utf8')) as YoochooseCut;
}
