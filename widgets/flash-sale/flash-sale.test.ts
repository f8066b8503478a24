import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { diagnosticsOf, flashSaleOffer, reportsOf, SALE_T0 } from '../../test/support/widgets.js';
import type { Catalog, Offer } from '../../src/decide/types.js';
import type { Offerwise } from '../../src/offerwise.js';
import type { Recommendation } from '../../src/recommend/recommend.js';
import { clockStatus } from './countdown.controller.js';
import './flash-sale.js';
import { DEFAULT_FLASH_SALE_MESSAGES, type OwFlashSale } from './flash-sale.js';

const T0 = SALE_T0;
const HOUR = 3600_000;

function catalog(overrides: Partial<Catalog> = {}): Catalog {
  return {
    version: 1,
    server_time: T0,
    received_at: T0,
    currency: 'EUR',
    placements: {},
    offers: [],
    items: {},
    ...overrides,
  };
}

interface Fake {
  ow: Offerwise;
  report: ReturnType<typeof vi.fn>;
  recommend: ReturnType<typeof vi.fn>;
}

function fakeOfferwise(
  options: { catalog?: Catalog; recommend?: () => Promise<Partial<Recommendation>> } = {},
): Fake {
  const report = vi.fn(async () => ({ id: 'r' }));
  const recommend = vi.fn(options.recommend ?? (async () => ({ items: [], personalized: true })));
  const ow = {
    catalog: vi.fn(async () => options.catalog ?? catalog()),
    recommend,
    report,
  } as unknown as Offerwise;
  return { ow, report, recommend };
}

async function mount(
  offer: Offer | undefined,
  fake: Fake | undefined,
  props: Partial<OwFlashSale> = {},
): Promise<OwFlashSale> {
  const el = document.createElement('ow-flash-sale');
  if (fake) el.offerwise = fake.ow;
  el.offer = offer;
  Object.assign(el, props);
  document.body.append(el);
  await settle(el);
  return el;
}

async function settle(el: OwFlashSale): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await el.updateComplete;
    await Promise.resolve();
  }
  await el.updateComplete;
}

function $(el: OwFlashSale, selector: string): HTMLElement | null {
  return el.shadowRoot!.querySelector(selector);
}
function $$(el: OwFlashSale, selector: string): HTMLElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLElement>(selector)];
}
function text(node: Element | null): string {
  return (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
}
function names(el: OwFlashSale): string[] {
  return $$(el, '[part="name"]').map((n) => text(n));
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
  document.documentElement.lang = 'en';
});

afterEach(() => {
  document.body.replaceChildren();
  vi.useRealTimers();
});

describe('<ow-flash-sale>', () => {
  it('shows each item with image, name, sale and former price, and stock', async () => {
    const el = await mount(flashSaleOffer(), fakeOfferwise());
    expect(names(el)).toEqual(['Chelsea boot', 'Desert boot', 'Hiking boot']);

    const img = $(el, 'img[part="image"]')!;
    expect(img.getAttribute('src')).toBe('/img/sku-1.jpg');
    // Decorative: the name is the link's own text beside it.
    expect(img.getAttribute('alt')).toBe('');
    expect(img.getAttribute('loading')).toBe('lazy');
    expect(img.getAttribute('referrerpolicy')).toBe('no-referrer');
    expect(img.getAttribute('width')).toBe('160');
    expect(img.getAttribute('height')).toBe('160');

    const first = $(el, '[part="item"]')!;
    expect(text(first.querySelector('[part="sale-price"]'))).toBe('now €56.00');
    const was = first.querySelector('[part="was-price"]')!;
    expect(was.tagName).toBe('S');
    expect(text(was)).toBe('was €80.00');
    expect(was.querySelector('.visually-hidden')?.textContent).toBe('was ');

    const meter = first.querySelector('[part="stock"]')!;
    expect(meter.getAttribute('role')).toBe('meter');
    expect(meter.getAttribute('aria-valuenow')).toBe('3');
    expect(meter.getAttribute('aria-valuemin')).toBe('0');
    expect(meter.getAttribute('aria-valuemax')).toBe('40');
    expect(meter.getAttribute('aria-valuetext')).toBe('Only 3 left');
    expect(text(meter)).toBe('Only 3 left');

    const items = $$(el, '[part="item"]');
    expect(items[1]!.querySelector('[part="stock"]')).toBeNull(); // stock not tracked
    expect(text(items[2]!.querySelector('[part="stock-label"]'))).toBe('40 left');
    expect(items[2]!.querySelector('a')).toBeNull(); // no url, no link
    expect($(el, '[part="items"]')!.getAttribute('role')).toBe('list');
  });

  it('counts down live, ending soon and ended, and announces the end once', async () => {
    const el = await mount(flashSaleOffer({ ends_at: T0 + 10 * 60_000 + 2000 }), fakeOfferwise());
    const timer = () => $(el, '[part="timer"]')!;
    expect(timer().getAttribute('role')).toBe('timer');
    expect(text(timer())).toBe('Ends in 00:10:02');
    expect($(el, '[part="base"]')!.classList.contains('base--live')).toBe(true);

    const region = $(el, '[part="announcer"]')!;
    expect(region.getAttribute('aria-live')).toBe('polite');
    expect(text(region)).toBe('');

    await vi.advanceTimersByTimeAsync(3000);
    await settle(el);
    expect(text(timer())).toBe('Ending soon 00:09:59');
    expect($(el, '[part="base"]')!.classList.contains('base--ending-soon')).toBe(true);
    expect(text(region)).toBe('');

    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await settle(el);
    expect(text(timer())).toBe('This sale has ended');
    expect($(el, '[part="base"]')!.classList.contains('base--ended')).toBe(true);
    // Same node as before: a live region must exist before its content changes.
    expect($(el, '[part="announcer"]')).toBe(region);
    expect(text(region)).toBe('The sale "Two-hour boots sale" has ended.');

    const renders = vi.spyOn(el as unknown as { render(): unknown }, 'render');
    await vi.advanceTimersByTimeAsync(10_000);
    await settle(el);
    expect(renders).not.toHaveBeenCalled(); // the clock let go of an ended sale
    expect(clockStatus().subscribers).toBe(0);
  });

  it('says "Starts in" before the sale and does not announce a sale already over', async () => {
    const upcoming = await mount(
      flashSaleOffer({ starts_at: T0 + 2 * HOUR + 5000, ends_at: T0 + 4 * HOUR }),
      fakeOfferwise(),
    );
    expect(text($(upcoming, '[part="timer"]'))).toBe('Starts in 02:00:05');
    expect($(upcoming, '[part="base"]')!.classList.contains('base--upcoming')).toBe(true);

    const over = await mount(flashSaleOffer({ ends_at: T0 - 1 }), fakeOfferwise());
    expect(text($(over, '[part="timer"]'))).toBe('This sale has ended');
    expect(text($(over, '[part="announcer"]'))).toBe('');
  });

  it('uses the server clock: serverOffset, else the catalog offset', async () => {
    // The shop's clock is 30 minutes ahead of this device: 30 minutes of the hour are gone.
    const fromCatalog = await mount(
      flashSaleOffer(),
      fakeOfferwise({ catalog: catalog({ server_time: T0 + 1800_000, received_at: T0 }) }),
    );
    expect(text($(fromCatalog, '[part="timer-value"]'))).toBe('00:30:00');

    const explicit = await mount(flashSaleOffer(), fakeOfferwise(), { serverOffset: -HOUR });
    expect(text($(explicit, '[part="timer-value"]'))).toBe('02:00:00');
  });

  it('orders items by recommend(), keeping the catalog order until it answers or when it fails', async () => {
    let answer!: (r: Partial<Recommendation>) => void;
    const fake = fakeOfferwise({ recommend: () => new Promise((resolve) => (answer = resolve)) });
    const el = await mount(flashSaleOffer(), fake);
    expect(fake.recommend).toHaveBeenCalledWith({
      placement: 'flash-sale',
      candidates: ['sku-1', 'sku-2', 'sku-3'],
      limit: 3,
    });
    expect(names(el)).toEqual(['Chelsea boot', 'Desert boot', 'Hiking boot']);
    answer({ items: [{ itemId: 'sku-3', score: 2, explanation: '' }], personalized: true });
    await settle(el);
    // Ranked first; the items recommend() left out keep the catalog order after them.
    expect(names(el)).toEqual(['Hiking boot', 'Chelsea boot', 'Desert boot']);

    const failing = fakeOfferwise({ recommend: () => Promise.reject(new Error('boom')) });
    const other = await mount(flashSaleOffer(), failing);
    expect(names(other)).toEqual(['Chelsea boot', 'Desert boot', 'Hiking boot']);

    // Without an instance nothing is asked and the catalog order (and no currency) stays.
    const alone = await mount(flashSaleOffer(), undefined);
    expect(names(alone)).toEqual(['Chelsea boot', 'Desert boot', 'Hiking boot']);
    expect(text(alone.shadowRoot!.querySelector('[part="sale-price"]'))).toBe('now 56.00');
  });

  it('reports a click and fires ow-click', async () => {
    const fake = fakeOfferwise();
    const el = await mount(flashSaleOffer(), fake, { decisionId: 'd-1' });
    const clicks: CustomEvent[] = [];
    document.body.addEventListener('ow-click', (e) => clicks.push(e));
    el.addEventListener('click', (e) => e.preventDefault()); // stay on the page
    $(el, 'a[part="link"]')!.click();
    await settle(el);
    expect(fake.report).toHaveBeenCalledWith('d-1', 'fs-1', 'click');
    expect(clicks).toHaveLength(1);
    expect(clicks[0]!.detail).toEqual({ decisionId: 'd-1', offerId: 'fs-1' });
    expect(clicks[0]!.composed).toBe(true);
  });

  it('reports a refused report() once through the instance, never throwing', async () => {
    const fake = fakeOfferwise();
    const hub = diagnosticsOf(fake.ow);
    fake.report.mockRejectedValue(new Error('invalid_feedback'));
    const el = await mount(flashSaleOffer(), fake, { decisionId: 'd-1' });
    el.addEventListener('click', (e) => e.preventDefault());
    $(el, 'a[part="link"]')!.click();
    await settle(el);
    $(el, 'a[part="link"]')!.click();
    await settle(el);
    expect(fake.report).toHaveBeenCalledTimes(2);
    expect(reportsOf(hub)).toEqual([
      ['ow_report_failed', 'report(click) for offer "fs-1": Error: invalid_feedback'],
    ]);
  });

  it('reports one impression per decision and offer once half of it was seen for a second', async () => {
    const observers: { callback: IntersectionObserverCallback }[] = [];
    vi.stubGlobal(
      'IntersectionObserver',
      class {
        constructor(public callback: IntersectionObserverCallback) {
          observers.push(this);
        }
        observe(): void {}
        disconnect(): void {}
      },
    );
    try {
      const fake = fakeOfferwise();
      const seen: CustomEvent[] = [];
      document.body.addEventListener('ow-impression', (e) => seen.push(e));
      const el = await mount(flashSaleOffer(), fake, { decisionId: 'd-7' });
      const show = () =>
        observers
          .at(-1)!
          .callback(
            [{ isIntersecting: true, intersectionRatio: 0.6 } as IntersectionObserverEntry],
            {} as IntersectionObserver,
          );
      show();
      await vi.advanceTimersByTimeAsync(999);
      expect(seen).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      await settle(el);
      expect(seen.map((e) => e.detail)).toEqual([{ decisionId: 'd-7', offerId: 'fs-1' }]);
      expect(fake.report).toHaveBeenCalledWith('d-7', 'fs-1', 'impression');

      // The same decision shown again by another element is not a new impression.
      const again = await mount(flashSaleOffer(), fake, { decisionId: 'd-7' });
      show();
      await vi.advanceTimersByTimeAsync(1000);
      await settle(again);
      expect(seen).toHaveLength(1);

      // A new decision in the first element is a new impression, watched afresh.
      el.decisionId = 'd-8';
      await settle(el);
      show();
      await vi.advanceTimersByTimeAsync(1000);
      await settle(el);
      expect(seen.map((e) => e.detail)).toEqual([
        { decisionId: 'd-7', offerId: 'fs-1' },
        { decisionId: 'd-8', offerId: 'fs-1' },
      ]);
      expect(fake.report.mock.calls).toEqual([
        ['d-7', 'fs-1', 'impression'],
        ['d-8', 'fs-1', 'impression'],
      ]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('renders <ow-why> with the explanation and the category', async () => {
    const el = await mount(flashSaleOffer(), fakeOfferwise(), {
      explanation: 'Because you like boots',
    });
    const why = $(el, 'ow-why') as
      (HTMLElement & { explanation?: string; category?: string }) | null;
    expect(why?.explanation).toBe('Because you like boots');
    expect(why?.category).toBe('mens');
  });

  it('takes its words from messages', async () => {
    const el = await mount(flashSaleOffer(), fakeOfferwise(), {
      messages: {
        ...DEFAULT_FLASH_SALE_MESSAGES,
        endsIn: 'Endet in',
        onlyLeft: 'Nur noch {count}',
      },
    });
    expect(text($(el, '[part="timer-label"]'))).toBe('Endet in');
    expect(text($(el, '[part="stock-label"]'))).toBe('Nur noch 3');
  });

  it('renders hostile text literally and links only safe item urls', async () => {
    const corpus = [
      '<img src=x onerror=alert(1)>',
      '<script>alert(1)</script>',
      '"><svg onload=alert(1)>',
      "'><iframe src=javascript:alert(1)>",
      '${alert(1)}{{7*7}}',
    ];
    const offer = flashSaleOffer({
      title: corpus[1]!,
      items: corpus.map((name, i) => ({
        item_id: `x-${i}`,
        item_name: name,
        url: i === 0 ? 'javascript:alert(1)' : `/p/${i}`,
        image: i === 1 ? 'data:image/svg+xml,<svg onload=alert(1)>' : `/img/${i}.jpg`,
        price: 10,
        sale_price: 5,
      })),
    });
    const el = await mount(offer, fakeOfferwise(), { explanation: corpus[0]! });
    const root = el.shadowRoot!;
    expect(names(el)).toEqual(corpus);
    expect(text($(el, '[part="title"]'))).toBe(corpus[1]);
    expect(root.querySelectorAll('script, svg, iframe')).toHaveLength(0);
    // The only images are the items' own, decorative (the names are the links' text).
    const images = [...root.querySelectorAll('img')];
    expect(images.map((i) => i.getAttribute('src'))).toEqual([
      '/img/0.jpg',
      '/img/2.jpg',
      '/img/3.jpg',
      '/img/4.jpg',
    ]);
    expect(images.every((i) => i.getAttribute('alt') === '')).toBe(true);
    const hrefs = [...root.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(hrefs).toEqual(['/p/1', '/p/2', '/p/3', '/p/4']);
    expect(root.querySelectorAll('[onerror], [onload]')).toHaveLength(0);
  });

  it('renders nothing without a flash sale', async () => {
    const none = await mount(undefined, fakeOfferwise());
    expect(none.shadowRoot!.querySelector('[part="base"]')).toBeNull();
    const coupon = await mount(
      flashSaleOffer({ type: 'coupon', items: undefined }),
      fakeOfferwise(),
    );
    expect(coupon.shadowRoot!.querySelector('[part="base"]')).toBeNull();
  });

  it('isolates the title, each item name and the title in the end announcement (audit finding 8)', async () => {
    const title = '\u202E\u05DE\u05D1\u05E6\u05E2 \u05E9\u05E2\u05EA\u05D9\u05D9\u05DD';
    const item = (i: number) => ({
      item_id: `sku-${i}`,
      item_name: `\u05E0\u05E2\u05DC ${i}\u202B`,
      price: 80,
      sale_price: 56,
    });
    const el = await mount(
      flashSaleOffer({ title, ends_at: T0 + 2000, items: [item(1), item(2)] }),
      fakeOfferwise(),
    );
    const isolated = (selector: string) =>
      $$(el, selector).map((n) => [...n.children].map((c) => [c.localName, c.textContent]));
    expect(isolated('[part="title"]')).toEqual([[['bdi', title]]]);
    expect(isolated('[part="name"]')).toEqual([
      [['bdi', item(1).item_name]],
      [['bdi', item(2).item_name]],
    ]);
    await vi.advanceTimersByTimeAsync(3000);
    await settle(el);
    const region = $(el, '[part="announcer"]')!;
    expect([...region.querySelectorAll('bdi')].map((b) => b.textContent)).toEqual([title]);
    expect(text(region)).toBe(`The sale "${title}" has ended.`);
  });
});
