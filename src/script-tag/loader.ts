/**
 * The script tag's stand-in for src/decision-half-loader.ts (rollup swaps it in for the script-tag
 * build only). The tag a shop pastes holds the profile half of offerwise (track, dataLayer,
 * profile, consent); the decision half (catalog, predictor client, decisions, recommendations,
 * the feedback outbox) and the `ow-` elements live in a second file beside it,
 * `offerwise-runtime-<version>.js`, loaded:
 *
 * - at once when the page has an `ow-` element (parsed or added later), or calls a method that
 *   needs it (`decide()`, `recommend()`, `report()`, …);
 * - otherwise when the page is idle after `load`, to send feedback pending from earlier pages
 *   and to warm up the model for later decisions.
 *
 * The second file is pinned: when the tag has an `integrity` attribute, the loader gives the
 * runtime the hash the build computed for it (and the tag's `crossorigin`), so a pinned tag only
 * ever runs the code it was built with. It takes the modules both halves use (errors, guards,
 * IndexedDB helpers, the Trusted Types policy) from the tag through `Offerwise.__shared`, so that
 * `instanceof OfferwiseError` holds across both and nothing is downloaded twice.
 */
import * as idb from 'idb';
import * as empty from '../decide/empty.js';
import type { RuntimeModule } from '../decision-half-loader.js';
import * as errors from '../util/errors.js';
import { OfferwiseError } from '../util/errors.js';
import * as guards from '../util/guards.js';
import * as idbUtil from '../util/idb.js';
import * as trusted from '../util/trusted.js';
import { trustedScriptUrl } from '../util/trusted.js';

/** The file name the build gives the decision half, and its Subresource Integrity hash. */
export const RUNTIME_FILE = '__OW_RUNTIME_FILE__';
const RUNTIME_INTEGRITY = '__OW_RUNTIME_INTEGRITY__';
/** After a failed load, calls within this time get the same failure (no request storm). */
const RETRY_AFTER_MS = 30_000;
/** Every element the runtime defines. */
export const ELEMENT_SELECTOR =
  'ow-offers,ow-coupon,ow-flash-sale,ow-member-deal,ow-recommendations,ow-why,ow-my-data';

/**
 * What both halves share, by the names rollup.config.mjs maps the runtime's imports of these
 * modules to (`Offerwise.__shared.<name>`); the build checks the two lists agree.
 */
export const SHARED_MODULES = { idb, empty, errors, guards, idbUtil, trusted };

/** What the runtime file hands back when it runs. */
export interface RuntimeExports extends RuntimeModule {
  /** The rest of the module API it adds to `window.Offerwise` (the predictor class). */
  api: Record<string, unknown>;
  /** Makes `instance` the one the `ow-` elements use. */
  useOfferwise(instance: unknown): void;
}

/** The script element that loaded the tag (read when the tag runs; null elsewhere). */
let tag: HTMLScriptElement | null = null;
let defined: ((exports: RuntimeExports) => void) | undefined;
let loading: Promise<RuntimeExports> | undefined;
let failedAt = -Infinity;
let failure: unknown;

/** Remembers the tag (called by src/script-tag/core.ts while it runs) and installs the runtime's hook. */
export function prepareRuntime(
  script: HTMLScriptElement | null,
  shared: { __shared?: unknown },
  onDefined: (exports: RuntimeExports) => void,
): void {
  tag = script;
  Object.defineProperty(shared, '__shared', {
    value: Object.freeze({
      ...SHARED_MODULES,
      /** Called by the runtime file when it has run. */
      define(exports: RuntimeExports) {
        onDefined(exports);
        defined?.(exports);
      },
    }),
  });
}

/**
 * The runtime file's URL: beside the tag. When the tag was not seen running (`currentScript` is
 * null, e.g. inserted by some tag managers), the first offerwise script tag of the document, else
 * the page's own directory.
 */
export function runtimeUrl(): string {
  if (typeof document === 'undefined') return RUNTIME_FILE;
  const script =
    tag?.src ||
    document.querySelector<HTMLScriptElement>('script[src*="offerwise"][src*=".iife.js"]')?.src;
  return new URL(RUNTIME_FILE, script || document.baseURI).href;
}

/** Loads the decision half once; a failure is kept for 30 s, then a later call tries again. */
export function loadRuntime(): Promise<RuntimeModule> {
  if (loading) return loading;
  if (Date.now() - failedAt < RETRY_AFTER_MS) return Promise.reject(failure);
  const url = runtimeUrl();
  loading = new Promise<RuntimeExports>((resolve, reject) => {
    if (typeof document === 'undefined') {
      reject(new OfferwiseError('load_failed', 'the offerwise runtime needs a document to load'));
      return;
    }
    let exports: RuntimeExports | undefined;
    defined = (value) => {
      exports = value;
    };
    const script = document.createElement('script');
    if (tag?.integrity) {
      script.integrity = RUNTIME_INTEGRITY;
      if (tag.crossOrigin !== null) script.crossOrigin = tag.crossOrigin;
    }
    const nonce = tag?.nonce;
    if (nonce) script.nonce = nonce;
    script.async = true;
    const failed = (why: string) =>
      new OfferwiseError(
        'load_failed',
        `the offerwise runtime ${url} ${why}; decisions, recommendations and feedback are off on this page. Host it beside offerwise.iife.js, unchanged`,
      );
    // The element has done its job once the file ran (or failed): the page's DOM is left as it was.
    script.addEventListener('load', () => {
      script.remove();
      if (exports) resolve(exports);
      else
        reject(failed('ran but did not define the runtime (not the file this tag was built with)'));
    });
    script.addEventListener('error', () => {
      script.remove();
      reject(
        failed(
          "did not load (missing file, blocked by the page's Content-Security-Policy, or its integrity hash does not match)",
        ),
      );
    });
    try {
      script.src = trustedScriptUrl(url);
    } catch (error) {
      reject(failed(`was refused by the page's Trusted Types: ${String(error)}`));
      return;
    }
    (document.head ?? document.documentElement).append(script);
  }).catch((error: unknown) => {
    failedAt = Date.now();
    failure = error;
    loading = undefined;
    defined = undefined;
    console.warn(`[offerwise] ${(error as Error).message}`);
    throw error;
  });
  return loading;
}

/**
 * When an instance loads its decision half: at once if the page already has an `ow-` element or
 * one is added, else when the browser is idle after `load` (at most 2 s later).
 */
export function scheduleRuntime(start: () => void): void {
  if (typeof document === 'undefined') {
    start();
    return;
  }
  let started = false;
  let observer: MutationObserver | undefined;
  const go = () => {
    if (started) return;
    started = true;
    observer?.disconnect();
    start();
  };
  if (document.querySelector(ELEMENT_SELECTOR)) {
    go();
    return;
  }
  if (typeof MutationObserver === 'function') {
    observer = new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node.nodeType !== 1) continue;
          const element = node as Element;
          if (
            element.localName.startsWith('ow-') ||
            (element.firstElementChild && element.querySelector(ELEMENT_SELECTOR))
          ) {
            go();
            return;
          }
        }
      }
    });
    observer.observe(document, { childList: true, subtree: true });
  }
  const whenIdle = () => {
    const ric = (
      globalThis as { requestIdleCallback?: (f: () => void, o: { timeout: number }) => void }
    ).requestIdleCallback;
    if (ric) ric(go, { timeout: 2000 });
    else setTimeout(go, 200);
  };
  if (document.readyState === 'complete') whenIdle();
  else addEventListener('load', whenIdle, { once: true });
}
