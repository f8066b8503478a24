// @vitest-environment happy-dom
// <OfferwiseProvider> with real instances over fake-indexeddb: one instance per mount whatever
// the re-renders, destroyed once on unmount (also when unmounted before it was ready), one under
// StrictMode (the dataLayer read once), a bad config returned in the hooks' `error`, and the
// provider's instance handed to the `ow-` elements.
import { Activity, createElement, StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freshIndexedDB, view } from '../../test/support/fake-idb.js';
import { drain, render, settle } from '../../test/support/react.js';
import { defaultOfferwise, resetDefaultOfferwise } from '../../widgets/shared/instance.js';
import { createOffers, Offerwise, type OfferwiseConfig } from '../index.js';
import { OfferwiseProvider, useDecision, useOfferwise, type UseDecisionResult } from './index.js';

vi.mock('../index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../index.js')>();
  return { ...actual, createOffers: vi.fn(actual.createOffers) };
});

const T0 = Date.UTC(2026, 10, 28, 12);
const BASE: OfferwiseConfig = { consent: 'granted', now: () => T0 };

let seen: Offerwise | undefined;
function Probe() {
  seen = useOfferwise();
  return null;
}

let decision: UseDecisionResult | undefined;
function DecisionProbe() {
  decision = useDecision('home');
  return null;
}

/** The instances the provider created, once each is ready (inside `act`). */
async function created(): Promise<Offerwise[]> {
  const results = vi.mocked(createOffers).mock.results;
  await settle(() =>
    Promise.all(results.map((r) => (r.value as Promise<Offerwise>).catch(() => undefined))),
  );
  return Promise.all(results.map((r) => r.value as Promise<Offerwise>));
}

beforeEach(() => {
  freshIndexedDB();
  resetDefaultOfferwise();
  vi.mocked(createOffers).mockClear();
  vi.spyOn(Offerwise.prototype, 'destroy');
  seen = undefined;
  decision = undefined;
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('<OfferwiseProvider>', () => {
  it('creates one instance whatever the re-renders, renders its children at once, and destroys it once on unmount', async () => {
    const ui = (label: string) =>
      createElement(
        OfferwiseProvider,
        { config: { ...BASE }, elements: false },
        createElement('p', null, label),
        createElement(Probe),
      );
    const page = await render(ui('first'));
    expect(page.container.innerHTML).toBe('<p>first</p>');
    const [ow] = await created();
    expect(seen).toBe(ow);
    // A new config object on each render (an inline literal) does not make a second instance.
    await page.rerender(ui('second'));
    await page.rerender(ui('third'));
    expect(page.container.innerHTML).toBe('<p>third</p>');
    expect(createOffers).toHaveBeenCalledTimes(1);
    expect(vi.mocked(createOffers).mock.calls[0]![0]).toEqual(BASE);
    expect(Offerwise.prototype.destroy).not.toHaveBeenCalled();

    await page.unmount();
    expect(Offerwise.prototype.destroy).toHaveBeenCalledTimes(1);
    expect(vi.mocked(Offerwise.prototype.destroy).mock.contexts[0]).toBe(ow);
    await expect(ow!.profile()).rejects.toMatchObject({ code: 'destroyed' });
  });

  it('destroys an instance that becomes ready after the provider unmounted, and never shows it', async () => {
    const { createOffers: make } =
      await vi.importActual<typeof import('../index.js')>('../index.js');
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // The store opens only when the test says so: after the provider is gone.
    vi.mocked(createOffers).mockImplementationOnce(async (config) => {
      const ow = await make(config);
      await gate;
      return ow;
    });
    const page = await render(
      createElement(OfferwiseProvider, { config: BASE, elements: false }, createElement(Probe)),
    );
    expect(createOffers).toHaveBeenCalledTimes(1);
    const pending = vi.mocked(createOffers).mock.results[0]!.value as Promise<Offerwise>;
    await page.unmount();
    expect(Offerwise.prototype.destroy).not.toHaveBeenCalled();
    open();
    const ow = await pending;
    await settle();
    expect(Offerwise.prototype.destroy).toHaveBeenCalledTimes(1);
    expect(vi.mocked(Offerwise.prototype.destroy).mock.contexts[0]).toBe(ow);
    expect(seen).toBeUndefined();
  });

  it('under StrictMode creates one instance, which reads the dataLayer once', async () => {
    const dataLayer: unknown[] = [view('sku-1', 'shoes')];
    const page = await render(
      createElement(
        StrictMode,
        null,
        createElement(
          OfferwiseProvider,
          { config: { ...BASE, dataLayer }, elements: false },
          createElement(Probe),
        ),
      ),
    );
    const instances = await created();
    expect(instances).toHaveLength(1);
    const ow = instances[0]!;
    await ow.settled();
    expect(ow.stats().accepted).toBe(1);
    expect((await ow.profile()).eventCounts).toEqual({ view_item: 1 });
    await page.unmount();
    expect(Offerwise.prototype.destroy).toHaveBeenCalledTimes(1);
  });

  it('hidden by <Activity>, destroys its instance and shows none; shown again, makes a new one', async () => {
    const ui = (mode: 'visible' | 'hidden') =>
      createElement(Activity, {
        mode,
        children: createElement(
          OfferwiseProvider,
          { config: BASE, elements: false },
          createElement(Probe),
        ),
      });
    const page = await render(ui('visible'));
    const [first] = await created();
    expect(seen).toBe(first);
    await page.rerender(ui('hidden'));
    const destroyed = vi.mocked(Offerwise.prototype.destroy).mock.contexts;
    expect(destroyed).toHaveLength(1);
    expect(destroyed[0]).toBe(first);
    expect(seen).toBeUndefined();
    await page.rerender(ui('visible'));
    const [, second] = await created();
    expect(second).not.toBe(first);
    expect(seen).toBe(second);
    await page.unmount();
    expect(destroyed).toHaveLength(2);
    expect(destroyed[1]).toBe(second);
  });

  it("returns a bad config as the hooks' error (invalid_config, naming the field), rendering on", async () => {
    const page = await render(
      createElement(
        OfferwiseProvider,
        { config: { endpont: '/x' } as OfferwiseConfig, elements: false },
        createElement('p', null, 'shop'),
        createElement(Probe),
        createElement(DecisionProbe),
      ),
    );
    await created().catch(() => undefined);
    await settle();
    expect(page.container.innerHTML).toBe('<p>shop</p>');
    expect(seen).toBeUndefined();
    expect(decision?.loading).toBe(false);
    expect(decision?.error).toMatchObject({ name: 'OfferwiseError', code: 'invalid_config' });
    expect(decision?.error?.message).toMatch(
      /^config\.endpont: got "\/x", expected a known option/,
    );
    await page.unmount();
  });

  it('makes its instance the one the ow- elements use', async () => {
    const page = await render(
      createElement(OfferwiseProvider, { config: BASE }, createElement(Probe)),
    );
    const [ow] = await created();
    // Resolves once the provider has loaded offerwise/widgets and registered its instance.
    const used = await defaultOfferwise();
    expect(used).toBe(ow);
    expect(seen).toBe(ow);
    await drain();
    await page.unmount();
  });
});
