import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { Offer } from '../../src/decide/types.js';
import type { FeedbackType } from '../../src/feedback/policy.js';
import { fillIsolated, isolate, type IsolatedText } from '../shared/bidi.js';
import { emit, type OwClaimEventDetail, type OwOfferEventDetail } from '../shared/events.js';
import { formatDateTime, formatMoney } from '../shared/format.js';
import { OfferFeedbackController } from '../shared/offer-feedback.controller.js';
import { OwElement } from '../shared/ow-element.js';
import { theme } from '../shared/theme.styles.js';
import { languageOf } from '../shared/format.js';
import { fill, safeUrl } from '../shared/support.js';
import type { WhyMessages } from '../why/why.component.js';
import { couponStyles } from './coupon.styles.js';

/** The element's words; `{percent}`, `{amount}`, `{date}` and `{code}` are filled in. */
export interface CouponMessages {
  percentOff: string;
  amountOff: string;
  minSpend: string;
  validUntil: string;
  claim: string;
  claimed: string;
  /** The name of the read-only field with the code. */
  code: string;
  copy: string;
  /** Announced when the code was copied. */
  copied: string;
  /** Announced when it could not be copied (it is left selected). */
  selected: string;
  /** Announced after claiming an offer without a code. */
  claimedNoCode: string;
  /** The dismiss button's accessible name. */
  dismiss: string;
  link: string;
  /** Words of the inner "Why am I seeing this?". */
  why?: Partial<WhyMessages>;
}

export const DEFAULT_COUPON_MESSAGES: CouponMessages = {
  percentOff: '{percent}% off',
  amountOff: '{amount} off',
  minSpend: 'Min. spend {amount}',
  validUntil: 'Valid until {date}',
  claim: 'Claim',
  claimed: 'Claimed',
  code: 'Your code',
  copy: 'Copy',
  copied: 'Code {code} copied to the clipboard.',
  selected: 'Your code is {code}. It is selected, ready to copy.',
  claimedNoCode: 'Offer claimed.',
  dismiss: 'Dismiss offer',
  link: 'Shop now',
};

/**
 * @tagname ow-coupon
 * @summary A coupon decided for this shopper: title, value, terms, a "Claim" button that reveals
 * and copies the code, a dismiss button and "Why am I seeing this?".
 *
 * Owns its impression: when half of the card has been visible for a second it reports
 * `impression` once per decision and offer (for the whole page, whichever element shows it)
 * and fires `ow-impression`. Without a `decisionId` nothing is reported, but events still fire.
 * Every server string is rendered as text, each in its own `<bdi>` (right-to-left titles and
 * codes cannot reorder the element's own words).
 *
 * @fires {CustomEvent<OwOfferEventDetail>} ow-impression - The card was viewable (once per decision and offer). `detail: { decisionId, offerId }`.
 * @fires {CustomEvent<OwClaimEventDetail>} ow-claim - The shopper claimed the coupon. `detail: { decisionId, offerId, code, copied }`.
 * @fires {CustomEvent<OwOfferEventDetail>} ow-dismiss - The shopper dismissed the offer; the element hides itself. `detail: { decisionId, offerId }`.
 * @fires {CustomEvent<OwOfferEventDetail>} ow-click - The shopper followed the offer's link. `detail: { decisionId, offerId }`.
 * @fires {CustomEvent<OwInterestEventDetail>} ow-interest-off - From the inner `<ow-why>`. `detail: { category }`.
 *
 * @csspart base - The card (`<article>` named by the offer's title).
 * @csspart header - The row with the title and the dismiss button.
 * @csspart title - The offer's title.
 * @csspart dismiss-button - The "Dismiss offer" button.
 * @csspart image - The offer's image (when it has one).
 * @csspart value - "10% off" or "€5.00 off".
 * @csspart description - The offer's description.
 * @csspart terms - The list of terms.
 * @csspart min-spend - The minimum spend.
 * @csspart expiry - The end of validity.
 * @csspart actions - The row of actions.
 * @csspart claim-button - The "Claim" button.
 * @csspart claimed - The claimed state (label, code and copy button).
 * @csspart code - The revealed code (a read-only text field).
 * @csspart copy-button - The "Copy" button shown after claiming.
 * @csspart link - The link to the offer (when it has a `url`).
 * @csspart status - The polite live region announcing the code.
 * @csspart why - The inner `<ow-why>` (its parts are exported as `why-toggle`, `why-panel`,
 *   `why-explanation`, `why-mute-button`, `why-confirmation`, `why-group`).
 *
 * @cssproperty --ow-coupon-padding - Padding of the card. Default `var(--ow-space, 12px)`.
 * @cssproperty --ow-coupon-accent-width - Width of the coloured inline-start edge. Default `4px`.
 * @cssproperty --ow-coupon-image-height - Maximum height of the image. Default `160px`.
 */
export class OwCoupon extends OwElement {
  static override styles = [theme, couponStyles];
  static override properties = {
    ...OwElement.properties,
    offer: { attribute: false },
    decisionId: { attribute: 'decision-id' },
    currency: {},
    explanation: {},
    messages: { attribute: false },
    claimed: { state: true },
    code: { state: true },
    status: { state: true },
  };

  /** The offer, as in `ow.catalog().offers`. */
  declare offer: Offer | undefined;
  /** The decision that showed the offer (feedback is reported against it). */
  declare decisionId: string;
  /** The catalog currency (ISO 4217), for amounts. */
  declare currency: string;
  /** The decision's explanation, shown by "Why am I seeing this?". */
  declare explanation: string;
  /** Words to replace (defaults in English, `DEFAULT_COUPON_MESSAGES`). */
  declare messages: Partial<CouponMessages>;
  declare protected claimed: boolean;
  declare protected code: string | undefined;
  /** The live region's message, with the code isolated. */
  declare protected status: IsolatedText | string;

  readonly #feedback = new OfferFeedbackController(this, () => this.instance());

  constructor() {
    super();
    this.offer = undefined;
    this.decisionId = '';
    this.currency = '';
    this.explanation = '';
    this.messages = {};
    this.claimed = false;
    this.code = undefined;
    this.status = '';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const previous = changed.get('offer') as Offer | undefined;
    if (changed.has('offer') && previous !== undefined && previous.id !== this.offer?.id) {
      this.claimed = false;
      this.code = undefined;
      this.status = '';
      this.hidden = false;
    }
  }

  /** Reports feedback on the shown offer; never throws (a failure is reported once). */
  protected report(type: FeedbackType): void {
    this.#feedback.report(type);
  }

  /** The message `key` (the shop's, else the default) with `values` filled in. */
  protected text(
    key: Exclude<keyof CouponMessages, 'why'>,
    values: Record<string, string> = {},
  ): string {
    return fill(this.messages?.[key] ?? DEFAULT_COUPON_MESSAGES[key], values);
  }

  /** As {@link text}, with each value in its own `<bdi>`: for messages that carry catalog text. */
  protected isolatedText(
    key: Exclude<keyof CouponMessages, 'why'>,
    values: Record<string, string>,
  ): IsolatedText {
    return fillIsolated(this.messages?.[key] ?? DEFAULT_COUPON_MESSAGES[key], values);
  }

  protected language(): string | undefined {
    return languageOf(this);
  }

  protected money(amount: number): string {
    const language = this.language();
    if (this.currency) return formatMoney(amount, this.currency, language);
    try {
      return new Intl.NumberFormat(language, { minimumFractionDigits: 2 }).format(amount);
    } catch {
      return amount.toFixed(2);
    }
  }

  /** "10% off" or "€5.00 off"; empty without a discount. */
  protected valueText(): string {
    const discount = this.offer?.discount;
    if (typeof discount?.percent === 'number') {
      let percent = String(discount.percent);
      try {
        percent = new Intl.NumberFormat(this.language(), { maximumFractionDigits: 2 }).format(
          discount.percent,
        );
      } catch {
        // keep the plain number
      }
      return this.text('percentOff', { percent });
    }
    if (typeof discount?.amount === 'number')
      return this.text('amountOff', { amount: this.money(discount.amount) });
    return '';
  }

  #codeInput(): HTMLInputElement | null {
    return this.renderRoot.querySelector<HTMLInputElement>('input[part="code"]');
  }

  #writeClipboard(code: string): Promise<boolean> {
    try {
      const clipboard = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
      if (!clipboard || typeof clipboard.writeText !== 'function') return Promise.resolve(false);
      return clipboard.writeText(code).then(
        () => true,
        () => false,
      );
    } catch {
      return Promise.resolve(false);
    }
  }

  /** The fallback: select the code in its read-only field and ask for `copy`. */
  #copyBySelection(): boolean {
    const input = this.#codeInput();
    if (!input) return false;
    input.focus();
    input.select();
    try {
      const exec = (document as { execCommand?: (command: string) => boolean }).execCommand;
      return typeof exec === 'function' && exec.call(document, 'copy') === true;
    } catch {
      return false;
    }
  }

  /**
   * Copies the code: the Clipboard API first (started before any await, while the click's user
   * activation holds), else a selection and `execCommand('copy')`, else the code stays selected
   * for the shopper to copy.
   */
  async #copy(code: string): Promise<boolean> {
    const writing = this.#writeClipboard(code);
    await this.updateComplete;
    const copied = (await writing) || this.#copyBySelection();
    const input = this.#codeInput();
    input?.focus();
    if (!copied) input?.select();
    this.status = this.isolatedText(copied ? 'copied' : 'selected', { code });
    return copied;
  }

  protected async claim(): Promise<void> {
    const offer = this.offer;
    if (!offer || this.claimed) return;
    const code = offer.code ?? offer.code_pool?.[0];
    this.claimed = true;
    this.code = code;
    this.report('claim');
    let copied = false;
    if (code !== undefined) copied = await this.#copy(code);
    else this.status = this.text('claimedNoCode');
    emit<OwClaimEventDetail>(this, 'ow-claim', { ...this.#feedback.detail(), code, copied });
  }

  async #copyAgain(): Promise<void> {
    if (this.code !== undefined) await this.#copy(this.code);
  }

  protected dismiss(): void {
    // Hidden first, so that a listener (e.g. <ow-offers>) already sees the card gone.
    this.hidden = true;
    this.report('dismiss');
    emit<OwOfferEventDetail>(this, 'ow-dismiss', this.#feedback.detail());
  }

  protected followLink(): void {
    this.report('click');
    emit<OwOfferEventDetail>(this, 'ow-click', this.#feedback.detail());
  }

  /** A label above the title (the member deal's badge); none for a coupon. */
  protected renderBadge(): TemplateResult | typeof nothing {
    return nothing;
  }

  protected renderClaimed(): TemplateResult {
    return html`<div part="claimed" class="claimed">
      <span part="claimed-label" class="claimed-label"
        ><span aria-hidden="true">✓ </span>${this.text('claimed')}</span
      >
      ${
        this.code !== undefined
          ? html`<input
                part="code"
                class="code"
                type="text"
                readonly
                aria-label=${this.text('code')}
                .value=${this.code}
              /><button
                part="copy-button"
                class="copy secondary"
                type="button"
                @click=${this.#copyAgain}
              >
                ${this.text('copy')}
              </button>`
          : nothing
      }
    </div>`;
  }

  /** The deal's action: "Claim", then the claimed state, and the offer's link. */
  protected renderAction(): TemplateResult {
    const url = safeUrl(this.offer?.url);
    return html`${
      this.claimed
        ? this.renderClaimed()
        : html`<button
            part="claim-button"
            class="claim"
            type="button"
            aria-describedby="title"
            @click=${this.claim}
          >
            ${this.text('claim')}
          </button>`
    }
    ${
      url
        ? html`<a
            part="link"
            class="link"
            href=${url}
            aria-describedby="title"
            @click=${this.followLink}
            >${this.text('link')}</a
          >`
        : nothing
    }`;
  }

  protected override render() {
    const offer = this.offer;
    if (!offer) return nothing;
    const language = this.language();
    const value = this.valueText();
    // Shown without a Referer: the image host need not learn the page (a search, a product) it is on.
    const image = safeUrl(offer.image);
    return html`<article part="base" class="card" aria-label=${offer.title}>
      <div part="header" class="header">
        <div class="heading">
          ${this.renderBadge()}
          <p part="title" class="title" id="title">${isolate(offer.title)}</p>
        </div>
        <button
          part="dismiss-button"
          class="dismiss"
          type="button"
          aria-label=${this.text('dismiss')}
          @click=${this.dismiss}
        >
          <span aria-hidden="true">×</span>
        </button>
      </div>
      ${
        image
          ? html`<img
              part="image"
              class="image"
              src=${image}
              alt=""
              loading="lazy"
              referrerpolicy="no-referrer"
            />`
          : nothing
      }
      ${value ? html`<p part="value" class="value">${value}</p>` : nothing}
      ${
        offer.description
          ? html`<p part="description" class="description">${isolate(offer.description)}</p>`
          : nothing
      }
      ${
        typeof offer.min_spend === 'number' || typeof offer.valid_to === 'number'
          ? html`<ul part="terms" class="terms">
              ${
                typeof offer.min_spend === 'number'
                  ? html`<li part="min-spend">
                      ${this.text('minSpend', { amount: this.money(offer.min_spend) })}
                    </li>`
                  : nothing
              }
              ${
                typeof offer.valid_to === 'number'
                  ? html`<li part="expiry">
                      ${this.text('validUntil', {
                        date: formatDateTime(offer.valid_to, language),
                      })}
                    </li>`
                  : nothing
              }
            </ul>`
          : nothing
      }
      <div part="actions" class="actions">${this.renderAction()}</div>
      <p part="status" class="status" role="status" aria-live="polite">${this.status}</p>
      ${
        this.explanation
          ? html`<ow-why
              part="why"
              exportparts="toggle: why-toggle, panel: why-panel, explanation: why-explanation, mute-button: why-mute-button, confirmation: why-confirmation, group: why-group"
              .offerwise=${this.offerwise}
              .explanation=${this.explanation}
              .category=${offer.category}
              .messages=${this.messages?.why ?? {}}
            ></ow-why>`
          : nothing
      }
    </article>`;
  }
}
