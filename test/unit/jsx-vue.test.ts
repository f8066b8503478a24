// offerwise/jsx-vue (jsx/vue.d.ts) compiled as a Vue app's TypeScript compiles it: Vue 3's own
// types, the entry imported by its package name, and the element types it imports, from the
// sources here rather than a build in dist/types (the unit tests run before the build).
//
// Templates themselves are checked by vue-tsc (Volar), which is not installed here: it types
// `<ow-offers :limit="2" @ow-decision="…">` as the props of the `GlobalComponents` entry, the
// `$props` of its instance, with `@ow-decision` as `onOwDecision`. This test checks those same
// props, and `h()` with the component type, in plain TypeScript; what vue-tsc adds (reading the
// template, its fallthrough attributes) is not covered.
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
};

/** The compiler's messages on each of `apps` (file name → .ts source), `line: message`. */
function compile(apps: Record<string, string>): Record<string, string[]> {
  const files = new Map(Object.entries(apps).map(([name, code]) => [path.join(ROOT, name), code]));
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, ...rest) => {
    const code = files.get(file);
    return code === undefined
      ? getSourceFile(file, language, ...rest)
      : ts.createSourceFile(file, code, language, true, ts.ScriptKind.TS);
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
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
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

/** What every app file starts with: the entry as an app imports it, and the props vue-tsc checks. */
const prelude = `import { h, type DefineComponent, type GlobalComponents } from 'vue';
import type {} from 'offerwise/jsx-vue';
type Props<K extends keyof GlobalComponents> = InstanceType<GlobalComponents[K]>['$props'];
`;

describe('offerwise/jsx-vue', () => {
  it("types the ow- elements as Vue 3's GlobalComponents (props, numeric values, onOw* listeners), and refuses a wrong value or event", () => {
    const app = `${prelude}
// <ow-offers placement="home" :limit="2" sign-in-url="/login" @ow-decision="…" @ow-claim="…">
export const offers: Props<'ow-offers'> = {
  placement: 'home',
  limit: 2,
  'sign-in-url': '/login',
  class: 'offers',
  onOwDecision: (event) => void event.detail.offerIds.join(),
  onOwClaim: (event) => void event.detail.code,
};
// limit="2" without the colon: the string a template passes as written.
export const written: Props<'ow-offers'> = { placement: 'home', limit: '2' };
export const recommendations: Props<'ow-recommendations'> = {
  placement: 'product',
  mode: 'discover',
  onOwItemClick: (event) => void event.detail.itemId,
};
export const member: Props<'ow-member-deal'> = { member: true, messages: { badge: 'Mitglieder' } };
export const sale: Props<'ow-flash-sale'> = { 'ending-soon-minutes': '5', serverOffset: -120 };
export const why: Props<'ow-why'> = { explanation: 'You like shoes', onOwInterestOff: (e) => void e.detail.category };
// Each entry is a component: a render function takes it, with the same props.
export const component: DefineComponent<any> = {} as GlobalComponents['ow-coupon'];
declare const elements: GlobalComponents;
export const vnode = h(elements['ow-offers'], { placement: 'home', limit: 1, onOwDecision: (e) => void e.detail.source });
// @ts-expect-error: "two" is not a numeric string
export const wordLimit: Props<'ow-offers'> = { limit: 'two' };
// @ts-expect-error: an ow-decision carries offerIds, not itemId
export const detail: Props<'ow-offers'> = { onOwDecision: (event) => event.detail.itemId };
// @ts-expect-error: member is a boolean
export const memberWord: Props<'ow-member-deal'> = { member: 'yes' };
// @ts-expect-error: <ow-recommendations> fires no ow-decision
export const recDecision: Props<'ow-recommendations'> = { onOwDecision: () => undefined };
// @ts-expect-error: h() checks the props against the same types
export const badVnode = h(elements['ow-offers'], { limit: 'two' });
`;
    // The same mistake unmarked: the check can fail, and says where and why.
    const mistake = `${prelude}export const offers: Props<'ow-offers'> = { limit: 'two' };\n`;
    const messages = compile({
      'test/unit/jsx-vue-app.ts': app,
      'test/unit/jsx-vue-mistake.ts': mistake,
    });
    // Every usage compiles, and every `@ts-expect-error` meets its error.
    expect(messages['test/unit/jsx-vue-app.ts']).toEqual([]);
    expect(messages['test/unit/jsx-vue-mistake.ts']).toEqual([
      expect.stringMatching(/^4: Type '"two"' is not assignable to type 'OwNumber \| undefined'/),
    ]);
  }, 60_000);
});
