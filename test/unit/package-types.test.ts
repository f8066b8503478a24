// Every `types` path in package.json's exports exists once built: a path that points at nothing
// leaves users with untyped imports (or, under "moduleResolution": "bundler", an error).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  types?: string;
  exports: Record<string, string | Record<string, string>>;
};
const built = existsSync(path.join(root, 'dist/types'));

/** `[entry, types path]` for every export with a `types` condition, and the top-level `types`. */
function typesPaths(): [string, string][] {
  const out: [string, string][] = pkg.types ? [['(types)', pkg.types]] : [];
  for (const [entry, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'object' && target.types) out.push([entry, target.types]);
  }
  return out;
}

describe('package.json exports', () => {
  it('gives types to the entries users import', () => {
    const entries = typesPaths().map(([entry]) => entry);
    for (const entry of [
      '.',
      './widgets',
      './iife',
      './jsx-react',
      './jsx-preact',
      './jsx-solid',
      './jsx-vue',
    ]) {
      expect(entries).toContain(entry);
    }
    expect(pkg.exports['./iife']).toEqual({
      types: './dist/types/src/globals.d.ts',
      default: './dist/offerwise.iife.js',
    });
  });

  it.skipIf(!built)(
    'points every types path at a file the build wrote (skipped without dist/types: run npm run build)',
    () => {
      const missing = typesPaths().filter(([, file]) => !existsSync(path.join(root, file)));
      expect(missing).toEqual([]);
    },
  );

  it.skipIf(!built)(
    'has the framework bindings import declarations that exist in dist/types',
    () => {
      for (const [entry, file] of typesPaths().filter(([entry]) => entry.startsWith('./jsx-'))) {
        const source = readFileSync(path.join(root, file), 'utf8');
        const imports = [...source.matchAll(/from '(\.[^']+)'/g)].map(([, spec]) => spec!);
        expect(imports.length, entry).toBeGreaterThan(0);
        for (const spec of imports) {
          const target = path.join(
            path.dirname(path.join(root, file)),
            spec.replace(/\.js$/, '.d.ts'),
          );
          expect(existsSync(target), `${entry} imports ${spec}`).toBe(true);
        }
      }
    },
  );
});
