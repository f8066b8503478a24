import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import type { TrackEventOf } from '../../src/events/types.js';

/** Gives each test an empty, private IndexedDB. */
export function freshIndexedDB(): IDBFactory {
  const factory = new IDBFactory();
  globalThis.indexedDB = factory;
  return factory;
}

/** Names of the databases that exist now. */
export async function databaseNames(): Promise<string[]> {
  return (await indexedDB.databases()).map((d) => d.name ?? '');
}

export const view = (id: string, category: string, price = 10): TrackEventOf<'view_item'> => ({
  event: 'view_item',
  ecommerce: { currency: 'EUR', items: [{ item_id: id, item_category: category, price }] },
});

export const cartAdd = (
  id: string,
  category: string,
  price = 10,
  quantity = 1,
): TrackEventOf<'add_to_cart'> => ({
  event: 'add_to_cart',
  ecommerce: {
    currency: 'EUR',
    items: [{ item_id: id, item_category: category, price, quantity }],
  },
});

export const order = (
  transactionId: string,
  value: number,
  category = 'mens',
): TrackEventOf<'purchase'> => ({
  event: 'purchase',
  ecommerce: {
    transaction_id: transactionId,
    value,
    currency: 'EUR',
    items: [{ item_id: `sku-${transactionId}`, item_category: category, price: value }],
  },
});
