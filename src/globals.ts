// The script tag's globals, typed. `offerwise/iife` points its types here, so a page that loads
// the tag and writes TypeScript gets `window.Offerwise` and `window.offerwise` with
// `import type {} from 'offerwise/iife'` (or `"types": ["offerwise/iife"]` in its tsconfig).
// Types only: nothing here reaches a bundle.
import type { EventName } from './events/types.js';
import type { createOffers, Offerwise } from './offerwise.js';
import type { Predictor } from './predictor/predictor.js';
import type { OfferwiseError } from './util/errors.js';

/** `window.Offerwise`: the module as the script tag exposes it (src/script-tag/core.ts). */
export interface OfferwiseGlobal {
  createOffers: typeof createOffers;
  Offerwise: typeof Offerwise;
  OfferwiseError: typeof OfferwiseError;
  version: string;
  EVENT_NAMES: readonly EventName[];
  /** Loads the second file (the decision half and the `ow-` elements); resolves with this object. */
  load(): Promise<OfferwiseGlobal>;
  /** Present once the second file has run (after `load()`, or a first decision). */
  Predictor?: typeof Predictor;
}

/**
 * What a page may put in `window.offerwise` before the tag has loaded: commands it replays in
 * order (`["track", event]`, `["consent", state]`, `["forget"]`, `["attachDataLayer", layer]`, or a
 * function), as `offerwise.push()` takes them.
 */
export type OfferwiseCommandQueue = unknown[];

declare global {
  interface Window {
    /** The module, defined by the script tag. */
    Offerwise?: OfferwiseGlobal;
    /**
     * The instance the tag configured from its `data-*` attributes (with a `ready` promise), or,
     * before the tag ran, the page's queue of commands.
     */
    offerwise?: Offerwise | OfferwiseCommandQueue;
  }
}
