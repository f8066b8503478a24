// Sizes of every file a shop serves, raw, gzip (level 6, zlib's default) and brotli (quality 11),
// in Node; KB = 1,000 bytes. The built files come from dist/ (run `npm run build` first): the
// script tag (offerwise.iife.js: the profile half of the SDK and the loader of the rest), its
// second file (offerwise-runtime-<v>.js: the decision half, every `ow-` element and Lit, loaded
// when the page has an element or calls a decision method, else when idle after load), the
// widgets entry for bundlers (offerwise-widgets.min.mjs, Lit inside), the predictor's worker,
// ONNX Runtime's .wasm, and the default model (.onnx and its .json metadata).
//
// Where the script tag's bytes go: the tag is built again in memory with rollup's JS API from
// rollup.config.mjs's script-tag config (input src/script-tag/core.ts; its code must equal dist's), and each
// module's rendered code (after tree-shaking, before terser) is grouped (a directory of src/ or a
// package), minified with terser and compressed alone. Those "alone" sizes overstate a group's
// share of the whole (brotli has no shared context), so the table also gives each group's share
// of the rendered code. The build fails here if the tag contains an element, Lit, the decider,
// the outbox or the predictor client. Run by test/bench/run.mjs, or alone after `npm run build`:
// `node test/bench/sizes.mjs` (one JSON object per line).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import { minify } from 'terser';
import { splitOf } from '../support/esm-split.mjs';
import { distDir, repoRoot } from '../support/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export function brotli(bytes) {
  return brotliCompressSync(bytes, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: 11,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  }).length;
}

/** Raw, gzip and brotli sizes of some bytes. */
export function sizesOf(bytes) {
  return { bytes: bytes.length, gzip: gzipSync(bytes).length, brotli: brotli(bytes) };
}

/** Which group a module of the bundle belongs to: a directory of src/, or a package. */
function groupOf(id) {
  const rel = path.relative(repoRoot, id.replace(/^\0/, '')).split(path.sep).join('/');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel);
  if (pkg) return pkg[1];
  const src = /^src\/([^/]+)\//.exec(rel);
  if (src) return `src/${src[1]}/`;
  if (rel.startsWith('src/')) return `src/${rel.slice(4)}`;
  if (rel.startsWith('widgets/')) return 'widgets/';
  return rel;
}

/** Modules the script tag must not contain: they belong to its second file. */
const NOT_IN_TAG =
  /[/\\](widgets[/\\]|node_modules[/\\](lit|lit-html|lit-element|@lit|comlink)[/\\]|src[/\\](runtime|decide[/\\](decider|catalog-source)|feedback[/\\]outbox|predictor[/\\](predictor|worker-client))\.ts$)/;

/** Builds the script tag in memory; returns its code and the per-group breakdown. */
export async function buildCore() {
  const configs = (await import(pathToFileURL(path.join(repoRoot, 'rollup.config.mjs')).href))
    .default;
  const embed = configs.find((c) => c.input === 'src/script-tag/core.ts');
  if (!embed) throw new Error('rollup.config.mjs has no config with input src/script-tag/core.ts');
  const cwd = process.cwd();
  process.chdir(repoRoot); // the config's paths (input, tsconfig) are relative to the root
  try {
    const bundle = await rollup({
      input: embed.input,
      plugins: embed.plugins,
      onwarn: () => undefined,
    });
    try {
      const { output } = await bundle.generate({ ...embed.output, sourcemap: false });
      const chunk = output.find((o) => o.type === 'chunk');
      const misplaced = Object.keys(chunk.modules).filter(
        (id) => NOT_IN_TAG.test(id) && chunk.modules[id].renderedLength > 0,
      );
      if (misplaced.length > 0)
        throw new Error(
          `the script tag contains its second file's modules: ${misplaced.join(', ')}`,
        );
      const groups = new Map();
      for (const [id, m] of Object.entries(chunk.modules)) {
        if (!m.code) continue;
        const name = groupOf(id);
        const g = groups.get(name) ?? { modules: 0, code: '' };
        g.modules += 1;
        g.code += `${m.code}\n`;
        groups.set(name, g);
      }
      return { code: chunk.code, groups, modules: Object.keys(chunk.modules).length };
    } finally {
      await bundle.close();
    }
  } finally {
    process.chdir(cwd);
  }
}

/** Each group's code minified alone, then gzip/brotli; and its share of the rendered code. */
async function breakdown(groups) {
  const renderedTotal = [...groups.values()].reduce((n, g) => n + g.code.length, 0);
  const rows = [];
  for (const [name, g] of groups) {
    // The rendered module code is a fragment of the bundle (its imports are gone), so minify
    // it as a module whose top-level names are kept: nothing is dropped as unused.
    const min = await minify(g.code, {
      module: true,
      compress: { unused: false },
      mangle: true,
      format: { comments: false },
    });
    const bytes = Buffer.from(min.code ?? '');
    rows.push({
      group: name,
      modules: g.modules,
      renderedShare: Math.round((g.code.length / renderedTotal) * 1000) / 10,
      minified: bytes.length,
      brotliAlone: brotli(bytes),
    });
  }
  return rows.sort((a, b) => b.brotliAlone - a.brotliAlone);
}

/** The files a shop serves, from dist/. */
function distFiles() {
  const files = readdirSync(distDir);
  const one = (re, what) => {
    const found = files.filter((f) => re.test(f));
    if (found.length !== 1)
      throw new Error(`dist/: expected one ${what} (${re}), found ${found.join(', ') || 'none'}`);
    return found[0];
  };
  return [
    {
      name: 'size_runtime',
      file: one(/^offerwise-runtime-.*\.js$/, "script tag's second file"),
      what: "the script tag's second file: the decision half (catalog, predictor client, decisions, recommendations, outbox), every ow- element and Lit",
    },
    {
      name: 'size_widgets',
      file: one(/^offerwise-widgets\.min\.mjs$/, 'widgets entry'),
      what: 'the widgets entry, minified, Lit inside (for a shop that bundles the SDK itself)',
    },
    {
      name: 'size_worker',
      file: one(/^offerwise-worker-.*\.mjs$/, 'worker'),
      what: "the predictor's module worker (ONNX Runtime's JavaScript inside)",
    },
    {
      name: 'size_ort_wasm',
      file: one(/^ort-wasm-.*\.wasm$/, '.wasm'),
      what: "ONNX Runtime's WebAssembly (fetched by the worker)",
    },
    {
      name: 'size_model_onnx',
      file: one(/^offerwise-model-.*\.onnx$/, 'model'),
      what: 'the default uplift model',
    },
    {
      name: 'size_model_json',
      file: one(/^offerwise-model-.*\.json$/, 'model metadata'),
      what: "the model's metadata (feature spec, version)",
    },
  ];
}

const NOTE = 'gzip level 6 (zlib default), brotli quality 11, in Node; KB = 1,000 bytes';

/**
 * The ESM build as a bundler splits it: a Vite (production) build of an app that only calls
 * `createOffers()` and, on a click, `decide()`. Its first chunk must hold the profile half only;
 * the decision half is the lazy chunk of the dynamic `import()` in src/decision-half-loader.ts.
 * `offerwise` resolves to dist/offerwise.mjs (the repository's package.json marks dist/esm/ as
 * free of side effects, as the published package does).
 */
export async function esmSplit() {
  const { build } = await import('vite');
  const dir = path.join(repoRoot, 'test/bench/.out/esm-split');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><script type="module" src="./main.js"></script>\n',
  );
  writeFileSync(
    path.join(dir, 'main.js'),
    [
      "import { createOffers } from 'offerwise';",
      "const ow = await createOffers({ consent: 'granted', dataLayer: true });",
      "document.addEventListener('click', () => ow.decide({ placement: 'home' }));",
      '',
    ].join('\n'),
  );
  const result = await build({
    root: dir,
    logLevel: 'silent',
    resolve: { alias: { offerwise: path.join(distDir, 'offerwise.mjs') } },
    build: { write: false, modulePreload: false, target: 'es2022' },
  });
  const output = (Array.isArray(result) ? result[0] : result).output;
  const { entry, first, decision, modulesOf } = splitOf(output.filter((o) => o.type === 'chunk'));
  const sized = (list) => {
    const each = list.map((c) => sizesOf(Buffer.from(c.code)));
    const sum = (key) => each.reduce((n, x) => n + x[key], 0);
    return {
      bytes: sum('bytes'),
      gzip: sum('gzip'),
      brotli: sum('brotli'),
      chunks: list.length,
      modules: modulesOf(list).length,
    };
  };
  return { first: sized(first), decision: sized([decision]), entry: sized([entry]) };
}

export async function runSizesBench({ emit = () => undefined } = {}) {
  const results = [];
  const out = (r) => {
    results.push(r);
    emit(r);
  };
  const t0 = performance.now();
  const core = await buildCore();
  const buildMs = Math.round(performance.now() - t0);
  const tagBytes = readFileSync(path.join(distDir, 'offerwise.iife.js'));
  // The breakdown is of the source as it is now; say so when dist/ was built from other code.
  const code = (text) => text.replace(/\/\/# sourceMappingURL=\S*\s*$/, '').trim();
  const breakdownOfDist = code(core.code) === code(tagBytes.toString());
  const coreSizes = sizesOf(tagBytes);
  const groups = await breakdown(core.groups);
  out({
    name: 'size_core_no_widgets',
    value: coreSizes.brotli,
    unit: 'bytes (brotli)',
    file: 'dist/offerwise.iife.js',
    ...coreSizes,
    modules: core.modules,
    buildMs,
    breakdownOfDist,
    largest: groups.slice(0, 8),
    note: `the script tag a shop pastes: the profile half (config, events, dataLayer, profile store, consent) and the loader of its second file; no ow- element, Lit, decider, outbox or predictor client (checked); largest = groups of modules by their rendered code minified and brotli-compressed alone (overstates each; renderedShare = % of the rendered code before terser); ${NOTE}`,
  });
  for (const { name, file, what } of distFiles()) {
    const bytes = readFileSync(path.join(distDir, file));
    const s = sizesOf(bytes);
    out({
      name,
      value: s.brotli,
      unit: 'bytes (brotli)',
      file: `dist/${file}`,
      ...s,
      note: `${what}; ${NOTE}`,
    });
  }
  const split = await esmSplit();
  out({
    name: 'size_esm_first_load',
    value: split.first.brotli,
    unit: 'bytes (brotli)',
    file: "a Vite app's first load (createOffers only)",
    ...split.first,
    entryBrotli: split.entry.brotli,
    note: `the ESM build under a bundler: what a Vite production build (minified) of an app that calls createOffers() and, on a click, decide() loads first — its entry chunk and the chunk of modules both halves share (it imports it); no decision-half module (checked); brotli/gzip/bytes summed per chunk; modules = files of dist/esm/; ${NOTE}`,
  });
  out({
    name: 'size_esm_decision_chunk',
    value: split.decision.brotli,
    unit: 'bytes (brotli)',
    file: "the same app's lazy chunk (decision half)",
    ...split.decision,
    note: `the chunk Vite makes of the dynamic import() of dist/esm/decision-half.mjs: catalog, predictor client, decisions, outbox, comlink; ${NOTE}`,
  });
  return { results };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runSizesBench({ emit: (result) => console.log(JSON.stringify(result)) }).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
