// Builds the two shipped bundles, each with a source map:
//   dist/offerwise.mjs      ESM for bundlers (dependencies stay imports)
//   dist/offerwise.iife.js  the script tag: minified, self-contained, defines window.Offerwise
// Type declarations come from `tsc -p tsconfig.build.json` (see the `build` script).
import { readFileSync } from 'node:fs';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/** Stamps the package version into src/version.ts. */
function stampVersion() {
  return {
    name: 'offerwise-version',
    transform(code, id) {
      if (!id.endsWith('/src/version.ts')) return null;
      return { code: code.replace('__OFFERWISE_VERSION__', pkg.version), map: null };
    },
  };
}

const ts = () =>
  typescript({
    tsconfig: './tsconfig.json',
    include: ['src/**/*.ts'],
    compilerOptions: { noEmit: false, declaration: false, sourceMap: true, types: [] },
  });

const external = Object.keys(pkg.dependencies ?? {});

export default [
  {
    input: 'src/index.ts',
    external: (id) => external.some((dep) => id === dep || id.startsWith(`${dep}/`)),
    plugins: [stampVersion(), ts()],
    output: { file: 'dist/offerwise.mjs', format: 'es', sourcemap: true },
  },
  {
    input: 'src/embed.ts',
    plugins: [stampVersion(), nodeResolve({ browser: true }), ts()],
    output: {
      file: 'dist/offerwise.iife.js',
      format: 'iife',
      sourcemap: true,
      plugins: [terser({ format: { comments: false } })],
    },
  },
];
