// The script tag's `data-learning-epsilon` reaches the configuration as `learning.epsilon`, a tag
// with no other attribute still configures an instance, and a value that is not a number from 0
// to 10 is refused naming it. Each case runs src/script-tag/core.ts afresh as the tag would.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freshIndexedDB } from '../../test/support/fake-idb.js';
import type { OfferwiseConfig } from '../config.js';

const seen = vi.hoisted(() => ({ configs: [] as unknown[] }));

vi.mock('../config.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../config.js')>();
  return {
    ...actual,
    resolveConfig: (input: unknown) => {
      seen.configs.push(input);
      return actual.resolveConfig(input);
    },
  };
});

interface Globals {
  Offerwise?: unknown;
  offerwise?: { destroy(): Promise<void> } | unknown[];
}

/** Runs the script-tag entry with a tag carrying `attributes` as `document.currentScript`. */
async function runTag(attributes: Record<string, string>): Promise<void> {
  const script = document.createElement('script');
  script.type = 'text/x-not-run'; // happy-dom does not fetch it
  for (const [name, value] of Object.entries(attributes)) script.setAttribute(name, value);
  Object.defineProperty(document, 'currentScript', { value: script, configurable: true });
  vi.resetModules();
  await import('./core.js');
}

beforeEach(() => {
  freshIndexedDB();
  seen.configs = [];
});

afterEach(async () => {
  const g = globalThis as Globals;
  const instance = g.offerwise;
  if (instance && !Array.isArray(instance)) await instance.destroy();
  delete g.Offerwise;
  delete g.offerwise;
  Reflect.deleteProperty(document, 'currentScript');
  vi.restoreAllMocks();
});

describe('data-learning-epsilon', () => {
  it.each([
    ['0.5', 0.5],
    ['0', 0],
  ])(
    '%j becomes config.learning.epsilon, and alone configures an instance',
    async (value, epsilon) => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      await runTag({ 'data-learning-epsilon': value });
      expect(seen.configs).toEqual([{ learning: { epsilon }, dataLayer: true }]);
      expect(warn).not.toHaveBeenCalled();
      const instance = (globalThis as Globals).offerwise;
      expect(instance).toBeDefined();
      expect(Array.isArray(instance)).toBe(false);
    },
  );

  it.each([
    ['', 'config.learning.epsilon: got NaN, expected a number from 0 to 10'],
    ['two', 'config.learning.epsilon: got NaN, expected a number from 0 to 10'],
    ['12', 'config.learning.epsilon: got 12, expected a number from 0 to 10'],
  ])('%j: invalid_config naming it, and no instance', async (value, message) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await runTag({ 'data-learning-epsilon': value });
    expect(warn.mock.calls).toEqual([
      [
        `[offerwise] invalid_config: ${message}. Fix the data-* attributes of the offerwise script tag.`,
      ],
    ]);
    expect((globalThis as Globals).offerwise).toBeUndefined();
  });

  it('a tag without any data-* attribute configures nothing', async () => {
    await runTag({});
    expect(seen.configs).toEqual([]);
    expect((globalThis as Globals).offerwise).toBeUndefined();
  });
});
