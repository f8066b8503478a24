import { describe, expect, it } from 'vitest';
import {
  FAKE_CLICKS,
  FAKE_CLICKS_TRAINING,
  FAKE_ORIGINAL,
  FAKE_TRAINING,
  fakeHillstromCut,
  fakeYoochooseCut,
} from './fixtures.js';
import { cutHillstrom, describeHillstrom, parseCsv, shortestNumber } from './hillstrom.js';
import { cutYoochoose, describeYoochoose, formatTime, parseTime } from './yoochoose.js';

async function* linesOf(text: string) {
  yield* text.split('\n');
}

describe('the Hillstrom cut', () => {
  it('keeps the listed rows, with row_id, quoting only commas and numbers in shortest form', () => {
    expect(cutHillstrom(FAKE_ORIGINAL, fakeHillstromCut(), 'fake.csv')).toBe(FAKE_TRAINING);
    expect(cutHillstrom(FAKE_ORIGINAL.replace(/\r\n/g, '\n'), fakeHillstromCut(), 'f')).toBe(
      FAKE_TRAINING,
    );
  });

  it('is described back from the training file it gives', () => {
    const described = describeHillstrom(FAKE_TRAINING, 'hillstrom-train.csv', 'h', 5);
    expect(described).toEqual({ ...fakeHillstromCut('h') });
  });

  it('names the file and what is wrong with an original it cannot cut', () => {
    const cut = fakeHillstromCut();
    expect(() => cutHillstrom(FAKE_ORIGINAL.replace('recency', 'months'), cut, 'x.csv')).toThrow(
      `x.csv: header: got "months,history_segment`,
    );
    const short = FAKE_ORIGINAL.split('\r\n').slice(0, 5).join('\r\n');
    expect(() => cutHillstrom(short, cut, 'x.csv')).toThrow(
      'x.csv: rows: got 4, expected 5 (the file is truncated)',
    );
    expect(() => cutHillstrom(FAKE_ORIGINAL.replace('809.70', '8O9.70'), cut, 'x.csv')).toThrow(
      'x.csv: line 4: history: got "8O9.70", expected a number',
    );
  });

  it('reads RFC 4180: doubled quotes, a quoted line break, CRLF, blank lines', () => {
    expect(parseCsv('a,b\r\n"x,1","he said ""hi""\r\nok"\r\n\r\n3,4', 's')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x,1', 'he said "hi"\nok'] },
      { line: 5, fields: ['3', '4'] },
    ]);
    expect(() => parseCsv('a,"b\n', 's')).toThrow(
      's: line 1: got an open quote at the end, expected a closing quote',
    );
    expect(() => parseCsv('a,b"c\n', 's')).toThrow(
      's: line 1: got "\\"", expected no bare quote or carriage return',
    );
  });

  it('writes numbers in their shortest form', () => {
    expect(['142.40', '0.00', '7', '29.990', '10.0', 'x'].map(shortestNumber)).toEqual([
      '142.4',
      '0',
      '7',
      '29.99',
      '10',
      undefined,
    ]);
  });
});

describe('the YOOCHOOSE cut', () => {
  it('keeps listed sessions × listed items in the window, among the first clicks, in file order', async () => {
    const { text, clicksRead } = await cutYoochoose(
      linesOf(FAKE_CLICKS),
      fakeYoochooseCut(),
      'fake.dat',
    );
    expect(text).toBe(FAKE_CLICKS_TRAINING);
    expect(clicksRead).toBe(9);
  });

  it('skips a header line some mirrors add, and reads CRLF lines', async () => {
    const withHeader = `session_id,timestamp,item_id,category\r\n${FAKE_CLICKS.replace(/\n/g, '\r\n')}`;
    const { text } = await cutYoochoose(linesOf(withHeader), fakeYoochooseCut(), 'fake.dat');
    expect(text).toBe(FAKE_CLICKS_TRAINING);
  });

  it('says a source that ends early is truncated, and names a malformed line', async () => {
    const eight = FAKE_CLICKS.split('\n').slice(0, 8).join('\n');
    await expect(cutYoochoose(linesOf(eight), fakeYoochooseCut(), 'f.dat')).rejects.toThrow(
      'f.dat: clicks: got 8, expected at least 9 (the file is truncated)',
    );
    const bad = FAKE_CLICKS.replace('2014-04-02T13:26:02.515Z', '2014-04-02 13:26');
    await expect(cutYoochoose(linesOf(bad), fakeYoochooseCut(), 'f.dat')).rejects.toThrow(
      'f.dat: line 3: got "3,2014-04-02 13:26,999,0", expected SessionId,Timestamp (ISO, Z),ItemId,Category',
    );
  });

  it('writes Time as Python prints the float: no trailing zeros, .0 for a whole second', () => {
    expect([1396437466940, 1396438212000, 1396413545010, 1396418400001].map(formatTime)).toEqual([
      '1396437466.94',
      '1396438212.0',
      '1396413545.01',
      '1396418400.001',
    ]);
    expect(['1396437466.94', '1396438212.0', '1396438212', '1.2345'].map(parseTime)).toEqual([
      1396437466940,
      1396438212000,
      1396438212000,
      undefined,
    ]);
  });

  it('is described back from the training file it gives', () => {
    const described = describeYoochoose(FAKE_CLICKS_TRAINING, 'yoochoose-clicks-train.tsv', 'y', 9);
    expect(described).toEqual({
      ...fakeYoochooseCut('y'),
      window: { from: 1396413533100, to: 1396438212000 },
    });
    expect(() =>
      describeYoochoose(FAKE_CLICKS_TRAINING.replace('1396438212.0', '1396438212'), 'f', 'y'),
    ).toThrow('f: line 3: Time: got 1396438212, expected its canonical form 1396438212.0');
  });
});
