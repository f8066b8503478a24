// Builds, each with a source map:
//   dist/offerwise.mjs               ESM for bundlers (dependencies stay imports)
//   dist/offerwise.iife.js           the script tag: minified, self-contained, defines window.Offerwise
//   dist/offerwise-worker-<v>.mjs    the predictor's module worker (ONNX Runtime inside)
//   dist/offerwise-widgets.mjs       the `ow-` elements for bundlers (lit and offerwise stay imports)
//   dist/offerwise-widgets.min.mjs   the same, minified and self-contained (Lit inside): its brotli
//                                    size is the widgets' cost to a shop; the script tag has them too
// and copies beside them, under versioned or content-hashed names, the ONNX Runtime .wasm and the
// default model with its metadata. Type declarations come from `tsc -p tsconfig.build.json`.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const ortVersion = JSON.parse(
  readFileSync(new URL('./node_modules/onnxruntime-web/package.json', import.meta.url), 'utf8'),
).version;
const wasmBytes = readFileSync(
  new URL('./node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm', import.meta.url),
);
const modelBytes = readFileSync(new URL('./models/default.onnx', import.meta.url));
const modelMetadata = readFileSync(new URL('./models/default.json', import.meta.url));
const modelHash = createHash('sha256').update(modelBytes).digest('hex').slice(0, 12);

export const FILES = {
  worker: `offerwise-worker-${pkg.version}.mjs`,
  wasm: `ort-wasm-simd-threaded-${ortVersion}.wasm`,
  model: `offerwise-model-${modelHash}.onnx`,
  metadata: `offerwise-model-${modelHash}.json`,
};

/** Stamps the package version and the asset file names into the sources. */
function stamp() {
  const values = {
    __OFFERWISE_VERSION__: pkg.version,
    __OW_WORKER_FILE__: FILES.worker,
    __OW_WASM_FILE__: FILES.wasm,
    __OW_MODEL_FILE__: FILES.model,
    __OW_METADATA_FILE__: FILES.metadata,
  };
  return {
    name: 'offerwise-stamp',
    transform(code, id) {
      if (!/\/src\/(version|predictor\/assets)\.ts$/.test(id)) return null;
      let out = code;
      for (const [key, value] of Object.entries(values)) out = out.replaceAll(key, value);
      return { code: out, map: null };
    },
  };
}

/** Emits the .wasm and the default model beside the bundles (once). */
function assets() {
  return {
    name: 'offerwise-assets',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: FILES.wasm, source: wasmBytes });
      this.emitFile({ type: 'asset', fileName: FILES.model, source: modelBytes });
      this.emitFile({ type: 'asset', fileName: FILES.metadata, source: modelMetadata });
    },
  };
}

/**
 * After the last bundle: writes dist/integrity.json (the Subresource Integrity hash of every
 * script a page loads: `sha384-…`) and prints it, for `<script integrity>` and the shop's CSP.
 */
function integrity() {
  return {
    name: 'offerwise-integrity',
    writeBundle(options) {
      const dir = path.dirname(options.file);
      const out = {};
      for (const file of readdirSync(dir).sort()) {
        if (!/\.(mjs|js)$/.test(file)) continue;
        const bytes = readFileSync(path.join(dir, file));
        out[file] = `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
      }
      writeFileSync(path.join(dir, 'integrity.json'), `${JSON.stringify(out, null, 2)}\n`);
      for (const [file, hash] of Object.entries(out)) console.log(`${hash}  dist/${file}`);
    },
  };
}

const ts = () =>
  typescript({
    tsconfig: './tsconfig.json',
    include: ['src/**/*.ts', 'widgets/**/*.ts'],
    exclude: ['src/**/*.test.ts', 'widgets/**/*.test.ts', 'widgets/**/testing.ts'],
    compilerOptions: { noEmit: false, declaration: false, sourceMap: true, types: [] },
  });

const external = Object.keys(pkg.dependencies ?? {});

export default [
  {
    input: 'src/index.ts',
    external: (id) => external.some((dep) => id === dep || id.startsWith(`${dep}/`)),
    plugins: [stamp(), ts()],
    output: { file: 'dist/offerwise.mjs', format: 'es', sourcemap: true },
  },
  {
    input: 'widgets/index.ts',
    // Lit stays an import for bundlers; the few SDK helpers the elements use (link checks) are
    // inlined, the SDK instance itself is handed to them at run time.
    external: (id) => external.some((dep) => id === dep || id.startsWith(`${dep}/`)),
    plugins: [stamp(), ts()],
    output: { file: 'dist/offerwise-widgets.mjs', format: 'es', sourcemap: true },
  },
  {
    input: 'widgets/index.ts',
    plugins: [stamp(), nodeResolve({ browser: true }), ts()],
    output: {
      file: 'dist/offerwise-widgets.min.mjs',
      format: 'es',
      sourcemap: true,
      plugins: [terser({ format: { comments: false } })],
    },
  },
  {
    input: 'src/embed.ts',
    plugins: [stamp(), nodeResolve({ browser: true }), ts()],
    output: {
      file: 'dist/offerwise.iife.js',
      format: 'iife',
      sourcemap: true,
      plugins: [terser({ format: { comments: false } })],
    },
  },
  {
    input: 'src/predictor/worker.ts',
    // The last build: every script exists when its integrity is computed.
    plugins: [stamp(), nodeResolve({ browser: true }), ts(), assets(), integrity()],
    output: {
      file: `dist/${FILES.worker}`,
      format: 'es',
      sourcemap: true,
      plugins: [terser({ format: { comments: false } })],
    },
  },
];
