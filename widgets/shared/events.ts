// The events the elements fire: namespaced `ow-`, bubbling and composed, typed below.

export interface OwOfferEventDetail {
  decisionId: string;
  offerId: string;
}
export interface OwClaimEventDetail extends OwOfferEventDetail {
  /** The code revealed (and copied, when the clipboard allowed it). */
  code: string | undefined;
  copied: boolean;
}
export interface OwItemEventDetail {
  itemId: string;
  placement: string;
}
export interface OwDecisionEventDetail {
  decisionId: string;
  placement: string;
  source: 'model' | 'fallback' | 'cache';
  /** The offers rendered, in order. */
  offerIds: string[];
}
export interface OwInterestEventDetail {
  category: string;
}

/** Fires `type` from `target`: bubbling, composed, with `detail`. */
export function emit<T>(target: EventTarget, type: string, detail: T): boolean {
  return target.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
}

/** Every event the elements fire, by name (what `addEventListener` and the JSX types use). */
export interface OwEventMap {
  /** `<ow-offers>` put a decision on screen (its id is the key to `offerwise.inspect()`). */
  'ow-decision': CustomEvent<OwDecisionEventDetail>;
  /** An offer was half visible (30% of a large one) for a second (reported once per decision and offer). */
  'ow-impression': CustomEvent<OwOfferEventDetail>;
  /** The shopper followed an offer's link or button. */
  'ow-click': CustomEvent<OwOfferEventDetail>;
  /** The shopper claimed a coupon. */
  'ow-claim': CustomEvent<OwClaimEventDetail>;
  /** The shopper dismissed an offer (it counts against its caps). */
  'ow-dismiss': CustomEvent<OwOfferEventDetail>;
  /** The shopper followed a recommended item. */
  'ow-item-click': CustomEvent<OwItemEventDetail>;
  /** The shopper turned off an interest from "Why am I seeing this?". */
  'ow-interest-off': CustomEvent<OwInterestEventDetail>;
}

declare global {
  interface GlobalEventHandlersEventMap extends OwEventMap {}
}
