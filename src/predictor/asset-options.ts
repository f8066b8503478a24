import { fieldError, type OfferwiseError } from '../util/errors.js';

/** `config.assets`: where the predictor's files are, when not next to the SDK's module. */
export interface AssetsConfig {
  /** A folder with the files under their `dist/` names, e.g. a CDN path. */
  baseUrl?: string;
  /** The worker script. Browsers run module workers from the page's own origin only. */
  worker?: string;
  /** ONNX Runtime's `ort-wasm-simd-threaded.wasm`. */
  wasm?: string;
}

/** What the predictor takes from `config.assets`. */
export interface PredictorAssets {
  assetBase?: string;
  workerUrl?: string;
  wasmUrl?: string;
}

const FIELDS = {
  baseUrl: 'assetBase',
  worker: 'workerUrl',
  wasm: 'wasmUrl',
} as const satisfies Record<keyof AssetsConfig, keyof PredictorAssets>;

/**
 * Reads `config.assets` (absolute or page-relative URLs, resolved against `baseUri`, the page's;
 * empty outside a page, where only absolute URLs resolve). A bad entry
 * is reported (one `invalid_config` error each) and left out: its file is then looked for where
 * it would be without the option.
 */
export function predictorAssets(
  value: unknown,
  baseUri: string,
  report: (error: OfferwiseError) => void,
): PredictorAssets {
  const out: PredictorAssets = {};
  if (value === undefined) return out;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    report(
      fieldError(
        'invalid_config',
        'config.assets',
        value,
        'an object of URLs: baseUrl, worker, wasm',
      ),
    );
    return out;
  }
  for (const [key, url] of Object.entries(value)) {
    const target = (FIELDS as Record<string, keyof PredictorAssets>)[key];
    if (target === undefined) {
      report(
        fieldError(
          'invalid_config',
          `config.assets.${key}`,
          url,
          'one of baseUrl, worker, wasm (the model is config.model)',
        ),
      );
      continue;
    }
    let resolved: string | undefined;
    try {
      if (typeof url === 'string' && url.trim() !== '')
        resolved = new URL(url.trim(), baseUri).href;
    } catch {
      // reported below
    }
    if (resolved === undefined || !/^https?:/.test(resolved)) {
      report(fieldError('invalid_config', `config.assets.${key}`, url, 'an http(s) URL'));
      continue;
    }
    // A folder: its files resolve under it only with the trailing slash.
    out[target] = key === 'baseUrl' && !resolved.endsWith('/') ? `${resolved}/` : resolved;
  }
  return out;
}
