import { diagnosticsOf, flashSaleOffer, reportsOf, SALE_T0 } from '../../test/support/widgets.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Catalog, Offer } from '../../src/decide/types.js';
import type { Offerwise } from '../../src/offerwise.js';
import { OFFERS_LIMIT, readNumber, RECOMMENDATIONS_LIMIT, SERVER_OFFSET } from './numbers.js';
import '../offers/offers.js';
import '../recommendations/recommendations.js';
import '../flash-sale/flash-sale.js';

afterEach(() => {
  document.body.replaceChildren();
  vi.useRealTimers();
});

describe('readNumber', () => {
  it('takes numbers and numeric strings within the rule', () => {
    expect(readNumber(2, OFFERS_LIMIT)).toEqual({ value: 2 });
    expect(readNumber('2', OFFERS_LIMIT)).toEqual({ value: 2 });
    expect(readNumber(' 20 ', OFFERS_LIMIT)).toEqual({ value: 20 });
    expect(readNumber('50', RECOMMENDATIONS_LIMIT)).toEqual({ value: 50 });
    expect(readNumber('-3600000', SERVER_OFFSET)).toEqual({ value: -3_600_000 });
    expect(readNumber('2.5e3', SERVER_OFFSET)).toEqual({ value: 2500 });
  });

  it('reads unset (undefined, null, empty) as no value and no problem', () => {
    expect(readNumber(undefined, OFFERS_LIMIT)).toEqual({ value: undefined });
    expect(readNumber(null, OFFERS_LIMIT)).toEqual({ value: undefined });
    expect(readNumber('  ', OFFERS_LIMIT)).toEqual({ value: undefined });
  });

  it('refuses what is not a number in range, naming the value and the range', () => {
    const expected = 'expected a whole number from 1 to 20';
    expect(readNumber('abc', OFFERS_LIMIT)).toEqual({
      value: undefined,
      problem: `got "abc", ${expected}`,
    });
    expect(readNumber('0', OFFERS_LIMIT).problem).toBe(`got "0", ${expected}`);
    expect(readNumber('1.5', OFFERS_LIMIT).problem).toBe(`got "1.5", ${expected}`);
    expect(readNumber(21, OFFERS_LIMIT).problem).toBe(`got 21, ${expected}`);
    expect(readNumber('51', RECOMMENDATIONS_LIMIT).problem).toBe(
      'got "51", expected a whole number from 1 to 50',
    );
    // What Number() alone would take.
    expect(readNumber('0x10', OFFERS_LIMIT).problem).toBe(`got "0x10", ${expected}`);
    expect(readNumber('Infinity', SERVER_OFFSET).problem).toBe(
      'got "Infinity", expected a number of milliseconds',
    );
    expect(readNumber(true, OFFERS_LIMIT).problem).toBe(`got true, ${expected}`);
    // Lit turns the attribute "abc" into NaN: the problem names the attribute's text.
    expect(readNumber(Number.NaN, OFFERS_LIMIT, 'abc').problem).toBe(`got "abc", ${expected}`);
    expect(readNumber(Number.NaN, OFFERS_LIMIT).problem).toBe(`got NaN, ${expected}`);
  });
});

async function settle(element: HTMLElement & { updateComplete: Promise<boolean> }) {
  for (let i = 0; i < 10; i++) {
    await element.updateComplete;
    await Promise.resolve();
  }
}

const CATALOG: Catalog = {
  version: 1,
  server_time: 0,
  received_at: 0,
  currency: 'EUR',
  placements: { home: { limit: 3 } },
  offers: [],
  items: {},
};

function offersFake() {
  const ow = {
    cachedDecision: vi.fn(async () => undefined),
    decide: vi.fn(async (request: { placement: string; limit?: number }) => ({
      decisionId: 'd',
      placement: request.placement,
      offers: [],
      modelVersion: 'test',
      source: 'model' as const,
      at: 0,
    })),
    catalog: vi.fn(async () => CATALOG),
  };
  return { ow, hub: diagnosticsOf(ow) };
}

describe('<ow-offers> limit', () => {
  it('decides with a limit set as the string React 19 sets, as with a number', async () => {
    const { ow, hub } = offersFake();
    const element = document.createElement('ow-offers');
    element.offerwise = ow as unknown as Offerwise;
    element.placement = 'home';
    element.types = 'coupon';
    element.limit = '2';
    document.body.append(element);
    await settle(element);
    expect(ow.decide).toHaveBeenLastCalledWith({ placement: 'home', limit: 2 });
    element.limit = 4;
    await settle(element);
    expect(ow.decide).toHaveBeenLastCalledWith({ placement: 'home', limit: 4 });
    expect(element.reserve).toEqual({ bands: 0, cards: 4 });
    expect(reportsOf(hub)).toEqual([]);
  });

  it('reports a value that is not a whole number from 1 to 20 once, and uses the placement limit', async () => {
    const { ow, hub } = offersFake();
    const element = document.createElement('ow-offers');
    element.offerwise = ow as unknown as Offerwise;
    element.setAttribute('placement', 'home');
    element.setAttribute('limit', 'abc');
    document.body.append(element);
    await settle(element);
    expect(ow.decide).toHaveBeenLastCalledWith({ placement: 'home' });
    for (const bad of ['0', '1.5']) {
      element.limit = bad as `${number}`;
      await settle(element);
      expect(ow.decide).toHaveBeenLastCalledWith({ placement: 'home' });
    }
    expect(ow.decide).toHaveBeenCalledTimes(3);
    expect(reportsOf(hub)).toEqual([
      [
        'ow_invalid_number',
        '<ow-offers placement="home"> limit: got "abc", expected a whole number from 1 to 20; using the placement\'s limit',
      ],
    ]);
  });
});

describe('<ow-recommendations> limit', () => {
  it('asks for a numeric string limit as a number, and reports one out of range', async () => {
    const recommend = vi.fn(async () => ({ items: [] }));
    const ow = { recommend, catalog: vi.fn(async () => CATALOG) };
    const hub = diagnosticsOf(ow);
    const element = document.createElement('ow-recommendations');
    element.offerwise = ow as unknown as Offerwise;
    element.placement = 'product';
    element.limit = '3';
    document.body.append(element);
    await settle(element);
    expect(recommend).toHaveBeenLastCalledWith({ placement: 'product', mode: 'for-you', limit: 3 });
    element.limit = '80';
    await settle(element);
    expect(recommend).toHaveBeenLastCalledWith({ placement: 'product', mode: 'for-you' });
    expect(reportsOf(hub)).toEqual([
      [
        'ow_invalid_number',
        '<ow-recommendations placement="product"> limit: got "80", expected a whole number from 1 to 50; using the placement\'s limit',
      ],
    ]);
  });
});

describe('<ow-flash-sale> numbers', () => {
  const T0 = SALE_T0;
  const sale = flashSaleOffer({
    items: [{ item_id: 'sku-1', item_name: 'Chelsea boot', price: 80, sale_price: 56 }],
  });

  async function mount(props: Record<string, unknown>, attributes: Record<string, string> = {}) {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
    const ow = {
      catalog: vi.fn(async () => ({ ...CATALOG, server_time: T0, received_at: T0 })),
      recommend: vi.fn(async () => ({ items: [] })),
      report: vi.fn(async () => ({ id: 'r' })),
    };
    const hub = diagnosticsOf(ow);
    const element = document.createElement('ow-flash-sale');
    element.offerwise = ow as unknown as Offerwise;
    element.offer = sale;
    Object.assign(element, props);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
    document.body.append(element);
    await settle(element);
    const timer = element.shadowRoot!.querySelector('[part="timer-value"]')?.textContent?.trim();
    const soon = element.shadowRoot!.querySelector('.base--ending-soon') !== null;
    return { timer, soon, hub };
  }

  it('counts with a server offset set as a string', async () => {
    // The shop's clock is an hour behind this device: two hours are left, not one.
    const { timer, hub } = await mount({ serverOffset: '-3600000' });
    expect(timer).toBe('02:00:00');
    expect(reportsOf(hub)).toEqual([]);
  });

  it('reads ending-soon-minutes from a string, and falls back to 10 for a bad one, reported', async () => {
    // One hour left: "ending soon" only from 61 minutes.
    expect((await mount({ endingSoonMinutes: '61' })).soon).toBe(true);
    document.body.replaceChildren();
    expect((await mount({ endingSoonMinutes: '59' })).soon).toBe(false);
    document.body.replaceChildren();
    const bad = await mount({}, { 'ending-soon-minutes': 'soon', 'server-offset': '-3600000' });
    expect(bad.soon).toBe(false);
    expect(bad.timer).toBe('02:00:00');
    expect(reportsOf(bad.hub)).toEqual([
      [
        'ow_invalid_number',
        '<ow-flash-sale> ending-soon-minutes: got "soon", expected a number of minutes, 0 or more; using 10',
      ],
    ]);
  });
});
