// The package as npm publishes it: not private, licensed with the license's text beside it, and
// `dependencies` holding exactly what the shipped code imports. ONNX Runtime is bundled into the
// worker file, so a dependency on it would only cost every user its 139 MB of node_modules.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name?: string;
  private?: boolean;
  license?: string;
  author?: string;
  repository?: { url?: string };
  homepage?: string;
  bugs?: { url?: string };
  keywords?: string[];
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const dependencies = Object.keys(pkg.dependencies ?? {});
/**
 * What the shipped code may import: its dependencies, peers the page brings (a framework), and
 * the package itself (`offerwise/react` imports `offerwise`, so an app has one SDK module).
 */
const installed = [...dependencies, ...Object.keys(pkg.peerDependencies ?? {}), pkg.name!];

/** `lit/directive.js` → `lit`; `@scope/name/x` → `@scope/name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const bare = (specifier: string) =>
  !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('node:');

/**
 * The specifiers a TypeScript file imports at run time: import and export declarations that are
 * not `import type`/`export type`, and dynamic `import()` calls. (`import { type A } from 'x'`
 * counts: verbatimModuleSyntax keeps it as `import {} from 'x'`.)
 */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  // Most files import relative paths only: parse just those that may name a package.
  if (!/\b(?:from|import)\s*\(?\s*['"](?!\.)/.test(text)) return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) {
      out.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier) {
      out.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The shipped sources: every .ts under src/ and widgets/ except tests. */
function shippedSources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (/\.ts$/.test(entry.name) && !/\.(test|e2e)\.ts$/.test(entry.name)) out.push(rel);
    }
  };
  walk('src');
  walk('widgets');
  return out;
}

/** Bare specifiers of an ES module bundle's static imports, re-exports and dynamic imports. */
function bundleImports(code: string): string[] {
  const found = [
    ...code.matchAll(
      /(?:^|[;}\s])(?:import|export)\s*(?:[\w*${},\s]+?\s*from\s*)?["']([^"']+)["']/g,
    ),
    ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1]!);
  return [...new Set(found)].filter(bare);
}

describe('package.json is publishable', () => {
  it('is not private, is MIT licensed with the LICENSE text, and says where it lives', () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.license).toBe('MIT');
    const license = readFileSync(path.join(root, 'LICENSE'), 'utf8');
    expect(license.startsWith('MIT License\n')).toBe(true);
    expect(license).toContain('Copyright (c) 2026 offerwise contributors');
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS"');
    expect(pkg.author).toBe('offerwise contributors');
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\/.+\.git$/);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs?.url).toMatch(/^https:\/\//);
    expect(pkg.keywords?.length).toBeGreaterThan(0);
    // npm adds package.json, README and LICENSE to `files` by itself; jsx/ holds the
    // framework type entries (offerwise/jsx-react, …).
    expect(pkg.files).toEqual(['dist', 'jsx']);
  });

  it('depends on exactly the packages the shipped sources import', () => {
    const files = shippedSources();
    expect(files).toContain('src/index.ts');
    expect(files).toContain('widgets/index.ts');
    const importers = new Map<string, string[]>();
    for (const file of files) {
      for (const specifier of runtimeImports(path.join(root, file)).filter(bare)) {
        const name = packageOf(specifier);
        importers.set(name, [...(importers.get(name) ?? []), file]);
      }
    }
    // The worker bundles ONNX Runtime (rollup.config.mjs): only the worker's own modules import it.
    const ort = importers.get('onnxruntime-web') ?? [];
    expect(ort.length).toBeGreaterThan(0);
    for (const file of ort) expect(file).toMatch(/^src\/predictor\/worker[^/]*\.ts$/);
    importers.delete('onnxruntime-web');
    expect(pkg.devDependencies?.['onnxruntime-web']).toBeDefined();

    for (const [name, files] of importers) {
      expect(installed, `${files.join(', ')} import ${name}`).toContain(name);
    }
    // And nothing a user installs for nothing.
    for (const name of dependencies) expect([...importers.keys()]).toContain(name);
  }, 30_000);

  const dist = path.join(root, 'dist');
  const bundles = ['offerwise.mjs', 'offerwise-widgets.mjs'];
  const built = bundles.every((file) => existsSync(path.join(dist, file)));
  it.skipIf(!built)(
    `imports from dist/ only what it depends on (skipped without dist/${bundles.join(', dist/')}: run npm run build)`,
    () => {
      const imported = new Set<string>();
      const scripts = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter(
        (f) => /\.m?js$/.test(f) && !f.startsWith('types'),
      );
      // The ESM build is one file per module (dist/esm/).
      expect(scripts.filter((f) => f.startsWith('esm')).length).toBeGreaterThan(10);
      for (const file of scripts) {
        const specifiers = bundleImports(readFileSync(path.join(dist, file), 'utf8'));
        for (const specifier of specifiers) {
          expect(installed, `dist/${file} imports ${specifier}`).toContain(packageOf(specifier));
          imported.add(packageOf(specifier));
        }
        expect(specifiers.map(packageOf), `dist/${file}`).not.toContain('onnxruntime-web');
      }
      // The ESM builds link to the dependencies rather than carrying copies.
      for (const name of dependencies) expect([...imported]).toContain(name);
    },
  );
});
