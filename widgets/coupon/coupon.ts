import { defineElement } from '../shared/define.js';
import '../why/why.js';
import { OwCoupon } from './coupon.component.js';

export { OwCoupon };
defineElement('ow-coupon', OwCoupon);

declare global {
  interface HTMLElementTagNameMap {
    'ow-coupon': OwCoupon;
  }
}
