import {
  couponOffer,
  diagnosticsOf,
  FakeIntersectionObserver,
  XSS_CORPUS,
  reportsOf,
} from '../../test/support/widgets.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Offerwise } from '../../src/offerwise.js';
import { formatDateTime } from '../shared/format.js';
import { resetImpressions } from '../shared/impression.controller.js';
import './coupon.js';
import type { OwCoupon } from './coupon.component.js';

function fakeOw() {
  return {
    report: vi.fn(async () => ({ id: 'e1' })),
    muteInterest: vi.fn(async () => undefined),
  };
}

async function mount(props: Partial<OwCoupon> = {}, ow = fakeOw()) {
  const element = document.createElement('ow-coupon');
  Object.assign(element, {
    offer: couponOffer(),
    decisionId: 'd1',
    currency: 'EUR',
    explanation: 'You often browse Womens',
    offerwise: ow as unknown as Offerwise,
    ...props,
  });
  document.body.append(element);
  await element.updateComplete;
  return { element, ow, root: element.shadowRoot! };
}

function part(root: ShadowRoot, name: string): HTMLElement | null {
  return root.querySelector<HTMLElement>(`[part~="${name}"]`);
}

function text(element: Element | null): string {
  return (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

function events<K extends keyof GlobalEventHandlersEventMap>(type: K) {
  const seen: GlobalEventHandlersEventMap[K][] = [];
  document.addEventListener(type, (event) => seen.push(event), { once: false });
  return seen;
}

async function settle(element: OwCoupon) {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await element.updateComplete;
}

beforeEach(() => {
  document.documentElement.setAttribute('lang', 'en-GB');
  resetImpressions();
});

afterEach(() => {
  document.body.replaceChildren();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('<ow-coupon> rendering', () => {
  it('shows the title, the percent value, the minimum spend and the expiry', async () => {
    const { root } = await mount();
    expect(part(root, 'base')?.tagName).toBe('ARTICLE');
    expect(part(root, 'base')?.getAttribute('aria-label')).toBe('Winter coupon');
    expect(text(part(root, 'title'))).toBe('Winter coupon');
    expect(text(part(root, 'value'))).toBe('10% off');
    expect(text(part(root, 'description'))).toBe('On everything in the store');
    expect(text(part(root, 'min-spend'))).toBe('Min. spend €50.00');
    expect(text(part(root, 'expiry'))).toBe(
      `Valid until ${formatDateTime(Date.UTC(2026, 11, 31, 22, 59), 'en-GB')}`,
    );
    expect(text(part(root, 'claim-button'))).toBe('Claim');
    expect(part(root, 'dismiss-button')?.getAttribute('aria-label')).toBe('Dismiss offer');
    expect(part(root, 'link')?.getAttribute('href')).toBe('/sale');
    const why = root.querySelector('ow-why');
    expect(why?.explanation).toBe('You often browse Womens');
    expect(why?.category).toBe('womens');
  });

  it('formats an amount in the catalog currency and the language of the closest lang', async () => {
    const wrapper = document.createElement('div');
    wrapper.setAttribute('lang', 'de-DE');
    document.body.append(wrapper);
    const element = document.createElement('ow-coupon');
    element.offer = couponOffer({ discount: { amount: 5 }, min_spend: 1234.5 });
    element.currency = 'EUR';
    wrapper.append(element);
    await element.updateComplete;
    const root = element.shadowRoot!;
    expect(text(part(root, 'value'))).toMatch(/^5,00\s€ off$/);
    expect(text(part(root, 'min-spend'))).toMatch(/^Min\. spend 1\.234,50\s€$/);
  });

  it("uses the shop's words where given, and the defaults for the rest", async () => {
    vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue(undefined);
    const { element, root } = await mount({
      messages: {
        percentOff: '−{percent} %',
        claim: 'Einlösen',
        dismiss: 'Angebot schließen',
        copied: 'Code {code} kopiert.',
        why: { toggle: 'Warum sehe ich das?' },
      },
    });
    expect(text(part(root, 'value'))).toBe('−10 %');
    expect(text(part(root, 'claim-button'))).toBe('Einlösen');
    expect(part(root, 'dismiss-button')?.getAttribute('aria-label')).toBe('Angebot schließen');
    expect(text(part(root, 'min-spend'))).toBe('Min. spend €50.00');
    const why = root.querySelector('ow-why')!;
    await why.updateComplete;
    expect(text(why.shadowRoot!.querySelector('[part="toggle"]'))).toBe('Warum sehe ich das?');
    part(root, 'claim-button')!.click();
    await settle(element);
    expect(text(part(root, 'status'))).toBe('Code WINTER10 kopiert.');
    expect(text(part(root, 'claimed-label'))).toBe('✓ Claimed');
  });

  it('renders nothing without an offer and leaves out what the offer lacks', async () => {
    const empty = document.createElement('ow-coupon');
    document.body.append(empty);
    await empty.updateComplete;
    expect(empty.shadowRoot!.querySelector('article')).toBeNull();

    const { root } = await mount({
      offer: couponOffer({
        url: undefined,
        min_spend: undefined,
        valid_to: undefined,
        description: undefined,
      }),
      explanation: '',
    });
    expect(part(root, 'link')).toBeNull();
    expect(part(root, 'terms')).toBeNull();
    expect(part(root, 'description')).toBeNull();
    expect(root.querySelector('ow-why')).toBeNull();
  });

  it('refuses link and image URLs that are not https or same-origin', async () => {
    for (const url of [
      'javascript:alert(1)',
      ' javascript:alert(1)',
      'http://x.test/',
      '//evil.test/',
      'data:text/html,x',
      '/\\evil.test',
    ]) {
      const { root, element } = await mount({ offer: couponOffer({ url, image: url }) });
      expect(part(root, 'link'), url).toBeNull();
      expect(part(root, 'image'), url).toBeNull();
      element.remove();
    }
    const { root } = await mount({
      offer: couponOffer({ url: 'https://shop.test/a', image: '/img/a.png' }),
    });
    expect(part(root, 'link')?.getAttribute('href')).toBe('https://shop.test/a');
    expect(part(root, 'image')?.getAttribute('src')).toBe('/img/a.png');
    expect(part(root, 'image')?.getAttribute('alt')).toBe('');
    expect(part(root, 'image')?.getAttribute('referrerpolicy')).toBe('no-referrer');
  });

  it('renders an XSS corpus as literal text and creates no element from it', async () => {
    vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue(undefined);
    const render = async (payload: string) => {
      const { root, element } = await mount({
        offer: couponOffer({
          title: payload,
          description: payload,
          code: payload,
          category: 'shoes',
        }),
        explanation: payload,
      });
      part(root, 'claim-button')!.click();
      await settle(element);
      const why = root.querySelector('ow-why')!;
      await why.updateComplete;
      return { root, element, why };
    };
    const tags = (scope: ParentNode) =>
      [...scope.querySelectorAll('*')].map((node) => node.tagName.toLowerCase()).join(' ');
    const benign = await render('Plain title');
    const expected = [tags(benign.root), tags(benign.why.shadowRoot!)];
    benign.element.remove();
    for (const payload of XSS_CORPUS) {
      const { root, element, why } = await render(payload);
      expect(text(part(root, 'title'))).toBe(payload);
      expect(part(root, 'base')?.getAttribute('aria-label')).toBe(payload);
      expect(text(part(root, 'description'))).toBe(payload);
      expect((part(root, 'code') as HTMLInputElement).value).toBe(payload);
      expect(text(why.shadowRoot!.querySelector('[part="explanation"]'))).toBe(payload);
      expect([tags(root), tags(why.shadowRoot!)], payload).toEqual(expected);
      expect(part(root, 'link')?.getAttribute('href')).toBe('/sale');
      element.remove();
    }
  });
});

describe('<ow-coupon> claiming', () => {
  it('copies the code with the Clipboard API, reports the claim and announces the code', async () => {
    const write = vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue(undefined);
    const claims = events('ow-claim');
    const { element, ow, root } = await mount();
    part(root, 'claim-button')!.click();
    await settle(element);
    expect(write).toHaveBeenCalledWith('WINTER10');
    expect(ow.report).toHaveBeenCalledWith('d1', 'c10', 'claim');
    expect(claims.map((e) => e.detail)).toEqual([
      { decisionId: 'd1', offerId: 'c10', code: 'WINTER10', copied: true },
    ]);
    expect(part(root, 'claim-button')).toBeNull();
    expect(text(part(root, 'claimed-label'))).toBe('✓ Claimed');
    const code = part(root, 'code') as HTMLInputElement;
    expect(code.value).toBe('WINTER10');
    expect(code.readOnly).toBe(true);
    const status = part(root, 'status')!;
    expect(status.getAttribute('aria-live')).toBe('polite');
    expect(text(status)).toBe('Code WINTER10 copied to the clipboard.');
    expect(root.activeElement).toBe(code);
  });

  it('falls back to selecting the code and execCommand("copy")', async () => {
    vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new Error('denied'));
    const exec = vi.fn(() => true);
    (document as unknown as { execCommand: unknown }).execCommand = exec;
    const claims = events('ow-claim');
    try {
      const { element, root } = await mount();
      part(root, 'claim-button')!.click();
      await settle(element);
      expect(exec).toHaveBeenCalledWith('copy');
      expect(claims.at(-1)?.detail.copied).toBe(true);
      expect(text(part(root, 'status'))).toBe('Code WINTER10 copied to the clipboard.');
    } finally {
      delete (document as unknown as { execCommand?: unknown }).execCommand;
    }
  });

  it('leaves the code selected when nothing can copy, and takes the first code of a pool', async () => {
    vi.stubGlobal('navigator', { ...navigator, clipboard: undefined, language: 'en' });
    const claims = events('ow-claim');
    const { element, root } = await mount({
      offer: couponOffer({ code: undefined, code_pool: ['POOL-A', 'POOL-B'] }),
    });
    part(root, 'claim-button')!.click();
    await settle(element);
    const code = part(root, 'code') as HTMLInputElement;
    expect(code.value).toBe('POOL-A');
    expect(root.activeElement).toBe(code);
    expect([code.selectionStart, code.selectionEnd]).toEqual([0, 'POOL-A'.length]);
    expect(claims.at(-1)?.detail).toEqual({
      decisionId: 'd1',
      offerId: 'c10',
      code: 'POOL-A',
      copied: false,
    });
    expect(text(part(root, 'status'))).toBe('Your code is POOL-A. It is selected, ready to copy.');
  });

  it('claims once, and "Copy" copies again without another claim', async () => {
    const write = vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue(undefined);
    const { element, ow, root } = await mount();
    const claim = part(root, 'claim-button')!;
    claim.click();
    claim.click();
    await settle(element);
    part(root, 'copy-button')!.click();
    await settle(element);
    expect(ow.report.mock.calls.filter((c) => (c as unknown[])[2] === 'claim')).toHaveLength(1);
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('never throws when report() rejects: reports once, through the instance, with a code', async () => {
    vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue(undefined);
    const warn = vi.spyOn(console, 'warn');
    const ow = fakeOw();
    const hub = diagnosticsOf(ow);
    ow.report.mockRejectedValue(new Error('invalid_feedback'));
    const { element, root } = await mount({}, ow);
    part(root, 'claim-button')!.click();
    await settle(element);
    part(root, 'link')!.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
    await settle(element);
    // The claim and the click both failed (the card was never seen: no impression): one
    // diagnostic, naming the first.
    expect(ow.report.mock.calls.map((c) => (c as unknown[])[2])).toEqual(['claim', 'click']);
    expect(reportsOf(hub)).toEqual([
      ['ow_report_failed', 'report(claim) for offer "c10": Error: invalid_feedback'],
    ]);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('<ow-coupon> dismiss, click and impression', () => {
  it('dismisses: reports, fires ow-dismiss and hides the card', async () => {
    const dismissed = events('ow-dismiss');
    const { element, ow, root } = await mount();
    part(root, 'dismiss-button')!.click();
    await settle(element);
    expect(ow.report).toHaveBeenCalledWith('d1', 'c10', 'dismiss');
    expect(dismissed.map((e) => e.detail)).toEqual([{ decisionId: 'd1', offerId: 'c10' }]);
    expect(dismissed[0]?.composed).toBe(true);
    expect(element.hidden).toBe(true);
  });

  it('reports a click on the offer link and fires ow-click', async () => {
    const clicks = events('ow-click');
    const { element, ow, root } = await mount();
    const link = part(root, 'link')!;
    link.addEventListener('click', (e) => e.preventDefault());
    link.click();
    await settle(element);
    expect(ow.report).toHaveBeenCalledWith('d1', 'c10', 'click');
    expect(clicks.map((e) => e.detail)).toEqual([{ decisionId: 'd1', offerId: 'c10' }]);
  });

  it('reports one impression per decision and offer after a second at half visibility', async () => {
    vi.stubGlobal('IntersectionObserver', FakeIntersectionObserver);
    vi.useFakeTimers();
    const impressions = events('ow-impression');
    const { element, ow, root } = await mount();
    const base = part(root, 'base')!;
    FakeIntersectionObserver.setIntersection(base, 0.6);
    await vi.advanceTimersByTimeAsync(999);
    expect(ow.report).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(ow.report).toHaveBeenCalledWith('d1', 'c10', 'impression');

    // A second element showing the same decision and offer does not report again.
    const { root: root2, ow: ow2 } = await mount();
    FakeIntersectionObserver.setIntersection(part(root2, 'base')!, 1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(ow2.report).not.toHaveBeenCalled();

    // A new decision in the first element is a new impression.
    element.decisionId = 'd2';
    await element.updateComplete;
    FakeIntersectionObserver.setIntersection(base, 1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ow.report.mock.calls).toEqual([
      ['d1', 'c10', 'impression'],
      ['d2', 'c10', 'impression'],
    ]);
    expect(impressions.map((e) => e.detail.decisionId)).toEqual(['d1', 'd2']);
  });

  it('a large element (≥ 242,500 px², e.g. taller than the viewport) counts at 30% visible', async () => {
    vi.stubGlobal('IntersectionObserver', FakeIntersectionObserver);
    vi.useFakeTimers();
    const small = await mount({ decisionId: 'd-small' });
    const large = await mount({ decisionId: 'd-large' });
    // 267 × 600 = 160,200 px²: half is needed; 267 × 1223 = 326,541 px²: 30% is enough.
    FakeIntersectionObserver.setIntersection(part(small.root, 'base')!, 0.35, {
      width: 267,
      height: 600,
    });
    FakeIntersectionObserver.setIntersection(part(large.root, 'base')!, 0.35, {
      width: 267,
      height: 1223,
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(small.ow.report).not.toHaveBeenCalled();
    expect(large.ow.report).toHaveBeenCalledWith('d-large', 'c10', 'impression');
    // Below 30% the large one would not have counted either.
    const other = await mount({ decisionId: 'd-large-2' });
    FakeIntersectionObserver.setIntersection(part(other.root, 'base')!, 0.29, {
      width: 267,
      height: 1223,
    });
    await vi.advanceTimersByTimeAsync(2000);
    expect(other.ow.report).not.toHaveBeenCalled();
  });
});

describe('<ow-coupon> right-to-left catalog text (audit finding 8)', () => {
  /** The element children of `node`: tag and text. */
  const children = (node: Element | null) =>
    [...(node?.children ?? [])].map((c) => [c.localName, c.textContent]);
  /** `node`'s own text and elements in order, with empty text left out. */
  const sequence = (node: Element | null) =>
    [...(node?.childNodes ?? [])]
      .filter((n) => n.nodeType === 1 || (n.nodeType === 3 && n.textContent!.trim() !== ''))
      .map((n) =>
        n.nodeType === 1 ? `<${(n as Element).localName}>${n.textContent}` : n.textContent,
      );

  it('puts the title, the description and the code in the status each in their own <bdi>', async () => {
    const title = '\u202Eevas \u05D4\u05E0\u05D7\u05D4';
    const description = '\u05E2\u05DC \u05DB\u05DC 10 \u05D4\u05D7\u05E0\u05D5\u05EA';
    const code = '\u05D7\u05E0\u05D5\u05EA10';
    const write = vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue(undefined);
    const { element, root } = await mount({ offer: couponOffer({ title, description, code }) });
    expect(children(part(root, 'title'))).toEqual([['bdi', title]]);
    expect(children(part(root, 'description'))).toEqual([['bdi', description]]);
    part(root, 'claim-button')!.click();
    await settle(element);
    // The clipboard gets the code alone; the SDK's words stay outside the isolate.
    expect(write).toHaveBeenCalledWith(code);
    expect(sequence(part(root, 'status'))).toEqual([
      'Code ',
      `<bdi>${code}`,
      ' copied to the clipboard.',
    ]);
  });

  it('isolates the code in the "selected" message too, and in the shop\'s own words', async () => {
    vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new Error('denied'));
    const { element, root } = await mount({
      offer: couponOffer({ code: 'ABC\u05D0' }),
      messages: { selected: '{code} — markiert.' },
    });
    part(root, 'claim-button')!.click();
    await settle(element);
    expect(sequence(part(root, 'status'))).toEqual(['<bdi>ABC\u05D0', ' — markiert.']);
  });
});
