// The minifier's exports, for test/unit/minify-templates.test.ts and test/e2e/minified-css.e2e.ts.
import type { Plugin } from 'rollup';

/** One part of a `css` template (the text between two interpolations), minified. */
export declare function minifyCss(text: string): string;
/** One part of an `html` template, minified. */
export declare function minifyHtml(text: string): string;
/** The rollup plugin that minifies the `css` and `html` templates of the elements' modules. */
export declare function minifyTemplates(): Plugin;
