import { defineElement } from '../shared/define.js';
import '../why/why.js';
import { OwMemberDeal } from './member-deal.component.js';

export { OwMemberDeal };
defineElement('ow-member-deal', OwMemberDeal);

declare global {
  interface HTMLElementTagNameMap {
    'ow-member-deal': OwMemberDeal;
  }
}
