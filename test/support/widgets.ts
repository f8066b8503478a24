// Test doubles for the elements' unit tests (happy-dom's IntersectionObserver never reports).
// Import it before anything that loads Lit: it marks Lit's once-per-page "dev mode" notice as
// issued, so that tests do not log.
import type { Offer } from '../../src/decide/types.js';
import type { DiagnosticCode } from '../../src/util/diagnostic-codes.js';
import { Diagnostics, REPORT_DIAGNOSTIC } from '../../src/util/diagnostics.js';

const lit = globalThis as { litIssuedWarnings?: Set<string> };
(lit.litIssuedWarnings ??= new Set()).add('dev-mode');

/** An IntersectionObserver the test drives with `setIntersection()`. */
export class FakeIntersectionObserver {
  static readonly live = new Set<FakeIntersectionObserver>();
  readonly targets = new Set<Element>();
  readonly root = null;
  readonly rootMargin = '0px';
  readonly thresholds: readonly number[] = [0];

  constructor(private readonly callback: IntersectionObserverCallback) {
    FakeIntersectionObserver.live.add(this);
  }

  observe(target: Element): void {
    this.targets.add(target);
  }

  unobserve(target: Element): void {
    this.targets.delete(target);
  }

  disconnect(): void {
    this.targets.clear();
    FakeIntersectionObserver.live.delete(this);
  }

  takeRecords(): IntersectionObserverEntry[] {
    return [];
  }

  /** Reports `ratio` of `target` (of `size` px, default unknown) visible to every observer watching it. */
  static setIntersection(
    target: Element,
    ratio: number,
    size?: { width: number; height: number },
  ): void {
    for (const observer of [...FakeIntersectionObserver.live]) {
      if (!observer.targets.has(target)) continue;
      const entry = {
        target,
        isIntersecting: ratio > 0,
        intersectionRatio: ratio,
        ...(size ? { boundingClientRect: { ...size } as DOMRectReadOnly } : {}),
      } as IntersectionObserverEntry;
      observer.callback([entry], observer as unknown as IntersectionObserver);
    }
  }

  /** How many observers watch `target`. */
  static watching(target: Element): number {
    return [...FakeIntersectionObserver.live].filter((o) => o.targets.has(target)).length;
  }
}

/** A coupon offer with the fields the elements read; `overrides` win. */
export function couponOffer(overrides: Partial<Offer> = {}): Offer {
  return {
    id: 'c10',
    type: 'coupon',
    title: 'Winter coupon',
    description: 'On everything in the store',
    category: 'womens',
    discount: { percent: 10 },
    code: 'WINTER10',
    min_spend: 50,
    valid_to: Date.UTC(2026, 11, 31, 22, 59),
    member_only: false,
    placements: [],
    url: '/sale',
    ...overrides,
  };
}

/** The clock the flash-sale tests run at: the sale below runs from an hour before to an hour after. */
export const SALE_T0 = Date.parse('2026-11-28T12:00:00.000Z');
const HOUR = 3_600_000;

/** A two-hour flash sale of three boots around {@link SALE_T0}; `overrides` win. */
export function flashSaleOffer(overrides: Partial<Offer> = {}): Offer {
  return {
    id: 'fs-1',
    type: 'flash_sale',
    title: 'Two-hour boots sale',
    category: 'mens',
    member_only: false,
    placements: [],
    starts_at: SALE_T0 - HOUR,
    ends_at: SALE_T0 + HOUR,
    items: [
      {
        item_id: 'sku-1',
        item_name: 'Chelsea boot',
        url: '/p/sku-1',
        image: '/img/sku-1.jpg',
        price: 80,
        sale_price: 56,
        stock: 3,
      },
      { item_id: 'sku-2', item_name: 'Desert boot', url: '/p/sku-2', price: 90, sale_price: 60 },
      { item_id: 'sku-3', item_name: 'Hiking boot', price: 120, sale_price: 84, stock: 40 },
    ],
    ...overrides,
  };
}

/** The hostile strings every element must render as text. */
export const XSS_CORPUS = [
  '<img src=x onerror=alert(1)>',
  '"><script>alert(1)</script>',
  "'><svg onload=alert(1)>",
  'javascript:alert(1)',
  '<a href="javascript:alert(1)">x</a>',
  '{{constructor.constructor("alert(1)")()}}',
  '${alert(1)}',
  '<style>*{display:none}</style>',
];

/**
 * Gives a fake instance the channel through which the elements report (as `Offerwise` has it),
 * backed by a real diagnostics hub; returns the hub, whose `list()` the test reads.
 */
export function diagnosticsOf(fake: object): Diagnostics {
  const hub = new Diagnostics();
  Object.assign(fake, {
    [REPORT_DIAGNOSTIC]: (code: DiagnosticCode, message: string) => hub.report(code, message),
  });
  return hub;
}

/** The codes `hub` received, in order. */
export function codesOf(hub: Diagnostics): string[] {
  return hub.list().map((d) => d.code);
}

/** What `hub` received, in order, as `[code, message]`. */
export function reportsOf(hub: Diagnostics): [string, string][] {
  return hub.list().map((d) => [d.code, d.message]);
}
