import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Impressions reported on this page, `decisionId|offerId`: exactly once even across elements. */
const impressed = new Set<string>();

/**
 * True the first time an offer of a decision is seen on this page, false after: an impression is
 * reported once per decision and offer, even if the element renders again or another element
 * shows the same decision. Without a decision id every sighting counts.
 */
export function firstImpression(decisionId: string | undefined, offerId: string): boolean {
  if (!decisionId) return true;
  const key = `${decisionId}|${offerId}`;
  if (impressed.has(key)) return false;
  impressed.add(key);
  return true;
}

/** For tests: forget the impressions reported on this page. */
export function resetImpressions(): void {
  impressed.clear();
}

/**
 * Elements at least this large (px², the IAB's large-ad size, 242,500) count as seen with 30% of
 * their area visible instead of half: a flash sale with its items stacked in a narrow column can be
 * taller than the viewport, and half of it may never fit on screen at once.
 */
export const LARGE_AREA = 242_500;

/**
 * Calls `onViewable` once when at least half of `target()` (30% of a large one, see
 * {@link LARGE_AREA}) has been visible for `dwellMs` (default 1 s) without interruption: an
 * IntersectionObserver starts a timer that leaving the viewport or a hidden tab cancels. Owns the observer and the timer; both are
 * released on disconnect. Without IntersectionObserver it never fires (no false impressions).
 */
export class ImpressionController implements ReactiveController {
  #observer: IntersectionObserver | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #fired = false;
  #visible = false;
  readonly #onVisibility = () => this.#update();

  constructor(
    host: ReactiveControllerHost & Element,
    private readonly target: () => Element | null | undefined,
    private readonly onViewable: () => void,
    private readonly dwellMs = 1000,
  ) {
    host.addController(this);
  }

  /** Starts watching again (a new decision or offer is on screen). */
  reset(): void {
    this.#fired = false;
    this.#stopTimer();
    this.#observe();
  }

  hostConnected(): void {
    document.addEventListener('visibilitychange', this.#onVisibility);
  }

  hostUpdated(): void {
    this.#observe();
  }

  hostDisconnected(): void {
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#observer?.disconnect();
    this.#observer = undefined;
    this.#stopTimer();
  }

  #observed: Element | undefined;

  #observe(): void {
    if (this.#fired || typeof IntersectionObserver === 'undefined') return;
    const element = this.target() ?? undefined;
    if (element === this.#observed && this.#observer) return;
    this.#observer?.disconnect();
    this.#observed = element;
    if (!element) return;
    this.#observer = new IntersectionObserver(
      (entries) => {
        const entry = entries[entries.length - 1];
        const box = entry?.boundingClientRect;
        const needed = box && box.width * box.height >= LARGE_AREA ? 0.3 : 0.5;
        this.#visible = !!entry && entry.isIntersecting && entry.intersectionRatio >= needed;
        this.#update();
      },
      { threshold: [0, 0.3, 0.5, 1] },
    );
    this.#observer.observe(element);
  }

  #update(): void {
    const viewable = this.#visible && document.visibilityState !== 'hidden' && !this.#fired;
    if (!viewable) {
      this.#stopTimer();
      return;
    }
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#fired) return;
      this.#fired = true;
      this.#observer?.disconnect();
      this.#observer = undefined;
      try {
        this.onViewable();
      } catch {
        // A reporting failure must not break the element.
      }
    }, this.dwellMs);
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
