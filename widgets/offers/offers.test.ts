import {
  codesOf,
  couponOffer,
  diagnosticsOf,
  FakeIntersectionObserver,
  XSS_CORPUS,
  reportsOf,
} from '../../test/support/widgets.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Catalog, Decision, Offer } from '../../src/decide/types.js';
import { freshIndexedDB } from '../../test/support/fake-idb.js';
import { createOffers, type Offerwise } from '../../src/offerwise.js';
import { resetImpressions } from '../shared/impression.controller.js';
import type { OwCoupon } from '../coupon/coupon.component.js';
import type { OwOffers } from './offers.component.js';
import './offers.js';

const T0 = Date.UTC(2026, 10, 28, 12);

function catalogOf(offers: Offer[]): Catalog {
  return {
    version: 1,
    server_time: T0 + 5000,
    received_at: T0,
    currency: 'EUR',
    placements: { home: { limit: 3 } },
    offers,
    items: {},
  };
}

const OFFERS: Offer[] = [
  couponOffer({ id: 'c10', title: 'Ten off' }),
  couponOffer({ id: 'm20', type: 'member_deal', title: 'Members twenty', member_only: true }),
  couponOffer({
    id: 'f1',
    type: 'flash_sale',
    title: 'Flash',
    starts_at: T0,
    ends_at: T0 + 3_600_000,
    items: [{ item_id: 'i1', item_name: 'Boot', price: 100, sale_price: 70 }],
  }),
];

function decision(id: string, offerIds: string[], source: Decision['source'] = 'model'): Decision {
  return {
    decisionId: id,
    placement: 'home',
    offers: offerIds.map((offerId) => ({
      offerId,
      score: 0.1,
      propensity: 0.5,
      explanation: `Because of ${offerId}`,
    })),
    modelVersion: 'test',
    source,
    at: T0,
  };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function fakeOw(options: { cached?: Decision; catalog?: Catalog } = {}) {
  let pending = deferred<Decision>();
  const ow = {
    cachedDecision: vi.fn(async (_placement: string, _context?: unknown) => options.cached),
    decide: vi.fn((_request: { placement: string; limit?: number; context?: unknown }) => {
      const current = pending;
      return current.promise;
    }),
    catalog: vi.fn(async () => options.catalog ?? catalogOf(OFFERS)),
    report: vi.fn(async (..._args: unknown[]) => ({ id: 'e1' })),
    muteInterest: vi.fn(async () => undefined),
    /** Resolves the pending decide() call and prepares the next. */
    answer(value: Decision) {
      const current = pending;
      pending = deferred<Decision>();
      current.resolve(value);
    },
    fail(error: unknown) {
      const current = pending;
      pending = deferred<Decision>();
      current.reject(error);
    },
  };
  return ow;
}

async function flush(element: OwOffers) {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await element.updateComplete;
}

async function mount(ow: ReturnType<typeof fakeOw>, attributes: Record<string, string> = {}) {
  const element = document.createElement('ow-offers');
  element.setAttribute('placement', 'home');
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.offerwise = ow as unknown as Offerwise;
  document.body.append(element);
  await flush(element);
  return element;
}

function rendered(element: OwOffers) {
  return [...element.shadowRoot!.querySelectorAll<OwCoupon>('[part~="offer"]')].map((child) => ({
    tag: child.tagName.toLowerCase(),
    decisionId: child.decisionId,
    offerId: child.offer?.id,
  }));
}

beforeEach(() => {
  document.documentElement.setAttribute('lang', 'en');
  resetImpressions();
});

afterEach(() => {
  document.body.replaceChildren();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('<ow-offers> space', () => {
  it('takes a floor under its height from the attribute or the custom property', async () => {
    const css = (customElements.get('ow-offers') as typeof OwOffers).styles;
    expect(String(css)).toContain('min-height: var(--ow-offers-min-height, auto)');

    const plain = await mount(fakeOw());
    expect(plain.style.minHeight).toBe('');
    expect(plain.hasAttribute('empty')).toBe(false);

    const sized = await mount(fakeOw(), { 'min-height': '200' });
    expect(sized.style.minHeight).toBe('200px');
    expect(sized.shadowRoot!.querySelector('[part="base"]')).toBeNull();
    const rem = await mount(fakeOw(), { 'min-height': '12rem' });
    expect(rem.style.minHeight).toBe('12rem');
  });

  it('collapses only after a decision with no offers, and renders nothing', async () => {
    const ow = fakeOw();
    const element = await mount(ow, { 'min-height': '200' });
    expect(element.empty).toBe(false);
    ow.answer(decision('d1', []));
    await flush(element);
    expect(element.hasAttribute('empty')).toBe(true);
    expect(element.style.minHeight).toBe('0px');
    expect(element.shadowRoot!.querySelector('*')).toBeNull();
  });

  it('skips decided offers the catalog does not have', async () => {
    const ow = fakeOw();
    const element = await mount(ow);
    ow.answer(decision('d1', ['gone', 'c10']));
    await flush(element);
    expect(rendered(element)).toEqual([{ tag: 'ow-coupon', decisionId: 'd1', offerId: 'c10' }]);
    element.limit = 1;
    await flush(element);
    ow.answer(decision('d2', ['gone']));
    await flush(element);
    expect(rendered(element)).toEqual([]);
    expect(element.empty).toBe(true);
  });

  it('gives the space back once every offer is dismissed', async () => {
    const ow = fakeOw();
    const element = await mount(ow);
    ow.answer(decision('d1', ['c10', 'm20']));
    await flush(element);
    const children = [...element.shadowRoot!.querySelectorAll<OwCoupon>('[part~="offer"]')];
    for (const [index, child] of children.entries()) {
      child.shadowRoot!.querySelector<HTMLElement>('[part="dismiss-button"]')!.click();
      await flush(element);
      expect(element.empty).toBe(index === children.length - 1);
      expect(element.shadowRoot!.activeElement?.getAttribute('part')).toBe('base');
    }
  });
});

describe('<ow-offers> reserved space', () => {
  function skeletons(element: OwOffers) {
    const root = element.shadowRoot!;
    return {
      bands: root.querySelectorAll('.grid > .skeleton--band').length,
      cards: root.querySelectorAll('.grid > .skeleton--card').length,
      offers: root.querySelectorAll('[part~="offer"]').length,
    };
  }

  it('shows skeletons of the final shape until the decision: a band per flash sale, a card per other offer', async () => {
    // The catalog's home placement: limit 3, every type, a flash sale among its offers.
    const element = await mount(fakeOw(), { limit: '3' });
    expect(element.reserve).toEqual({ bands: 1, cards: 2 });
    expect(skeletons(element)).toEqual({ bands: 1, cards: 2, offers: 0 });
    const root = element.shadowRoot!;
    expect(root.querySelector('.grid')!.getAttribute('aria-hidden')).toBe('true');
    // The band skeleton is built like the sale: its frame, a header, a row of item boxes.
    const band = root.querySelector('.skeleton--band > .ow-band')!;
    expect(band.querySelector('.sk-header')).not.toBeNull();
    expect(band.querySelectorAll('.ow-band-items > .ow-band-item').length).toBe(7);
    expect(band.querySelector('.ow-band-item')!.children.length).toBe(4);
    // Nothing in the skeletons is announced or focusable.
    expect(root.querySelector('[part="base"], [tabindex], button, a')).toBeNull();
  });

  it("follows the types attribute, else the catalog's placement once it is known", async () => {
    const coupons = await mount(fakeOw(), { limit: '2', types: 'coupon member_deal' });
    expect(skeletons(coupons)).toEqual({ bands: 0, cards: 2, offers: 0 });

    const cart = catalogOf(OFFERS);
    cart.placements = { home: { limit: 2, types: ['coupon', 'member_deal'] } };
    const fromCatalog = await mount(fakeOw({ catalog: cart }));
    expect(skeletons(fromCatalog)).toEqual({ bands: 0, cards: 2, offers: 0 });

    const flashOnly = await mount(fakeOw(), { limit: '2', types: 'flash_sale' });
    expect(skeletons(flashOnly)).toEqual({ bands: 2, cards: 0, offers: 0 });
  });

  it('reports a types value that is not a list of offer types once, and reserves for the known ones', async () => {
    const ow = fakeOw();
    const hub = diagnosticsOf(ow);
    const mixed = await mount(ow, { limit: '3', types: 'coupon, bogus' });
    // "bogus" is ignored: three coupon cards, no band.
    expect(skeletons(mixed)).toEqual({ bands: 0, cards: 3, offers: 0 });
    expect(reportsOf(hub)).toEqual([
      [
        'ow_offers_invalid_types',
        '<ow-offers placement="home"> types: got "coupon, bogus", expected a space- or comma-separated list of "coupon", "member_deal", "flash_sale"; ignoring "bogus"; reserving space for "coupon"',
      ],
    ]);
    // Nothing known: the default, the catalog placement's types (home: a flash sale and cards).
    const other = fakeOw();
    const otherHub = diagnosticsOf(other);
    const unknown = await mount(other, { limit: '3', types: 'Coupon flash-sale' });
    expect(skeletons(unknown)).toEqual({ bands: 1, cards: 2, offers: 0 });
    expect(reportsOf(otherHub)).toEqual([
      [
        'ow_offers_invalid_types',
        '<ow-offers placement="home"> types: got "Coupon flash-sale", expected a space- or comma-separated list of "coupon", "member_deal", "flash_sale"; ignoring "Coupon", "flash-sale"; reserving space for the placement\'s types',
      ],
    ]);
    // Once per instance: another mistake on the same instance, a second element, is not repeated.
    mixed.setAttribute('types', 'coupons');
    await flush(mixed);
    await mount(ow, { types: 'member-deal' });
    expect(codesOf(hub)).toEqual(['ow_offers_invalid_types']);
    // A valid list, no value, and an empty one are not mistakes.
    const quiet = fakeOw();
    const quietHub = diagnosticsOf(quiet);
    await mount(quiet, { types: 'member_deal,coupon' });
    await mount(quiet);
    await mount(quiet, { types: '' });
    expect(codesOf(quietHub)).toEqual([]);
    // A property that is not a string.
    const property = fakeOw();
    const propertyHub = diagnosticsOf(property);
    const element = await mount(property, { limit: '2' });
    (element as unknown as { types: unknown }).types = ['coupon'];
    await flush(element);
    expect(skeletons(element)).toEqual({ bands: 1, cards: 1, offers: 0 });
    expect(reportsOf(propertyHub)).toEqual([
      [
        'ow_offers_invalid_types',
        '<ow-offers placement="home"> types: got array(1), expected a space- or comma-separated list of "coupon", "member_deal", "flash_sale"; reserving space for the placement\'s types',
      ],
    ]);
  });

  it('places a flash sale across the whole grid, first, and the cards after it', async () => {
    const ow = fakeOw();
    const element = await mount(ow, { limit: '3' });
    ow.answer(decision('d1', ['c10', 'f1', 'm20']));
    await flush(element);
    const grid = element.shadowRoot!.querySelector('.grid')!;
    const children = [...grid.children];
    expect(children.map((child) => child.tagName.toLowerCase())).toEqual([
      'ow-flash-sale',
      'ow-coupon',
      'ow-member-deal',
    ]);
    expect(getComputedStyle(children[0]!).gridColumn).toBe('1 / -1');
    expect(getComputedStyle(children[1]!).gridColumn).not.toBe('1 / -1');
  });

  it('replaces the skeletons with fewer offers in one render: one layout change', async () => {
    const ow = fakeOw();
    const element = await mount(ow, { limit: '3' });
    const states: string[] = [];
    const observer = new MutationObserver(() => {
      const s = skeletons(element);
      states.push(`${s.bands}/${s.cards}/${s.offers}/${element.empty ? 'empty' : ''}`);
    });
    observer.observe(element.shadowRoot!, { childList: true, subtree: true });
    ow.answer(decision('d1', ['c10']));
    await flush(element);
    // Every observed moment has the offer in and the skeletons out: none has both, or neither.
    expect(new Set(states)).toEqual(new Set(['0/0/1/']));

    const second = await mount(ow, { limit: '3' });
    const seen: string[] = [];
    new MutationObserver(() => {
      const s = skeletons(second);
      seen.push(`${s.bands}/${s.cards}/${s.offers}/${second.empty ? 'empty' : ''}`);
    }).observe(second.shadowRoot!, { childList: true, subtree: true });
    ow.answer(decision('d2', []));
    await flush(second);
    expect(new Set(seen)).toEqual(new Set(['0/0/0/empty']));
    expect(second.shadowRoot!.querySelector('.grid')).toBeNull();
    observer.disconnect();
  });
});

describe('<ow-offers> decisions', () => {
  it('renders each decided offer with the element of its type and the decision data', async () => {
    const ow = fakeOw();
    const element = await mount(ow, { limit: '3', member: '', 'sign-in-url': '/login' });
    expect(ow.decide).toHaveBeenCalledWith({
      placement: 'home',
      limit: 3,
      context: { member: true },
    });
    ow.answer(decision('d1', ['c10', 'm20', 'f1']));
    await flush(element);
    // The flash sale's band goes first; the cards keep the decision's order.
    expect(rendered(element)).toEqual([
      { tag: 'ow-flash-sale', decisionId: 'd1', offerId: 'f1' },
      { tag: 'ow-coupon', decisionId: 'd1', offerId: 'c10' },
      { tag: 'ow-member-deal', decisionId: 'd1', offerId: 'm20' },
    ]);
    const root = element.shadowRoot!;
    const base = root.querySelector('[part="base"]')!;
    expect(base.tagName).toBe('SECTION');
    expect(base.getAttribute('aria-label')).toBe('Offers for you');
    const coupon = root.querySelector('ow-coupon')!;
    expect(coupon.currency).toBe('EUR');
    expect(coupon.explanation).toBe('Because of c10');
    expect(coupon.offer?.title).toBe('Ten off');
    const member = root.querySelector('ow-member-deal')!;
    expect(member.member).toBe(true);
    expect(member.signInUrl).toBe('/login');
    const flash = root.querySelector('ow-flash-sale') as unknown as Record<string, unknown>;
    expect(flash['serverOffset']).toBe(5000);
    expect(flash['currency']).toBe('EUR');
    expect(flash['explanation']).toBe('Because of f1');
    expect((flash['offer'] as Offer).id).toBe('f1');
    expect(flash['offerwise']).toBe(ow);
    expect(flash['messages']).toBeUndefined();
  });

  it('passes the words for each type to the offer elements', async () => {
    const ow = fakeOw();
    const element = await mount(ow);
    element.messages = {
      coupon: { claim: 'Einlösen' },
      memberDeal: { badge: 'Mitglieder' },
      flashSale: { endsIn: 'Endet in' },
    };
    ow.answer(decision('d1', ['c10', 'm20', 'f1']));
    await flush(element);
    const root = element.shadowRoot!;
    expect(root.querySelector('ow-coupon')!.messages).toEqual({ claim: 'Einlösen' });
    expect(root.querySelector('ow-member-deal')!.messages).toEqual({ badge: 'Mitglieder' });
    const flash = root.querySelector('ow-flash-sale') as unknown as Record<string, unknown>;
    expect(flash['messages']).toEqual({ endsIn: 'Endet in' });
  });

  it('renders the cached decision at once and replaces it while it is not on screen', async () => {
    const ow = fakeOw({ cached: decision('cached', ['c10'], 'cache') });
    const element = await mount(ow);
    expect(ow.cachedDecision).toHaveBeenCalledWith('home', undefined);
    expect(rendered(element)).toEqual([{ tag: 'ow-coupon', decisionId: 'cached', offerId: 'c10' }]);
    expect(ow.decide).toHaveBeenCalledWith({ placement: 'home' });
    ow.answer(decision('fresh', ['m20']));
    await flush(element);
    expect(rendered(element)).toEqual([
      { tag: 'ow-member-deal', decisionId: 'fresh', offerId: 'm20' },
    ]);
  });

  it('keeps the cached decision once it is on screen: no visible swap', async () => {
    vi.stubGlobal('IntersectionObserver', FakeIntersectionObserver);
    const ow = fakeOw({ cached: decision('cached', ['c10'], 'cache') });
    const element = await mount(ow);
    expect(FakeIntersectionObserver.watching(element)).toBe(1);
    FakeIntersectionObserver.setIntersection(element, 0.3);
    ow.answer(decision('fresh', ['m20']));
    await flush(element);
    expect(rendered(element)).toEqual([{ tag: 'ow-coupon', decisionId: 'cached', offerId: 'c10' }]);
    element.remove();
    expect(FakeIntersectionObserver.watching(element)).toBe(0);
  });

  it('after a single-page navigation decides again and shows the fresh decision, even on screen', async () => {
    vi.stubGlobal('IntersectionObserver', FakeIntersectionObserver);
    const ow = fakeOw({ cached: decision('cached', ['c10'], 'cache') });
    const element = await mount(ow);
    FakeIntersectionObserver.setIntersection(element, 1);
    ow.answer(decision('fresh', ['m20']));
    await flush(element);
    expect(rendered(element)).toEqual([{ tag: 'ow-coupon', decisionId: 'cached', offerId: 'c10' }]);
    history.pushState({}, '', `/spa-${Math.random()}`);
    await flush(element);
    expect(ow.decide).toHaveBeenCalledTimes(2);
    // The cache is not asked again: its decision belongs to the page just left.
    expect(ow.cachedDecision).toHaveBeenCalledTimes(1);
    ow.answer(decision('next-page', ['m20']));
    await flush(element);
    expect(rendered(element)).toEqual([
      { tag: 'ow-member-deal', decisionId: 'next-page', offerId: 'm20' },
    ]);
  });

  it('fires ow-decision (bubbling, composed) for each decision it puts on screen', async () => {
    const ow = fakeOw();
    const seen: unknown[] = [];
    document.addEventListener('ow-decision', (e) => seen.push(e.detail), { once: true });
    const element = await mount(ow);
    ow.answer(decision('d1', ['c10', 'unknown', 'f1']));
    await flush(element);
    expect(seen).toEqual([
      { decisionId: 'd1', placement: 'home', source: 'model', offerIds: ['c10', 'f1'] },
    ]);
  });

  it('swaps in the fresh decision when the cached one is off screen', async () => {
    vi.stubGlobal('IntersectionObserver', FakeIntersectionObserver);
    const ow = fakeOw({ cached: decision('cached', ['c10'], 'cache') });
    const element = await mount(ow);
    FakeIntersectionObserver.setIntersection(element, 0);
    ow.answer(decision('fresh', ['c10']));
    await flush(element);
    expect(rendered(element)).toEqual([{ tag: 'ow-coupon', decisionId: 'fresh', offerId: 'c10' }]);
  });

  it('decides again when the placement or the limit changes', async () => {
    const ow = fakeOw();
    const element = await mount(ow);
    ow.answer(decision('d1', ['c10']));
    await flush(element);
    element.placement = 'cart';
    await flush(element);
    expect(ow.cachedDecision).toHaveBeenLastCalledWith('cart', undefined);
    expect(ow.decide).toHaveBeenLastCalledWith({ placement: 'cart' });
    ow.answer(decision('d2', ['m20']));
    await flush(element);
    expect(rendered(element)).toEqual([
      { tag: 'ow-member-deal', decisionId: 'd2', offerId: 'm20' },
    ]);
    element.setAttribute('limit', '1');
    await flush(element);
    expect(ow.decide).toHaveBeenLastCalledWith({ placement: 'cart', limit: 1 });
    expect(ow.decide).toHaveBeenCalledTimes(3);
  });

  it('ignores an answer that a newer placement overtook', async () => {
    const ow = fakeOw();
    const first = deferred<Decision>();
    ow.decide.mockImplementationOnce(() => first.promise);
    const element = await mount(ow);
    element.placement = 'cart';
    await flush(element);
    ow.answer(decision('cart-d', ['m20']));
    await flush(element);
    first.resolve(decision('home-d', ['c10']));
    await flush(element);
    expect(rendered(element)).toEqual([
      { tag: 'ow-member-deal', decisionId: 'cart-d', offerId: 'm20' },
    ]);
  });

  it('never throws into the page: collapses and reports once per instance through its diagnostics', async () => {
    const warn = vi.spyOn(console, 'warn');
    const a = fakeOw();
    const b = fakeOw();
    const hubA = diagnosticsOf(a);
    const hubB = diagnosticsOf(b);
    const first = await mount(a);
    const second = await mount(b);
    a.fail(new Error('invalid_input'));
    b.fail(new Error('invalid_input'));
    await flush(first);
    await flush(second);
    expect(first.empty).toBe(true);
    expect(second.empty).toBe(true);
    // The same failure again on instance a: already reported there.
    first.placement = 'cart';
    await flush(first);
    a.fail(new Error('invalid_input'));
    await flush(first);
    expect(a.decide).toHaveBeenCalledTimes(2);
    expect(reportsOf(hubA)).toEqual([
      ['ow_decide_failed', '<ow-offers placement="home">: Error: invalid_input'],
    ]);
    expect(codesOf(hubB)).toEqual(['ow_decide_failed']);
    expect(warn).not.toHaveBeenCalled();
  });

  it('reports a missing placement through the instance and shows nothing', async () => {
    const ow = fakeOw();
    const hub = diagnosticsOf(ow);
    const element = document.createElement('ow-offers');
    element.offerwise = ow as unknown as Offerwise;
    document.body.append(element);
    await flush(element);
    expect(ow.decide).not.toHaveBeenCalled();
    expect(reportsOf(hub)).toEqual([
      ['ow_offers_no_placement', '<ow-offers> needs a placement attribute; showing nothing'],
    ]);
  });

  it("a real instance: the element's diagnostics reach onDiagnostic and diagnostics()", async () => {
    freshIndexedDB();
    const heard: string[] = [];
    const ow = await createOffers({ dataLayer: false, onDiagnostic: (d) => heard.push(d.code) });
    try {
      const element = document.createElement('ow-offers');
      element.offerwise = ow;
      document.body.append(element);
      await flush(element);
      expect(heard).toContain('ow_offers_no_placement');
      expect(ow.diagnostics().filter((d) => d.code.startsWith('ow_'))).toEqual([
        {
          code: 'ow_offers_no_placement',
          message: '<ow-offers> needs a placement attribute; showing nothing',
          at: expect.any(Number),
        },
      ]);
    } finally {
      await ow.destroy();
    }
  });
});

describe('<ow-offers> impressions and text', () => {
  it('reports each shown offer once, however often it re-renders', async () => {
    vi.stubGlobal('IntersectionObserver', FakeIntersectionObserver);
    vi.useFakeTimers();
    const ow = fakeOw();
    const element = await mount(ow);
    ow.answer(decision('d1', ['c10', 'm20']));
    await flush(element);
    const children = [...element.shadowRoot!.querySelectorAll<OwCoupon>('[part~="offer"]')];
    for (const child of children) {
      FakeIntersectionObserver.setIntersection(
        child.shadowRoot!.querySelector('[part="base"]')!,
        1,
      );
    }
    await vi.advanceTimersByTimeAsync(1000);
    element.requestUpdate();
    element.label = 'Deals';
    await flush(element);
    for (const child of element.shadowRoot!.querySelectorAll<OwCoupon>('[part~="offer"]')) {
      FakeIntersectionObserver.setIntersection(
        child.shadowRoot!.querySelector('[part="base"]')!,
        1,
      );
    }
    await vi.advanceTimersByTimeAsync(3000);
    expect(ow.report.mock.calls).toEqual([
      ['d1', 'c10', 'impression'],
      ['d1', 'm20', 'impression'],
    ]);
    expect([...element.shadowRoot!.querySelectorAll('[part~="offer"]')]).toEqual(children);
  });

  it('renders hostile catalog text as text inside the offers', async () => {
    const offers = XSS_CORPUS.map((payload, index) =>
      couponOffer({ id: `x${index}`, title: payload, description: payload }),
    );
    const ow = fakeOw({ catalog: catalogOf(offers) });
    const element = await mount(ow);
    ow.answer(
      decision(
        'd1',
        offers.map((offer) => offer.id),
      ),
    );
    await flush(element);
    const children = [...element.shadowRoot!.querySelectorAll<OwCoupon>('ow-coupon')];
    expect(children).toHaveLength(XSS_CORPUS.length);
    for (const [index, child] of children.entries()) {
      await child.updateComplete;
      const title = child.shadowRoot!.querySelector('[part="title"]')!;
      expect(title.textContent?.trim()).toBe(XSS_CORPUS[index]);
      expect(child.shadowRoot!.querySelectorAll('img, script, svg').length).toBe(0);
    }
    expect(element.shadowRoot!.querySelectorAll('img, script, svg').length).toBe(0);
  });
});
