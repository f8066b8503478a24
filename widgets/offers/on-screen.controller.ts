import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Whether any part of the host is on screen now: an IntersectionObserver on the host while it is
 * connected (released on disconnect). Before the observer's first report, or without one, it
 * measures the host once. A hidden tab is never on screen.
 */
export class OnScreenController implements ReactiveController {
  #observer: IntersectionObserver | undefined;
  #intersecting: boolean | undefined;

  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
    host.addController(this);
  }

  hostConnected(): void {
    if (typeof IntersectionObserver === 'undefined') return;
    this.#observer = new IntersectionObserver((entries) => {
      const entry = entries[entries.length - 1];
      if (entry) this.#intersecting = entry.isIntersecting;
    });
    this.#observer.observe(this.host);
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
    this.#observer = undefined;
    this.#intersecting = undefined;
  }

  /** True when the shopper can see (part of) the host now. */
  get onScreen(): boolean {
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return false;
    if (!this.host.isConnected) return false;
    if (this.#intersecting !== undefined) return this.#intersecting;
    const box = this.host.getBoundingClientRect();
    const width = typeof innerWidth === 'number' ? innerWidth : 0;
    const height = typeof innerHeight === 'number' ? innerHeight : 0;
    return (
      box.width > 0 &&
      box.height > 0 &&
      box.bottom > 0 &&
      box.right > 0 &&
      box.top < height &&
      box.left < width
    );
  }
}
