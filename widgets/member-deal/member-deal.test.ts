import { couponOffer, XSS_CORPUS } from '../../test/support/widgets.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Offerwise } from '../../src/offerwise.js';
import { resetImpressions } from '../shared/impression.controller.js';
import type { OwMemberDeal } from './member-deal.component.js';
import './member-deal.js';

function fakeOw() {
  return { report: vi.fn(async () => ({ id: 'e1' })) };
}

const deal = () =>
  couponOffer({
    id: 'm20',
    type: 'member_deal',
    title: 'Members: 20% off boots',
    discount: { percent: 20 },
    code: 'MEMBER20',
    member_only: true,
    category: 'shoes',
    url: '/boots',
  });

async function mount(props: Partial<OwMemberDeal>, ow = fakeOw()) {
  const element = document.createElement('ow-member-deal');
  Object.assign(element, {
    offer: deal(),
    decisionId: 'd1',
    currency: 'EUR',
    explanation: 'A deal for members',
    offerwise: ow as unknown as Offerwise,
    ...props,
  });
  document.body.append(element);
  await element.updateComplete;
  const root = element.shadowRoot!;
  const get = (name: string) => root.querySelector<HTMLElement>(`[part~="${name}"]`);
  return { element, ow, root, get };
}

function text(element: Element | null): string {
  return (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

beforeEach(() => {
  document.documentElement.setAttribute('lang', 'en');
  resetImpressions();
});

afterEach(() => {
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

describe('<ow-member-deal>', () => {
  it('lets a member claim the deal like a coupon, under a Members badge', async () => {
    vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue(undefined);
    const claims: unknown[] = [];
    document.addEventListener('ow-claim', (e) => claims.push(e.detail));
    const { element, ow, get } = await mount({ member: true, signInUrl: '/login' });
    expect(element.hasAttribute('member')).toBe(true);
    expect(text(get('badge'))).toBe('Members');
    expect(text(get('title'))).toBe('Members: 20% off boots');
    expect(text(get('value'))).toBe('20% off');
    expect(get('sign-in-link')).toBeNull();
    expect(get('link')?.getAttribute('href')).toBe('/boots');
    get('claim-button')!.click();
    for (let i = 0; i < 5; i++) await Promise.resolve();
    await element.updateComplete;
    expect(ow.report).toHaveBeenCalledWith('d1', 'm20', 'claim');
    expect(claims).toEqual([{ decisionId: 'd1', offerId: 'm20', code: 'MEMBER20', copied: true }]);
    expect((get('code') as HTMLInputElement).value).toBe('MEMBER20');
  });

  it('shows a non-member "Members only" instead of the claim button and the deal link', async () => {
    const { element, ow, get } = await mount({});
    expect(element.member).toBe(false);
    expect(text(get('badge'))).toBe('Members');
    expect(get('claim-button')).toBeNull();
    expect(get('link')).toBeNull();
    expect(get('sign-in-link')).toBeNull();
    expect(text(get('sign-in-text'))).toBe('Members only: sign in to get this deal');
    expect(ow.report).not.toHaveBeenCalled();
  });

  it('links the sign-in call to action to sign-in-url and reports it as the click', async () => {
    const clicks: unknown[] = [];
    document.addEventListener('ow-click', (e) => clicks.push(e.detail));
    const element = document.createElement('ow-member-deal');
    element.setAttribute('sign-in-url', '/account/login?next=%2Fboots');
    Object.assign(element, { offer: deal(), decisionId: 'd1', offerwise: fakeOw() });
    const ow = element.offerwise as unknown as ReturnType<typeof fakeOw>;
    document.body.append(element);
    await element.updateComplete;
    const signIn = element.shadowRoot!.querySelector<HTMLAnchorElement>('[part="sign-in-link"]')!;
    expect(signIn.getAttribute('href')).toBe('/account/login?next=%2Fboots');
    expect(text(signIn)).toBe('Sign in to get this deal');
    signIn.addEventListener('click', (e) => e.preventDefault());
    signIn.click();
    await Promise.resolve();
    await Promise.resolve();
    expect(ow.report).toHaveBeenCalledWith('d1', 'm20', 'click');
    expect(clicks).toEqual([{ decisionId: 'd1', offerId: 'm20' }]);

    // Becoming a member swaps in the deal's own action.
    element.member = true;
    await element.updateComplete;
    expect(element.shadowRoot!.querySelector('[part="sign-in-link"]')).toBeNull();
    expect(element.shadowRoot!.querySelector('[part="claim-button"]')).not.toBeNull();
  });

  it('refuses a sign-in URL that is not https or same-origin', async () => {
    for (const signInUrl of ['javascript:alert(1)', 'http://x.test/login', '//evil.test/']) {
      const { element, get } = await mount({ signInUrl });
      expect(get('sign-in-link'), signInUrl).toBeNull();
      expect(get('sign-in-text')).not.toBeNull();
      element.remove();
    }
  });

  it("uses the shop's words for the badge and the sign-in call", async () => {
    const { get } = await mount({
      signInUrl: '/login',
      messages: { badge: 'Mitglieder', signIn: 'Anmelden', claim: 'Einlösen' },
    });
    expect(text(get('badge'))).toBe('Mitglieder');
    expect(text(get('sign-in-link'))).toBe('Anmelden');
  });

  it('dismisses like a coupon', async () => {
    const { element, ow, get } = await mount({});
    get('dismiss-button')!.click();
    await element.updateComplete;
    expect(element.hidden).toBe(true);
    expect(ow.report).toHaveBeenCalledWith('d1', 'm20', 'dismiss');
  });

  it('renders an XSS corpus as text', async () => {
    for (const payload of XSS_CORPUS) {
      const { element, root, get } = await mount({
        offer: { ...deal(), title: payload, description: payload },
      });
      expect(text(get('title'))).toBe(payload);
      expect(text(get('description'))).toBe(payload);
      expect(root.querySelectorAll('img, script, svg, a').length).toBe(0);
      element.remove();
    }
  });
});
