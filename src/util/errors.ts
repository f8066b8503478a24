/** Stable machine-readable codes carried by every {@link OfferwiseError}. */
export type OfferwiseErrorCode =
  | 'invalid_config'
  | 'invalid_event'
  | 'invalid_consent'
  | 'storage_unavailable'
  | 'storage_failed'
  | 'destroyed'
  | 'worker_unavailable'
  | 'worker_timeout'
  | 'worker_crashed'
  | 'model_unavailable'
  | 'model_mismatch'
  | 'model_invalid'
  | 'runtime_unavailable'
  | 'load_failed'
  | 'invalid_input'
  | 'invalid_catalog'
  | 'invalid_feedback'
  | 'invalid_segments'
  | 'invalid_effects';

/** Optional detail that lets integrators and tools act on an error without parsing its text. */
export interface OfferwiseErrorDetails {
  /** Path of the offending field, e.g. `ecommerce.items[2].price`. */
  field?: string;
  /** The value that was received (kept short; never a whole payload). */
  value?: unknown;
  /** What was expected instead, in words. */
  expected?: string;
  /** The underlying error, when one caused this one. */
  cause?: unknown;
}

/**
 * The one error class of offerwise. `code` is stable; `message` names the field, the value and
 * what was expected so that a misconfigured integration can be fixed from the console alone.
 */
export class OfferwiseError extends Error {
  readonly code: OfferwiseErrorCode;
  readonly field: string | undefined;
  readonly value: unknown;
  readonly expected: string | undefined;

  constructor(code: OfferwiseErrorCode, message: string, details: OfferwiseErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'OfferwiseError';
    this.code = code;
    this.field = details.field;
    this.value = details.value;
    this.expected = details.expected;
  }
}

/** Renders a received value for an error message: short, single-line, never throws. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    const s = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(s);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === 'function') return 'function';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** `Name: message` of a caught error (a DOMException's name says most), for diagnostics. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Builds an error whose message follows the house format: `<field>: got <value>, expected <expected>`. */
export function fieldError(
  code: OfferwiseErrorCode,
  field: string,
  value: unknown,
  expected: string,
): OfferwiseError {
  return new OfferwiseError(code, `${field}: got ${describeValue(value)}, expected ${expected}`, {
    field,
    value,
    expected,
  });
}
