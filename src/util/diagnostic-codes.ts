/**
 * Every code a diagnostic can carry, by the part that reports it. Types only: nothing here reaches
 * a bundle. What each code means lives in ./diagnostic-catalogue.ts (for the docs and tests, never
 * for the script tag, which has a byte budget); the compiler keeps the two lists equal.
 *
 * A code that a part builds from a prefix (`${prefix}_reconnect`) is still listed here one by one,
 * so that a typo in a prefix is a compile error rather than an undocumented code.
 */

/** The instance itself (src/offerwise.ts, src/decision-half.ts). */
export type InstanceDiagnosticCode =
  | 'invalid_event'
  | 'invalid_command'
  | 'command_failed'
  | 'gpc_denied'
  | 'deprecated_option'
  | 'invalid_option'
  | 'runtime_failed'
  | 'forget_pending'
  | 'decide_failed'
  | 'recommend_failed';

/** The profile and its database (src/profile/). */
export type ProfileDiagnosticCode =
  | 'storage_fallback'
  | 'storage_blocked'
  | 'storage_terminated'
  | 'storage_reconnect'
  | 'storage_erase_pending'
  | 'storage_prune_failed'
  | 'consent_carry_partial';

/** The catalog and its cache (src/catalog/). */
export type CatalogDiagnosticCode =
  | 'catalog_unavailable'
  | 'invalid_catalog'
  | 'catalog_offer_skipped'
  | 'catalog_entry_skipped'
  | 'catalog_image_dropped'
  | 'storage_fallback'
  | 'storage_blocked'
  | 'storage_terminated'
  | 'storage_reconnect'
  | 'storage_failed';

/** Shopper groups and learned effects: their files (src/catalog/source.ts) and their use (src/decide/decider.ts). */
export type LearningDiagnosticCode =
  | 'segments_unavailable'
  | 'segments_invalid'
  | 'effects_unavailable'
  | 'effects_invalid'
  | 'effects_stale'
  | 'effects_mismatch';

/** Caps, claims and the last decision per placement (src/decide/state-store.ts). */
export type StateDiagnosticCode =
  | 'state_fallback'
  | 'state_blocked'
  | 'state_terminated'
  | 'state_reconnect'
  | 'state_commit_failed'
  | 'state_room_exceeded'
  | 'state_forget_pending';

/** The feedback outbox and its database (src/feedback/). */
export type OutboxDiagnosticCode =
  | 'outbox_fallback'
  | 'outbox_blocked'
  | 'outbox_terminated'
  | 'outbox_reconnect'
  | 'outbox_carry_failed'
  | 'outbox_start_failed'
  | 'outbox_status_failed'
  | 'outbox_send_failed'
  | 'outbox_retry'
  | 'outbox_forget_failed';

/** The model, its worker and ONNX Runtime (src/predictor/). */
export type PredictorDiagnosticCode =
  | 'worker_unavailable'
  | 'worker_timeout'
  | 'worker_crashed'
  | 'worker_respawn'
  | 'model_unavailable'
  | 'model_mismatch'
  | 'model_invalid'
  | 'runtime_blocked';

/** The `ow-` elements (widgets/). */
export type WidgetDiagnosticCode =
  | 'ow_offers_no_placement'
  | 'ow_offers_invalid_types'
  | 'ow_decide_failed'
  | 'ow_recommendations_no_placement'
  | 'ow_recommendations_invalid_mode'
  | 'ow_recommend_failed'
  | 'ow_invalid_number'
  | 'ow_report_failed'
  | 'ow_mute_failed';

/** The code of a diagnostic: one of the catalogue's, checked by the compiler. */
export type DiagnosticCode =
  | InstanceDiagnosticCode
  | ProfileDiagnosticCode
  | CatalogDiagnosticCode
  | LearningDiagnosticCode
  | StateDiagnosticCode
  | OutboxDiagnosticCode
  | PredictorDiagnosticCode
  | WidgetDiagnosticCode;

/** How a part hands a diagnostic to the instance's hub; it must never throw. */
export type ReportDiagnostic = (code: DiagnosticCode, message: string) => void;
