// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { validateCatalog } from './validate.js';
import { allowedImageOrigins, dropForeignImages, parseImageOrigin } from './image-origins.js';

describe('parseImageOrigin', () => {
  it.each([
    ['https://cdn.shop.example', 'https://cdn.shop.example'],
    ['  https://CDN.Shop.Example/  ', 'https://cdn.shop.example'],
    ['https://cdn.shop.example:443', 'https://cdn.shop.example'],
    ['https://cdn.shop.example:8443', 'https://cdn.shop.example:8443'],
    ['https://bücher.example', 'https://xn--bcher-kva.example'],
  ])('accepts %j as %j', (input, origin) => {
    expect(parseImageOrigin(input)).toBe(origin);
  });

  it.each([
    'http://cdn.shop.example',
    'cdn.shop.example',
    '//cdn.shop.example',
    'https://cdn.shop.example/img',
    'https://cdn.shop.example/?x=1',
    'https://cdn.shop.example#x',
    'https://user:pw@cdn.shop.example',
    'https://*.shop.example',
    'https://',
    '*',
    '',
    'data:image/png',
    'https://cdn.shop.example\\evil.example',
  ])('refuses %j', (input) => {
    expect(parseImageOrigin(input)).toBeUndefined();
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 1, ['https://a.example'], {}]) {
      expect(parseImageOrigin(value)).toBeUndefined();
    }
  });
});

describe('allowedImageOrigins (page: http://localhost:3000)', () => {
  it('the page, plus the catalog URL origin by default (a relative URL is the page)', () => {
    expect(allowedImageOrigins(undefined, 'https://api.shop.example/v1/catalog')).toEqual([
      'http://localhost:3000',
      'https://api.shop.example',
    ]);
    expect(allowedImageOrigins(undefined, '/api/catalog')).toEqual(['http://localhost:3000']);
    expect(allowedImageOrigins(undefined, undefined)).toEqual(['http://localhost:3000']);
  });

  it('the page, plus the configured list instead of the catalog origin', () => {
    expect(
      allowedImageOrigins(['https://cdn.shop.example'], 'https://api.shop.example/catalog'),
    ).toEqual(['http://localhost:3000', 'https://cdn.shop.example']);
    expect(allowedImageOrigins([], 'https://api.shop.example/catalog')).toEqual([
      'http://localhost:3000',
    ]);
  });
});

describe('dropForeignImages', () => {
  const base = {
    version: 1,
    server_time: '2026-11-28T12:00:00Z',
    currency: 'EUR',
    offers: [
      {
        id: 'm',
        type: 'member_deal',
        title: 'Members',
        discount: { amount: 5 },
        image: 'https://cdn.shop.example/m.jpg',
      },
    ],
    items: { __proto__: { image: 'https://x.example/p.jpg' }, ok: { image: '/ok.jpg' } },
  };

  it('returns the same catalog object when nothing is dropped', () => {
    const { catalog } = validateCatalog(JSON.parse(JSON.stringify(base)), 0);
    const out = dropForeignImages(catalog, [
      'http://localhost:3000',
      'https://cdn.shop.example',
      'https://x.example',
    ]);
    expect(out.dropped).toEqual([]);
    expect(out.catalog).toBe(catalog);
  });

  it('leaves the validated catalog untouched and keeps item ids such as __proto__ as data', () => {
    const { catalog } = validateCatalog(
      JSON.parse(
        JSON.stringify(base).replace(
          '"items":{',
          '"items":{"__proto__":{"image":"https://x.example/p.jpg"},',
        ),
      ),
      0,
    );
    const out = dropForeignImages(catalog, ['http://localhost:3000']);
    expect(out.dropped.map((d) => [d.field, d.offerId, d.origin])).toEqual([
      ['offers[0].image', 'm', 'https://cdn.shop.example'],
      ['items["__proto__"].image', undefined, 'https://x.example'],
    ]);
    expect(out.catalog.offers[0]).not.toHaveProperty('image');
    expect(catalog.offers[0]!.image).toBe('https://cdn.shop.example/m.jpg');
    expect(Object.getPrototypeOf(out.catalog.items)).toBeNull();
    expect(Object.keys(out.catalog.items)).toEqual(['__proto__', 'ok']);
    expect(out.catalog.items['__proto__']).toEqual({});
    expect(out.catalog.items.ok).toEqual({ image: '/ok.jpg' });
  });
});
