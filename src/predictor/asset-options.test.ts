import { describe, expect, it } from 'vitest';
import type { OfferwiseError } from '../util/errors.js';
import { predictorAssets } from './asset-options.js';
import { assetUrl } from './assets.js';

const PAGE = 'https://shop.example/products/shoes.html';

function read(value: unknown) {
  const errors: string[] = [];
  const assets = predictorAssets(value, PAGE, (e: OfferwiseError) => errors.push(e.message));
  return { assets, errors };
}

describe('config.assets', () => {
  it('resolves URLs against the page, a folder with its trailing slash', () => {
    expect(
      read({
        baseUrl: 'https://cdn.example/offerwise/0.1.0',
        worker: '/static/offerwise-worker.mjs',
        wasm: 'ort.wasm',
      }),
    ).toEqual({
      assets: {
        assetBase: 'https://cdn.example/offerwise/0.1.0/',
        workerUrl: 'https://shop.example/static/offerwise-worker.mjs',
        wasmUrl: 'https://shop.example/products/ort.wasm',
      },
      errors: [],
    });
    expect(read(undefined)).toEqual({ assets: {}, errors: [] });
  });

  it('reports each bad entry, naming field, value and what was expected, and keeps the rest', () => {
    expect(
      read({ baseUrl: '/cdn/', model: '/m.onnx', wasm: 42, worker: 'javascript:alert(1)' }),
    ).toEqual({
      assets: { assetBase: 'https://shop.example/cdn/' },
      errors: [
        'config.assets.model: got "/m.onnx", expected one of baseUrl, worker, wasm (the model is config.model)',
        'config.assets.wasm: got 42, expected an http(s) URL',
        'config.assets.worker: got "javascript:alert(1)", expected an http(s) URL',
      ],
    });
    expect(read('https://cdn.example/').errors).toEqual([
      'config.assets: got "https://cdn.example/", expected an object of URLs: baseUrl, worker, wasm',
    ]);
  });

  it('puts every default file under the base folder, by its dist/ name', () => {
    const base = 'https://cdn.example/offerwise/0.1.0/';
    for (const name of ['worker', 'wasm', 'model', 'metadata'] as const) {
      expect(assetUrl(name, base).startsWith(base)).toBe(true);
    }
    expect(assetUrl('model', base)).toBe(`${base}__OW_MODEL_FILE__`); // stamped by the build
  });
});
