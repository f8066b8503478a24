import type { ReactiveController, ReactiveControllerHost } from 'lit';

// Single-page apps change the URL with history.pushState / replaceState (no event) and the back
// button fires popstate. One page-wide hook turns all three into one notification per new URL;
// the elements subscribe through RouteController and decide again for the new page.

type Listener = () => void;
const listeners = new Set<Listener>();
/** Marks `history` as hooked, also for a second copy of the script on the page. */
const HOOKED = Symbol.for('offerwise.route-hook');
let lastHref: string | undefined;
let scheduled = false;

function notify(): void {
  if (scheduled) return;
  scheduled = true;
  // After the caller's own work in this task (a router renders, then elements see the new page).
  queueMicrotask(() => {
    scheduled = false;
    const href = location.href;
    if (href === lastHref) return;
    lastHref = href;
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch {
        // One element's failure must not stop the others.
      }
    }
  });
}

function hook(): void {
  if (typeof history === 'undefined' || typeof location === 'undefined') return;
  lastHref ??= location.href;
  const h = history as History & { [HOOKED]?: Set<Listener> };
  if (h[HOOKED]) {
    // Another copy hooked history first: hear its notifications too.
    h[HOOKED].add(notify);
    return;
  }
  const relays = new Set<Listener>([notify]);
  h[HOOKED] = relays;
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = h[method];
    h[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      for (const relay of relays) relay();
      return result;
    };
  }
  addEventListener('popstate', () => {
    for (const relay of relays) relay();
  });
}

/**
 * Calls `onRoute` when the page's URL changes without a reload (pushState, replaceState to a new
 * URL, back/forward), while the host is connected.
 */
export class RouteController implements ReactiveController {
  private readonly listener: Listener;

  constructor(host: ReactiveControllerHost, onRoute: () => void) {
    this.listener = onRoute;
    host.addController(this);
  }

  hostConnected(): void {
    hook();
    listeners.add(this.listener);
  }

  hostDisconnected(): void {
    listeners.delete(this.listener);
  }
}
