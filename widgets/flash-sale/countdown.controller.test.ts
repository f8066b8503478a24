import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  clockStatus,
  CountdownController,
  type CountdownOptions,
  type CountdownState,
} from './countdown.controller.js';
import { formatDuration } from './duration.js';

const T0 = Date.parse('2026-11-28T12:00:00.000Z');

class FakeHost implements ReactiveControllerHost {
  controllers: ReactiveController[] = [];
  updates = 0;
  addController(c: ReactiveController): void {
    this.controllers.push(c);
  }
  removeController(): void {}
  requestUpdate(): void {
    this.updates++;
  }
  get updateComplete(): Promise<boolean> {
    return Promise.resolve(true);
  }
  connect(): void {
    for (const c of this.controllers) c.hostConnected?.();
  }
  disconnect(): void {
    for (const c of this.controllers) c.hostDisconnected?.();
  }
}

let visibility: DocumentVisibilityState = 'visible';
const live: FakeHost[] = [];

function countdown(options: Partial<CountdownOptions> = {}): {
  host: FakeHost;
  controller: CountdownController;
} {
  const host = new FakeHost();
  const controller = new CountdownController(host, {
    startsAt: () => T0,
    endsAt: () => T0 + 2 * 3600_000,
    ...options,
  });
  host.connect();
  live.push(host);
  return { host, controller };
}

function setVisibility(state: DocumentVisibilityState): void {
  visibility = state;
  document.dispatchEvent(new Event('visibilitychange'));
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0 + 300); // 300 ms into a second
  visibility = 'visible';
  Object.defineProperty(document, 'visibilityState', {
    configurable: true,
    get: () => visibility,
  });
});

afterEach(() => {
  for (const host of live.splice(0)) host.disconnect();
  vi.useRealTimers();
});

describe('CountdownController', () => {
  it('reads upcoming, live, ending-soon and ended on the server-corrected clock', () => {
    const upcoming = countdown({ startsAt: () => T0 + 60_000, endsAt: () => T0 + 120_000 });
    expect(upcoming.controller.state).toBe('upcoming');
    expect(upcoming.controller.remaining).toBe(59_700);

    const running = countdown();
    expect(running.controller.state).toBe('live');
    expect(running.controller.remaining).toBe(2 * 3600_000 - 300);

    const soon = countdown({ endsAt: () => T0 + 10 * 60_000 });
    expect(soon.controller.state).toBe('ending-soon');

    const ended = countdown({ endsAt: () => T0 });
    expect(ended.controller.state).toBe('ended');
    expect(ended.controller.remaining).toBe(0);

    // The shop's clock is 90 s ahead of this device's: the sale started 60 s ago, not in 30 s.
    const skewed = countdown({ startsAt: () => T0 + 30_000, offset: () => 90_000 });
    expect(skewed.controller.now()).toBe(T0 + 90_300);
    expect(skewed.controller.state).toBe('live');

    const custom = countdown({ endsAt: () => T0 + 20 * 60_000, endingSoonMs: () => 30 * 60_000 });
    expect(custom.controller.state).toBe('ending-soon');
  });

  it('runs one timer for every countdown on the page, aligned to the second', () => {
    const a = countdown();
    const b = countdown({ endsAt: () => T0 + 3600_000 });
    expect(clockStatus()).toEqual({ subscribers: 2, running: true });
    expect(vi.getTimerCount()).toBe(1);

    vi.advanceTimersByTime(699);
    expect(a.host.updates).toBe(0);
    vi.advanceTimersByTime(1);
    expect(a.host.updates).toBe(1);
    expect(b.host.updates).toBe(1);
    expect(a.controller.remaining).toBe(2 * 3600_000 - 1000);

    vi.advanceTimersByTime(3000);
    expect(a.host.updates).toBe(4);
    expect(b.host.updates).toBe(4);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('stops while the page is hidden and re-syncs at once when it is visible again', () => {
    const { host, controller } = countdown();
    setVisibility('hidden');
    expect(clockStatus().running).toBe(false);
    expect(vi.getTimerCount()).toBe(0);

    vi.advanceTimersByTime(60_000); // nothing runs: no timer
    expect(host.updates).toBe(0);

    setVisibility('visible');
    expect(host.updates).toBe(1);
    expect(controller.remaining).toBe(2 * 3600_000 - 60_300);
    expect(clockStatus().running).toBe(true);

    // Back on the second boundary: the next tick comes after 700 ms.
    vi.advanceTimersByTime(699);
    expect(host.updates).toBe(1);
    vi.advanceTimersByTime(1);
    expect(host.updates).toBe(2);
  });

  it('asks for an update only when the shown second or the state changes', () => {
    const { host } = countdown();
    // Hidden and visible again within the same second: the shown value is the same.
    setVisibility('hidden');
    vi.setSystemTime(T0 + 500);
    setVisibility('visible');
    expect(host.updates).toBe(0);
  });

  it('stops the clock when no countdown is left and when its window has ended', () => {
    const a = countdown();
    const b = countdown({ endsAt: () => T0 + 2000 });
    vi.advanceTimersByTime(2000);
    expect(b.controller.state).toBe('ended');
    expect(clockStatus().subscribers).toBe(1);
    const updates = b.host.updates;
    vi.advanceTimersByTime(5000);
    expect(b.host.updates).toBe(updates);

    a.host.disconnect();
    expect(clockStatus()).toEqual({ subscribers: 0, running: false });
    expect(vi.getTimerCount()).toBe(0);

    // Reconnecting subscribes again.
    a.host.connect();
    expect(clockStatus()).toEqual({ subscribers: 1, running: true });
  });

  it('reports state changes as time passes, not on the first reading or a new window', () => {
    let endsAt = T0 + 10 * 60_000 + 1000;
    const changes: [CountdownState, CountdownState][] = [];
    const { host, controller } = countdown({
      endsAt: () => endsAt,
      onStateChange: (state, previous) => changes.push([state, previous]),
    });
    expect(controller.state).toBe('live');
    vi.advanceTimersByTime(1000);
    expect(changes).toEqual([['ending-soon', 'live']]);
    vi.advanceTimersByTime(10 * 60_000);
    expect(changes).toEqual([
      ['ending-soon', 'live'],
      ['ended', 'ending-soon'],
    ]);

    endsAt = T0 + 3600_000;
    (controller as ReactiveController).hostUpdate?.();
    expect(controller.state).toBe('live');
    expect(changes).toHaveLength(2);
    expect(host.updates).toBeGreaterThan(0);
  });
});

describe('formatDuration', () => {
  it('writes hh:mm:ss, rounded up, with days past 24 hours', () => {
    expect(formatDuration(0)).toBe('00:00:00');
    expect(formatDuration(1)).toBe('00:00:01');
    expect(formatDuration(3_723_000)).toBe('01:02:03');
    expect(formatDuration(90_061_000, '{count} j')).toBe('1 j 01:01:01');
    expect(formatDuration(-5)).toBe('00:00:00');
  });
});
