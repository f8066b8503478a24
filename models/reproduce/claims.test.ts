// @vitest-environment node
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COVERAGE_POLICIES, COVERAGE_REWARDS, type CoverageRow } from '../campaign/ope-coverage.js';
import { MODELS_DIR } from '../lib/paths.js';
import { CLAIMS, claimsOf } from './claims.js';
import { compareClaim, numbersIn, PARTS, type Claim } from './compare.js';
import { cellsOf, locateClaim, sectionOf } from './locate.js';
import {
  OPTIMISER_BUDGETS,
  OPTIMISER_SEEDS,
  opeDocRows,
  opeValues,
  optimiserValues,
} from './parts.js';

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

  // Shares that are exact in binary, so the points are exact too.
  const coverageRows = (): CoverageRow[] =>
    COVERAGE_POLICIES.flatMap((policy) =>
      COVERAGE_REWARDS.flatMap((reward) => {
        const exact: CoverageRow = {
          policy,
          reward,
          source: 'exact',
          essShare: 0.5,
          coverage: { ips: 0.75, snips: 0.5, dr: 0.25 },
          width: { ips: 5.125, snips: 5 },
          bias: { ips: -0.079, snips: 0 },
          meanAbsError: { ips: 0.1, snips: 0.1 },
        };
        // As the simulation's catalogs have it: every policy but uniform is reported.
        if (policy === 'uniform') return [exact];
        return [
          exact,
          {
            ...exact,
            source: 'reported' as const,
            essShare: 0.25,
            coverage: { ips: 1, snips: 0.5 },
            width: { ips: 5.25, snips: 5 },
            bias: { ips: 6.6e-4, snips: 0 },
          },
        ];
      }),
    );

  it('the ope claims are the keys the coverage runs produce, in points', () => {
    const rows = coverageRows();
    const values = {
      ...opeValues('standard', { decisionsPerRun: 2686, rows }),
      ...opeValues('wide', { decisionsPerRun: 2692, rows }),
    };
    const keys = claimsOf('ope').map((c) => c.key);
    expect(keys.filter((k) => !(k in values))).toEqual([]);
    expect(keys.length).toBe(63);
    expect(values['ope.standard.decisions']).toBe(2686);
    expect(values['ope.standard.uniform.claim.ips']).toEqual([75]);
    expect(values['ope.standard.greedy.net.ips']).toEqual([75, 100]);
    expect(values['ope.standard.greedy.net.ess_exact']).toBe(50);
    expect(values['ope.wide.revenue.net.ess']).toEqual([50, 25]);
    expect(values['ope.wide.revenue.net.dr']).toBe(25);
    expect(values['ope.wide.revenue.net.bias_ips']).toEqual([-0.079, 6.6e-4]);
    expect(values['ope.wide.revenue.net.width_ips']).toEqual([5.125, 5.25]);
  });

  it('an ope cell with a — takes the exact number only; a bias is read with its exponent', () => {
    const byId = (id: string) => CLAIMS.find((c) => c.id === `docs/analytics.md#${id}`)!;
    const ips = byId('ope.standard.uniform.claim.ips');
    expect(ips).toMatchObject({ quoted: '94% / —', value: 94, tolerance: 0.5 });
    expect(compareClaim(ips, [94]).status).toBe('match');
    // A reported value where the doc has none is a difference.
    expect(compareClaim(ips, [94, 94]).status).toBe('differ');
    expect(compareClaim(ips, [93]).status).toBe('differ');
    const bias = byId('ope.standard.uniform.claim.bias_ips');
    expect(bias).toMatchObject({ value: -3.0e-4, tolerance: 0.000005 });
    expect(compareClaim(bias, [-3.04e-4]).status).toBe('match');
    expect(compareClaim(bias, [-3.06e-4])).toMatchObject({
      status: 'differ',
      reproducedText: '−3.1e-4 / —',
    });
    const net = byId('ope.wide.revenue.claim.bias_ips');
    expect(net).toMatchObject({ value: [-7.0e-4, -7.3e-4], tolerance: 0.000005 });
    expect(compareClaim(net, [-7.04e-4, -7.26e-4]).status).toBe('match');
  });

  it('writes the coverage table as docs/analytics.md does: standard rows, then wide revenue', () => {
    const rows = coverageRows();
    const table = opeDocRows({
      standard: { decisionsPerRun: 1, rows },
      wide: { decisionsPerRun: 1, rows },
    });
    expect(table.length).toBe(12);
    expect(table[0]).toEqual([
      'uniform',
      'claim',
      'standard',
      '50%',
      '75% / —',
      '50% / —',
      '25%',
      '−0.079 / —',
    ]);
    expect(table[2]![3]).toBe('50%');
    expect(table[11]).toEqual([
      'revenue',
      'net',
      'wide',
      '50% / 25%',
      '75% / 100%',
      '50% / 50%',
      '25%',
      '−0.079 / 6.6e-4',
    ]);
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
