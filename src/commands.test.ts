// The script-tag snippet's command queue: every command runs, none can break the others.
import { describe, expect, it } from 'vitest';
import { runCommands } from './commands.js';
import type { DiagnosticCode } from './util/diagnostic-codes.js';

function target() {
  const calls: unknown[][] = [];
  return {
    calls,
    track: (event: unknown) => {
      calls.push(['track', event]);
      return Promise.reject(new Error('invalid_event'));
    },
    consent: (state: unknown) => {
      calls.push(['consent', state]);
      return Promise.resolve();
    },
    forget: () => {
      calls.push(['forget']);
      return Promise.resolve();
    },
    attachDataLayer: () => {
      throw new TypeError('not an array');
    },
    // Not a command: the queue must not reach it.
    destroy: () => calls.push(['destroy']),
  };
}

describe('runCommands()', () => {
  it('runs commands and functions in order and reports what it skipped or what threw', async () => {
    const t = target();
    const heard: [DiagnosticCode, string][] = [];
    const seen: unknown[] = [];
    const count = runCommands(
      t,
      [
        ['consent', 'granted'],
        ['destroy'],
        ['track', { event: 'x' }],
        (instance: unknown) => seen.push(instance),
        ['attachDataLayer', 'nope'],
        42,
        () => {
          throw new Error('shop code');
        },
        ['forget'],
      ],
      (code, message) => heard.push([code, message]),
    );
    expect(count).toBe(8);
    expect(t.calls).toEqual([['consent', 'granted'], ['track', { event: 'x' }], ['forget']]);
    expect(seen).toEqual([t]);
    expect(heard).toEqual([
      [
        'invalid_command',
        'offerwise.push: got ["destroy", ...], expected ["track", event], ["consent", state] or a function',
      ],
      ['command_failed', 'offerwise.push: TypeError: not an array'],
      [
        'invalid_command',
        'offerwise.push: got number, expected ["track", event], ["consent", state] or a function',
      ],
      ['command_failed', 'offerwise.push: Error: shop code'],
    ]);
    // The rejected track() was observed: nothing is left unhandled.
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
});
