import { OfferwiseError } from './errors.js';

/** How long `indexedDB.open` (or a delete) may take before a store falls back to memory. */
export const OPEN_TIMEOUT_MS = 3000;

/**
 * Settles like `promise`, or rejects with `storage_unavailable` after `ms`. A value that arrives
 * late goes to `onLate` (e.g. to close a connection nobody will use).
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  onLate: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new OfferwiseError('storage_unavailable', `IndexedDB did not open within ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        if (settled) onLate(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!settled) reject(error);
      },
    );
  });
}

/** True for the errors a closed or lost connection produces; those are worth one reopen. */
export function isConnectionError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  return (
    name === 'InvalidStateError' ||
    /connection.*(lost|closed|closing)|database.*closing|being deleted/i.test(message)
  );
}

/** `Name: message` of an error, for diagnostics. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
