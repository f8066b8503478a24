import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOffers, type Offerwise } from '../../src/offerwise.js';
import { freshIndexedDB } from '../../test/support/fake-idb.js';
import './my-data.js';
import { DEFAULT_MY_DATA_MESSAGES, FACT_LINES, type OwMyData } from './my-data.js';

const T0 = Date.UTC(2026, 10, 28, 12);
const open: Offerwise[] = [];

async function make(): Promise<Offerwise> {
  const ow = await createOffers({ consent: 'granted', now: () => T0 });
  open.push(ow);
  return ow;
}

const viewed = (id: string, name: string, category: string) => ({
  event: 'view_item' as const,
  ecommerce: {
    currency: 'EUR',
    items: [{ item_id: id, item_name: name, item_category: category, price: 50 }],
  },
});
const bought = (id: string, value: number) => ({
  event: 'purchase' as const,
  ecommerce: {
    transaction_id: id,
    value,
    currency: 'EUR',
    items: [{ item_id: `sku-${id}`, item_category: 'mens', price: value }],
  },
});

async function settle(el: OwMyData): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await el.updateComplete;
    await new Promise((r) => setTimeout(r, 0));
  }
}

async function mount(ow: Offerwise, messages?: OwMyData['messages']): Promise<OwMyData> {
  const el = document.createElement('ow-my-data');
  el.offerwise = ow;
  if (messages) el.messages = messages;
  document.body.append(el);
  await settle(el);
  return el;
}

const $ = <T extends HTMLElement = HTMLElement>(el: OwMyData, part: string) =>
  el.shadowRoot!.querySelector<T>(`[part~="${part}"]`);
const text = (n: Element | null | undefined) => (n?.textContent ?? '').replace(/\s+/g, ' ').trim();
const facts = (el: OwMyData) =>
  [...el.shadowRoot!.querySelectorAll('[part="fact"]')].map((f) => text(f));

beforeEach(() => {
  freshIndexedDB();
  document.documentElement.lang = 'en';
});

afterEach(async () => {
  document.body.replaceChildren();
  vi.restoreAllMocks();
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((ow) => ow.destroy()));
});

// A segments file with two groups over the categories shoes and bags: shoppers who have browsed
// nothing sit at group 0; shoe views move them to group 1 (the interest dimensions dominate).
function segmentsCatalog(labels: [string, string]) {
  const zero = Array<number>(15).fill(0);
  return {
    version: 1,
    server_time: new Date(T0).toISOString(),
    currency: 'EUR',
    placements: { home: { limit: 1 } },
    offers: [
      {
        id: 'c1',
        type: 'coupon',
        title: 'Shoes',
        category: 'shoes',
        discount: { percent: 10 },
        code: 'C1',
      },
    ],
    segments: {
      format: 'offerwise-segments',
      version: 1,
      vector: { version: 2, categories: ['shoes', 'bags'] },
      standardization: { mean: zero, scale: [...Array<number>(11).fill(1), 100, 100, 100, 100] },
      centroids: [
        [13, ...zero.slice(1)],
        [13, 0, 0, 0, 0, 1, ...zero.slice(6)],
      ],
      spread: [1, 1],
      labels,
    },
  };
}

describe('<ow-my-data>', () => {
  it('names the learned shopper group when the catalog has segments, as isolated text', async () => {
    const ow = await createOffers({
      consent: 'granted',
      now: () => T0,
      catalog: segmentsCatalog(['no browsing yet', 'shoe browsers \u202e<b>x</b>']),
    });
    open.push(ow);
    await ow.decide({ placement: 'home' }); // loads the decision half, which holds the segments
    let el = await mount(ow);
    expect(facts(el).at(-1)).toBe('Shopper group: no browsing yet.');
    await ow.track(viewed('sku-1', 'Trail shoe', 'shoes'));
    el.remove();
    el = await mount(ow);
    expect(facts(el).at(-1)).toBe('Shopper group: shoe browsers \u202e<b>x</b>.');
    const fact = [...el.shadowRoot!.querySelectorAll('[part="fact"]')].at(-1)!;
    expect(fact.querySelector('bdi')!.textContent).toBe('shoe browsers \u202e<b>x</b>');
    expect(fact.querySelector('b')).toBeNull();
  });

  it('says in plain words what the profile holds', async () => {
    const ow = await make();
    await Promise.all([
      ow.track(viewed('sku-1', 'Chelsea boot', 'mens')),
      ow.track(viewed('sku-2', 'Desert boot', 'mens')),
      ow.track(viewed('sku-3', 'Silk scarf', 'womens')),
      ow.track(bought('T-1', 120)),
    ]);
    const el = await mount(ow);
    expect(facts(el)).toEqual([
      '4 actions recorded (pages, cart changes, purchases).',
      'Categories you look at most: mens and womens.',
      'Recently viewed: Silk scarf, Desert boot, and Chelsea boot.',
      '1 purchase in the last 365 days, €120.00 in total.',
      'Shopper group: new shopper.',
    ]);
    expect(text($(el, 'storage'))).toBe(DEFAULT_MY_DATA_MESSAGES.storageIndexeddb);
    expect(text($(el, 'heading'))).toBe('Your data in this shop');
  });

  it('turns personalization off and on with a real switch', async () => {
    const ow = await make();
    await ow.track(viewed('sku-1', 'Chelsea boot', 'mens'));
    const el = await mount(ow);
    const toggle = $<HTMLInputElement>(el, 'switch')!;
    expect(toggle.type).toBe('checkbox');
    expect(toggle.getAttribute('role')).toBe('switch');
    expect(toggle.checked).toBe(true);
    expect(toggle.closest('label')!.textContent).toContain(DEFAULT_MY_DATA_MESSAGES.consent);

    toggle.click();
    await settle(el);
    expect(ow.consent()).toBe('denied');
    expect(toggle.checked).toBe(false);
    expect(text($(el, 'storage'))).toBe(DEFAULT_MY_DATA_MESSAGES.storageMemory);
    expect(text($(el, 'status'))).toBe('Personalization is off.');

    toggle.click();
    await settle(el);
    expect(ow.consent()).toBe('granted');
    expect(toggle.checked).toBe(true);
    expect(text($(el, 'storage'))).toBe(DEFAULT_MY_DATA_MESSAGES.storageIndexeddb);
  });

  it('downloads everything as offerwise-data.json and revokes the URL after', async () => {
    const ow = await make();
    await ow.track(viewed('sku-1', 'Chelsea boot', 'mens'));
    const el = await mount(ow);
    let blob: Blob | undefined;
    const create = vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      blob = b as Blob;
      return 'blob:offerwise-test';
    });
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      clicked.push(this);
    });

    vi.useFakeTimers({ toFake: ['setTimeout'] });
    $(el, 'download-button')!.click();
    for (let i = 0; i < 20 && clicked.length === 0; i++) await vi.advanceTimersByTimeAsync(0);
    expect(create).toHaveBeenCalledTimes(1);
    expect(clicked).toHaveLength(1);
    expect(clicked[0]!.getAttribute('href')).toBe('blob:offerwise-test');
    expect(clicked[0]!.download).toBe('offerwise-data.json');
    expect(clicked[0]!.isConnected).toBe(false); // removed again
    expect(revoke).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(revoke).toHaveBeenCalledWith('blob:offerwise-test');
    vi.useRealTimers();

    expect(blob!.type).toBe('application/json');
    const data = JSON.parse(await blob!.text());
    expect(data.format).toBe('offerwise-export');
    expect(data.profile.eventCounts).toEqual({ view_item: 1 });
  });

  it('erases only after an explicit confirmation, then shows the empty profile', async () => {
    const ow = await make();
    await ow.track(viewed('sku-1', 'Chelsea boot', 'mens'));
    const forget = vi.spyOn(ow, 'forget');
    const el = await mount(ow);
    const erase = $(el, 'erase-button')!;
    expect(erase.getAttribute('aria-expanded')).toBe('false');

    erase.click();
    await settle(el);
    expect(forget).not.toHaveBeenCalled();
    expect($(el, 'confirm')!.getAttribute('role')).toBe('group');
    expect(erase.getAttribute('aria-expanded')).toBe('true');
    expect(el.shadowRoot!.activeElement).toBe($(el, 'cancel-button'));

    $(el, 'cancel-button')!.click();
    await settle(el);
    expect($(el, 'confirm')).toBeNull();
    expect(el.shadowRoot!.activeElement).toBe(erase);
    expect(forget).not.toHaveBeenCalled();

    erase.click();
    await settle(el);
    $(el, 'confirm-button')!.click();
    await settle(el);
    expect(forget).toHaveBeenCalledTimes(1);
    expect($(el, 'confirm')).toBeNull();
    expect(facts(el)).toEqual([
      'Nothing recorded yet.',
      'No categories looked at yet.',
      'No products viewed yet.',
      'No purchases in the last 365 days.',
      'Shopper group: new shopper.',
    ]);
    expect(text($(el, 'status'))).toBe('Your data was erased.');
    expect($(el, 'status')!.getAttribute('aria-live')).toBe('polite');
    expect((await ow.profile()).eventCounts).toEqual({});
  });

  it('takes its words, plural forms included, from messages', async () => {
    const ow = await make();
    await ow.track(viewed('sku-1', 'Chelsea boot', 'mens'));
    document.documentElement.lang = 'de';
    const el = await mount(ow, {
      ...DEFAULT_MY_DATA_MESSAGES,
      events: { one: '{count} Aktion gespeichert.', other: '{count} Aktionen gespeichert.' },
      viewed: 'Zuletzt angesehen: {list}.',
      segment: 'Gruppe: {segment}.',
      segments: { ...DEFAULT_MY_DATA_MESSAGES.segments, new: 'neu' },
    });
    expect(facts(el)).toEqual([
      '1 Aktion gespeichert.',
      'Categories you look at most: mens.',
      'Zuletzt angesehen: Chelsea boot.',
      'No purchases in the last 365 days.',
      'Gruppe: neu.',
    ]);
  });

  it('renders hostile names and categories as text, creating no element', async () => {
    const corpus = [
      '<img src=x onerror=alert(1)>',
      '<script>alert(1)</script>',
      '"><svg onload=alert(1)>',
    ];
    const ow = await make();
    for (const [i, name] of corpus.entries()) await ow.track(viewed(`x-${i}`, name, 'mens'));
    const el = await mount(ow);
    const recent = facts(el)[2]!;
    for (const name of corpus) expect(recent).toContain(name);
    expect(el.shadowRoot!.querySelectorAll('img, script, svg')).toHaveLength(0);
  });

  it('reserves its facts list while the profile is read: five skeleton lines, as many facts after', async () => {
    const ow = await make();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const read = ow.profile.bind(ow);
    vi.spyOn(ow, 'profile').mockImplementation(async () => {
      await held;
      return read();
    });
    const el = await mount(ow);
    const placeholders = el.shadowRoot!.querySelectorAll(
      '[part="facts"] > [part="fact-placeholder"]',
    );
    expect(placeholders).toHaveLength(FACT_LINES);
    expect(FACT_LINES).toBe(5);
    expect($(el, 'facts')!.getAttribute('aria-hidden')).toBe('true');
    // The storage line shows the loading words over the room of its final sentence.
    const storage = $(el, 'storage')!;
    expect([...storage.children].map((c) => [text(c), c.getAttribute('aria-hidden')])).toEqual([
      [DEFAULT_MY_DATA_MESSAGES.loading, null],
      [DEFAULT_MY_DATA_MESSAGES.storageIndexeddb, 'true'],
    ]);
    // Lines of one row each, in the list's place: the one-line facts take them over one for one.
    const css = String(
      (customElements.get('ow-my-data') as unknown as { styles: unknown[] }).styles,
    );
    expect(css).toMatch(/\.fact--placeholder\s*\{\s*block-size:\s*1lh;/);
    release();
    await settle(el);
    expect(el.shadowRoot!.querySelector('[part="fact-placeholder"]')).toBeNull();
    expect(facts(el)).toHaveLength(FACT_LINES);
    expect($(el, 'facts')!.hasAttribute('aria-hidden')).toBe(false);
    expect(text($(el, 'storage'))).toBe(DEFAULT_MY_DATA_MESSAGES.storageIndexeddb);
  });

  it('says so when the profile cannot be read, and keeps its controls off', async () => {
    const broken = {
      profile: () => Promise.reject(new Error('storage_failed')),
      consent: () => 'granted',
    } as unknown as Offerwise;
    const el = await mount(broken);
    expect(text($(el, 'storage'))).toBe(DEFAULT_MY_DATA_MESSAGES.unavailable);
    expect($<HTMLButtonElement>(el, 'download-button')!.disabled).toBe(true);
    expect($<HTMLInputElement>(el, 'switch')!.disabled).toBe(true);
  });

  it("isolates each of the shop's names in the lists (audit finding 8)", async () => {
    const ow = await make();
    const hebrew = '\u05E6\u05E2\u05D9\u05E3 \u05DE\u05E9\u05D9';
    await ow.track(viewed('sku-1', hebrew, 'mens'));
    await ow.track(viewed('sku-2', 'Desert boot', 'womens'));
    const el = await mount(ow);
    const lines = [...el.shadowRoot!.querySelectorAll('[part="fact"]')];
    const isolated = lines.map((line) =>
      [...line.querySelectorAll('bdi')].map((b) => b.textContent),
    );
    expect(isolated).toEqual([[], ['mens', 'womens'], ['Desert boot', hebrew], [], []]);
    expect(text(lines[2])).toBe(`Recently viewed: Desert boot and ${hebrew}.`);
  });
});
