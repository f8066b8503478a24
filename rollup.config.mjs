// Builds, each with a source map:
//   dist/offerwise.mjs + dist/esm/   ESM for bundlers, one file per module (dependencies stay
//                                    imports; the decision half is a dynamic import)
//   dist/offerwise-runtime-<v>.js    the script tag's second file: the decision half of the SDK
//                                    and the `ow-` elements (Lit inside), minified; it takes the
//                                    modules it shares with the tag from `Offerwise.__shared`
//   dist/offerwise.iife.js           the script tag (and the same bytes as offerwise-<v>.iife.js):
//                                    minified, defines window.Offerwise; the profile
//                                    half, and a loader for the runtime file (its name and SRI hash
//                                    stamped in: src/script-tag/loader.ts)
//   dist/offerwise-worker-<v>.mjs    the predictor's module worker (ONNX Runtime inside)
//   dist/offerwise-widgets.mjs       the `ow-` elements for bundlers (lit and offerwise stay imports)
//   dist/offerwise-widgets.min.mjs   the same, minified and self-contained (Lit inside): its brotli
//                                    size is the widgets' cost to a shop; the script tag has them too
// and copies beside them, under versioned or content-hashed names, the ONNX Runtime .wasm and the
// default model with its metadata. Type declarations come from `tsc -p tsconfig.build.json`.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import tsc from 'typescript';
import { minifyTemplates } from './widgets/build/minify-templates.mjs';

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
  runtime: `offerwise-runtime-${pkg.version}.js`,
  worker: `offerwise-worker-${pkg.version}.mjs`,
  wasm: `ort-wasm-simd-threaded-${ortVersion}.wasm`,
  model: `offerwise-model-${modelHash}.onnx`,
  metadata: `offerwise-model-${modelHash}.json`,
};

/**
 * Stamps the package version and the asset file names into the sources. `assetDir`: where the
 * assets are from the module that names them, when it is not beside them (`./`).
 */
function stamp(assetDir = './') {
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
      let out = code.replaceAll("new URL('./__OW_", `new URL('${assetDir}__OW_`);
      for (const [key, value] of Object.entries(values)) out = out.replaceAll(key, value);
      return { code: out, map: null };
    },
  };
}

/**
 * Emits the .wasm and the default model beside the bundles (once). A model file of an earlier
 * training (another hash) is removed first: it would otherwise be packed beside the current one.
 */
function assets() {
  return {
    name: 'offerwise-assets',
    buildStart() {
      const dist = path.join(root, 'dist');
      if (!existsSync(dist)) return;
      for (const file of readdirSync(dist)) {
        if (
          /^offerwise-model-[0-9a-f]{12}\.(onnx|json)$/.test(file) &&
          !Object.values(FILES).includes(file)
        )
          rmSync(path.join(dist, file));
      }
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: FILES.wasm, source: wasmBytes });
      this.emitFile({ type: 'asset', fileName: FILES.model, source: modelBytes });
      this.emitFile({ type: 'asset', fileName: FILES.metadata, source: modelMetadata });
    },
  };
}

/** Empties a folder of the build's own before writing it (a module removed from src/ goes too). */
function cleanDir(dir) {
  return {
    name: 'offerwise-clean-dir',
    buildStart() {
      rmSync(path.join(root, dir), { recursive: true, force: true });
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

/**
 * The modules the runtime file takes from the tag instead of bundling them again: the name under
 * `Offerwise.__shared` → the module. src/script-tag/loader.ts's SHARED_MODULES must name the same.
 */
const SHARED = {
  idb: 'idb',
  empty: 'src/decide/empty',
  errors: 'src/util/errors',
  guards: 'src/util/guards',
  idbUtil: 'src/util/idb',
  trusted: 'src/util/trusted',
};
const root = path.dirname(new URL(import.meta.url).pathname);

/** The SHARED name of an import (a package name or a path, with or without .js/.ts), if shared. */
function sharedName(id, importer) {
  let key = id;
  if (id.startsWith('.') && importer) key = path.resolve(path.dirname(importer), id);
  if (path.isAbsolute(key)) key = path.relative(root, key).split(path.sep).join('/');
  key = key.replace(/\.(js|ts)$/, '');
  return Object.keys(SHARED).find((name) => SHARED[name] === key);
}

/** Fails the build when src/script-tag/loader.ts's SHARED_MODULES and SHARED disagree. */
function checkShared() {
  return {
    name: 'offerwise-check-shared',
    buildStart() {
      const source = readFileSync(new URL('./src/script-tag/loader.ts', import.meta.url), 'utf8');
      const listed =
        /SHARED_MODULES = \{([^}]*)\}/
          .exec(source)?.[1]
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean) ?? [];
      const expected = Object.keys(SHARED);
      const imports = [...source.matchAll(/import \* as (\w+) from '([^']+)'/g)].map(
        ([, name, spec]) => [name, sharedName(spec, path.join(root, 'src/script-tag/loader.ts'))],
      );
      const ok =
        listed.length === expected.length &&
        expected.every(
          (name) => listed.includes(name) && imports.some(([n, s]) => n === name && s === name),
        );
      if (!ok)
        this.error(
          `src/script-tag/loader.ts SHARED_MODULES (${listed.join(', ')}) must import exactly ${expected.map((n) => `${n} from ${SHARED[n]}`).join(', ')} (rollup.config.mjs SHARED)`,
        );
    },
  };
}

/**
 * Writes a copy of the script tag under a versioned name (`offerwise-<version>.iife.js`) for
 * shops that pin a release in the URL; same bytes, same integrity hash.
 */
function versionedCopy() {
  return {
    name: 'offerwise-versioned-copy',
    writeBundle(options) {
      const file = options.file;
      writeFileSync(
        path.join(path.dirname(file), `offerwise-${pkg.version}.iife.js`),
        readFileSync(file),
      );
    },
  };
}

/** The script tag's budget: its first file, brotli at quality 11 (the README's promise to shops). */
const TAG_BUDGET_BYTES = 15_000;
/**
 * The widgets entry's (every `ow-` element with Lit, minified), brotli at quality 11: the target in
 * test/bench/RESULTS.md, 19,912 bytes when it was set here (2026-12-08).
 */
const WIDGETS_BUDGET_BYTES = 20_000;

/** Fails the build when the file written is over `bytes` brotli; `advice` says what to do. */
function sizeBudget(bytes, advice) {
  return {
    name: 'offerwise-size-budget',
    writeBundle(options, bundle) {
      const chunk = Object.values(bundle).find((o) => o.type === 'chunk');
      const size = brotliCompressSync(Buffer.from(chunk.code), {
        params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 },
      }).length;
      if (size > bytes)
        this.error(
          `${options.file} is ${size} bytes brotli, over its budget of ${bytes}: ${advice}`,
        );
    },
  };
}

/**
 * The script tag loads the decision half as its second file instead of linking it:
 * src/script-tag/loader.ts stands in for src/decision-half-loader.ts.
 */
function scriptTagLoader() {
  return {
    name: 'offerwise-script-tag-loader',
    async resolveId(source, importer) {
      if (!importer || !/\/decision-half-loader\.js$/.test(source)) return null;
      return path.join(root, 'src/script-tag/loader.ts');
    },
    transform(code, id) {
      if (!id.endsWith(`${path.sep}script-tag${path.sep}loader.ts`)) return null;
      const bytes = readFileSync(path.join(root, 'dist', FILES.runtime));
      const hash = `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
      return {
        code: code
          .replace('__OW_RUNTIME_FILE__', FILES.runtime)
          .replace('__OW_RUNTIME_INTEGRITY__', hash),
        map: null,
      };
    },
  };
}

// Every minified file: no comments, and three compress passes (the default one leaves inlining
// that a second and third pass finish: 0.15 KB brotli off the widgets entry, 2026-12-08).
const minify = () => terser({ format: { comments: false }, compress: { passes: 3 } });

// TypeScript is compiled file by file (tsconfig's isolatedModules and verbatimModuleSyntax make
// that exact); `npm run typecheck` checks the types once, instead of a full program per bundle.
const TRANSPILE_OPTIONS = {
  target: tsc.ScriptTarget.ES2022,
  module: tsc.ModuleKind.ESNext,
  isolatedModules: true,
  verbatimModuleSyntax: true,
  sourceMap: true,
};
const ts = () => ({
  name: 'offerwise-typescript',
  resolveId(source, importer) {
    // `./x.js` in a .ts file names `./x.ts`.
    if (!importer?.endsWith('.ts') || !source.startsWith('.') || !source.endsWith('.js')) {
      return null;
    }
    const file = path.resolve(path.dirname(importer), `${source.slice(0, -3)}.ts`);
    return existsSync(file) ? file : null;
  },
  transform(code, id) {
    if (!id.endsWith('.ts')) return null;
    const out = tsc.transpileModule(code, { fileName: id, compilerOptions: TRANSPILE_OPTIONS });
    return {
      code: out.outputText.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n'),
      map: out.sourceMapText,
    };
  },
});

const external = Object.keys(pkg.dependencies ?? {});

export default [
  {
    input: 'src/index.ts',
    external: (id) => external.some((dep) => id === dep || id.startsWith(`${dep}/`)),
    // src/predictor/assets.ts becomes dist/esm/predictor/assets.mjs: the assets are two folders up.
    plugins: [cleanDir('dist/esm'), stamp('../../'), ts()],
    // One file per source module (dist/offerwise.mjs, the rest under dist/esm/), and the decision
    // half behind a dynamic import (src/decision-half-loader.ts): the app's bundler then puts every
    // module only the decision half uses in a lazy chunk, and leaves out the exports an app does
    // not import ("sideEffects" in package.json). Prebuilt chunks would not split: a chunk both
    // halves import goes whole into the app's first chunk.
    output: {
      dir: 'dist',
      format: 'es',
      sourcemap: true,
      preserveModules: true,
      preserveModulesRoot: 'src',
      entryFileNames: (chunk) =>
        chunk.facadeModuleId === path.join(root, 'src/index.ts')
          ? 'offerwise.mjs'
          : 'esm/[name].mjs',
    },
  },
  {
    input: 'widgets/index.ts',
    // Lit stays an import for bundlers; the few SDK helpers the elements use (link checks) are
    // inlined, the SDK instance itself is handed to them at run time.
    external: (id) => external.some((dep) => id === dep || id.startsWith(`${dep}/`)),
    plugins: [stamp(), ts(), minifyTemplates()],
    output: { file: 'dist/offerwise-widgets.mjs', format: 'es', sourcemap: true },
  },
  {
    input: 'widgets/index.ts',
    plugins: [
      stamp(),
      nodeResolve({ browser: true }),
      ts(),
      minifyTemplates(),
      sizeBudget(
        WIDGETS_BUDGET_BYTES,
        'trim the elements, or raise WIDGETS_BUDGET_BYTES here and the target in test/bench/RESULTS.md, saying why',
      ),
    ],
    output: {
      file: 'dist/offerwise-widgets.min.mjs',
      format: 'es',
      sourcemap: true,
      plugins: [minify()],
    },
  },
  {
    input: 'src/script-tag/second-file.ts',
    external: (id, importer) => sharedName(id, importer) !== undefined,
    plugins: [checkShared(), stamp(), nodeResolve({ browser: true }), ts(), minifyTemplates()],
    output: {
      file: `dist/${FILES.runtime}`,
      format: 'iife',
      globals: (id) => `Offerwise.__shared.${sharedName(id)}`,
      sourcemap: true,
      plugins: [minify()],
    },
  },
  {
    // After the runtime file: its hash is stamped into the loader.
    input: 'src/script-tag/core.ts',
    plugins: [
      stamp(),
      scriptTagLoader(),
      nodeResolve({ browser: true }),
      ts(),
      versionedCopy(),
      sizeBudget(
        TAG_BUDGET_BYTES,
        'code only the decision half needs belongs in the second file (src/decision-half.ts)',
      ),
    ],
    output: {
      file: 'dist/offerwise.iife.js',
      format: 'iife',
      sourcemap: true,
      plugins: [minify()],
    },
  },
  {
    // dist/offerwise-react.mjs (`offerwise/react`): the SDK and its elements stay imports of the
    // package itself (`offerwise`, `offerwise/widgets`), so an app has one SDK module (one
    // OfferwiseError class, one default instance for the elements), and React stays the app's.
    input: 'src/react/index.ts',
    external: (id) => id === 'react' || id.startsWith('react/'),
    plugins: [
      {
        name: 'offerwise-react-imports',
        resolveId(source, importer) {
          if (!importer?.includes(`${path.sep}src${path.sep}react${path.sep}`)) return null;
          if (!source.startsWith('.')) return null;
          const target = path.relative(root, path.resolve(path.dirname(importer), source));
          const entry = { 'src/index.js': 'offerwise', 'widgets/index.js': 'offerwise/widgets' }[
            target.split(path.sep).join('/')
          ];
          if (entry) return { id: entry, external: true };
          // Anything else of the SDK would be a second copy of it inside this file.
          if (!target.startsWith(`src${path.sep}react${path.sep}`))
            this.error(`${importer} imports ${source}: src/react/ may use only ../index.js`);
          return null;
        },
      },
      ts(),
    ],
    output: {
      file: 'dist/offerwise-react.mjs',
      format: 'es',
      sourcemap: true,
      // A server component (Next.js's app router) may render a component that uses hooks only
      // from a module marked 'use client'; rollup drops a directive written in the source.
      banner: "'use client';",
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
      plugins: [minify()],
    },
  },
];
