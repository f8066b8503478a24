// The script tag's `data-image-origins` (space-separated) reaches the configuration as a list,
// and an invalid entry is refused naming it. Each case runs src/script-tag/core.ts afresh as the tag would.
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
