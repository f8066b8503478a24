import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateSegments } from '../../src/learning/segments.js';
import { main } from './segments.js';

// `npm run segments` on a small browsing population (no Hillstrom rows): the cap on k for the
// reports' ε, the dimensions to group on, and one-line errors.
const quiet = () => undefined;
const out = () => join(mkdtempSync(join(tmpdir(), 'segments-cli-')), 'segments.json');

describe('npm run segments', () => {
  it('caps k at e^ε + 1 for the reports’ ε, and not at all for inf', async () => {
    const file = out();
    const capped = await main(
      ['--out', file, '--shoppers', '300', '--hillstrom', 'none', '--epsilon', '1'],
      quiet,
    );
    // e + 1 = 3.72: only k = 3 is tried (k-min 4 lowered to the cap).
    expect(capped).toMatchObject({ k: 3, epsilon: 1 });
    expect(Object.keys(capped.silhouette)).toEqual(['3']);
    expect(validateSegments(JSON.parse(readFileSync(file, 'utf8'))).centroids).toHaveLength(3);
    const open = await main(
      [
        '--out',
        out(),
        '--shoppers',
        '300',
        '--hillstrom',
        'none',
        '--epsilon',
        'inf',
        '--k-max',
        '5',
      ],
      quiet,
    );
    expect(open).toMatchObject({ epsilon: 'inf' });
    expect(Object.keys(open.silhouette)).toEqual(['4', '5']);
  }, 60_000);

  it('says what is wrong in one line', async () => {
    const run = (...extra: string[]) =>
      main(['--out', out(), '--shoppers', '300', '--hillstrom', 'none', ...extra], quiet);
    await expect(run('--epsilon', '0')).rejects.toThrow(
      '--epsilon: got "0", expected a number in (0, 100], or inf (exact groups)',
    );
    await expect(run('--dims', 'bogus')).rejects.toThrow(
      /^--dims: "bogus" is not a profile dimension; expected one of recency_months/,
    );
    // The loop's cap on shoppers, refused before a single profile is simulated.
    await expect(
      main(
        ['--out', out(), '--shoppers', '1000000000000', '--hillstrom', 'none', '--k', '4'],
        quiet,
      ),
    ).rejects.toThrow('--shoppers: got "1000000000000", expected a whole number from 0 to 1000000');
    await expect(run('--hillstrom-rows', '10000000')).rejects.toThrow(
      '--hillstrom-rows: got "10000000", expected a whole number from 0 to 1000000',
    );
    await expect(run('--seed', '99999999999999999999999')).rejects.toThrow(
      '--seed: got "99999999999999999999999", expected a whole number from 0 to 4294967295',
    );
  }, 60_000);

  it('takes an explicit k above the cap, with a warning naming the cap', async () => {
    const notes: string[] = [];
    const fit = await main(
      ['--out', out(), '--shoppers', '300', '--hillstrom', 'none', '--k', '12'],
      (line) => notes.push(line),
    );
    expect(fit).toMatchObject({ k: 12, epsilon: 2 });
    expect(notes[0]).toBe(
      "segments: warning: --k 12 is above the cap k ≤ e^ε + 1 (8 at ε = 2): a device's report names its true group less than half the time",
    );
    // At the cap, or with exact reports, nothing to warn about.
    const quietNotes: string[] = [];
    const log = (line: string) => quietNotes.push(line);
    await main(['--out', out(), '--shoppers', '300', '--hillstrom', 'none', '--k', '8'], log);
    await main(
      ['--out', out(), '--shoppers', '300', '--hillstrom', 'none', '--k', '12', '--epsilon', 'inf'],
      log,
    );
    expect(quietNotes.filter((line) => line.includes('warning'))).toEqual([]);
  }, 60_000);
});
