// Small helpers every element shares; nothing here has side effects.
import { safeLink } from '../../src/catalog/fields.js';
import type { FeedbackType } from '../../src/feedback/policy.js';
import type { Offerwise } from '../../src/offerwise.js';
import type { WidgetDiagnosticCode } from '../../src/util/diagnostic-codes.js';
import { REPORT_DIAGNOSTIC } from '../../src/util/diagnostics.js';

/** The codes each instance has heard from the elements already. */
const reported = new WeakMap<object, Set<WidgetDiagnosticCode>>();

/**
 * Reports an element's failure through the diagnostics of the instance it uses (`onDiagnostic`,
 * `diagnostics()`), as the SDK reports its own: once per instance and `code`, since an element
 * that fails tends to fail on every render, and never as an exception in the page.
 */
export function reportOnce(ow: Offerwise, code: WidgetDiagnosticCode, message: string): void {
  let codes = reported.get(ow);
  if (!codes) reported.set(ow, (codes = new Set()));
  if (codes.has(code)) return;
  codes.add(code);
  // An instance from an older offerwise has no such method: the element stays quiet then.
  (ow as Partial<Pick<Offerwise, typeof REPORT_DIAGNOSTIC>>)[REPORT_DIAGNOSTIC]?.(code, message);
}

/** Reports what the shopper did with a shown offer; a refusal is reported (`ow_report_failed`). */
export function reportFeedback(
  ow: Offerwise,
  decisionId: string,
  offerId: string,
  type: FeedbackType,
): void {
  ow.report(decisionId, offerId, type).catch((error: unknown) =>
    reportOnce(ow, 'ow_report_failed', `report(${type}) for offer "${offerId}": ${String(error)}`),
  );
}

/**
 * `url` when it is `https:` or a same-origin path (`/…`), else undefined: the catalog's own rule
 * (`safeLink`), applied again because an element can be handed an offer directly.
 */
export function safeUrl(url: string | undefined): string | undefined {
  return typeof url === 'string' ? safeLink(url) : undefined;
}

/** `womens` → `Womens`, in the page's language. */
export function capitalize(text: string, language: string | undefined): string {
  if (!text) return text;
  try {
    return text.charAt(0).toLocaleUpperCase(language) + text.slice(1);
  } catch {
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
}

/** `fill('{count} left', { count: 3 })` → `3 left`; unknown names stay as written. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}
