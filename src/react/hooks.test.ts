// @vitest-environment happy-dom
// useDecision() and useRecommendations() on an instance that answers when the test says so: one
// call per placement and options, a result for an old placement dropped, errors returned in
// `error` (never thrown into React), and the same on a real instance over fake-indexeddb.
import { act, createElement, StrictMode, type ReactNode } from 'react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freshIndexedDB } from '../../test/support/fake-idb.js';
import {
  decisionFor,
  drain,
  HeldOfferwise,
  render,
  settle,
  type Rendered,
} from '../../test/support/react.js';
import { createOffers, Offerwise, OfferwiseError, type OfferwiseConfig } from '../index.js';
import {
  OfferwiseProvider,
  useDecision,
  useOfferwise,
  useRecommendations,
  type UseDecisionOptions,
  type UseDecisionResult,
  type UseRecommendationsOptions,
  type UseRecommendationsResult,
} from './index.js';

vi.mock('../index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../index.js')>();
  return { ...actual, createOffers: vi.fn(actual.createOffers) };
});

const T0 = Date.UTC(2026, 10, 28, 12);
const CATALOG = {
  version: 1,
  server_time: new Date(T0).toISOString(),
  currency: 'EUR',
  placements: { home: { limit: 1 } },
  offers: [
    {
      id: 'c-shoes-10',
      type: 'coupon',
      title: '10% off shoes',
      category: 'shoes',
      discount: { percent: 10 },
      code: 'SHOES10',
      placements: ['home'],
    },
  ],
  items: {
    'sku-1': { category: 'shoes', price: 80, name: 'Chelsea boot' },
    'sku-2': { category: 'shoes', price: 60, name: 'Loafer' },
  },
};
const REAL: OfferwiseConfig = {
  consent: 'granted',
  catalog: CATALOG,
  now: () => T0,
  decisions: { holdoutShare: 0 },
};

let held: HeldOfferwise;
let mounted: Rendered[] = [];

beforeEach(() => {
  freshIndexedDB();
  held = new HeldOfferwise();
  vi.mocked(createOffers).mockClear();
  vi.spyOn(Offerwise.prototype, 'decide');
  vi.spyOn(Offerwise.prototype, 'recommend');
});

afterEach(async () => {
  for (const view of mounted.splice(0)) await view.unmount();
  vi.restoreAllMocks();
});

/**
 * Lets a real instance (created over fake-indexeddb) and its latest `method` call finish inside
 * `act`: the hooks' updates land there, in order, with nothing to poll.
 */
async function settleReal(method: 'decide' | 'recommend') {
  await settle(() => vi.mocked(createOffers).mock.results.at(-1)!.value);
  const calls = vi.mocked(Offerwise.prototype[method]).mock.results;
  expect(calls.length).toBeGreaterThan(0);
  await settle(() => (calls.at(-1)!.value as Promise<unknown>).catch(() => undefined));
}

/** Renders `ui` inside a provider whose instance is `held` (or a real one with `config`). */
async function mount(ui: ReactNode, config?: OfferwiseConfig): Promise<Rendered> {
  if (!config) vi.mocked(createOffers).mockResolvedValueOnce(held.asOfferwise());
  const view = await render(
    createElement(OfferwiseProvider, { config: config ?? {}, elements: false }, ui),
  );
  mounted.push(view);
  return view;
}

let lastDecision: UseDecisionResult | undefined;
function DecisionProbe(props: { placement: string | undefined; options?: UseDecisionOptions }) {
  lastDecision = useDecision(props.placement, props.options);
  return null;
}

let lastRecommendations: UseRecommendationsResult | undefined;
function RecommendationsProbe(props: { placement?: string; options?: UseRecommendationsOptions }) {
  lastRecommendations = useRecommendations(props.placement, props.options);
  return null;
}

describe('useDecision()', () => {
  it('decides once per placement and options (by value) and drops the answer for a placement it left', async () => {
    const view = await mount(
      createElement(DecisionProbe, { placement: 'home', options: { limit: 1 } }),
    );
    expect(held.decides.map((d) => d.request)).toEqual([{ limit: 1, placement: 'home' }]);
    expect(lastDecision).toEqual({ decision: undefined, loading: true, error: undefined });

    // A new options object with the same contents (an inline literal) asks nothing more.
    const again = createElement(DecisionProbe, { placement: 'home', options: { limit: 1 } });
    await view.rerender(createElement(OfferwiseProvider, { config: {}, elements: false }, again));
    expect(held.decides).toHaveLength(1);

    // The placement changes while home's decision is still under way.
    const cart = createElement(DecisionProbe, { placement: 'cart', options: { limit: 1 } });
    await view.rerender(createElement(OfferwiseProvider, { config: {}, elements: false }, cart));
    expect(held.decides.map((d) => d.request)).toEqual([
      { limit: 1, placement: 'home' },
      { limit: 1, placement: 'cart' },
    ]);
    expect(lastDecision?.loading).toBe(true);

    // Home's decision arrives late: dropped.
    await settle(() => held.decides[0]!.resolve(decisionFor('home', ['c-home'])));
    expect(lastDecision).toEqual({ decision: undefined, loading: true, error: undefined });

    await settle(() => held.decides[1]!.resolve(decisionFor('cart', ['c-cart'])));
    expect(lastDecision?.loading).toBe(false);
    expect(lastDecision?.error).toBeUndefined();
    expect(lastDecision?.decision?.placement).toBe('cart');
    expect(lastDecision?.decision?.offers.map((o) => o.offerId)).toEqual(['c-cart']);

    // Back to home, then on to checkout before home answers; checkout answers first, and home's
    // late answer must not replace it.
    const checkout = createElement(DecisionProbe, { placement: 'checkout' });
    await view.rerender(createElement(OfferwiseProvider, { config: {}, elements: false }, again));
    await view.rerender(
      createElement(OfferwiseProvider, { config: {}, elements: false }, checkout),
    );
    expect(held.decides.map((d) => d.request.placement)).toEqual([
      'home',
      'cart',
      'home',
      'checkout',
    ]);
    await settle(() => held.decides[3]!.resolve(decisionFor('checkout', ['c-checkout'])));
    await settle(() => held.decides[2]!.resolve(decisionFor('home', ['c-home-2'])));
    expect(lastDecision?.loading).toBe(false);
    expect(lastDecision?.decision?.offers.map((o) => o.offerId)).toEqual(['c-checkout']);

    // New options for the same placement: a new call, loading again until it answers.
    const two = createElement(DecisionProbe, { placement: 'checkout', options: { limit: 2 } });
    await view.rerender(createElement(OfferwiseProvider, { config: {}, elements: false }, two));
    expect(held.decides.map((d) => d.request.limit)).toEqual([1, 1, 1, undefined, 2]);
    expect(lastDecision).toEqual({ decision: undefined, loading: true, error: undefined });
  });

  it('returns a rejection in `error`, not thrown into React', async () => {
    await mount(createElement(DecisionProbe, { placement: 'home' }));
    const refused = new OfferwiseError(
      'destroyed',
      'decide(): this offerwise instance was destroyed',
    );
    await settle(() => held.decides[0]!.reject(refused));
    expect(lastDecision).toEqual({ decision: undefined, loading: false, error: refused });
  });

  it('an answer that arrives after unmount renders nothing and logs nothing', async () => {
    const errors = vi.spyOn(console, 'error');
    let renders = 0;
    function Counted() {
      renders++;
      useDecision('home');
      return null;
    }
    const view = await mount(createElement(Counted));
    const before = renders;
    await view.unmount();
    mounted = [];
    await settle(() => held.decides[0]!.resolve(decisionFor('home', ['c-home'])));
    expect(renders).toBe(before);
    expect(errors).not.toHaveBeenCalled();
  });

  it('asks once under StrictMode, whose development build mounts every effect twice', async () => {
    const strict = (...children: ReactNode[]) =>
      createElement(
        StrictMode,
        null,
        createElement(OfferwiseProvider, { config: {}, elements: false }, ...children),
      );
    vi.mocked(createOffers).mockResolvedValueOnce(held.asOfferwise());
    const view = await render(strict());
    mounted.push(view);
    // Mounted once the instance is there, so both of StrictMode's mounts could ask.
    await view.rerender(strict(createElement(DecisionProbe, { placement: 'home' })));
    expect(held.decides.map((d) => d.request)).toEqual([{ placement: 'home' }]);
    await settle(() => held.decides[0]!.resolve(decisionFor('home', ['c-home'])));
    expect(lastDecision?.decision?.offers.map((o) => o.offerId)).toEqual(['c-home']);
  });

  it('names bad options and a missing provider in `error`, asking nothing', async () => {
    await mount(createElement(DecisionProbe, { placement: 'home', options: 5 as never }));
    expect(lastDecision?.error).toBeInstanceOf(OfferwiseError);
    expect(lastDecision?.error?.message).toBe(
      'useDecision() options: got 5, expected an object like { limit: 2 }',
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await mount(createElement(DecisionProbe, { placement: 'home', options: cyclic as never }));
    expect(lastDecision?.error?.message).toBe(
      'useDecision() options: got object, expected plain data (no cycles or BigInt)',
    );
    expect(held.decides).toHaveLength(0);

    let instance: unknown = 'unset';
    function Outside() {
      instance = useOfferwise();
      lastDecision = useDecision('home');
      return null;
    }
    mounted.push(await render(createElement(Outside)));
    expect(instance).toBeUndefined();
    expect(lastDecision?.loading).toBe(false);
    expect((lastDecision?.error as OfferwiseError).code).toBe('invalid_config');
    expect(lastDecision?.error?.message).toBe(
      'useDecision(): got no <OfferwiseProvider> above this component, expected the component inside <OfferwiseProvider config={…}>',
    );
  });

  it('on a real instance: decides the catalog offer, and a malformed placement comes back as invalid_input', async () => {
    await mount(createElement(DecisionProbe, { placement: 'home' }), REAL);
    await settleReal('decide');
    expect(lastDecision?.loading).toBe(false);
    expect(lastDecision?.error).toBeUndefined();
    expect(lastDecision?.decision).toMatchObject({ placement: 'home', source: 'model' });
    expect(lastDecision?.decision?.offers.map((o) => o.offerId)).toEqual(['c-shoes-10']);

    await mount(createElement(DecisionProbe, { placement: '' }), REAL);
    await settleReal('decide');
    expect(lastDecision?.loading).toBe(false);
    expect((lastDecision?.error as OfferwiseError).code).toBe('invalid_input');
    expect(lastDecision?.error?.message).toBe(
      'decide().placement: got "", expected a placement name',
    );
  });
});

describe('useRecommendations()', () => {
  it('asks nothing without a placement, then ranks for it once; errors come back in `error`', async () => {
    const view = await mount(createElement(RecommendationsProbe, {}));
    expect(lastRecommendations).toEqual({ items: [], loading: false, error: undefined });
    expect(held.recommends).toHaveLength(0);

    const product = createElement(RecommendationsProbe, {
      placement: 'product',
      options: { exclude: ['sku-1'], limit: 4 },
    });
    await view.rerender(createElement(OfferwiseProvider, { config: {}, elements: false }, product));
    expect(held.recommends.map((r) => r.request)).toEqual([
      { exclude: ['sku-1'], limit: 4, placement: 'product' },
    ]);
    expect(lastRecommendations).toEqual({ items: [], loading: true, error: undefined });
    const items = [{ itemId: 'sku-2', score: 0.4, explanation: 'Popular in shoes' }];
    await settle(() =>
      held.recommends[0]!.resolve({ placement: 'product', items, personalized: true, at: T0 }),
    );
    expect(lastRecommendations).toEqual({ items, loading: false, error: undefined });
  });

  it('on a real instance: ranks the catalog items except the excluded one; a bad limit is invalid_input', async () => {
    await mount(
      createElement(RecommendationsProbe, {
        placement: 'product',
        options: { candidates: ['sku-1', 'sku-2'], exclude: ['sku-1'] },
      }),
      REAL,
    );
    await settleReal('recommend');
    expect(lastRecommendations?.loading).toBe(false);
    expect(lastRecommendations?.error).toBeUndefined();
    expect(lastRecommendations?.items.map((i) => i.itemId)).toEqual(['sku-2']);

    await mount(
      createElement(RecommendationsProbe, { placement: 'product', options: { limit: 0 } }),
      REAL,
    );
    await settleReal('recommend');
    expect(lastRecommendations?.loading).toBe(false);
    expect((lastRecommendations?.error as OfferwiseError).code).toBe('invalid_input');
    expect(lastRecommendations?.error?.message).toBe(
      'recommend().limit: got 0, expected a whole number from 1 to 50',
    );
  });
});

describe('hydration', () => {
  it('hydrates server HTML without a mismatch: the client starts from the same loading state', async () => {
    function Slot() {
      const { decision, loading } = useDecision('home');
      return createElement(
        'p',
        null,
        loading ? 'loading' : decision?.offers.map((o) => o.offerId).join(','),
      );
    }
    const ui = createElement(
      OfferwiseProvider,
      { config: {}, elements: false },
      createElement(Slot),
    );
    const container = document.createElement('div');
    container.innerHTML = renderToString(ui);
    expect(container.innerHTML).toBe('<p>loading</p>');
    document.body.append(container);
    const recoverable: unknown[] = [];
    vi.mocked(createOffers).mockResolvedValueOnce(held.asOfferwise());
    let root: ReturnType<typeof hydrateRoot> | undefined;
    await act(async () => {
      root = hydrateRoot(container, ui, { onRecoverableError: (e) => recoverable.push(e) });
      await drain();
    });
    expect(recoverable).toEqual([]);
    await settle(() => held.decides[0]!.resolve(decisionFor('home', ['c-home'])));
    expect(container.innerHTML).toBe('<p>c-home</p>');
    await act(async () => root!.unmount());
    container.remove();
  });
});
