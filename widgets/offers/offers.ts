import { defineElement } from '../shared/define.js';
import '../coupon/coupon.js';
import '../member-deal/member-deal.js';
import { OwOffers } from './offers.component.js';

export { OwOffers };
defineElement('ow-offers', OwOffers);

declare global {
  interface HTMLElementTagNameMap {
    'ow-offers': OwOffers;
  }
}
