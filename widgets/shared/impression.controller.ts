import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Calls `onViewable` once when at least half of `target()` has been visible for `dwellMs`
 * (default 1 s) without interruption: an IntersectionObserver at threshold 0.5 starts a timer
 * that leaving the viewport or a hidden tab cancels. Owns the observer and the timer; both are
 * released on disconnect. Without IntersectionObserver it never fires (no false impressions).
 */
export class ImpressionController implements ReactiveController {
  private observer: IntersectionObserver | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private fired = false;
  private visible = false;
  private readonly onVisibility = () => this.update();

  constructor(
    private readonly host: ReactiveControllerHost & Element,
    private readonly target: () => Element | null | undefined,
    private readonly onViewable: () => void,
    private readonly dwellMs = 1000,
  ) {
    host.addController(this);
  }

  /** Starts watching again (a new decision or offer is on screen). */
  reset(): void {
    this.fired = false;
    this.stopTimer();
    this.observe();
  }

  hostConnected(): void {
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  hostUpdated(): void {
    this.observe();
  }

  hostDisconnected(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.observer?.disconnect();
    this.observer = undefined;
    this.stopTimer();
  }

  private observed: Element | undefined;

  private observe(): void {
    if (this.fired || typeof IntersectionObserver === 'undefined') return;
    const element = this.target() ?? undefined;
    if (element === this.observed && this.observer) return;
    this.observer?.disconnect();
    this.observed = element;
    if (!element) return;
    this.observer = new IntersectionObserver(
      (entries) => {
        const entry = entries[entries.length - 1];
        this.visible = !!entry && entry.isIntersecting && entry.intersectionRatio >= 0.5;
        this.update();
      },
      { threshold: [0, 0.5, 1] },
    );
    this.observer.observe(element);
  }

  private update(): void {
    const viewable = this.visible && document.visibilityState !== 'hidden' && !this.fired;
    if (!viewable) {
      this.stopTimer();
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.fired) return;
      this.fired = true;
      this.observer?.disconnect();
      this.observer = undefined;
      try {
        this.onViewable();
      } catch {
        // A reporting failure must not break the element.
      }
    }, this.dwellMs);
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
