// Placements and item entries: each invalid one is skipped alone, with a problem.
import { describe, expect, it } from 'vitest';
import { coupon, envelope, RECEIVED } from '../../test/support/catalog.js';
import { validateCatalog } from './validate.js';

describe('validateCatalog: placements', () => {
  it('skips an invalid placement alone, with a problem', () => {
    const { catalog, problems } = validateCatalog(
      envelope([coupon()], {
        placements: {
          home: { limit: 2 },
          zero: { limit: 0 },
          big: { limit: 21 },
          half: { limit: 1.5 },
          none: {},
          typed: { limit: 3, types: ['coupon', 'flash_sale'] },
          badtype: { limit: 1, types: ['coupon', 'bogus'] },
          typestring: { limit: 1, types: 'coupon' },
          str: 'home',
          'two words': { limit: 1 },
        },
      }),
      RECEIVED,
    );
    expect(catalog.placements).toEqual({
      home: { limit: 2 },
      typed: { limit: 3, types: ['coupon', 'flash_sale'] },
      'two words': { limit: 1 },
    });
    expect(problems.map((p) => p.message)).toEqual([
      'placements.zero.limit: got 0, expected a whole number from 1 to 20',
      'placements.big.limit: got 21, expected a whole number from 1 to 20',
      'placements.half.limit: got 1.5, expected a whole number from 1 to 20',
      'placements.none.limit: got undefined, expected a whole number from 1 to 20',
      'placements.badtype.types[1]: got "bogus", expected one of coupon, flash_sale, member_deal',
      'placements.typestring.types: got "coupon", expected an array of offer types (coupon, flash_sale, member_deal)',
      'placements.str: got "home", expected an object with limit',
    ]);
    expect(problems.every((p) => !('offerId' in p))).toBe(true);
  });

  it('treats names like __proto__ and constructor as data only', () => {
    const input = JSON.parse(
      JSON.stringify(envelope([coupon()])).replace(
        '"offers"',
        '"placements":{"__proto__":{"limit":3},"constructor":{"limit":4}},"offers"',
      ),
    ) as unknown;
    const { catalog } = validateCatalog(input, RECEIVED);
    expect(Object.getPrototypeOf(catalog.placements)).toBeNull();
    expect(Object.keys(catalog.placements)).toEqual(['__proto__', 'constructor']);
    expect(catalog.placements['__proto__']).toEqual({ limit: 3 });
    expect(catalog.placements['toString']).toBeUndefined();
    expect(({} as Record<string, unknown>).limit).toBeUndefined();
  });
});

describe('validateCatalog: items', () => {
  it('keeps entries that validate and skips bad ones with a problem', () => {
    const { catalog, problems } = validateCatalog(
      envelope([], {
        items: {
          a: {
            category: 'Mens',
            price: 10,
            neighbours: [
              ['b', 0.5],
              [7, 0.1],
            ],
          },
          b: {},
          c: { price: -1 },
          d: { neighbours: [['a', 'heavy']] },
          e: { neighbours: [['a']] },
          f: { neighbours: 'a' },
          'sku 9': 'x',
        },
      }),
      RECEIVED,
    );
    expect(catalog.items).toEqual({
      a: {
        category: 'mens',
        price: 10,
        neighbours: [
          ['b', 0.5],
          ['7', 0.1],
        ],
      },
      b: {},
    });
    expect(problems.map((p) => p.message)).toEqual([
      'items.c.price: got -1, expected a number of at least 0',
      'items.d.neighbours[0][1]: got "heavy", expected a finite number',
      'items.e.neighbours[0]: got array(1), expected [item id, weight]',
      'items.f.neighbours: got "a", expected an array of [item id, weight] pairs',
      'items["sku 9"]: got "x", expected an object',
    ]);
  });

  it('caps neighbours at the 100 heaviest, in catalog order', () => {
    const neighbours = Array.from({ length: 150 }, (_, i) => [`n${i}`, i % 2 === 0 ? 1 : 0.5]);
    neighbours.push(['last', 2]);
    const { catalog } = validateCatalog(envelope([], { items: { a: { neighbours } } }), RECEIVED);
    const kept = catalog.items['a']!.neighbours!;
    expect(kept).toHaveLength(100);
    expect(kept.at(-1)).toEqual(['last', 2]);
    // The 75 weight-1 entries, then the 24 earliest weight-0.5 ones, in their original order.
    expect(kept.filter(([, w]) => w === 1)).toHaveLength(75);
    expect(kept.filter(([, w]) => w === 0.5).map(([id]) => id)).toEqual(
      Array.from({ length: 24 }, (_, i) => `n${2 * i + 1}`),
    );
  });
});

describe('items for recommendations', () => {
  it('keeps name, url, image and popularity; unsafe links and HTML-looking names stay refused or text', () => {
    const { catalog, problems } = validateCatalog(
      envelope([], {
        placements: { product: { limit: 8, items: ['a', 7] }, bad: { limit: 2, items: 'a' } },
        items: {
          a: {
            name: '<img src=x onerror=alert(1)>',
            url: '/p/a',
            image: 'https://cdn.example/a.jpg',
            popularity: 12,
          },
          b: { url: 'javascript:alert(1)' },
          c: { image: 'http://cdn.example/c.jpg' },
          d: { popularity: -3 },
        },
      }),
      RECEIVED,
    );
    expect(catalog.items).toEqual({
      a: {
        name: '<img src=x onerror=alert(1)>',
        url: '/p/a',
        image: 'https://cdn.example/a.jpg',
        popularity: 12,
      },
    });
    expect(catalog.placements).toEqual({ product: { limit: 8, items: ['a', '7'] } });
    expect(problems.map((p) => p.message)).toEqual([
      'placements.bad.items: got "a", expected an array of at most 500 item ids',
      'items.b.url: got "javascript:alert(1)", expected an https: URL or a same-origin path starting with /',
      'items.c.image: got "http://cdn.example/c.jpg", expected an https: URL or a same-origin path starting with /',
      'items.d.popularity: got -3, expected a number of at least 0',
    ]);
  });

  it('keeps the first 50,000 items and says how many there were', () => {
    const items: Record<string, unknown> = {};
    for (let i = 0; i < 50_002; i++) items[`s${i}`] = {};
    const { catalog, problems } = validateCatalog(envelope([], { items }), RECEIVED);
    expect(Object.keys(catalog.items)).toHaveLength(50_000);
    expect(catalog.items['s49999']).toEqual({});
    expect(catalog.items['s50000']).toBeUndefined();
    expect(problems.map((p) => p.message)).toEqual([
      'items: got "50002 items", expected at most 50000 items (the first 50000 are kept)',
    ]);
  });
});

describe('validateCatalog: recommendations', () => {
  it('keeps the learned repeat scores, and refuses a bad entry alone with a problem', () => {
    const good = validateCatalog(
      envelope([coupon()], { recommendations: { repeat: [1.04, 0.25, 0] } }),
      RECEIVED,
    );
    expect(good.problems).toEqual([]);
    expect(good.catalog.recommendations).toEqual({ repeat: [1.04, 0.25, 0] });
    const cases: [unknown, string, string][] = [
      [{ repeat: [0.5, -1] }, 'recommendations.repeat[1]', 'a number from 0 to 10'],
      [{ repeat: new Array(21).fill(0) }, 'recommendations.repeat', 'an array of at most 20'],
      [{ repeat: [0.5], decay: 2 }, 'recommendations.decay', 'a known key (repeat)'],
      ['fast', 'recommendations', 'an object like'],
    ];
    for (const [value, field, expected] of cases) {
      const { catalog, problems } = validateCatalog(
        envelope([coupon()], { recommendations: value }),
        RECEIVED,
      );
      expect(catalog.recommendations).toBeUndefined();
      expect(catalog.offers).toHaveLength(1);
      expect(problems).toHaveLength(1);
      expect(problems[0]!.field).toBe(field);
      expect(problems[0]!.expected).toContain(expected);
    }
  });
});
