// offerwise/react on a server (Node, as Next.js renders a page): importing it and rendering the
// provider with components that use every hook with react-dom/server touches no browser global,
// throws nothing, and gives the loading state; the `ow-` elements are plain tags in the HTML.
import { createElement, Fragment } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';

/** Browser globals a server render must not read (none exists in Node; a read is a bug waiting). */
const BROWSER_GLOBALS = [
  'window',
  'document',
  'navigator',
  'indexedDB',
  'localStorage',
  'sessionStorage',
  'customElements',
  'HTMLElement',
  'Worker',
  'location',
];

const touched: string[] = [];

/** Traps every read of BROWSER_GLOBALS on globalThis; returns the function that removes them. */
function trapBrowserGlobals(): () => void {
  for (const name of BROWSER_GLOBALS) {
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.push(name);
        return undefined;
      },
    });
  }
  return () => {
    for (const name of BROWSER_GLOBALS) delete (globalThis as Record<string, unknown>)[name];
  };
}

let untrap: (() => void) | undefined;
afterEach(() => {
  untrap?.();
  untrap = undefined;
});

describe('offerwise/react on a server', () => {
  it('imports and renders the provider, its children and every hook without touching a browser global', async () => {
    expect(BROWSER_GLOBALS.filter((name) => name in globalThis)).toEqual([]);
    untrap = trapBrowserGlobals();
    const { OfferwiseProvider, useDecision, useOfferwise, useRecommendations } =
      await import('./index.js');

    function Offers() {
      const ow = useOfferwise();
      const { decision, loading, error } = useDecision('home', { limit: 2 });
      const recs = useRecommendations('product', { exclude: ['sku-1'] });
      const idle = useRecommendations(undefined);
      return createElement(
        Fragment,
        null,
        createElement('ow-offers', { placement: 'home', limit: 2 }),
        createElement(
          'p',
          null,
          `instance=${ow === undefined ? 'none' : 'some'} decision=${String(decision)} loading=${loading} error=${String(error)}`,
        ),
        createElement(
          'p',
          null,
          `items=${recs.items.length} loading=${recs.loading} idle=${idle.loading}`,
        ),
      );
    }

    const html = renderToString(
      createElement(
        OfferwiseProvider,
        { config: { consent: 'granted', dataLayer: true, catalog: '/api/catalog' } },
        createElement('h1', null, 'Shop'),
        createElement(Offers),
      ),
    );
    expect(html).toBe(
      '<h1>Shop</h1><ow-offers placement="home" limit="2"></ow-offers>' +
        '<p>instance=none decision=undefined loading=true error=undefined</p>' +
        '<p>items=0 loading=true idle=false</p>',
    );
    expect(touched).toEqual([]);
  });

  it('renders a hook outside any provider with its error, not a throw', async () => {
    const { useDecision } = await import('./index.js');
    function Lost() {
      const { loading, error } = useDecision('home');
      return createElement('p', null, `loading=${loading} ${(error as { code?: string }).code}`);
    }
    expect(renderToString(createElement(Lost))).toBe('<p>loading=false invalid_config</p>');
  });
});
