// What each `ow-` element takes in markup, for JSX and templates: its public properties, its
// attributes (spelled as in HTML) and an `on<event>` handler per event that reaches it (its own,
// and those bubbling out of the elements it renders). Framework-neutral: the bindings for React
// 19, Preact, Solid and Vue (jsx/*.d.ts, `offerwise/jsx-react`, …) map these into each
// framework's own element types. Internal state (`@state`) is left out on purpose.
//
// React 19 and Preact set a property when the element has one (`limit={2}` → `el.limit = 2`) and
// an attribute otherwise (`sign-in-url`), and add a listener for `on` + the rest of the name
// (`onow-decision` → `ow-decision`): hence both spellings below, and the `onow-*` handlers.
import type { Offer } from '../src/decide/types.js';
import type { Offerwise } from '../src/offerwise.js';
import type { RecommendMode } from '../src/recommend/recommend.js';
import type { CouponMessages, OwCoupon } from './coupon/coupon.component.js';
import type { FlashSaleMessages, OwFlashSale } from './flash-sale/flash-sale.component.js';
import type { MemberDealMessages, OwMemberDeal } from './member-deal/member-deal.component.js';
import type { MyDataMessages, OwMyData } from './my-data/my-data.component.js';
import type { OffersMessages, OwOffers } from './offers/offers.component.js';
import type {
  OwRecommendations,
  RecommendationsMessages,
} from './recommendations/recommendations.component.js';
import type { OwEventMap } from './shared/events.js';
import type { OwWhy, WhyMessages } from './why/why.component.js';

/** A numeric property: a number, or the string a framework passes as written (`limit="2"`). */
export type OwNumber = number | `${number}`;

export type { OwEventMap };

/** `onow-decision`-style handlers (React 19, Preact, Solid) for the events `E`. */
export type OwEventHandlers<E extends keyof OwEventMap> = {
  [K in E as `on${K}`]?: (event: OwEventMap[K]) => void;
};

/** The events that reach each element (bubbling and composed, so an outer element hears its inner ones'). */
export interface OwElementEvents {
  'ow-why': 'ow-interest-off';
  'ow-coupon': 'ow-impression' | 'ow-click' | 'ow-claim' | 'ow-dismiss' | 'ow-interest-off';
  'ow-member-deal': 'ow-impression' | 'ow-click' | 'ow-claim' | 'ow-dismiss' | 'ow-interest-off';
  'ow-flash-sale': 'ow-impression' | 'ow-click' | 'ow-interest-off';
  'ow-offers':
    'ow-decision' | 'ow-impression' | 'ow-click' | 'ow-claim' | 'ow-dismiss' | 'ow-interest-off';
  'ow-recommendations': 'ow-item-click';
  'ow-my-data': never;
}

interface OwBaseProps {
  /** The instance; default the page's (`useOfferwise()`, or the script tag's). */
  offerwise?: Offerwise;
}

export interface OwWhyProps extends OwBaseProps {
  explanation?: string;
  category?: string;
  group?: string;
  open?: boolean;
  messages?: Partial<WhyMessages>;
}

export interface OwCouponProps extends OwBaseProps {
  offer?: Offer;
  decisionId?: string;
  'decision-id'?: string;
  currency?: string;
  explanation?: string;
  messages?: Partial<CouponMessages>;
}

export interface OwMemberDealProps extends Omit<OwCouponProps, 'messages'> {
  member?: boolean;
  signInUrl?: string;
  'sign-in-url'?: string;
  messages?: Partial<MemberDealMessages>;
}

export interface OwFlashSaleProps extends OwBaseProps {
  offer?: Offer;
  decisionId?: string;
  'decision-id'?: string;
  currency?: string;
  explanation?: string;
  serverOffset?: OwNumber;
  'server-offset'?: OwNumber;
  endingSoonMinutes?: OwNumber;
  'ending-soon-minutes'?: OwNumber;
  messages?: Partial<FlashSaleMessages>;
}

export interface OwOffersProps extends OwBaseProps {
  placement?: string;
  limit?: OwNumber;
  minHeight?: string;
  'min-height'?: string;
  types?: string;
  member?: boolean;
  signInUrl?: string;
  'sign-in-url'?: string;
  label?: string;
  messages?: OffersMessages;
}

export interface OwRecommendationsProps extends OwBaseProps {
  placement?: string;
  mode?: RecommendMode;
  limit?: OwNumber;
  exclude?: string[];
  messages?: Partial<RecommendationsMessages>;
}

export interface OwMyDataProps extends OwBaseProps {
  messages?: MyDataMessages;
}

/** Each element's class, by tag (as `HTMLElementTagNameMap` has them once the elements load). */
export interface OwElementClasses {
  'ow-why': OwWhy;
  'ow-coupon': OwCoupon;
  'ow-member-deal': OwMemberDeal;
  'ow-flash-sale': OwFlashSale;
  'ow-offers': OwOffers;
  'ow-recommendations': OwRecommendations;
  'ow-my-data': OwMyData;
}

/** Each element's properties and attributes, without its events. */
export interface OwElementAttributes {
  'ow-why': OwWhyProps;
  'ow-coupon': OwCouponProps;
  'ow-member-deal': OwMemberDealProps;
  'ow-flash-sale': OwFlashSaleProps;
  'ow-offers': OwOffersProps;
  'ow-recommendations': OwRecommendationsProps;
  'ow-my-data': OwMyDataProps;
}

/** Each element's props in JSX (React 19, Preact, Solid): properties, attributes, `onow-*` handlers. */
export type OwElementProps = {
  [K in keyof OwElementAttributes]: OwElementAttributes[K] & OwEventHandlers<OwElementEvents[K]>;
};

/** `ow-decision` → `OwDecision`: how Vue names an `@ow-decision` listener (`onOwDecision`). */
type Pascal<S extends string> = S extends `${infer H}-${infer T}`
  ? `${Capitalize<H>}${Pascal<T>}`
  : Capitalize<S>;

/** Each element's props in a Vue template: the attributes, and `onOwDecision`-style listeners. */
export type OwVueProps = {
  [K in keyof OwElementAttributes]: OwElementAttributes[K] & {
    [E in OwElementEvents[K] as `on${Pascal<E>}`]?: (event: OwEventMap[E]) => void;
  };
};
