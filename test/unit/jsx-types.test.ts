// The `ow-` elements' JSX props, checked by the compiler (`npm run typecheck`): a wrong type or an
// unknown attribute must not compile. The framework bindings (jsx/*.d.ts) map exactly these types
// into React's, Preact's, Solid's and Vue's element types. The per-element types are generated
// from custom-elements.json (widgets/jsx.generated.ts): one case per element below.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  OwElementEvents,
  OwElementProps,
  OwEventMap,
  OwOffersProps,
  OwVueProps,
} from '../../widgets/index.js';
import type { OwElementEventTypes } from '../../widgets/jsx.js';
import type { Offerwise } from '../../src/offerwise.js';
import type { OwDecisionEventDetail, OwItemEventDetail } from '../../widgets/shared/events.js';
import type { OwOffers } from '../../widgets/offers/offers.component.js';
import '../../src/globals.js';

type Offers = OwElementProps['ow-offers'];
type Recommendations = OwElementProps['ow-recommendations'];

// Correct usages compile: `<ow-offers placement="home" limit={2} onow-decision={…}>`.
const offers: Offers = {
  placement: 'home',
  limit: 2,
  'min-height': '20rem',
  member: true,
  'sign-in-url': '/login',
  'onow-decision': (event) => {
    expectTypeOf(event.detail).toEqualTypeOf<OwDecisionEventDetail>();
  },
  'onow-claim': (event) => void event.detail.code,
};
// React 19 passes `limit="2"` as written: a numeric string is accepted too.
const asWritten: Offers = { placement: 'home', limit: '2' };
const recommendations: Recommendations = {
  placement: 'product',
  mode: 'discover',
  limit: 4,
  exclude: ['sku-1'],
  'onow-item-click': (event) => {
    expectTypeOf(event.detail).toEqualTypeOf<OwItemEventDetail>();
  },
};
// Vue names `@ow-decision` `onOwDecision`, and `@ow-interest-off` `onOwInterestOff`.
const vue: OwVueProps['ow-offers'] = {
  placement: 'home',
  onOwDecision: (event) => void event.detail.offerIds,
  onOwInterestOff: (event) => void event.detail.category,
};

// Mistakes do not.
// @ts-expect-error: limit is a number, not an object
const wrongLimit: Offers = { placement: 'home', limit: { n: 2 } };
// @ts-expect-error: "two" is not a numeric string
const wordLimit: Offers = { placement: 'home', limit: 'two' };
// @ts-expect-error: no such attribute
const unknownAttribute: Offers = { placement: 'home', limitt: 2 };
// @ts-expect-error: `<ow-offers>` fires no ow-item-click
const foreignEvent: Offers = { 'onow-item-click': () => undefined };
// @ts-expect-error: an unknown mode
const wrongMode: Recommendations = { placement: 'product', mode: 'trending' };
const wrongDetail: Offers = {
  // @ts-expect-error: an ow-decision carries offerIds, not itemId
  'onow-decision': (event) => event.detail.itemId,
};
// @ts-expect-error: internal state is not part of the element's props
const internalState: OwElementProps['ow-my-data'] = { busy: true };

// One case per element: what its manifest lists compiles, a wrong type does not.
const ow = {} as Offerwise;
const why: OwElementProps['ow-why'] = {
  explanation: 'You looked at shoes',
  category: 'shoes',
  group: 'buys often',
  open: true,
  offerwise: ow,
  messages: { toggle: 'Pourquoi ?' },
  'onow-interest-off': (event) => void event.detail.category,
};
// @ts-expect-error: open is a boolean
const whyOpen: OwElementProps['ow-why'] = { open: 'yes' };
const coupon: OwElementProps['ow-coupon'] = {
  'decision-id': 'd-1',
  decisionId: 'd-1',
  currency: 'EUR',
  messages: { claim: 'Réclamer' },
  'onow-claim': (event) => void event.detail.copied,
  'onow-dismiss': (event) => void event.detail.offerId,
};
// @ts-expect-error: decision-id is a string
const couponDecision: OwElementProps['ow-coupon'] = { 'decision-id': 42 };
// The member deal's own words (its class redeclares `messages`), not only the coupon's.
const memberDeal: OwElementProps['ow-member-deal'] = {
  member: true,
  'sign-in-url': '/login',
  messages: { badge: 'Mitglieder', claim: 'Einlösen' },
  'onow-click': (event) => void event.detail.decisionId,
};
// @ts-expect-error: member is a boolean
const memberDealMember: OwElementProps['ow-member-deal'] = { member: 'yes' };
// A flash sale takes part of its words, numeric strings, and hears its inner <ow-why>.
const flashSale: OwElementProps['ow-flash-sale'] = {
  'server-offset': '-250',
  'ending-soon-minutes': 5,
  endingSoonMinutes: '5',
  messages: { ended: 'Fini' },
  'onow-interest-off': (event) => void event.detail.category,
};
// @ts-expect-error: "soon" is not a numeric string
const flashSaleMinutes: OwElementProps['ow-flash-sale'] = { 'ending-soon-minutes': 'soon' };
const offersEmpty: OwElementProps['ow-offers'] = {
  placement: 'home',
  // @ts-expect-error: `empty` is the element's to set (`@readonly` in the manifest)
  empty: true,
};
const recommendationsWords: OwElementProps['ow-recommendations'] = {
  placement: 'product',
  messages: { heading: 'Für dich' },
};
// @ts-expect-error: exclude is a list of item ids
const recommendationsExclude: Recommendations = { placement: 'product', exclude: 'sku-1' };
const myData: OwElementProps['ow-my-data'] = { messages: { heading: 'Vos données' } };
// @ts-expect-error: a heading is a string
const myDataWords: OwElementProps['ow-my-data'] = { messages: { heading: 42 } };
// @ts-expect-error: <ow-my-data> fires no events
const myDataEvent: OwElementProps['ow-my-data'] = { 'onow-interest-off': () => undefined };
// @ts-expect-error: the instance is an Offerwise
const wrongInstance: OwElementProps['ow-why'] = { offerwise: 'default' };

/**
 * Every (element, event) pair whose generated type differs from `OwEventMap`'s, the catalogue
 * `addEventListener` uses: none, so a handler in JSX gets what a listener gets.
 */
type EventMismatch = {
  [T in keyof OwElementEventTypes]: {
    [E in Extract<keyof OwElementEventTypes[T], string>]: E extends keyof OwEventMap
      ? [OwElementEventTypes[T][E]] extends [OwEventMap[E]]
        ? [OwEventMap[E]] extends [OwElementEventTypes[T][E]]
          ? never
          : `${T} ${E}`
        : `${T} ${E}`
      : `${T} ${E} (not in OwEventMap)`;
  }[Extract<keyof OwElementEventTypes[T], string>];
}[keyof OwElementEventTypes];

describe('JSX props of the ow- elements', () => {
  it('are types only: the checks above are the compiler’s', () => {
    expectTypeOf<OwOffersProps['limit']>().toEqualTypeOf<number | `${number}` | undefined>();
    expectTypeOf<OwEventMap['ow-decision']>().toEqualTypeOf<CustomEvent<OwDecisionEventDetail>>();
    expectTypeOf<Window['Offerwise']>().not.toBeAny();
    // document.querySelector('ow-offers') is an OwOffers.
    expectTypeOf<HTMLElementTagNameMap['ow-offers']>().toEqualTypeOf<OwOffers>();
    expectTypeOf<EventMismatch>().toBeNever();
    expectTypeOf<OwElementEvents['ow-flash-sale']>().toEqualTypeOf<
      'ow-click' | 'ow-impression' | 'ow-interest-off'
    >();
    expectTypeOf<OwElementEvents['ow-my-data']>().toBeNever();
    const used = [offers, asWritten, recommendations, vue, wrongLimit, wordLimit, unknownAttribute];
    const more = [foreignEvent, wrongMode, wrongDetail, internalState];
    const perElement = [why, whyOpen, coupon, couponDecision, memberDeal, memberDealMember];
    const perElementToo = [flashSale, flashSaleMinutes, offersEmpty, recommendationsWords];
    const andMore = [recommendationsExclude, myData, myDataWords, myDataEvent, wrongInstance];
    expect(
      used.length + more.length + perElement.length + perElementToo.length + andMore.length,
    ).toBe(26);
  });
});
