import { describe, expect, it } from 'vitest';
import { OfferwiseError } from '../util/errors.js';
import {
  escapeBidi,
  parseDateTime,
  safeLink,
  validateCatalog,
  type CatalogProblem,
} from './validate.js';

/** The architecture's example catalog, verbatim. */
const EXAMPLE = {
  version: 1,
  server_time: '2026-11-28T12:00:00Z',
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
      valid_from: '2026-11-28T00:00:00Z',
      valid_to: '2026-12-05T00:00:00Z',
      member_only: false,
      max_claims: 1,
      placements: ['home', 'cart'],
    },
    {
      id: 'fs-mens-1',
      type: 'flash_sale',
      title: 'Two-hour boots sale',
      category: 'mens',
      starts_at: '2026-11-28T12:00:00Z',
      ends_at: '2026-11-28T14:00:00Z',
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
};

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const RECEIVED = 1_795_867_000_000;

function envelope(offers: unknown[], extra: Record<string, unknown> = {}) {
  return { version: 1, server_time: '2026-11-28T12:00:00Z', currency: 'EUR', offers, ...extra };
}

const coupon = (extra: Record<string, unknown> = {}) => ({
  id: 'c-10',
  type: 'coupon',
  title: '10% off',
  discount: { percent: 10 },
  code: 'TEN',
  ...extra,
});

const saleItem = (extra: Record<string, unknown> = {}) => ({
  item_id: 'sku-1',
  item_name: 'Chelsea boot',
  price: 80,
  sale_price: 56,
  ...extra,
});

const flashSale = (extra: Record<string, unknown> = {}) => ({
  id: 'c-10',
  type: 'flash_sale',
  title: 'Boots sale',
  starts_at: '2026-11-28T12:00:00Z',
  ends_at: '2026-11-28T14:00:00Z',
  items: [saleItem()],
  ...extra,
});

const fillers = [
  coupon({ id: 'ok-0' }),
  coupon({ id: 'ok-1' }),
  { id: 'ok-2', type: 'member_deal', title: 'Members', discount: { amount: 1 } },
];

/** Validates a catalog whose offer at index 3 is `offer`; returns the problems. */
function problemsOf(offer: unknown): CatalogProblem[] {
  const { catalog, problems } = validateCatalog(envelope([...fillers, offer]), RECEIVED);
  expect(catalog.offers.map((o) => o.id)).toEqual(['ok-0', 'ok-1', 'ok-2']);
  return problems;
}

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

describe('validateCatalog: invalid offers are skipped alone with an exact message', () => {
  const long = (n: number) => 'x'.repeat(n);
  const cases: [string, unknown, string][] = [
    [
      'percent over 100',
      coupon({ discount: { percent: 150 } }),
      'offers[3] "c-10" discount.percent: got 150, expected a number from 0 to 100',
    ],
    [
      'percent as a string',
      coupon({ discount: { percent: '10' } }),
      'offers[3] "c-10" discount.percent: got "10", expected a number from 0 to 100',
    ],
    [
      'negative amount',
      coupon({ discount: { amount: -1 } }),
      'offers[3] "c-10" discount.amount: got -1, expected a number of at least 0',
    ],
    [
      'empty discount',
      coupon({ discount: {} }),
      'offers[3] "c-10" discount: got object, expected an object with either percent (0 to 100) or amount (at least 0)',
    ],
    [
      'both percent and amount',
      coupon({ discount: { percent: 10, amount: 5 } }),
      'offers[3] "c-10" discount: got object, expected an object with either percent (0 to 100) or amount (at least 0)',
    ],
    [
      'coupon without discount',
      coupon({ discount: undefined }),
      'offers[3] "c-10" discount: got undefined, expected an object with percent or amount (required for coupon)',
    ],
    [
      'member deal without discount',
      { id: 'c-10', type: 'member_deal', title: 'Members' },
      'offers[3] "c-10" discount: got undefined, expected an object with percent or amount (required for member_deal)',
    ],
    [
      'unknown type',
      coupon({ type: 'bogus' }),
      'offers[3] "c-10" type: got "bogus", expected one of coupon, flash_sale, member_deal',
    ],
    [
      'missing id',
      coupon({ id: undefined }),
      'offers[3] id: got undefined, expected a non-empty string of at most 100 characters',
    ],
    [
      'blank id',
      coupon({ id: '   ' }),
      'offers[3] id: got "   ", expected a non-empty string of at most 100 characters',
    ],
    [
      'numeric id',
      coupon({ id: 7 }),
      'offers[3] id: got 7, expected a non-empty string of at most 100 characters',
    ],
    [
      'id over 100 characters',
      coupon({ id: long(101) }),
      `offers[3] id: got "${long(57)}...", expected a non-empty string of at most 100 characters`,
    ],
    [
      'empty title',
      coupon({ title: '' }),
      'offers[3] "c-10" title: got "", expected a non-empty string of at most 200 characters',
    ],
    [
      'title over 200 characters (refused, not cut)',
      coupon({ title: long(201) }),
      `offers[3] "c-10" title: got "${long(57)}...", expected a non-empty string of at most 200 characters`,
    ],
    [
      'description over 1000 characters',
      coupon({ description: long(1001) }),
      `offers[3] "c-10" description: got "${long(57)}...", expected a string of at most 1000 characters`,
    ],
    [
      'category not a string',
      coupon({ category: 5 }),
      'offers[3] "c-10" category: got 5, expected a string of at most 200 characters',
    ],
    [
      'code over 64 characters',
      coupon({ code: long(65) }),
      `offers[3] "c-10" code: got "${long(57)}...", expected a string of at most 64 characters`,
    ],
    [
      'coupon without code or pool',
      coupon({ code: undefined }),
      'offers[3] "c-10" code: got undefined, expected a code or a code_pool (required for coupon)',
    ],
    [
      'empty code pool',
      coupon({ code: undefined, code_pool: [] }),
      'offers[3] "c-10" code_pool: got array(0), expected a non-empty array of codes (strings of at most 64 characters)',
    ],
    [
      'blank code in pool',
      coupon({ code_pool: ['A', ' '] }),
      'offers[3] "c-10" code_pool[1]: got " ", expected a non-empty string of at most 64 characters',
    ],
    [
      'negative min_spend',
      coupon({ min_spend: -5 }),
      'offers[3] "c-10" min_spend: got -5, expected a number of at least 0',
    ],
    [
      'min_spend as a string',
      coupon({ min_spend: '50' }),
      'offers[3] "c-10" min_spend: got "50", expected a number of at least 0',
    ],
    [
      'date in words',
      coupon({ valid_from: 'tomorrow' }),
      'offers[3] "c-10" valid_from: got "tomorrow", expected an ISO 8601 date-time with a time zone, e.g. 2026-11-28T12:00:00Z',
    ],
    [
      'impossible date',
      coupon({ valid_to: '2026-02-30T00:00:00Z' }),
      'offers[3] "c-10" valid_to: got "2026-02-30T00:00:00Z", expected an ISO 8601 date-time with a time zone, e.g. 2026-11-28T12:00:00Z',
    ],
    [
      'date-time without a time zone',
      coupon({ valid_from: '2026-11-28T00:00:00' }),
      'offers[3] "c-10" valid_from: got "2026-11-28T00:00:00", expected an ISO 8601 date-time with a time zone, e.g. 2026-11-28T12:00:00Z',
    ],
    [
      'date as a number',
      coupon({ valid_from: 1795824000000 }),
      'offers[3] "c-10" valid_from: got 1795824000000, expected an ISO 8601 date-time with a time zone, e.g. 2026-11-28T12:00:00Z',
    ],
    [
      'valid_to not after valid_from',
      coupon({ valid_from: '2026-12-05T00:00:00Z', valid_to: '2026-12-05T00:00:00Z' }),
      'offers[3] "c-10" valid_to: got "2026-12-05T00:00:00Z", expected a date-time after valid_from',
    ],
    [
      'member_only as a string',
      coupon({ member_only: 'yes' }),
      'offers[3] "c-10" member_only: got "yes", expected true or false',
    ],
    [
      'max_claims 0',
      coupon({ max_claims: 0 }),
      'offers[3] "c-10" max_claims: got 0, expected a whole number of at least 1',
    ],
    [
      'max_claims fractional',
      coupon({ max_claims: 1.5 }),
      'offers[3] "c-10" max_claims: got 1.5, expected a whole number of at least 1',
    ],
    [
      'negative budget',
      coupon({ budget: -1 }),
      'offers[3] "c-10" budget: got -1, expected a number of at least 0',
    ],
    [
      'remaining not finite',
      coupon({ remaining: Infinity }),
      'offers[3] "c-10" remaining: got Infinity, expected a number of at least 0',
    ],
    [
      'placements as a string',
      coupon({ placements: 'home' }),
      'offers[3] "c-10" placements: got "home", expected an array of placement names',
    ],
    [
      'placement name not a string',
      coupon({ placements: ['home', 1] }),
      'offers[3] "c-10" placements[1]: got 1, expected a non-empty string of at most 100 characters',
    ],
    [
      'negative value',
      coupon({ value: -1 }),
      'offers[3] "c-10" value: got -1, expected a number of at least 0',
    ],
    [
      'javascript: url',
      coupon({ url: 'javascript:alert(1)' }),
      'offers[3] "c-10" url: got "javascript:alert(1)", expected an https: URL or a same-origin path starting with /',
    ],
    [
      'data: image',
      coupon({ image: 'data:image/svg+xml,<svg onload=alert(1)>' }),
      'offers[3] "c-10" image: got "data:image/svg+xml,<svg onload=alert(1)>", expected an https: URL or a same-origin path starting with /',
    ],
    [
      'http: url',
      coupon({ url: 'http://shop.example/' }),
      'offers[3] "c-10" url: got "http://shop.example/", expected an https: URL or a same-origin path starting with /',
    ],
    ['not an object', 'c-10', 'offers[3]: got "c-10", expected an offer object'],
    ['null', null, 'offers[3]: got null, expected an offer object'],
    [
      'flash sale without starts_at',
      flashSale({ starts_at: undefined }),
      'offers[3] "c-10" starts_at: got undefined, expected an ISO 8601 date-time with a time zone, e.g. 2026-11-28T12:00:00Z (required for flash_sale)',
    ],
    [
      'flash sale without ends_at',
      flashSale({ ends_at: null }),
      'offers[3] "c-10" ends_at: got null, expected an ISO 8601 date-time with a time zone, e.g. 2026-11-28T12:00:00Z (required for flash_sale)',
    ],
    [
      'flash sale ending before it starts',
      flashSale({ ends_at: '2026-11-28T11:00:00Z' }),
      'offers[3] "c-10" ends_at: got "2026-11-28T11:00:00Z", expected a date-time after starts_at',
    ],
    [
      'flash sale without items',
      flashSale({ items: undefined }),
      'offers[3] "c-10" items: got undefined, expected a non-empty array of at most 50 items (required for flash_sale)',
    ],
    [
      'flash sale with no items',
      flashSale({ items: [] }),
      'offers[3] "c-10" items: got array(0), expected a non-empty array of at most 50 items',
    ],
    [
      'flash sale with 51 items',
      flashSale({ items: Array.from({ length: 51 }, (_, i) => saleItem({ item_id: `s${i}` })) }),
      'offers[3] "c-10" items: got array(51), expected a non-empty array of at most 50 items',
    ],
    [
      'sale price above price',
      flashSale({ items: [saleItem(), saleItem({ sale_price: 90 })] }),
      'offers[3] "c-10" items[1].sale_price: got 90, expected a number from 0 to 80 (the price)',
    ],
    [
      'item without price',
      flashSale({ items: [saleItem({ price: undefined })] }),
      'offers[3] "c-10" items[0].price: got undefined, expected a number of at least 0',
    ],
    [
      'item without sale price',
      flashSale({ items: [saleItem({ sale_price: undefined })] }),
      'offers[3] "c-10" items[0].sale_price: got undefined, expected a number from 0 to 80 (the price)',
    ],
    [
      'item with fractional stock',
      flashSale({ items: [saleItem({ stock: 2.5 })] }),
      'offers[3] "c-10" items[0].stock: got 2.5, expected a whole number of at least 0',
    ],
    [
      'item id an object',
      flashSale({ items: [saleItem({ item_id: {} })] }),
      'offers[3] "c-10" items[0].item_id: got object, expected a non-empty string or number of at most 100 characters',
    ],
    [
      'item without name',
      flashSale({ items: [saleItem({ item_name: undefined })] }),
      'offers[3] "c-10" items[0].item_name: got undefined, expected a non-empty string of at most 200 characters',
    ],
    [
      'item with a javascript: link',
      flashSale({ items: [saleItem({ url: 'JavaScript:alert(1)' })] }),
      'offers[3] "c-10" items[0].url: got "JavaScript:alert(1)", expected an https: URL or a same-origin path starting with /',
    ],
    [
      'item with a protocol-relative image',
      flashSale({ items: [saleItem({ image: '//evil.example/x.png' })] }),
      'offers[3] "c-10" items[0].image: got "//evil.example/x.png", expected an https: URL or a same-origin path starting with /',
    ],
    [
      'item not an object',
      flashSale({ items: ['sku-1'] }),
      'offers[3] "c-10" items[0]: got "sku-1", expected an object',
    ],
  ];

  it.each(cases)('%s', (_name, offer, message) => {
    const problems = problemsOf(offer);
    expect(problems.map((p) => p.message)).toEqual([message]);
  });

  it('describes the problem as data: offer id, full field path, value and expectation', () => {
    expect(problemsOf(coupon({ discount: { percent: 150 } }))).toEqual([
      {
        offerId: 'c-10',
        field: 'offers[3].discount.percent',
        value: 150,
        expected: 'a number from 0 to 100',
        message: 'offers[3] "c-10" discount.percent: got 150, expected a number from 0 to 100',
      },
    ]);
    const [noId] = problemsOf(coupon({ id: '' }));
    expect(noId).not.toHaveProperty('offerId');
    expect(noId!.field).toBe('offers[3].id');
    const [item] = problemsOf(flashSale({ items: [saleItem({ sale_price: 90 })] }));
    expect(item!.field).toBe('offers[3].items[0].sale_price');
  });

  it('accepts boundary values', () => {
    const { problems } = validateCatalog(
      envelope([
        coupon({ id: 'a', discount: { percent: 0 }, title: 'x'.repeat(200), id2: 1 }),
        coupon({ id: 'b'.repeat(100), discount: { percent: 100 }, code: 'C'.repeat(64) }),
        coupon({ id: 'c', discount: { amount: 0 }, description: 'd'.repeat(1000), min_spend: 0 }),
        coupon({ id: 'e', title: '🥾'.repeat(200), max_claims: 1, budget: 0, remaining: 0 }),
        flashSale({
          id: 'f',
          items: Array.from({ length: 50 }, (_, i) =>
            saleItem({ item_id: i, price: 0, sale_price: 0 }),
          ),
        }),
        flashSale({ id: 'g', items: [saleItem({ sale_price: 80 })] }),
      ]),
      RECEIVED,
    );
    expect(problems).toEqual([]);
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

describe('validateCatalog: text stays text', () => {
  const hostile = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '"><svg onload=alert(document.cookie)>',
    "'; DROP TABLE offers; --",
    '&lt;b&gt;10% off&lt;/b&gt; &amp; more',
    '{{constructor.constructor("alert(1)")()}}',
    'javascript:alert(1)',
  ];

  it.each(hostile)('keeps %j verbatim in title, description, item_name and code pool', (s) => {
    const { catalog, problems } = validateCatalog(
      envelope([
        coupon({ id: 'c', title: s, description: `  ${s}  `, code_pool: [s.slice(0, 64)] }),
        flashSale({ id: 'f', title: s, items: [saleItem({ item_name: s })] }),
      ]),
      RECEIVED,
    );
    expect(problems).toEqual([]);
    const [c, f] = catalog.offers;
    expect(c!.title).toBe(s);
    expect(c!.description).toBe(s);
    expect(c!.code_pool).toEqual([s.slice(0, 64)]);
    expect(f!.title).toBe(s);
    expect(f!.items![0]!.item_name).toBe(s);
  });
});

describe('validateCatalog: bidirectional controls in codes and ids (audit finding 8)', () => {
  const NO_BIDI =
    'no bidirectional control characters (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069)';

  it('skips the offer alone, naming the field and the escaped value', () => {
    const { catalog, problems } = validateCatalog(
      envelope([
        coupon({ id: 'a', code: 'SAVE\u202E10' }),
        coupon({ id: 'b\u2066', code: 'B' }),
        coupon({ id: 'c', code: undefined, code_pool: ['C1', '\u200FC2'] }),
        flashSale({ id: 'd', items: [saleItem(), saleItem({ item_id: 'sku\u061C2' })] }),
        coupon({ id: 'ok', code: 'SAVE10' }),
      ]),
      RECEIVED,
    );
    expect(catalog.offers.map((o) => o.id)).toEqual(['ok']);
    expect(problems.map((p) => p.message)).toEqual([
      `offers[0] "a" code: got "SAVE\\u202E10", expected ${NO_BIDI}`,
      `offers[1] id: got "b\\u2066", expected ${NO_BIDI}`,
      `offers[2] "c" code_pool[1]: got "\\u200FC2", expected ${NO_BIDI}`,
      `offers[3] "d" items[1].item_id: got "sku\\u061C2", expected ${NO_BIDI}`,
    ]);
    // The data keeps the real value; only the message escapes it.
    expect(problems[0]).toMatchObject({
      offerId: 'a',
      field: 'offers[0].code',
      value: 'SAVE\u202E10',
    });
    expect(problems[1]).toMatchObject({ field: 'offers[1].id', value: 'b\u2066' });
    expect(problems[1]!.offerId).toBeUndefined();
  });

  it('refuses each control of the list, and nothing else (right-to-left letters are fine)', () => {
    const controls = [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e];
    controls.push(0x2066, 0x2067, 0x2068, 0x2069);
    for (const c of controls) {
      const { catalog } = validateCatalog(
        envelope([coupon({ code: `X${String.fromCharCode(c)}Y` })]),
        RECEIVED,
      );
      expect(catalog.offers, `U+${c.toString(16)}`).toEqual([]);
    }
    // Hebrew and Arabic letters, a zero-width joiner and the marks next to the range stay.
    const fine = ['שמח10', 'خصم20', 'A\u200DB', 'A\u200BB', 'A\u2060B', 'A\u202FB'];
    const { catalog, problems } = validateCatalog(
      envelope(fine.map((code, i) => coupon({ id: `c${i}`, code }))),
      RECEIVED,
    );
    expect(problems).toEqual([]);
    expect(catalog.offers.map((o) => o.code)).toEqual(fine);
  });

  it('keeps right-to-left and override characters in titles, descriptions and names', () => {
    const title = '\u202Eevas \u05E9\u05DE\u05D7';
    const { catalog, problems } = validateCatalog(
      envelope([
        coupon({ title, description: `\u2067${title}\u2069` }),
        flashSale({ id: 'f', items: [saleItem({ item_name: title })] }),
      ]),
      RECEIVED,
    );
    expect(problems).toEqual([]);
    expect(catalog.offers[0]!.title).toBe(title);
    expect(catalog.offers[0]!.description).toBe(`\u2067${title}\u2069`);
    expect(catalog.offers[1]!.items![0]!.item_name).toBe(title);
  });

  it('skips an item entry whose id (key or neighbour) has one; placements refuse such item ids', () => {
    const { catalog, problems } = validateCatalog(
      envelope([], {
        placements: { home: { limit: 1, items: ['a', 'b\u202D'] }, cart: { limit: 1 } },
        items: {
          'sku\u202E1': { price: 1 },
          a: { neighbours: [['c\u200E', 0.5]] },
          b: { price: 2 },
        },
      }),
      RECEIVED,
    );
    expect(Object.keys(catalog.items)).toEqual(['b']);
    expect(Object.keys(catalog.placements)).toEqual(['cart']);
    expect(problems.map((p) => p.message)).toEqual([
      `placements.home.items[1]: got "b\\u202D", expected ${NO_BIDI}`,
      `items["sku\\u202E1"]: got "sku\\u202E1", expected ${NO_BIDI}`,
      `items.a.neighbours[0][0]: got "c\\u200E", expected ${NO_BIDI}`,
    ]);
  });

  it('escapeBidi() writes each control as \\uXXXX and leaves other text alone', () => {
    expect(escapeBidi('SAVE\u202E10 \u061C\u2069 שמח')).toBe('SAVE\\u202E10 \\u061C\\u2069 שמח');
  });
});

describe('safeLink', () => {
  const accepted: [string, string][] = [
    ['/p/sku-1', '/p/sku-1'],
    ['  /img/sku-1.jpg\n', '/img/sku-1.jpg'],
    ['/p/a?x=1&y=2#top', '/p/a?x=1&y=2#top'],
    ['/', '/'],
    ['/%2F%2Fevil.com', '/%2F%2Fevil.com'],
    ['/..//evil.com', '/..//evil.com'],
    ['/javascript:alert(1)', '/javascript:alert(1)'],
    ['https://cdn.shop.example/a.jpg', 'https://cdn.shop.example/a.jpg'],
    ['HTTPS://CDN.Shop.Example/A.jpg', 'https://cdn.shop.example/A.jpg'],
    ['https://shop.example', 'https://shop.example/'],
    ['https://shop.example:8443/p?q=1', 'https://shop.example:8443/p?q=1'],
  ];
  it.each(accepted)('accepts %j as %j', (input, output) => {
    expect(safeLink(input)).toBe(output);
  });

  it('accepts only links that resolve to the page origin or to https:', () => {
    for (const [input] of accepted) {
      const resolved = new URL(safeLink(input)!, 'https://shop.example/cart?x=1');
      expect(resolved.protocol).toBe('https:');
      if (input.trim().startsWith('/')) expect(resolved.origin).toBe('https://shop.example');
    }
  });

  const refused = [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'JAVASCRIPT:alert(1)',
    ' javascript:alert(1)',
    '\u0001javascript:alert(1)',
    '\u0000javascript:alert(1)',
    '\u001fjavascript:alert(1)',
    '\u00a0javascript:alert(1)',
    '\u2028javascript:alert(1)',
    '\ufeffjavascript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    'java\rscript:alert(1)',
    'javascript\t:alert(1)',
    'javascript&colon;alert(1)',
    '&#106;avascript:alert(1)',
    '%6aavascript:alert(1)',
    '%6A%61%76%61%73%63%72%69%70%74%3Aalert(1)',
    'ｊａｖａｓｃｒｉｐｔ:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'DATA:image/png;base64,AAAA',
    ' data:image/svg+xml,<svg onload=alert(1)>',
    'vbscript:msgbox(1)',
    'VBScript:msgbox(1)',
    'http://shop.example/p',
    'HTTP://shop.example/p',
    'ftp://shop.example/p',
    'file:///etc/passwd',
    'blob:https://shop.example/0b0e',
    'mailto:a@b.example',
    'about:blank',
    '//evil.com',
    '//evil.com/p',
    ' //evil.com',
    '///evil.com',
    '\\\\evil.com',
    '\\/evil.com',
    '/\\evil.com',
    '/\\/evil.com',
    '/\t/evil.com',
    '/\n/evil.com',
    '/p/\u0000x',
    'https://user:pass@evil.com/',
    'https://shop.example@evil.com/',
    'https:evil.com',
    'https:/evil.com',
    'https:\\\\evil.com',
    'https://',
    'https://evil.com\\@shop.example/',
    'p/sku-1',
    './p/sku-1',
    '../p/sku-1',
    '?x=1',
    '#top',
    'shop.example/p',
    '',
    '   ',
    `/${'a'.repeat(2048)}`,
  ];
  it.each(refused)('refuses %j', (input) => {
    expect(safeLink(input)).toBeUndefined();
  });

  it('refuses non-strings without throwing', () => {
    expect(safeLink(undefined as unknown as string)).toBeUndefined();
    expect(safeLink({ toString: () => '/p' } as unknown as string)).toBeUndefined();
  });
});

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

describe('parseDateTime', () => {
  it.each([
    ['2026-11-28T12:00:00Z', Date.UTC(2026, 10, 28, 12)],
    ['2026-11-28t12:00:00z', Date.UTC(2026, 10, 28, 12)],
    ['2026-11-28T12:00Z', Date.UTC(2026, 10, 28, 12)],
    ['2026-11-28T12:00:00.5Z', Date.UTC(2026, 10, 28, 12, 0, 0, 500)],
    ['2026-11-28T12:00:00.123456789Z', Date.UTC(2026, 10, 28, 12, 0, 0, 123)],
    ['2026-11-28T13:30:00+01:30', Date.UTC(2026, 10, 28, 12)],
    ['2026-11-28T07:00:00-0500', Date.UTC(2026, 10, 28, 12)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['0099-01-01T00:00:00Z', -59042995200000],
  ])('parses %s', (input, ms) => {
    expect(parseDateTime(input)).toBe(ms);
  });

  it.each([
    '2026-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-28T24:00:00Z',
    '2026-11-28T12:60:00Z',
    '2026-11-28T12:00:61Z',
    '2026-11-28T12:00:00+24:00',
    '2026-11-28T12:00:00',
    '2026-11-28',
    '2026-11-28 12:00:00Z',
    'Sat, 28 Nov 2026 12:00:00 GMT',
    '',
    1795867200000,
    null,
  ])('refuses %j', (input) => {
    expect(parseDateTime(input)).toBeUndefined();
  });
});
