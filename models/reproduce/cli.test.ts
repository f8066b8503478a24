// @vitest-environment node
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/reproduce.js';

describe('npm run reproduce', () => {
  it('names the missing data file and npm run data before running any part', async () => {
    const data = mkdtempSync(join(tmpdir(), 'reproduce-data-'));
    const out = join(data, 'out');
    await expect(main(['--data', data, '--only', 'model', '--out', out], () => {})).rejects.toThrow(
      `--data ${data}: ${join(data, 'hillstrom-train.csv')} not found (the model part reads it): run npm run data (it downloads them; --from <dir> copies local ones)`,
    );
    // All parts: the Hillstrom file is there, so the check stops at the YOOCHOOSE one, and
    // nothing was run or written.
    writeFileSync(join(data, 'hillstrom-train.csv'), 'not read\n');
    const error = await main(['--data', data, '--out', out], () => {}).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /yoochoose-clicks-train\.tsv not found \(the recs part/,
    );
    expect((error as Error).message).not.toMatch(/\n/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an unknown part', async () => {
    await expect(main(['--only', 'ope-coverage'], () => {})).rejects.toThrow(
      '--only: got "ope-coverage", expected one of model, recs, analytics, ope',
    );
  });
});
