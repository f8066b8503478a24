// Compiles small app files (in memory) against the framework bindings of jsx/*.d.ts as an app's
// TypeScript would: the bindings import the element types from the build (dist/types/widgets/
// jsx.js); here they come from the sources, since the unit tests run before the build. Used by
// test/unit/jsx-react.test.ts and jsx-vue.test.ts.
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '../..');

const BASE_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
};

export interface CompileOptions {
  /** `.tsx` apps with React's automatic runtime (else plain `.ts`). */
  jsx?: boolean;
  /** More root files, relative to the repository (e.g. `jsx/react.d.ts`). */
  roots?: string[];
}

/**
 * The compiler's messages on each of `apps` (file name relative to the repository → source),
 * as `line: message`.
 */
export function compileApps(
  apps: Record<string, string>,
  { jsx = false, roots = [] }: CompileOptions = {},
): Record<string, string[]> {
  const options: ts.CompilerOptions = jsx
    ? { ...BASE_OPTIONS, jsx: ts.JsxEmit.ReactJSX }
    : BASE_OPTIONS;
  const kind = jsx ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const files = new Map(Object.entries(apps).map(([name, code]) => [path.join(ROOT, name), code]));
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, ...rest) => {
    const code = files.get(file);
    return code === undefined
      ? getSourceFile(file, language, ...rest)
      : ts.createSourceFile(file, code, language, true, kind);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => files.has(file) || fileExists(file);
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
    rootNames: [...roots.map((file) => path.join(ROOT, file)), ...files.keys()],
    options,
    host,
  });
  const out: Record<string, string[]> = {};
  for (const name of Object.keys(apps)) {
    const file = program.getSourceFile(path.join(ROOT, name))!;
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
