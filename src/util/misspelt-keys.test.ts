import { describe, expect, it } from 'vitest';
import { refuseMisspeltKeys } from './misspelt-keys.js';

const fail = (field: string, value: unknown, expected: string): never => {
  throw new Error(`${field}: got ${JSON.stringify(value)}, expected ${expected}`);
};
const check = (object: Record<string, unknown>) => () =>
  refuseMisspeltKeys(object, 'file', ['group_levels', 'offers', 'k', 'sha256'], fail);

describe('refuseMisspeltKeys', () => {
  it('refuses a key one edit from a known one: added, dropped, changed or swapped letter, case and _ aside', () => {
    for (const key of [
      'group_level',
      'group_levelss',
      'group_lebels',
      'gruop_levels',
      'GroupLevels',
      'ofers',
      'sha265',
    ]) {
      expect(check({ [key]: 1 })).toThrow(`file.${key}: got 1, expected `);
    }
    expect(check({ ofers: [] })).toThrow(
      'file.ofers: got [], expected offers (a field one edit from a known one is refused as misspelt; known here: group_levels, offers, k, sha256)',
    );
  });

  it('ignores known keys, keys two edits away, and keys near a known key of under 4 letters', () => {
    expect(check({ group_levels: 1, offers: 2, k: 3, sha256: 4 })).not.toThrow();
    expect(check({ grp_levels: 1, notes: 'x', kk: 2, n: 3 })).not.toThrow();
  });

  it('names a key that is not an identifier in brackets', () => {
    expect(() => refuseMisspeltKeys({ 'offer s': 1 }, '', ['offers'], fail)).toThrow(
      '["offer s"]: got 1, expected offers',
    );
  });
});
