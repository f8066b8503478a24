/**
 * Reader for the Hillstrom (MineThatData, 2008) e-mail campaign CSV: customers randomly sent a men's
 * e-mail, a women's e-mail or nothing, with their visits, conversions and spend afterwards.
 *
 * The file is standard CSV (RFC 4180): comma-separated, fields optionally in double quotes, a quote
 * inside a quoted field written twice, quoted fields may hold commas and line breaks; lines end in
 * \n or \r\n, and the last line may or may not end with one. The first line names the columns;
 * columns are found by name, in any order, and columns not listed here are ignored.
 *
 * Every problem is thrown as an Error naming the line (1-based, the header being line 1; a record
 * that spans lines is named by its first line), the column, the value and what was expected.
 */
import { readFileSync } from 'node:fs';
import { errorMessage } from './args.js';

export interface HillstromRow {
  /** `row_id` (the row's index in the original file), or the data row's 0-based index without it. */
  rowId: number;
  /** Months since the last purchase (1–12 in the real data; any integer ≥ 0 accepted). */
  recency: number;
  /** Dollars spent in the past year. */
  history: number;
  /** Bought men's merchandise in the past year. */
  mens: boolean;
  /** Bought women's merchandise in the past year. */
  womens: boolean;
  /** First purchase within the past twelve months. */
  newbie: boolean;
  zip: 'urban' | 'suburban' | 'rural';
  channel: 'phone' | 'web' | 'multichannel';
  /** The treatment: which e-mail the customer was sent (`segment`). */
  arm: 'mens' | 'womens' | 'none';
  visit: 0 | 1;
  conversion: 0 | 1;
  spend: number;
}

/** The original file's columns, in its order. */
export const HILLSTROM_COLUMNS = [
  'recency',
  'history_segment',
  'history',
  'mens',
  'womens',
  'zip_code',
  'newbie',
  'channel',
  'segment',
  'visit',
  'conversion',
  'spend',
] as const;

type RequiredColumn = (typeof HILLSTROM_COLUMNS)[number];

const ZIPS = new Map<string, HillstromRow['zip']>([
  ['Urban', 'urban'],
  ['Surburban', 'suburban'], // [sic] in the original data
  ['Suburban', 'suburban'],
  ['Rural', 'rural'],
]);

const CHANNELS = new Map<string, HillstromRow['channel']>([
  ['Phone', 'phone'],
  ['Web', 'web'],
  ['Multichannel', 'multichannel'],
]);

const ARMS = new Map<string, HillstromRow['arm']>([
  ['Mens E-Mail', 'mens'],
  ['Womens E-Mail', 'womens'],
  ['No E-Mail', 'none'],
]);

/** Each arm's share of the rows: the probability a shopper got it (the logged propensity). */
export type ArmShares = Record<HillstromRow['arm'], number>;

/** The arms' shares of `rows` (0 for an arm without rows). */
export function armShares(rows: readonly HillstromRow[]): ArmShares {
  const count: ArmShares = { mens: 0, womens: 0, none: 0 };
  for (const row of rows) count[row.arm]++;
  return {
    mens: count.mens / rows.length,
    womens: count.womens / rows.length,
    none: count.none / rows.length,
  };
}

interface CsvRecord {
  /** Line on which the record starts (1-based). */
  line: number;
  fields: string[];
}

/** Splits RFC 4180 text into records; throws on malformed quoting or a bare carriage return. */
function readCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte order mark
  let line = 1;
  while (i < n) {
    const record: CsvRecord = { line, fields: [] };
    for (;;) {
      let value: string;
      if (text[i] === '"') {
        value = '';
        i++;
        for (;;) {
          const close = text.indexOf('"', i);
          if (close === -1) throw new Error(`line ${record.line}: a quoted field is never closed`);
          const chunk = text.slice(i, close);
          for (let j = chunk.indexOf('\n'); j !== -1; j = chunk.indexOf('\n', j + 1)) line++;
          value += chunk;
          if (text[close + 1] === '"') {
            value += '"';
            i = close + 2;
          } else {
            i = close + 1;
            break;
          }
        }
        const after = text[i];
        if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') {
          throw new Error(
            `line ${line}: got ${JSON.stringify(after)} after a closing quote, ` +
              `expected a comma or the end of the line`,
          );
        }
      } else {
        let j = i;
        for (; j < n; j++) {
          const c = text[j];
          if (c === ',' || c === '\n' || c === '\r') break;
          if (c === '"') {
            throw new Error(
              `line ${line}: got a quote inside an unquoted field, ` +
                `expected the whole field in quotes with inner quotes doubled`,
            );
          }
        }
        value = text.slice(i, j);
        i = j;
      }
      record.fields.push(value);
      if (i >= n) break;
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') {
        if (text[i + 1] !== '\n') {
          throw new Error(`line ${line}: got a carriage return alone, expected \\n or \\r\\n`);
        }
        i++;
      }
      i++; // the \n
      line++;
      break;
    }
    records.push(record);
  }
  return records;
}

function fieldError(line: number, column: string, value: string, expected: string): Error {
  return new Error(
    `line ${line}, column "${column}": got ${JSON.stringify(value)}, expected ${expected}`,
  );
}

const INTEGER = /^[0-9]+$/;
const DECIMAL = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function parseCount(line: number, column: string, value: string): number {
  const number = Number(value);
  if (!INTEGER.test(value) || !Number.isSafeInteger(number)) {
    throw fieldError(line, column, value, 'an integer >= 0');
  }
  return number;
}

function parseAmount(line: number, column: string, value: string): number {
  const number = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(number)) {
    throw fieldError(line, column, value, 'a number >= 0');
  }
  return number;
}

function parseBit(line: number, column: string, value: string): 0 | 1 {
  if (value === '0') return 0;
  if (value === '1') return 1;
  throw fieldError(line, column, value, '0 or 1');
}

function parseChoice<T>(line: number, column: string, value: string, choices: Map<string, T>): T {
  const choice = choices.get(value);
  if (choice === undefined) {
    const names = [...choices.keys()].map((k) => JSON.stringify(k));
    const expected = `${names.slice(0, -1).join(', ')} or ${names[names.length - 1] ?? ''}`;
    throw fieldError(line, column, value, expected);
  }
  return choice;
}

/** Parses the text of a Hillstrom campaign CSV into typed rows. */
export function parseHillstrom(text: string): HillstromRow[] {
  const records = readCsv(text);
  const header = records[0];
  if (header === undefined) throw new Error('line 1: missing header (the input is empty)');

  const index = new Map<string, number>();
  header.fields.forEach((name, i) => {
    if (index.has(name)) throw new Error(`line 1: column ${JSON.stringify(name)} appears twice`);
    index.set(name, i);
  });
  const missing = HILLSTROM_COLUMNS.filter((name) => !index.has(name));
  if (missing.length > 0) {
    const names = missing.map((name) => `"${name}"`).join(', ');
    throw new Error(`line 1: missing required column${missing.length > 1 ? 's' : ''} ${names}`);
  }
  const rowIdAt = index.get('row_id');

  const rows: HillstromRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const { line, fields } = records[r] as CsvRecord;
    if (fields.length === 1 && fields[0] === '') throw new Error(`line ${line}: empty line`);
    if (fields.length !== header.fields.length) {
      throw new Error(
        `line ${line}: expected ${header.fields.length} fields as in the header, got ${fields.length}`,
      );
    }
    const get = (column: RequiredColumn): string => fields[index.get(column) as number] as string;
    const rowId =
      rowIdAt === undefined ? r - 1 : parseCount(line, 'row_id', fields[rowIdAt] as string);
    rows.push({
      rowId,
      recency: parseCount(line, 'recency', get('recency')),
      history: parseAmount(line, 'history', get('history')),
      mens: parseBit(line, 'mens', get('mens')) === 1,
      womens: parseBit(line, 'womens', get('womens')) === 1,
      newbie: parseBit(line, 'newbie', get('newbie')) === 1,
      zip: parseChoice(line, 'zip_code', get('zip_code'), ZIPS),
      channel: parseChoice(line, 'channel', get('channel'), CHANNELS),
      arm: parseChoice(line, 'segment', get('segment'), ARMS),
      visit: parseBit(line, 'visit', get('visit')),
      conversion: parseBit(line, 'conversion', get('conversion')),
      spend: parseAmount(line, 'spend', get('spend')),
    });
  }
  return rows;
}

/** Reads and parses a Hillstrom campaign CSV file (UTF-8); parse errors are prefixed with the path. */
export function readHillstrom(path: string): HillstromRow[] {
  return parseHillstromFile(readFileSync(path, 'utf8'), path);
}

/** `parseHillstrom` whose errors name the file (`name`) before the line and column. */
export function parseHillstromFile(text: string, name: string): HillstromRow[] {
  try {
    return parseHillstrom(text);
  } catch (error) {
    const message = errorMessage(error);
    throw new Error(`${name}: ${message}`, { cause: error });
  }
}

const SEGMENTS: [number, string][] = [
  [100, '1) $0 - $100'],
  [200, '2) $100 - $200'],
  [350, '3) $200 - $350'],
  [500, '4) $350 - $500'],
  [750, '5) $500 - $750'],
  [1000, '6) $750 - $1,000'],
  [Infinity, '7) $1,000 +'],
];

const spelling = <T>(choices: Map<string, T>, value: T) =>
  [...choices].find(([, v]) => v === value)![0];

/**
 * Writes rows in the campaign file's format (the inverse of {@link parseHillstrom}, with the
 * original file's column order and spellings), for tests and synthetic runs of the CLIs.
 */
export function formatHillstrom(rows: readonly HillstromRow[]): string {
  const quote = (field: string) =>
    /[",\n\r]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
  const lines = [`row_id,${HILLSTROM_COLUMNS.join(',')}`];
  for (const row of rows) {
    const fields = [
      String(row.rowId),
      String(row.recency),
      SEGMENTS.find(([below]) => row.history < below)![1],
      String(row.history),
      row.mens ? '1' : '0',
      row.womens ? '1' : '0',
      // `Surburban` [sic] is how the original file spells it.
      row.zip === 'suburban' ? 'Surburban' : spelling(ZIPS, row.zip),
      row.newbie ? '1' : '0',
      spelling(CHANNELS, row.channel),
      spelling(ARMS, row.arm),
      String(row.visit),
      String(row.conversion),
      String(row.spend),
    ];
    lines.push(fields.map(quote).join(','));
  }
  return `${lines.join('\n')}\n`;
}
