// Minifies the text inside Lit's `css` and `html` tagged templates. Terser leaves template
// literals as they are, so the elements' style sheets kept their comments and indentation, and
// their templates their indentation: about a twentieth of the widgets' compressed size.
//
// Only what cannot change the result is removed:
// - css: comments; runs of white space become one space; the space around `{ } ; ,` and after
//   `:` goes, and the `;` before `}`. Quoted strings are left alone, and so are `+`, `-`, `*`,
//   `/` and `>` (calc() needs its spaces; `.a :is()` is not `.a:is()`, so no space before `:`).
// - html: a run of white space that holds a line break becomes one space (a text node that
//   was only white space still renders as one space; between attributes it still separates
//   them). A template with `<pre>` or `<textarea>`, whose white space shows as written, is left
//   alone; test/e2e/minified-css.e2e.ts fails if a style sheet sets `white-space: pre…`.
// A template whose text it cannot read (a comment left open) is left as it was.

import MagicString from 'magic-string';

// A comment, or a quoted string: found in one pass, so a quote inside a comment (or `/*` inside
// a string) is read as part of it.
const COMMENT_OR_STRING = /\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g;

/** The css text of one template part (between interpolations), minified. */
export function minifyCss(text) {
  const parts = ['']; // css at even places, quoted strings at odd ones
  let at = 0;
  for (const match of text.matchAll(COMMENT_OR_STRING)) {
    parts[parts.length - 1] += text.slice(at, match.index);
    if (match[0].startsWith('/*')) parts[parts.length - 1] += ' ';
    else parts.push(match[0], '');
    at = match.index + match[0].length;
  }
  parts[parts.length - 1] += text.slice(at);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return part;
      if (part.includes('/*')) throw new Error('an unclosed comment');
      return part
        .replace(/\s+/g, ' ')
        .replace(/ ?([{};,]) ?/g, '$1')
        .replace(/: /g, ':')
        .replace(/;}/g, '}');
    })
    .join('');
}

/** The html text of one template part, minified. */
export function minifyHtml(text) {
  if (text.replace(/<!--[\s\S]*?-->/g, '').includes('<!--')) throw new Error('an unclosed comment');
  if (/<\/?(pre|textarea)\b/i.test(text)) throw new Error('white space that is shown as written');
  return text.replace(/\s*\n\s*/g, ' ');
}

const MINIFIERS = { css: minifyCss, html: minifyHtml };

/** Rollup plugin: after the TypeScript transform, minifies every `css`/`html` template. */
export function minifyTemplates() {
  return {
    name: 'offerwise-minify-templates',
    transform(code, id) {
      if (!/\/widgets\/.*\.ts$/.test(id) || !/\b(css|html)\s*`/.test(code)) return null;
      const out = new MagicString(code);
      let changed = false;
      const visit = (node) => {
        if (!node || typeof node.type !== 'string') return;
        if (
          node.type === 'TaggedTemplateExpression' &&
          node.tag.type === 'Identifier' &&
          MINIFIERS[node.tag.name]
        ) {
          const minify = MINIFIERS[node.tag.name];
          const quasis = node.quasi.quasis;
          let texts;
          try {
            texts = quasis.map((quasi) => minify(quasi.value.raw));
          } catch {
            texts = undefined; // left as written
          }
          quasis.forEach((quasi, i) => {
            const next = texts?.[i];
            if (next === undefined || next === quasi.value.raw) return;
            if (next === '') out.remove(quasi.start, quasi.end);
            else out.overwrite(quasi.start, quasi.end, next);
            changed = true;
          });
        }
        for (const value of Object.values(node)) {
          if (Array.isArray(value)) value.forEach(visit);
          else if (value && typeof value === 'object') visit(value);
        }
      };
      visit(this.parse(code));
      return changed ? { code: out.toString(), map: out.generateMap({ hires: true }) } : null;
    },
  };
}
