// offerwise/jsx-react (jsx/react.d.ts) compiled as an app compiles it: React 19's own JSX types,
// the entry, and the element types it imports, from the sources here rather than a build in
// dist/types (the unit tests run before the build). What compiles here compiles in a React app.
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  jsx: ts.JsxEmit.ReactJSX,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
};

/** The compiler's messages on each of `apps` (file name → .tsx source), `line: message`. */
function compile(apps: Record<string, string>): Record<string, string[]> {
  const files = new Map(Object.entries(apps).map(([name, code]) => [path.join(ROOT, name), code]));
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, ...rest) => {
    const code = files.get(file);
    return code === undefined
      ? getSourceFile(file, language, ...rest)
      : ts.createSourceFile(file, code, language, true, ts.ScriptKind.TSX);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => files.has(file) || fileExists(file);
  // The entry imports the element types from the build; here they come from the sources.
  const built = path.join(ROOT, 'dist/types/widgets/jsx.js');
  host.resolveModuleNameLiterals = (literals, containingFile, _redirect, compilerOptions) =>
    literals.map((literal) =>
      path.resolve(path.dirname(containingFile), literal.text) === built
        ? {
            resolvedModule: {
              resolvedFileName: path.join(ROOT, 'widgets/jsx.ts'),
              extension: ts.Extension.Ts,
              isExternalLibraryImport: false,
            },
          }
        : ts.resolveModuleName(literal.text, containingFile, compilerOptions, host),
    );
  const program = ts.createProgram({
    rootNames: [path.join(ROOT, 'jsx/react.d.ts'), ...files.keys()],
    options,
    host,
  });
  const out: Record<string, string[]> = {};
  for (const [name, file] of Object.keys(apps).map(
    (name) => [name, program.getSourceFile(path.join(ROOT, name))!] as const,
  )) {
    out[name] = [
      ...program.getSyntacticDiagnostics(file),
      ...program.getSemanticDiagnostics(file),
    ].map((d) => {
      const line = d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line;
      return `${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
  }
  return out;
}

describe('offerwise/jsx-react', () => {
  it('types <ow-*> elements in React 19 JSX, and refuses a wrong attribute or event', () => {
    const app = `import type { ReactElement } from 'react';
export const page: ReactElement = (
  <>
    <ow-offers
      placement="home"
      limit="2"
      sign-in-url="/login"
      className="offers"
      onow-decision={(event) => void event.detail.offerIds.join()}
      onow-claim={(event) => void event.detail.code}
    />
    <ow-recommendations
      placement="product"
      mode="discover"
      limit={4}
      onow-item-click={(event) => void event.detail.itemId}
    />
    <ow-member-deal member sign-in-url="/login" messages={{ badge: 'Mitglieder' }} />
    <ow-flash-sale ending-soon-minutes="5" messages={{ ended: 'Fini' }} />
    <ow-my-data messages={{ heading: 'Vos données' }} />
    <ow-why explanation="You like shoes" category="shoes" open />
    <ow-coupon decision-id="d1" currency="EUR" />
  </>
);
// @ts-expect-error: "two" is not a numeric string
export const wordLimit = <ow-offers placement="home" limit="two" />;
// @ts-expect-error: an ow-decision carries offerIds, not itemId
export const detail = <ow-offers onow-decision={(event) => event.detail.itemId} />;
// @ts-expect-error: member is a boolean
export const member = <ow-member-deal member="yes" />;
// @ts-expect-error: the element sets empty
export const empty = <ow-offers empty />;
// @ts-expect-error: recommendations take no types
export const types = <ow-recommendations types="coupon" />;
`;
    // The same mistake unmarked: the check can fail, and says where and why.
    const mistake = `export const page = <ow-offers placement="home" limit="two" />;\n`;
    const messages = compile({
      'test/unit/jsx-react-app.tsx': app,
      'test/unit/jsx-react-mistake.tsx': mistake,
    });
    // Every usage compiles, and every `@ts-expect-error` meets its error.
    expect(messages['test/unit/jsx-react-app.tsx']).toEqual([]);
    expect(messages['test/unit/jsx-react-mistake.tsx']).toEqual([
      expect.stringMatching(/^1: Type '"two"' is not assignable to type 'OwNumber \| undefined'/),
    ]);
  }, 60_000);
});
