/**
 * How {@link Offerwise} gets its decision half in the ESM build: linked in, created with the
 * instance. The script-tag build replaces this module with src/script-tag/loader.ts (same exports),
 * which loads the decision half as a second file when the page needs it.
 */
import * as runtime from './decision-half.js';

/** The decision half's module: what a loader hands to {@link Offerwise}. */
export type RuntimeModule = Pick<typeof runtime, 'createRuntime'>;

/** The decision half, at once. */
export function loadRuntime(): RuntimeModule | Promise<RuntimeModule> {
  return runtime;
}

/** When an instance creates its decision half: here, at once. */
export function scheduleRuntime(start: () => void): void {
  start();
}
