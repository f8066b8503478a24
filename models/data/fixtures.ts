/**
 * Small hand-made data for the tests of models/data/: fake originals and the training files their
 * cuts must give, worked out by hand (see the comments on the lines that are dropped or rewritten).
 */
import { encodeIds } from './ids.js';
import type { HillstromCut } from './hillstrom.js';
import type { YoochooseCut } from './yoochoose.js';

export const HILLSTROM_HEADER =
  'recency,history_segment,history,mens,womens,zip_code,newbie,channel,segment,visit,conversion,spend';

// Spelled as the original might be: CRLF, "809.70", "0.00", quotes only where a comma is.
export const FAKE_ORIGINAL = [
  HILLSTROM_HEADER,
  '10,2) $100 - $200,142.44,1,0,Surburban,0,Phone,Womens E-Mail,0,0,0',
  '6,3) $200 - $350,329.08,1,1,Rural,1,Web,No E-Mail,0,0,0',
  '2,"6) $750 - $1,000",809.70,1,0,Urban,1,Phone,Mens E-Mail,1,1,29.990',
  '7,1) $0 - $100,29.99,0,1,Urban,1,Web,No E-Mail,0,0,0.00',
  '1,"7) $1,000 +",1205.00,1,1,Rural,0,Multichannel,Mens E-Mail,1,0,0',
]
  .map((line) => `${line}\r\n`)
  .join('');

export const FAKE_TRAINING = [
  `row_id,${HILLSTROM_HEADER}`,
  '1,6,3) $200 - $350,329.08,1,1,Rural,1,Web,No E-Mail,0,0,0',
  '2,2,"6) $750 - $1,000",809.7,1,0,Urban,1,Phone,Mens E-Mail,1,1,29.99',
  '4,1,"7) $1,000 +",1205,1,1,Rural,0,Multichannel,Mens E-Mail,1,0,0',
  '',
].join('\n');

export function fakeHillstromCut(sha256 = 'not checked here'): HillstromCut {
  return {
    file: 'hillstrom-train.csv',
    sha256,
    bytes: Buffer.byteLength(FAKE_TRAINING),
    rows: 3,
    sourceRows: 5,
    rowIds: encodeIds([1, 2, 4]),
  };
}

// Sessions 3, 7, 9 and items 100, 200, 300 kept; the tenth click is past `sourceClicks`.
export const FAKE_CLICKS = [
  '1,2014-04-07T10:51:09.277Z,100,0', // session not kept
  '3,2014-04-02T13:17:46.940Z,100,0',
  '3,2014-04-02T13:26:02.515Z,999,0', // item not kept
  '3,2014-04-02T13:30:12.000Z,200,0',
  '7,2014-04-02T06:38:53.100Z,300,S',
  '7,2014-04-02T06:39:05.010Z,100,0',
  '9,2014-04-09T00:00:00.000Z,200,0', // after the window
  '9,2014-04-02T08:00:00.001Z,200,0',
  '9,2014-04-02T08:00:01.001Z,300,0',
  '3,2014-04-02T14:00:00.000Z,100,0', // beyond the first 9 clicks
  '',
].join('\n');

// Time = the ISO instant − 7,200 s: 13:17:46.940Z → 11:17:46.940 UTC = 1396437466.94.
export const FAKE_CLICKS_TRAINING = [
  'SessionId\tItemId\tTime',
  '3\t100\t1396437466.94',
  '3\t200\t1396438212.0',
  '7\t300\t1396413533.1',
  '7\t100\t1396413545.01',
  '9\t200\t1396418400.001',
  '9\t300\t1396418401.001',
  '',
].join('\n');

export function fakeYoochooseCut(sha256 = 'not checked here'): YoochooseCut {
  return {
    file: 'yoochoose-clicks-train.tsv',
    sha256,
    bytes: Buffer.byteLength(FAKE_CLICKS_TRAINING),
    rows: 6,
    sourceClicks: 9,
    timeOffsetSeconds: -7200,
    window: { from: 1_396_400_000_000, to: 1_396_500_000_000 },
    sessions: encodeIds([3, 7, 9]),
    items: encodeIds([100, 200, 300]),
  };
}
