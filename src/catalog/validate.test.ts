// A whole catalog: the architecture example, the envelope (all or nothing), duplicate offer ids.
import { describe, expect, it } from 'vitest';
import {
  clone,
  coupon,
  envelope,
  EXAMPLE,
  flashSale,
  RECEIVED,
  saleItem,
} from '../../test/support/catalog.js';
import { OfferwiseError } from '../util/errors.js';
import { validateCatalog } from './validate.js';

describe('validateCatalog: the architecture example', () => {
  it('validates to exact values, times in ms and defaults filled', () => {
    const { catalog, problems } = validateCatalog(clone(EXAMPLE), RECEIVED);
    expect(problems).toEqual([]);
    expect(catalog).toEqual({
      version: 1,
      server_time: Date.UTC(2026, 10, 28, 12),
      received_at: RECEIVED,
      currency: 'EUR',
      placements: { home: { limit: 2 }, cart: { limit: 1, types: ['coupon'] } },
      offers: [
        {
          id: 'c-womens-10',
          type: 'coupon',
          title: "10% off women's shoes",
          category: 'womens',
          discount: { percent: 10 },
          code: 'WOMEN10',
          min_spend: 50,
          valid_from: Date.UTC(2026, 10, 28),
          valid_to: Date.UTC(2026, 11, 5),
          member_only: false,
          max_claims: 1,
          placements: ['home', 'cart'],
        },
        {
          id: 'fs-mens-1',
          type: 'flash_sale',
          title: 'Two-hour boots sale',
          category: 'mens',
          starts_at: Date.UTC(2026, 10, 28, 12),
          ends_at: Date.UTC(2026, 10, 28, 14),
          member_only: false,
          placements: ['home'],
          items: [
            {
              item_id: 'sku-1',
              item_name: 'Chelsea boot',
              url: '/p/sku-1',
              image: '/img/sku-1.jpg',
              price: 80,
              sale_price: 56,
              stock: 12,
            },
          ],
        },
        {
          id: 'm-free-ship',
          type: 'member_deal',
          title: 'Free shipping for members',
          category: 'any',
          discount: { amount: 5 },
          member_only: true,
          placements: ['home'],
        },
      ],
      items: {
        'sku-1': {
          category: 'mens',
          price: 80,
          neighbours: [
            ['sku-2', 0.41],
            ['sku-7', 0.22],
          ],
        },
      },
    });
    // No keys set to undefined: absent optional fields are absent.
    expect(Object.keys(catalog.offers[1]!)).toEqual([
      'id',
      'type',
      'title',
      'category',
      'starts_at',
      'ends_at',
      'member_only',
      'placements',
      'items',
    ]);
  });

  it('fills defaults: category any, member_only by type, placements []; trims and lower-cases', () => {
    const { catalog, problems } = validateCatalog(
      envelope([
        coupon({ id: '  a  ', title: '  Ten off  ', category: ' Womens Shoes ', code: ' TEN ' }),
        { id: 'b', type: 'member_deal', title: 'Members', discount: { amount: 0 } },
        {
          id: 'c',
          type: 'member_deal',
          title: 'Open',
          discount: { amount: 1 },
          member_only: false,
        },
        coupon({ id: 'd', category: null, description: '   ', placements: null }),
      ]),
      RECEIVED,
    );
    expect(problems).toEqual([]);
    expect(catalog.offers).toEqual([
      {
        id: 'a',
        type: 'coupon',
        title: 'Ten off',
        category: 'womens shoes',
        discount: { percent: 10 },
        code: 'TEN',
        member_only: false,
        placements: [],
      },
      {
        id: 'b',
        type: 'member_deal',
        title: 'Members',
        category: 'any',
        discount: { amount: 0 },
        member_only: true,
        placements: [],
      },
      {
        id: 'c',
        type: 'member_deal',
        title: 'Open',
        category: 'any',
        discount: { amount: 1 },
        member_only: false,
        placements: [],
      },
      {
        id: 'd',
        type: 'coupon',
        title: '10% off',
        category: 'any',
        discount: { percent: 10 },
        code: 'TEN',
        member_only: false,
        placements: [],
      },
    ]);
    expect(catalog.placements).toEqual({});
    expect(catalog.items).toEqual({});
  });

  it('keeps every optional field that validates', () => {
    const { catalog, problems } = validateCatalog(
      envelope([
        coupon({
          description: 'On all shoes',
          code: undefined,
          code_pool: ['A1', ' B2 '],
          budget: 1000,
          remaining: 10,
          value: 12.5,
          url: 'https://shop.example/sale',
          image: '/img/sale.png',
          valid_from: '2026-11-28T01:00:00+01:00',
          valid_to: '2026-11-28T00:00:00.250-05:00',
        }),
        flashSale({
          id: 'fs',
          discount: { percent: 30 },
          items: [saleItem({ item_id: 123, stock: 0, category: 'Boots', url: null })],
        }),
      ]),
      RECEIVED,
    );
    expect(problems).toEqual([]);
    expect(catalog.offers[0]).toEqual({
      id: 'c-10',
      type: 'coupon',
      title: '10% off',
      description: 'On all shoes',
      category: 'any',
      discount: { percent: 10 },
      code_pool: ['A1', 'B2'],
      valid_from: Date.UTC(2026, 10, 28, 0),
      valid_to: Date.UTC(2026, 10, 28, 5, 0, 0, 250),
      member_only: false,
      budget: 1000,
      remaining: 10,
      placements: [],
      url: 'https://shop.example/sale',
      image: '/img/sale.png',
      value: 12.5,
    });
    expect(catalog.offers[1]!.discount).toEqual({ percent: 30 });
    expect(catalog.offers[1]!.items).toEqual([
      {
        item_id: '123',
        item_name: 'Chelsea boot',
        price: 80,
        sale_price: 56,
        stock: 0,
        category: 'boots',
      },
    ]);
  });

  it('ignores unknown fields everywhere', () => {
    const input = clone(EXAMPLE) as Record<string, unknown> & typeof EXAMPLE;
    input.extra = { anything: true };
    (input.offers[0] as Record<string, unknown>).priority = 'high';
    (input.offers[1]!.items![0] as Record<string, unknown>).colour = 'black';
    (input.placements.home as Record<string, unknown>).style = 'grid';
    (input.items['sku-1'] as Record<string, unknown>).brand = 'x';
    expect(validateCatalog(input, RECEIVED)).toEqual(validateCatalog(clone(EXAMPLE), RECEIVED));
  });
});

describe('validateCatalog: duplicate ids', () => {
  it('keeps the first and reports the others', () => {
    const { catalog, problems } = validateCatalog(
      envelope([
        coupon({ id: 'a', title: 'first' }),
        coupon({ id: 'b' }),
        coupon({ id: 'a', title: 'second' }),
        coupon({ id: ' a ', title: 'third' }),
      ]),
      RECEIVED,
    );
    expect(catalog.offers.map((o) => [o.id, o.title])).toEqual([
      ['a', 'first'],
      ['b', '10% off'],
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      'offers[2] "a" id: got "a", expected an id no other offer has (offers[0] has it)',
      'offers[3] "a" id: got " a ", expected an id no other offer has (offers[0] has it)',
    ]);
  });

  it('lets an invalid first occurrence keep the id: neither is used', () => {
    const { catalog, problems } = validateCatalog(
      envelope([coupon({ id: 'a', discount: { percent: 200 } }), coupon({ id: 'a' })]),
      RECEIVED,
    );
    expect(catalog.offers).toEqual([]);
    expect(problems.map((p) => p.field)).toEqual(['offers[0].discount.percent', 'offers[1].id']);
  });
});

describe('validateCatalog: the envelope', () => {
  const valid = () => envelope([coupon()]) as Record<string, unknown>;
  const cases: [string, unknown, string, string][] = [
    ['null', null, 'catalog', 'catalog: got null, expected a catalog object'],
    ['an array', [], 'catalog', 'catalog: got array(0), expected a catalog object'],
    [
      'a JSON string',
      '{"version":1}',
      'catalog',
      'catalog: got "{\\"version\\":1}", expected a catalog object',
    ],
    ['version 2', { ...valid(), version: 2 }, 'version', 'version: got 2, expected 1'],
    ['version "1"', { ...valid(), version: '1' }, 'version', 'version: got "1", expected 1'],
    [
      'no version',
      { ...valid(), version: undefined },
      'version',
      'version: got undefined, expected 1',
    ],
    [
      'server_time in words',
      { ...valid(), server_time: 'now' },
      'server_time',
      'server_time: got "now", expected an ISO 8601 date-time with a time zone, e.g. 2026-11-28T12:00:00Z',
    ],
    [
      'server_time without zone',
      { ...valid(), server_time: '2026-11-28T12:00:00' },
      'server_time',
      'server_time: got "2026-11-28T12:00:00", expected an ISO 8601 date-time with a time zone, e.g. 2026-11-28T12:00:00Z',
    ],
    [
      'server_time missing',
      { ...valid(), server_time: undefined },
      'server_time',
      'server_time: got undefined, expected an ISO 8601 date-time with a time zone, e.g. 2026-11-28T12:00:00Z',
    ],
    [
      'currency lower-case',
      { ...valid(), currency: 'eur' },
      'currency',
      'currency: got "eur", expected an ISO 4217 currency code (3 upper-case letters)',
    ],
    [
      'currency of 4 letters',
      { ...valid(), currency: 'EURO' },
      'currency',
      'currency: got "EURO", expected an ISO 4217 currency code (3 upper-case letters)',
    ],
    [
      'currency missing',
      { ...valid(), currency: undefined },
      'currency',
      'currency: got undefined, expected an ISO 4217 currency code (3 upper-case letters)',
    ],
    [
      'offers missing',
      { ...valid(), offers: undefined },
      'offers',
      'offers: got undefined, expected an array of offers',
    ],
    [
      'offers an object',
      { ...valid(), offers: { a: coupon() } },
      'offers',
      'offers: got object, expected an array of offers',
    ],
    [
      'placements an array',
      { ...valid(), placements: ['home'] },
      'placements',
      'placements: got array(1), expected an object of placements by name',
    ],
    [
      'placements null',
      { ...valid(), placements: null },
      'placements',
      'placements: got null, expected an object of placements by name',
    ],
  ];

  it.each(cases)('throws invalid_catalog naming the field: %s', (_name, input, field, message) => {
    let caught: unknown;
    try {
      validateCatalog(input, RECEIVED);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OfferwiseError);
    const error = caught as OfferwiseError;
    expect(error.code).toBe('invalid_catalog');
    expect(error.field).toBe(field);
    expect(error.message).toBe(message);
  });

  it('accepts a trimmed currency, an offset server_time, no placements, no items', () => {
    const { catalog, problems } = validateCatalog(
      { ...valid(), currency: ' USD ', server_time: '2026-11-28T13:00:00+01:00' },
      RECEIVED,
    );
    expect(problems).toEqual([]);
    expect(catalog.currency).toBe('USD');
    expect(catalog.server_time).toBe(Date.UTC(2026, 10, 28, 12));
    expect(catalog.placements).toEqual({});
    expect(catalog.items).toEqual({});
  });

  it('keeps the offers when items is not an object, with a problem', () => {
    const { catalog, problems } = validateCatalog({ ...valid(), items: [] }, RECEIVED);
    expect(catalog.offers).toHaveLength(1);
    expect(catalog.items).toEqual({});
    expect(problems.map((p) => p.message)).toEqual([
      'items: got array(0), expected an object of items by id',
    ]);
  });

  it('accepts an empty offer list', () => {
    expect(validateCatalog(envelope([]), RECEIVED).catalog.offers).toEqual([]);
  });
});
