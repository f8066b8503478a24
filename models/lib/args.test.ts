import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { OfferwiseError } from '../../src/util/errors.js';
import { errorMessage, fileFlag, jsonFlag, numberFlag, parseArgs, timeFlag } from './args.js';
import { DATA_HINT, realDataFile } from './paths.js';

const spec = {
  data: { required: true, expected: 'a CSV file' },
  seed: { default: '1', integer: true },
  outcome: { default: 'visit', choices: ['visit', 'conversion'] },
  feedback: { list: true },
  budgets: { list: true, integer: true, default: ['300', '1000'] },
  out: {},
} as const;

/** Parses with the deprecation notes collected instead of printed. */
function parse(argv: string[]) {
  const notes: string[] = [];
  const flags = parseArgs(argv, spec, { warn: (m) => notes.push(m) });
  return { flags, notes };
}

describe('parseArgs', () => {
  it('fills defaults and leaves optional flags out', () => {
    expect(parse(['--data', 'x.csv']).flags).toEqual({
      data: 'x.csv',
      seed: '1',
      outcome: 'visit',
      budgets: ['300', '1000'],
    });
  });

  it('types each flag by its spec', () => {
    const { flags } = parse(['--data', 'x']);
    expectTypeOf(flags.data).toEqualTypeOf<string>();
    expectTypeOf(flags.seed).toEqualTypeOf<string>();
    expectTypeOf(flags.outcome).toEqualTypeOf<'visit' | 'conversion'>();
    expectTypeOf(flags.feedback).toEqualTypeOf<string[] | undefined>();
    expectTypeOf(flags.budgets).toEqualTypeOf<string[]>();
    expectTypeOf(flags.out).toEqualTypeOf<string | undefined>();
  });

  it('takes every value up to the next flag for a list flag', () => {
    const { flags, notes } = parse([
      '--feedback',
      'a.jsonl',
      'b.jsonl',
      'c.jsonl',
      '--data',
      'x',
      '--budgets',
      '10',
      '20',
    ]);
    expect(flags.feedback).toEqual(['a.jsonl', 'b.jsonl', 'c.jsonl']);
    expect(flags.budgets).toEqual(['10', '20']);
    expect(notes).toEqual([]);
  });

  it('still splits the old comma list of a list flag, with a deprecation note', () => {
    const { flags, notes } = parse(['--data', 'x', '--feedback', 'a.jsonl,b.jsonl,']);
    expect(flags.feedback).toEqual(['a.jsonl', 'b.jsonl']);
    expect(notes).toEqual([
      '--feedback a,b is deprecated and will be refused in the next release: write --feedback a.jsonl b.jsonl',
    ]);
  });

  it('keeps a file whose name has a comma whole', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'args-')), 'day 1,2.jsonl');
    writeFileSync(file, '');
    const { flags, notes } = parse(['--data', 'x', '--feedback', file]);
    expect(flags.feedback).toEqual([file]);
    expect(notes).toEqual([]);
  });

  it('names the flag, what it got and what it expected', () => {
    const cases: [string[], string][] = [
      [[], '--data: got nothing, expected a CSV file (required)'],
      [['--data'], '--data: got nothing, expected a CSV file'],
      [['--data', 'x', '--seed', 'one'], '--seed: got "one", expected a whole number'],
      [['--data', 'x', '--budgets', '5', '1e3'], '--budgets: got "1e3", expected a whole number'],
      [
        ['--data', 'x', '--outcome', 'spend'],
        '--outcome: got "spend", expected one of visit, conversion',
      ],
      [
        ['--dat', 'x'],
        'argument: got "--dat", expected one of --data, --seed, --outcome, --feedback, --budgets, --out',
      ],
      [['x', '--data', 'y'], 'argument: got "x", expected a flag first'],
      [
        ['--data', 'x', '--out', 'a', 'b'],
        '--out: got "a b", expected one value (only list flags take several)',
      ],
      [['--data', 'x', '--data', 'y'], '--data: got it twice, expected it once'],
      [
        ['--data', 'x', '--feedback', 'a', '--feedback', 'b'],
        '--feedback: got it twice, expected it once with every value after it (--feedback a b)',
      ],
    ];
    for (const [argv, message] of cases) {
      let error: unknown;
      try {
        parse(argv);
      } catch (e) {
        error = e;
      }
      expect(error, argv.join(' ')).toBeInstanceOf(OfferwiseError);
      expect((error as OfferwiseError).code).toBe('invalid_input');
      expect((error as Error).message.startsWith(message), (error as Error).message).toBe(true);
    }
  });

  it('reads a negative number as a value, not a flag', () => {
    expect(parseArgs(['--shift', '-2'], { shift: {} })).toEqual({ shift: '-2' });
  });
});

describe('numberFlag', () => {
  it('accepts the range and its closed ends', () => {
    expect(numberFlag('share', '1', { min: 0, max: 1, aboveMin: true })).toBe(1);
    expect(numberFlag('share', '0.25', { min: 0, max: 1, aboveMin: true })).toBe(0.25);
    expect(numberFlag('k', '1', { min: 1, max: 100, integer: true })).toBe(1);
  });

  it('refuses what is outside, open ends and fractions of whole numbers', () => {
    expect(() => numberFlag('share', '0', { min: 0, max: 1, aboveMin: true })).toThrow(
      '--share: got "0", expected a number in (0, 1]',
    );
    expect(() => numberFlag('share', '', { min: 0, max: 1, aboveMin: true })).toThrow(
      '--share: got "", expected a number in (0, 1]',
    );
    expect(() => numberFlag('k', '2.5', { min: 1, max: 100, integer: true })).toThrow(
      '--k: got "2.5", expected a whole number from 1 to 100',
    );
    expect(() => numberFlag('days', 'NaN', { min: 1, max: 10 })).toThrow(
      '--days: got "NaN", expected a number from 1 to 10',
    );
  });
});

describe('timeFlag', () => {
  it('takes an ISO date-time from 2000 to 2100 and names what it refuses', () => {
    expect(timeFlag('start', '2026-12-01T00:00:00Z')).toBe(Date.UTC(2026, 11, 1));
    expect(timeFlag('now', '2026-12-01')).toBe(Date.UTC(2026, 11, 1));
    for (const bad of ['yesterday', '1999-12-31T23:59:59Z', '2100-01-01T00:00:00Z', '12/01/2026']) {
      expect(() => timeFlag('start', bad)).toThrow(
        `--start: got ${JSON.stringify(bad)}, expected an ISO date-time from 2000 to 2100`,
      );
    }
  });

  it('refuses a day its month does not have (Date.parse would roll it over)', () => {
    expect(timeFlag('now', '2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
    expect(() => timeFlag('now', '2026-02-30T00:00:00Z')).toThrow(
      '--now: got "2026-02-30T00:00:00Z", expected an ISO date-time on a day that exists (2026-02 has no day 30)',
    );
    expect(() => timeFlag('now', '2026-04-31')).toThrow('(2026-04 has no day 31)');
  });
});

describe('files named by flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'args-files-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('fileFlag names the flag, the path and what to do', () => {
    const missing = join(dir, 'missing.csv');
    expect(() => fileFlag('data', missing)).toThrow(
      `--data: got "${missing}", expected a file that exists`,
    );
    expect(() => fileFlag('data', missing, DATA_HINT)).toThrow(
      `--data: got "${missing}", expected a file that exists (\`npm run data\` fetches the real data sets into data/)`,
    );
    // A directory is not a file.
    expect(() => fileFlag('data', dir)).toThrow('expected a file that exists');
    const present = file('rows.csv', 'a\n');
    expect(fileFlag('data', present)).toBe(present);
  });

  it('jsonFlag reads, parses and validates, every error starting with the flag and the file', () => {
    const good = file('good.json', '{"k": 3}');
    // The validator gets the parsed JSON and the very bytes (for a hash).
    expect(jsonFlag('space', good, (json, bytes) => [json, bytes.toString('utf8')])).toEqual([
      { k: 3 },
      '{"k": 3}',
    ]);
    const missing = join(dir, 'none.json');
    expect(() => jsonFlag('space', missing, (json) => json)).toThrow(
      `--space: got "${missing}", expected a file that exists`,
    );
    const cut = file('cut.json', '{"k": ');
    expect(() => jsonFlag('space', cut, (json) => json)).toThrow(
      new RegExp(`^--space ${cut}: not JSON \\(.+\\)$`),
    );
    expect(() =>
      jsonFlag('space', good, () => {
        throw new OfferwiseError('invalid_input', 'space.k: got 3, expected an object');
      }),
    ).toThrow(`--space ${good}: space.k: got 3, expected an object`);
  });

  it('errorMessage gives an error’s message, or the thrown value as text', () => {
    expect(errorMessage(new RangeError('out of range'))).toBe('out of range');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('42');
  });

  it('realDataFile prefers ../shared/data, then data/ (where npm run data writes)', () => {
    const shared = mkdtempSync(join(tmpdir(), 'args-shared-'));
    const local = mkdtempSync(join(tmpdir(), 'args-local-'));
    // Neither has it: the local path, so the flag's error names where npm run data would write.
    expect(realDataFile('h.csv', shared, local)).toBe(join(local, 'h.csv'));
    writeFileSync(join(local, 'h.csv'), 'x');
    expect(realDataFile('h.csv', shared, local)).toBe(join(local, 'h.csv'));
    writeFileSync(join(shared, 'h.csv'), 'x');
    expect(realDataFile('h.csv', shared, local)).toBe(join(shared, 'h.csv'));
  });
});
