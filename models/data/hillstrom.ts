/**
 * The Hillstrom training cut: the rows of the original MineThatData CSV (64,000 customers) whose
 * index is in the recorded id list, each written as `row_id` followed by the original's twelve
 * columns.
 *
 * The training file was written by a CSV writer that quotes a field only when it holds a comma
 * (`"6) $750 - $1,000"`) and prints numbers in their shortest form (`280.2`, `0`), with `\n` line
 * ends. The original's own spelling of those (quotes, `280.20`, `\r\n`) is not known here, so the
 * cut parses each field and writes it the training file's way: whichever way the original spells
 * a value, the result is the same bytes.
 */
import { HILLSTROM_COLUMNS } from '../lib/hillstrom.js';
import { dataError } from './data-error.js';
import { decodeIds, encodeIds, type EncodedIds } from './ids.js';

export { HILLSTROM_COLUMNS };

/** Columns holding numbers, written in their shortest form. */
const NUMERIC = new Set([
  'recency',
  'history',
  'mens',
  'womens',
  'newbie',
  'visit',
  'conversion',
  'spend',
]);

export const HILLSTROM_SOURCE_ROWS = 64_000;

/** What the repository keeps to cut the training file out of the original, and to check it. */
export interface HillstromCut {
  file: string;
  sha256: string;
  bytes: number;
  rows: number;
  /** Data rows the original must have. */
  sourceRows: number;
  /** Indexes (0-based, header not counted) of the original's rows that are kept. */
  rowIds: EncodedIds;
}

/**
 * RFC 4180 records of `text`: fields optionally quoted (a quote inside written twice, line breaks
 * allowed), lines ending in `\n` or `\r\n`, the last one with or without; blank lines are no
 * records. Each record carries its first line (1-based).
 */
export function parseCsv(text: string, source: string): { line: number; fields: string[] }[] {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  const records: { line: number; fields: string[] }[] = [];
  for (let n = 0; n < lines.length; n++) {
    const start = n + 1;
    let line = lines[n]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') continue;
    // Most lines hold no quote: split them as they are.
    if (!line.includes('"')) {
      if (line.includes('\r'))
        throw dataError(source, `line ${start}`, '"\\r"', 'no bare carriage return');
      records.push({ line: start, fields: line.split(',') });
      continue;
    }
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    for (let i = 0; ; i++) {
      if (i === line.length) {
        if (!quoted) break;
        // A quoted field goes on over the line break.
        if (++n === lines.length)
          throw dataError(source, `line ${start}`, 'an open quote at the end', 'a closing quote');
        field += '\n';
        line = lines[n]!.endsWith('\r') ? lines[n]!.slice(0, -1) : lines[n]!;
        i = -1;
        continue;
      }
      const c = line[i]!;
      if (quoted) {
        if (c !== '"') field += c;
        else if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else if (c === '"' && field === '') quoted = true;
      else if (c === ',') {
        fields.push(field);
        field = '';
      } else if (c === '"' || c === '\r')
        throw dataError(
          source,
          `line ${n + 1}`,
          JSON.stringify(c),
          'no bare quote or carriage return',
        );
      else field += c;
    }
    fields.push(field);
    records.push({ line: start, fields });
  }
  return records;
}

function formatField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** `142.40` → `142.4`, `0.00` → `0`, `7` → `7`; undefined when `value` is not a plain decimal. */
export function shortestNumber(value: string): string | undefined {
  const match = /^(-?\d+)(?:\.(\d*))?$/.exec(value);
  if (!match) return undefined;
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  return fraction === '' ? match[1]! : `${match[1]}.${fraction}`;
}

/**
 * The training file for the rows of `originalCsv` listed in `cut.rowIds`. Throws, naming the line,
 * when the original's header, row count or a numeric field is not what the cut expects.
 */
export function cutHillstrom(originalCsv: string, cut: HillstromCut, source: string): string {
  const records = parseCsv(originalCsv, source);
  const header = records[0]?.fields ?? [];
  if (header.join(',') !== HILLSTROM_COLUMNS.join(','))
    throw dataError(
      source,
      'header',
      JSON.stringify(header.join(',')),
      JSON.stringify(HILLSTROM_COLUMNS.join(',')),
    );
  const rows = records.slice(1);
  // A download cut short ends mid-file: name it as the truncation it most likely is.
  if (rows.length !== cut.sourceRows)
    throw dataError(
      source,
      'rows',
      rows.length.toLocaleString('en-US'),
      `${cut.sourceRows.toLocaleString('en-US')}${rows.length < cut.sourceRows ? ' (the file is truncated)' : ''}`,
    );
  const keep = decodeIds(cut.rowIds, 'rowIds');
  const out = [['row_id', ...HILLSTROM_COLUMNS].join(',')];
  for (const id of keep) {
    const record = rows[id];
    if (!record) throw dataError(source, 'rowIds', String(id), `below ${rows.length}`);
    if (record.fields.length !== HILLSTROM_COLUMNS.length)
      throw dataError(
        source,
        `line ${record.line}`,
        `${record.fields.length} fields`,
        `${HILLSTROM_COLUMNS.length}`,
      );
    const fields = record.fields.map((value, c) => {
      const column = HILLSTROM_COLUMNS[c]!;
      if (!NUMERIC.has(column)) return formatField(value);
      const number = shortestNumber(value);
      if (number === undefined)
        throw dataError(
          source,
          `line ${record.line}: ${column}`,
          JSON.stringify(value),
          'a number',
        );
      return number;
    });
    out.push(`${id},${fields.join(',')}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * The cut that reproduces `trainingCsv` (a file of `row_id` + the twelve columns). Throws when a
 * field is not written the way `cutHillstrom` writes it: then no cut could reproduce the file.
 */
export function describeHillstrom(
  trainingCsv: string,
  file: string,
  sha256: string,
  sourceRows = HILLSTROM_SOURCE_ROWS,
): HillstromCut {
  const records = parseCsv(trainingCsv, file);
  const header = records[0]?.fields.join(',');
  const expected = ['row_id', ...HILLSTROM_COLUMNS].join(',');
  if (header !== expected) throw dataError(file, 'header', JSON.stringify(header), expected);
  const ids: number[] = [];
  for (const { line, fields } of records.slice(1)) {
    ids.push(Number(fields[0]));
    fields.slice(1).forEach((value, c) => {
      const column = HILLSTROM_COLUMNS[c]!;
      const canonical = NUMERIC.has(column) ? shortestNumber(value) : value;
      if (canonical !== value)
        throw dataError(
          file,
          `line ${line}: ${column}`,
          JSON.stringify(value),
          'its shortest form',
        );
    });
  }
  return {
    file,
    sha256,
    bytes: Buffer.byteLength(trainingCsv),
    rows: ids.length,
    sourceRows,
    rowIds: encodeIds(ids),
  };
}
