/**
 * What each number of the effect report means, in words: written into `report.json`
 * (`definitions`) and the README ("Effect reports").
 */
export const DEFINITIONS = {
  dedupe:
    'Events are deduplicated on their id (a retried or re-beaconed event can be stored twice). Events with an unknown type, a missing field or a propensity outside (0, 1] are not counted (invalidEvents).',
  unit: 'The wire format carries no shopper id (deliberately: nothing personal). The unit is the decision: a decision id with the offers its feedback names ("shown" = decision-offer pairs with at least one event; the logs do not list what was shown without feedback). Events without a decision id (anonymous measurement) cannot be joined and are only counted (anonymous).',
  day: "UTC day of a decision-offer pair's first event.",
  viewableRate:
    'impressions / shown: share of decision-offer pairs with an impression (the SDK reports one once the offer was on screen for a second).',
  clickThrough: 'clicks / impressions (decision-offer pairs clicked, per pair with an impression).',
  claimRate: 'claims / impressions.',
  dismissRate: 'dismissals / impressions.',
  participation:
    'engaged / shown: share of the decisions that showed the offer in which the shopper clicked or claimed it (share of decisions, not of shoppers: no shopper id is logged).',
  conversion:
    "With --orders: orders attributed to a decision (one JSON object per line: orderId, decisionId, value (or revenue, as the simulator writes), optional offerId of the coupon used; deduped on orderId). conversion = pairs whose decision has an order / shown. An order's revenue goes to the offer it names, else it is split evenly over the offers its decision showed.",
  holdout:
    "The SDK logs holdout decisions (a sticky share of consenting shoppers who see the non-personalized ranking) with modelVersion 'none' and propensity 1: those are the holdout arm, every other decision with a decision id is personalized. Per decision: engaged (a click or claim), claimed, converted; difference personalized − holdout with Newcombe's hybrid score 95% interval, revenue per decision with Welch's normal interval. Decisions of one shopper are not independent (the holdout is sticky per shopper), so the intervals are somewhat too narrow.",
  targeting:
    'Predicted to respond = logged propensity ≥ threshold (the policy gives its top-scored offer most of the probability and explored ones the exploration floor, so a high propensity means the model chose the offer; the wire format carries no model score). Responded = clicked or claimed. Over personalized decision-offer pairs with an impression.',
} as const;
