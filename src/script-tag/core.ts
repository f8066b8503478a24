/**
 * The script-tag entry. Defines `window.Offerwise` (the module) and, when the tag carries
 * `data-*` configuration, `window.offerwise` (the instance, with a `ready` promise). Calls queued
 * before it loaded (`window.offerwise = window.offerwise || []; offerwise.push([...])`) are
 * replayed in order. Misconfiguration is reported once on the console, never thrown.
 *
 * This file is the profile half (track, dataLayer, profile, consent); the decision half and the
 * `ow-` elements are a second file it loads when the page needs them (src/script-tag/loader.ts).
 */
import type { OfferwiseConfig } from '../config.js';
import { loadRuntime, prepareRuntime, type RuntimeExports } from './loader.js';
import { EVENT_NAMES } from '../events/types.js';
import { createOffers, Offerwise } from '../offerwise.js';
import { OfferwiseError } from '../util/errors.js';
import { version } from '../version.js';

interface EmbedGlobals {
  Offerwise?: unknown;
  offerwise?: unknown;
}

/**
 * `window.Offerwise`. `Predictor` is added once the second file has run; `load()` loads it and
 * resolves with this object then.
 */
const api: Record<string, unknown> = {
  createOffers,
  Offerwise,
  OfferwiseError,
  version,
  EVENT_NAMES,
  load: () => loadRuntime().then(() => api),
};

/** Reads the configuration from the tag's `data-*` attributes; undefined when it has none. */
function configFrom(script: HTMLScriptElement): OfferwiseConfig | undefined {
  const data = script.dataset;
  const config: Record<string, unknown> = {};
  // data-consent-mode="google": OfferwiseConfig.consentMode.
  for (const key of [
    'endpoint',
    'catalog',
    'model',
    'consent',
    'consentMode',
    'currency',
    'dbName',
  ] as const) {
    if (data[key] !== undefined) config[key] = data[key];
  }
  // data-image-origins="https://cdn.a.example https://cdn.b.example": see OfferwiseConfig.imageOrigins.
  if (data.imageOrigins !== undefined) {
    config.imageOrigins = data.imageOrigins.split(/\s+/).filter((origin) => origin !== '');
  }
  // data-learning-epsilon="1": the ε of the group report (OfferwiseConfig.learning).
  if (data.learningEpsilon !== undefined) {
    config.learning = { epsilon: Number(data.learningEpsilon || NaN) };
  }
  // data-log-candidates: retired (it sends nothing now); kept so that the deprecation is reported.
  if (data.logCandidates !== undefined) config.logCandidates = true;
  // Configured by any of these attributes, or by data-datalayer alone.
  if (Object.keys(config).length === 0 && data.datalayer === undefined) return undefined;
  // The script tag reads window.dataLayer unless told not to.
  config.dataLayer = data.datalayer !== 'off' && data.datalayer !== 'false';
  return config as OfferwiseConfig;
}

function install(): void {
  const w = globalThis as unknown as EmbedGlobals;
  if (w.Offerwise !== undefined) {
    console.warn('[offerwise] the script is on this page twice; the second copy does nothing');
    return;
  }
  const script =
    typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null;
  let instance: Offerwise | undefined;
  prepareRuntime(script, api, (runtime: RuntimeExports) => {
    Object.assign(api, runtime.api);
    // The `ow-` elements use the tag's configured instance.
    if (instance) runtime.useOfferwise(instance);
  });
  w.Offerwise = api;
  if (!script) return;
  try {
    const config = configFrom(script);
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
  if (Array.isArray(queued)) instance.push(...queued);
}

install();
