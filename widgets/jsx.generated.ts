// Generated from custom-elements.json by widgets/build/jsx-types.mjs: do not edit. An element's
// props and events come from its class and its JSDoc; after changing them, run
// `node widgets/build/jsx-types.mjs` (`npm run types:jsx`). widgets/jsx.ts maps them into JSX.

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
import type {
  OwClaimEventDetail,
  OwDecisionEventDetail,
  OwInterestEventDetail,
  OwItemEventDetail,
  OwOfferEventDetail,
} from './shared/events.js';
import type { OwWhy, WhyMessages } from './why/why.component.js';

/** A numeric property: a number, or the string a framework passes as written (`limit="2"`). */
export type OwNumber = number | `${number}`;

/** `<ow-coupon>`'s properties, and its attributes whose name is not a property's. */
export interface OwCouponProps {
  /** The offer, as in `ow.catalog().offers`. */
  offer?: Offer | undefined;
  /** The decision that showed the offer (feedback is reported against it). */
  decisionId?: string;
  /** The `decisionId` property, as an attribute. */
  'decision-id'?: string;
  /** The catalog currency (ISO 4217), for amounts. */
  currency?: string;
  /** The decision's explanation, shown by "Why am I seeing this?". */
  explanation?: string;
  /** Words to replace (defaults in English, `DEFAULT_COUPON_MESSAGES`). */
  messages?: Partial<CouponMessages>;
  /** The instance; default the page's (`useOfferwise()`, or the script tag's). */
  offerwise?: Offerwise | undefined;
}

/** The events that reach `<ow-coupon>`: its own, and its inner elements'. */
export interface OwCouponEvents {
  /** The card was viewable (once per decision and offer). `detail: { decisionId, offerId }`. */
  'ow-impression': CustomEvent<OwOfferEventDetail>;
  /** The shopper claimed the coupon. `detail: { decisionId, offerId, code, copied }`. */
  'ow-claim': CustomEvent<OwClaimEventDetail>;
  /** The shopper dismissed the offer; the element hides itself. `detail: { decisionId, offerId }`. */
  'ow-dismiss': CustomEvent<OwOfferEventDetail>;
  /** The shopper followed the offer's link. `detail: { decisionId, offerId }`. */
  'ow-click': CustomEvent<OwOfferEventDetail>;
  /** From the inner `<ow-why>`. `detail: { category }`. */
  'ow-interest-off': CustomEvent<OwInterestEventDetail>;
}

/** `<ow-flash-sale>`'s properties, and its attributes whose name is not a property's. */
export interface OwFlashSaleProps {
  /** The flash-sale offer (type `flash_sale`, with `items`, `starts_at` and `ends_at`). */
  offer?: Offer | undefined;
  /** The decision that showed it; clicks and impressions are reported against it. */
  decisionId?: string | undefined;
  /** The `decisionId` property, as an attribute. */
  'decision-id'?: string | undefined;
  /** ISO 4217 code of the prices; default the catalog's. */
  currency?: string | undefined;
  /** Why the shopper sees this offer, shown by `<ow-why>`. */
  explanation?: string | undefined;
  /** Server clock minus local clock, ms; default the catalog's `server_time - received_at`, else 0. */
  serverOffset?: OwNumber | undefined;
  /** The `serverOffset` property, as an attribute. */
  'server-offset'?: OwNumber | undefined;
  /** Minutes left from which the sale reads "Ending soon" (default 10). */
  endingSoonMinutes?: OwNumber;
  /** The `endingSoonMinutes` property, as an attribute. */
  'ending-soon-minutes'?: OwNumber;
  /** The words shown and announced (defaults in English); a word left out keeps its default. */
  messages?: Partial<FlashSaleMessages>;
  /** The instance; default the page's (`useOfferwise()`, or the script tag's). */
  offerwise?: Offerwise | undefined;
}

/** The events that reach `<ow-flash-sale>`: its own, and its inner elements'. */
export interface OwFlashSaleEvents {
  /** The shopper followed an item's link (`{ decisionId, offerId }`); also reported as `click`. */
  'ow-click': CustomEvent<OwOfferEventDetail>;
  /** Half the sale (30% of a sale of 242,500 px² or more) was visible for a second (`{ decisionId, offerId }`); also reported. */
  'ow-impression': CustomEvent<OwOfferEventDetail>;
  /** From the inner `<ow-why>` (`{ category }`). */
  'ow-interest-off': CustomEvent<OwInterestEventDetail>;
}

/** `<ow-member-deal>`'s properties, and its attributes whose name is not a property's. */
export interface OwMemberDealProps {
  /** Whether the shopper is signed in as a member (the shop knows; default false). */
  member?: boolean;
  /** Where a non-member signs in (`https:` or a same-origin path). */
  signInUrl?: string;
  /** The `signInUrl` property, as an attribute. */
  'sign-in-url'?: string;
  /** Words to replace (defaults in English, `DEFAULT_MEMBER_DEAL_MESSAGES`). */
  messages?: Partial<MemberDealMessages>;
  /** The offer, as in `ow.catalog().offers`. */
  offer?: Offer | undefined;
  /** The decision that showed the offer (feedback is reported against it). */
  decisionId?: string;
  /** The `decisionId` property, as an attribute. */
  'decision-id'?: string;
  /** The catalog currency (ISO 4217), for amounts. */
  currency?: string;
  /** The decision's explanation, shown by "Why am I seeing this?". */
  explanation?: string;
  /** The instance; default the page's (`useOfferwise()`, or the script tag's). */
  offerwise?: Offerwise | undefined;
}

/** The events that reach `<ow-member-deal>`: its own, and its inner elements'. */
export interface OwMemberDealEvents {
  /** The card was viewable (once per decision and offer). `detail: { decisionId, offerId }`. */
  'ow-impression': CustomEvent<OwOfferEventDetail>;
  /** A member claimed the deal. `detail: { decisionId, offerId, code, copied }`. */
  'ow-claim': CustomEvent<OwClaimEventDetail>;
  /** The shopper dismissed the deal; the element hides itself. `detail: { decisionId, offerId }`. */
  'ow-dismiss': CustomEvent<OwOfferEventDetail>;
  /** The shopper followed the deal's link or the sign-in link. `detail: { decisionId, offerId }`. */
  'ow-click': CustomEvent<OwOfferEventDetail>;
  /** From the inner `<ow-why>`. `detail: { category }`. */
  'ow-interest-off': CustomEvent<OwInterestEventDetail>;
}

/** `<ow-my-data>`'s properties, and its attributes whose name is not a property's. */
export interface OwMyDataProps {
  /**
   * The words shown (defaults in English); replace the object to translate. A word left out
   * keeps its default.
   */
  messages?: Partial<MyDataMessages>;
  /** The instance; default the page's (`useOfferwise()`, or the script tag's). */
  offerwise?: Offerwise | undefined;
}

/** The events that reach `<ow-my-data>`: its own, and its inner elements'. */
export interface OwMyDataEvents {}

/** `<ow-offers>`'s properties, and its attributes whose name is not a property's. */
export interface OwOffersProps {
  /** The placement to decide for (the catalog's `placements` key). */
  placement?: string;
  /** Offers to show at most (1 to 20; a numeric string counts); default the placement's `limit`. */
  limit?: OwNumber | undefined;
  /** A floor under its height, reserved before a decision (a CSS length; a bare number is px). */
  minHeight?: string;
  /** The `minHeight` property, as an attribute. */
  'min-height'?: string;
  /**
   * The offer types this placement can show (`"coupon member_deal flash_sale"`, spaces or
   * commas), for the skeletons only; default the catalog placement's. Unknown words are reported
   * once (`ow_offers_invalid_types`) and ignored: the skeletons follow the known ones, or the
   * default when there are none.
   */
  types?: string;
  /** The shopper is a signed-in member: decides with `context.member` and lets members claim. */
  member?: boolean;
  /** Where a non-member signs in, for member deals. */
  signInUrl?: string;
  /** The `signInUrl` property, as an attribute. */
  'sign-in-url'?: string;
  /** The accessible name of the region. Default "Offers for you". */
  label?: string;
  /** Words for the offer elements, by type. */
  messages?: OffersMessages;
  /** The instance; default the page's (`useOfferwise()`, or the script tag's). */
  offerwise?: Offerwise | undefined;
}

/** The events that reach `<ow-offers>`: its own, and its inner elements'. */
export interface OwOffersEvents {
  /** A decision is on screen. `detail: { decisionId, placement, source, offerIds }` (for QA tools: `offerwise.inspect(decisionId)`). */
  'ow-decision': CustomEvent<OwDecisionEventDetail>;
  /** From the offer elements. `detail: { decisionId, offerId }`. */
  'ow-impression': CustomEvent<OwOfferEventDetail>;
  /** From the offer elements. `detail: { decisionId, offerId, code, copied }`. */
  'ow-claim': CustomEvent<OwClaimEventDetail>;
  /** From the offer elements. `detail: { decisionId, offerId }`. */
  'ow-dismiss': CustomEvent<OwOfferEventDetail>;
  /** From the offer elements. `detail: { decisionId, offerId }`. */
  'ow-click': CustomEvent<OwOfferEventDetail>;
  /** From the offer elements' "Why am I seeing this?". `detail: { category }`. */
  'ow-interest-off': CustomEvent<OwInterestEventDetail>;
}

/** `<ow-recommendations>`'s properties, and its attributes whose name is not a property's. */
export interface OwRecommendationsProps {
  /** The placement the products are ranked for (its catalog `items`, if any, are the candidates). */
  placement?: string;
  /**
   * What the strip shows: `for-you` (default), `discover` or `recently-viewed` (see
   * `RecommendMode`); any other value is reported and shows `for-you`.
   */
  mode?: RecommendMode;
  /** Products at most (1 to 50; a numeric string counts); default the placement's `limit`, else 8. */
  limit?: OwNumber | undefined;
  /** Item ids never shown (e.g. the product on this page). */
  exclude?: string[] | undefined;
  /** The element's words (defaults in English); a word left out keeps its default. */
  messages?: Partial<RecommendationsMessages>;
  /** The instance; default the page's (`useOfferwise()`, or the script tag's). */
  offerwise?: Offerwise | undefined;
}

/** The events that reach `<ow-recommendations>`: its own, and its inner elements'. */
export interface OwRecommendationsEvents {
  /** The shopper followed a product (`{ itemId, placement }`). */
  'ow-item-click': CustomEvent<OwItemEventDetail>;
}

/** `<ow-why>`'s properties, and its attributes whose name is not a property's. */
export interface OwWhyProps {
  /** The decision's explanation of this offer (plain text). */
  explanation?: string;
  /** The offer's category (lower case); `any` or empty offers no mute button. */
  category?: string;
  /**
   * The shopper group's label to name; empty: asked of the instance's `profile()` when the panel
   * first opens (nothing is named without a segments file).
   */
  group?: string;
  /** Whether the explanation is shown. */
  open?: boolean;
  /** Words to replace (defaults in English, `DEFAULT_WHY_MESSAGES`). */
  messages?: Partial<WhyMessages>;
  /** The instance; default the page's (`useOfferwise()`, or the script tag's). */
  offerwise?: Offerwise | undefined;
}

/** The events that reach `<ow-why>`: its own, and its inner elements'. */
export interface OwWhyEvents {
  /** The shopper turned off an interest. `detail: { category }`. */
  'ow-interest-off': CustomEvent<OwInterestEventDetail>;
}

/** Each element's class, by tag (as `HTMLElementTagNameMap` has them once the elements load). */
export interface OwElementClasses {
  'ow-coupon': OwCoupon;
  'ow-flash-sale': OwFlashSale;
  'ow-member-deal': OwMemberDeal;
  'ow-my-data': OwMyData;
  'ow-offers': OwOffers;
  'ow-recommendations': OwRecommendations;
  'ow-why': OwWhy;
}

/** Each element's properties and attributes, without its events. */
export interface OwElementAttributes {
  'ow-coupon': OwCouponProps;
  'ow-flash-sale': OwFlashSaleProps;
  'ow-member-deal': OwMemberDealProps;
  'ow-my-data': OwMyDataProps;
  'ow-offers': OwOffersProps;
  'ow-recommendations': OwRecommendationsProps;
  'ow-why': OwWhyProps;
}

/** Each element's events, by name, with the event each handler receives. */
export interface OwElementEventTypes {
  'ow-coupon': OwCouponEvents;
  'ow-flash-sale': OwFlashSaleEvents;
  'ow-member-deal': OwMemberDealEvents;
  'ow-my-data': OwMyDataEvents;
  'ow-offers': OwOffersEvents;
  'ow-recommendations': OwRecommendationsEvents;
  'ow-why': OwWhyEvents;
}
