// Catalog fixtures shared by the validation tests of src/catalog/ (envelope, offers, entries,
// fields): the architecture's example and small valid offers to vary one field at a time.
import { expect } from 'vitest';
import { validateCatalog, type CatalogProblem } from '../../src/catalog/validate.js';

/** The architecture's example catalog, verbatim. */
export const EXAMPLE = {
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

export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
export const RECEIVED = 1_795_867_000_000;

export function envelope(offers: unknown[], extra: Record<string, unknown> = {}) {
  return { version: 1, server_time: '2026-11-28T12:00:00Z', currency: 'EUR', offers, ...extra };
}

export const coupon = (extra: Record<string, unknown> = {}) => ({
  id: 'c-10',
  type: 'coupon',
  title: '10% off',
  discount: { percent: 10 },
  code: 'TEN',
  ...extra,
});

export const saleItem = (extra: Record<string, unknown> = {}) => ({
  item_id: 'sku-1',
  item_name: 'Chelsea boot',
  price: 80,
  sale_price: 56,
  ...extra,
});

export const flashSale = (extra: Record<string, unknown> = {}) => ({
  id: 'c-10',
  type: 'flash_sale',
  title: 'Boots sale',
  starts_at: '2026-11-28T12:00:00Z',
  ends_at: '2026-11-28T14:00:00Z',
  items: [saleItem()],
  ...extra,
});

export const fillers = [
  coupon({ id: 'ok-0' }),
  coupon({ id: 'ok-1' }),
  { id: 'ok-2', type: 'member_deal', title: 'Members', discount: { amount: 1 } },
];

/** Validates a catalog whose offer at index 3 is `offer`; returns the problems. */
export function problemsOf(offer: unknown): CatalogProblem[] {
  const { catalog, problems } = validateCatalog(envelope([...fillers, offer]), RECEIVED);
  expect(catalog.offers.map((o) => o.id)).toEqual(['ok-0', 'ok-1', 'ok-2']);
  return problems;
}
