import { html, type TemplateResult } from 'lit';
import {
  DEFAULT_COUPON_MESSAGES,
  OwCoupon,
  type CouponMessages,
} from '../coupon/coupon.component.js';
import { fill, safeUrl } from '../shared/support.js';
import { memberDealStyles } from './member-deal.styles.js';

/** The element's words: a coupon's, and its own. */
export interface MemberDealMessages extends CouponMessages {
  badge: string;
  /** The sign-in link for a non-member. */
  signIn: string;
  /** Said to a non-member when there is no sign-in URL. */
  membersOnly: string;
}

export const DEFAULT_MEMBER_DEAL_MESSAGES: MemberDealMessages = {
  ...DEFAULT_COUPON_MESSAGES,
  badge: 'Members',
  signIn: 'Sign in to get this deal',
  membersOnly: 'Members only: sign in to get this deal',
};

/**
 * @tagname ow-member-deal
 * @summary A members' deal: a coupon in member colours (`--ow-color-member`) with a "Members"
 * badge. A member claims it like a coupon; anyone else sees a call to sign in, linking to
 * `sign-in-url`, instead of the deal's claim button and link.
 *
 * Everything else (inputs, impression once per decision and offer, claim, dismiss, "Why am I
 * seeing this?") is `<ow-coupon>`'s. Following the sign-in link reports a `click` and fires
 * `ow-click`: it is the deal's call to action for a non-member.
 *
 * @fires {CustomEvent<OwOfferEventDetail>} ow-impression - The card was viewable (once per decision and offer). `detail: { decisionId, offerId }`.
 * @fires {CustomEvent<OwClaimEventDetail>} ow-claim - A member claimed the deal. `detail: { decisionId, offerId, code, copied }`.
 * @fires {CustomEvent<OwOfferEventDetail>} ow-dismiss - The shopper dismissed the deal; the element hides itself. `detail: { decisionId, offerId }`.
 * @fires {CustomEvent<OwOfferEventDetail>} ow-click - The shopper followed the deal's link or the sign-in link. `detail: { decisionId, offerId }`.
 * @fires {CustomEvent<OwInterestEventDetail>} ow-interest-off - From the inner `<ow-why>`. `detail: { category }`.
 *
 * @csspart base - The card (`<article>` named by the offer's title).
 * @csspart badge - The "Members" badge.
 * @csspart header - The row with the badge, the title and the dismiss button.
 * @csspart title - The offer's title.
 * @csspart dismiss-button - The "Dismiss offer" button.
 * @csspart image - The offer's image (when it has one).
 * @csspart value - "10% off" or "€5.00 off".
 * @csspart description - The offer's description.
 * @csspart terms - The list of terms.
 * @csspart min-spend - The minimum spend.
 * @csspart expiry - The end of validity.
 * @csspart actions - The row of actions.
 * @csspart claim-button - The "Claim" button (members).
 * @csspart claimed - The claimed state (label, code and copy button).
 * @csspart code - The revealed code (a read-only text field).
 * @csspart copy-button - The "Copy" button shown after claiming.
 * @csspart link - The link to the offer (members, when it has a `url`).
 * @csspart sign-in-link - The "Sign in" call to action (non-members, with `sign-in-url`).
 * @csspart sign-in-text - The "Members only" text (non-members, without `sign-in-url`).
 * @csspart status - The polite live region announcing the code.
 * @csspart why - The inner `<ow-why>` (its parts are exported as `why-toggle`, `why-panel`,
 *   `why-explanation`, `why-mute-button`, `why-confirmation`, `why-group`).
 *
 * @cssproperty --ow-color-member - The member colour (edge, badge, buttons). Default `#6a3fa0` (dark: `#d7bbff`).
 * @cssproperty --ow-coupon-padding - Padding of the card. Default `var(--ow-space, 12px)`.
 * @cssproperty --ow-coupon-accent-width - Width of the coloured inline-start edge. Default `4px`.
 * @cssproperty --ow-coupon-image-height - Maximum height of the image. Default `160px`.
 */
export class OwMemberDeal extends OwCoupon {
  static override styles = [...OwCoupon.styles, memberDealStyles];
  static override properties = {
    ...OwCoupon.properties,
    member: { type: Boolean, reflect: true },
    signInUrl: { attribute: 'sign-in-url' },
  };

  /** Whether the shopper is signed in as a member (the shop knows; default false). */
  declare member: boolean;
  /** Where a non-member signs in (`https:` or a same-origin path). */
  declare signInUrl: string;
  /** Words to replace (defaults in English, `DEFAULT_MEMBER_DEAL_MESSAGES`). */
  declare messages: Partial<MemberDealMessages>;

  constructor() {
    super();
    this.member = false;
    this.signInUrl = '';
  }

  #memberText(key: 'badge' | 'signIn' | 'membersOnly'): string {
    return fill(this.messages?.[key] ?? DEFAULT_MEMBER_DEAL_MESSAGES[key], {});
  }

  protected override renderBadge(): TemplateResult {
    return html`<span part="badge" class="badge">${this.#memberText('badge')}</span>`;
  }

  protected override renderAction(): TemplateResult {
    if (this.member) return super.renderAction();
    const url = safeUrl(this.signInUrl);
    return url
      ? html`<a
          part="sign-in-link"
          class="sign-in"
          href=${url}
          aria-describedby="title"
          @click=${this.followLink}
          >${this.#memberText('signIn')}</a
        >`
      : html`<p part="sign-in-text" class="sign-in-text">${this.#memberText('membersOnly')}</p>`;
  }

  protected override claim(): Promise<void> {
    // Only a member can claim, whatever a stale render or a script asks.
    return this.member ? super.claim() : Promise.resolve();
  }
}
