// @vitest-environment node
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODELS_DIR } from '../lib/paths.js';
import { CLAIMS, claimsOf } from './claims.js';
import { numbersIn, PARTS, type Claim } from './compare.js';
import { cellsOf, locateClaim, sectionOf } from './locate.js';
import { OPTIMISER_BUDGETS, OPTIMISER_SEEDS, optimiserValues } from './parts.js';

const ROOT = join(MODELS_DIR, '..');
const docs = new Map<string, string>();
const docOf = (path: string) => {
  if (!docs.has(path)) docs.set(path, readFileSync(join(ROOT, path), 'utf8'));
  return docs.get(path)!;
};

/** The quote with its last digit (or character) changed: what an edit of the doc would leave. */
function edited(quoted: string): string {
  const i = Math.max(...[...quoted.matchAll(/[0-9a-f]/g)].map((m) => m.index));
  const c = quoted[i]!;
  const next = /\d/.test(c) ? String((Number(c) + 1) % 10) : c === 'f' ? 'e' : 'f';
  return quoted.slice(0, i) + next + quoted.slice(i + 1);
}

describe('the claims and the docs', () => {
  it('every claim is found at its place in its doc', () => {
    const problems = CLAIMS.map((c) => locateClaim(c, docOf(c.doc))).filter(Boolean);
    expect(problems).toEqual([]);
    expect(CLAIMS.length).toBeGreaterThan(150);
    expect(new Set(PARTS.filter((p) => claimsOf(p).length > 0))).toEqual(new Set(PARTS));
  });

  it('editing any quoted number in the doc makes its claim fail', () => {
    const survivors = CLAIMS.filter((c) => {
      const doc = docOf(c.doc).split(c.quoted).join(edited(c.quoted));
      return locateClaim(c, doc) === undefined;
    });
    expect(survivors.map((c) => c.id)).toEqual([]);
  });

  it('ids are unique, and each value is the numbers of its quote', () => {
    expect(new Set(CLAIMS.map((c) => c.id)).size).toBe(CLAIMS.length);
    for (const c of CLAIMS.filter((x) => typeof x.value !== 'string')) {
      const numbers = numbersIn(c.quoted);
      expect(typeof c.value === 'number' ? [c.value] : c.value, c.id).toEqual(numbers);
    }
  });

  it('the shipped model hash quoted is the hash of models/default.onnx', () => {
    const bytes = readFileSync(join(MODELS_DIR, 'default.onnx'));
    const hash = createHash('sha256').update(bytes).digest('hex');
    const sha = CLAIMS.find((c) => c.key === 'shipped.sha256')!;
    expect(sha.value).toBe(hash);
    const sizes = CLAIMS.filter((c) => c.key === 'shipped.bytes').map((c) => c.value);
    expect(sizes).toEqual([bytes.length, bytes.length]);
  });

  it('the analytics claims are the keys the optimiser table produces', () => {
    const method = { mean: 0.99, min: 0.98, optimumHits: 3 };
    const rows = (['quadratic', 'rastrigin'] as const).flatMap((objective) =>
      OPTIMISER_BUDGETS.map((budget) => ({
        objective,
        budget,
        methods: { ga: method, sa: method, pso: method, random: method },
      })),
    );
    const values = optimiserValues(rows, OPTIMISER_SEEDS);
    const keys = claimsOf('analytics').map((c) => c.key);
    expect(keys.filter((k) => !(k in values))).toEqual([]);
    expect(values['optimiser.quadratic.300.ga']).toEqual([99, 98]);
    expect(values['optimiser.quadratic.300.hits_of_seeds']).toEqual([3, 3, 3, 3, 20]);
  });
});

describe('locating a quote', () => {
  const doc = [
    '# Top',
    '## A',
    '```sh',
    '# not a heading',
    '```',
    '| family | x | y |',
    '| --- | --- | --- |',
    '| tree (**shipped**) | **0.659** | 70.8 (70.8) |',
    '| quadratic | 300 | 1 |',
    '| quadratic | 1000 | 2 |',
    'The tree gives Qini',
    'AUC 0.0759 (womens).',
    '### A.1',
    '| other | 9 | 9 |',
    '## B',
    'AUC 0.0759 (womens).',
    '| tree (**shipped**) | 9 | 9 |',
  ].join('\n');
  const at = (over: Partial<Claim>): Claim => ({
    part: 'model',
    table: 't',
    id: 'i',
    doc: 'd',
    section: 'A',
    quoted: '0.659',
    value: 0.659,
    tolerance: 0.0005,
    key: 'k',
    ...over,
  });

  it('takes a section up to the next heading of its level, skipping code fences', () => {
    // A deeper heading stays in the section.
    expect(sectionOf(doc, 'A')!.at(-1)).toBe('| other | 9 | 9 |');
    expect(sectionOf(doc, 'A.1')).toEqual(['| other | 9 | 9 |']);
    expect(sectionOf(doc, 'not a heading')).toBeUndefined();
    expect(cellsOf('| a | b \\| c |')).toEqual(['a', 'b \\| c']);
  });

  it('finds a cell by row and index, bold or not, and prose across line breaks', () => {
    expect(locateClaim(at({ row: 'tree (**shipped**)', cell: 1 }), doc)).toBeUndefined();
    expect(
      locateClaim(at({ row: 'tree (**shipped**)', cell: 2, quoted: '70.8' }), doc),
    ).toBeUndefined();
    expect(
      locateClaim(at({ row: ['quadratic', '1000'], cell: 2, quoted: '2' }), doc),
    ).toBeUndefined();
    expect(
      locateClaim(at({ near: 'Qini AUC 0.0759 (womens)', quoted: '0.0759' }), doc),
    ).toBeUndefined();
  });

  it('refuses a wrong cell, a row that repeats, a missing section, a near without the quote', () => {
    expect(locateClaim(at({ row: 'tree (**shipped**)', cell: 2, quoted: '0.8' }), doc)).toMatch(
      /is not "0.8"/,
    );
    // Top holds A and B, each with the row: it is not unique there.
    expect(locateClaim(at({ section: 'Top', row: 'tree (**shipped**)', cell: 1 }), doc)).toMatch(
      /2 table rows/,
    );
    expect(locateClaim(at({ row: 'quadratic', cell: 2, quoted: '1' }), doc)).toMatch(
      /2 table rows/,
    );
    expect(locateClaim(at({ section: 'C' }), doc)).toMatch(/no such section/);
    expect(locateClaim(at({ near: 'gives Qini', quoted: '0.0759' }), doc)).toMatch(
      /does not contain/,
    );
    expect(
      locateClaim(
        at({ section: 'B', near: 'The tree gives Qini AUC 0.0759', quoted: '0.0759' }),
        doc,
      ),
    ).toMatch(/not found/);
  });
});
