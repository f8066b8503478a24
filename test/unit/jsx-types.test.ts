// The `ow-` elements' JSX props, checked by the compiler (`npm run typecheck`): a wrong type or an
// unknown attribute must not compile. The framework bindings (jsx/*.d.ts) map exactly these types
// into React's, Preact's, Solid's and Vue's element types.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { OwElementProps, OwEventMap, OwOffersProps, OwVueProps } from '../../widgets/index.js';
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

describe('JSX props of the ow- elements', () => {
  it('are types only: the checks above are the compiler’s', () => {
    expectTypeOf<OwOffersProps['limit']>().toEqualTypeOf<number | `${number}` | undefined>();
    expectTypeOf<OwEventMap['ow-decision']>().toEqualTypeOf<CustomEvent<OwDecisionEventDetail>>();
    expectTypeOf<Window['Offerwise']>().not.toBeAny();
    // document.querySelector('ow-offers') is an OwOffers.
    expectTypeOf<HTMLElementTagNameMap['ow-offers']>().toEqualTypeOf<OwOffers>();
    const used = [offers, asWritten, recommendations, vue, wrongLimit, wordLimit, unknownAttribute];
    const more = [foreignEvent, wrongMode, wrongDetail, internalState];
    expect(used.length + more.length).toBe(11);
  });
});
