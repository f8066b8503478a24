// The demo shop's pages: one layout (demo/layout.html: the head with the offerwise script tag,
// the header and the footer) around each page's own <main> (demo/pages/<page>.html, whose first
// line is the page's <title>), as a shop's server renders its templates. Read from disk on each
// call, so edits show on reload.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const demoDir = path.dirname(fileURLToPath(import.meta.url));

/** Each page: its file under demo/pages/ and the `data-page` shop.js wires it by. */
export const SHOP_PAGES = Object.freeze({
  index: 'home',
  category: 'category',
  product: 'product',
  search: 'search',
  cart: 'cart',
  checkout: 'checkout',
  privacy: 'privacy',
});

/**
 * The whole HTML of one shop page.
 * @param {keyof typeof SHOP_PAGES} name
 * @returns {Promise<string>}
 */
export async function renderPage(name) {
  if (!Object.hasOwn(SHOP_PAGES, name)) {
    throw new Error(
      `demo page: got ${JSON.stringify(name)}, expected one of ${Object.keys(SHOP_PAGES).join(', ')}`,
    );
  }
  const file = `pages/${name}.html`;
  const [layout, page] = await Promise.all([
    readFile(path.join(demoDir, 'layout.html'), 'utf8'),
    readFile(path.join(demoDir, file), 'utf8'),
  ]);
  const parts = /^<title>([^<\n]+)<\/title>\n(<main[\s\S]*<\/main>)\s*$/.exec(page);
  if (!parts)
    throw new Error(`demo/${file}: expected a <title> line, then the page's <main> element`);
  const [, title, main] = parts;
  const fill = { title, page: SHOP_PAGES[name], main: main.replace(/\n(?=.)/g, '\n    ') };
  return layout.replace(/\{\{(title|page|main)\}\}/g, (_, key) => fill[key]);
}
