// Catalog text is the shop's, and may be right-to-left (a Hebrew title, an Arabic item name) or
// carry bidirectional controls. Each piece is rendered in its own `<bdi>`: it gets its own
// direction, and nothing in it (an unclosed U+202E, a run of RTL letters and digits) can reorder
// the element's own words around it, such as "Code … copied to the clipboard."
import { html, type TemplateResult } from 'lit';

/** `text`, isolated from the text around it. */
export function isolate(text: string | number): TemplateResult {
  return html`<bdi>${text}</bdi>`;
}

/** What {@link fillIsolated} returns: the template's text with isolated values, for a Lit part. */
export type IsolatedText = readonly (string | TemplateResult)[];

/**
 * `values` joined as a list in `language` ("a, b and c"), each value isolated: a name that ends
 * in right-to-left letters cannot pull the comma or "and" after it to its side.
 */
export function isolatedList(
  values: readonly string[],
  language: string | undefined,
): IsolatedText {
  try {
    return new Intl.ListFormat(language, { type: 'conjunction' })
      .formatToParts(values)
      .map((part) => (part.type === 'element' ? isolate(part.value) : part.value));
  } catch {
    return values.flatMap((value, i) => (i === 0 ? [isolate(value)] : [', ', isolate(value)]));
  }
}

/**
 * `fillIsolated('Code {code} copied.', { code })` → `['Code ', <bdi>code</bdi>, ' copied.']`: as
 * `fill()` in support.ts, but every value is isolated (a value that is already an
 * {@link IsolatedText}, such as a list, goes in as it is). Unknown names stay as written.
 */
export function fillIsolated(
  template: string,
  values: Record<string, string | number | IsolatedText>,
): IsolatedText {
  const out: (string | TemplateResult)[] = [];
  let last = 0;
  for (const match of template.matchAll(/\{(\w+)\}/g)) {
    const name = match[1]!;
    if (!Object.hasOwn(values, name)) continue;
    if (match.index > last) out.push(template.slice(last, match.index));
    const value = values[name]!;
    if (typeof value === 'object') out.push(...value);
    else out.push(isolate(value));
    last = match.index + match[0].length;
  }
  if (last < template.length) out.push(template.slice(last));
  return out;
}
