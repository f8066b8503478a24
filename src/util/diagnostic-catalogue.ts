/**
 * What every diagnostic code means, by the part that reports it: the source of the tables in
 * docs/diagnostics.md (src/util/diagnostic-catalogue.test.ts keeps them equal). Only docs and
 * tests import this file: its sentences must not reach the script tag, which has a byte budget.
 *
 * Each part's table is typed by that part's union in ./diagnostic-codes.ts, so a code added there
 * without its meaning here, or a meaning left here for a code removed there, does not compile.
 */
import type {
  CatalogDiagnosticCode,
  DiagnosticCode,
  InstanceDiagnosticCode,
  LearningDiagnosticCode,
  OutboxDiagnosticCode,
  PredictorDiagnosticCode,
  ProfileDiagnosticCode,
  StateDiagnosticCode,
  WidgetDiagnosticCode,
} from './diagnostic-codes.js';

/** One part of offerwise and the diagnostics it reports. */
export interface DiagnosticPart<C extends DiagnosticCode> {
  /** The part, as the docs' heading names it. */
  title: string;
  /** Where its code lives. */
  source: string;
  /** Code → when it is reported and what to do about it (one or two sentences, Markdown). */
  codes: { readonly [K in C]: string };
}

export const DIAGNOSTIC_CATALOGUE: {
  readonly instance: DiagnosticPart<InstanceDiagnosticCode>;
  readonly profile: DiagnosticPart<ProfileDiagnosticCode>;
  readonly catalog: DiagnosticPart<CatalogDiagnosticCode>;
  readonly learning: DiagnosticPart<LearningDiagnosticCode>;
  readonly state: DiagnosticPart<StateDiagnosticCode>;
  readonly outbox: DiagnosticPart<OutboxDiagnosticCode>;
  readonly predictor: DiagnosticPart<PredictorDiagnosticCode>;
  readonly widgets: DiagnosticPart<WidgetDiagnosticCode>;
} = {
  instance: {
    title: 'The instance',
    source: 'src/offerwise.ts, src/decision-half.ts',
    codes: {
      invalid_event:
        '`track()` or a `dataLayer` entry got a malformed event; the message names the field, the value and what was expected. The profile is unchanged.',
      invalid_command:
        '`offerwise.push()` got something other than `["track", event]`, `["consent", state]`, `["forget"]`, `["attachDataLayer", layer]` or a function; it was skipped. Or, with `consentMode: \'google\'`, a dataLayer `[\'consent\', …]` command was malformed (not `default`/`update`, no object, a signal other than `"granted"`/`"denied"`), or a consent adapter called `set()` with another state; it was ignored.',
      command_failed:
        'A command queued with `offerwise.push()` threw (e.g. a function passed to it); the commands after it still ran.',
      gpc_denied:
        "Global Privacy Control is on and a grant came without `{ source: 'user' }` (configured, replayed by a consent banner, queued, or a Consent Mode grant): consent stays `denied`.",
      deprecated_option:
        'An option that no longer does anything was given (`logCandidates`, `data-log-candidates`); reported once at start-up.',
      invalid_option:
        "An option checked when the decision half starts was refused: `assets` (not an object, an unknown key, or not an http(s) URL; that entry is left out and its file is looked for where it would be without it), or `consentMode` other than `'google'`, `'off'` or a function, or a consent adapter that threw (consent then does not follow it). The message names the field, the value and what was expected.",
      runtime_failed:
        "The script tag's second file (the decision half) did not load; the message says why (missing file, Content-Security-Policy, integrity). Decisions and recommendations are empty, feedback is off; a later call tries again after 30 s.",
      forget_pending:
        'Without the decision half, `forget()` or a withdrawal deletes its databases by name, and another tab holds one open (or the delete is slow): it completes when that tab closes it.',
      decide_failed:
        '`decide()` failed for another reason than a malformed request; it resolved with an empty decision (nothing shown).',
      recommend_failed:
        '`recommend()` failed for another reason than a malformed request; it resolved with an empty list.',
    },
  },
  profile: {
    title: 'The profile',
    source: 'src/profile/',
    codes: {
      storage_fallback:
        'IndexedDB cannot be opened or failed (private mode, quota, a browser bug): the profile is kept in memory for this page and is gone on the next one.',
      storage_blocked:
        'Another tab keeps an older version of the profile database open; the upgrade waits until it closes.',
      storage_terminated:
        'The browser closed the profile database (e.g. storage was cleared); it is reopened on next use.',
      storage_reconnect:
        'The connection to the profile database was lost during a transaction; it was reopened and the transaction run again, once.',
      storage_erase_pending:
        '`forget()` could not delete the profile database yet (another tab holds it, or the delete is slow); it completes when that tab closes it.',
      storage_prune_failed:
        'Deleting events past their retention failed; it is tried again within the hour and on the next page.',
      consent_carry_partial:
        'Consent was granted after events were gathered in memory under `pending`, and some of them had already been compacted away: the stored profile gets the others.',
    },
  },
  catalog: {
    title: 'The catalog',
    source: 'src/catalog/',
    codes: {
      catalog_unavailable:
        'The catalog could not be fetched (network, HTTP status, not JSON); offers come from the last good catalog, if any, and it is fetched again with a growing delay.',
      invalid_catalog:
        'The catalog was refused as a whole (its envelope is malformed, or the `catalog` option is neither a URL nor an object); the last good catalog stays in use.',
      catalog_offer_skipped:
        'An offer of the catalog is invalid and was skipped alone; the message names the field, the value and what was expected. After 20 such lines one line counts the rest.',
      catalog_entry_skipped:
        'An item or a placement of the catalog is invalid and was skipped alone; the message names the field, the value and what was expected.',
      catalog_image_dropped:
        'An image URL is on an origin that `imageOrigins` does not allow; the offer or item is shown without it. Add the origin to show it.',
      storage_fallback:
        'The catalog cannot be cached in IndexedDB; it works from memory and a reload fetches it again.',
      storage_blocked:
        'Another tab keeps an older version of the catalog database open; the upgrade waits until it closes.',
      storage_terminated: 'The browser closed the catalog database; it is reopened on next use.',
      storage_reconnect:
        'The connection to the catalog database was lost during a transaction; it was reopened and the transaction run again, once.',
      storage_failed:
        '`forget()` could not delete the catalog database yet: another tab holds it (the delete completes when that tab closes it), or the delete failed or is slow.',
    },
  },
  learning: {
    title: 'Shopper groups and learned effects',
    source: 'src/catalog/source.ts, src/decide/decider.ts',
    codes: {
      segments_unavailable:
        'The segments file the catalog names could not be fetched (network, HTTP status, timeout) or its SHA-256 cannot be checked on this page (no `crypto.subtle` outside a secure context). Decisions go on without shopper groups; a failed fetch is tried again with a growing delay.',
      segments_invalid:
        "The segments file was refused: the catalog's `segments` entry is malformed, the file's SHA-256 is not the one the catalog names (tried again later: perhaps caught mid-deployment), it is not JSON, or it fails validation (the message names the field, the value and what was expected). Decisions go on without shopper groups.",
      effects_unavailable:
        'The effects file the catalog names could not be fetched, or its SHA-256 cannot be checked on this page. Decisions go on with the model alone; a failed fetch is tried again with a growing delay.',
      effects_invalid:
        "The effects file was refused: the catalog's `effects` entry is malformed, the file's SHA-256 is not the one the catalog names, it is not JSON, or it fails validation (the message names the field). Decisions go on with the model alone.",
      effects_stale:
        "The effects file's `valid_until` has passed (on the shop's clock): decisions use the model alone, as without the file, until the catalog names a newer one (`npm run learn`). Reported once per file.",
      effects_mismatch:
        "The effects file was learned for another segments file than the one the catalog names (`segments_sha256`): its offers' pooled values are used, not their per-group values. Name the segments file it was learned with, or learn again. Reported once per file.",
    },
  },
  state: {
    title: 'Decision state (caps, claims, the last decision)',
    source: 'src/decide/state-store.ts',
    codes: {
      state_fallback:
        'The decision-state database cannot be opened or a transaction failed: caps and claims are kept in memory for this page (not shared with other tabs).',
      state_blocked:
        'Another tab keeps an older version of the decision-state database open; the upgrade waits until it closes.',
      state_terminated:
        'The browser closed the decision-state database; it is reopened on next use.',
      state_reconnect:
        'The connection to the decision-state database was lost during a transaction; it was reopened and the transaction run again, once.',
      state_commit_failed:
        "A decision's reservation did not commit: its impressions are not counted against the caps.",
      state_room_exceeded:
        'A placement showed more offers than its caps had room for; the placement or overall caps are exceeded. Cap the number of offers with the room given.',
      state_forget_pending:
        '`forget()` or a withdrawal could not delete the decision-state database yet (another tab holds it); it completes when that tab closes it.',
    },
  },
  outbox: {
    title: 'The feedback outbox',
    source: 'src/feedback/',
    codes: {
      outbox_fallback:
        'The outbox database cannot be opened or a transaction failed: new feedback is kept in memory for this page; stored rows wait for the next page.',
      outbox_blocked:
        'Another tab keeps an older version of the outbox database open; the upgrade waits until it closes.',
      outbox_terminated: 'The browser closed the outbox database; it is reopened on next use.',
      outbox_reconnect:
        'The connection to the outbox database was lost during a transaction; it was reopened and the transaction run again, once.',
      outbox_carry_failed:
        'Switching to memory, the outbox could not read its send gate; it assumes the most conservative value (wait).',
      outbox_start_failed:
        'Starting the outbox (expiring old rows, restoring a server-asked delay) failed; sending goes on.',
      outbox_status_failed:
        '`feedbackStatus()` could not read the outbox; it answered with zeros and storage `none`.',
      outbox_send_failed:
        'A send attempt failed unexpectedly (not an HTTP answer); it is tried again after a delay.',
      outbox_retry:
        'The collector answered with a status worth retrying (or not at all); the message gives the status and when the next attempt is.',
      outbox_forget_failed:
        'Stored feedback tied to a decision could not be deleted on `forget()` or a withdrawal; the next `forget()` tries again.',
    },
  },
  predictor: {
    title: 'The predictor (model, worker, ONNX Runtime)',
    source: 'src/predictor/',
    codes: {
      worker_unavailable:
        'No worker can run the model (no Web Workers or WebAssembly, the worker could not be created, or it died too often): scores come from the fallback for this page.',
      worker_timeout:
        'A call to the worker got no answer in time (1 s a call, 30 s for loading the model); several in a row and the worker is replaced.',
      worker_crashed: 'The worker died; it is restarted on the next call, at most twice.',
      worker_respawn: 'A new worker was started after one died.',
      model_unavailable:
        'The model or its metadata could not be fetched; scores come from the fallback for this page.',
      model_mismatch:
        "The model was trained for another feature layout than this SDK's; scores come from the fallback for this page.",
      model_invalid:
        'The model is refused: its bytes do not match the metadata, ONNX Runtime rejects it, or it gave an output that is not finite or out of range (the message names the output, the row and the value). Scores come from the fallback for this page.',
      runtime_blocked:
        "WebAssembly cannot be compiled on this page (a Content-Security-Policy without `'wasm-unsafe-eval'`); scores come from the fallback.",
    },
  },
  widgets: {
    title: 'The `ow-` elements',
    source: 'widgets/',
    codes: {
      ow_offers_no_placement: '`<ow-offers>` has no `placement` attribute; it shows nothing.',
      ow_offers_invalid_types:
        "`<ow-offers>` has a `types` value that is not a space- or comma-separated list of `coupon`, `member_deal` and `flash_sale` (the message names the value and the unknown words); it reserves space for the known types it names, else for the placement's.",
      ow_decide_failed:
        '`<ow-offers>` could not get a decision (its `decide()` rejected: a malformed request, or a destroyed instance); it collapses.',
      ow_recommendations_no_placement:
        '`<ow-recommendations>` has no `placement` attribute; it shows nothing.',
      ow_recommendations_invalid_mode:
        '`<ow-recommendations>` has a `mode` other than `for-you`, `discover` or `recently-viewed` (the message names the value); it shows the `for-you` list.',
      ow_recommend_failed:
        '`<ow-recommendations>` could not get a ranking (its `recommend()` rejected: a malformed request such as a `limit` over 50, or a destroyed instance); it collapses.',
      ow_invalid_number:
        'An element has a numeric property that is not a number in its range: `limit` of `<ow-offers>` (1 to 20) or `<ow-recommendations>` (1 to 50), `server-offset` or `ending-soon-minutes` of `<ow-flash-sale>` (numeric strings such as React\'s `limit="2"` are accepted; the message names the element, the value and the range); it uses the default instead.',
      ow_report_failed:
        'An offer element could not report an impression, click, claim or dismissal (`report()` rejected, e.g. for a decision made before `forget()`).',
      ow_mute_failed:
        '`<ow-why>` could not turn the interest off (`muteInterest()` rejected); it says so to the shopper.',
    },
  },
};
