import { describe, expect, it } from 'vitest';
import { emptyAggregates } from '../profile/aggregates.js';
import { DEFAULT_PROFILE_OPTIONS } from '../profile/options.js';
import { toSnapshot, type ProfileSnapshot } from '../profile/snapshot.js';
import { explain, genericExplanation } from './explain.js';
import type { Offer } from './types.js';

const NOW = Date.UTC(2026, 10, 28, 12);
const DAY = 86_400_000;
const base = toSnapshot(emptyAggregates(), NOW, DEFAULT_PROFILE_OPTIONS, 'indexeddb', 'granted');
const p = (o: Partial<ProfileSnapshot>): ProfileSnapshot => ({ ...base, ...o });
const offer: Offer = {
  id: 'o',
  type: 'coupon',
  title: 't',
  category: 'womens_shoes',
  discount: { percent: 10 },
  code: 'C',
  member_only: false,
  placements: [],
};
const opts = { serverNow: NOW, currency: 'EUR', locale: 'en-GB' };

describe('explain', () => {
  it.each([
    [
      'bought in the category',
      p({ purchasedCategories: [{ category: 'womens_shoes', count: 1, lastAt: NOW - 10 * DAY }] }),
      offer,
      'You have bought Womens Shoes here before',
    ],
    [
      'browses the category',
      p({
        categories: [
          { category: 'womens_shoes', score: 3 },
          { category: 'mens', score: 2 },
        ],
      }),
      offer,
      'You often browse Womens Shoes',
    ],
    [
      'a small interest is not "often"',
      p({
        categories: [
          { category: 'womens_shoes', score: 1 },
          { category: 'mens', score: 9 },
        ],
      }),
      offer,
      'An offer available to you now',
    ],
    [
      'lapsed customer',
      p({ daysSinceLastPurchase: 120 }),
      { ...offer, category: 'any' },
      "It's been a while — here's 10% off",
    ],
    [
      'amount off, in the catalog currency',
      p({ daysSinceLastPurchase: 120 }),
      { ...offer, category: 'any', discount: { amount: 5 } },
      "It's been a while — here's €5.00 off",
    ],
    [
      'cart qualifies',
      p({ cart: { lines: [], itemCount: 1, value: 60, currency: 'EUR' } }),
      { ...offer, category: 'any', min_spend: 50 },
      'Your cart qualifies for this offer',
    ],
    ['nothing true to say about the shopper', base, offer, 'An offer available to you now'],
  ] as [string, ProfileSnapshot, Offer, string][])('%s', (_name, profile, o, expected) => {
    expect(explain(o, profile, opts)).toBe(expected);
  });

  it('is localisable', () => {
    const profile = p({ categories: [{ category: 'womens_shoes', score: 3 }] });
    expect(
      explain(offer, profile, {
        ...opts,
        messages: { browsesCategory: 'Du stöberst oft in {category}' },
      }),
    ).toBe('Du stöberst oft in Womens Shoes');
    expect(genericExplanation({ generic: 'Jetzt verfügbar' })).toBe('Jetzt verfügbar');
  });

  it('formats amounts per locale and currency, each its own (formatters are kept between calls)', () => {
    const lapsed = p({ daysSinceLastPurchase: 120 });
    const five = { ...offer, category: 'any', discount: { amount: 5 } };
    const line = (currency: string, locale: string) =>
      explain(five, lapsed, { ...opts, currency, locale });
    for (let round = 0; round < 2; round++) {
      expect(line('EUR', 'en-GB')).toBe("It's been a while — here's €5.00 off");
      expect(line('USD', 'en-US')).toBe("It's been a while — here's $5.00 off");
      expect(line('EUR', 'de-DE')).toBe("It's been a while — here's 5,00\u00a0€ off");
      // A currency Intl refuses: the amount and the code, every time.
      expect(line('EURO', 'en-GB')).toBe("It's been a while — here's 5 EURO off");
    }
  });

  it('inserts names and amounts as they are: no replacement patterns', () => {
    const bought = p({
      purchasedCategories: [{ category: "a$'b$&", count: 1, lastAt: NOW - DAY }],
    });
    expect(explain({ ...offer, category: "a$'b$&" }, bought, opts)).toBe(
      "You have bought A$'b$& here before",
    );
  });
});

describe('right-to-left names in explanations', () => {
  it('isolates a name with right-to-left letters or bidi controls, and only such a name', () => {
    const hebrew = { ...offer, category: 'נעליים' };
    const bought = (category: string) =>
      p({ purchasedCategories: [{ category, count: 1, lastAt: NOW - DAY }] });
    expect(explain(hebrew, bought('נעליים'), opts)).toBe(
      'You have bought \u2068נעליים\u2069 here before',
    );
    const override = { ...offer, category: 'shoes\u202e' };
    expect(explain(override, bought('shoes\u202e'), opts)).toBe(
      'You have bought \u2068Shoes\u202e\u2069 here before',
    );
    expect(explain(offer, bought('womens_shoes'), opts)).toBe(
      'You have bought Womens Shoes here before',
    );
  });
});
