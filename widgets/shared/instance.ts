// How elements find the offerwise instance: their own `offerwise` property, else the page's
// default (set by `useOfferwise()`, which the script-tag build calls with `window.offerwise`).
import type { Offerwise } from '../../src/offerwise.js';

let current: Offerwise | undefined;
const waiting = new Set<(ow: Offerwise) => void>();

/** Makes `ow` the instance every element without its own `offerwise` property uses. */
export function useOfferwise(ow: Offerwise): void {
  current = ow;
  for (const resolve of [...waiting]) resolve(ow);
  waiting.clear();
}

/** The page's default instance, once there is one. */
export function defaultOfferwise(): Promise<Offerwise> {
  if (current) return Promise.resolve(current);
  return new Promise((resolve) => waiting.add(resolve));
}

/** For tests: forget the default instance. */
export function resetDefaultOfferwise(): void {
  current = undefined;
  waiting.clear();
}
