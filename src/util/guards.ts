import type { DiagnosticCode, ReportDiagnostic } from './diagnostic-codes.js';
import { OfferwiseError } from './errors.js';

/** True for `{}`-style objects (not arrays, null, class instances from other realms' arrays). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

/** Ensures a promise's rejection is observed so fire-and-forget callers never see "unhandled". */
export function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * The never-throw rule of a method that answers the page (`decide()`, `recommend()`): the result
 * of `task`, or, when it fails for any reason but a malformed request, `fallback()` and the
 * diagnostic `code`. A malformed request (`invalid_input`) still rejects: only its caller can fix it.
 */
export async function orFallback<T>(
  task: () => Promise<T>,
  fallback: () => T,
  method: string,
  code: DiagnosticCode,
  report: ReportDiagnostic,
): Promise<T> {
  try {
    return await task();
  } catch (error) {
    if (error instanceof OfferwiseError && error.code === 'invalid_input') throw error;
    report(code, `${method}: ${String(error)}; showing nothing`);
    return fallback();
  }
}
