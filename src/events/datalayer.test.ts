import { describe, expect, it } from 'vitest';
import { attachDataLayer, watchDataLayer } from './datalayer.js';

function gtagArgs(..._args: unknown[]): IArguments {
  // eslint-disable-next-line prefer-rest-params
  return arguments;
}

describe('attachDataLayer', () => {
  it('ingests entries already present, then later pushes, leaving the array as other consumers expect', () => {
    const first = { event: 'view_item', ecommerce: { items: [{ item_id: 'a' }] } };
    const layer: unknown[] = [{ 'gtm.start': 1 }, first];
    const seen: unknown[] = [];
    const adapter = attachDataLayer(layer, (e) => seen.push(e));
    expect(seen).toEqual([{ event: 'view_item', ecommerce: { items: [{ item_id: 'a' }] } }]);

    const second = { event: 'add_to_cart', ecommerce: { items: [{ item_id: 'b' }] } };
    expect(layer.push({ ecommerce: null }, second)).toBe(4); // Array#push's return value is kept
    expect(layer).toEqual([{ 'gtm.start': 1 }, first, { ecommerce: null }, second]);
    expect(layer[3]).toBe(second); // same object, not a copy
    expect(Object.keys(layer)).toEqual(['0', '1', '2', '3']); // no enumerable property added
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual(second);
    expect(seen[1]).not.toBe(second); // we never hand out (or later mutate) the shop's object

    adapter.detach();
    layer.push({ event: 'view_item', ecommerce: { items: [{ item_id: 'c' }] } });
    expect(seen).toHaveLength(2);
  });

  it('keeps GTM merge semantics: without a reset items leak by index, { ecommerce: null } clears them', () => {
    const seen: Record<string, unknown>[] = [];
    const layer: unknown[] = [];
    attachDataLayer(layer, (e) => seen.push(e));
    layer.push({
      event: 'view_item_list',
      ecommerce: { items: [{ item_id: 'a' }, { item_id: 'b' }] },
    });
    layer.push({ event: 'view_item', ecommerce: { items: [{ item_id: 'c' }] } });
    expect(seen[1]).toEqual({
      event: 'view_item',
      ecommerce: { items: [{ item_id: 'c' }, { item_id: 'b' }] },
    });
    layer.push({ ecommerce: null });
    layer.push({ event: 'view_item', ecommerce: { items: [{ item_id: 'd' }] } });
    expect(seen[2]).toEqual({ event: 'view_item', ecommerce: { items: [{ item_id: 'd' }] } });
    // An event pushed after its ecommerce object uses the merged model, as GTM does.
    layer.push(
      { ecommerce: null },
      { ecommerce: { currency: 'EUR', items: [{ item_id: 'e' }] } },
      { event: 'add_to_cart' },
    );
    expect(seen[3]).toEqual({
      event: 'add_to_cart',
      ecommerce: { currency: 'EUR', items: [{ item_id: 'e' }] },
    });
  });

  it('reads gtag() calls, which push an arguments object', () => {
    const seen: unknown[] = [];
    const layer: unknown[] = [];
    attachDataLayer(layer, (e) => seen.push(e));
    layer.push(gtagArgs('event', 'search', { search_term: 'boots' }));
    layer.push(gtagArgs('config', 'G-XXXX'));
    expect(seen).toEqual([
      { event: 'search', ecommerce: { search_term: 'boots' }, search_term: 'boots' },
    ]);
  });

  it('chains to a push installed before it and survives hostile entries', () => {
    const layer: unknown[] = [];
    const calls: unknown[] = [];
    const original = layer.push;
    Object.defineProperty(layer, 'push', {
      value(...items: unknown[]) {
        calls.push(...items);
        return original.apply(layer, items);
      },
      writable: true,
      configurable: true,
    });
    const seen: unknown[] = [];
    attachDataLayer(layer, (e) => seen.push(e));
    const hostile = {};
    Object.defineProperty(hostile, 'event', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    expect(() =>
      layer.push(hostile, { event: 'view_cart', ecommerce: { items: [] } }),
    ).not.toThrow();
    expect(calls).toHaveLength(2);
    expect(layer).toHaveLength(2);
    expect(seen).toEqual([{ event: 'view_cart', ecommerce: { items: [] } }]);
  });

  it('never lets a shop-supplied __proto__ key pollute prototypes', () => {
    const layer: unknown[] = [];
    attachDataLayer(layer, () => undefined);
    layer.push(
      JSON.parse('{"event":"view_item","ecommerce":{"__proto__":{"polluted":true},"items":[]}}'),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('watchDataLayer', () => {
  it('hands over every entry as it is, survives a reader that throws, and detaches', () => {
    const consent = gtagArgs('consent', 'update', { ad_storage: 'granted' });
    const layer: unknown[] = [consent, ['consent', 'default', {}]];
    const previous = layer.push;
    const seen: unknown[] = [];
    const adapter = watchDataLayer(layer, (entry) => {
      seen.push(entry);
      if (entry === 'boom') throw new Error('reader failed');
    });
    expect(seen).toEqual([consent, ['consent', 'default', {}]]);
    expect(seen[0]).toBe(consent);

    expect(layer.push('boom', 7)).toBe(4);
    expect(seen.slice(2)).toEqual(['boom', 7]);
    expect(layer).toEqual([consent, ['consent', 'default', {}], 'boom', 7]);

    adapter.detach();
    expect(layer.push).toBe(previous);
    layer.push('after');
    expect(seen).toHaveLength(4);
  });

  it('chains with attachDataLayer on the same array, each seeing its own entries', () => {
    const layer: unknown[] = [];
    const events: unknown[] = [];
    const all: unknown[] = [];
    attachDataLayer(layer, (e) => events.push(e));
    watchDataLayer(layer, (e) => all.push(e));
    layer.push(gtagArgs('consent', 'update', {}), { event: 'view_cart', ecommerce: { items: [] } });
    expect(events).toEqual([{ event: 'view_cart', ecommerce: { items: [] } }]);
    expect(all).toHaveLength(2);
    expect(layer).toHaveLength(2);
  });
});
