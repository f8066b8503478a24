import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Where a countdown stands on the server-corrected clock. */
export type CountdownState = 'upcoming' | 'live' | 'ending-soon' | 'ended';

export interface CountdownOptions {
  /** Start of the window, ms since epoch on the server's clock (undefined: already started). */
  startsAt: () => number | undefined;
  /** End of the window, ms since epoch on the server's clock (undefined: no countdown). */
  endsAt: () => number | undefined;
  /** Server clock minus local clock, in ms (the catalog's `server_time - received_at`). */
  offset?: () => number;
  /** `ending-soon` when at most this many ms are left (default 10 minutes). */
  endingSoonMs?: () => number;
  /**
   * Called when the state changes as time passes, before the host re-renders; not for the first
   * reading, nor when new `startsAt`/`endsAt` values change it.
   */
  onStateChange?: (state: CountdownState, previous: CountdownState) => void;
}

/** Ten minutes: from then on a live countdown is `ending-soon`. */
export const ENDING_SOON_MS = 10 * 60 * 1000;

/** One page-wide clock. Subscribers are called once a second, on the local second boundary. */
interface Subscriber {
  tick(): void;
}

const subscribers = new Set<Subscriber>();
let timer: ReturnType<typeof setTimeout> | undefined;
let listening = false;

function isHidden(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden';
}

function schedule(): void {
  if (timer !== undefined || subscribers.size === 0 || isHidden()) return;
  // Aligned to the second so every countdown on the page turns over together.
  timer = setTimeout(fire, 1000 - (Date.now() % 1000));
}

function stop(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
}

function tickAll(): void {
  for (const subscriber of [...subscribers]) {
    try {
      subscriber.tick();
    } catch {
      // One broken host must not stop the others' clocks.
    }
  }
}

function fire(): void {
  timer = undefined;
  tickAll();
  schedule();
}

// A hidden tab needs no clock; on return every countdown re-reads the time before the next tick.
function onVisibility(): void {
  if (isHidden()) stop();
  else {
    tickAll();
    schedule();
  }
}

function subscribe(subscriber: Subscriber): void {
  subscribers.add(subscriber);
  if (!listening && typeof document !== 'undefined') {
    document.addEventListener('visibilitychange', onVisibility);
    listening = true;
  }
  schedule();
}

function unsubscribe(subscriber: Subscriber): void {
  subscribers.delete(subscriber);
  if (subscribers.size > 0) return;
  stop();
  if (listening) {
    document.removeEventListener('visibilitychange', onVisibility);
    listening = false;
  }
}

/** For tests: how many countdowns the page clock serves and whether its timer is set. */
export function clockStatus(): { subscribers: number; running: boolean } {
  return { subscribers: subscribers.size, running: timer !== undefined };
}

/**
 * Owns the time of one countdown: subscribes its host to the page's single clock while connected
 * (and while the window has not ended), reads the server-corrected now (`Date.now() + offset`)
 * and asks the host to re-render only when the shown second or the state changes. Reads its
 * inputs again before every host update, so new `startsAt`/`endsAt` values apply at once. The
 * subscription is released on disconnect.
 */
export class CountdownController implements ReactiveController {
  /** The state at the last reading. */
  state: CountdownState = 'ended';
  /** Ms until the start (`upcoming`) or the end (`live`, `ending-soon`); 0 once ended. */
  remaining = 0;

  readonly #subscriber: Subscriber = { tick: () => this.#tick() };
  #connected = false;
  #read = false;
  #seconds = -1;
  #window: [number | undefined, number | undefined] = [undefined, undefined];

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: CountdownOptions,
  ) {
    host.addController(this);
  }

  /** The server-corrected time now, ms since epoch. */
  now(): number {
    return Date.now() + (this.options.offset?.() ?? 0);
  }

  hostConnected(): void {
    this.#connected = true;
    this.#measure();
    this.#follow();
  }

  hostDisconnected(): void {
    this.#connected = false;
    unsubscribe(this.#subscriber);
  }

  hostUpdate(): void {
    // Inputs may have changed with this update: read them again so the render is current.
    this.#measure();
    this.#follow();
  }

  #tick(): void {
    if (this.#measure()) this.host.requestUpdate();
    this.#follow();
  }

  /** Subscribed only while something can still change. */
  #follow(): void {
    if (this.#connected && this.state !== 'ended') subscribe(this.#subscriber);
    else unsubscribe(this.#subscriber);
  }

  /** Reads the clock; true when what is shown (state or whole seconds) changed. */
  #measure(): boolean {
    const now = this.now();
    const startsAt = this.options.startsAt();
    const endsAt = this.options.endsAt();
    const soon = this.options.endingSoonMs?.() ?? ENDING_SOON_MS;
    let state: CountdownState;
    let remaining: number;
    if (endsAt === undefined || !Number.isFinite(endsAt) || now >= endsAt) {
      state = 'ended';
      remaining = 0;
    } else if (startsAt !== undefined && now < startsAt) {
      state = 'upcoming';
      remaining = startsAt - now;
    } else {
      remaining = endsAt - now;
      state = remaining <= soon ? 'ending-soon' : 'live';
    }
    // Shown as whole seconds, rounded up: "00:00:01" until the very end.
    const seconds = Math.ceil(remaining / 1000);
    const previous = this.state;
    const changed = !this.#read || state !== previous || seconds !== this.#seconds;
    this.state = state;
    this.remaining = remaining;
    this.#seconds = seconds;
    // A new window is a first reading too: its state did not change, it is another countdown.
    const first = !this.#read || startsAt !== this.#window[0] || endsAt !== this.#window[1];
    this.#read = true;
    this.#window = [startsAt, endsAt];
    if (!first && state !== previous) {
      try {
        this.options.onStateChange?.(state, previous);
      } catch {
        // The host's callback must not stop the clock.
      }
    }
    return changed;
  }
}
