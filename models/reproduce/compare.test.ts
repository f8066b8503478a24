// @vitest-environment node
import { describe, expect, it } from 'vitest';
import {
  compareClaim,
  compareClaims,
  comparisonMarkdown,
  formatLike,
  halfUnits,
  markdownTable,
  numbersIn,
  type Claim,
} from './compare.js';

const claim = (over: Partial<Claim>): Claim => ({
  part: 'model',
  table: 'cv',
  id: 'doc.md#x',
  doc: 'doc.md',
  section: 'S',
  quoted: '0.0614 ± 0.0192',
  value: [0.0614, 0.0192],
  tolerance: 0.00005,
  key: 'x',
  ...over,
});

describe('reading a quote', () => {
  it('finds every number with its sign, grouping and last digit', () => {
    expect(numbersIn('−0.0030 ± 0.0109')).toEqual([-0.003, 0.0109]);
    expect(numbersIn('68,396')).toEqual([68396]);
    expect(numbersIn('99.50% (98.75%)')).toEqual([99.5, 98.75]);
    expect(numbersIn('0 / 1 / 7 / 0 of 20')).toEqual([0, 1, 7, 0, 20]);
    // An en dash is a range, not a minus.
    expect(numbersIn('0.034–0.079')).toEqual([0.034, 0.079]);
    expect(halfUnits('70.8 / 22')).toEqual([0.05, 0.5]);
    expect(halfUnits('0.0614 ± 0.0192')).toEqual([0.00005, 0.00005]);
    expect(halfUnits('1,352')).toEqual([0.5]);
  });

  it('reads a number written with an exponent, its last digit scaled', () => {
    expect(numbersIn('6.6e-4 / —')).toEqual([0.00066]);
    expect(numbersIn('−1.0e−3 / 1.1e-3')).toEqual([-0.001, 0.0011]);
    expect(numbersIn('2e3')).toEqual([2000]);
    expect(halfUnits('6.6e-4 / 1.05e-3')).toEqual([0.000005, 0.000005]);
    expect(halfUnits('2e3')).toEqual([500]);
    expect(formatLike('6.6e-4 / —', 0.0012345)).toBe('1.2e-3 / —');
    expect(formatLike('1.0e-3', -0.00104)).toBe('−1.0e-3');
    expect(formatLike('2e3', 25000)).toBe('3e4');
  });

  it('writes a reproduced value the way the quote is written', () => {
    expect(formatLike('0.0614 ± 0.0192', [0.061449, 0.01916])).toBe('0.0614 ± 0.0192');
    expect(formatLike('0.0027 ± 0.0162', [-0.00304, 0.0109])).toBe('−0.0030 ± 0.0109');
    expect(formatLike('68,396', 1234567)).toBe('1,234,567');
    expect(formatLike('2127', 2127)).toBe('2127');
    expect(formatLike('99.50% (98.75%)', [100, 99.996])).toBe('100.00% (100.00%)');
    // A negative value that rounds to zero is written without a sign.
    expect(formatLike('0.0250', -0.00001)).toBe('0.0000');
    expect(formatLike('abc', 'def')).toBe('def');
  });
});

describe('comparing a claim', () => {
  it('matches within half a unit of the last quoted digit and differs just beyond', () => {
    expect(compareClaim(claim({}), [0.06144, 0.01915]).status).toBe('match');
    // 0.06145 is on the boundary: still the quoted 0.0614 or 0.0615 by rounding, so not a difference.
    expect(compareClaim(claim({}), [0.06145, 0.0192]).status).toBe('match');
    const off = compareClaim(claim({}), [0.06146, 0.0192]);
    expect(off.status).toBe('differ');
    expect(off.delta![0]).toBeCloseTo(0.00006, 10);
    expect(off.reproducedText).toBe('0.0615 ± 0.0192');
    // The sd counts as much as the mean.
    expect(compareClaim(claim({}), [0.0614, 0.0194]).status).toBe('differ');
  });

  it('uses a tolerance per number when the quote mixes precisions', () => {
    const c = claim({ quoted: '70.8 / 22', value: [70.8, 22], tolerance: [0.05, 0.5] });
    expect(compareClaim(c, [70.84, 22.4]).status).toBe('match');
    expect(compareClaim(c, [70.84, 22.6]).status).toBe('differ');
    expect(compareClaim(c, [70.86, 22]).status).toBe('differ');
  });

  it('compares integers exactly enough and texts exactly', () => {
    const bytes = claim({ quoted: '1,352', value: 1352, tolerance: 0.5 });
    expect(compareClaim(bytes, 1352).status).toBe('match');
    expect(compareClaim(bytes, 1353).status).toBe('differ');
    const hash = claim({ quoted: 'ab12', value: 'ab12', tolerance: 0 });
    expect(compareClaim(hash, 'ab12').status).toBe('match');
    expect(compareClaim(hash, 'ab13')).toMatchObject({ status: 'differ', reproducedText: 'ab13' });
  });

  it('reports a missing, malformed or non-finite value as not matching', () => {
    expect(compareClaim(claim({}), undefined)).toMatchObject({
      status: 'missing',
      reproduced: null,
      reproducedText: null,
    });
    expect(compareClaim(claim({}), [0.0614]).status).toBe('differ');
    expect(compareClaim(claim({}), [Number.NaN, 0.0192]).status).toBe('differ');
  });

  it('looks claims up by key: several claims may quote one value', () => {
    const a = claim({ id: 'README.md#x', key: 'x' });
    const b = claim({
      id: 'docs/m.md#x',
      key: 'x',
      quoted: '0.061 ± 0.019',
      value: [0.061, 0.019],
      tolerance: 0.0005,
    });
    const c = claim({ id: 'docs/m.md#y', key: 'y' });
    const out = compareClaims([a, b, c], { x: [0.06141, 0.0192] });
    expect(out.map((o) => o.status)).toEqual(['match', 'match', 'missing']);
  });
});

describe('the Markdown', () => {
  it('writes a table with its title and note, escaping pipes', () => {
    expect(
      markdownTable({ title: 'T', note: 'n', header: ['a', 'b'], rows: [['1', 'x | y']] }),
    ).toBe('### T\n\nn\n\n| a | b |\n| --- | --- |\n| 1 | x \\| y |');
  });

  it('lists the claims that differ first and says how many', () => {
    const compared = compareClaims([claim({ id: 'a', key: 'a' }), claim({ id: 'b', key: 'b' })], {
      a: [0.0614, 0.0192],
      b: [0.07, 0.0192],
    });
    const md = comparisonMarkdown(compared).split('\n');
    expect(md[2]).toBe('1 of 2 quoted numbers differ beyond their stated noise: b.');
    expect(md[6]).toBe('| differ | b | doc.md | 0.0614 ± 0.0192 | 0.0700 ± 0.0192 |');
    expect(md[7]).toBe('| match | a | doc.md | 0.0614 ± 0.0192 | 0.0614 ± 0.0192 |');
    expect(comparisonMarkdown(compared.slice(0, 1)).split('\n')[2]).toBe(
      'All 1 quoted numbers reproduce within their stated noise.',
    );
  });
});
