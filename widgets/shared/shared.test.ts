import { afterEach, describe, expect, it, vi } from 'vitest';
import { render } from 'lit';
import { fillIsolated, isolatedList } from './bidi.js';
import { defineElement } from './define.js';
import { formatMoney, languageOf } from './format.js';
import { defaultOfferwise, resetDefaultOfferwise, useOfferwise } from './instance.js';
import type { Offerwise } from '../../src/offerwise.js';

afterEach(() => {
  vi.restoreAllMocks();
  resetDefaultOfferwise();
  document.body.innerHTML = '';
});

describe('defineElement', () => {
  it('defines once; a second copy warns with a code and keeps the first definition', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    class First extends HTMLElement {}
    class Second extends HTMLElement {}
    defineElement('ow-test-twice', First);
    defineElement('ow-test-twice', Second);
    defineElement('ow-test-twice', First); // the same class again: silent
    expect(customElements.get('ow-test-twice')).toBe(First);
    expect(warn.mock.calls).toEqual([
      [
        '[offerwise] ow_define_twice: <ow-test-twice> is already defined; keeping the first definition',
      ],
    ]);
  });
});

describe('languageOf and formatMoney', () => {
  it('follows the closest lang, through shadow roots, then the document', () => {
    document.documentElement.setAttribute('lang', 'en');
    const host = document.createElement('div');
    host.setAttribute('lang', 'de');
    document.body.append(host);
    const inner = document.createElement('span');
    host.attachShadow({ mode: 'open' }).append(inner);
    expect(languageOf(inner)).toBe('de');
    const plain = document.createElement('span');
    document.body.append(plain);
    expect(languageOf(plain)).toBe('en');
  });

  it('formats in the currency and language, and falls back for a bad currency', () => {
    expect(formatMoney(12.5, 'EUR', 'en')).toBe('€12.50');
    expect(formatMoney(12.5, 'EUR', 'de').replace(/\s/g, ' ')).toBe('12,50 €');
    expect(formatMoney(12.5, 'NOT-A-CODE', 'en')).toBe('12.50 NOT-A-CODE');
  });
});

describe('the default instance', () => {
  it('resolves waiting elements once useOfferwise() is called, and later ones at once', async () => {
    const ow = { decide: () => undefined } as unknown as Offerwise;
    const waiting = defaultOfferwise();
    useOfferwise(ow);
    await expect(waiting).resolves.toBe(ow);
    await expect(defaultOfferwise()).resolves.toBe(ow);
  });
});

describe('catalog text isolated (audit finding 8)', () => {
  /** Renders `value` into a fresh element: its child nodes as [tag or #text, text]. */
  function nodes(value: unknown): [string, string][] {
    const host = document.createElement('p');
    render(value, host);
    return [...host.childNodes]
      .filter((n) => n.nodeType === 1 || (n.nodeType === 3 && n.textContent !== ''))
      .map((n) => [n.nodeType === 1 ? (n as Element).localName : '#text', n.textContent ?? '']);
  }

  it('fillIsolated() puts each value in a <bdi> between the literal words', () => {
    const code = 'SAVE\u202E10';
    expect(nodes(fillIsolated('Code {code} copied, {code}! {other}', { code }))).toEqual([
      ['#text', 'Code '],
      ['bdi', code],
      ['#text', ' copied, '],
      ['bdi', code],
      ['#text', '! {other}'],
    ]);
    expect(nodes(fillIsolated('{n}', { n: 3 }))).toEqual([['bdi', '3']]);
    expect(nodes(fillIsolated('No values', {}))).toEqual([['#text', 'No values']]);
  });

  it('isolatedList() joins in the language, each name in a <bdi>, the words outside', () => {
    const names = ['\u05E9\u05DE\u05DC\u05D4', 'Silk scarf', 'boot \u202E'];
    expect(nodes(fillIsolated('Viewed: {list}.', { list: isolatedList(names, 'en') }))).toEqual([
      ['#text', 'Viewed: '],
      ['bdi', names[0]!],
      ['#text', ', '],
      ['bdi', names[1]!],
      ['#text', ', and '],
      ['bdi', names[2]!],
      ['#text', '.'],
    ]);
    expect(nodes(isolatedList(['a', 'b'], 'de'))).toEqual([
      ['bdi', 'a'],
      ['#text', ' und '],
      ['bdi', 'b'],
    ]);
  });
});
