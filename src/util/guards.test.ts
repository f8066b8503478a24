// The never-throw wrapper of the methods that answer the page (decide(), recommend()).
import { describe, expect, it } from 'vitest';
import type { DiagnosticCode } from './diagnostic-codes.js';
import { describeError, fieldError, OfferwiseError } from './errors.js';
import { orFallback } from './guards.js';

function recorder() {
  const heard: [DiagnosticCode, string][] = [];
  return { heard, report: (code: DiagnosticCode, message: string) => heard.push([code, message]) };
}

describe('orFallback()', () => {
  it("passes the task's result through and reports nothing", async () => {
    const { heard, report } = recorder();
    const result = await orFallback(
      async () => 42,
      () => 0,
      'decide()',
      'decide_failed',
      report,
    );
    expect(result).toBe(42);
    expect(heard).toEqual([]);
  });

  it('answers any other failure with the fallback and one diagnostic naming the method', async () => {
    const { heard, report } = recorder();
    const storage = new OfferwiseError('storage_failed', 'disk full');
    const result = await orFallback(
      () => Promise.reject(storage),
      () => 'empty',
      'recommend()',
      'recommend_failed',
      report,
    );
    expect(result).toBe('empty');
    expect(heard).toEqual([
      ['recommend_failed', 'recommend(): OfferwiseError: disk full; showing nothing'],
    ]);
  });

  it('also catches a task that throws before it returns a promise', async () => {
    const { heard, report } = recorder();
    const result = await orFallback(
      () => {
        throw new TypeError('x is undefined');
      },
      () => [],
      'decide()',
      'decide_failed',
      report,
    );
    expect(result).toEqual([]);
    expect(heard).toEqual([
      ['decide_failed', 'decide(): TypeError: x is undefined; showing nothing'],
    ]);
  });

  it('still rejects a malformed request (invalid_input): only its caller can fix it', async () => {
    const { heard, report } = recorder();
    const invalid = fieldError('invalid_input', 'decide().limit', 0, 'a whole number from 1 to 20');
    await expect(
      orFallback(
        () => Promise.reject(invalid),
        () => 'empty',
        'decide()',
        'decide_failed',
        report,
      ),
    ).rejects.toBe(invalid);
    expect(heard).toEqual([]);
  });
});

describe('describeError()', () => {
  it('gives the name and the message of an error, and any other value as a string', () => {
    const blocked = new Error('The operation is insecure.');
    blocked.name = 'SecurityError';
    expect(describeError(blocked)).toBe('SecurityError: The operation is insecure.');
    expect(describeError('quota')).toBe('quota');
    expect(describeError(undefined)).toBe('undefined');
  });
});
