// Formatting shared by the elements: money in the catalog currency and the page's language.

/**
 * The language of `element`: the closest `lang` attribute, looking past shadow roots (an offer
 * inside `<ow-offers lang="de">` follows it), else the document's, else the browser's.
 */
export function languageOf(element: Element): string | undefined {
  let node: Element | undefined = element;
  while (node) {
    const tagged = node.closest('[lang]')?.getAttribute('lang');
    if (tagged) return tagged;
    const root = node.getRootNode();
    node = typeof ShadowRoot !== 'undefined' && root instanceof ShadowRoot ? root.host : undefined;
  }
  const root = element.ownerDocument?.documentElement?.getAttribute('lang');
  if (root) return root;
  return typeof navigator !== 'undefined' ? navigator.language : undefined;
}

const formats = new Map<string, Intl.NumberFormat>();

/** `12.5` in EUR for `de` → `12,50 €`. Falls back to `12.50 EUR` when Intl refuses the input. */
export function formatMoney(
  amount: number,
  currency: string,
  language: string | undefined,
): string {
  const key = `${language ?? ''}|${currency}`;
  let format = formats.get(key);
  try {
    if (!format) {
      format = new Intl.NumberFormat(language, { style: 'currency', currency });
      formats.set(key, format);
    }
    return format.format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

/** A date-time in the page's language, e.g. "28 Nov, 14:00". */
export function formatDateTime(ms: number, language: string | undefined): string {
  try {
    return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(
      ms,
    );
  } catch {
    return new Date(ms).toISOString();
  }
}
