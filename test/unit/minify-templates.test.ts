// widgets/build/minify-templates.mjs shrinks the text of the elements' `css` and `html`
// templates in the bundles. Here: its rules on hand-written text, and the plugin on a module.
// test/e2e/minified-css.e2e.ts checks in Chromium that every style sheet of the elements reads
// to the same rules minified.
import { parseAst } from 'rollup/parseAst';
import { describe, expect, it } from 'vitest';
import { minifyCss, minifyHtml, minifyTemplates } from '../../widgets/build/minify-templates.mjs';

describe('minifyCss', () => {
  it('drops comments, indentation and the spaces around braces, semicolons, commas and after colons', () => {
    const text = `
  :host {
    /* a comment with "quotes" and don't */
    display: block;
    font: 1rem / 1.5 a, b;
  }

  .a > .b,
  .c {
    color: red;
  }
`;
    expect(minifyCss(text)).toBe(' :host{display:block;font:1rem / 1.5 a,b}.a > .b,.c{color:red}');
  });

  it('keeps what the meaning needs: calc() operators, the space before a colon, strings', () => {
    expect(minifyCss('.a :is(.b) { width: calc(100% - 2 * var(--x)); }')).toBe(
      '.a :is(.b){width:calc(100% - 2 * var(--x))}',
    );
    expect(minifyCss(`.q::before { content: "a ;  /* not a comment */ {  }"; }`)).toBe(
      `.q::before{content:"a ;  /* not a comment */ {  }"}`,
    );
    expect(minifyCss(`.q::after { content: '\\201C  x' ; }`)).toBe(
      `.q::after{content:'\\201C  x'}`,
    );
  });

  it('reads a part that ends or starts at an interpolation as it stands', () => {
    // css`--h: var(--ow-h, ${value}px); margin: 0 -${px(4)};`
    expect(minifyCss('\n  --h: var(--ow-h, ')).toBe(' --h:var(--ow-h,');
    expect(minifyCss('px);\n  margin: 0 -')).toBe('px);margin:0 -');
    expect(minifyCss(' solid var(--b);\n')).toBe(' solid var(--b);');
  });

  it('refuses a comment left open (the template is then left as written)', () => {
    expect(() => minifyCss('a { color: red; /* open')).toThrow(/unclosed comment/);
  });
});

describe('minifyHtml', () => {
  it('turns each run of white space with a line break into one space, and nothing else', () => {
    const text = `<button
          part="b"
          type="button"
        >
          x  y
        </button
        ><span>`;
    expect(minifyHtml(text)).toBe('<button part="b" type="button" > x  y </button ><span>');
    expect(minifyHtml('<p>a  b</p>')).toBe('<p>a  b</p>');
  });

  it('refuses a comment left open', () => {
    expect(() => minifyHtml('<p>a</p><!-- open')).toThrow(/unclosed comment/);
    expect(minifyHtml('<!-- a -->\n<p>')).toBe('<!-- a --> <p>');
  });

  it('refuses text whose white space is shown as written', () => {
    expect(() => minifyHtml('<pre>\n  a\n</pre>')).toThrow(/as written/);
    expect(() => minifyHtml('<textarea>\n</textarea>')).toThrow(/as written/);
  });
});

describe('minifyTemplates (the rollup plugin)', () => {
  const plugin = minifyTemplates();
  const transform = (code: string, id = '/repo/widgets/x/x.styles.ts') =>
    (plugin.transform as (this: unknown, code: string, id: string) => { code: string } | null).call(
      { parse: (source: string) => parseAst(source) },
      code,
      id,
    );

  it('rewrites css and html templates (as TypeScript emits them), leaves other templates alone', () => {
    const code = [
      'const s = css `\n  .a {\n    color: red; /* x */\n  }\n`;',
      'const t = html `<p\n  class="a"\n>${x}</p>\n`;',
      'const u = `keep\n  this  `;',
      'const v = other`keep\n  this`;',
    ].join('\n');
    expect(transform(code)?.code).toBe(
      [
        'const s = css ` .a{color:red}`;',
        'const t = html `<p class="a" >${x}</p> `;',
        'const u = `keep\n  this  `;',
        'const v = other`keep\n  this`;',
      ].join('\n'),
    );
  });

  it('minifies every part of a template, around its interpolations and nested templates', () => {
    const code =
      'const a = html`<ul>\n  ${items.map((i) => html`<li>\n    ${i}\n  </li>`)}\n</ul>`;';
    expect(transform(code)?.code).toBe(
      'const a = html`<ul> ${items.map((i) => html`<li> ${i} </li>`)} </ul>`;',
    );
  });

  it('leaves a whole template as written when one of its parts cannot be read', () => {
    const code = 'const s = css`\n  a { color: red; }\n  /* open ${x} closed */\n`;';
    expect(transform(code)).toBeNull();
  });

  it('touches only the elements’ modules', () => {
    expect(transform('const s = css`\n  a { }\n`;', '/repo/src/x.ts')).toBeNull();
  });
});
