/**
 * The script-tag entry. Defines `window.Offerwise` (the module) and, when the tag carries
 * `data-*` configuration, `window.offerwise` (the instance, with a `ready` promise). Calls queued
 * before it loaded (`window.offerwise = window.offerwise || []; offerwise.push([...])`) are
 * replayed in order. Misconfiguration is reported once on the console, never thrown.
 */
import type { OfferwiseConfig } from './config.js';
import { EVENT_NAMES } from './events/types.js';
import { createOffers, Offerwise } from './offerwise.js';
import { Predictor } from './predictor/predictor.js';
import { OfferwiseError } from './util/errors.js';
import { version } from './version.js';
// The script tag defines the `ow-` elements too; they use the instance configured below.
import { useOfferwise } from '../widgets/index.js';

interface EmbedGlobals {
  Offerwise?: unknown;
  offerwise?: unknown;
}

const api = Object.freeze({
  createOffers,
  Offerwise,
  OfferwiseError,
  Predictor,
  version,
  EVENT_NAMES,
});

/** Reads the configuration from the tag's `data-*` attributes; undefined when it has none. */
function configFrom(script: HTMLScriptElement): OfferwiseConfig | undefined {
  const data = script.dataset;
  const config: Record<string, unknown> = {};
  const plain = ['endpoint', 'catalog', 'model', 'consent', 'currency'] as const;
  let configured = false;
  for (const key of plain) {
    if (data[key] !== undefined) {
      config[key] = data[key];
      configured = true;
    }
  }
  // The script tag reads window.dataLayer unless told not to.
  config.dataLayer = data.datalayer !== 'off' && data.datalayer !== 'false';
  if (data.datalayer !== undefined) configured = true;
  if (data.dbName !== undefined) {
    config.dbName = data.dbName;
    configured = true;
  }
  return configured ? (config as OfferwiseConfig) : undefined;
}

function install(): void {
  const w = globalThis as unknown as EmbedGlobals;
  if (w.Offerwise !== undefined) {
    console.warn('[offerwise] the script is on this page twice; the second copy does nothing');
    return;
  }
  w.Offerwise = api;
  const script =
    typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null;
  if (!script) return;
  let config: OfferwiseConfig | undefined;
  let instance: Offerwise;
  try {
    config = configFrom(script);
    if (config === undefined) return;
    instance = new Offerwise(config);
  } catch (error) {
    const code = error instanceof OfferwiseError ? error.code : 'invalid_config';
    const message = error instanceof Error ? error.message : String(error);
    console.warn(
      `[offerwise] ${code}: ${message}. Fix the data-* attributes of the offerwise script tag.`,
    );
    return;
  }
  const queued = w.offerwise;
  w.offerwise = instance;
  useOfferwise(instance);
  if (Array.isArray(queued)) instance.push(...queued);
}

install();
