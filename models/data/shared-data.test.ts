// The recorded cuts against the real training files in ../shared/data (skipped, with a message,
// where they are absent): the committed id lists are the ones the files give, and the cuts
// rebuild the files byte for byte from an original reconstructed around them.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/data.js';
import { SHARED_DATA_DIR } from '../lib/paths.js';
import { readHillstromCut, readYoochooseCut } from './datasets.js';
import { sha256Of } from './download.js';
import { cutHillstrom, HILLSTROM_COLUMNS, parseCsv } from './hillstrom.js';
import { decodeIds } from './ids.js';
import { createProgress } from './progress.js';
import { hillstromCutOf, HILLSTROM_TRAIN, YOOCHOOSE_TRAIN, yoochooseCutOf } from './regenerate.js';
import { cutYoochoose, parseTime } from './yoochoose.js';

const present =
  existsSync(join(SHARED_DATA_DIR, HILLSTROM_TRAIN)) &&
  existsSync(join(SHARED_DATA_DIR, YOOCHOOSE_TRAIN));
if (!present)
  console.warn(
    `skipped the checks against the real training files: ${SHARED_DATA_DIR}/{${HILLSTROM_TRAIN},${YOOCHOOSE_TRAIN}} not found`,
  );

// Whole real files: seconds on a busy 2-core machine, well under one when it is idle.
describe.skipIf(!present)(
  'the recorded cuts and the real training files',
  { timeout: 60_000 },
  () => {
    it('the committed id lists are the ones the training files give', () => {
      expect(hillstromCutOf(SHARED_DATA_DIR)).toEqual(readHillstromCut());
      expect(yoochooseCutOf(SHARED_DATA_DIR)).toEqual(readYoochooseCut());
    });

    it('the Hillstrom cut rebuilds the training file from a 64,000-row original', () => {
      const training = readFileSync(join(SHARED_DATA_DIR, HILLSTROM_TRAIN), 'utf8');
      const byId = new Map<number, string[]>();
      for (const { fields } of parseCsv(training, HILLSTROM_TRAIN).slice(1))
        byId.set(Number(fields[0]), fields.slice(1));
      // The rows held back are not known: any row stands in for them. Numbers get two decimals and
      // lines CRLF, as a spreadsheet export might write them.
      const filler = [
        '1',
        '1) $0 - $100',
        '1.00',
        '0',
        '0',
        'Urban',
        '0',
        'Web',
        'No E-Mail',
        '0',
        '0',
        '0',
      ];
      const quote = (v: string) => (v.includes(',') ? `"${v}"` : v);
      const lines = [HILLSTROM_COLUMNS.join(',')];
      for (let id = 0; id < 64_000; id++) {
        const fields = byId.get(id) ?? filler;
        lines.push(
          fields
            .map((v, c) => quote(c === 2 && v.includes('.') ? Number(v).toFixed(2) : v))
            .join(','),
        );
      }
      const original = `${lines.join('\r\n')}\r\n`;
      expect(original).toContain('\r\n6,3) $200 - $350,329.08,1,1,Rural,1,Web,No E-Mail,0,0,0\r\n');
      const cut = readHillstromCut();
      const text = cutHillstrom(original, cut, 'reconstructed');
      expect(sha256Of(text)).toBe(cut.sha256);
      expect(text).toBe(training);
    });

    it('the YOOCHOOSE cut rebuilds the training file from a reconstructed yoochoose-clicks.dat', async () => {
      const training = readFileSync(join(SHARED_DATA_DIR, YOOCHOOSE_TRAIN), 'utf8');
      const cut = readYoochooseCut();
      const sessions = new Set(decodeIds(cut.sessions));
      const stranger = [...Array(100).keys()].find((id) => !sessions.has(id))!;
      const iso = (time: string) =>
        new Date(parseTime(time)! - cut.timeOffsetSeconds * 1000).toISOString();
      const lines: string[] = [];
      const rows = training.split('\n').slice(1, -1);
      rows.forEach((row, i) => {
        const [session, item, time] = row.split('\t') as [string, string, string];
        lines.push(`${session},${iso(time)},${item},0`);
        // What the cut must leave out: clicks on items not kept, sessions not kept.
        if (i % 7 === 0) lines.push(`${session},${iso(time)},1,0`);
        if (i % 11 === 0) lines.push(`${stranger},${iso(time)},${item},0`);
      });
      while (lines.length < cut.sourceClicks)
        lines.push(`${stranger},2014-04-03T10:00:00.000Z,1,0`);
      // A listed session's click past the first 100,000: outside the cut.
      const [session, item, time] = rows[0]!.split('\t') as [string, string, string];
      lines.push(`${session},${iso(time)},${item},0`);
      expect(lines[0]).toBe('3,2014-04-02T13:17:46.940Z,214716935,0');

      async function* source() {
        yield* lines;
      }
      const { text, clicksRead } = await cutYoochoose(source(), cut, 'reconstructed');
      expect(clicksRead).toBe(100_000);
      expect(sha256Of(text)).toBe(cut.sha256);
      expect(text).toBe(training);
    });

    it('npm run data -- --from ../shared/data checks and copies both files', async () => {
      const out = mkdtempSync(join(tmpdir(), 'data-shared-'));
      const log: string[] = [];
      const result = await main(
        ['--from', SHARED_DATA_DIR, '--out', out],
        (line) => log.push(line),
        createProgress({ tty: false, write: () => {}, log: (line) => log.push(line) }),
      );
      expect(result.files.map((f) => [f.data, f.rows, f.sha256, f.source.kind])).toEqual([
        ['hillstrom', 44_809, readHillstromCut().sha256, 'cut'],
        ['yoochoose', 70_278, readYoochooseCut().sha256, 'cut'],
      ]);
      expect(sha256Of(readFileSync(join(out, YOOCHOOSE_TRAIN)))).toBe(readYoochooseCut().sha256);
      expect(log).toHaveLength(2);
    });
  },
);
