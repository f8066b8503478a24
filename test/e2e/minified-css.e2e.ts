// The bundles carry the elements' style sheets minified (widgets/build/minify-templates.mjs).
// Here, in Chromium: every `css` template under widgets/ reads to the same rules as written and
// minified (each interpolation stands in for by a value of its kind, the same on both sides). A
// declaration the minifier broke (calc() without its spaces, `.a :is()` turned into `.a:is()`)
// would be dropped or changed, and the serialized rules would differ.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAst } from 'rollup/parseAst';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { minifyCss } from '../../widgets/build/minify-templates.mjs';
import { openPage, requireChromium, useHarness } from '../support/e2e.js';

const hasChromium = requireChromium();
const ROOT = path.resolve(import.meta.dirname, '../..');

interface Sheet {
  where: string;
  written: string;
  minified: string;
}

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

/** A stand-in for an interpolation, by what it makes: `px(n)` a length, `rem(n)` one too. */
function standIn(source: string): string {
  if (/^px\(/.test(source)) return '7px';
  if (/^rem\(/.test(source)) return '0.5rem';
  return '7';
}

function sheetsOf(file: string): Sheet[] {
  const js = ts.transpileModule(readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
  const sheets: Sheet[] = [];
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (
      n.type === 'TaggedTemplateExpression' &&
      (n.tag as Node).type === 'Identifier' &&
      (n.tag as { name: string }).name === 'css'
    ) {
      const quasi = n.quasi as { quasis: { value: { raw: string } }[]; expressions: Node[] };
      const fills = quasi.expressions.map((e) => standIn(js.slice(e.start, e.end)));
      const join = (parts: string[]) => parts.map((p, i) => p + (fills[i] ?? '')).join('');
      const raw = quasi.quasis.map((q) => q.value.raw);
      const line = js.slice(0, n.start).split('\n').length;
      sheets.push({
        where: `${path.relative(ROOT, file)} (css template at line ${line} of the emitted JS)`,
        written: join(raw),
        minified: join(raw.map(minifyCss)),
      });
    }
    for (const value of Object.values(n)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') visit(value);
    }
  };
  visit(parseAst(js));
  return sheets;
}

function widgetSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return widgetSources(file);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [file] : [];
  });
}

const sheets = widgetSources(path.join(ROOT, 'widgets')).flatMap(sheetsOf);

describe('the elements’ style sheets, minified', () => {
  it('are all found, and none keeps white space as written (the html minifier relies on it)', () => {
    expect(sheets.length).toBeGreaterThanOrEqual(10);
    for (const sheet of sheets)
      expect(sheet.written, sheet.where).not.toMatch(/white-space:\s*pre/);
  });
});

describe.skipIf(!hasChromium)('the elements’ style sheets in Chromium', () => {
  const h = useHarness();

  it('read to the same rules as written and minified', async () => {
    const context = await h.newContext();
    const { page, errors } = await openPage(context, 'about:blank');
    const read = await page.evaluate(
      (texts) => {
        // Each rule serialized, nested rules inside. Custom properties keep their white space as
        // written, so a run of it reads as one space and none counts beside `(`, `)` or `,`; the
        // space before a `:` (a selector's meaning) does count.
        const serialize = (rules: CSSRuleList): string[] =>
          Array.from(rules, (rule) =>
            rule.cssText
              .replace(/\s+/g, ' ')
              .replace(/ ?([(),]) ?/g, '$1')
              .trim(),
          );
        return texts.map((text) => {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(text);
          return serialize(sheet.cssRules);
        });
      },
      sheets.flatMap((s) => [s.written, s.minified]),
    );
    let rules = 0;
    sheets.forEach((sheet, i) => {
      const written = read[2 * i]!;
      const minified = read[2 * i + 1]!;
      expect(minified, sheet.where).toEqual(written);
      rules += written.length;
    });
    // Every sheet was read to something: the check compares rules, not two empty lists.
    for (const [i, sheet] of sheets.entries())
      expect(read[2 * i]!.length, sheet.where).toBeGreaterThan(0);
    expect(rules).toBeGreaterThan(100);
    expect(errors).toEqual([]);
  });
});
