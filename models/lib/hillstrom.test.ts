import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatHillstrom, parseHillstrom, readHillstrom, type HillstromRow } from './hillstrom.js';
import { SHARED_DATA_DIR } from './paths.js';

const HEADER =
  'row_id,recency,history_segment,history,mens,womens,zip_code,newbie,channel,segment,visit,conversion,spend';
const ROW_0 = '0,10,2) $100 - $200,142.44,1,0,Surburban,0,Phone,Womens E-Mail,0,0,0';
const ROW_1 = '1,6,3) $200 - $350,329.08,1,1,Rural,1,Web,No E-Mail,0,0,0';
const ROW_19 = '19,5,"6) $750 - $1,000",828.42,0,1,Urban,1,Multichannel,Mens E-Mail,1,1,29.99';

const EXPECTED: HillstromRow[] = [
  {
    rowId: 0,
    recency: 10,
    history: 142.44,
    mens: true,
    womens: false,
    newbie: false,
    zip: 'suburban',
    channel: 'phone',
    arm: 'womens',
    visit: 0,
    conversion: 0,
    spend: 0,
  },
  {
    rowId: 1,
    recency: 6,
    history: 329.08,
    mens: true,
    womens: true,
    newbie: true,
    zip: 'rural',
    channel: 'web',
    arm: 'none',
    visit: 0,
    conversion: 0,
    spend: 0,
  },
  {
    rowId: 19,
    recency: 5,
    history: 828.42,
    mens: false,
    womens: true,
    newbie: true,
    zip: 'urban',
    channel: 'multichannel',
    arm: 'mens',
    visit: 1,
    conversion: 1,
    spend: 29.99,
  },
];

/** A file whose line 2 is ROW_0 with one column replaced. */
function withValue(column: string, value: string): string {
  const names = HEADER.split(',');
  const values = ROW_0.split(',');
  values[names.indexOf(column)] = value;
  return `${HEADER}\n${values.join(',')}\n`;
}

describe('parseHillstrom', () => {
  it('parses rows, including a quoted field holding a comma, with a trailing newline', () => {
    expect(parseHillstrom(`${HEADER}\n${ROW_0}\n${ROW_1}\n${ROW_19}\n`)).toEqual(EXPECTED);
  });

  it('accepts CRLF line ends and a missing final newline', () => {
    expect(parseHillstrom(`${HEADER}\r\n${ROW_0}\r\n${ROW_1}\r\n${ROW_19}\r\n`)).toEqual(EXPECTED);
    expect(parseHillstrom(`${HEADER}\n${ROW_0}\n${ROW_1}\n${ROW_19}`)).toEqual(EXPECTED);
    expect(parseHillstrom(`\uFEFF${HEADER}\r\n${ROW_0}\r\n${ROW_1}\r\n${ROW_19}`)).toEqual(
      EXPECTED,
    );
  });

  it('finds columns by name in any order, ignores extra columns, numbers rows without row_id', () => {
    const text = [
      'segment,spend,conversion,visit,channel,newbie,zip_code,womens,mens,history,history_segment,recency,note',
      'No E-Mail,12.5,1,1,Web,1,Suburban,1,0,80,"1) $0 - $100",3,"said ""hi"", then left"',
      'Mens E-Mail,0,0,0,Phone,0,Rural,0,1,29.99,"1) $0 - $100",12,',
    ].join('\n');
    expect(parseHillstrom(text)).toEqual([
      {
        rowId: 0,
        recency: 3,
        history: 80,
        mens: false,
        womens: true,
        newbie: true,
        zip: 'suburban',
        channel: 'web',
        arm: 'none',
        visit: 1,
        conversion: 1,
        spend: 12.5,
      },
      {
        rowId: 1,
        recency: 12,
        history: 29.99,
        mens: true,
        womens: false,
        newbie: false,
        zip: 'rural',
        channel: 'phone',
        arm: 'mens',
        visit: 0,
        conversion: 0,
        spend: 0,
      },
    ]);
  });

  it('decodes doubled quotes and line breaks inside quoted fields', () => {
    // The quoted channel value We"b is refused, which shows how it was decoded.
    expect(() => parseHillstrom(withValue('channel', '"We""b"'))).toThrow(
      'line 2, column "channel": got "We\\"b", expected "Phone", "Web" or "Multichannel"',
    );
    // A record spanning lines 2-3 moves the next record to line 4.
    const multiline = ROW_1.replace('3) $200 - $350', '"3) $200\n- $350"');
    const bad = ROW_0.replace(',Phone,', ',Fax,');
    expect(() => parseHillstrom(`${HEADER}\n${multiline}\n${bad}\n`)).toThrow(
      'line 4, column "channel": got "Fax", expected "Phone", "Web" or "Multichannel"',
    );
  });

  it('names the line, column, value and expectation of a bad value', () => {
    const rows = Array.from({ length: 15 }, () => ROW_0);
    const bad = ROW_0.replace(/,0,0,0$/, ',2,0,0');
    expect(() => parseHillstrom([HEADER, ...rows, bad].join('\n'))).toThrow(
      'line 17, column "visit": got "2", expected 0 or 1',
    );
  });

  it.each([
    ['row_id', 'x', 'an integer >= 0'],
    ['recency', '1.5', 'an integer >= 0'],
    ['recency', '-1', 'an integer >= 0'],
    ['recency', '', 'an integer >= 0'],
    ['history', 'abc', 'a number >= 0'],
    ['history', '-3.2', 'a number >= 0'],
    ['mens', 'yes', '0 or 1'],
    ['womens', '2', '0 or 1'],
    ['newbie', '1.0', '0 or 1'],
    ['zip_code', 'Downtown', '"Urban", "Surburban", "Suburban" or "Rural"'],
    ['channel', 'Email', '"Phone", "Web" or "Multichannel"'],
    ['segment', 'Kids E-Mail', '"Mens E-Mail", "Womens E-Mail" or "No E-Mail"'],
    ['conversion', ' 1', '0 or 1'],
    ['spend', '', 'a number >= 0'],
    ['spend', 'NaN', 'a number >= 0'],
    ['spend', '1e999', 'a number >= 0'],
  ])('refuses %s = %j', (column, value, expected) => {
    expect(() => parseHillstrom(withValue(column, value))).toThrow(
      `line 2, column "${column}": got ${JSON.stringify(value)}, expected ${expected}`,
    );
  });

  it('accepts the other number forms', () => {
    expect(parseHillstrom(withValue('history', '1e2'))[0]?.history).toBe(100);
    expect(parseHillstrom(withValue('history', '.5'))[0]?.history).toBe(0.5);
    expect(parseHillstrom(withValue('recency', '0'))[0]?.recency).toBe(0);
    expect(parseHillstrom(withValue('recency', '"7"'))[0]?.recency).toBe(7);
  });

  it('names missing or duplicated header columns', () => {
    const without = (name: string) =>
      HEADER.split(',')
        .filter((c) => c !== name)
        .join(',');
    expect(() => parseHillstrom(`${without('visit')}\n`)).toThrow(
      'line 1: missing required column "visit"',
    );
    expect(() => parseHillstrom(without('visit').replace(',spend', ''))).toThrow(
      'line 1: missing required columns "visit", "spend"',
    );
    expect(() => parseHillstrom(`${HEADER},visit\n`)).toThrow(
      'line 1: column "visit" appears twice',
    );
    expect(() => parseHillstrom('')).toThrow('line 1: missing header (the input is empty)');
  });

  it('reports malformed CSV with its line', () => {
    expect(() =>
      parseHillstrom(`${HEADER}\n${ROW_0}\n${ROW_1.replace(',0,0,0', ',0,0')}\n`),
    ).toThrow('line 3: expected 13 fields as in the header, got 12');
    expect(() => parseHillstrom(`${HEADER}\n${ROW_0}\n\n${ROW_1}\n`)).toThrow('line 3: empty line');
    expect(() => parseHillstrom(`${HEADER}\n${ROW_0.replace('2) $100', '"2) $100')}\n`)).toThrow(
      'line 2: a quoted field is never closed',
    );
    expect(() => parseHillstrom(withValue('channel', '"Web"x'))).toThrow(
      'line 2: got "x" after a closing quote, expected a comma or the end of the line',
    );
    expect(() => parseHillstrom(withValue('channel', 'W"eb'))).toThrow(
      'line 2: got a quote inside an unquoted field, expected the whole field in quotes with inner quotes doubled',
    );
    expect(() => parseHillstrom(`${HEADER}\r${ROW_0}\n`)).toThrow(
      'line 1: got a carriage return alone, expected \\n or \\r\\n',
    );
  });
});

describe('formatHillstrom', () => {
  it('writes the original file, byte for byte, for rows read from it', () => {
    const text = `${HEADER}\n${ROW_0}\n${ROW_1}\n${ROW_19}\n`;
    expect(formatHillstrom(EXPECTED)).toBe(text);
    expect(parseHillstrom(formatHillstrom(EXPECTED))).toEqual(EXPECTED);
  });
});

describe('readHillstrom', () => {
  const path = join(SHARED_DATA_DIR, 'hillstrom-train.csv');

  it('reads the real training file (../shared/data/hillstrom-train.csv)', (context) => {
    context.skip(!existsSync(path), `${path} is absent, so the real-file check is skipped`);
    const rows = readHillstrom(path);
    expect(rows).toHaveLength(44_809);
    for (const arm of ['mens', 'womens', 'none'] as const) {
      const share = rows.filter((row) => row.arm === arm).length / rows.length;
      expect(share).toBeGreaterThan(0.3);
      expect(share).toBeLessThan(0.37);
    }
    const visitRate = rows.filter((row) => row.visit === 1).length / rows.length;
    expect(visitRate).toBeGreaterThan(0.1);
    expect(visitRate).toBeLessThan(0.2);
  });

  it('prefixes parse errors with the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hillstrom-'));
    try {
      const file = join(dir, 'bad.csv');
      writeFileSync(file, withValue('visit', '2'));
      expect(() => readHillstrom(file)).toThrow(
        `${file}: line 2, column "visit": got "2", expected 0 or 1`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
