/**
 * File names of the predictor's assets beside the bundles in `dist/`. The build replaces the
 * placeholders with versioned and content-hashed names (see rollup.config.mjs); the SDK finds the
 * files relative to its own script, so a shop hosts them together on its origin.
 */
export const ASSET_FILES = {
  worker: '__OW_WORKER_FILE__',
  wasm: '__OW_WASM_FILE__',
  model: '__OW_MODEL_FILE__',
  metadata: '__OW_METADATA_FILE__',
} as const;

/**
 * The URL of a shipped asset: under `base` when given (a CDN folder, `assets.baseUrl`), else next
 * to the module that contains this code. The second case is one literal URL constructor call per
 * file, relative to `import.meta.url`: the form bundlers (Vite, webpack 5, Parcel) recognise, so
 * they copy each file into the app's output and rewrite the URL.
 */
export function assetUrl(name: keyof typeof ASSET_FILES, base?: string): string {
  if (base !== undefined) return new URL(ASSET_FILES[name], base).href;
  switch (name) {
    case 'worker':
      return new URL('./__OW_WORKER_FILE__', import.meta.url).href;
    case 'wasm':
      return new URL('./__OW_WASM_FILE__', import.meta.url).href;
    case 'model':
      return new URL('./__OW_MODEL_FILE__', import.meta.url).href;
    case 'metadata':
      return new URL('./__OW_METADATA_FILE__', import.meta.url).href;
  }
}

/** `model.onnx` → `model.json`: where a model's metadata lives unless configured. */
export function metadataUrlFor(modelUrl: string): string {
  return /\.onnx(?=$|[?#])/.test(modelUrl)
    ? modelUrl.replace(/\.onnx(?=$|[?#])/, '.json')
    : `${modelUrl}.json`;
}

/**
 * What the worker script's URL answers, for the diagnostic of a worker that did not start: a
 * bundler that did not emit the file, or a server's SPA fallback (200 `text/html`), is then named
 * with the URL, the status and the content type instead of an anonymous 'error' event.
 */
export async function describeScriptUrl(given: string): Promise<string> {
  let url = given;
  try {
    if (typeof location !== 'undefined') url = new URL(given, location.href).href;
    const signal =
      typeof AbortSignal !== 'undefined' && 'timeout' in AbortSignal
        ? AbortSignal.timeout(5000)
        : undefined;
    const response = await fetch(url, signal ? { signal } : {});
    const type = response.headers.get('content-type') ?? '';
    void response.body?.cancel().catch(() => {});
    const fine = response.ok && /javascript|ecmascript/i.test(type);
    return `the worker script ${url} answered HTTP ${response.status} with content type ${type ? `"${type}"` : 'none'}${fine ? '' : ', expected HTTP 200 with a JavaScript content type (is the file copied beside the SDK or emitted by the bundler? see docs/integrate.md#bundlers)'}`;
  } catch (error) {
    return `the worker script ${url} could not be fetched (${(error as Error)?.message ?? String(error)})`;
  }
}
