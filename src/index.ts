export { createOffers, Offerwise } from './offerwise.js';
export { OfferwiseError } from './util/errors.js';
export { version } from './version.js';
export { EVENT_NAMES } from './events/types.js';
export { DEFAULT_PROFILE_OPTIONS } from './profile/options.js';
export {
  DEFAULT_RECOMMEND_OPTIONS,
  DEFAULT_RECOMMENDATION_MESSAGES,
  rankItems,
} from './recommend/recommend.js';
export { Predictor } from './predictor/predictor.js';
export {
  buildFeatures,
  FEATURE_COUNT,
  FEATURE_NAMES,
  FEATURE_SPEC_VERSION,
} from './features/spec.js';

export type { OfferwiseConfig, RecommendationConfig } from './config.js';
export type {
  Recommendation,
  RecommendRequest,
  RecommendedItem,
  RecommendationMessages,
  RecommendOptions,
  RankInput,
} from './recommend/recommend.js';
export type { ConsentOptions, TrackStats } from './offerwise.js';
export type { FeedbackStatus, FlushSummary } from './feedback/outbox.js';
export type {
  Catalog,
  CatalogItem,
  Decision,
  DecidedOffer,
  Offer,
  Placement,
  SaleItem,
} from './decide/types.js';
export type { DecideRequest, DecisionInspection, InspectedCandidate } from './decide/decider.js';
export type { OfferwiseErrorCode } from './util/errors.js';
export type { Diagnostic } from './util/diagnostics.js';
export type { DiagnosticCode } from './util/diagnostic-codes.js';
export type { Consent, ConsentAdapter } from './privacy/consent.js';
export type { EventName, TrackEvent, Ga4Item, Ga4Ecommerce } from './events/types.js';
export type { ProfileOptions } from './profile/options.js';
export type { ProfileSnapshot, PurchaseWindow, PriceBand } from './profile/snapshot.js';
export type { Segment } from './profile/segment.js';
export type { RecentItem, CartLine } from './profile/aggregates.js';
export type { ExportedData } from './profile/service.js';
export type { PredictorOptions, PredictorState, ScoreResult } from './predictor/predictor.js';
export type { UpliftScores, ModelMetadata, LoadedModel } from './predictor/types.js';
export type { LinearUpliftModel } from './predictor/fallback.js';
export type { FeatureProfile, FeatureOffer, FeatureContext, OfferType } from './features/spec.js';
