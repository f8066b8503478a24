import { codesOf, diagnosticsOf, XSS_CORPUS, reportsOf } from '../../test/support/widgets.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Offerwise } from '../../src/offerwise.js';
import { resetDefaultOfferwise, useOfferwise } from '../shared/instance.js';
import './why.js';

function fakeOw() {
  return { muteInterest: vi.fn(async (_category: string) => undefined) };
}

async function mount(explanation: string, category: string, ow: object | null = fakeOw()) {
  const element = document.createElement('ow-why');
  element.explanation = explanation;
  element.category = category;
  if (ow) element.offerwise = ow as unknown as Offerwise;
  document.body.append(element);
  await element.updateComplete;
  const root = element.shadowRoot!;
  const get = (name: string) => root.querySelector<HTMLElement>(`[part="${name}"]`);
  return { element, root, get };
}

function text(element: Element | null): string {
  return (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

async function settle(element: HTMLElement & { updateComplete: Promise<boolean> }) {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await element.updateComplete;
}

beforeEach(() => {
  document.documentElement.setAttribute('lang', 'en');
});

afterEach(() => {
  document.body.replaceChildren();
  resetDefaultOfferwise();
  vi.restoreAllMocks();
});

describe('<ow-why>', () => {
  it('is a disclosure: the button controls the panel and reports its state', async () => {
    const { element, root, get } = await mount('You often browse Womens', 'womens');
    const toggle = get('toggle')!;
    expect(toggle.tagName).toBe('BUTTON');
    expect(text(toggle)).toBe('Why am I seeing this?');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    const panel = root.getElementById(toggle.getAttribute('aria-controls')!)!;
    expect(panel).toBe(get('panel'));
    expect(panel.hidden).toBe(true);

    toggle.click();
    await element.updateComplete;
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(panel.hidden).toBe(false);
    expect(text(get('explanation'))).toBe('You often browse Womens');
    expect(text(get('mute-button'))).toBe("Don't use my interest in Womens");

    toggle.click();
    await element.updateComplete;
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(panel.hidden).toBe(true);
  });

  it('mutes the interest, fires ow-interest-off and confirms in text', async () => {
    const ow = fakeOw();
    const seen: string[] = [];
    document.addEventListener('ow-interest-off', (e) => seen.push(e.detail.category));
    const { element, root, get } = await mount('You often browse Womens', 'womens', ow);
    get('toggle')!.click();
    await element.updateComplete;
    get('mute-button')!.click();
    await settle(element);
    expect(ow.muteInterest).toHaveBeenCalledWith('womens');
    expect(seen).toEqual(['womens']);
    expect(get('mute-button')).toBeNull();
    const confirmation = get('confirmation')!;
    expect(confirmation.getAttribute('role')).toBe('status');
    expect(text(confirmation)).toBe("Done: we won't use your interest in Womens.");
    expect(root.activeElement).toBe(confirmation);
  });

  it('uses the page default instance when it has none of its own', async () => {
    const ow = fakeOw();
    useOfferwise(ow as unknown as Offerwise);
    const { element, get } = await mount('x', 'shoes', null);
    element.open = true;
    await element.updateComplete;
    get('mute-button')!.click();
    await settle(element);
    expect(ow.muteInterest).toHaveBeenCalledWith('shoes');
  });

  it('offers no mute button for the category "any" or none', async () => {
    for (const category of ['any', '']) {
      const { element, get } = await mount('An offer available to you now', category);
      element.open = true;
      await element.updateComplete;
      expect(text(get('explanation'))).toBe('An offer available to you now');
      expect(get('mute-button')).toBeNull();
      element.remove();
    }
  });

  it("uses the shop's words, with the category filled in", async () => {
    const { element, get } = await mount('Du stöberst oft in Damen', 'damen');
    element.messages = { toggle: 'Warum?', mute: 'Interesse an {category} nicht nutzen' };
    element.open = true;
    await element.updateComplete;
    expect(text(get('toggle'))).toBe('Warum?');
    expect(text(get('mute-button'))).toBe('Interesse an Damen nicht nutzen');
    get('mute-button')!.click();
    await settle(element);
    expect(text(get('confirmation'))).toBe("Done: we won't use your interest in Damen.");
  });

  it('renders nothing without an explanation', async () => {
    const { root } = await mount('', 'womens');
    expect(root.querySelector('button')).toBeNull();
  });

  it('says so and reports once through the instance when muting fails, without throwing', async () => {
    const warn = vi.spyOn(console, 'warn');
    const ow = { muteInterest: vi.fn(async () => Promise.reject(new Error('storage'))) };
    const hub = diagnosticsOf(ow);
    const seen: unknown[] = [];
    document.addEventListener('ow-interest-off', (e) => seen.push(e));
    const { element, get } = await mount('x', 'womens', ow);
    element.open = true;
    await element.updateComplete;
    get('mute-button')!.click();
    await settle(element);
    expect(seen).toEqual([]);
    expect(text(get('confirmation'))).toBe("Sorry, that didn't work. Please try again later.");
    expect(get('mute-button')).not.toBeNull();
    // A second failure on the same instance is not reported again.
    await element.updateComplete;
    get('mute-button')!.click();
    await settle(element);
    expect(ow.muteInterest).toHaveBeenCalledTimes(2);
    expect(reportsOf(hub)).toEqual([['ow_mute_failed', 'muteInterest("womens"): Error: storage']]);
    // An instance without muteInterest() (an older offerwise) fails the same way, on its own hub.
    const older = {};
    const olderHub = diagnosticsOf(older);
    const missing = await mount('x', 'shoes', older);
    missing.element.open = true;
    await missing.element.updateComplete;
    missing.get('mute-button')!.click();
    await settle(missing.element);
    expect(codesOf(olderHub)).toEqual(['ow_mute_failed']);
    expect(olderHub.list()[0]!.message).toBe(
      'muteInterest("shoes"): Error: muteInterest() is missing',
    );
    expect(warn).not.toHaveBeenCalled();
  });

  it('renders an XSS corpus in the explanation and category as text', async () => {
    for (const payload of XSS_CORPUS) {
      const { element, root, get } = await mount(payload, payload);
      element.open = true;
      await element.updateComplete;
      expect(text(get('explanation'))).toBe(payload);
      expect(text(get('mute-button'))).toBe(
        `Don't use my interest in ${payload.charAt(0).toUpperCase()}${payload.slice(1)}`,
      );
      // The only element inside the button is the <bdi> that isolates the category.
      expect(
        [...root.querySelectorAll('*')].map((node) => node.tagName.toLowerCase()).join(' '),
      ).toBe('div button div p button bdi p');
      element.remove();
    }
  });

  it('isolates the category in the mute button and the confirmation (audit finding 8)', async () => {
    const category = '\u05E0\u05E2\u05DC\u05D9\u05D9\u05DD\u202E';
    const { element, get } = await mount('Because of your visits', category);
    get('toggle')!.click();
    await element.updateComplete;
    const isolates = (name: string) =>
      [...get(name)!.querySelectorAll('bdi')].map((b) => b.textContent);
    expect(isolates('mute-button')).toEqual([category]);
    expect(text(get('mute-button'))).toBe(`Don't use my interest in ${category}`);
    get('mute-button')!.click();
    await settle(element);
    expect(isolates('confirmation')).toEqual([category]);
    expect(text(get('confirmation'))).toBe(`Done: we won't use your interest in ${category}.`);
  });

  it('names the shopper group: the one given, or the profile’s once opened', async () => {
    const profile = vi.fn(async () => ({ group: { id: 1, label: 'shoe browsers \u202e' } }));
    const { element, get } = await mount('You often browse Shoes', 'shoes', {
      ...fakeOw(),
      profile,
    });
    expect(get('group')).toBeNull();
    expect(profile).not.toHaveBeenCalled(); // nothing read until the shopper asks
    get('toggle')!.click();
    await settle(element);
    expect(text(get('group'))).toBe(
      'Offers are also chosen for your shopper group: shoe browsers \u202e.',
    );
    expect([...get('group')!.querySelectorAll('bdi')].map((b) => b.textContent)).toEqual([
      'shoe browsers \u202e',
    ]);
    get('toggle')!.click();
    get('toggle')!.click();
    await settle(element);
    expect(profile).toHaveBeenCalledTimes(1);

    // Given by the page (and in its words): no profile read.
    const given = await mount('You often browse Shoes', 'shoes', { ...fakeOw(), profile });
    given.element.group = 'Stammkundschaft';
    given.element.messages = { group: 'Gruppe: {group}' };
    given.get('toggle')!.click();
    await settle(given.element);
    expect(text(given.get('group'))).toBe('Gruppe: Stammkundschaft');
    expect(profile).toHaveBeenCalledTimes(1);

    // No segments (no group), or an instance without profile(): no line.
    for (const ow of [{ ...fakeOw(), profile: async () => ({}) }, fakeOw()]) {
      const none = await mount('You often browse Shoes', 'shoes', ow);
      none.get('toggle')!.click();
      await settle(none.element);
      expect(none.get('group')).toBeNull();
    }
  });
});
