// The field rules every part shares: no bidirectional controls in codes and ids, safe links,
// ISO date-times with a time zone.
import { describe, expect, it } from 'vitest';
import { coupon, envelope, flashSale, RECEIVED, saleItem } from '../../test/support/catalog.js';
import { escapeBidi, parseDateTime, safeLink } from './fields.js';
import { validateCatalog } from './validate.js';

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
