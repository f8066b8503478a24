import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Offer } from '../../src/decide/types.js';
import type { FeedbackType } from '../../src/feedback/policy.js';
import type { Offerwise } from '../../src/offerwise.js';
import { emit, type OwOfferEventDetail } from './events.js';
import { firstImpression, ImpressionController } from './impression.controller.js';
import { reportFeedback } from './support.js';

/** An element that shows one offer of a decision. */
export interface OfferHost extends ReactiveControllerHost, HTMLElement {
  offer: Offer | undefined;
  decisionId: string | undefined;
  readonly renderRoot: HTMLElement | DocumentFragment;
}

/**
 * The feedback of an element that shows one offer of a decision (`<ow-coupon>`, `<ow-member-deal>`,
 * `<ow-flash-sale>`), all against its `decisionId` and `offer.id`: the impression, watched again
 * for each new decision or offer in the element and, once its `[part~="base"]` has been viewable,
 * reported once per decision and offer on the page with an `ow-impression` event; and the
 * element's other feedback (`report`). Reporting never throws (a failure is reported once), and
 * without a decision id nothing is reported, but the events still fire.
 */
export class OfferFeedbackController implements ReactiveController {
  readonly #host: OfferHost;
  readonly #instance: () => Promise<Offerwise>;
  readonly #impression: ImpressionController;
  /** `decisionId|offerId` of the impression being watched. */
  #watched = '';

  constructor(host: OfferHost, instance: () => Promise<Offerwise>) {
    this.#host = host;
    this.#instance = instance;
    // Added before the impression's controller, so a new offer resets it before it looks again.
    host.addController(this);
    this.#impression = new ImpressionController(
      host,
      () => host.renderRoot?.querySelector?.('[part~="base"]'),
      () => this.#impress(),
    );
  }

  hostUpdated(): void {
    const { decisionId, offerId } = this.detail();
    const key = `${decisionId}|${offerId}`;
    if (key === this.#watched) return;
    // A new decision or offer in the same element is a new impression to watch for.
    if (this.#watched) this.#impression.reset();
    this.#watched = key;
  }

  /** The events' detail: the decision and offer shown (`''` for one not set). */
  detail(): OwOfferEventDetail {
    return { decisionId: this.#host.decisionId ?? '', offerId: this.#host.offer?.id ?? '' };
  }

  /** Reports `type` on the shown offer; nothing without a decision id or an offer. */
  report(type: FeedbackType): void {
    const { decisionId, offerId } = this.detail();
    if (!decisionId || !offerId) return;
    void this.#instance().then((ow) => reportFeedback(ow, decisionId, offerId, type));
  }

  #impress(): void {
    const detail = this.detail();
    if (!detail.offerId || !firstImpression(detail.decisionId, detail.offerId)) return;
    this.report('impression');
    emit<OwOfferEventDetail>(this.#host, 'ow-impression', detail);
  }
}
