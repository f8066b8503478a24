import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Catalog } from '../../src/decide/types.js';
import type { Offerwise } from '../../src/offerwise.js';
import { codesOf, diagnosticsOf, reportsOf } from '../../test/support/widgets.js';
import type { RecommendedItem, RecommendRequest } from '../../src/recommend/recommend.js';
import { resetDefaultOfferwise, useOfferwise } from '../shared/instance.js';
import './recommendations.js';
import type { OwRecommendations, RecommendationsMessages } from './recommendations.js';

const ITEMS: RecommendedItem[] = [
  {
    itemId: 'sku-2',
    score: 0.5,
    name: 'Desert boot',
    price: 80,
    url: '/p/sku-2',
    image: '/img/sku-2.jpg',
    explanation: 'Because you viewed Chelsea boot',
  },
  {
    itemId: 'sku-7',
    score: 0.2,
    name: 'Boot socks',
    price: 12.5,
    url: 'https://shop.example/p/sku-7',
    explanation: 'Popular in Mens',
  },
  { itemId: 'sku-9', score: 0.1, explanation: 'You may also like' },
];

const CATALOG = { currency: 'EUR' } as Catalog;

function fake(
  recommend: (r: RecommendRequest) => Promise<{ items: RecommendedItem[] }> = async () => ({
    items: ITEMS,
  }),
) {
  const spy = vi.fn(recommend);
  const ow = { recommend: spy, catalog: vi.fn(async () => CATALOG) } as unknown as Offerwise;
  return { ow, recommend: spy };
}

async function settle(el: OwRecommendations): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await el.updateComplete;
    await new Promise((r) => setTimeout(r, 0));
  }
}

async function mount(
  ow: Offerwise | undefined,
  attrs: Record<string, string> = { placement: 'product', limit: '3' },
  parent: Element = document.body,
): Promise<OwRecommendations> {
  const el = document.createElement('ow-recommendations');
  if (ow) el.offerwise = ow;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  parent.append(el);
  await settle(el);
  return el;
}

const $$ = (el: OwRecommendations, s: string) => [
  ...el.shadowRoot!.querySelectorAll<HTMLElement>(s),
];
const text = (n: Element | null | undefined) => (n?.textContent ?? '').replace(/\s+/g, ' ').trim();

beforeEach(() => {
  document.documentElement.lang = 'en';
});
afterEach(() => {
  document.body.replaceChildren();
  resetDefaultOfferwise();
});

describe('<ow-recommendations>', () => {
  it('asks recommend() for its placement and limit and shows the products', async () => {
    const { ow, recommend } = fake();
    const el = await mount(ow);
    expect(recommend).toHaveBeenCalledWith({ placement: 'product', limit: 3, mode: 'for-you' });

    const list = el.shadowRoot!.querySelector('[part="list"]')!;
    expect(list.getAttribute('role')).toBe('list');
    expect(list.getAttribute('tabindex')).toBe('0');
    expect(list.getAttribute('aria-labelledby')).toBe('heading');
    expect(text(el.shadowRoot!.getElementById('heading'))).toBe('Recommended for you');

    const cards = $$(el, '[part="item"]');
    expect(cards.map((c) => c.getAttribute('role'))).toEqual(['listitem', 'listitem', 'listitem']);
    expect($$(el, '[part="name"]').map(text)).toEqual(['Desert boot', 'Boot socks', 'sku-9']);
    expect($$(el, '[part="price"]').map(text)).toEqual(['€80.00', '€12.50', '']);

    const img = cards[0]!.querySelector('img')!;
    expect(img.getAttribute('loading')).toBe('lazy');
    expect(img.getAttribute('referrerpolicy')).toBe('no-referrer');
    expect(img.getAttribute('width')).toBe('160');
    expect(img.getAttribute('height')).toBe('160');
    // The card without an image keeps the image's box, so every card has the same height.
    expect(cards[1]!.querySelector('.image')).not.toBeNull();
  });

  it('shows the first reason as subtitle and each card its own as title and description', async () => {
    const el = await mount(fake().ow);
    expect(text(el.shadowRoot!.querySelector('[part="subtitle"]'))).toBe(
      'Because you viewed Chelsea boot',
    );
    const links = $$(el, '[part="link"]');
    expect(links.map((l) => l.getAttribute('title'))).toEqual(ITEMS.map((i) => i.explanation));
    const described = links.map((l) =>
      text(el.shadowRoot!.getElementById(l.getAttribute('aria-describedby')!)),
    );
    expect(described).toEqual(ITEMS.map((i) => i.explanation));
    expect(links.map((l) => l.getAttribute('href'))).toEqual([
      '/p/sku-2',
      'https://shop.example/p/sku-7',
      null,
    ]);
    expect(links[2]!.tagName).toBe('BUTTON'); // no url: still operable by keyboard
  });

  it("formats prices in the page's language", async () => {
    const section = document.createElement('div');
    section.lang = 'de';
    document.body.append(section);
    const el = await mount(fake().ow, { placement: 'product' }, section);
    expect(text(el.shadowRoot!.querySelector('[part="price"]'))).toBe('80,00 €');
  });

  it('holds its height with placeholder cards until the products arrive', async () => {
    let answer!: (r: { items: RecommendedItem[] }) => void;
    const { ow } = fake(() => new Promise((resolve) => (answer = resolve)));
    const el = await mount(ow, { placement: 'home', limit: '8' });
    expect($$(el, '[part="placeholder"]')).toHaveLength(4);
    expect($$(el, '[part="placeholder"]')[0]!.getAttribute('aria-hidden')).toBe('true');
    expect(el.shadowRoot!.querySelector('[part="base"]')!.getAttribute('aria-busy')).toBe('true');
    expect(el.hasAttribute('empty')).toBe(false);

    answer({ items: ITEMS.slice(0, 1) });
    await settle(el);
    expect($$(el, '[part="placeholder"]')).toHaveLength(0);
    expect($$(el, '[part="item"]')).toHaveLength(1);
    expect(el.shadowRoot!.querySelector('[part="base"]')!.getAttribute('aria-busy')).toBe('false');
  });

  it('renders nothing and reserves no space once the list is known to be empty', async () => {
    const empty = await mount(fake(async () => ({ items: [] })).ow);
    expect(empty.shadowRoot!.querySelector('[part="base"]')).toBeNull();
    expect(empty.hasAttribute('empty')).toBe(true);

    const failing = await mount(fake(() => Promise.reject(new Error('invalid_input'))).ow);
    expect(failing.shadowRoot!.querySelector('[part="base"]')).toBeNull();
    expect(failing.hasAttribute('empty')).toBe(true);

    expect(getComputedStyle(empty).display).toBe('none');
    empty.removeAttribute('empty');
    expect(getComputedStyle(empty).display).toBe('block');
  });

  it('reports a refused request and a missing placement through the instance, once each', async () => {
    const { ow, recommend } = fake(() =>
      Promise.reject(new Error('recommend().exclude: got object, expected an array of item ids')),
    );
    const hub = diagnosticsOf(ow);
    const el = await mount(ow, { placement: 'product', limit: '30' });
    el.setAttribute('limit', '40');
    await settle(el);
    expect(recommend).toHaveBeenCalledTimes(2);
    expect(reportsOf(hub)).toEqual([
      [
        'ow_recommend_failed',
        '<ow-recommendations placement="product">: Error: recommend().exclude: got object, expected an array of item ids',
      ],
    ]);
    const bare = await mount(ow, {});
    expect(bare.hasAttribute('empty')).toBe(true);
    expect(recommend).toHaveBeenCalledTimes(2);
    expect(codesOf(hub)).toEqual(['ow_recommend_failed', 'ow_recommendations_no_placement']);
  });

  it('fires ow-item-click with the item and the placement', async () => {
    const el = await mount(fake().ow);
    const seen: CustomEvent[] = [];
    document.body.addEventListener('ow-item-click', (e) => seen.push(e));
    el.addEventListener('click', (e) => e.preventDefault()); // stay on the page
    const links = $$(el, '[part="link"]');
    links[0]!.click();
    links[2]!.click();
    expect(seen.map((e) => e.detail)).toEqual([
      { itemId: 'sku-2', placement: 'product' },
      { itemId: 'sku-9', placement: 'product' },
    ]);
    expect(seen[0]!.bubbles && seen[0]!.composed).toBe(true);
  });

  it("uses the page's default instance once there is one, and reloads for a new placement", async () => {
    const { ow, recommend } = fake();
    const el = await mount(undefined, { placement: 'home' });
    expect($$(el, '[part="placeholder"]').length).toBeGreaterThan(0);
    useOfferwise(ow);
    await settle(el);
    expect(recommend).toHaveBeenCalledWith({ placement: 'home', mode: 'for-you' });
    expect($$(el, '[part="item"]')).toHaveLength(3);

    el.placement = 'cart';
    el.exclude = ['sku-1'];
    await settle(el);
    expect(recommend).toHaveBeenLastCalledWith({
      placement: 'cart',
      mode: 'for-you',
      exclude: ['sku-1'],
    });
  });

  it('renders hostile names and reasons as text, creating no element', async () => {
    const corpus = [
      '<img src=x onerror=alert(1)>',
      '<script>alert(1)</script>',
      '"><svg onload=alert(1)>',
      "'><iframe src=javascript:alert(1)>",
    ];
    const items: RecommendedItem[] = corpus.map((name, i) => ({
      itemId: `x-${i}`,
      score: 1,
      name,
      explanation: corpus[(i + 1) % corpus.length]!,
      url: i === 0 ? 'javascript:alert(1)' : `/p/${i}`,
      image: i === 1 ? 'data:text/html,<script>alert(1)</script>' : undefined,
    }));
    const el = await mount(fake(async () => ({ items })).ow);
    const root = el.shadowRoot!;
    expect($$(el, '[part="name"]').map((n) => n.textContent)).toEqual(corpus);
    expect(text(root.querySelector('[part="subtitle"]'))).toBe(corpus[1]);
    expect(root.querySelectorAll('img, script, svg, iframe')).toHaveLength(0);
    expect(root.querySelectorAll('[onerror], [onload]')).toHaveLength(0);
    expect([...root.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual([
      '/p/1',
      '/p/2',
      '/p/3',
    ]);
  });

  it('isolates each product name in a <bdi> (audit finding 8)', async () => {
    const name = '\u05E1\u05E0\u05D9\u05E7\u05E8\u05E1 42\u202E';
    const items: RecommendedItem[] = [
      { itemId: 'he-1', score: 1, name, explanation: 'Because you viewed it' },
      { itemId: 'no-name', score: 0.5, explanation: 'Popular' },
    ];
    const el = await mount(fake(async () => ({ items })).ow);
    expect(
      $$(el, '[part="name"]').map((n) => [...n.children].map((c) => [c.localName, c.textContent])),
    ).toEqual([[['bdi', name]], [['bdi', 'no-name']]]);
  });

  describe('mode', () => {
    const heading = (el: OwRecommendations) => text(el.shadowRoot!.getElementById('heading'));
    const subtitle = (el: OwRecommendations) =>
      text(el.shadowRoot!.querySelector('[part="subtitle"]'));

    it.each([
      ['for-you', 'Recommended for you', 'Because you viewed Chelsea boot'],
      ['discover', 'Discover something new', 'Because you viewed Chelsea boot'],
      // Every reason would be "You viewed this recently": the heading says it once.
      ['recently-viewed', 'Recently viewed', ''],
    ] as const)('%s: asks for it and shows its heading', async (mode, title, reason) => {
      const { ow, recommend } = fake();
      const hub = diagnosticsOf(ow);
      const el = await mount(ow, { placement: 'product', mode });
      expect(recommend.mock.calls).toEqual([[{ placement: 'product', mode }]]);
      expect(heading(el)).toBe(title);
      expect(subtitle(el)).toBe(reason);
      expect($$(el, '[part="name"]').map(text)).toEqual(['Desert boot', 'Boot socks', 'sku-9']);
      expect(el.shadowRoot!.querySelector('[part="list"]')!.getAttribute('aria-labelledby')).toBe(
        'heading',
      );
      expect(codesOf(hub)).toEqual([]);
    });

    it('defaults to for-you and reflects the property as the attribute', async () => {
      const { ow } = fake();
      const el = await mount(ow, { placement: 'product' });
      expect(el.mode).toBe('for-you');
      expect(el.getAttribute('mode')).toBe('for-you');
      el.mode = 'discover';
      await settle(el);
      expect(el.getAttribute('mode')).toBe('discover');
    });

    it('asks again when the attribute changes, with the same placement, limit and exclusions', async () => {
      const { ow, recommend } = fake();
      const el = await mount(ow, { placement: 'product', limit: '3' });
      el.exclude = ['sku-1'];
      await settle(el);
      el.setAttribute('mode', 'recently-viewed');
      await settle(el);
      expect(heading(el)).toBe('Recently viewed');
      el.setAttribute('mode', 'discover');
      await settle(el);
      expect(heading(el)).toBe('Discover something new');
      // A removed attribute is the default again, and nothing to report.
      el.removeAttribute('mode');
      await settle(el);
      expect(heading(el)).toBe('Recommended for you');
      const base = { placement: 'product', limit: 3 };
      expect(recommend.mock.calls).toEqual([
        [{ ...base, mode: 'for-you' }],
        [{ ...base, mode: 'for-you', exclude: ['sku-1'] }],
        [{ ...base, mode: 'recently-viewed', exclude: ['sku-1'] }],
        [{ ...base, mode: 'discover', exclude: ['sku-1'] }],
        [{ ...base, mode: 'for-you', exclude: ['sku-1'] }],
      ]);
    });

    it("keeps the heading of the products on screen until the new mode's arrive", async () => {
      const answers: ((r: { items: RecommendedItem[] }) => void)[] = [];
      const { ow } = fake(() => new Promise((resolve) => answers.push(resolve)));
      const el = await mount(ow, { placement: 'product' });
      expect(heading(el)).toBe('Recommended for you'); // placeholders: the mode asked for
      answers[0]!({ items: ITEMS });
      await settle(el);
      el.mode = 'recently-viewed';
      await settle(el);
      expect(answers).toHaveLength(2);
      expect(heading(el)).toBe('Recommended for you');
      expect(subtitle(el)).toBe('Because you viewed Chelsea boot');
      answers[1]!({ items: ITEMS.slice(2) });
      await settle(el);
      expect(heading(el)).toBe('Recently viewed');
      expect($$(el, '[part="name"]').map(text)).toEqual(['sku-9']);
    });

    it('uses the words of `messages`, and the defaults for the headings it lacks', async () => {
      const { ow } = fake();
      const el = await mount(ow, { placement: 'product', mode: 'discover' });
      el.messages = {
        heading: 'Für dich',
        headingDiscover: 'Neu für dich',
        headingRecentlyViewed: 'Zuletzt angesehen',
      };
      await settle(el);
      expect(heading(el)).toBe('Neu für dich');
      // A page written before the modes existed passes `heading` only.
      el.messages = { heading: 'Für dich' } as RecommendationsMessages;
      el.mode = 'recently-viewed';
      await settle(el);
      expect(heading(el)).toBe('Recently viewed');
    });

    it('reports an unknown mode once and shows for-you', async () => {
      const { ow, recommend } = fake();
      const hub = diagnosticsOf(ow);
      const el = await mount(ow, { placement: 'product', mode: 'trending' });
      expect(recommend.mock.calls).toEqual([[{ placement: 'product', mode: 'for-you' }]]);
      expect(heading(el)).toBe('Recommended for you');
      expect($$(el, '[part="item"]')).toHaveLength(3);
      expect(el.getAttribute('mode')).toBe('trending'); // the page's value stays, to be found
      el.setAttribute('mode', 'Discover');
      await settle(el);
      const other = await mount(ow, { placement: 'home', mode: '' });
      expect(heading(other)).toBe('Recommended for you');
      expect(recommend.mock.calls.map(([r]) => r.mode)).toEqual(['for-you', 'for-you', 'for-you']);
      expect(reportsOf(hub)).toEqual([
        [
          'ow_recommendations_invalid_mode',
          '<ow-recommendations placement="product"> mode: got "trending", expected "for-you", "discover", "recently-viewed"; showing "for-you"',
        ],
      ]);
    });
  });
});
