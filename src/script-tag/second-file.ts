/**
 * The script tag's second file, `offerwise-runtime-<version>.js`: the decision half of the SDK
 * and the `ow-` elements (Lit inside). Loaded by src/script-tag/loader.ts, never by a page directly:
 * the modules both halves share come from the tag (`Offerwise.__shared`, see rollup.config.mjs),
 * and what this file defines is handed back through `Offerwise.__shared.define`.
 */
import { Predictor } from '../predictor/predictor.js';
import { createRuntime } from '../decision-half.js';
import type { RuntimeExports } from './loader.js';
import type { Offerwise } from '../offerwise.js';
import { useOfferwise } from '../../widgets/index.js';

interface Hook {
  Offerwise?: { __shared?: { define(exports: RuntimeExports): void } };
}

const exports: RuntimeExports = {
  createRuntime,
  api: { Predictor },
  useOfferwise: (instance) => useOfferwise(instance as Offerwise),
};
(globalThis as Hook).Offerwise?.__shared?.define(exports);
