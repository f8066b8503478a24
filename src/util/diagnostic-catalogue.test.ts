// docs/diagnostics.md is generated from the catalogue: its tables must equal what the catalogue
// renders, so a code added, removed or reworded in one place only fails here. With
// OFFERWISE_WRITE_DOCS=1 the test writes the page instead (then review the diff).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { DIAGNOSTIC_CATALOGUE, type DiagnosticPart } from './diagnostic-catalogue.js';
import type { DiagnosticCode, ReportDiagnostic, WidgetDiagnosticCode } from './diagnostic-codes.js';
import { Diagnostics, type Diagnostic } from './diagnostics.js';
import type { Offerwise } from '../offerwise.js';
import { REPORT_DIAGNOSTIC } from './diagnostics.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const docPath = path.join(root, 'docs/diagnostics.md');
const START = '<!-- diagnostics:start -->';
const END = '<!-- diagnostics:end -->';

const parts = Object.values(DIAGNOSTIC_CATALOGUE) as DiagnosticPart<DiagnosticCode>[];

/** The tables, one per part, as Markdown (Prettier pads them afterwards). */
function renderTables(): string {
  return parts
    .map((part) => {
      const rows = Object.entries(part.codes).map(
        ([code, meaning]) => `| \`${code}\` | ${(meaning as string).replace(/\|/g, '\\|')} |`,
      );
      const where = part.source
        .split(', ')
        .map((s) => `\`${s}\``)
        .join(', ');
      return [
        `### ${part.title}`,
        '',
        `Reported from ${where}.`,
        '',
        '| code | when, and what to do |',
        '| --- | --- |',
        ...rows,
      ].join('\n');
    })
    .join('\n\n');
}

/** docs/diagnostics.md as it should be: its own text, the generated block, Prettier's layout. */
async function expectedPage(current: string): Promise<string> {
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/diagnostics.md: no ${START} … ${END} block`);
  const page = `${current.slice(0, start + START.length)}\n\n${renderTables()}\n\n${current.slice(end)}`;
  const options = await resolveConfig(docPath);
  return format(page, { ...options, filepath: docPath });
}

/** The first-column codes of every table in `markdown`, in order. */
function documentedCodes(markdown: string): string[] {
  return [...markdown.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((m) => m[1]!);
}

describe('the diagnostics catalogue', () => {
  it('docs/diagnostics.md shows exactly its tables', async () => {
    const current = readFileSync(docPath, 'utf8');
    const expected = await expectedPage(current);
    if (process.env.OFFERWISE_WRITE_DOCS === '1') writeFileSync(docPath, expected);
    else expect(current).toBe(expected);
  });

  it('documents every code of every part once per part, with a sentence that ends', () => {
    const doc = readFileSync(docPath, 'utf8');
    const listed = parts.flatMap((part) => Object.keys(part.codes));
    expect(documentedCodes(doc)).toEqual(listed);
    for (const part of parts) {
      for (const [code, meaning] of Object.entries(part.codes)) {
        expect(meaning, code).toMatch(/^\S.{20,}[.)]$/s);
      }
    }
    // 67 rows, 63 codes: the profile and the catalog cache both report storage_fallback,
    // storage_blocked, storage_terminated and storage_reconnect (the message names the database).
    expect(listed).toHaveLength(new Set(listed).size + 4);
    expect(new Set(listed).size).toBe(63);
  });

  it('is imported by no code that ships (its sentences would weigh on the script tag)', () => {
    const shipped: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) shipped.push(file);
      }
    };
    walk(path.join(root, 'src'));
    walk(path.join(root, 'widgets'));
    const importers = shipped.filter((file) =>
      /from '[^']*diagnostic-catalogue\.js'/.test(readFileSync(file, 'utf8')),
    );
    expect(importers.map((file) => path.relative(root, file))).toEqual([]);
  });

  // Checked by the compiler (npm run typecheck), not at run time.
  it('is the type of every code: a typo does not compile, prefixed codes are spelled out', () => {
    expectTypeOf<'storage_fallbak'>().not.toMatchTypeOf<DiagnosticCode>();
    expectTypeOf<string>().not.toMatchTypeOf<DiagnosticCode>();
    expectTypeOf<`${'storage' | 'state' | 'outbox'}_${'blocked' | 'terminated' | 'reconnect'}`>().toMatchTypeOf<DiagnosticCode>();
    expectTypeOf<Diagnostics['report']>().toEqualTypeOf<ReportDiagnostic>();
    expectTypeOf<Diagnostic['code']>().toEqualTypeOf<DiagnosticCode>();
    // The elements may report only their own codes.
    expectTypeOf<Offerwise[typeof REPORT_DIAGNOSTIC]>()
      .parameter(0)
      .toEqualTypeOf<WidgetDiagnosticCode>();
    const hub = new Diagnostics(() => 0);
    // @ts-expect-error: not a code of the catalogue
    hub.report('storage_fallbak', 'a typo');
    expect(hub.list()).toHaveLength(1);
  });
});
