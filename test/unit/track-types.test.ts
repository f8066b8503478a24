// track()'s argument is typed per event name: the mistakes below are compile errors, caught by
// `npm run typecheck` (an `@ts-expect-error` that no longer errors fails it), and each is also
// refused (or ignored) at run time, where JavaScript callers and the dataLayer path land.
import { describe, expect, it } from 'vitest';
import type { TrackEvent } from '../../src/events/types.js';
import { validateEvent } from '../../src/events/validate.js';

const item = { item_id: 'SKU-1', item_category: 'womens', price: 30 };
const lines = ['SKU-1', 'SKU-2'].map((id) => ({ ...item, item_id: id })); // built with map()

const typed: TrackEvent[] = [
  { event: 'view_item', ecommerce: { currency: 'EUR', items: [item] } },
  { event: 'add_to_cart', ecommerce: { currency: 'EUR', items: lines } },
  {
    event: 'purchase',
    ecommerce: { transaction_id: 'T-1', value: 60, currency: 'EUR', items: lines },
  },
  { event: 'search', search_term: 'shoes' },
  { event: 'search', ecommerce: { search_term: 'boots' } },
  { event: 'view_cart' },
  { event: 'view_item_list', ecommerce: null },
];

// @ts-expect-error a misspelled event name
const misspelled: TrackEvent = { event: 'view_itme', ecommerce: { items: [item] } };
// @ts-expect-error a purchase without its transaction_id
const noTransaction: TrackEvent = {
  event: 'purchase',
  ecommerce: { value: 60, currency: 'EUR', items: [item] },
};
// @ts-expect-error an item event without items (here misspelled)
const noItems: TrackEvent = { event: 'view_item', ecommerce: { currency: 'EUR', itmes: [item] } };
// @ts-expect-error a misspelled field of a search
const misspelledField: TrackEvent = { event: 'search', serch_term: 'shoes' };
// @ts-expect-error not an event at all
const notAnEvent: TrackEvent = 42;

const mistakes: { event: unknown; runtime: string }[] = [
  { event: misspelled, runtime: 'ignored' },
  {
    event: noTransaction,
    runtime: 'ecommerce.transaction_id: got undefined, expected a non-empty string',
  },
  {
    event: noItems,
    runtime: 'ecommerce.items: got undefined, expected a non-empty array of items for "view_item"',
  },
  {
    event: misspelledField,
    runtime: 'ecommerce.search_term: got undefined, expected a non-empty string',
  },
  {
    event: notAnEvent,
    runtime: 'event: got 42, expected an object like { event: "view_item", ecommerce: {...} }',
  },
];

describe('TrackEvent', () => {
  it('types what the run-time check accepts', () => {
    for (const event of typed) expect(validateEvent(event, 0).kind, event.event).toBe('event');
  });

  it('makes a compile error of what the run-time check refuses or ignores', () => {
    const outcomes = mistakes.map(({ event }) => {
      const r = validateEvent(event, 0);
      return r.kind === 'invalid' ? r.error.message : r.kind;
    });
    expect(outcomes).toEqual(mistakes.map((m) => m.runtime));
  });
});
