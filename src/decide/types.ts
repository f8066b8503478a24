export type {
  CandidatePolicy,
  Catalog,
  CatalogItem,
  Objective,
  Offer,
  OfferType,
  Placement,
  PolicyOptions,
  PolicySpec,
  RecommendationSettings,
  SaleItem,
  ValueOptions,
} from '../catalog/types.js';

/** One shown offer of a decision (the architecture's contract). */
export interface DecidedOffer {
  offerId: string;
  score: number;
  /** Probability that the policy shows this offer in this slot, given the candidates. */
  propensity: number;
  explanation: string;
}

export interface Decision {
  decisionId: string;
  placement: string;
  offers: DecidedOffer[];
  modelVersion: string;
  source: 'model' | 'fallback' | 'cache';
  /** ms since epoch (local clock). */
  at: number;
  /** True when the shopper is in the holdout and saw no personalized offer. */
  holdout?: boolean;
}
