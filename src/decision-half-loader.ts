/**
 * How {@link Offerwise} gets its decision half in the ESM build: a dynamic `import()`, so that a
 * bundler puts the decision half (catalog, predictor, decider, outbox) in a chunk of its own and
 * the app's first chunk carries only the profile half. The instance asks for it at once (it starts
 * sending pending feedback and loads the model when idle). The script-tag build replaces this
 * module with src/script-tag/loader.ts (same exports), which loads the decision half as a second
 * file when the page needs it.
 */
import type * as runtime from './decision-half.js';

/** The decision half's module: what a loader hands to {@link Offerwise}. */
export type RuntimeModule = Pick<typeof runtime, 'createRuntime'>;

/** The decision half, as its own chunk. */
export function loadRuntime(): RuntimeModule | Promise<RuntimeModule> {
  return import('./decision-half.js');
}

/** When an instance creates its decision half: here, at once. */
export function scheduleRuntime(start: () => void): void {
  start();
}
