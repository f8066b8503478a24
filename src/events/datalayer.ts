import { isPlainObject } from '../util/guards.js';

type Sink = (event: Record<string, unknown>) => void;

export interface DataLayerAdapter {
  /** Stops listening. The `push` wrapper stays in place (another script may have wrapped it since) but becomes a pass-through. */
  detach(): void;
}

/**
 * Recursive merge with the semantics of Google's data-layer helper: plain objects and arrays are
 * merged key by key (arrays by index), everything else is replaced. This is why shops push
 * `{ ecommerce: null }` before each ecommerce event: without it, items of an earlier event leak
 * into the next one in GTM's model, and therefore in ours.
 */
function merge(
  target: Record<string, unknown> | unknown[],
  source: Record<string, unknown> | unknown[],
) {
  for (const key of Object.keys(source)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const from = (source as Record<string, unknown>)[key];
    const to = (target as Record<string, unknown>)[key];
    if (Array.isArray(from)) {
      const next = Array.isArray(to) ? to : [];
      merge(next, from);
      (target as Record<string, unknown>)[key] = next;
    } else if (isPlainObject(from)) {
      const next = isPlainObject(to) ? to : {};
      merge(next, from);
      (target as Record<string, unknown>)[key] = next;
    } else {
      (target as Record<string, unknown>)[key] = from;
    }
  }
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    merge(out, value);
    return out;
  }
  return value;
}

/** `gtag('event', name, params)` pushes an `arguments` object, not a plain object. */
function fromGtag(entry: unknown): Record<string, unknown> | undefined {
  if (Object.prototype.toString.call(entry) !== '[object Arguments]') return undefined;
  const args = entry as { length?: unknown; 0?: unknown; 1?: unknown; 2?: unknown };
  if (typeof args.length !== 'number' || args[0] !== 'event' || typeof args[1] !== 'string')
    return undefined;
  const params = isPlainObject(args[2]) ? (clone(args[2]) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = { event: args[1], ecommerce: params };
  if (typeof params.search_term === 'string') out.search_term = params.search_term;
  return out;
}

/**
 * Reads GA4 ecommerce events from a GTM-style `dataLayer` array: everything already in it, then
 * every later push. Other consumers see exactly what they would without us: the array is never
 * modified, entries are never mutated, and `push` keeps its return value and `this`.
 */
export function attachDataLayer(layer: unknown[], sink: Sink): DataLayerAdapter {
  // Our private copy of GTM's "ecommerce" model key, so `{ ecommerce: null }` resets work as in GTM.
  let ecommerce: Record<string, unknown> | undefined;
  return watchDataLayer(layer, (entry) => {
    const gtag = fromGtag(entry);
    if (gtag !== undefined) {
      sink(gtag);
      return;
    }
    if (!isPlainObject(entry)) return;
    if ('ecommerce' in entry) {
      const value = entry.ecommerce;
      if (value === null || value === undefined) ecommerce = undefined;
      else if (isPlainObject(value)) {
        ecommerce ??= {};
        merge(ecommerce, value);
      }
    }
    if (typeof entry.event !== 'string') return;
    const event: Record<string, unknown> = { event: entry.event };
    if (ecommerce !== undefined) event.ecommerce = clone(ecommerce);
    if ('search_term' in entry) event.search_term = entry.search_term;
    sink(event);
  });
}

/**
 * Hands `read` every entry of a `dataLayer` array the way {@link attachDataLayer} reads it: those
 * already in it, then every later push, chained to an earlier `push`, nothing modified, and a
 * `read` that throws never breaks the shop's push. For entries other than events: Consent Mode's
 * commands (src/privacy/consent-mode.ts), which the decision half reads.
 */
export function watchDataLayer(layer: unknown[], read: (entry: unknown) => void): DataLayerAdapter {
  let active = true;
  const ingest = (entry: unknown) => {
    if (!active) return;
    try {
      read(entry);
    } catch {
      // A hostile entry (getter that throws, cyclic object) must not break the shop's push.
    }
  };
  for (const entry of layer.slice()) ingest(entry);
  const previous = layer.push;
  const wrapped = function (this: unknown, ...entries: unknown[]) {
    const result = previous.apply(this, entries);
    for (const entry of entries) ingest(entry);
    return result;
  };
  try {
    Object.defineProperty(layer, 'push', { value: wrapped, writable: true, configurable: true });
  } catch {
    active = false;
  }
  return {
    detach() {
      active = false;
      if (layer.push === wrapped) {
        Object.defineProperty(layer, 'push', {
          value: previous,
          writable: true,
          configurable: true,
        });
      }
    },
  };
}
