// Offers: each invalid offer is skipped alone, with a message naming the field, the value and
// what was expected; text stays text.
import { describe, expect, it } from 'vitest';
import {
  coupon,
  envelope,
  flashSale,
  problemsOf,
  RECEIVED,
  saleItem,
} from '../../test/support/catalog.js';
import { validateCatalog } from './validate.js';

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
