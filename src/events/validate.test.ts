import { describe, expect, it } from 'vitest';
import { OfferwiseError } from '../util/errors.js';
import { validateEvent } from './validate.js';

const AT = Date.UTC(2026, 10, 28, 12);

function ok(input: unknown) {
  const result = validateEvent(input, AT);
  if (result.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(result)}`);
  return result.event;
}

function invalid(input: unknown) {
  const result = validateEvent(input, AT);
  if (result.kind !== 'invalid') throw new Error(`expected invalid, got ${result.kind}`);
  expect(result.error).toBeInstanceOf(OfferwiseError);
  expect(result.error.code).toBe('invalid_event');
  return result.error;
}

describe('validateEvent', () => {
  it('normalizes a GA4 view_item: trims, lower-cases the category, parses numeric strings', () => {
    const input = {
      event: 'view_item',
      ecommerce: {
        currency: 'EUR',
        value: '79.90',
        items: [
          {
            item_id: 1042,
            item_name: ' Chelsea boot ',
            item_category: 'Mens',
            item_category2: 'Boots',
            item_category3: 'Leather',
            price: '79.90',
            quantity: '2',
          },
        ],
      },
    };
    const snapshot = JSON.stringify(input);
    expect(ok(input)).toEqual({
      name: 'view_item',
      at: AT,
      value: 79.9,
      currency: 'EUR',
      discounted: false,
      items: [
        {
          id: '1042',
          name: 'Chelsea boot',
          category: 'mens',
          subcategories: ['Boots', 'Leather'],
          price: 79.9,
          quantity: 2,
          discounted: false,
        },
      ],
    });
    expect(JSON.stringify(input)).toBe(snapshot); // the caller's object is untouched
  });

  it('uses item_name as the id when no item_id is sent', () => {
    expect(
      ok({ event: 'select_item', ecommerce: { items: [{ item_name: 'Scarf' }] } }).items[0],
    ).toEqual({
      id: 'Scarf',
      name: 'Scarf',
      quantity: 1,
      discounted: false,
    });
  });

  it('requires transaction_id, value and currency on purchase and marks discounts', () => {
    const event = ok({
      event: 'purchase',
      ecommerce: {
        transaction_id: 'T-1',
        value: 120,
        currency: 'EUR',
        items: [{ item_id: 'a', price: 60, quantity: 2, discount: 5 }],
      },
    });
    expect(event.transactionId).toBe('T-1');
    expect(event.discounted).toBe(true);
    expect(
      invalid({
        event: 'purchase',
        ecommerce: { value: 1, currency: 'EUR', items: [{ item_id: 'a' }] },
      }).message,
    ).toBe('ecommerce.transaction_id: got undefined, expected a non-empty string');
    expect(
      invalid({
        event: 'purchase',
        ecommerce: { transaction_id: 'T', currency: 'EUR', items: [{ item_id: 'a' }] },
      }).field,
    ).toBe('ecommerce.value');
    expect(
      invalid({
        event: 'purchase',
        ecommerce: { transaction_id: 'T', value: 3, currency: 'eur', items: [{ item_id: 'a' }] },
      }).message,
    ).toBe('ecommerce.currency: got "eur", expected an ISO 4217 code such as "EUR"');
  });

  it('reads the search term from the top level (GA4) or from ecommerce', () => {
    expect(ok({ event: 'search', search_term: '  red boots ' }).searchTerm).toBe('red boots');
    expect(ok({ event: 'search', ecommerce: { search_term: 'scarf' } }).searchTerm).toBe('scarf');
    expect(invalid({ event: 'search' }).message).toBe(
      'ecommerce.search_term: got undefined, expected a non-empty string',
    );
    expect(invalid({ event: 'search', search_term: 42n }).message).toBe(
      'search_term: got 42n, expected a string',
    );
  });

  it('names the field, the value and what was expected', () => {
    const cases: [unknown, string][] = [
      [null, 'event: got null, expected an object like { event: "view_item", ecommerce: {...} }'],
      [
        { ecommerce: {} },
        'event: got undefined, expected a GA4 event name string such as "view_item"',
      ],
      [
        { event: 'view_item' },
        'ecommerce.items: got undefined, expected a non-empty array of items for "view_item"',
      ],
      [
        { event: 'add_to_cart', ecommerce: { items: [] } },
        'ecommerce.items: got array(0), expected a non-empty array of items for "add_to_cart"',
      ],
      [{ event: 'view_item', ecommerce: 'x' }, 'ecommerce: got "x", expected an object or null'],
      [
        { event: 'view_item', ecommerce: { items: {} } },
        'ecommerce.items: got object, expected an array of items',
      ],
      [
        { event: 'view_item', ecommerce: { items: [{ item_id: 'a' }, { price: 3 }] } },
        'ecommerce.items[1].item_id: got undefined, expected an item_id (or at least an item_name)',
      ],
      [
        { event: 'view_item', ecommerce: { items: [{ item_id: 'a', price: -1 }] } },
        'ecommerce.items[0].price: got -1, expected a number from 0 to 1000000000',
      ],
      [
        { event: 'view_item', ecommerce: { items: [{ item_id: 'a', price: 'cheap' }] } },
        'ecommerce.items[0].price: got "cheap", expected a number from 0 to 1000000000',
      ],
      [
        { event: 'add_to_cart', ecommerce: { items: [{ item_id: 'a', quantity: 1.5 }] } },
        'ecommerce.items[0].quantity: got 1.5, expected a whole number from 1 to 10000',
      ],
    ];
    for (const [input, message] of cases) expect(invalid(input).message).toBe(message);
  });

  it('refuses oversized input rather than cutting it', () => {
    const items = Array.from({ length: 201 }, (_, i) => ({ item_id: `i${i}` }));
    expect(invalid({ event: 'view_item_list', ecommerce: { items } }).message).toBe(
      'ecommerce.items: got array(201), expected at most 200 items',
    );
    expect(
      invalid({ event: 'view_item', ecommerce: { items: [{ item_id: 'x'.repeat(201) }] } }).field,
    ).toBe('ecommerce.items[0].item_id');
  });

  it('accepts a numeric category as text', () => {
    expect(
      ok({ event: 'view_item', ecommerce: { items: [{ item_id: 'a', item_category: 7 }] } })
        .items[0]!.category,
    ).toBe('7');
  });

  it('ignores unknown event names and lets list-like events omit items', () => {
    expect(validateEvent({ event: 'gtm.js' }, AT)).toEqual({ kind: 'ignored', name: 'gtm.js' });
    expect(ok({ event: 'view_cart', ecommerce: { items: [] } }).items).toEqual([]);
    expect(ok({ event: 'view_promotion', ecommerce: null }).items).toEqual([]);
  });
});
