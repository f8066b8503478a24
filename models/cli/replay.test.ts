// @vitest-environment node
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decide/random.js';
import { syntheticRows } from '../campaign/world.js';
import { formatHillstrom, type HillstromRow } from '../lib/hillstrom.js';
import { main as replay } from './replay.js';

// `npm run replay`'s flags and data checked before any fold is fitted: one line that names the
// flag or file, the value and what was expected.
const dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
const ARMS = ['mens', 'womens', 'none'] as const;
const random = seededRandom(5);
/** `count` synthetic shoppers, e-mails round-robin, a visit for one in four. */
const csv = (name: string, count: number) => {
  const rows: HillstromRow[] = syntheticRows(count, random).map((row, i) => ({
    ...row,
    arm: ARMS[i % 3]!,
    visit: i % 4 === 0 ? 1 : 0,
  }));
  const file = join(dir, name);
  writeFileSync(file, formatHillstrom(rows));
  return file;
};
const twelve = csv('twelve.csv', 12);
const headerOnly = csv('header-only.csv', 0);
const run = (...flags: string[]) =>
  replay(['--data', twelve, '--segments', 'none', '--family', 'two-model-logistic', ...flags]);

describe('npm run replay', () => {
  it('refuses folds below 2 or above 100 and a seed beyond 32 bits', async () => {
    for (const folds of ['0', '1', '500']) {
      await expect(run('--folds', folds)).rejects.toThrow(
        `--folds: got "${folds}", expected a whole number from 2 to 100`,
      );
    }
    await expect(run('--seed', '99999999999999999999999')).rejects.toThrow(
      '--seed: got "99999999999999999999999", expected a whole number from 0 to 4294967295',
    );
    await expect(run('--seed', '4294967296')).rejects.toThrow(
      '--seed: got "4294967296", expected a whole number from 0 to 4294967295',
    );
  });

  it('refuses more folds than rows, and a file with no rows, naming the file', async () => {
    await expect(run('--folds', '13')).rejects.toThrow(
      `--folds: got "13", expected at most 12 (the rows of ${twelve}: one or more per fold)`,
    );
    await expect(
      replay(['--data', headerOnly, '--segments', 'none', '--folds', '3']),
    ).rejects.toThrow(
      `--data ${headerOnly}: got a header and no rows, expected at least 3 shoppers (one per fold)`,
    );
  });

  it('takes one fold per row', async () => {
    const result = await run('--folds', '12', '--seed', '4294967295');
    expect(result).toMatchObject({ rows: 12, family: 'two-model-logistic' });
    expect(result.incrementalVisitsPer1000.map((r) => r.policy)).toEqual([
      'uplift',
      'most_likely_to_buy',
      'biggest_discount',
      'random',
    ]);
  }, 60_000);
});
