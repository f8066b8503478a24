/**
 * Bidirectional text in the SDK's own sentences. A category or item name inserted into an
 * explanation ("You often browse {category}") may be right-to-left or carry a bidi control; inside
 * U+2068 FIRST STRONG ISOLATE … U+2069 POP DIRECTIONAL ISOLATE it takes its own direction and
 * cannot reorder the words around it. Names without such characters are left as they are, so
 * plain text stays plain (and comparable) for the common case.
 */

/** Right-to-left letters (Hebrew to Syriac/Thaana/N'Ko ranges, presentation forms) and bidi controls. */
const NEEDS_ISOLATION =
  /[\u0590-\u08ff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufb1d-\ufdff\ufe70-\ufeff]/;

/** `text` wrapped in an isolate when it has right-to-left letters or bidi controls. */
export function isolateBidi(text: string): string {
  return NEEDS_ISOLATION.test(text) ? `\u2068${text}\u2069` : text;
}
