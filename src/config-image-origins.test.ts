// @vitest-environment happy-dom
// `imageOrigins`: validation in the configuration, and the default rule seen through the API.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshIndexedDB } from '../test/support/fake-idb.js';
import { resolveConfig } from './config.js';
import { createOffers, type Offerwise } from './offerwise.js';
import { OfferwiseError } from './util/errors.js';

const EXPECTED = 'an https origin without a path, e.g. "https://cdn.shop.example"';

describe('config.imageOrigins', () => {
  it('is undefined by default (the catalog URL origin applies) and normalized when given', () => {
    expect(resolveConfig({}).imageOrigins).toBeUndefined();
    expect(
      resolveConfig({ imageOrigins: ['https://CDN.shop.example/', 'https://img.example:8443'] })
        .imageOrigins,
    ).toEqual(['https://cdn.shop.example', 'https://img.example:8443']);
    expect(resolveConfig({ imageOrigins: [] }).imageOrigins).toEqual([]);
  });

  it.each([
    [
      ['https://cdn.shop.example', 'http://cdn.shop.example'],
      `config.imageOrigins[1]: got "http://cdn.shop.example", expected ${EXPECTED}`,
    ],
    [
      ['https://cdn.shop.example/images'],
      `config.imageOrigins[0]: got "https://cdn.shop.example/images", expected ${EXPECTED}`,
    ],
    [['*'], `config.imageOrigins[0]: got "*", expected ${EXPECTED}`],
    [[42], `config.imageOrigins[0]: got 42, expected ${EXPECTED}`],
    [
      'https://cdn.shop.example',
      `config.imageOrigins: got "https://cdn.shop.example", expected an array of origins, each ${EXPECTED}`,
    ],
  ])('refuses %j with invalid_config naming the entry', (imageOrigins, message) => {
    let error: unknown;
    try {
      resolveConfig({ imageOrigins });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OfferwiseError);
    expect((error as OfferwiseError).code).toBe('invalid_config');
    expect((error as OfferwiseError).message).toBe(message);
  });
});

describe('catalog images through the API (page: http://localhost:3000)', () => {
  const open: Offerwise[] = [];
  beforeEach(() => freshIndexedDB());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((ow) => ow.destroy()));
  });

  it('a catalog object keeps relative images and drops a third-party one, with a diagnostic', async () => {
    const ow = await createOffers({
      catalog: {
        version: 1,
        server_time: '2026-11-28T12:00:00Z',
        currency: 'EUR',
        offers: [
          {
            id: 'c-1',
            type: 'coupon',
            title: 'One',
            discount: { percent: 10 },
            code: 'ONE',
            image: 'https://ads.example/c-1.png',
          },
          {
            id: 'c-2',
            type: 'coupon',
            title: 'Two',
            discount: { percent: 20 },
            code: 'TWO',
            image: '/img/c-2.png',
          },
        ],
      },
    });
    open.push(ow);
    const catalog = await ow.catalog();
    expect(catalog!.offers.map((o) => [o.id, o.image, o.code])).toEqual([
      ['c-1', undefined, 'ONE'],
      ['c-2', '/img/c-2.png', 'TWO'],
    ]);
    expect(ow.diagnostics().filter((d) => d.code === 'catalog_image_dropped')).toMatchObject([
      {
        message:
          'offers[0] "c-1" image: dropped https://ads.example/c-1.png: its origin https://ads.example is not an allowed image origin (http://localhost:3000); add it to imageOrigins to show it',
      },
    ]);
  });
});
