import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Loads an element's data (the instance, the catalog, a ranking, the profile) when it connects
 * and again after {@link reload}, once per update; and tells a load in flight whether a newer one
 * (or a disconnect) has superseded it, so that a slow answer never overwrites a newer one:
 *
 *   const token = this.loads.begin(); … await …; if (!this.loads.current(token)) return;
 */
export class LoadController implements ReactiveController {
  #generation = 0;
  #stale = false;

  constructor(
    private readonly host: ReactiveControllerHost & Element,
    private readonly load: () => Promise<void>,
  ) {
    host.addController(this);
  }

  /** Loads again at the next update (which this asks for). */
  reload(): void {
    this.#stale = true;
    this.host.requestUpdate();
  }

  /** Starts a load: its token, current until the next `begin()` or a disconnect. */
  begin(): number {
    return ++this.#generation;
  }

  current(token: number): boolean {
    return token === this.#generation;
  }

  hostConnected(): void {
    this.reload();
  }

  hostDisconnected(): void {
    this.#generation++;
  }

  hostUpdate(): void {
    if (!this.#stale || !this.host.isConnected) return;
    this.#stale = false;
    void this.load();
  }
}
