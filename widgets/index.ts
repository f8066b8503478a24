// The `offerwise/widgets` entry: importing it defines every `ow-` element (once; a second copy
// warns) and exports their classes, default words and the instance hook.
import './why/why.js';
import './coupon/coupon.js';
import './member-deal/member-deal.js';
import './flash-sale/flash-sale.js';
import './offers/offers.js';
import './recommendations/recommendations.js';
import './my-data/my-data.js';

export { useOfferwise } from './shared/instance.js';
export { OwElement } from './shared/ow-element.js';
export { OwWhy, DEFAULT_WHY_MESSAGES } from './why/why.component.js';
export { OwCoupon, DEFAULT_COUPON_MESSAGES } from './coupon/coupon.component.js';
export { OwMemberDeal, DEFAULT_MEMBER_DEAL_MESSAGES } from './member-deal/member-deal.component.js';
export { OwFlashSale, DEFAULT_FLASH_SALE_MESSAGES } from './flash-sale/flash-sale.component.js';
export { OwOffers } from './offers/offers.component.js';
export {
  OwRecommendations,
  DEFAULT_RECOMMENDATIONS_MESSAGES,
} from './recommendations/recommendations.component.js';
export { OwMyData, DEFAULT_MY_DATA_MESSAGES } from './my-data/my-data.component.js';
export { CountdownController } from './flash-sale/countdown.controller.js';
export { ImpressionController } from './shared/impression.controller.js';

export type {
  OwOfferEventDetail,
  OwClaimEventDetail,
  OwItemEventDetail,
  OwInterestEventDetail,
  OwDecisionEventDetail,
} from './shared/events.js';
export type { WhyMessages } from './why/why.component.js';
export type { CouponMessages } from './coupon/coupon.component.js';
export type { MemberDealMessages } from './member-deal/member-deal.component.js';
export type { FlashSaleMessages } from './flash-sale/flash-sale.component.js';
export type { OffersMessages } from './offers/offers.component.js';
export type { RecommendationsMessages } from './recommendations/recommendations.component.js';
export type { MyDataMessages } from './my-data/my-data.component.js';
export type {
  OwNumber,
  OwEventMap,
  OwEventHandlers,
  OwElementEvents,
  OwElementClasses,
  OwElementAttributes,
  OwElementProps,
  OwVueProps,
  OwWhyProps,
  OwCouponProps,
  OwMemberDealProps,
  OwFlashSaleProps,
  OwOffersProps,
  OwRecommendationsProps,
  OwMyDataProps,
  OwElementEventTypes,
  OwWhyEvents,
  OwCouponEvents,
  OwMemberDealEvents,
  OwFlashSaleEvents,
  OwOffersEvents,
  OwRecommendationsEvents,
  OwMyDataEvents,
} from './jsx.js';
