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

/** The URL of a shipped asset, next to the script that loaded offerwise. */
export function assetUrl(name: keyof typeof ASSET_FILES): string {
  return new URL(ASSET_FILES[name], import.meta.url).href;
}

/** `model.onnx` → `model.json`: where a model's metadata lives unless configured. */
export function metadataUrlFor(modelUrl: string): string {
  return /\.onnx(?=$|[?#])/.test(modelUrl)
    ? modelUrl.replace(/\.onnx(?=$|[?#])/, '.json')
    : `${modelUrl}.json`;
}
