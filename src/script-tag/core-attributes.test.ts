// @vitest-environment happy-dom
// The script tag's data-* attributes that need parsing reach the configuration: `data-image-origins`
// (space-separated) as a list, `data-learning-epsilon` as `learning.epsilon`; an invalid value is
// refused naming it, and a tag with no attribute configures nothing. Each case runs
// src/script-tag/core.ts afresh as the tag would.
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

describe('data-image-origins', () => {
  it('is split on white space into config.imageOrigins and accepted', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await runTag({
      'data-consent': 'denied',
      'data-datalayer': 'off',
      'data-image-origins': '  https://cdn.a.example\n https://CDN.b.example:8443/  ',
    });
    expect((seen.configs[0] as OfferwiseConfig).imageOrigins).toEqual([
      'https://cdn.a.example',
      'https://CDN.b.example:8443/',
    ]);
    expect(warn).not.toHaveBeenCalled();
    const instance = (globalThis as Globals).offerwise;
    expect(instance).toBeDefined();
    expect(Array.isArray(instance)).toBe(false);
  });

  it('an invalid entry: invalid_config naming it, on the console once, and no instance', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await runTag({ 'data-image-origins': 'https://cdn.a.example http://cdn.b.example' });
    expect(warn.mock.calls).toEqual([
      [
        '[offerwise] invalid_config: config.imageOrigins[1]: got "http://cdn.b.example", expected an https origin without a path, e.g. "https://cdn.shop.example". Fix the data-* attributes of the offerwise script tag.',
      ],
    ]);
    expect((globalThis as Globals).offerwise).toBeUndefined();
    expect((globalThis as Globals).Offerwise).toBeDefined();
  });
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
