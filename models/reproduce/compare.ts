/**
 * How `npm run reproduce` (models/cli/reproduce.ts) compares what the docs quote with what it
 * rebuilt. A claim is one quoted text of a doc (`0.0614 ± 0.0192`, `70.8`, `1,352`): the numbers
 * in it are its value, and everything is deterministic by seed, so the noise it allows is half a
 * unit of each number's last quoted digit (a claim may state more). A reproduced value matches
 * when every number is within that of the quoted one. A number may be written with an exponent
 * (`6.6e-4`): its last digit is then the mantissa's, scaled.
 */

export const PARTS = ['model', 'recs', 'analytics', 'ope'] as const;
export type Part = (typeof PARTS)[number];

/** A reproduced quantity: one number, several (`mean ± sd`, `HR / MRR`), or a text (a hash). */
export type Value = number | readonly number[] | string;

export interface Claim {
  part: Part;
  /** The reproduced table the quantity is in (a key of the part's `tables`). */
  table: string;
  /** Unique over all claims. */
  id: string;
  /** The repository path of the doc that quotes it. */
  doc: string;
  /** The heading of the doc's section that quotes it (its text after the `#`s). */
  section: string;
  /**
   * For a table cell: the row's first cell (or its first cells, where the first repeats), and
   * the cell's index (the first cell is 0).
   */
  row?: string | readonly string[];
  cell?: number;
  /**
   * Text around the quote that pins it down where the quote alone could be anywhere (prose, a
   * cell listing several values); it contains `quoted`.
   */
  near?: string;
  /** Exactly as the doc writes it. */
  quoted: string;
  /** The numbers of `quoted` (or its text, for a hash). */
  value: Value;
  /** Allowed difference per number: half a unit of the last quoted digit unless stated. */
  tolerance: number | readonly number[];
  /** Which reproduced quantity it quotes (a key of the part's `values`); several claims may share one. */
  key: string;
}

const NUMBER = /[−-]?\d[\d,]*(?:\.\d+)?(?:e[−-]?\d+)?/g;

/** The numbers written in a quote, in order (`−` and `-` are minus signs, `,` groups thousands). */
export function numbersIn(quoted: string): number[] {
  return (quoted.match(NUMBER) ?? []).map((s) => Number(s.replace(/−/g, '-').replace(/,/g, '')));
}

/** A written number's mantissa, its decimals and its exponent (0 without one). */
function parts(written: string): { mantissa: string; decimals: number; exponent: number } {
  const [mantissa, exponent] = written.split('e') as [string, string | undefined];
  const decimals = mantissa.includes('.') ? mantissa.length - mantissa.indexOf('.') - 1 : 0;
  return { mantissa, decimals, exponent: exponent ? Number(exponent.replace('−', '-')) : 0 };
}

/** Half a unit of the last written digit of each number of a quote. */
export function halfUnits(quoted: string): number[] {
  return (quoted.match(NUMBER) ?? []).map((s) => {
    const { decimals, exponent } = parts(s);
    // A division by an exact power of ten keeps 0.5 / 10 ** 4 the double 0.00005.
    const places = decimals - exponent;
    return places >= 0 ? 0.5 / 10 ** places : 0.5 * 10 ** -places;
  });
}

/**
 * A number as a quote writes its `index`-th number: the same decimals, thousands grouped if the
 * quote grouped them, `−` for a minus.
 */
function formatAs(written: string, value: number): string {
  const { mantissa, decimals } = parts(written);
  let text =
    mantissa === written
      ? Math.abs(value).toFixed(decimals)
      : Math.abs(value).toExponential(decimals).replace('e+', 'e');
  if (written.includes(',')) {
    const [whole, fraction] = text.split('.');
    text = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (fraction ? `.${fraction}` : '');
  }
  // -0.00 after rounding is written 0.00, as a doc would.
  return value < 0 && Number(text.replace(/,/g, '')) !== 0 ? `−${text}` : text;
}

/** A reproduced value written the way the claim's quote is (`0.0614 ± 0.0192`). */
export function formatLike(quoted: string, value: Value): string {
  if (typeof value === 'string') return value;
  const values = typeof value === 'number' ? [value] : value;
  let i = 0;
  return quoted.replace(NUMBER, (written) => {
    const v = values[i++];
    return v === undefined ? written : formatAs(written, v);
  });
}

export type Status = 'match' | 'differ' | 'missing';

export interface Compared {
  id: string;
  part: Part;
  table: string;
  doc: string;
  quoted: string;
  value: Value;
  tolerance: number | readonly number[];
  /** `null` when the part did not produce the quantity. */
  reproduced: Value | null;
  /** The reproduced value written as the quote is. */
  reproducedText: string | null;
  status: Status;
  /** Per number, reproduced − quoted. */
  delta?: number[];
}

/** Float noise on a value that lands exactly on the half-unit boundary is not a difference. */
const SLACK = 1e-9;

export function compareClaim(claim: Claim, reproduced: Value | undefined): Compared {
  const base = {
    id: claim.id,
    part: claim.part,
    table: claim.table,
    doc: claim.doc,
    quoted: claim.quoted,
    value: claim.value,
    tolerance: claim.tolerance,
  };
  if (reproduced === undefined || reproduced === null) {
    return { ...base, reproduced: null, reproducedText: null, status: 'missing' };
  }
  const reproducedText = formatLike(claim.quoted, reproduced);
  if (typeof claim.value === 'string' || typeof reproduced === 'string') {
    const status = reproduced === claim.value ? 'match' : 'differ';
    return { ...base, reproduced, reproducedText, status };
  }
  const quoted = typeof claim.value === 'number' ? [claim.value] : [...claim.value];
  const got = typeof reproduced === 'number' ? [reproduced] : [...reproduced];
  if (got.length !== quoted.length || got.some((v) => !Number.isFinite(v))) {
    return { ...base, reproduced, reproducedText, status: 'differ' };
  }
  const delta = got.map((v, i) => v - quoted[i]!);
  const tolerance = (i: number) =>
    typeof claim.tolerance === 'number' ? claim.tolerance : (claim.tolerance[i] ?? 0);
  const within = delta.every((d, i) => Math.abs(d) <= tolerance(i) + SLACK);
  return {
    ...base,
    reproduced,
    reproducedText,
    status: within ? 'match' : 'differ',
    delta,
  };
}

/** Every claim of a part against the part's reproduced values. */
export function compareClaims(
  claims: readonly Claim[],
  values: Readonly<Record<string, Value>>,
): Compared[] {
  return claims.map((c) =>
    compareClaim(c, Object.hasOwn(values, c.key) ? values[c.key] : undefined),
  );
}

/** A reproduced table: a header and rows of cells, already written as text. */
export interface Table {
  title: string;
  /** The command and data it stands for, and anything left out. */
  note?: string;
  header: string[];
  rows: string[][];
}

const escapeCell = (text: string) => text.replace(/\|/g, '\\|');

export function markdownTable(table: Table): string {
  const lines = [`### ${table.title}`, ''];
  if (table.note) lines.push(table.note, '');
  lines.push(`| ${table.header.map(escapeCell).join(' | ')} |`);
  lines.push(`| ${table.header.map(() => '---').join(' | ')} |`);
  for (const row of table.rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`);
  return lines.join('\n');
}

/** The comparison as Markdown: the claims that differ first, then every claim. */
export function comparisonMarkdown(compared: readonly Compared[]): string {
  const differ = compared.filter((c) => c.status !== 'match');
  const lines = [
    '## Comparison with the docs',
    '',
    differ.length === 0
      ? `All ${compared.length} quoted numbers reproduce within their stated noise.`
      : `${differ.length} of ${compared.length} quoted numbers differ beyond their stated noise: ${differ.map((c) => c.id).join(', ')}.`,
    '',
    '| status | claim | doc | quoted | reproduced |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const c of [...differ, ...compared.filter((x) => x.status === 'match')]) {
    lines.push(
      `| ${c.status} | ${c.id} | ${c.doc} | ${escapeCell(c.quoted)} | ${escapeCell(c.reproducedText ?? '—')} |`,
    );
  }
  return lines.join('\n');
}
