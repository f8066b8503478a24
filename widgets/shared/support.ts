// Small helpers every element shares; nothing here has side effects.
import { safeLink } from '../../src/catalog/validate.js';

const warned = new Set<string>();

/**
 * Warns once per page and `code` (e.g. `ow_report_failed`): an element's failure is worth one
 * line in the console, never an exception in the page or a line per render.
 */
export function warnOnce(code: string, message: string): void {
  if (warned.has(code)) return;
  warned.add(code);
  console.warn(`[offerwise] ${code}: ${message}`);
}

/** For tests: forget which codes have warned. */
export function resetWarnings(): void {
  warned.clear();
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
